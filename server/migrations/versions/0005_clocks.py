"""Custody ordered by hybrid logical clocks; each event keeps its PC's clock offset.

Revision ID: 0005
Revises: 0004

``dossiers.custody_hlc``: the HLC of the custody event that set the custody (server/sync/push.py:
the custody event with the greatest HLC wins, as in the counters' fold, whatever the push
order). Back-filled from the events table. ``events.clock_offset_seconds``: how far the PC's
clock was from the server's when the event was made (None: not known, or an older client).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("custody_hlc", sa.String(length=60), nullable=False, server_default=""))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("clock_offset_seconds", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE dossiers SET custody_hlc = COALESCE("
        "(SELECT e.hlc FROM events e WHERE e.id = dossiers.custody_event_id), '') "
        "WHERE custody_event_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("clock_offset_seconds")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("custody_hlc")
