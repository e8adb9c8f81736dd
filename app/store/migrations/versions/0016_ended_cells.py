"""a per-day summary of the ended dossiers, kept by triggers; ``dossier.digitised``

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 20:00:00

Issue 14 (a year's indicators ≤ 1 s). About five in six of the dossiers a year's figures count ended in
that year, and the figure cell of an ended dossier does not depend on the period but for "carried over":
``ended_cell`` sums them per day of their end (``substr(ended_at, 1, 10)``), per processing-time calendar
fingerprint and per the packed key app.services.reports gives a dossier **received in the period** (the
"as-if" key: received and ended in the period, not carried over). A dossier the reports leave to Python
(more than two supplement spans, no due date, no stored ended class, no figure group, or received on a day
after the day of its end) has its own row, key ``-id``. The reports read the period's days here, then correct the
dossiers received before the period from their rows (app.services.reports._cells), found through the new
partial index ``ix_dossier_carried`` (month of the end, receipt) as one short range per month.

SQLite triggers keep the table, so every write path (the projection, a sync pull, a later migration, a
test writing rows by hand) keeps it equal to its definition; the update trigger runs only when a column
the key or the sums read changes on a dossier that has (or had) an end. ``first_key`` (the smallest
``received_at || code`` of the cell, the reports' order) is recomputed from that day's dossiers when the
dossier leaving a cell was its smallest. ``dossier.digitised`` (a file attached, 4.2) is kept by triggers
on ``attachment`` (and on a dossier arriving after its attachments, as a sync pull may bring them).

The key below is app.services.reports's packing as of this revision: a later change of that packing needs a
migration that rebuilds this table and its triggers (tests/app/test_indicator_summary.py compares both).
"""

import logging
import time

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

log = logging.getLogger("app.store.migrations")  # app.store.db.MIGRATION_LOG
_LARGE = 50_000


def progress(message: str) -> None:
    """One progress line through the migrations' logger (app.store.db.MIGRATION_LOG)."""
    log.info("[nâng cấp dữ liệu 0016] %s", message)


def asif_key(p: str) -> str:
    """The packed figure key of the dossier whose columns are prefixed ``p`` (``NEW.``, ``OLD.``, ``d.``) as if
    it were received and ended in the period, or ``-id`` (app.services.reports._ASIF_KEY_SQL)."""
    return (
        f"CASE WHEN {p}supplement_count > 2 OR {p}received_due_at IS NULL OR {p}figure_group IS NULL"
        f" OR {p}ended_class IS NULL OR substr({p}received_at, 1, 10) > substr({p}ended_at, 1, 10) THEN -{p}id"
        f" ELSE (((((({p}figure_group * 8 + {p}ended_class) * 2 + 1) * 2 + 0) * 4 + {p}channel) * 2"
        f" + {p}scan_required) * 2 + ({p}scan_required AND {p}digitised)) * 2"
        f" + coalesce({p}rating = 'dissatisfied', 0) END"
    )


def _values(p: str) -> str:
    return (
        f"substr({p}ended_at, 1, 10), {asif_key(p)}, {p}processing_calendar, 1, {p}received_at || {p}code,"
        f" coalesce({p}processing_minutes, 0), max(coalesce({p}processing_us, 0), 0)"
    )


def _add(p: str) -> str:
    return (
        f"INSERT INTO ended_cell (day, key, calendar, n, first_key, minutes, us) SELECT {_values(p)}"
        f" WHERE {p}code IS NOT NULL AND {p}ended_at IS NOT NULL"
        " ON CONFLICT (day, key, calendar) DO UPDATE SET n = n + 1, first_key = min(first_key, excluded.first_key),"
        " minutes = minutes + excluded.minutes, us = us + excluded.us;"
    )


def _subtract(p: str) -> str:
    cell = (f"day = substr({p}ended_at, 1, 10) AND key = {asif_key(p)} AND calendar = {p}processing_calendar"
            f" AND {p}code IS NOT NULL AND {p}ended_at IS NOT NULL")  # fmt: skip
    # The cell's smallest key again, from that day's dossiers (an index range) still in the cell, when the
    # leaving dossier held it (in an AFTER trigger the table already has the row's new values, or no row).
    first = (
        f"(SELECT min(d.received_at || d.code) FROM dossier d WHERE d.ended_at >= substr({p}ended_at, 1, 10)"
        f" AND d.ended_at < substr({p}ended_at, 1, 10) || '~' AND d.code IS NOT NULL"
        f" AND d.figure_group = {p}figure_group AND d.processing_calendar = {p}processing_calendar"
        f" AND {asif_key('d.')} = {asif_key(p)})"
    )
    return (
        f"UPDATE ended_cell SET n = n - 1, minutes = minutes - coalesce({p}processing_minutes, 0),"
        f" us = us - max(coalesce({p}processing_us, 0), 0),"
        f" first_key = CASE WHEN n > 1 AND first_key = {p}received_at || {p}code THEN coalesce({first}, '')"
        " ELSE first_key END"
        f" WHERE {cell};"
        f" DELETE FROM ended_cell WHERE {cell} AND n <= 0;"
    )


