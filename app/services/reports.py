"""Facts, indicators and the Biểu II.06a period report of this office, read from the local store.

SQL does the heavy part (which dossiers a period counts, their end and supplement steps, in one
query); the per-dossier rule is app.domain.indicators.classify, applied once per counted dossier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime

from app.domain.calendar import WorkingCalendar
from app.domain.catalog import AdminLevel
from app.domain.custody import working_minutes_between
from app.domain.durations import DurationUnit, ProcessingTime
from app.domain.events import EventType
from app.domain.indicators import (
    DEFAULT_RULES,
    Channel,
    DossierClass,
    DossierFacts,
    IndicatorRules,
    Period,
    Ratio,
    SupplementSpan,
    classify,
    faster_than_norm,
    processing_amount,
    round2,
    satisfaction,
    score,
    working_time_text,
)
from app.domain.status import DossierStatus
from app.errors import UserFacingError
from app.services.office import load_calendar
from app.store.models import Department, Dossier, Office

MAX_PERIOD_DAYS = 3 * 366
"""Longest period a report covers (three years)."""

_END_TYPES = (EventType.RESULT_RECORDED, EventType.RETURNED)
_STEP_TYPES = (*_END_TYPES, EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT, EventType.SUPPLEMENT_RECEIVED,
               EventType.DUE_EXTENDED)  # fmt: skip
# Statuses that end a dossier without an end event of their own yet: their last change is the end.
_ENDED_WITHOUT_EVENT = (DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED)
DISSATISFIED = "dissatisfied"
"""The rating (app.domain.rating.Rating) that counts against 5.4."""


class PeriodError(UserFacingError):
    """The period asked for cannot be reported."""


def check_period(start: date, end: date) -> Period:
    """The period ``start`` … ``end``.

    Raises:
        PeriodError: start after end, or longer than MAX_PERIOD_DAYS.
    """
    if start > end:
        raise PeriodError(
            f"Ngày bắt đầu kỳ báo cáo ({start:%d/%m/%Y}) sau ngày kết thúc ({end:%d/%m/%Y})."
            " Hãy nhập ngày bắt đầu trước hoặc bằng ngày kết thúc."
        )
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise PeriodError("Kỳ báo cáo dài quá 3 năm. Hãy chọn kỳ ngắn hơn.")
    return Period(start, end)


def channel_of(row: object) -> Channel:
    """How the dossier reached the office. No channel is recorded yet (issue 16 adds it): all direct."""
    return Channel.DIRECT


def rating_of(row: object) -> str | None:
    """The citizen's rating (app.domain.rating.Rating value) when the store has one, else None."""
    value = getattr(row, "rating", None)
    return value if isinstance(value, str) and value else None


# --- facts --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CountedDossier:
    """A dossier a period counts: its facts, its class and who handled it."""

    facts: DossierFacts
    cls: DossierClass
    carried_over: bool
    unit_code: str
    procedure_code: str
    procedure_name: str
    field: str
    level: str
    department_code: str
    department_name: str
    officer_id: str
    officer_name: str
    applicant_name: str
    rating: str | None
    digitised: bool

    @property
    def end_in_period(self) -> datetime | None:
        """The end when it falls in the period (resolved), else None."""
        return self.facts.end_at if self.cls.resolved else None


