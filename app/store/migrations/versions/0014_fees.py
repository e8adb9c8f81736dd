"""fees: receipt number blocks and requests, and the payments folded from ``fee.paid`` events

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 18:00:00

Issue 16, fees. ``fee_receipt_block`` holds the receipt numbers this PC may print per unit and year
(server blocks, the device's fallback partition, or a standalone PC's own book: app.domain.fee_receipt);
``fee_receipt_request`` a reservation written before it is sent (a retry reuses its id);
``fee_payment`` one row per ``fee.paid`` event (app.store.projection), read by the dossier's fee
status, the return check and the day's fee list. New tables only: nothing to back-fill.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fee_receipt_block",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("unit_code", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("next", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=True),
        sa.UniqueConstraint("unit_code", "year", "first", name="uq_fee_receipt_block_start"),
    )
    op.create_table(
        "fee_receipt_request",
        sa.Column("request_id", sa.String(36), primary_key=True),
        sa.Column("unit_code", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "fee_payment",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("dossier_uid", sa.String(36), nullable=False),
        sa.Column("unit_code", sa.String(20), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("receipt_year", sa.Integer(), nullable=False),
        sa.Column("receipt_series", sa.String(40), nullable=False),
        sa.Column("receipt_no", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("payer_name", sa.String(200), nullable=False),
        sa.Column("payer_id", sa.String(20), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=False),
        sa.Column("officer_id", sa.String(36), nullable=False),
        sa.Column("officer_name", sa.String(200), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("counter_name", sa.String(200), nullable=False),
    )
    op.create_index("ix_fee_payment_dossier", "fee_payment", ["dossier_uid"])
    op.create_index("ix_fee_payment_paid_at", "fee_payment", ["paid_at"])
    op.create_index("ix_fee_payment_receipt", "fee_payment", ["unit_code", "receipt_year", "receipt_no"])


def downgrade() -> None:
    op.drop_table("fee_payment")
    op.drop_table("fee_receipt_request")
    op.drop_table("fee_receipt_block")
