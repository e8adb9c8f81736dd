"""Counting rules of the supervisor's figures: II.06a classes and the 766/QĐ-TTg indicators (DOMAIN.md §8)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import IntEnum, StrEnum

from app.domain.calendar import WorkingCalendar
from app.domain.custody import working_minutes_between as working_minutes
from app.domain.durations import DurationUnit, ProcessingTime
from app.domain.status import DossierStatus

NO_VALUE = "—"
"""How a figure whose denominator is 0 is shown."""


class DossierClass(StrEnum):
    """Where a dossier stands in a period's report (Biểu II.06a)."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    IN_PROGRESS_ON_TIME = "in_progress_on_time"
    IN_PROGRESS_LATE = "in_progress_late"
    NOT_COUNTED = "not_counted"

    @property
    def label(self) -> str:
        return _CLASS_LABELS[self]

    @property
    def resolved(self) -> bool:
        """Counted under "Đã giải quyết"."""
        return self in (DossierClass.EARLY, DossierClass.ON_TIME, DossierClass.LATE)

    @property
    def in_progress(self) -> bool:
        """Counted under "Đang giải quyết"."""
        return self in (DossierClass.IN_PROGRESS_ON_TIME, DossierClass.IN_PROGRESS_LATE)

    @property
    def on_time(self) -> bool:
        """Counted in the numerator of indicator 2.1 (end ≤ due; in progress: due ≥ end of period)."""
        return self in (DossierClass.EARLY, DossierClass.ON_TIME, DossierClass.IN_PROGRESS_ON_TIME)


_CLASS_LABELS = {
    DossierClass.EARLY: "Trước hạn",
    DossierClass.ON_TIME: "Đúng hạn",
    DossierClass.LATE: "Quá hạn",
    DossierClass.IN_PROGRESS_ON_TIME: "Đang giải quyết, trong hạn",
    DossierClass.IN_PROGRESS_LATE: "Đang giải quyết, quá hạn",
    DossierClass.NOT_COUNTED: "Không tính trong kỳ",
}


class Channel(IntEnum):
    """How a dossier reached the office (indicator 3.3, II.06a "Tiếp nhận")."""

    DIRECT = 1
    ONLINE = 2
    POSTAL = 3

    @property
    def label(self) -> str:
        return _CHANNEL_LABELS[self]


_CHANNEL_LABELS = {Channel.DIRECT: "Trực tiếp", Channel.ONLINE: "Trực tuyến", Channel.POSTAL: "Dịch vụ bưu chính"}
_CHANNEL_NAMES = {"direct": Channel.DIRECT, "online": Channel.ONLINE, "postal": Channel.POSTAL}


def channel_named(name: object) -> Channel:
    """The channel of a reception decision's ``channel`` ("direct", "online", "postal"); direct when absent."""
    return _CHANNEL_NAMES.get(name, Channel.DIRECT) if isinstance(name, str) else Channel.DIRECT


END_STATUSES = (
    DossierStatus.RESULT_READY,
    DossierStatus.RETURNED,
    DossierStatus.STOPPED,
    DossierStatus.REFUSED,
    DossierStatus.WITHDRAWN,
)
"""Statuses whose first moment is a dossier's *end*, in the order §8 gives them."""


@dataclass(frozen=True, slots=True)
class SupplementSpan:
    """One supplement request after reception; ``completed_at`` None while the citizen has not brought it."""

    requested_at: datetime
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DossierFacts:
    """What the counting rules need to know about one received dossier.

    Attributes:
        due_at: the due date set at reception (an apology does not make a late dossier on time);
            None when the procedure gave none — then ``legal`` is compared.
        end_at: the first of result ready, returned, stopped, refused, withdrawn (None: not yet).
        end_status: which of those it was.
    """

    uid: str
    code: str
    received_at: datetime
    due_at: datetime | None
    end_at: datetime | None = None
    end_status: DossierStatus | None = None
    status: DossierStatus = DossierStatus.RECEIVED
    supplements: tuple[SupplementSpan, ...] = ()
    channel: Channel = Channel.DIRECT
    legal: ProcessingTime | None = None


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period of whole days, ``start`` … ``end`` inclusive."""

    start: date
    end: date

    @property
    def opens(self) -> datetime:
        """First moment of the period."""
        return datetime.combine(self.start, time())

    @property
    def closes(self) -> datetime:
        """First moment after the period (midnight after ``end``)."""
        return datetime.combine(self.end + timedelta(days=1), time())


def week_spans(start: date, end: date) -> list[tuple[date, date]]:
    """The weeks (Monday to Sunday) of ``start`` … ``end``, the first and last clipped to the period."""
    out = []
    day = start
    while day <= end:
        last = min(end, day + timedelta(days=6 - day.weekday()))
        out.append((day, last))
        day = last + timedelta(days=1)
    return out


def effective_due(facts: DossierFacts, calendar: WorkingCalendar | None = None) -> datetime | None:
    """The due date, or — none stored — the receipt plus the procedure's legal time."""
    if facts.due_at is not None:
        return facts.due_at
    if facts.legal is not None and calendar is not None:
        return calendar.due(facts.received_at, facts.legal)
    return None


