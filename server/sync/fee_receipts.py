"""Blocks of fee receipt numbers handed to devices ahead of time, per unit and year.

The rule is app.domain.fee_receipt's: numbers 1 … ``SERVER_MAX`` of each unit and year are cut
into blocks, in order, under a lock on the (unit, year) counter row, so two devices never hold
the same number (the unique constraint (unit, year, first) backs that up); a device that runs out
offline uses its own fallback partition above that range. A request is idempotent by
``request_id``; only this year and the next are served (office time, UTC+7), and one device holds
at most :attr:`Limits.per_device_year` numbers of a year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.fee_receipt import SERVER_MAX
from app.sync.fee_wire import FeeReceiptBlock, FeeReceiptReserveRequest, FeeReceiptReserveResponse
from server.sync import dialect
from server.sync.conflicts import OFFICE_TZ
from server.sync.models import FeeReceiptBlockRow, FeeReceiptCounter


class RequestReusedError(ValueError):
    """The request id was used before by another device (or for another year)."""


class YearOutOfRangeError(ValueError):
    """The year asked for is not this year or the next; ``message`` is Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Limits:
    """How many numbers of one year one device may hold, all requests together."""

    per_device_year: int = 20_000


def _answer(rows: list[FeeReceiptBlockRow]) -> FeeReceiptReserveResponse:
    blocks = [FeeReceiptBlock(unit_code=r.unit_code, year=r.year, first=r.first, last=r.last) for r in rows]
    return FeeReceiptReserveResponse(blocks=blocks)


def _issued(session: Session, request_id: str) -> list[FeeReceiptBlockRow]:
    return list(session.scalars(select(FeeReceiptBlockRow).where(FeeReceiptBlockRow.request_id == request_id)))


def _same_request(rows: list[FeeReceiptBlockRow], request: FeeReceiptReserveRequest) -> list[FeeReceiptBlockRow]:
    if any(r.device_id != request.device_id or r.year != request.year for r in rows):
        raise RequestReusedError(request.request_id)
    return rows


def reserve(
    session: Session, unit_code: str, request: FeeReceiptReserveRequest, now: datetime, limits: Limits | None = None
) -> FeeReceiptReserveResponse:
    """Issue (or return the already issued) block of ``request``; the caller commits.

    An empty answer: the year's server range is used up, or the device holds its cap.

    Raises:
        RequestReusedError: ``request_id`` belongs to another device or year.
        YearOutOfRangeError: not this year or the next in office time (the PC's date is wrong).
    """
    limits = limits or Limits()
    rows = _issued(session, request.request_id)
    if rows:
        return _answer(_same_request(rows, request))
    this_year = now.astimezone(OFFICE_TZ).year
    if request.year not in (this_year, this_year + 1):
        raise YearOutOfRangeError(
            f"Máy chủ chỉ cấp số biên lai thu phí, lệ phí cho năm {this_year} và {this_year + 1}; máy trạm xin số cho"
            f" năm {request.year}. Hãy kiểm tra ngày giờ của máy trạm."
        )
    try:
        with session.begin_nested():
            rows = _cut(session, unit_code, request, limits.per_device_year, now)
    except IntegrityError:
        rows = _issued(session, request.request_id)  # the same request ran concurrently and committed first
        if not rows:
            raise
        _same_request(rows, request)
    return _answer(rows)


def _cut(
    session: Session, unit_code: str, request: FeeReceiptReserveRequest, cap: int, now: datetime
) -> list[FeeReceiptBlockRow]:
    session.execute(
        dialect.upsert(session, FeeReceiptCounter)
        .values(unit_code=unit_code, year=request.year, last=0)
        .on_conflict_do_nothing(index_elements=[FeeReceiptCounter.unit_code, FeeReceiptCounter.year])
    )
    counter = session.scalars(
        select(FeeReceiptCounter)
        .where(FeeReceiptCounter.unit_code == unit_code, FeeReceiptCounter.year == request.year)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    held = session.scalar(
        select(func.sum(FeeReceiptBlockRow.last - FeeReceiptBlockRow.first + 1)).where(
            FeeReceiptBlockRow.device_id == request.device_id,
            FeeReceiptBlockRow.unit_code == unit_code,
            FeeReceiptBlockRow.year == request.year,
        )
    )
    first = counter.last + 1
    size = min(request.size, cap - int(held or 0))
    if first > SERVER_MAX or size < 1:
        return []
    last = min(first + size - 1, SERVER_MAX)
    counter.last = last
    row = FeeReceiptBlockRow(unit_code=unit_code, year=request.year, device_id=request.device_id, first=first,
                             last=last, request_id=request.request_id, issued_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    return [row]


@dataclass(frozen=True, slots=True)
class ReceiptAnomaly:
    """A pushed receipt a supervisor should look at: ``kind`` "duplicate" (two payments with one number)
    or "not_issued" (outside the blocks the device was issued and outside its fallback partition)."""

    kind: str
    number: int
    event_ids: tuple[str, ...]
    device_ids: tuple[str, ...]


def audit(session: Session, unit_code: str, year: int) -> list[ReceiptAnomaly]:
    """Check every pushed ``fee.paid`` of (unit, year) against what was issued. Nothing is renumbered:
    a printed number stays as printed; the list is for a supervisor (empty when all is well)."""
    from app.domain.events import EventType
    from app.domain.fee_receipt import fallback_range
    from server.models import Device
    from server.sync.models import ServerEvent

    events = session.scalars(
        select(ServerEvent).where(ServerEvent.unit_code == unit_code, ServerEvent.type == str(EventType.FEE_PAID))
    ).all()
    slots = {
        d: slot for d, slot in session.execute(select(Device.id, Device.slot).where(Device.unit_code == unit_code))
    }
    issued: dict[str, list[tuple[int, int]]] = {}
    for row in session.scalars(
        select(FeeReceiptBlockRow).where(FeeReceiptBlockRow.unit_code == unit_code, FeeReceiptBlockRow.year == year)
    ):
        issued.setdefault(row.device_id, []).append((row.first, row.last))
    by_number: dict[int, list[tuple[str, str]]] = {}
    found: list[ReceiptAnomaly] = []
    for e in events:
        if e.payload.get("receipt_year") != year:
            continue
        number = int(e.payload["receipt_no"])
        by_number.setdefault(number, []).append((e.id, e.device_id))
        slot = slots.get(e.device_id)
        own = slot is not None and number in fallback_range(slot)
        if not own and not any(first <= number <= last for first, last in issued.get(e.device_id, ())):
            found.append(ReceiptAnomaly("not_issued", number, (e.id,), (e.device_id,)))
    for number, holders in sorted(by_number.items()):
        if len(holders) > 1:
            ids, devices = zip(*holders, strict=True)
            found.append(ReceiptAnomaly("duplicate", number, tuple(ids), tuple(devices)))
    return found
