"""the citizen's satisfaction rating on the dossier row

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-14 09:00:00

``dossier.rating`` / ``rated_at`` / ``rating_hlc`` (app.store.projection folds ``dossier.rated``).
New columns only: no rating event exists before this version, so nothing is backfilled.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): the table keeps its rowids, so the FTS index and its
    # triggers stay as they are.
    op.add_column("dossier", sa.Column("rating", sa.String(length=20), nullable=True))
    op.add_column("dossier", sa.Column("rated_at", sa.DateTime(), nullable=True))
    op.add_column("dossier", sa.Column("rating_hlc", sa.String(length=40), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("rating_hlc")
        batch.drop_column("rated_at")
        batch.drop_column("rating")