def supplement_spans(marks: str | None) -> tuple[SupplementSpan, ...]:
    """The department's supplement requests from their marks ``"R<moment>|C<moment>|…"`` (any order).

    In time order a request opens a span and the next completion closes it; a request while one is
    open leaves the open one pending, a completion with none open is ignored.
    """
    if not marks:
        return ()
    steps = sorted(((m[1:], m[0]) for m in marks.split("|") if m), key=lambda x: x[0])
    spans: list[SupplementSpan] = []
    open_at: datetime | None = None
    for moment, kind in steps:
        at = datetime.fromisoformat(moment)
        if kind == "R":
            if open_at is not None:
                spans.append(SupplementSpan(open_at))
            open_at = at
        elif open_at is not None:
            spans.append(SupplementSpan(open_at, at))
            open_at = None
    if open_at is not None:
        spans.append(SupplementSpan(open_at))
    return tuple(spans)


def calendar_fingerprint(calendar: WorkingCalendar) -> str:
    """A short digest of everything working minutes depend on (hours, admin days, the holidays package)."""
    import hashlib
    from importlib.metadata import version

    text = repr((calendar.hours.periods, calendar.hours_per_day, calendar.entries, version("holidays")))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def processing_parts(facts: DossierFacts, calendar: WorkingCalendar) -> tuple[int, int] | None:
    """What :func:`processing_amount` divides, for a dossier that has an end: (working minutes,
    calendar microseconds), the supplement time taken off; minutes never below 0, microseconds
    raw (the amount takes ``max(0, …)``). None without an end."""
    if facts.end_at is None:
        return None
    gap = sum(((s.completed_at or facts.end_at) - s.requested_at for s in facts.supplements
               if s.requested_at < facts.end_at), timedelta())  # fmt: skip
    span = facts.end_at - facts.received_at - gap
    microseconds = (span.days * 86400 + span.seconds) * 1_000_000 + span.microseconds
    minutes = working_minutes(calendar, facts.received_at, facts.end_at)
    for s in facts.supplements:
        if s.requested_at < facts.end_at:
            minutes -= working_minutes(calendar, s.requested_at, min(s.completed_at or facts.end_at, facts.end_at))
    return max(0, minutes), microseconds


def average_amount(total: int, count: int, unit: DurationUnit, minutes_per_day: int) -> float | None:
    """2.2's average in ``unit`` from the summed parts (working minutes, or calendar microseconds
    already floored at 0), computed exactly then rounded to 2 decimals; None for no dossier."""
    from fractions import Fraction

    if count == 0:
        return None
    per_unit = {DurationUnit.CALENDAR_DAYS: 86400 * 1_000_000, DurationUnit.WORKING_HOURS: 60}.get(
        unit, minutes_per_day
    )
    return round2(float(Fraction(total, per_unit * count)))


def _requests_by(facts: DossierFacts, moment: datetime) -> list[SupplementSpan]:
    return [s for s in facts.supplements if s.requested_at < moment]