_FACTS_SQL = """
WITH cand AS (
  SELECT id, uid, code, unit_code, status, received_at, updated_at, due_at, procedure_code, procedure_name, field,
    department_code, department_name, officer_id, officer_name, applicant_name, {rating} AS rating
  FROM dossier
  WHERE code IS NOT NULL AND received_at < :closes
    AND (received_at >= :opens OR status NOT IN (9, 10, 3, 7, 8) OR updated_at >= :opens)
), steps AS (
  SELECT e.dossier_uid AS uid,
    min(CASE WHEN e.type IN ('dossier.result_recorded', 'dossier.returned') THEN e.occurred_at END) AS end_at,
    min(CASE WHEN e.type = 'dossier.result_recorded' THEN e.occurred_at END) AS ready_at,
    group_concat(CASE WHEN e.type = 'dossier.department_supplement_requested' THEN 'R' || e.occurred_at
                      WHEN e.type = 'dossier.supplement_received' THEN 'C' || e.occurred_at END, '|') AS supp,
    max(e.type IN ('dossier.supplement_received', 'dossier.due_extended')) AS due_moved
  FROM cand JOIN event e ON e.dossier_uid = cand.uid
  WHERE e.type IN (:t0, :t1, :t2, :t3, :t4)
  GROUP BY e.dossier_uid
)
SELECT cand.uid, cand.code, cand.unit_code, cand.status, cand.received_at, cand.updated_at,
  CASE WHEN steps.due_moved THEN (SELECT json_extract(data, '$.due_at') FROM dossier WHERE id = cand.id)
       ELSE cand.due_at END AS due_at,
  CASE WHEN cand.due_at IS NULL THEN (SELECT json_extract(data, '$.procedure.processing') FROM dossier
                                      WHERE id = cand.id) END AS processing,
  cand.procedure_code, cand.procedure_name, cand.field, cand.department_code, cand.department_name,
  cand.officer_id, cand.officer_name, cand.applicant_name, cand.rating,
  steps.end_at, steps.ready_at, steps.supp,
  EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_uid = cand.uid) AS digitised
FROM cand LEFT JOIN steps ON steps.uid = cand.uid
"""


def _has_rating(session: Session) -> bool:
    """Whether the store has the ``dossier.rating`` column (migration 0007)."""
    return "rating" in Dossier.__table__.c and bool(
        session.execute(text("SELECT 1 FROM pragma_table_info('dossier') WHERE name = 'rating'")).first()
    )


