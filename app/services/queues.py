"""The supervisor's queues: overdue, due soon, waiting for a supplement, processing, in transit,
waiting for pick-up and received today, counted and listed in SQL over the local store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.custody import working_minutes_between
from app.domain.indicators import Channel
from app.domain.status import DEADLINE_RUNNING_STATUSES, DossierStatus
from app.services.custody import transit_alert_hours
from app.services.reports import channel_of
from app.store.models import Custody, Department, Dossier, Officer, QueueTally, Setting

_Stmt = TypeVar("_Stmt", bound=Select[*tuple[Any, ...]])

DUE_SOON_KEY = "queue_due_soon_working_days"
DEFAULT_DUE_SOON_DAYS = 1.0
"""'Due soon' = due within one working day [DOMAIN.md §5]; an office may widen it."""
SUPPLEMENT_WINDOW_DAYS = 3
"""The department asks for a supplement within 3 working days of receipt [law]."""
ROW_LIMIT = 1000

# Statuses whose clock runs (received, at the department, fees requested): the domain's one set.
_RUNNING = tuple(sorted(int(s) for s in DEADLINE_RUNNING_STATUSES))
_SUPPLEMENT = int(DossierStatus.SUPPLEMENT_REQUESTED)
_READY = int(DossierStatus.RESULT_READY)
# Asked for a supplement after reception (a code); without a code it is a counter's guidance. Counted in
# queue_tally, listed from the partial index ix_dossier_supplement_queue (client migration 0015).
_SUPPLEMENT_QUEUE = (Dossier.status == _SUPPLEMENT, Dossier.code.is_not(None))


class QueueId(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    SUPPLEMENT = "supplement"
    PROCESSING = "processing"
    IN_TRANSIT = "in_transit"
    PICKUP = "pickup"
    TODAY = "today"

    @property
    def label(self) -> str:
        return _QUEUE_LABELS[self]


_QUEUE_LABELS = {
    QueueId.OVERDUE: "Quá hạn",
    QueueId.DUE_SOON: "Sắp đến hạn",
    QueueId.SUPPLEMENT: "Chờ bổ sung",
    QueueId.PROCESSING: "Đang giải quyết",
    QueueId.IN_TRANSIT: "Chuyển quá lâu",
    QueueId.PICKUP: "Chờ trả kết quả",
    QueueId.TODAY: "Tiếp nhận hôm nay",
}


def channel_sql() -> ColumnElement[int]:
    """A dossier's channel in SQL: the channel it was received by (``dossier.channel``, client migration 0013)."""
    return Dossier.__table__.c.channel


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Empty strings / None: no restriction."""

    department_code: str = ""
    officer_id: str = ""
    field: str = ""
    procedure_code: str = ""
    channel: Channel | None = None


@dataclass(frozen=True, slots=True)
class DepartmentCount:
    code: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """How many dossiers each queue holds (after the filter), and the processing ones per department."""

    counts: tuple[tuple[QueueId, int], ...]
    departments: tuple[DepartmentCount, ...]

    def of(self, queue: QueueId) -> int:
        return dict(self.counts)[queue]


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One dossier in a queue. ``minutes``: working minutes left until the due time (negative when
    overdue) — or, in the supplement, pick-up and transit queues, minutes waited (negative)."""

    uid: str
    code: str
    applicant_name: str
    procedure_name: str
    field: str
    department_name: str
    officer_name: str
    status: int
    channel: Channel
    received_at: datetime
    due_at: datetime | None
    minutes: int
    time_text: str
    late: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class QueueRows:
    rows: tuple[QueueRow, ...]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """What the filter boxes offer: (code, name) pairs."""

    departments: tuple[tuple[str, str], ...]
    officers: tuple[tuple[str, str], ...]


def due_soon_days(session: Session) -> float:
    """Setting ``queue_due_soon_working_days`` (default 1 working day)."""
    row = session.get(Setting, DUE_SOON_KEY)
    try:
        value = float(row.value) if row is not None else DEFAULT_DUE_SOON_DAYS
    except (TypeError, ValueError):
        return DEFAULT_DUE_SOON_DAYS
    return value if 0 < value <= 30 else DEFAULT_DUE_SOON_DAYS


def duration_text(minutes: int, calendar: WorkingCalendar) -> str:
    """``"2 ngày 3 giờ làm việc"`` (1 working day = ``calendar.hours_per_day`` hours); under an hour
    ``"45 phút làm việc"``. The sign is ignored."""
    minutes = abs(minutes)
    per_day = round(calendar.hours_per_day * 60)
    days, rest = divmod(minutes, per_day)
    hours = rest // 60
    if days == 0 and hours == 0:
        return f"{rest} phút làm việc"
    return f"{days} ngày {hours} giờ làm việc"