def classify(
    facts: DossierFacts, period_start: date, period_end: date, calendar: WorkingCalendar | None = None
) -> DossierClass:
    """The II.06a class of ``facts`` for the period ``period_start`` … ``period_end`` (whole days).

    Counted: received by the end of the period and not ended before its start (carried over
    "từ kỳ trước" when received before it). Resolved when the end falls in the period:
    early / on time / late by day against the due date, the supplement time taken off the end;
    refused after processing and a pending supplement (the request is the end) count on time;
    more than one supplement request is late. Otherwise in progress: within the deadline when
    the due date (moved by the supplement time) is not before the end of the period. No due
    date: the legal time from the receipt (needs ``calendar``); neither: on time.
    """
    period = Period(period_start, period_end)
    opens, closes = period.opens, period.closes
    if facts.received_at >= closes:
        return DossierClass.NOT_COUNTED
    if facts.end_at is not None and facts.end_at < opens:
        return DossierClass.NOT_COUNTED
    ended = facts.end_at is not None and facts.end_at < closes
    requests = _requests_by(facts, facts.end_at if ended and facts.end_at is not None else closes)
    if len(requests) > 1:
        return DossierClass.LATE if ended or _pending(requests, closes) else DossierClass.IN_PROGRESS_LATE
    due = effective_due(facts, calendar)
    if not ended and requests and _pending(requests, closes):
        return DossierClass.ON_TIME
    gap = sum(((s.completed_at or closes) - s.requested_at for s in requests), timedelta())
    if ended and facts.end_at is not None:
        if facts.end_status is DossierStatus.REFUSED or due is None:
            return DossierClass.ON_TIME
        end = (facts.end_at - gap).date()
        if end < due.date():
            return DossierClass.EARLY
        return DossierClass.ON_TIME if end == due.date() else DossierClass.LATE
    if due is None or due + gap >= closes:
        return DossierClass.IN_PROGRESS_ON_TIME
    return DossierClass.IN_PROGRESS_LATE


def _pending(requests: list[SupplementSpan], closes: datetime) -> bool:
    last = requests[-1]
    return last.completed_at is None or last.completed_at >= closes


ENDED_CLASS_CODES = {1: DossierClass.EARLY, 2: DossierClass.ON_TIME, 3: DossierClass.LATE}
"""The class an :func:`ended_class` code stands for."""


def ended_class(
    end_at: datetime | None,
    end_status: int | None,
    due_at: datetime | None,
    requested1: datetime | None,
    completed1: datetime | None,
    requested2: datetime | None,
) -> int | None:
    """The class :func:`classify` gives an ended dossier in every period its end falls in (1 early,
    2 on time, 3 late; :data:`ENDED_CLASS_CODES`), from its end and the first two supplement spans: a
    second request before the end is late; a refusal or no due date on time; else the end, the first
    supplement time taken off, against the due date by day. None when not ended, or when the first
    request before the end was never completed (the period's close then ends the span: the class
    depends on the period). The same rule as the server's fold (server/sync/facts.ended_class)."""
    if end_at is None:
        return None
    if requested2 is not None and requested2 < end_at:
        return 3
    if end_status == int(DossierStatus.REFUSED) or due_at is None:
        return 2
    gap = timedelta(0)
    if requested1 is not None and requested1 < end_at:
        if completed1 is None:
            return None
        gap = completed1 - requested1
    day, due_day = (end_at - gap).date(), due_at.date()
    return 1 if day < due_day else 2 if day == due_day else 3


def carried_over(facts: DossierFacts, period_start: date) -> bool:
    """Received before the period and still open at its start ("Từ kỳ trước")."""
    opens = Period(period_start, period_start).opens
    return facts.received_at < opens and (facts.end_at is None or facts.end_at >= opens)


# --- figures ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scoring:
    """Points of one indicator: ``max_points`` reached at ``threshold`` percent, partial in proportion."""

    max_points: float
    threshold: float


@dataclass(frozen=True, slots=True)
class IndicatorRules:
    """The configurable part of Decision 766's scoring (one place to change the thresholds)."""

    on_time: Scoring = Scoring(20, 100)
    digitised: Scoring = Scoring(10, 80)
    satisfaction: Scoring = Scoring(10, 90)


DEFAULT_RULES = IndicatorRules()


def round2(value: float) -> float:
    """Rounded to 2 decimals, half away from zero (as the provincial systems print it)."""
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Ratio:
    """A figure as a share: numerator, denominator and the dossiers behind the numerator."""

    numerator: int
    denominator: int
    uids: tuple[str, ...] = ()

    @property
    def percent(self) -> float | None:
        """Share in percent, 2 decimals; None when the denominator is 0."""
        if self.denominator == 0:
            return None
        return round2(100 * self.numerator / self.denominator)

    def text(self) -> str:
        """ "98,50%" or "—"."""
        return percent_text(self.percent)


def percent_text(value: float | None) -> str:
    """A percentage the Vietnamese way ("98,5%"), "—" for no value."""
    if value is None:
        return NO_VALUE
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") + "%"


def score(rate: float | None, scoring: Scoring) -> float | None:
    """Points for ``rate`` percent: ``rate × max ÷ threshold``, capped at ``max``; None without a rate."""
    if rate is None:
        return None
    return round2(min(scoring.max_points, rate * scoring.max_points / scoring.threshold))