def _when(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _spans(supp: str | None) -> tuple[SupplementSpan, ...]:
    """Pair requests (R…) with the completions (C…) that follow them, in time order."""
    if not supp:
        return ()
    marks = sorted(((m[1:], m[0]) for m in supp.split("|") if m), key=lambda x: x[0])
    spans: list[SupplementSpan] = []
    open_at: datetime | None = None
    for moment, kind in marks:
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


def _processing(value: object) -> ProcessingTime | None:
    import json

    try:
        p = json.loads(str(value)) if value else None
        if not isinstance(p, dict):
            return None
        cutoff = time.fromisoformat(p["cutoff"]) if p.get("cutoff") else None
        return ProcessingTime(float(p["value"]), DurationUnit(p["unit"]), cutoff)
    except (ValueError, KeyError, TypeError):
        return None


def counted_dossiers(session: Session, start: date, end: date) -> list[CountedDossier]:
    """Every dossier the period ``start`` … ``end`` counts, classified, in order of receipt.

    Raises:
        PeriodError: see :func:`check_period`.
    """
    period = check_period(start, end)
    calendar = load_calendar(session)
    levels = _levels(session)
    sql = text(_FACTS_SQL.format(rating="rating" if _has_rating(session) else "NULL")).bindparams(
        bindparam("opens", type_=DateTime()), bindparam("closes", type_=DateTime())
    )
    params = {"opens": period.opens, "closes": period.closes} | {f"t{i}": str(t) for i, t in enumerate(_STEP_TYPES)}
    out: list[CountedDossier] = []
    for r in session.execute(sql, params):
        status = DossierStatus(r.status)
        end_at, end_status = _when(r.end_at), None
        if end_at is not None:
            end_status = DossierStatus.RESULT_READY if r.ready_at == r.end_at else DossierStatus.RETURNED
        elif status in _ENDED_WITHOUT_EVENT:
            end_at, end_status = _when(r.updated_at), status
        facts = DossierFacts(
            uid=r.uid, code=r.code, received_at=_when(r.received_at) or period.opens, due_at=_when(r.due_at),
            end_at=end_at, end_status=end_status, status=status, supplements=_spans(r.supp),
            channel=channel_of(r), legal=_processing(r.processing),
        )  # fmt: skip
        cls = classify(facts, start, end, calendar)
        if cls is DossierClass.NOT_COUNTED:
            continue
        out.append(
            CountedDossier(
                facts=facts, cls=cls, carried_over=facts.received_at < period.opens, unit_code=r.unit_code,
                procedure_code=r.procedure_code, procedure_name=r.procedure_name, field=r.field or "",
                level=levels.get(r.department_code, ""), department_code=r.department_code or "",
                department_name=r.department_name or "", officer_id=r.officer_id, officer_name=r.officer_name,
                applicant_name=r.applicant_name, rating=rating_of(r), digitised=bool(r.digitised),
            )
        )  # fmt: skip
    out.sort(key=lambda c: (c.facts.received_at, c.facts.code))
    return out


def _levels(session: Session) -> dict[str, str]:
    return {code: level or "" for code, level in session.execute(select(Department.code, Department.level))}


# --- indicators ---------------------------------------------------------------------------------


class Dimension(StrEnum):
    """What the indicators are broken down by."""

    OFFICE = "office"
    DEPARTMENT = "department"
    FIELD = "field"
    PROCEDURE = "procedure"
    OFFICER = "officer"

    @property
    def label(self) -> str:
        return {"office": "Đơn vị", "department": "Cơ quan giải quyết", "field": "Lĩnh vực",
                "procedure": "Thủ tục", "officer": "Cán bộ tiếp nhận"}[self.value]  # fmt: skip


_KEYS: dict[Dimension, Callable[[CountedDossier], tuple[str, str]]] = {
    Dimension.OFFICE: lambda c: (c.unit_code, c.unit_code),
    Dimension.DEPARTMENT: lambda c: (c.department_code, c.department_name or c.department_code),
    Dimension.FIELD: lambda c: (c.field, c.field or "(chưa ghi lĩnh vực)"),
    Dimension.PROCEDURE: lambda c: (c.procedure_code, c.procedure_name),
    Dimension.OFFICER: lambda c: (c.officer_id, c.officer_name),
}


@dataclass(frozen=True, slots=True)
class ProcessingFigure:
    """2.2 for one procedure: average time in the procedure's unit against its legal time."""

    procedure_code: str
    procedure_name: str
    unit: DurationUnit | None
    finished: int
    average: float | None
    legal: float | None
    faster_percent: float | None
    uids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Indicators:
    """The figures of one group of dossiers (the office, a department, a field, a procedure, an officer)."""

    dimension: Dimension
    key: str
    name: str
    counted: int
    on_time: Ratio  # 2.1
    on_time_score: float | None
    late: Ratio
    channels: dict[Channel, Ratio]  # 3.3
    digitised: Ratio  # 4.2
    digitised_score: float | None
    dissatisfied: Ratio
    satisfaction: float | None  # 5.4
    satisfaction_score: float | None
    processing: tuple[ProcessingFigure, ...]  # 2.2, one per procedure


@dataclass(frozen=True, slots=True)
class KpiReport:
    """Indicators of a period for the office and broken down by every dimension."""

    start: date
    end: date
    office: Indicators
    groups: dict[Dimension, tuple[Indicators, ...]]


def _ratio(items: list[CountedDossier], test: Callable[[CountedDossier], bool]) -> Ratio:
    uids = tuple(c.facts.uid for c in items if test(c))
    return Ratio(len(uids), len(items), uids)


def legal_times(session: Session, items: Iterable[CountedDossier]) -> dict[str, ProcessingTime | None]:
    """The legal processing time of each procedure among ``items``, as received (one dossier read per procedure)."""
    one: dict[str, str] = {}
    for c in items:
        one.setdefault(c.procedure_code, c.facts.uid)
    sql = text("SELECT json_extract(data, '$.procedure.processing') FROM dossier WHERE uid = :uid")
    return {code: _processing(session.execute(sql, {"uid": uid}).scalar()) for code, uid in one.items()}


def _processing_figures(
    items: list[CountedDossier], start: date, calendar: WorkingCalendar, legal_by_code: dict[str, ProcessingTime | None]
) -> tuple[ProcessingFigure, ...]:
    """2.2: finished dossiers received in the period, per procedure, in the procedure's unit."""
    by_proc: dict[str, list[CountedDossier]] = defaultdict(list)
    opens = Period(start, start).opens
    for c in items:
        if c.cls.resolved and c.facts.received_at >= opens and c.facts.end_status in (
            DossierStatus.RESULT_READY, DossierStatus.RETURNED
        ):  # fmt: skip
            by_proc[c.procedure_code].append(c)
    out = []
    for code, group in sorted(by_proc.items()):
        legal = legal_by_code.get(code)
        unit = legal.unit if legal is not None else DurationUnit.WORKING_DAYS
        amounts = [a for c in group if (a := processing_amount(c.facts, unit, calendar)) is not None]
        average = round2(sum(amounts) / len(amounts)) if amounts else None
        legal_value = legal.value if legal is not None else None
        faster = faster_than_norm(average, legal_value)
        uids = tuple(c.facts.uid for c in group)
        out.append(ProcessingFigure(code, group[0].procedure_name, unit, len(amounts), average, legal_value, faster,
                                    uids))  # fmt: skip
    return tuple(out)


def indicators_of(
    items: list[CountedDossier], dimension: Dimension, key: str, name: str, start: date,
    calendar: WorkingCalendar, legal: dict[str, ProcessingTime | None], rules: IndicatorRules = DEFAULT_RULES,
) -> Indicators:  # fmt: skip
    """The figures of ``items`` (dossiers one period counts)."""
    on_time = _ratio(items, lambda c: c.cls.on_time)
    late = _ratio(items, lambda c: not c.cls.on_time)
    opens = Period(start, start).opens
    received = [c for c in items if c.facts.received_at >= opens]
    channels = {ch: _ratio(received, lambda c, ch=ch: c.facts.channel is ch) for ch in Channel}  # type: ignore[misc]
    digitised = _ratio(items, lambda c: c.digitised)
    dissatisfied = _ratio(items, lambda c: c.rating == DISSATISFIED)
    sat = satisfaction(late, dissatisfied)
    return Indicators(
        dimension=dimension, key=key, name=name, counted=len(items), on_time=on_time,
        on_time_score=score(on_time.percent, rules.on_time), late=late, channels=channels, digitised=digitised,
        digitised_score=score(digitised.percent, rules.digitised), dissatisfied=dissatisfied, satisfaction=sat,
        satisfaction_score=score(sat, rules.satisfaction),
        processing=_processing_figures(items, start, calendar, legal),
    )  # fmt: skip


def kpi(session: Session, start: date, end: date, rules: IndicatorRules = DEFAULT_RULES) -> KpiReport:
    """Indicators 2.1, 2.2, 3.3, 4.2 and 5.4 of the period, for the office and per dimension.

    Raises:
        PeriodError: see :func:`check_period`.
    """
    items = counted_dossiers(session, start, end)
    calendar = load_calendar(session)
    legal = legal_times(session, items)
    office = session.scalars(select(Office)).first()
    groups: dict[Dimension, tuple[Indicators, ...]] = {}
    for dim in Dimension:
        if dim is Dimension.OFFICE:
            continue
        by_key: dict[tuple[str, str], list[CountedDossier]] = defaultdict(list)
        for c in items:
            by_key[_KEYS[dim](c)].append(c)
        groups[dim] = tuple(indicators_of(v, dim, k, n, start, calendar, legal, rules)
                            for (k, n), v in sorted(by_key.items(), key=lambda kv: kv[0][1]))  # fmt: skip
    whole = indicators_of(items, Dimension.OFFICE, office.unit_code if office else "",
                          office.name if office else "", start, calendar, legal, rules)  # fmt: skip
    return KpiReport(start, end, whole, groups)


# --- Biểu II.06a --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One line of Biểu II.06a: a field of one level (or a level's or the whole report's total)."""

    level: str  # AdminLevel value, "" when unknown
    level_label: str
    field: str
    received_total: int
    received_online: int
    received_direct_postal: int
    carried_over: int
    resolved_total: int
    resolved_early: int
    resolved_on_time: int
    resolved_late: int
    in_progress_total: int
    in_progress_on_time: int
    in_progress_late: int


@dataclass(frozen=True, slots=True)
class LevelGroup:
    """The rows of one level and their subtotal."""

    level: str
    level_label: str
    rows: tuple[ReportRow, ...]
    subtotal: ReportRow


@dataclass(frozen=True, slots=True)
class PeriodReport:
    """Biểu II.06a "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI …" of this office for a period.

    ``received_total`` counts the period's receipts plus those carried over (Tổng số = Trực
    tuyến + Trực tiếp, bưu chính + Từ kỳ trước).
    """

    unit_code: str
    unit_name: str
    governing_body: str
    place_name: str
    start: date
    end: date
    groups: tuple[LevelGroup, ...]
    total: ReportRow

    @property
    def empty(self) -> bool:
        return self.total.received_total == 0


@dataclass(frozen=True, slots=True)
class LateDossier:
    """A dossier late in the period: resolved late, or still open past its due date at the end.

    ``delay_minutes``: working minutes from the due date to the end (or to the end of the period).
    """

    uid: str
    code: str
    procedure_name: str
    applicant_name: str
    received_at: datetime
    due_at: datetime | None
    end_at: datetime | None
    delay_minutes: int
    delay_text: str
    department_name: str
    officer_name: str
    resolved: bool
    supplement_requests: int


def _level_label(level: str) -> str:
    try:
        return AdminLevel(level).label
    except ValueError:
        return "Chưa xác định cấp"


def _row(level: str, field: str, items: Iterable[CountedDossier]) -> ReportRow:
    n: dict[str, int] = defaultdict(int)
    for c in items:
        if c.carried_over:
            n["carried"] += 1
        elif c.facts.channel is Channel.ONLINE:
            n["online"] += 1
        else:
            n["direct"] += 1
        n[c.cls.value] += 1
    return ReportRow(
        level=level, level_label=_level_label(level), field=field,
        received_total=n["carried"] + n["online"] + n["direct"], received_online=n["online"],
        received_direct_postal=n["direct"], carried_over=n["carried"],
        resolved_total=n["early"] + n["on_time"] + n["late"], resolved_early=n["early"],
        resolved_on_time=n["on_time"], resolved_late=n["late"],
        in_progress_total=n["in_progress_on_time"] + n["in_progress_late"],
        in_progress_on_time=n["in_progress_on_time"], in_progress_late=n["in_progress_late"],
    )  # fmt: skip


_LEVEL_ORDER = {AdminLevel.TINH.value: 0, AdminLevel.XA.value: 1}


def period_report(session: Session, start: date, end: date) -> PeriodReport:
    """Biểu II.06a of the period ``start`` … ``end``: rows per field grouped by level, with totals.

    Raises:
        PeriodError: see :func:`check_period`.
    """
    items = counted_dossiers(session, start, end)
    office = session.scalars(select(Office)).first()
    by_level: dict[str, dict[str, list[CountedDossier]]] = defaultdict(lambda: defaultdict(list))
    for c in items:
        by_level[c.level][c.field].append(c)
    groups = []
    for level in sorted(by_level, key=lambda lv: (_LEVEL_ORDER.get(lv, 9), lv)):
        fields = by_level[level]
        rows = tuple(_row(level, f, fields[f]) for f in sorted(fields))
        groups.append(LevelGroup(level, _level_label(level), rows,
                                 _row(level, "", (c for f in fields.values() for c in f))))  # fmt: skip
    return PeriodReport(
        unit_code=office.unit_code if office else "", unit_name=office.name if office else "",
        governing_body=office.governing_body if office else "", place_name=office.place_name if office else "",
        start=start, end=end, groups=tuple(groups), total=_row("", "", items),
    )  # fmt: skip


def late_dossiers(session: Session, start: date, end: date) -> list[LateDossier]:
    """The period's late dossiers (resolved late, or open past the due date at its end), most late first.

    Raises:
        PeriodError: see :func:`check_period`.
    """
    items = counted_dossiers(session, start, end)
    calendar = load_calendar(session)
    closes = Period(start, end).closes
    per_day = calendar.hours.minutes_per_day
    out = []
    for c in items:
        if c.cls not in (DossierClass.LATE, DossierClass.IN_PROGRESS_LATE):
            continue
        f = c.facts
        due = f.due_at or (calendar.due(f.received_at, f.legal) if f.legal else None)
        until = f.end_at if c.cls.resolved and f.end_at is not None else closes
        gap = sum(((s.completed_at or until) - s.requested_at for s in f.supplements if s.requested_at < until),
                  timedelta())  # fmt: skip
        delay = working_minutes_between(calendar, due + gap, until) if due is not None else 0
        out.append(LateDossier(
            uid=f.uid, code=f.code, procedure_name=c.procedure_name, applicant_name=c.applicant_name,
            received_at=f.received_at, due_at=f.due_at, end_at=f.end_at if c.cls.resolved else None,
            delay_minutes=delay, delay_text=working_time_text(delay, per_day),
            department_name=c.department_name, officer_name=c.officer_name, resolved=c.cls.resolved,
            supplement_requests=sum(1 for s in f.supplements if s.requested_at < until),
        ))  # fmt: skip
    out.sort(key=lambda x: (-x.delay_minutes, x.code))
    return out