class _Clock:
    """Working minutes between two moments, fast over long spans: whole days come from a running
    count of the calendar's working days (each day asked once), the partial first and last days
    from the domain's own walk."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self._per_day = calendar.hours.minutes_per_day
        self._base: date | None = None
        self._before: list[int] = [0]  # _before[i]: working days in [base, base + i)

    def _working_days_before(self, day: date) -> int:
        if self._base is None or day < self._base:
            self._base, self._before = day, [0]
        offset = (day - self._base).days
        while len(self._before) <= offset:
            current = self._base + timedelta(days=len(self._before) - 1)
            self._before.append(self._before[-1] + self.calendar.is_working_day(current))
        return self._before[offset]

    def between(self, start: datetime, end: datetime) -> int:
        if end <= start:
            return 0
        if (end.date() - start.date()).days < 2:
            return working_minutes_between(self.calendar, start, end)
        first_midnight = datetime.combine(start.date() + timedelta(days=1), time())
        last_midnight = datetime.combine(end.date(), time())
        first = self._working_days_before(first_midnight.date())  # may move the base back: ask it first
        middle = self._working_days_before(last_midnight.date()) - first
        return (
            working_minutes_between(self.calendar, start, first_midnight)
            + middle * self._per_day
            + working_minutes_between(self.calendar, last_midnight, end)
        )

    def signed(self, now: datetime, due: datetime) -> int:
        """Minutes left until ``due`` (negative: overdue by that much)."""
        return self.between(now, due) if due >= now else -self.between(due, now)


def _filtered(stmt: _Stmt, flt: QueueFilter) -> _Stmt:
    if flt.department_code:
        stmt = stmt.where(Dossier.department_code == flt.department_code)
    if flt.officer_id:
        stmt = stmt.where(Dossier.officer_id == flt.officer_id)
    if flt.field:
        stmt = stmt.where(Dossier.field == flt.field)
    if flt.procedure_code:
        stmt = stmt.where(Dossier.procedure_code == flt.procedure_code)
    if flt.channel is not None:
        stmt = stmt.where(channel_sql() == int(flt.channel))
    return stmt


def _day_bounds(now: datetime) -> tuple[datetime, datetime]:
    start = datetime.combine(now.date(), time())
    return start, start + timedelta(days=1)


def _due_soon_limit(session: Session, calendar: WorkingCalendar, now: datetime) -> datetime:
    minutes = round(due_soon_days(session) * calendar.hours_per_day * 60)
    return calendar.add_working_minutes(now, minutes)


def _in_transit(session: Session, calendar: WorkingCalendar, now: datetime, flt: QueueFilter) -> list[Any]:
    """Folders in transit longer than ``custody_transit_alert_hours`` (few rows: the custody index)."""
    threshold = round(transit_alert_hours(session) * 60)
    stmt = (
        select(Dossier, Custody.since, Custody.origin_name, Custody.place_name)
        .select_from(Custody)
        .join(Dossier, Dossier.uid == Custody.dossier_uid)
        .where(Custody.in_transit.is_(True), Custody.since < now)
        .order_by(Custody.since)
    )
    rows = session.execute(_filtered(stmt, flt)).all()
    return [r for r in rows if calendar.add_working_minutes(r.since, threshold) < now]


def _count(session: Session, flt: QueueFilter, *conds: ColumnElement[bool]) -> int:
    return int(session.scalar(_filtered(select(func.count()).select_from(Dossier).where(*conds), flt)) or 0)


def _tallied(flt: QueueFilter) -> bool:
    """Whether ``queue_tally`` answers the filter's counts by status (it knows status and department only)."""
    return not (flt.officer_id or flt.field or flt.procedure_code or flt.channel is not None)


def _per_department(session: Session, flt: QueueFilter) -> dict[str, int]:
    """The dossiers whose clock runs, per department: from ``queue_tally`` (client migration 0015) when the
    filter allows, else one GROUP BY per status, each walking ``ix_dossier_status_department`` in its order
    (one GROUP BY over ``status IN (…)`` sorts every entry in a temporary B-tree first)."""
    out: dict[str, int] = {}
    if _tallied(flt):
        stmt = select(QueueTally.department_code, QueueTally.n).where(
            QueueTally.status.in_(_RUNNING), QueueTally.n != 0
        )
        if flt.department_code:
            stmt = stmt.where(QueueTally.department_code == flt.department_code)
        rows: list[Any] = list(session.execute(stmt))
    else:
        rows = []
        for status in _RUNNING:
            stmt = select(Dossier.department_code, func.count()).where(Dossier.status == status)
            rows += session.execute(_filtered(stmt.group_by(Dossier.department_code), flt)).all()
    for code, n in rows:
        out[code or ""] = out.get(code or "", 0) + int(n)
    return out


