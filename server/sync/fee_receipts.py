"""Blocks of fee receipt numbers handed to devices ahead of time, per unit and year.

The rule is app.domain.fee_receipt's: numbers 1 … ``SERVER_MAX`` of each unit and year are cut
into blocks, in order, under a lock on the (unit, year) counter row, so two devices never hold
the same number (the unique constraint (unit, year, first) backs that up); a device that runs out
offline uses its own fallback partition above that range. A request is idempotent by
``request_id``; only this year and the next are served (office time, UTC+7), and one device holds
at most :attr:`Limits.per_device_year` numbers of a year.

Every pushed ``fee.paid`` leaves its number in ``fee_receipts_printed`` (server/sync/push.py, in the
push's transaction): a block is cut above the highest number printed in the server's range, so a
book the server did not number (a standalone PC's, carried on after enrolment; an older client's)
is never handed out again; a number already printed on another payment of the unit and year is
flagged ``duplicate_receipt`` at push time (:func:`duplicate`); :func:`audit` lists, for a
supervisor, numbers printed twice or outside what the device was issued. Nothing is ever renumbered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.fee_receipt import SERVER_MAX, fallback_range, receipt_label, series_symbol
from app.errors import UserFacingError
from app.sync.fee_wire import FeeReceiptBlock, FeeReceiptReserveRequest, FeeReceiptReserveResponse
from server.sync import dialect
from server.sync.conflicts import OFFICE_TZ
from server.sync.models import FeeReceiptBlockRow, FeeReceiptCounter, FeeReceiptPrinted


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
    first = max(counter.last, highest_printed(session, unit_code, request.year)) + 1
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


def continue_book(session: Session, unit_code: str, year: int, printed_up_to: int) -> tuple[str, int]:
    """A book whose first numbers were used before this server knew of them (a paper book, a standalone
    PC: a PC with local work cannot be enrolled, so those payments never reach the server): the next
    block is cut after ``printed_up_to``. Never lowers what was issued. Returns (unit, the new floor).

    Raises:
        UserFacingError: the unit is not an office of this server.
    """
    from server.models import Office

    unit = unit_code.strip().upper()
    if session.get(Office, unit) is None:
        raise UserFacingError(f"Máy chủ không có đơn vị “{unit}”. Hãy ghi đúng mã định danh (ví dụ 000.01.00.H49).")
    counter = session.get(FeeReceiptCounter, (unit, year), with_for_update=True)
    if counter is None:
        counter = FeeReceiptCounter(unit_code=unit, year=year, last=0)
        session.add(counter)
    counter.last = max(counter.last, printed_up_to)
    return unit, counter.last


def highest_printed(session: Session, unit_code: str, year: int) -> int:
    """The highest number in the server's range (1 … ``SERVER_MAX``) a pushed payment of (unit, year)
    printed, 0 when none: the next block starts above it."""
    found = session.scalar(
        select(func.max(FeeReceiptPrinted.number)).where(
            FeeReceiptPrinted.unit_code == unit_code,
            FeeReceiptPrinted.year == year,
            FeeReceiptPrinted.number <= SERVER_MAX,
        )
    )
    return int(found or 0)


ReceiptKey = tuple[int, int]
"""(year, number) of a receipt within one unit."""


def lock_key(unit_code: str, key: ReceiptKey) -> str:
    """The advisory lock a push takes for a receipt number (server/sync/push.py ``lock_keys``): two
    devices pushing the same number at once see each other's row."""
    return f"receipt:{unit_code}:{key[0]}:{key[1]}"


def holders(session: Session, unit_code: str, keys: set[ReceiptKey]) -> dict[ReceiptKey, tuple[str, str]]:
    """The payment already holding each receipt number of ``keys``: (year, number) → (event id, device id)."""
    found: dict[ReceiptKey, tuple[str, str]] = {}
    for year in sorted({y for y, _ in keys}):
        numbers = sorted(n for y, n in keys if y == year)
        for start in range(0, len(numbers), 500):
            rows = session.execute(
                select(FeeReceiptPrinted.number, FeeReceiptPrinted.event_id, FeeReceiptPrinted.device_id)
                .where(
                    FeeReceiptPrinted.unit_code == unit_code,
                    FeeReceiptPrinted.year == year,
                    FeeReceiptPrinted.number.in_(numbers[start : start + 500]),
                )
                .order_by(FeeReceiptPrinted.number, FeeReceiptPrinted.event_id)
            )
            for number, event_id, device_id in rows:
                found.setdefault((year, number), (event_id, device_id))
    return found


def duplicate_reason(year: int, number: int) -> str:
    """The push result's reason for a receipt number already printed on another payment."""
    return (
        f"Biên lai thu phí, lệ phí {receipt_label(year, number)} trùng số với một biên lai khác của đơn vị; biên lai"
        " đã in được giữ nguyên, không đánh lại số. Đã chuyển lãnh đạo xem xét; hãy đối chiếu hai biên lai với sổ"
        " thu phí, lệ phí."
    )


