"""the class of an ended dossier, kept on its row and in the figures' covering indexes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-17 09:00:00

``dossier.ended_class``: the Biểu II.06a class (1 early, 2 on time, 3 late) of a dossier that has ended,
the same in every period its end falls in (app.domain.indicators.ended_class, the rule of the server's
fold; NULL while open, without a reception due date, or when a supplement request before the end was
never completed). The indicators (app/services/reports.py) read that small integer instead of working
the class out of six moments per dossier; open dossiers and the rare cases are still classified in SQL.
The projection keeps it from now on (app.store.projection.set_ended_class); existing dossiers are filled
here with the same function, in batches that report their progress through the migrations' logger, then
the two covering indexes of migration 0011 are rebuilt with the new column.
"""

import logging
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_BATCH = 50_000
log = logging.getLogger("app.store.migrations")  # app.store.db.MIGRATION_LOG

# app.store.models.FACT_INDEX_COLUMNS as of this revision (0011's and ``ended_class``).
_FACT_COLUMNS_0011 = ["code", "status", "updated_at", "supplement_count", "received_due_at",
                      "supplement1_requested_at", "supplement1_completed_at", "supplement2_requested_at",
                      "supplement2_completed_at", "processing_minutes", "processing_us", "processing_calendar",
                      "rating", "figure_group", "uid"]  # fmt: skip
_FACT_COLUMNS = [*_FACT_COLUMNS_0011, "ended_class"]
_SELECT = sa.text(
    "SELECT id, ended_at, end_status, received_due_at, supplement1_requested_at, supplement1_completed_at,"
    " supplement2_requested_at FROM dossier WHERE id > :low AND id <= :high AND ended_at IS NOT NULL"
    " AND received_due_at IS NOT NULL"
)
_UPDATE = sa.text("UPDATE dossier SET ended_class = :c WHERE id = :id")


def progress(message: str) -> None:
    """One progress line through the migrations' logger (app.store.db.MIGRATION_LOG)."""
    log.info("[nâng cấp dữ liệu 0012] %s", message)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): the table keeps its rowids, so the FTS index stays as it is.
    op.add_column("dossier", sa.Column("ended_class", sa.Integer(), nullable=True))
    total = backfill(op.get_bind())
    if total >= _BATCH:
        progress("chỉ mục của các chỉ số…")
    _indexes(_FACT_COLUMNS)


def _indexes(columns: list[str]) -> None:
    op.drop_index("ix_dossier_received_facts", table_name="dossier")
    op.drop_index("ix_dossier_ended_facts", table_name="dossier")
    op.create_index("ix_dossier_received_facts", "dossier", ["received_at", "ended_at", *columns])
    op.create_index("ix_dossier_ended_facts", "dossier", ["ended_at", "received_at", *columns])


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def backfill(conn: sa.Connection) -> int:
    """Fill ``ended_class`` of the ended dossiers with a reception due date (idempotent); the number of
    dossiers."""
    from app.domain.indicators import ended_class

    t0 = time.perf_counter()
    low, top = conn.execute(sa.text("SELECT coalesce(min(id), 1) - 1, coalesce(max(id), 0) FROM dossier")).one()
    total = int(conn.execute(sa.text("SELECT count(*) FROM dossier")).scalar_one())
    done = 0
    while low < top:
        high = low + _BATCH
        params = []
        for row_id, end, status, due, r1, c1, r2 in conn.execute(_SELECT, {"low": low, "high": high}):
            cls = ended_class(_moment(end), status, _moment(due), _moment(r1), _moment(c1), _moment(r2))
            if cls is not None:
                params.append({"id": row_id, "c": cls})
        if params:
            conn.execute(_UPDATE, params)
        done += min(high, top) - low
        low = high
        if total >= _BATCH:
            seen = f"{done:,}/{top:,}".replace(",", ".")
            progress(f"loại của hồ sơ đã kết thúc: {seen} hồ sơ ({time.perf_counter() - t0:.0f} giây)")
    return total


def downgrade() -> None:
    _indexes(_FACT_COLUMNS_0011)
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("ended_class")
