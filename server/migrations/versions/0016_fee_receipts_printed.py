"""Each receipt number a pushed ``fee.paid`` printed, beside its event (issue 16, fee receipts).

Revision ID: 0016
Revises: 0015

``fee_receipts_printed`` (event id, unit, year, number, device): the push flags a number already on
another payment of the unit and year (conflict ``duplicate_receipt``) and the block cutter starts
above the highest number printed (a standalone book carried on after enrolment); both read it by
(unit, year, number). Back-filled from the ``fee.paid`` events stored before this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fee_receipts_printed",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_fee_receipts_printed")),
    )
    op.create_index("ix_fee_receipts_printed_number", "fee_receipts_printed", ["unit_code", "year", "number"])
    conn = op.get_bind()
    events = sa.table(
        "events",
        sa.column("id", sa.String),
        sa.column("device_id", sa.String),
        sa.column("unit_code", sa.String),
        sa.column("type", sa.String),
        sa.column("payload", sa.JSON),
    )
    printed = sa.table(
        "fee_receipts_printed",
        sa.column("event_id", sa.String),
        sa.column("unit_code", sa.String),
        sa.column("year", sa.Integer),
        sa.column("number", sa.Integer),
        sa.column("device_id", sa.String),
    )
    rows = conn.execute(
        sa.select(events.c.id, events.c.device_id, events.c.unit_code, events.c.payload).where(
            events.c.type == "fee.paid"
        )
    )
    found = [
        {"event_id": i, "unit_code": unit, "year": p["receipt_year"], "number": p["receipt_no"], "device_id": device}
        for i, device, unit, p in rows
        if isinstance(p, dict) and isinstance(p.get("receipt_year"), int) and isinstance(p.get("receipt_no"), int)
    ]
    for start in range(0, len(found), 1000):
        conn.execute(sa.insert(printed), found[start : start + 1000])


def downgrade() -> None:
    op.drop_index("ix_fee_receipts_printed_number", table_name="fee_receipts_printed")
    op.drop_table("fee_receipts_printed")