def satisfaction(late: Ratio, unhappy: Ratio) -> float | None:
    """5.4: 100% − (late % + % of "Không hài lòng" or complaints); None when nothing was counted."""
    if late.percent is None or unhappy.percent is None:
        return None
    return round2(100 - late.percent - unhappy.percent)


def faster_than_norm(average: float | None, legal: float | None) -> float | None:
    """2.2 "x% nhanh hơn quy định" = (1 − average ÷ legal) × 100; None without both."""
    if average is None or not legal:
        return None
    return round2(100 * (1 - average / legal))


@dataclass(frozen=True, slots=True)
class NormFigure:
    """2.2 of a group of procedures (an office, a department…) as one "x% faster than the norm".

    Attributes:
        faster_percent: the per-procedure figures averaged, each weighted by its finished dossiers;
            None when no procedure has one (no legal time, or nothing finished).
        measured: finished dossiers of the procedures that have a figure (the weights' sum).
        finished: finished dossiers of all the procedures.
    """

    faster_percent: float | None
    measured: int
    finished: int


def combined_norm(per_procedure: Iterable[tuple[int, float | None]]) -> NormFigure:
    """2.2 of a group from its procedures' (finished dossiers, "x% faster than the norm"): the mean of
    the percentages weighted by finished dossiers, rounded to 2 decimals. A procedure without a
    percentage (no legal time) is left out of the mean but its dossiers count in ``finished``."""
    figures = list(per_procedure)
    weighted = [(n, f) for n, f in figures if f is not None]
    measured = sum(n for n, _ in weighted)
    faster = round2(sum(n * f for n, f in weighted) / measured) if measured else None
    return NormFigure(faster, measured, sum(n for n, _ in figures))


def norm_text(faster_percent: float | None) -> str:
    """2.2 said the way a report says it: "nhanh hơn quy định 18,33%", "chậm hơn quy định 52,67%",
    "đúng bằng thời gian quy định"; "" without a figure."""
    if faster_percent is None:
        return ""
    if faster_percent > 0:
        return f"nhanh hơn quy định {percent_text(faster_percent)}"
    if faster_percent < 0:
        return f"chậm hơn quy định {percent_text(-faster_percent)}"
    return "đúng bằng thời gian quy định"


def processing_amount(facts: DossierFacts, unit: DurationUnit, calendar: WorkingCalendar) -> float | None:
    """2.2: the time a finished dossier took, supplement time taken off, in ``unit``; None if not finished."""
    if facts.end_at is None:
        return None
    gap = sum(((s.completed_at or facts.end_at) - s.requested_at for s in facts.supplements
               if s.requested_at < facts.end_at), timedelta())  # fmt: skip
    if unit is DurationUnit.CALENDAR_DAYS:
        return max(0.0, (facts.end_at - facts.received_at - gap).total_seconds() / 86400)
    minutes = working_minutes(calendar, facts.received_at, facts.end_at)
    for s in facts.supplements:
        if s.requested_at < facts.end_at:
            minutes -= working_minutes(calendar, s.requested_at, min(s.completed_at or facts.end_at, facts.end_at))
    minutes = max(0, minutes)
    if unit is DurationUnit.WORKING_HOURS:
        return minutes / 60
    return minutes / calendar.hours.minutes_per_day


def working_time_text(minutes: int, minutes_per_day: int = 480) -> str:
    """ "x ngày y giờ làm việc" for a span of working minutes (sign ignored); under an hour "x phút làm việc"."""
    days, rest = divmod(abs(minutes), minutes_per_day)
    hours = rest // 60
    if days == 0 and hours == 0:
        return f"{rest} phút làm việc"
    return f"{days} ngày {hours} giờ làm việc"


@dataclass(frozen=True, slots=True)
class ClassCounts:
    """How many dossiers fall in each class, with their uids (click-through)."""

    uids: dict[DossierClass, tuple[str, ...]] = field(default_factory=dict)

    def count(self, cls: DossierClass) -> int:
        return len(self.uids.get(cls, ()))


def tally(pairs: Iterable[tuple[str, DossierClass]]) -> ClassCounts:
    """Group uids by class (NOT_COUNTED dropped)."""
    out: dict[DossierClass, list[str]] = {}
    for uid, cls in pairs:
        if cls is not DossierClass.NOT_COUNTED:
            out.setdefault(cls, []).append(uid)
    return ClassCounts({k: tuple(v) for k, v in out.items()})