# What the key and the sums read: an update touching none of them (most do: status, due date, version,
# custody…) leaves the summary alone, and one of an open dossier that stays open does nothing either.
WATCHED = ("code", "received_at", "ended_at", "figure_group", "ended_class", "supplement_count", "received_due_at",
           "channel", "scan_required", "digitised", "rating", "processing_minutes", "processing_us",
           "processing_calendar")  # fmt: skip
TRIGGERS = {
    "ended_cell_ai": f"CREATE TRIGGER ended_cell_ai AFTER INSERT ON dossier BEGIN {_add('NEW.')}"
    " UPDATE dossier SET digitised = 1 WHERE id = NEW.id AND NEW.digitised = 0"
    " AND EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_uid = NEW.uid); END",
    "ended_cell_au": f"CREATE TRIGGER ended_cell_au AFTER UPDATE OF {', '.join(WATCHED)} ON dossier"
    " WHEN (OLD.ended_at IS NOT NULL OR NEW.ended_at IS NOT NULL) AND ("
    + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)
    + f") BEGIN {_subtract('OLD.')} {_add('NEW.')} END",
    "ended_cell_ad": f"CREATE TRIGGER ended_cell_ad AFTER DELETE ON dossier BEGIN {_subtract('OLD.')} END",
    "attachment_digitised_ai": "CREATE TRIGGER attachment_digitised_ai AFTER INSERT ON attachment BEGIN"
    " UPDATE dossier SET digitised = 1 WHERE uid = NEW.dossier_uid AND digitised = 0; END",
    "attachment_digitised_ad": "CREATE TRIGGER attachment_digitised_ad AFTER DELETE ON attachment BEGIN"
    " UPDATE dossier SET digitised = 0 WHERE uid = OLD.dossier_uid AND digitised = 1"
    " AND NOT EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_uid = OLD.dossier_uid); END",
}
BACKFILL = (
    "INSERT INTO ended_cell (day, key, calendar, n, first_key, minutes, us)"
    f" SELECT substr(d.ended_at, 1, 10), {asif_key('d.')}, d.processing_calendar, count(*),"
    " min(d.received_at || d.code), sum(coalesce(d.processing_minutes, 0)), sum(max(coalesce(d.processing_us, 0), 0))"
    " FROM dossier d WHERE d.code IS NOT NULL AND d.ended_at IS NOT NULL GROUP BY 1, 2, 3"
)


# A period's carried-over ended dossiers (received before it, ended in it) as index ranges: one per month of
# the period, the receipts before it (app.services.reports._CARRIED_SQL).
CARRIED_INDEX = ("CREATE INDEX ix_dossier_carried ON dossier (substr(ended_at, 1, 7), received_at)"
                 " WHERE ended_at IS NOT NULL AND code IS NOT NULL")  # fmt: skip


def upgrade() -> None:
    conn = op.get_bind()
    t0 = time.perf_counter()
    total = int(conn.exec_driver_sql("SELECT count(*) FROM dossier").scalar_one())
    # Plain ADD COLUMN (no batch copy): the table keeps its rowids, so the FTS index stays as it is.
    op.execute("ALTER TABLE dossier ADD COLUMN digitised INTEGER NOT NULL DEFAULT 0")
    op.execute("UPDATE dossier SET digitised = 1 WHERE uid IN (SELECT dossier_uid FROM attachment)")
    op.execute(
        "CREATE TABLE ended_cell (day VARCHAR(10) NOT NULL, key INTEGER NOT NULL, calendar VARCHAR(20) NOT NULL,"
        " n INTEGER NOT NULL, first_key TEXT NOT NULL, minutes INTEGER NOT NULL, us INTEGER NOT NULL,"
        " PRIMARY KEY (day, key, calendar)) WITHOUT ROWID"
    )
    if total >= _LARGE:
        progress(f"tóm tắt hồ sơ đã kết thúc theo ngày: {total:,} hồ sơ…".replace(",", "."))
    op.execute(BACKFILL)
    op.execute(CARRIED_INDEX)
    for sql in TRIGGERS.values():
        op.execute(sql)
    if total >= _LARGE:
        progress(f"tóm tắt xong trong {time.perf_counter() - t0:.0f} giây")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP INDEX ix_dossier_carried")
    op.execute("DROP TABLE ended_cell")
    op.execute("ALTER TABLE dossier DROP COLUMN digitised")