def _tally_count(session: Session, flt: QueueFilter, *conds: ColumnElement[bool]) -> int:
    """How many dossiers ``queue_tally`` holds under ``conds`` (its own columns) and the filter's department."""
    stmt = select(func.coalesce(func.sum(QueueTally.n), 0)).where(*conds)
    if flt.department_code:
        stmt = stmt.where(QueueTally.department_code == flt.department_code)
    return int(session.scalar(stmt) or 0)


def queue_counts(session: Session, calendar: WorkingCalendar, now: datetime, flt: QueueFilter) -> QueueCounts:
    """Every queue's count: one small COUNT per queue (each an index range with the queue indexes of
    client migrations 0008 and 0015), the processing ones grouped by department."""
    soon = _due_soon_limit(session, calendar, now)
    running = Dossier.status.in_(_RUNNING)
    per_department = _per_department(session, flt)
    tallied = _tallied(flt)
    names = {str(c): str(n) for c, n in session.execute(select(Department.code, Department.name))}
    departments = sorted(
        (
            DepartmentCount(code, names.get(code) or code or "(chưa rõ cơ quan)", n)
            for code, n in per_department.items()
        ),
        key=lambda d: (-d.count, d.name),
    )
    start, end = _day_bounds(now)
    counts = (
        (QueueId.OVERDUE, _count(session, flt, running, Dossier.due_at < now)),
        (QueueId.DUE_SOON, _count(session, flt, running, Dossier.due_at >= now, Dossier.due_at <= soon)),
        (
            QueueId.SUPPLEMENT,
            _tally_count(session, flt, QueueTally.status == _SUPPLEMENT, QueueTally.coded == 1)
            if tallied
            else _count(session, flt, *_SUPPLEMENT_QUEUE),
        ),
        (QueueId.PROCESSING, sum(per_department.values())),
        (QueueId.IN_TRANSIT, len(_in_transit(session, calendar, now, flt))),
        (
            QueueId.PICKUP,
            _tally_count(session, flt, QueueTally.status == _READY)
            if tallied
            else _count(session, flt, Dossier.status == _READY),
        ),
        (
            QueueId.TODAY,
            _count(session, flt, Dossier.received_at >= start, Dossier.received_at < end, Dossier.code.is_not(None)),
        ),
    )
    return QueueCounts(counts, tuple(departments))


def _queue_query(
    session: Session, calendar: WorkingCalendar, now: datetime, queue: QueueId
) -> tuple[tuple[int, ...], tuple[ColumnElement[bool], ...], Any, bool]:
    """(statuses, conditions, order column, descending) of a queue read from the dossier table."""
    if queue is QueueId.OVERDUE:
        return _RUNNING, (Dossier.due_at < now,), Dossier.due_at, False
    if queue is QueueId.DUE_SOON:
        soon = _due_soon_limit(session, calendar, now)
        return _RUNNING, (Dossier.due_at >= now, Dossier.due_at <= soon), Dossier.due_at, False
    if queue is QueueId.SUPPLEMENT:
        return (), _SUPPLEMENT_QUEUE, Dossier.updated_at, False
    if queue is QueueId.PROCESSING:
        return _RUNNING, (), Dossier.due_at, False
    if queue is QueueId.PICKUP:
        return (_READY,), (), Dossier.updated_at, False
    start, end = _day_bounds(now)
    return (
        (),
        (Dossier.received_at >= start, Dossier.received_at < end, Dossier.code.is_not(None)),
        Dossier.received_at,
        True,
    )


_ROW_COLUMNS = (
    Dossier.uid, Dossier.code, Dossier.applicant_name, Dossier.procedure_name, Dossier.field, Dossier.department_name,
    Dossier.officer_name, Dossier.status, Dossier.channel, Dossier.received_at, Dossier.due_at, Dossier.updated_at,
)  # fmt: skip
"""What a queue's row shows: read from the dossier row alone (its ``data`` is not needed)."""


