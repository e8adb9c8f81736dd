"""Chain of custody on the server's dossier state: last custody event, place, in transit, disputed;
whether the due date was moved by an apology (form 04).

Revision ID: 0003
Revises: 0002

Columns with server defaults, so existing rows need no rewrite of their values (a dossier that
never moved is at the counter that received it; its custody parent is its first event).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("custody_event_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("custody_place", sa.String(length=80), server_default="", nullable=False))
        batch.add_column(sa.Column("custody_in_transit", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("custody_disputed", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("due_extended", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        for column in ("due_extended", "custody_disputed", "custody_in_transit", "custody_place", "custody_event_id"):
            batch.drop_column(column)
