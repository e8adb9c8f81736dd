"""Chain of custody of the paper folder: places, the custody fold, and the time rules of each step.

Custody (where the paper is) is separate from the dossier status (DOMAIN.md §7). It moves only
through custody events (``custody.sent`` / ``custody.received`` / ``custody.discrepancy``) and
the hand-over to the citizen (``dossier.returned``). A dossier without any such event is at the
counter of the unit that received it, since its reception: that is where the law leaves the
paper until it is transferred, so no row has to be written at reception.

The fold is a pure function so that the local projection, the server and the property tests
share it: the custody state is the one set by the custody event with the greatest hybrid
logical clock (HLC), whatever the order the events arrive in. Not the PC's wall clock
(``occurred_at``): a PC 48 hours ahead would otherwise win against every later handover made
on a correct one. The HLC text ``<ms:013d>:<counter:05d>:<device>`` (app.domain.events.next_hlc)
compares as text in clock order: fixed-width milliseconds, then the counter, then the device id,
which breaks ties, so two events never compare equal. Each device moves its HLC past every event
it pulls (app.sync.engine, the HLC receive rule), so an event made after seeing another always
sorts after it, whatever the two PC clocks say. The server's custody (server/sync/push.py) uses
the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from app.domain.calendar import WorkingCalendar
from app.domain.events import EventType


class PlaceKind(StrEnum):
    """Where a paper folder can be."""

    COUNTER = "counter"  # the one-stop desk of a unit (code = unit code)
    DEPARTMENT = "department"  # a handling department (code = department code)
    CITIZEN = "citizen"  # handed back to the applicant or a representative

    @property
    def label(self) -> str:
        return {"counter": "Bộ phận Một cửa", "department": "Cơ quan giải quyết", "citizen": "Công dân"}[self]


@dataclass(frozen=True, slots=True)
class Place:
    """A place that holds paper folders."""

    kind: PlaceKind
    code: str
    name: str

    def as_payload(self) -> dict[str, str]:
        return {"kind": str(self.kind), "code": self.code, "name": self.name}

    @classmethod
    def from_payload(cls, value: Any) -> Place:
        """Rebuild from an event payload.

        Raises:
            ValueError: not a place object.
        """
        if not isinstance(value, dict):
            raise ValueError("place must be an object")
        return cls(PlaceKind(value["kind"]), str(value["code"]), str(value.get("name", "")))


class BatchState(StrEnum):
    """Where a handover batch stands (a batch still being scanned lives in memory only)."""

    SENT = "sent"
    CONFIRMED = "confirmed"
    DISCREPANCIES = "confirmed_with_discrepancies"

    @property
    def label(self) -> str:
        return {
            "sent": "Đã giao, chờ bên nhận xác nhận",
            "confirmed": "Đã nhận đủ",
            "confirmed_with_discrepancies": "Đã nhận, có sai lệch",
        }[self]


class ItemState(StrEnum):
    """One folder of a batch."""

    SENT = "sent"
    RECEIVED = "received"
    MISSING = "missing"  # sent but not scanned at the receiving side
    UNEXPECTED = "unexpected"  # scanned at the receiving side but not in the batch

    @property
    def label(self) -> str:
        return {"sent": "Đang chuyển", "received": "Đã nhận", "missing": "Thiếu", "unexpected": "Thừa"}[self]


ITEM_RANK = {ItemState.SENT: 0, ItemState.RECEIVED: 1, ItemState.MISSING: 1, ItemState.UNEXPECTED: 1}
"""A later state never goes back to an earlier one (events may arrive in any order)."""


class Discrepancy(StrEnum):
    """What ``custody.discrepancy`` reports."""

    MISSING = "missing"
    UNEXPECTED = "unexpected"


@dataclass(frozen=True, slots=True)
class CustodyState:
    """Where one paper folder is.

    Attributes:
        place: Where it is, or where it is going while ``in_transit``.
        origin: Where it left from (in transit, or the last handover's giver).
        in_transit: Sent and not yet received.
        missing: Sent, and the receiving side reported it missing.
        since: When it got there (or left, in transit).
        holder: Officer who last handled it.
        last_event_id: The custody event that set this state (the parent of the next handover).
        batch_id: The batch of that event ("" for reception or return).
        key: Ordering key of that event (:func:`order_key`: its HLC).
    """

    place: Place
    origin: Place | None
    in_transit: bool
    missing: bool
    since: datetime
    holder: str
    last_event_id: str
    batch_id: str
    key: str


def order_key(hlc: str) -> str:
    """Total order of custody events across devices: the hybrid logical clock (see the module doc)."""
    return hlc


def fold_custody(
    current: CustodyState | None,
    kind: EventType,
    payload: dict[str, Any],
    *,
    event_id: str,
    occurred_at: datetime,
    hlc: str,
    officer_name: str,
) -> CustodyState | None:
    """The custody state after one event, or None when the event does not change it.

    An event older than the one that set ``current`` changes nothing (the greatest HLC wins),
    so folding a dossier's events in any order gives the same state.

    Raises:
        KeyError, ValueError: a custody payload without its places.
    """
    if kind not in CUSTODY_KINDS:
        return None
    key = order_key(hlc)
    if current is not None and current.key >= key:
        return None
    batch_id = str(payload.get("batch_id", ""))
    base = CustodyState(
        place=current.place if current else Place(PlaceKind.COUNTER, "", ""),
        origin=None,
        in_transit=False,
        missing=False,
        since=occurred_at,
        holder=officer_name,
        last_event_id=event_id,
        batch_id=batch_id,
        key=key,
    )
    if kind is EventType.RETURNED:
        collector = payload.get("collector") or {}  # none when sent by post: the addressee, the tracking number
        name = str(collector.get("full_name", "")) or str(payload.get("recipient", ""))
        holder = str(collector.get("personal_id", "")) or str(payload.get("tracking_no") or "")
        return replace(base, place=Place(PlaceKind.CITIZEN, holder, name), batch_id="")
    source, destination = Place.from_payload(payload["from"]), Place.from_payload(payload["to"])
    if kind is EventType.HANDOVER_SENT:
        return replace(base, place=destination, origin=source, in_transit=True)
    if kind is EventType.HANDOVER_RECEIVED:
        return replace(base, place=destination, origin=source)
    if Discrepancy(payload["discrepancy"]) is Discrepancy.MISSING:
        return replace(base, place=destination, origin=source, in_transit=True, missing=True)
    # Unexpected: scanned at the receiving side, so the paper is there (the strongest evidence).
    return replace(base, place=destination, origin=source)


CUSTODY_KINDS = frozenset(
    {EventType.HANDOVER_SENT, EventType.HANDOVER_RECEIVED, EventType.HANDOVER_DISCREPANCY, EventType.RETURNED}
)


# --- time rules of each step (form 05) -----------------------------------------------------------

TRANSFER_CUTOFF = time(15, 0)
"""A folder received at the counter after 15:00 is transferred on the next working day [law]."""


class StepVerdict(StrEnum):
    """How a step of form 05 finished against its allowance."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"

    @property
    def label(self) -> str:
        return {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}[self]


def transfer_deadline(calendar: WorkingCalendar, received_at: datetime) -> datetime:
    """Latest moment to hand a folder received at ``received_at`` from the counter to the department.

    The same working day (by closing time); received after 15:00, or outside office hours, by
    the closing time of the next working day (Decree 61/2018 art. 20: "chuyển … trong ngày làm
    việc tiếp theo").
    """
    start = calendar.normalise(received_at)  # outside office hours: the next working moment
    day = start.date()
    if start.time() > TRANSFER_CUTOFF:
        day = calendar.next_working_day(day)
    return datetime.combine(day, calendar.hours.closing)


def judge(finished: datetime, deadline: datetime | None) -> StepVerdict:
    """Early when finished on a working day before the deadline's day, on time up to the deadline,
    late after it. A step without a deadline is on time."""
    if deadline is None or finished <= deadline:
        if deadline is not None and finished.date() < deadline.date():
            return StepVerdict.EARLY
        return StepVerdict.ON_TIME
    return StepVerdict.LATE


def working_minutes_between(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    """Working minutes from ``start`` to ``end`` (0 when ``end`` is not later), skipping breaks,
    nights, weekends and holidays; used to pause the clock during a supplement request."""
    if end <= start:
        return 0
    total = timedelta()
    current = calendar.normalise(start)
    # Walk period by period; a dossier's life is weeks, so this is a few hundred steps at most.
    for _ in range(100_000):
        if current >= end:
            break
        period_end = _period_end(calendar, current)
        total += min(period_end, end) - current
        current = calendar.normalise(period_end)
    return int(total.total_seconds() // 60)


def _period_end(calendar: WorkingCalendar, moment: datetime) -> datetime:
    for start, end in calendar.hours.periods:
        if start <= moment.time() < end:
            return datetime.combine(moment.date(), end)
    raise AssertionError("moment is not inside office hours")  # normalise() guarantees it is