def _top(
    session: Session, flt: QueueFilter, query: tuple[Any, ...], limit: int, total: int | None
) -> tuple[list[Any], int]:
    """The first ``limit`` dossiers of a queue and its size (counted unless ``total`` is given). Each
    status is read on its own, in index order, and the short lists merged here: one ORDER BY over
    ``status IN (…)`` would sort them all."""
    statuses, conds, order, descending = query
    keyed: list[Any] = []
    counted = 0
    for status_cond in [Dossier.status == st for st in statuses] or [None]:
        where = (*conds, status_cond) if status_cond is not None else conds
        stmt = select(order.label("sort_key"), Dossier.id.label("row_id"), *_ROW_COLUMNS).where(*where)
        stmt = stmt.order_by(order.desc() if descending else order).limit(limit)
        keyed += session.execute(_filtered(stmt, flt)).all()
        if total is None:
            counted += _count(session, flt, *where)
    present = sorted((r for r in keyed if r.sort_key is not None), key=lambda r: (r.sort_key, r.row_id),
                     reverse=descending)  # fmt: skip
    ordered = (present + [r for r in keyed if r.sort_key is None])[:limit]
    return ordered, counted if total is None else total


def queue_rows(
    session: Session,
    calendar: WorkingCalendar,
    now: datetime,
    queue: QueueId,
    flt: QueueFilter = QueueFilter(),
    limit: int = ROW_LIMIT,
    total: int | None = None,
) -> QueueRows:
    """The dossiers of one queue (at most ``limit``, most urgent first) and how many there are.

    ``total``: the queue's size when the caller has just counted it with the same filter
    (:func:`queue_counts`): it is not counted again.
    """
    clock = _Clock(calendar)
    if queue is QueueId.IN_TRANSIT:
        found = _in_transit(session, calendar, now, flt)
        rows = []
        for r in found[:limit]:
            waited = clock.between(r.since, now)
            note = f"{r.origin_name} → {r.place_name}"
            rows.append(_row(r.Dossier, -waited, f"Đang chuyển {duration_text(waited, calendar)}", True, note))
        return QueueRows(tuple(rows), len(found))
    dossiers, size = _top(session, flt, _queue_query(session, calendar, now, queue), limit, total)
    return QueueRows(tuple(_queue_row(clock, now, queue, d) for d in dossiers), size)


def _queue_row(clock: _Clock, now: datetime, queue: QueueId, d: Any) -> QueueRow:
    cal = clock.calendar
    if queue is QueueId.SUPPLEMENT:
        waited = clock.between(d.updated_at, now)
        window_end = cal.add_working_minutes(d.received_at, round(SUPPLEMENT_WINDOW_DAYS * cal.hours_per_day * 60))
        in_window = d.updated_at <= window_end
        note = f"Yêu cầu {'trong' if in_window else 'quá'} hạn {SUPPLEMENT_WINDOW_DAYS} ngày làm việc"
        return _row(d, -waited, f"Chờ bổ sung {duration_text(waited, cal)}", not in_window, note)
    if queue is QueueId.PICKUP:
        waited = clock.between(d.updated_at, now)
        return _row(d, -waited, f"Chờ trả {duration_text(waited, cal)}", False)
    if d.due_at is None:
        return _row(d, 0, "Không có hạn", False)
    minutes = clock.signed(now, d.due_at)
    if minutes >= 0 and d.due_at >= now:
        return _row(d, minutes, f"Còn {duration_text(minutes, cal)}", False)
    return _row(d, minutes, f"Quá hạn {duration_text(minutes, cal)}", True)


def _row(d: Any, minutes: int, text: str, late: bool, note: str = "") -> QueueRow:
    """``d``: a Dossier or a row of :data:`_ROW_COLUMNS`."""
    return QueueRow(
        d.uid,
        d.code or "",
        d.applicant_name,
        d.procedure_name,
        d.field,
        d.department_name,
        d.officer_name,
        d.status,
        channel_of(d),
        d.received_at,
        d.due_at,
        minutes,
        text,
        late,
        note,
    )


def filter_choices(session: Session) -> FilterChoices:
    """Departments and officers of the office for the filter boxes."""
    departments = session.execute(select(Department.code, Department.name).order_by(Department.name)).all()
    officers = session.execute(select(Officer.id, Officer.full_name).order_by(Officer.full_name)).all()
    return FilterChoices(tuple((str(c), str(n)) for c, n in departments), tuple((str(i), str(n)) for i, n in officers))


def procedures_and_fields(procedures: Sequence[Any]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """(code, name) of the catalog's procedures and its fields, sorted, for the filter boxes."""
    procs = tuple(sorted(((p.code, p.name) for p in procedures), key=lambda p: p[1]))
    fields = tuple(sorted({p.field for p in procedures if p.field}))
    return procs, fields
