"""custody ordered by hybrid logical clocks; events keep the PC's clock offset

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 10:00:00

``event.clock_offset_seconds``: how far this PC's clock was from the server's when the event was
made (None: never synced yet). ``custody``: the key was ``<occurred_at>|<hlc>`` (PC wall clock
first); it is now the HLC alone (app.domain.custody), so every custody row is folded again from
the dossier's custody events in HLC order.
"""

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.domain.custody import CUSTODY_KINDS, CustodyState, Place, PlaceKind, fold_custody
from app.domain.events import EventType

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _refold() -> None:
    conn = op.get_bind()
    kinds = sorted(str(k) for k in CUSTODY_KINDS)
    rows = conn.execute(
        sa.text(
            "SELECT id, type, dossier_uid, payload, occurred_at, hlc, officer_name FROM event"
            " WHERE type IN :kinds ORDER BY dossier_uid, hlc"
        ).bindparams(sa.bindparam("kinds", expanding=True)),
        {"kinds": kinds},
    ).all()
    states: dict[str, CustodyState] = {}
    for event_id, kind, uid, payload, occurred_at, hlc, officer_name in rows:
        body = payload if isinstance(payload, dict) else json.loads(payload or "{}")
        try:
            new = fold_custody(states.get(uid), EventType(kind), body, event_id=event_id,
                               occurred_at=_moment(occurred_at), hlc=hlc, officer_name=officer_name)  # fmt: skip
        except (KeyError, ValueError, TypeError):
            continue  # a payload the projection could not fold either: it left no row
        if new is not None:
            states[uid] = new
    update = sa.text(
        "UPDATE custody SET place_kind = :place_kind, place_code = :place_code, place_name = :place_name,"
        " origin_kind = :origin_kind, origin_code = :origin_code, origin_name = :origin_name,"
        " in_transit = :in_transit, missing = :missing, since = :since, holder = :holder,"
        " last_event_id = :last_event_id, batch_id = :batch_id, order_key = :order_key WHERE dossier_uid = :uid"
    )
    for uid, st in states.items():
        origin = st.origin or Place(PlaceKind.COUNTER, "", "")
        conn.execute(
            update,
            {
                "uid": uid, "place_kind": str(st.place.kind), "place_code": st.place.code,
                "place_name": st.place.name, "origin_kind": str(origin.kind) if st.origin else "",
                "origin_code": origin.code if st.origin else "", "origin_name": origin.name if st.origin else "",
                "in_transit": st.in_transit, "missing": st.missing, "since": st.since, "holder": st.holder,
                "last_event_id": st.last_event_id, "batch_id": st.batch_id, "order_key": st.key,
            },
        )  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("clock_offset_seconds", sa.Integer(), nullable=True))
    _refold()


def downgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.drop_column("clock_offset_seconds")
