"""Blocks of dossier numbers handed to devices ahead of time, per unit and day.

Numbers 1…``SERVER_BLOCK_MAX`` of each unit and day are cut into blocks under a lock on the
(unit, day) counter row, so two devices never get overlapping numbers; the unique constraint
(unit, day, first) backs that up. A request is idempotent by ``request_id``.

The range is shared by the office's counters, so one device cannot take it all: it gets at most
:attr:`Limits.per_device_day` numbers per day (a request past that gets a shorter block, then
none), and only days near the office's today are served (:meth:`Limits.window`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.sync.wire import SERVER_BLOCK_MAX, CodeBlock, ReserveRequest, ReserveResponse
from server.sync import dialect
from server.sync.conflicts import OFFICE_TZ
from server.sync.models import CodeBlockRow, CodeCounter


class RequestReusedError(ValueError):
    """The request id was used before by another device (or for other days)."""


class DaysOutOfRangeError(ValueError):
    """None of the requested days is one the server hands numbers out for; ``message`` is Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of a day's range one request may take (server settings ``codes_*``).

    Attributes:
        per_device_day: Numbers one device may hold for one unit and day, all requests together.
        days_back, days_ahead: Days served, around the office's today (UTC+7).
    """

    per_device_day: int = 500
    days_back: int = 1
    days_ahead: int = 7

    def window(self, now: datetime) -> tuple[date, date]:
        """First and last day served at ``now`` (aware), in office-local dates."""
        today = now.astimezone(OFFICE_TZ).date()
        return today - timedelta(days=self.days_back), today + timedelta(days=self.days_ahead)


def _issued(session: Session, request_id: str) -> list[CodeBlockRow]:
    return list(
        session.scalars(select(CodeBlockRow).where(CodeBlockRow.request_id == request_id).order_by(CodeBlockRow.day))
    )


def _answer(rows: list[CodeBlockRow]) -> ReserveResponse:
    return ReserveResponse(
        blocks=[CodeBlock(unit_code=r.unit_code, day=r.day, first=r.first, last=r.last) for r in rows]
    )


def _same_request(rows: list[CodeBlockRow], device_id: str) -> list[CodeBlockRow]:
    if any(r.device_id != device_id for r in rows):
        raise RequestReusedError(rows[0].request_id)
    return rows


def reserve(
    session: Session, unit_code: str, request: ReserveRequest, now: datetime, limits: Limits | None = None
) -> ReserveResponse:
    """Issue (or return the already issued) blocks of ``request`` to its device.

    A day whose numbers are used up, or whose device already holds ``limits.per_device_day``
    numbers, gets no block; a day with fewer numbers left than asked gets a shorter block. Days
    outside ``limits.window(now)`` get no block. The caller commits.

    Raises:
        RequestReusedError: ``request_id`` belongs to another device.
        DaysOutOfRangeError: no requested day is inside the window (the device's date is wrong).
    """
    limits = limits or Limits()
    rows = _issued(session, request.request_id)
    if rows:
        return _answer(_same_request(rows, request.device_id))
    start, end = limits.window(now)
    days = sorted({d for d in request.days if start <= d <= end})
    if not days:
        raise DaysOutOfRangeError(
            f"Máy chủ chỉ cấp số hồ sơ cho các ngày từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}; yêu cầu xin số cho"
            f" ngày {', '.join(f'{d:%d/%m/%Y}' for d in sorted(set(request.days)))}. Hãy kiểm tra ngày giờ của"
            " máy trạm."
        )
    try:
        with session.begin_nested():
            rows = _cut(session, unit_code, request, days, limits.per_device_day, now)
    except IntegrityError:
        # The same request ran concurrently and committed first: answer what it got.
        rows = _issued(session, request.request_id)
        if not rows:
            raise
        _same_request(rows, request.device_id)
    return _answer(rows)


def _held(session: Session, unit_code: str, device_id: str, day: date) -> int:
    """Numbers already issued to ``device_id`` for (unit, day)."""
    held = session.scalar(
        select(func.sum(CodeBlockRow.last - CodeBlockRow.first + 1)).where(
            CodeBlockRow.device_id == device_id, CodeBlockRow.day == day, CodeBlockRow.unit_code == unit_code
        )
    )
    return int(held or 0)


def _cut(
    session: Session, unit_code: str, request: ReserveRequest, days: list[date], cap: int, now: datetime
) -> list[CodeBlockRow]:
    rows = []
    for day in days:  # sorted: one lock order for every request, no deadlock
        session.execute(
            dialect.upsert(session, CodeCounter)
            .values(unit_code=unit_code, day=day, last=0)
            .on_conflict_do_nothing(index_elements=[CodeCounter.unit_code, CodeCounter.day])
        )
        counter = session.scalars(
            select(CodeCounter)
            .where(CodeCounter.unit_code == unit_code, CodeCounter.day == day)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        first = counter.last + 1
        # Under the counter's lock: two requests of one device for this day cannot both pass the cap.
        size = min(request.size, cap - _held(session, unit_code, request.device_id, day))
        if first > SERVER_BLOCK_MAX or size < 1:
            continue
        last = min(first + size - 1, SERVER_BLOCK_MAX)
        counter.last = last
        row = CodeBlockRow(
            unit_code=unit_code,
            day=day,
            device_id=request.device_id,
            first=first,
            last=last,
            request_id=request.request_id,
            issued_at=now,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows
