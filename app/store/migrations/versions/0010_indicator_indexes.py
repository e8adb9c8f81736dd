"""an index for the period's carried-over dossiers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 13:00:00

``(ended_at, received_at)`` on ``dossier``: the indicators and Biểu II.06a of a period
(app/services/reports.py) find the dossiers carried over — received before the period and ended in
or after it, or not ended — by two index ranges instead of reading every dossier received before
the period's end (the period's own receipts are a range of ``ix_dossier_received``).
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dossier_ended_received", "dossier", ["ended_at", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_dossier_ended_received", table_name="dossier")
