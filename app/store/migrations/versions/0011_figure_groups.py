"""what the figures are broken down by, as one integer per dossier; the second supplement's completion

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-16 09:00:00

``figure_group``: one row per combination of office, department (code and name), field, procedure
(code and name) and receiving officer (id and name); ``dossier.figure_group`` points at the dossier's
row. The indicators (app/services/reports.py) group a period's dossiers by that small integer, not by
eight text columns, and read the names once. ``dossier.supplement2_completed_at``: the completion of
the second supplement span, so a dossier asked twice is classified in SQL too. The projection keeps
both from now on (app.store.projection); existing dossiers are filled here, in batches that report
their progress through the migrations' logger (1,000,000 dossiers: about a minute, then the two covering
indexes of the figures).
"""

import logging
import time
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_BATCH = 50_000
log = logging.getLogger("app.store.migrations")  # app.store.db.MIGRATION_LOG
_KEY = ("unit_code", "department_code", "department_name", "field", "procedure_code", "procedure_name",
        "officer_id", "officer_name")  # fmt: skip


# app.store.models.FACT_INDEX_COLUMNS as of this revision.
_FACT_COLUMNS = [
    "code",
    "status",
    "updated_at",
    "supplement_count",
    "received_due_at",
    "supplement1_requested_at",
    "supplement1_completed_at",
    "supplement2_requested_at",
    "supplement2_completed_at",
    "processing_minutes",
    "processing_us",
    "processing_calendar",
    "rating",
    "figure_group",
    "uid",
]


def progress(message: str) -> None:
    """One progress line through the migrations' logger (app.store.db.MIGRATION_LOG: the app's log file;
    the command line shows it): a large store takes minutes."""
    log.info("[nâng cấp dữ liệu 0011] %s", message)


def upgrade() -> None:
    op.create_table(
        "figure_group",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("department_code", sa.String(length=30), nullable=False),
        sa.Column("department_name", sa.String(length=200), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("procedure_code", sa.String(length=40), nullable=False),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("officer_name", sa.String(length=200), nullable=False),
        sa.UniqueConstraint(*_KEY, name="uq_figure_group"),
    )
    # Plain ADD COLUMN (no batch copy): the table keeps its rowids, so the FTS index and its triggers
    # stay as they are.
    op.add_column("dossier", sa.Column("supplement2_completed_at", sa.DateTime(), nullable=True))
    op.add_column("dossier", sa.Column("figure_group", sa.Integer(), nullable=True))
    total = backfill(op.get_bind())
    # Counting a period reads these covering indexes instead of the dossier rows (a row holds the whole
    # decision, ~2 KB; an index entry ~200 bytes): the received range, and the ended (or open) range
    # that replaces migration 0010's (ended_at, received_at).
    if total >= _BATCH:
        progress("chỉ mục của các chỉ số…")
    op.create_index("ix_dossier_received_facts", "dossier", ["received_at", "ended_at", *_FACT_COLUMNS])
    op.drop_index("ix_dossier_ended_received", table_name="dossier")
    op.create_index("ix_dossier_ended_facts", "dossier", ["ended_at", "received_at", *_FACT_COLUMNS])


def backfill(conn: sa.Connection) -> int:
    """Fill ``figure_group`` and the two new dossier columns from the dossier rows (idempotent); the
    number of dossiers."""
    t0 = time.perf_counter()
    cols = ", ".join(_KEY)
    conn.execute(sa.text(f"INSERT OR IGNORE INTO figure_group ({cols}) SELECT {cols} FROM dossier"
                         f" GROUP BY {cols} ORDER BY min(id)"))  # fmt: skip
    match = " AND ".join(f"g.{c} = dossier.{c}" for c in _KEY)
    update = sa.text(f"UPDATE dossier SET figure_group = g.id FROM figure_group g"
                     f" WHERE dossier.id > :low AND dossier.id <= :high AND {match}")  # fmt: skip
    low, top = conn.execute(sa.text("SELECT coalesce(min(id), 1) - 1, coalesce(max(id), 0) FROM dossier")).one()
    total = conn.execute(sa.text("SELECT count(*) FROM dossier")).scalar_one()
    done = 0
    while low < top:
        high = low + _BATCH
        done += conn.execute(update, {"low": low, "high": high}).rowcount
        low = high
        if total >= _BATCH:
            progress(f"nhóm chỉ số: {done:,}/{total:,} hồ sơ ({time.perf_counter() - t0:.0f} giây)".replace(",", "."))
    _second_completions(conn)
    if total >= _BATCH:
        progress(f"nhóm chỉ số xong trong {time.perf_counter() - t0:.0f} giây")
    return int(total)


def _second_completions(conn: sa.Connection) -> None:
    from app.domain.indicators import supplement_spans
    from app.store.projection import stored_moment

    rows = conn.execute(sa.text("SELECT id, supplement_marks FROM dossier WHERE supplement_count >= 2")).all()
    params = []
    for row_id, marks in rows:
        spans = supplement_spans(marks)
        completed: datetime | None = spans[1].completed_at if len(spans) > 1 else None
        params.append({"id": row_id, "c2": None if completed is None else stored_moment(completed)})
    if params:
        conn.execute(sa.text("UPDATE dossier SET supplement2_completed_at = :c2 WHERE id = :id"), params)


def downgrade() -> None:
    op.drop_index("ix_dossier_ended_facts", table_name="dossier")
    op.drop_index("ix_dossier_received_facts", table_name="dossier")
    op.create_index("ix_dossier_ended_received", "dossier", ["ended_at", "received_at"])
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("figure_group")
        batch.drop_column("supplement2_completed_at")
    op.drop_table("figure_group")