@dataclass(frozen=True, slots=True)
class ReceiptAnomaly:
    """A pushed receipt a supervisor should look at: ``kind`` "duplicate" (two payments with one number)
    or "not_issued" (outside the blocks the device was issued and outside its fallback partition)."""

    kind: str
    number: int
    event_ids: tuple[str, ...]
    device_ids: tuple[str, ...]


def audited(session: Session, unit_code: str | None = None, year: int | None = None) -> list[tuple[str, int]]:
    """The (unit, year) books with pushed payments, optionally one unit's or one year's."""
    stmt = select(FeeReceiptPrinted.unit_code, FeeReceiptPrinted.year).distinct()
    if unit_code is not None:
        stmt = stmt.where(FeeReceiptPrinted.unit_code == unit_code)
    if year is not None:
        stmt = stmt.where(FeeReceiptPrinted.year == year)
    return sorted((u, y) for u, y in session.execute(stmt))


def audit(session: Session, unit_code: str, year: int) -> list[ReceiptAnomaly]:
    """Check every pushed ``fee.paid`` of (unit, year) against what was issued. Nothing is renumbered:
    a printed number stays as printed; the list is for a supervisor (empty when all is well)."""
    from server.models import Device

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
    printed = session.execute(
        select(FeeReceiptPrinted.number, FeeReceiptPrinted.event_id, FeeReceiptPrinted.device_id)
        .where(FeeReceiptPrinted.unit_code == unit_code, FeeReceiptPrinted.year == year)
        .order_by(FeeReceiptPrinted.number, FeeReceiptPrinted.event_id)
    )
    for number, event_id, device_id in printed:
        by_number.setdefault(number, []).append((event_id, device_id))
        slot = slots.get(device_id)
        own = slot is not None and number in fallback_range(slot)
        if not own and not any(first <= number <= last for first, last in issued.get(device_id, ())):
            found.append(ReceiptAnomaly("not_issued", number, (event_id,), (device_id,)))
    for number, held in sorted(by_number.items()):
        if len(held) > 1:
            ids, devices = zip(*held, strict=True)
            found.append(ReceiptAnomaly("duplicate", number, tuple(ids), tuple(devices)))
    return sorted(found, key=lambda a: (a.number, a.kind))  # a number's duplicate before its range


@dataclass(frozen=True, slots=True)
class AuditReport:
    """``motcua-server admin fee-audit``: the lines to print and how many anomalies were found."""

    lines: tuple[str, ...]
    found: int


def _who(event_id: str, device_id: str, codes: dict[str, str], names: dict[str, str]) -> str:
    code = codes.get(event_id, "")
    where = names.get(device_id, f"máy trạm {device_id[:8]}")
    return f"{where} ({'hồ sơ ' + code + ', ' if code else ''}sự kiện {event_id})"


def audit_report(session: Session, unit_code: str | None = None, year: int | None = None) -> AuditReport:
    """Every book (unit, year) with pushed payments, or one unit's / one year's, audited, in Vietnamese."""
    from server.models import Device
    from server.sync.models import ServerEvent

    books = audited(session, unit_code, year)
    if not books:
        scope = "".join(x for x in (f" của đơn vị {unit_code}" if unit_code else "", f" năm {year}" if year else ""))
        return AuditReport((f"Chưa có biên lai thu phí, lệ phí nào{scope} được đồng bộ lên máy chủ.",), 0)
    names = {i: n for i, n in session.execute(select(Device.id, Device.counter_name))}
    lines: list[str] = []
    found = 0
    for unit, book_year in books:
        count = session.scalar(
            select(func.count()).where(FeeReceiptPrinted.unit_code == unit, FeeReceiptPrinted.year == book_year)
        )
        anomalies = audit(session, unit, book_year)
        found += len(anomalies)
        lines.append(
            f"Đơn vị {unit}, năm {book_year} (ký hiệu {series_symbol(book_year)}): {count} biên lai đã đồng bộ,"
            f" {len(anomalies) or 'không có'} điều cần xem xét."
        )
        ids = sorted({i for a in anomalies for i in a.event_ids})
        codes = {
            i: str((p or {}).get("code") or "")
            for i, p in session.execute(select(ServerEvent.id, ServerEvent.payload).where(ServerEvent.id.in_(ids)))
        }

        for a in anomalies:
            label = receipt_label(book_year, a.number)
            if a.kind == "duplicate":
                held = "; ".join(_who(i, d, codes, names) for i, d in zip(a.event_ids, a.device_ids, strict=True))
                lines.append(f"  - Biên lai {label} in {len(a.event_ids)} lần: {held}.")
            else:
                lines.append(
                    f"  - Biên lai {label} nằm ngoài các dải số máy chủ đã cấp và ngoài dải dự phòng của máy trạm:"
                    f" {_who(a.event_ids[0], a.device_ids[0], codes, names)}."
                )
    if found:
        lines.append(
            f"Tìm thấy {found} điều cần xem xét. Biên lai đã in được giữ nguyên, không đánh lại số; hãy đối chiếu"
            " với sổ thu phí, lệ phí và biên lai giấy, ghi nhận theo quy định (xung đột trên màn hình giám sát)."
        )
    else:
        lines.append("Không có biên lai trùng số hay nằm ngoài dải số được cấp.")
    return AuditReport(tuple(lines), found)
