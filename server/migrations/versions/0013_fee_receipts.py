"""Fee receipt numbers handed to devices in blocks, per unit and year (issue 16, fees).

Revision ID: 0013
Revises: 0012

``fee_receipt_counters`` holds the last number issued per (unit, year), locked while a block is cut;
``fee_receipt_blocks`` each block issued to a device, idempotent by ``request_id``
(server/sync/fee_receipts.py; the numbering rule is app.domain.fee_receipt's). New tables only.

The revision follows 0014 (channel and scan_required), which was written before it: the ids are
names, the chain is what orders them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fee_receipt_counters",
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_code", "year", name=op.f("pk_fee_receipt_counters")),
    )
    op.create_table(
        "fee_receipt_blocks",
        sa.Column("id", _BIGID, autoincrement=True, nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_receipt_blocks")),
        sa.UniqueConstraint("request_id", name="uq_fee_receipt_blocks_request"),
        sa.UniqueConstraint("unit_code", "year", "first", name="uq_fee_receipt_blocks_unit_year_first"),
    )
    op.create_index("ix_fee_receipt_blocks_device_year", "fee_receipt_blocks", ["device_id", "year"])


def downgrade() -> None:
    op.drop_index("ix_fee_receipt_blocks_device_year", table_name="fee_receipt_blocks")
    op.drop_table("fee_receipt_blocks")
    op.drop_table("fee_receipt_counters")
