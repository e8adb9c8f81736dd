"""chain of custody: where each paper folder is, handover batches and their items

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00

New tables only: a dossier without a custody row is at the counter that received it (the law
leaves the paper there until it is transferred), so nothing is backfilled and an office with a
million dossiers upgrades in an instant.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custody",
        sa.Column("dossier_uid", sa.String(length=36), nullable=False),
        sa.Column("place_kind", sa.String(length=20), nullable=False),
        sa.Column("place_code", sa.String(length=40), nullable=False),
        sa.Column("place_name", sa.String(length=200), nullable=False),
        sa.Column("origin_kind", sa.String(length=20), nullable=False),
        sa.Column("origin_code", sa.String(length=40), nullable=False),
        sa.Column("origin_name", sa.String(length=200), nullable=False),
        sa.Column("in_transit", sa.Boolean(), nullable=False),
        sa.Column("missing", sa.Boolean(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("last_event_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("order_key", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("dossier_uid"),
    )
    op.create_index("ix_custody_place", "custody", ["place_kind", "place_code", "in_transit"])
    op.create_index("ix_custody_transit", "custody", ["in_transit", "since"])
    op.create_table(
        "handover_batch",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("from_kind", sa.String(length=20), nullable=False),
        sa.Column("from_code", sa.String(length=40), nullable=False),
        sa.Column("from_name", sa.String(length=200), nullable=False),
        sa.Column("to_kind", sa.String(length=20), nullable=False),
        sa.Column("to_code", sa.String(length=40), nullable=False),
        sa.Column("to_name", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("counter_name", sa.String(length=100), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("received_count", sa.Integer(), nullable=False),
        sa.Column("missing_count", sa.Integer(), nullable=False),
        sa.Column("unexpected_count", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handover_batch_to", "handover_batch", ["to_kind", "to_code", "state"])
    op.create_index("ix_handover_batch_sent", "handover_batch", ["sent_at"])
    op.create_table(
        "handover_item",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("dossier_uid", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("sent_event_id", sa.String(length=36), nullable=False),
        sa.Column("done_event_id", sa.String(length=36), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", "dossier_uid"),
    )
    op.create_index("ix_handover_item_dossier", "handover_item", ["dossier_uid"])


def downgrade() -> None:
    op.drop_index("ix_handover_item_dossier", table_name="handover_item")
    op.drop_table("handover_item")
    op.drop_index("ix_handover_batch_sent", table_name="handover_batch")
    op.drop_index("ix_handover_batch_to", table_name="handover_batch")
    op.drop_table("handover_batch")
    op.drop_index("ix_custody_transit", table_name="custody")
    op.drop_index("ix_custody_place", table_name="custody")
    op.drop_table("custody")
