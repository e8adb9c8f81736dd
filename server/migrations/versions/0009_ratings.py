"""The citizen's satisfaction rating on the server's dossiers.

Revision ID: 0009
Revises: 0008

``dossiers.rating`` / ``rated_at`` / ``rating_hlc`` / ``rating_event_id``: folded from ``dossier.rated`` events
(server/sync/push.py), so the province indicators (5.4 satisfaction) count them in SQL. New
columns only: no server before this version accepted a rating event, so nothing is back-filled.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("rating", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("rated_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("rating_hlc", sa.String(length=60), nullable=False, server_default=""))
        batch.add_column(sa.Column("rating_event_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("rating_event_id")
        batch.drop_column("rating_hlc")
        batch.drop_column("rated_at")
        batch.drop_column("rating")
