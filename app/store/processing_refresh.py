"""Brings the stored 2.2 processing times up to date after a calendar change (hours, days, holidays package).

The projection stores each ended dossier's working minutes with the fingerprint of the calendar they were
worked out on (:func:`app.store.projection.set_processing_columns`); the reports work out again, on every
report, those carrying another fingerprint. After a change (``motcua calendar``, a sync pull of the
calendar, an app upgrade bringing a newer ``holidays`` package) this rewrites them once, in batches, each
its own transaction: an interruption leaves a consistent store (the ``ended_cell`` triggers of migration 0016
move each row to its new cell in the same statement) and the next run carries on. Only the minutes depend on
the calendar: ``processing_us`` (calendar time) stays as stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.indicators import Period, calendar_fingerprint, supplement_spans

if TYPE_CHECKING:
    from app.services.reports import _WorkingClock

T = TypeVar("T")

BATCH = 20_000
"""Dossiers per transaction (about a second of writing on the 1M-dossier bench file)."""

Progress = Callable[[int, int], None]
"""``progress(done, total)`` after each batch."""

_CACHE_KIB = 128 * 1024  # SQLite page cache while a batch writes
_MAX_CLOCK_DAYS = 40 * 366  # the day table's span; moments before it take the slow way (still exact)

# Quick: ``ended_cell`` (a few rows per day) carries every ended dossier with a code by its fingerprint; the
# few without a code through ix_dossier_code. A fingerprint "" is a dossier without a processing time.
_STALE_CELLS = "FROM ended_cell WHERE calendar != '' AND calendar != :fp"
_STALE = "d.processing_calendar != '' AND d.processing_calendar != :fp"
_UNCODED = f"FROM dossier d WHERE d.code IS NULL AND d.ended_at IS NOT NULL AND {_STALE}"
_HAS_STALE_SQL = f"SELECT CASE WHEN EXISTS (SELECT 1 {_STALE_CELLS}) THEN 1 ELSE EXISTS (SELECT 1 {_UNCODED}) END"
_COUNT_SQL = f"SELECT (SELECT coalesce(sum(n), 0) {_STALE_CELLS}) + (SELECT count(*) {_UNCODED})"
# A batch is whole days of ends, planned from the summary's counts, from where the last one stopped.
_DAYS_SQL = f"SELECT day, sum(n) {_STALE_CELLS} AND day >= :after GROUP BY day ORDER BY day"
# Within a day, the largest ``received_at || code`` first: the dossier leaving a summary cell is then never
# the cell's first key while others stay, so the update trigger never looks for the next one (that look, a
# scan of the day's dossiers per cell, was most of the time in the ended_at order).
_BATCH_SQL = f"""SELECT d.id, d.received_at, d.ended_at, d.supplement_marks FROM dossier d
WHERE d.ended_at >= :after AND d.ended_at < :before AND {_STALE}
ORDER BY substr(d.ended_at, 1, 10), d.received_at || d.code DESC"""
_END = "~"  # after every moment (stored as "YYYY-MM-DD HH:MM:SS…")
_UPDATE_SQL = "UPDATE dossier SET processing_minutes = :minutes, processing_calendar = :fp WHERE id = :id"
_SPAN_SQL = "SELECT (SELECT min(received_at) FROM dossier), (SELECT max(ended_at) FROM dossier)"


@dataclass(frozen=True)
class BatchDone:
    """What one batch did: how many dossiers it rewrote, and where the next one starts (``after``)."""

    count: int
    after: str

    @property
    def finished(self) -> bool:
        """Whether no stale day is left after this batch."""
        return self.after >= _END


def has_stale_processing(session: Session, calendar: WorkingCalendar) -> bool:
    """Whether some dossier's processing time was worked out on another calendar: a scan of the summary and
    of the dossiers without a code (0.2 s on the 1M-dossier bench file when nothing is stale)."""
    return bool(session.execute(text(_HAS_STALE_SQL), {"fp": calendar_fingerprint(calendar)}).scalar_one())


def count_stale_processing(session: Session, calendar: WorkingCalendar) -> int:
    """How many dossiers :func:`refresh_stale_processing` would rewrite."""
    return int(session.execute(text(_COUNT_SQL), {"fp": calendar_fingerprint(calendar)}).scalar_one())


def refresh_batch(session: Session, calendar: WorkingCalendar, *, batch: int = BATCH, after: str = "") -> BatchDone:
    """Rewrite the stale processing times of the next whole days of ends (about ``batch`` dossiers; a day
    is never split) in the caller's transaction, as :func:`app.store.projection.set_processing_columns`
    would on ``calendar``.

    Args:
        after: the ``after`` of the previous batch ("" = from the start); see :attr:`BatchDone.finished`.
    """
    fp = calendar_fingerprint(calendar)
    if after >= _END:
        return BatchDone(0, _END)
    before, planned = _END, 0
    days = session.execute(text(_DAYS_SQL), {"fp": fp, "after": after})
    for day, n in days:
        if planned >= batch:
            before = day
            break
        planned += n
    days.close()
    cache = int(session.execute(text("PRAGMA cache_size")).scalar_one())
    # The batch's rows, index and summary pages stay in memory (the default 2 MB does not hold them): ~1.4x
    # faster on the 1M-dossier bench file. The connection gets its own size back below.
    session.execute(text(f"PRAGMA cache_size = {min(cache, -_CACHE_KIB)}"))
    try:
        rows = session.execute(text(_BATCH_SQL), {"fp": fp, "after": after, "before": before}).all()
        if rows:
            clock = _clock(session, calendar)
            updates = []
            for uid, received_at, ended_at, marks in rows:
                end = _moment(ended_at)
                minutes = clock.minutes(_moment(received_at), end)  # app.domain.indicators.processing_parts
                for span in supplement_spans(marks):
                    if span.requested_at < end:
                        minutes -= clock.minutes(span.requested_at, min(span.completed_at or end, end))
                updates.append({"id": uid, "minutes": max(0, minutes), "fp": fp})
            session.execute(text(_UPDATE_SQL), updates)
    finally:
        session.execute(text(f"PRAGMA cache_size = {cache}"))
    return BatchDone(len(rows), before)


def refresh_stale_processing(
    factory_or_session: Callable[[], Session] | Session,
    calendar: WorkingCalendar,
    *,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> int:
    """Rewrite every processing time worked out on another calendar than ``calendar``, a transaction per batch.

    Idempotent, and a few milliseconds when nothing is stale. Given a session (not inside a ``begin()``
    block), it commits after each batch.

    Returns:
        How many dossiers were rewritten.
    """
    in_transaction = _transactions(factory_or_session)
    total = in_transaction(lambda s: count_stale_processing(s, calendar) if has_stale_processing(s, calendar) else 0)
    if total == 0:
        return 0
    if progress is not None:
        progress(0, total)
    done, after = 0, ""
    while True:
        step = in_transaction(partial(refresh_batch, calendar=calendar, batch=batch, after=after))
        done, after = done + step.count, step.after
        if progress is not None and step.count:
            progress(done, max(total, done))
        if step.finished:
            return done


def _transactions(source: Callable[[], Session] | Session) -> Callable[[Callable[[Session], T]], T]:
    """``run(work)``: ``work(session)`` in a transaction of its own, committed, or rolled back if it raises."""
    if isinstance(source, Session):
        session = source

        def same(work: Callable[[Session], T]) -> T:
            try:
                result = work(session)
            except BaseException:
                session.rollback()
                raise
            session.commit()
            return result

        return same

    def fresh(work: Callable[[Session], T]) -> T:
        with source() as session, session.begin():  # app.store.db.transaction, for any session factory
            return work(session)

    return fresh


def _clock(session: Session, calendar: WorkingCalendar) -> _WorkingClock:
    """app.services.reports's working clock (one day table) over the store's receipts and ends."""
    from app.services.reports import _WorkingClock

    first, last = session.execute(text(_SPAN_SQL)).one()
    end = _moment(last).date() if last is not None else date.today()
    start = _moment(first).date() if first is not None else end
    start = max(start, end - timedelta(days=_MAX_CLOCK_DAYS))
    return _WorkingClock(calendar, Period(min(start, end), end))


def _moment(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
