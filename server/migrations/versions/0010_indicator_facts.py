"""The facts of the province indicators on the server's dossiers.

Revision ID: 0010
Revises: 0009

``dossiers.field``, ``ended_at`` / ``end_status``, ``received_due_at``, ``supplement_marks`` /
``supplement_count`` / ``supplement{1,2}_requested_at`` / ``supplement{1,2}_completed_at``: what
the counters keep on their rows (client migration 0009), so the province indicators
(server/sync/indicators.py) classify and count in SQL. The push's fold keeps them from now on
(server/sync/facts.py); existing dossiers are filled from their stored events, in batches of
dossiers, with the fold's own function (one code path). ``ix_dossiers_received_at`` serves the
period filter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_BATCH = 2000
_TYPES = (
    "dossier.received",
    "dossier.refused",
    "dossier.result_recorded",
    "dossier.returned",
    "dossier.department_supplement_requested",
    "dossier.supplement_received",
)
_FACTS = ("field", "ended_at", "end_status", "received_due_at", "supplement_marks", "supplement_count",
          "supplement1_requested_at", "supplement1_completed_at", "supplement2_requested_at",
          "supplement2_completed_at")  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("field", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("ended_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("end_status", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("received_due_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("supplement_marks", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("supplement_count", sa.Integer(), nullable=False, server_default="0"))
        for n in (1, 2):
            batch.add_column(sa.Column(f"supplement{n}_requested_at", sa.DateTime(), nullable=True))
            batch.add_column(sa.Column(f"supplement{n}_completed_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_dossiers_received_at", ["received_at"], unique=False)
    _backfill(op.get_bind())


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _backfill(conn: sa.Connection) -> None:
    from app.domain.events import EventType
    from app.domain.status import DossierStatus
    from server.sync.facts import FACT_DEFAULTS, fold_facts

    dossiers = sa.table("dossiers", sa.column("uid"), sa.column("status"), sa.column("due_at"),
                        *(sa.column(c) for c in _FACTS))  # fmt: skip
    events = sa.table("events", sa.column("dossier_uid"), sa.column("type"), sa.column("occurred_at"),
                      sa.column("hlc"), sa.column("payload", sa.JSON()))  # fmt: skip
    update = (
        dossiers.update()
        .where(dossiers.c.uid == sa.bindparam("b_uid"))
        .values({c: sa.bindparam(f"b_{c}") for c in _FACTS})
    )
    last = ""
    while True:
        rows = conn.execute(
            sa.select(dossiers.c.uid, dossiers.c.status, dossiers.c.due_at)
            .where(dossiers.c.uid > last)
            .order_by(dossiers.c.uid)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        state = {uid: {"status": status, "due_at": None, **FACT_DEFAULTS} for uid, status, _ in rows}
        found = conn.execute(
            sa.select(events.c.dossier_uid, events.c.type, events.c.occurred_at, events.c.payload)
            .where(events.c.dossier_uid.in_(list(state)), events.c.type.in_(_TYPES))
            .order_by(events.c.dossier_uid, events.c.hlc)
        ).all()
        for uid, kind, occurred, payload in found:
            row = state[uid]
            at = _moment(occurred)
            assert at is not None
            if kind == "dossier.received" and isinstance(payload, dict):
                procedure = payload.get("procedure") or {}
                row["field"] = str(procedure.get("field") or "")[:200]
                row["received_due_at"] = _moment(payload.get("due_at"))
                continue
            if kind == "dossier.refused" and row["ended_at"] is None:
                row["ended_at"], row["end_status"] = at, int(DossierStatus.REFUSED)
                continue
            fold_facts(row, EventType(kind), None, at)
        params = [{"b_uid": uid, **{f"b_{c}": state[uid][c] for c in _FACTS}} for uid, _, _ in rows]
        conn.execute(update, params)


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_index("ix_dossiers_received_at")
        for name in reversed(_FACTS):
            batch.drop_column(name)
