"""Who handled a server dossier, its processing time and whether it is digitised (province indicators).

Revision ID: 0011
Revises: 0010

``dossiers.department_code`` / ``department_name`` (the procedure's deciding agency as received: its
level groups Biểu II.06a), ``officer_name`` (who received it, as the counters keep it),
``legal_value`` / ``legal_unit`` (the procedure's legal time as received), ``processing_minutes`` /
``processing_us`` / ``processing_day_minutes`` (2.2's time of a dossier with a result or return, on
the office's working calendar: app.domain.indicators.processing_parts, as the counters' projection),
``digitised`` (4.2: an attachment event of the dossier names a file the office has stored), and
``officers.province_reports`` (a supervisor granted the province's reports). ``report_keys`` and
``dossiers.report_key``: one integer per combination of what the indicators group by
(server/sync/report_keys.py), so a year of the province groups by one integer, not ten texts. The push's
fold keeps them from now on (server/sync/facts.py); existing dossiers are filled from their stored
events with the fold's own functions, in batches of dossiers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_BATCH = 2000
_DECISIONS = ("dossier.received", "dossier.supplement_requested", "dossier.refused")
_COLUMNS = ("department_code", "department_name", "officer_name", "legal_value", "legal_unit",
            "processing_minutes", "processing_us", "processing_day_minutes", "digitised", "report_key")  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("department_code", sa.String(length=30), nullable=False, server_default=""))
        batch.add_column(sa.Column("department_name", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("officer_name", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("legal_value", sa.Float(), nullable=True))
        batch.add_column(sa.Column("legal_unit", sa.String(length=20), nullable=False, server_default=""))
        batch.add_column(sa.Column("processing_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("processing_us", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("processing_day_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("digitised", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("report_key", sa.Integer(), nullable=True))
    op.create_table(
        "report_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("department_code", sa.String(length=30), nullable=False),
        sa.Column("department_name", sa.String(length=200), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("procedure_code", sa.String(length=40), nullable=False),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("officer_name", sa.String(length=200), nullable=False),
        sa.Column("legal_value", sa.Float(), nullable=True),
        sa.Column("legal_unit", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_report_keys"),
        sa.UniqueConstraint("digest", name="uq_report_keys_digest"),
    )
    with op.batch_alter_table("officers") as batch:
        batch.add_column(sa.Column("province_reports", sa.Boolean(), nullable=False, server_default=sa.false()))
    _backfill(op.get_bind())


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _backfill(conn: sa.Connection) -> None:
    from sqlalchemy.orm import Session

    from server.sync.calendars import Calendars
    from server.sync.facts import fold_received, set_processing_columns
    from server.sync.report_keys import assign

    dossiers = sa.table("dossiers", sa.column("uid"), sa.column("unit_code"), sa.column("received_at"),
                        sa.column("ended_at"), sa.column("end_status"), sa.column("supplement_marks"),
                        sa.column("field"), sa.column("procedure_code"), sa.column("procedure_name"),
                        sa.column("officer_id"),
                        *(sa.column(c) for c in _COLUMNS))  # fmt: skip
    events = sa.table("events", sa.column("dossier_uid"), sa.column("unit_code"), sa.column("type"),
                      sa.column("officer_name"), sa.column("hlc"), sa.column("payload", sa.JSON()))  # fmt: skip
    files = sa.table("attachments", sa.column("unit_code"), sa.column("sha256"), sa.column("complete"))
    update = (
        dossiers.update()
        .where(dossiers.c.uid == sa.bindparam("b_uid"))
        .values({c: sa.bindparam(f"b_{c}") for c in _COLUMNS})
    )
    calendars = Calendars(Session(bind=conn))
    stored = {(u, h) for u, h, done in conn.execute(sa.select(files.c.unit_code, files.c.sha256, files.c.complete))
              if done}  # fmt: skip
    last = ""
    while True:
        rows = conn.execute(
            sa.select(dossiers.c.uid, dossiers.c.unit_code, dossiers.c.received_at, dossiers.c.ended_at,
                      dossiers.c.end_status, dossiers.c.supplement_marks, dossiers.c.field, dossiers.c.procedure_code,
                      dossiers.c.procedure_name, dossiers.c.officer_id)
            .where(dossiers.c.uid > last).order_by(dossiers.c.uid).limit(_BATCH)
        ).mappings().all()  # fmt: skip
        if not rows:
            break
        last = rows[-1]["uid"]
        state: dict[str, dict[str, Any]] = {}
        for r in rows:
            row = dict(r, received_at=_moment(r["received_at"]), ended_at=_moment(r["ended_at"]),
                       department_code="", department_name="", officer_name="", legal_value=None, legal_unit="",
                       digitised=False)  # fmt: skip
            state[r["uid"]] = row
        found = conn.execute(
            sa.select(events.c.dossier_uid, events.c.unit_code, events.c.type, events.c.officer_name, events.c.payload)
            .where(events.c.dossier_uid.in_(list(state)),
                   events.c.type.in_((*_DECISIONS, "dossier.attachment_added")))
            .order_by(events.c.dossier_uid, events.c.hlc)
        ).all()  # fmt: skip
        for uid, unit, kind, officer_name, payload in found:
            row = state[uid]
            if not isinstance(payload, dict):
                continue
            if kind in _DECISIONS and not row["officer_name"]:
                fold_received(row, payload.get("procedure") or {}, officer_name or "")
            elif kind == "dossier.attachment_added" and (unit, payload.get("sha256")) in stored:
                row["digitised"] = True
        for row in state.values():
            set_processing_columns(row, calendars.of(row["unit_code"]))
        assign(conn, list(state.values()))
        conn.execute(update, [{"b_uid": uid, **{f"b_{c}": row[c] for c in _COLUMNS}} for uid, row in state.items()])


def downgrade() -> None:
    op.drop_table("report_keys")
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("province_reports")
    with op.batch_alter_table("dossiers") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
