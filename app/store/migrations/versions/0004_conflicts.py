"""conflicts the server opened, cached for the counters and supervisors of this PC

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:00:00

A new table only: conflicts are learnt from the next push results and pulls (and a supervisor's
GET /conflicts), so nothing is backfilled.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conflict_id", sa.String(length=36), nullable=True),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("dossier_uid", sa.String(length=36), nullable=False),
        sa.Column("event_ids", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("resolved_by", sa.String(length=200), nullable=False),
        sa.Column("resolution_event_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conflict_id"),
    )
    op.create_index("ix_sync_conflict_dossier", "sync_conflict", ["dossier_uid", "resolved_at"])
    op.create_index("ix_sync_conflict_event", "sync_conflict", ["event_id"])
    op.create_index("ix_sync_conflict_open", "sync_conflict", ["resolved_at", "opened_at"])


def downgrade() -> None:
    op.drop_index("ix_sync_conflict_open", table_name="sync_conflict")
    op.drop_index("ix_sync_conflict_event", table_name="sync_conflict")
    op.drop_index("ix_sync_conflict_dossier", table_name="sync_conflict")
    op.drop_table("sync_conflict")
