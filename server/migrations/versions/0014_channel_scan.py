"""Each server dossier's channel and whether it has a paper to scan (the law of 2025, indicators 3.3 and 4.2).

Revision ID: 0014
Revises: 0013

``dossiers.channel``: how the dossier reached the office (1 direct, 2 online, 3 postal:
app.domain.indicators.Channel) and ``dossiers.scan_required``: whether at least one paper received
must be scanned (app.domain.digitisation: not when submitted online, nor when every paper was only
shown or is classified), both from the first reception decision (server/sync/facts.fold_reception), as
the counters keep them (client migration 0013). The events stored before this revision carry neither
a channel nor an exempt paper (the contracts refused both keys), so the defaults are what they mean:
direct, to scan. ``ix_dossiers_indicator_facts`` is built again with both columns included, so the
province's indicators stay an index-only scan on PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# server.sync.models.INDICATOR_COLUMNS as of revision 0012, and as of this one.
_COLUMNS_0012 = ("ended_at", "report_key", "end_status", "ended_class", "digitised", "processing_minutes",
                 "processing_us", "processing_day_minutes", "received_due_at", "supplement1_requested_at",
                 "supplement1_completed_at", "supplement2_requested_at", "supplement2_completed_at",
                 "rating")  # fmt: skip
_COLUMNS = (*_COLUMNS_0012, "channel", "scan_required")
COUNTED = "coalesce(code, printed_code) IS NOT NULL"


def _index(columns: tuple[str, ...]) -> None:
    op.create_index(
        "ix_dossiers_indicator_facts", "dossiers", ["received_at"], postgresql_include=list(columns),
        postgresql_where=sa.text(COUNTED), sqlite_where=sa.text(COUNTED),
    )  # fmt: skip


def upgrade() -> None:
    op.drop_index("ix_dossiers_indicator_facts", table_name="dossiers")
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("channel", sa.SmallInteger(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("scan_required", sa.Boolean(), nullable=False, server_default=sa.true()))
    _index(_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_dossiers_indicator_facts", table_name="dossiers")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("scan_required")
        batch.drop_column("channel")
    _index(_COLUMNS_0012)
