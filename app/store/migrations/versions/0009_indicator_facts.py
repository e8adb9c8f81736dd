"""the facts of the supervisor's figures on the dossier row

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-15 09:00:00

``dossier.ended_at`` / ``end_status`` (first result or return event), ``received_due_at`` (the due
date set at reception; apologies and supplements move ``due_at``), ``supplement_marks`` /
``supplement_count`` / ``supplement1_requested_at`` / ``supplement1_completed_at`` /
``supplement2_requested_at`` (the department's supplement steps), ``processing_minutes`` /
``processing_us`` / ``processing_calendar`` (2.2's time of an ended dossier). The projection keeps
them from now on (app.store.projection._fold_facts); existing dossiers are filled from the event log:
the end, the marks and the reception due date in SQL, the supplement spans and the processing time
in batched Python with the projection's own functions.

On a large file the back-fill takes minutes (138 s for 1,000,000 dossiers): it says so before
it starts, after each step and every 5 % of the Python part, through the migration progress
logger (app.store.db.MIGRATION_LOG; the command line shows it, the app writes it to its log).
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_BATCH = 5000
_STEPS = 4
HEARTBEAT_SECONDS = 10.0  # during one long SQL statement, say it is still running this often
log = logging.getLogger("app.store.migrations")  # app.store.db.MIGRATION_LOG
_quiet = False  # set by upgrade(): nothing to say on a new, empty store


def _say(text: str) -> None:
    if not _quiet:
        log.info("[nâng cấp dữ liệu 0009] %s", text)


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


@contextmanager
def _still_working(conn: Any, step: str, every: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """Say "still running" every ``every`` seconds while SQLite works on ``conn`` (a DBAPI
    ``sqlite3.Connection``): one UPDATE over a million rows gives no other sign of life."""
    started = last = time.monotonic()

    def tick() -> int:
        nonlocal last
        now = time.monotonic()
        if now - last >= every:
            last = now
            _say(f"{step} – vẫn đang chạy ({now - started:.0f} giây)…")
        return 0  # go on

    conn.set_progress_handler(tick, 200_000)
    try:
        yield
    finally:
        conn.set_progress_handler(None, 0)


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def upgrade() -> None:
    started = time.monotonic()
    conn = op.get_bind()
    global _quiet
    _quiet = not conn.execute(sa.text("SELECT 1 FROM dossier LIMIT 1")).first()
    _say(
        f"bắt đầu tính số liệu chỉ số cho các hồ sơ đã có ({_STEPS} bước). Với dữ liệu lớn việc này mất vài"
        " phút và chỉ làm một lần; đừng tắt chương trình."
    )
    # Plain ADD COLUMN (no batch copy): the table keeps its rowids, so the FTS index and its
    # triggers stay as they are.
    op.add_column("dossier", sa.Column("ended_at", sa.DateTime(), nullable=True))
    op.add_column("dossier", sa.Column("end_status", sa.Integer(), nullable=True))
    op.add_column("dossier", sa.Column("received_due_at", sa.DateTime(), nullable=True))
    op.add_column("dossier", sa.Column("supplement_marks", sa.Text(), nullable=False, server_default=""))
    op.add_column("dossier", sa.Column("supplement_count", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("dossier", sa.Column("supplement1_requested_at", sa.DateTime(), nullable=True))
    op.add_column("dossier", sa.Column("supplement1_completed_at", sa.DateTime(), nullable=True))
    op.add_column("dossier", sa.Column("supplement2_requested_at", sa.DateTime(), nullable=True))
    op.add_column("dossier", sa.Column("processing_minutes", sa.Integer(), nullable=True))
    op.add_column("dossier", sa.Column("processing_us", sa.Integer(), nullable=True))
    op.add_column("dossier", sa.Column("processing_calendar", sa.String(length=20), nullable=False,
                                       server_default=""))  # fmt: skip
    _backfill(conn)
    _say(f"xong trong {time.monotonic() - started:.0f} giây")


def _backfill(conn: sa.Connection) -> None:
    from sqlalchemy.orm import Session

    from app.domain.indicators import DossierFacts, calendar_fingerprint, processing_parts, supplement_spans
    from app.services.office import load_calendar
    from app.store.projection import stored_moment

    raw = conn.connection.driver_connection
    dossiers = conn.execute(sa.text("SELECT count(*) FROM dossier")).scalar_one()
    step = f"bước 1/{_STEPS}"
    _say(f"{step}: ngày kết thúc của {_n(dossiers)} hồ sơ (có kết quả hoặc đã trả)…")
    with _still_working(raw, step):
        conn.execute(sa.text("""
        UPDATE dossier SET ended_at = e.end_at,
          end_status = CASE WHEN e.ready_at = e.end_at THEN 9 ELSE 10 END
        FROM (SELECT dossier_uid, min(occurred_at) AS end_at,
                     min(CASE WHEN type = 'dossier.result_recorded' THEN occurred_at END) AS ready_at
              FROM event WHERE type IN ('dossier.result_recorded', 'dossier.returned')
              GROUP BY dossier_uid) AS e
        WHERE e.dossier_uid = dossier.uid"""))  # fmt: skip
    step = f"bước 2/{_STEPS}"
    _say(f"{step}: các lần yêu cầu bổ sung sau tiếp nhận…")
    with _still_working(raw, step):
        conn.execute(sa.text("""
        UPDATE dossier SET supplement_marks = e.marks
        FROM (SELECT dossier_uid, group_concat(CASE type WHEN 'dossier.department_supplement_requested'
                                                THEN 'R' ELSE 'C' END || occurred_at, '|') AS marks
              FROM event WHERE type IN ('dossier.department_supplement_requested', 'dossier.supplement_received')
              GROUP BY dossier_uid) AS e
        WHERE e.dossier_uid = dossier.uid"""))  # fmt: skip
    # The due date at reception: the column unless a step moved it, then the decision's own.
    step = f"bước 3/{_STEPS}"
    _say(f"{step}: ngày hẹn trả lúc tiếp nhận…")
    with _still_working(raw, step):
        conn.execute(sa.text("UPDATE dossier SET received_due_at = due_at"))
        moved = conn.execute(sa.text("""
            SELECT id, json_extract(data, '$.due_at') FROM dossier WHERE uid IN (
              SELECT dossier_uid FROM event WHERE type IN ('dossier.supplement_received', 'dossier.due_extended'))
              AND due_at IS NOT NULL""")).all()  # fmt: skip
    set_due = sa.text("UPDATE dossier SET received_due_at = :due WHERE id = :id")
    for i in range(0, len(moved), _BATCH):
        dues = [{"id": r[0], "due": _stored(_moment(r[1]), stored_moment)} for r in moved[i : i + _BATCH]]
        conn.execute(set_due, dues)
    calendar = load_calendar(Session(bind=conn))
    fingerprint = calendar_fingerprint(calendar)
    set_facts = sa.text("""
        UPDATE dossier SET supplement_count = :n, supplement1_requested_at = :r1, supplement1_completed_at = :c1,
          supplement2_requested_at = :r2, processing_minutes = :minutes, processing_us = :us,
          processing_calendar = :fp
        WHERE id = :id""")  # fmt: skip
    total = conn.execute(sa.text(
        "SELECT count(*) FROM dossier WHERE ended_at IS NOT NULL OR supplement_marks != ''")).scalar_one()  # fmt: skip
    _say(f"bước 4/{_STEPS}: thời gian giải quyết và thời gian chờ bổ sung của {_n(total)} hồ sơ…")
    last, done, shown = 0, 0, 0
    while True:
        rows = conn.execute(sa.text("""
            SELECT id, received_at, ended_at, supplement_marks FROM dossier
            WHERE id > :last AND (ended_at IS NOT NULL OR supplement_marks != '') ORDER BY id LIMIT :n"""),
            {"last": last, "n": _BATCH}).all()  # fmt: skip
        if not rows:
            break
        last = rows[-1][0]
        params = []
        for row_id, received_at, ended_at, marks in rows:
            spans = supplement_spans(marks)
            end = _moment(ended_at)
            facts = DossierFacts(uid="", code="", received_at=_moment(received_at) or datetime.min, due_at=None,
                                 end_at=end, supplements=spans)  # fmt: skip
            parts = processing_parts(facts, calendar)
            params.append({
                "id": row_id, "n": len(spans),
                "r1": _stored(spans[0].requested_at, stored_moment) if spans else None,
                "c1": _stored(spans[0].completed_at, stored_moment) if spans else None,
                "r2": _stored(spans[1].requested_at, stored_moment) if len(spans) > 1 else None,
                "minutes": parts[0] if parts else None, "us": parts[1] if parts else None,
                "fp": fingerprint if parts else "",
            })  # fmt: skip
        conn.execute(set_facts, params)
        done += len(rows)
        if done * 20 // total > shown:  # every 5 %
            shown = done * 20 // total
            _say(f"bước 4/{_STEPS}: {done * 100 // total} % ({_n(done)}/{_n(total)} hồ sơ)")


def _stored(moment: datetime | None, fmt: Any) -> str | None:
    return None if moment is None else str(fmt(moment))


def downgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        for name in ("processing_calendar", "processing_us", "processing_minutes", "supplement2_requested_at",
                     "supplement1_completed_at", "supplement1_requested_at", "supplement_count",
                     "supplement_marks", "received_due_at", "end_status", "ended_at"):  # fmt: skip
            batch.drop_column(name)
