"""the law of 2025 on each dossier: legal basis, channel, handling unit, whether it has papers to scan

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 17:00:00

Decree 118/2025 and Circular 03/2025 apply to dossiers received from 1 July 2025; a dossier keeps the
form set in force when it was received (``legal_basis`` "2018" or "2025", app.domain.legal_basis).
``channel`` is how it reached the office (1 direct, 2 online, 3 postal: app.domain.indicators.Channel).
``handling_unit`` is the unit identifier of the unit that decides when it is not the receiving office
(receiving regardless of residence; "" = the office itself). ``scan_required`` is 1 when at least one of
its papers must be digitised (indicator 4.2 counts only those; 0 when every paper was only shown or
submitted online). Existing dossiers: the basis from their reception time, direct, handled by the
office, with papers to scan (what the figures assumed until now). The figures' covering indexes gain
``channel`` and ``scan_required``.
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

log = logging.getLogger("app.store.migrations")  # app.store.db.MIGRATION_LOG

# app.store.models.FACT_INDEX_COLUMNS as of revision 0012, and as of this one.
_FACT_COLUMNS_0012 = ["code", "status", "updated_at", "supplement_count", "received_due_at",
                      "supplement1_requested_at", "supplement1_completed_at", "supplement2_requested_at",
                      "supplement2_completed_at", "processing_minutes", "processing_us", "processing_calendar",
                      "rating", "figure_group", "uid", "ended_class"]  # fmt: skip
_FACT_COLUMNS = [*_FACT_COLUMNS_0012, "channel", "scan_required"]


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): the table keeps its rowids, so the FTS index stays as it is.
    op.add_column("dossier", sa.Column("legal_basis", sa.String(4), nullable=False, server_default=""))
    op.add_column("dossier", sa.Column("channel", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("dossier", sa.Column("handling_unit", sa.String(20), nullable=False, server_default=""))
    op.add_column("dossier", sa.Column("scan_required", sa.Integer(), nullable=False, server_default="1"))
    conn = op.get_bind()
    total = int(conn.execute(sa.text("SELECT count(*) FROM dossier")).scalar_one())
    if total >= 50_000:
        log.info("[nâng cấp dữ liệu 0013] căn cứ pháp lý của %s hồ sơ…", f"{total:,}".replace(",", "."))
    # Local wall-clock times, as every moment in this store (app.domain.legal_basis.CUTOVER).
    conn.execute(
        sa.text("UPDATE dossier SET legal_basis = CASE WHEN received_at < :cut THEN '2018' ELSE '2025' END"),
        {"cut": "2025-07-01 00:00:00.000000"},
    )
    if total >= 50_000:
        log.info("[nâng cấp dữ liệu 0013] chỉ mục của các chỉ số…")
    _indexes(_FACT_COLUMNS)


def _indexes(columns: list[str]) -> None:
    op.drop_index("ix_dossier_received_facts", table_name="dossier")
    op.drop_index("ix_dossier_ended_facts", table_name="dossier")
    op.create_index("ix_dossier_received_facts", "dossier", ["received_at", "ended_at", *columns])
    op.create_index("ix_dossier_ended_facts", "dossier", ["ended_at", "received_at", *columns])


def downgrade() -> None:
    _indexes(_FACT_COLUMNS_0012)
    with op.batch_alter_table("dossier") as batch:
        for column in ("scan_required", "handling_unit", "channel", "legal_basis"):
            batch.drop_column(column)
