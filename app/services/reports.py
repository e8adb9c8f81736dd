"""Facts, indicators and the Biểu II.06a period report of this office, read from the local store.

The projection keeps each dossier's end, reception due date, supplement spans and processing time
on its row (migration 0009); :func:`kpi` and :func:`period_report` classify and count in SQL (grouped
queries: a CASE expression that is app.domain.indicators.classify for the dossiers with at most two
supplement requests and a due date, the common case), the rest — more supplement requests, no due
date — through ``classify`` and ``processing_parts`` in Python. The dossiers ended in the period are
read from the per-day summary ``ended_cell`` (migration 0016, kept by SQLite triggers) and corrected
for the ones received before the period (:func:`_cells`); a processing time computed on a calendar
changed since is worked out again in bulk for the period's days. The dossiers behind a figure are
read only when asked for (:func:`dossiers_behind`, or a figure's ``uids``). The reference implementation, reading each
dossier's events, stays as ``reference_counted_dossiers`` / ``reference_kpi`` /
``reference_period_report`` (tests check both give the same answers).

**Whose dossiers.** The figures are this office's as a one-stop shop: the dossiers it *received*
(``dossier.unit_code`` is this PC's office). A handling unit's store also holds the dossiers it
decides for other offices (receiving regardless of residence, issue 16; pulled from the server's
feed): those are the receiving office's receptions, with its channel, its digitisation, its return
and its citizen's rating, and they count in that office's figures — as the server's province report
counts every dossier once, under the office that received it (server/sync/indicators.py). Counting
them here too would make the handling unit's "Tiếp nhận" include receptions it did not make and the
province's offices add up to more than the province. The handling unit follows that work in its
department queues (app.services.queues). A store without a configured device counts every dossier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, overload

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime

from app.domain.calendar import WorkingCalendar
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
    average_amount,
    calendar_fingerprint,
    classify,
    faster_than_norm,
    processing_parts,
    satisfaction,
    score,
    supplement_spans,
    working_time_text,
)
from app.domain.period_report import LevelGroup, PeriodReport, ReportRow, level_label, level_order, report_row
from app.domain.status import DossierStatus
from app.errors import UserFacingError
from app.services.office import load_calendar, this_device
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


def own_unit(session: Session) -> str:
    """The office whose receptions the figures count (see the module docstring); "" = every dossier."""
    info = this_device(session)
    return info.unit_code if info is not None else ""


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
    """How the dossier reached the office (``dossier.channel``, client migration 0013); direct when unknown."""
    value = getattr(row, "channel", None)
    return Channel(value) if value in (2, 3) else Channel.DIRECT


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
    digitised: bool  # a file attached (4.2's numerator among the dossiers to scan)
    scan_required: bool = True  # a paper to scan (4.2's denominator; app.domain.digitisation)

    @property
    def end_in_period(self) -> datetime | None:
        """The end when it falls in the period (resolved), else None."""
        return self.facts.end_at if self.cls.resolved else None


_FACTS_SQL = """
WITH cand AS (
  SELECT id, uid, code, unit_code, status, received_at, updated_at, due_at, procedure_code, procedure_name, field,
    department_code, department_name, officer_id, officer_name, applicant_name, {rating} AS rating,
    channel, scan_required
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
  cand.officer_id, cand.officer_name, cand.applicant_name, cand.rating, cand.channel, cand.scan_required,
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


def reference_counted_dossiers(session: Session, start: date, end: date) -> list[CountedDossier]:
    """:func:`counted_dossiers` the reference way: each dossier's steps read from its events.

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
    own = own_unit(session)
    for r in session.execute(sql, params):
        if own and r.unit_code != own:
            continue  # received by another office, decided here: that office's figure
        status = DossierStatus(r.status)
        end_at, end_status = _when(r.end_at), None
        if end_at is not None:
            end_status = DossierStatus.RESULT_READY if r.ready_at == r.end_at else DossierStatus.RETURNED
        elif status in _ENDED_WITHOUT_EVENT:
            end_at, end_status = _when(r.updated_at), status
        facts = DossierFacts(
            uid=r.uid, code=r.code, received_at=_when(r.received_at) or period.opens, due_at=_when(r.due_at),
            end_at=end_at, end_status=end_status, status=status, supplements=supplement_spans(r.supp),
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
                scan_required=bool(r.scan_required),
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
    uids: Sequence[str]


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
        parts = [p for c in group if (p := processing_parts(c.facts, calendar)) is not None]
        total = sum(max(0, us) for _, us in parts) if unit is DurationUnit.CALENDAR_DAYS else sum(m for m, _ in parts)
        average = average_amount(total, len(parts), unit, calendar.hours.minutes_per_day)
        amounts = parts
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
    digitised = _ratio([c for c in items if c.scan_required], lambda c: c.digitised)
    dissatisfied = _ratio(items, lambda c: c.rating == DISSATISFIED)
    sat = satisfaction(late, dissatisfied)
    return Indicators(
        dimension=dimension, key=key, name=name, counted=len(items), on_time=on_time,
        on_time_score=score(on_time.percent, rules.on_time), late=late, channels=channels, digitised=digitised,
        digitised_score=score(digitised.percent, rules.digitised), dissatisfied=dissatisfied, satisfaction=sat,
        satisfaction_score=score(sat, rules.satisfaction),
        processing=_processing_figures(items, start, calendar, legal),
    )  # fmt: skip


def reference_kpi(session: Session, start: date, end: date, rules: IndicatorRules = DEFAULT_RULES) -> KpiReport:
    """:func:`kpi` the reference way (every counted dossier in Python, uids loaded).

    Raises:
        PeriodError: see :func:`check_period`.
    """
    items = reference_counted_dossiers(session, start, end)
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
    return report_row(level, field, n)


def reference_period_report(session: Session, start: date, end: date) -> PeriodReport:
    """:func:`period_report` the reference way (every counted dossier in Python).

    Raises:
        PeriodError: see :func:`check_period`.
    """
    items = reference_counted_dossiers(session, start, end)
    office = session.scalars(select(Office)).first()
    by_level: dict[str, dict[str, list[CountedDossier]]] = defaultdict(lambda: defaultdict(list))
    for c in items:
        by_level[c.level][c.field].append(c)
    groups = []
    for level in sorted(by_level, key=level_order):
        fields = by_level[level]
        rows = tuple(_row(level, f, fields[f]) for f in sorted(fields))
        groups.append(LevelGroup(level, level_label(level), rows,
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


# --- the same figures counted in SQL over the facts the projection keeps (migration 0009) ---------------

_US = "(CAST(strftime('%s', {0}) AS INTEGER) * 1000000 + CAST(substr({0}, 21, 6) AS INTEGER))"
_DAY = "(" + _US + " / 86400000000)"
# classify() for a dossier with at most two supplement requests and a due date (or refused without an
# end event): 1 early, 2 on time, 3 late, 4 in progress on time, 5 in progress late. Two requests before
# the end (or the end of the period) make it late; else the first request's span is the only one.
_CLASS_SQL = f"""CASE
  WHEN r2 < CASE WHEN ended THEN e_at ELSE :closes END THEN
    CASE WHEN ended OR c2 IS NULL OR c2 >= :closes THEN 3 ELSE 5 END
  WHEN NOT ended AND r1 < :closes AND (c1 IS NULL OR c1 >= :closes) THEN 2
  WHEN ended THEN CASE
    WHEN ended_at IS NULL AND status = 3 THEN 2
    WHEN r1 IS NULL OR r1 >= e_at THEN CASE WHEN substr(e_at, 1, 10) < substr(due, 1, 10) THEN 1
                                            WHEN substr(e_at, 1, 10) = substr(due, 1, 10) THEN 2 ELSE 3 END
    ELSE CASE WHEN ({_US.format("e_at")} - {_US.format("coalesce(c1, :closes)")} + {_US.format("r1")}) / 86400000000
                   < {_DAY.format("due")} THEN 1
              WHEN ({_US.format("e_at")} - {_US.format("coalesce(c1, :closes)")} + {_US.format("r1")}) / 86400000000
                   = {_DAY.format("due")} THEN 2 ELSE 3 END END
  WHEN r1 IS NULL OR r1 >= :closes THEN CASE WHEN due >= :closes THEN 4 ELSE 5 END
  WHEN {_US.format("due")} + {_US.format("c1")} - {_US.format("r1")} >= {_US.format(":closes")} THEN 4
  ELSE 5 END"""
# The class of an ended dossier does not depend on the period but for a supplement request it never
# completed: the projection keeps it on the row (migration 0012, app.domain.indicators.ended_class) and the
# CASE above is worked out only for the open dossiers and that rare case.
_STORED_OR_CLASS_SQL = f"CASE WHEN ended AND ended_class IS NOT NULL THEN ended_class ELSE {_CLASS_SQL} END"
_SIMPLE = ("d.supplement_count <= 2 AND (d.received_due_at IS NOT NULL"
           " OR (d.ended_at IS NULL AND d.status = 3 AND d.updated_at < :closes))")  # fmt: skip
_FACTS = """d.id, d.figure_group, d.uid, d.code, d.received_at, d.status, d.updated_at, d.ended_at,
  d.received_due_at AS due, d.supplement1_requested_at AS r1, d.supplement1_completed_at AS c1,
  d.supplement2_requested_at AS r2, d.supplement2_completed_at AS c2, d.processing_minutes, d.processing_us,
  d.processing_calendar, d.rating, d.ended_class, d.channel, d.scan_required,
  coalesce(d.ended_at, CASE WHEN d.status IN (3, 7, 8) THEN d.updated_at END) AS e_at"""
# The facts above are the columns of two covering indexes (migration 0011): counting a period reads no
# dossier row. A figure's dossiers (names, applicant, supplement marks) read the rows.
_COLUMNS = (
    _FACTS
    + """, d.unit_code, d.department_code, d.department_name, d.field, d.procedure_code,
  d.procedure_name, d.officer_id, d.officer_name, d.applicant_name, d.end_status, d.supplement_marks,
  d.digitised AS file_attached"""
)
# The period's candidates as index ranges (migration 0011's covering indexes), one UNION ALL branch per
# index: received in the period (ix_dossier_received_facts); received before it and ended in or after it,
# or not ended (ix_dossier_ended_facts; the unary + keeps SQLite off the received index for the ended ones).
_BRANCHES = ("d.received_at >= :opens AND d.received_at < :closes",
             "d.ended_at >= :opens AND +d.received_at < :opens",
             "d.ended_at IS NULL AND d.received_at < :opens")  # fmt: skip


def _candidates(where: str = "", columns: str = _COLUMNS) -> str:
    """The dossiers a period counts (``where`` on the dossier's columns) with ``columns`` (:data:`_COLUMNS`),
    their class (NULL when not ``simple``), ``ended`` and ``digitised``: computed once per dossier in each
    branch."""
    return "\n  UNION ALL\n".join(
        f"""  SELECT *, CASE WHEN simple THEN {_STORED_OR_CLASS_SQL} END AS cls, file_attached AS digitised
  FROM (SELECT *, (e_at IS NOT NULL AND e_at < :closes) AS ended FROM (
    SELECT {columns}, {_SIMPLE} AS simple FROM dossier d WHERE d.code IS NOT NULL AND {branch} {where}
  ) WHERE e_at IS NULL OR e_at >= :opens) AS b"""
        for branch in _BRANCHES
    )


_ROWS_SQL = "SELECT * FROM (\n{candidates}\n)"
# Counting a period (:func:`_cells`) in three parts:
# (a) the ended dossiers, from the per-day summary ``ended_cell`` (client migration 0016, kept by triggers):
#     each ended dossier under the key it has when received in the period (see _ASIF_KEY_SQL);
# (b) the dossiers ended in the period but received before it (carried over), read again: their "as if"
#     key subtracted, their own (carried over, not received in the period: the as-if key - 32) added;
# (c) every dossier not ended by the period's close (no end yet, or ended after it; a refusal, withdrawal
#     or stop ends without ``ended_at``, at ``updated_at``), classified and keyed per row as before.
# The common dossiers are summed per combination of figure group (migration 0011: one small integer for the
# eight names and codes), class and flags, packed into one integer ``key`` (sorting one integer is what
# makes the grouping cheap); a negative key is one dossier's id: not ``simple`` (classify() in Python),
# without a figure group, or with a processing time computed on another calendar (worked out again).
_OPEN_KEY_SQL = f"""CASE
  WHEN NOT simple OR figure_group IS NULL THEN -id
  ELSE ((((((figure_group * 8 + {_STORED_OR_CLASS_SQL}) * 2 + (received_at >= :opens AND ended_at IS NOT NULL)) * 2
    + (received_at < :opens)) * 4 + channel) * 2 + scan_required) * 2
    + (scan_required AND EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_uid = b.uid))) * 2
    + coalesce(rating = :dissatisfied, 0) END"""
# (c)'s index ranges (ix_dossier_ended_facts): not ended, and ended after the period; no stale-calendar case
# here: a dossier not ended in the period has no processing time in it.
_OPEN_BRANCHES = ("d.ended_at IS NULL AND d.received_at < :closes", "d.ended_at >= :closes AND d.received_at < :closes")
_OPEN_CELLS_SQL = f"""SELECT {_OPEN_KEY_SQL} AS key, count(*) AS n, min(received_at || code) AS first_key,
  sum(processing_minutes) AS minutes, sum(max(processing_us, 0)) AS us
FROM (SELECT *, (e_at IS NOT NULL AND e_at < :closes) AS ended FROM (
    SELECT {_FACTS}, {_SIMPLE} AS simple FROM dossier d WHERE d.code IS NOT NULL AND {{branch}}
  ) WHERE e_at IS NULL OR e_at >= :opens) AS b GROUP BY 1"""
# The key of an ended dossier as if received in the period (received and ended in it, not carried over),
# or -id when the reports work it out in Python: migration 0016's, which fills ``ended_cell`` with it. Received
# on a later day than its end (clocks apart), a period may hold its end and not its receipt: -id, the
# period's own rules applied in Python; on the same day, both or neither (a period is whole days).
_ASIF_KEY_SQL = """CASE WHEN d.supplement_count > 2 OR d.received_due_at IS NULL OR d.figure_group IS NULL
    OR d.ended_class IS NULL OR substr(d.received_at, 1, 10) > substr(d.ended_at, 1, 10) THEN -d.id
  ELSE ((((((d.figure_group * 8 + d.ended_class) * 2 + 1) * 2 + 0) * 4 + d.channel) * 2 + d.scan_required) * 2
    + (d.scan_required AND d.digitised)) * 2 + coalesce(d.rating = 'dissatisfied', 0) END"""
_CARRIED_WEIGHT = 32  # the as-if key's "received and ended in the period" bit (64) off, "carried over" (32) on
_GROUP_WEIGHT = 1024  # key // 1024 = the figure group
_SUMMARY_SQL = """SELECT key, calendar, sum(n), min(first_key), sum(minutes), sum(us) FROM ended_cell
WHERE day >= :first_day AND day < :after_day GROUP BY key, calendar"""
# (b): one range of ix_dossier_carried (migration 0016: month of the end, receipt) per month of the period,
# the receipts before it (a walk of the period's ended range would read every dossier ended in it).
_CARRIED_SQL = f"""SELECT {_ASIF_KEY_SQL} AS key, d.processing_calendar, count(*), min(d.received_at || d.code),
  sum(coalesce(d.processing_minutes, 0)), sum(max(coalesce(d.processing_us, 0), 0))
FROM dossier d WHERE substr(d.ended_at, 1, 7) IN (SELECT value FROM json_each(:months)) AND d.received_at < :opens
  AND d.ended_at IS NOT NULL AND d.code IS NOT NULL AND d.ended_at >= :opens AND d.ended_at < :closes GROUP BY 1, 2"""
# The ended dossiers received in the period whose processing time was worked out on another calendar (an
# office calendar changed since, or the holidays package): their working minutes worked out again in Python
# (_WorkingClock), the rest of their cell from SQL; and the exact first key of some as-if cells (see
# _exact_first_keys).
_STALE_WHERE = """d.ended_at >= :opens AND d.ended_at < :closes AND +d.received_at >= :opens AND d.code IS NOT NULL
  AND d.processing_calendar != :fp"""
# The attachments' index instead of ``digitised`` (equal, migration 0016's triggers): ix_dossier_ended_facts
# then covers the whole statement (no dossier row read), and a key > 0 has at most two supplement spans, both
# in its columns.
_ASIF_KEY_COVERED_SQL = _ASIF_KEY_SQL.replace(
    "d.digitised", "EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_uid = d.uid)"
)
_STALE_SQL = f"""SELECT key, first_key, received_at, ended_at, r1, c1, r2, c2, us FROM (
  SELECT {_ASIF_KEY_COVERED_SQL} AS key, d.received_at || d.code AS first_key, d.received_at, d.ended_at,
    d.supplement1_requested_at AS r1, d.supplement1_completed_at AS c1, d.supplement2_requested_at AS r2,
    d.supplement2_completed_at AS c2, max(coalesce(d.processing_us, 0), 0) AS us
  FROM dossier d WHERE {_STALE_WHERE} AND d.supplement_count > 0) WHERE key > 0"""
# Without a supplement span, in SQL: the working microseconds since the period's opening at each end of the
# span (a day's total before it, from temp.report_day, and the office hours of the day up to the moment).
_MOMENT_US = ("(CAST(substr({0}, 12, 2) AS INTEGER) * 3600000000 + CAST(substr({0}, 15, 2) AS INTEGER) * 60000000"
              " + CAST(substr({0}, 18, 2) AS INTEGER) * 1000000 + CAST(substr({0}, 21, 6) AS INTEGER))")  # fmt: skip
_WORKED_US = ("(SELECT r.before + CASE WHEN r.working THEN {within} ELSE 0 END FROM temp.report_day r"
              " WHERE r.day = substr({0}, 1, 10))")  # fmt: skip
_STALE_PLAIN_SQL = """SELECT key, count(*), min(first_key), sum(max(0, (worked_end - worked_received) / 60000000)),
  sum(us) FROM (SELECT {key} AS key, d.received_at || d.code AS first_key, {end} AS worked_end,
  {received} AS worked_received, max(coalesce(d.processing_us, 0), 0) AS us
  FROM dossier d WHERE {where} AND d.supplement_count = 0) WHERE key > 0 GROUP BY key"""
_FIRST_KEYS_SQL = f"""SELECT {_ASIF_KEY_SQL} AS key, min(d.received_at || d.code) FROM dossier d
WHERE d.ended_at >= :opens AND d.ended_at < :closes AND +d.received_at >= :opens AND d.code IS NOT NULL
  AND d.processing_calendar = :fp AND d.figure_group IN (SELECT value FROM json_each(:groups)) GROUP BY 1"""
_GROUP_NAMES_SQL = """SELECT id, unit_code, department_code, department_name, field, procedure_code, procedure_name,
  officer_id, officer_name FROM figure_group"""
_CLASS_CODES = {1: DossierClass.EARLY, 2: DossierClass.ON_TIME, 3: DossierClass.LATE,
                4: DossierClass.IN_PROGRESS_ON_TIME, 5: DossierClass.IN_PROGRESS_LATE}  # fmt: skip
_CODE_OF = {cls: code for code, cls in _CLASS_CODES.items()}


def _datetime_params(sql: str) -> Any:
    return text(sql).bindparams(bindparam("opens", type_=DateTime()), bindparam("closes", type_=DateTime()))


def _rows_by_id_sql() -> Any:
    """The candidates among the dossier ids of the JSON list ``:ids``, with every column (:data:`_COLUMNS`)."""
    return _datetime_params(_ROWS_SQL.format(candidates=_candidates("AND d.id IN (SELECT value FROM json_each(:ids))",
                                                                    _COLUMNS)))  # fmt: skip


def _legal_of(session: Session, uid: str) -> ProcessingTime | None:
    sql = text("SELECT json_extract(data, '$.procedure.processing') FROM dossier WHERE uid = :uid")
    return _processing(session.execute(sql, {"uid": uid}).scalar())


def _facts_of(session: Session, r: Any, opens: datetime) -> DossierFacts:
    """A dossier's facts from the columns of its row (the reference reads its events)."""
    status = DossierStatus(r.status)
    end_status = None
    if r.ended_at is not None:
        end_status = DossierStatus(r.end_status)
    elif status in _ENDED_WITHOUT_EVENT:
        end_status = status
    due = _when(r.due)
    return DossierFacts(
        uid=r.uid, code=r.code, received_at=_when(r.received_at) or opens, due_at=due, end_at=_when(r.e_at),
        end_status=end_status, status=status, supplements=supplement_spans(r.supplement_marks),
        channel=channel_of(r), legal=_legal_of(session, r.uid) if due is None else None,
    )  # fmt: skip


def _classified(
    session: Session, period: Period, calendar: WorkingCalendar, where: str = "", params: dict[str, Any] | None = None
) -> list[tuple[Any, DossierFacts | None, DossierClass]]:
    """(row, facts, class) of every dossier the period counts (``where`` on the dossier's columns):
    the class from SQL for the common case, from ``classify`` for the rest (their facts built)."""
    sql = _datetime_params(_ROWS_SQL.format(candidates=_candidates(f"AND {where}" if where else "", _COLUMNS)))
    out: list[tuple[Any, DossierFacts | None, DossierClass]] = []
    own = own_unit(session)
    for r in session.execute(sql, {"opens": period.opens, "closes": period.closes} | (params or {})):
        if own and r.unit_code != own:
            continue  # received by another office (module docstring)
        if r.cls is not None:
            out.append((r, None, _CLASS_CODES[r.cls]))
            continue
        facts = _facts_of(session, r, period.opens)
        cls = classify(facts, period.start, period.end, calendar)
        if cls is not DossierClass.NOT_COUNTED:
            out.append((r, facts, cls))
    return out


def counted_dossiers(session: Session, start: date, end: date) -> list[CountedDossier]:
    """Every dossier the period ``start`` … ``end`` counts, classified, in order of receipt.

    Raises:
        PeriodError: see :func:`check_period`.
    """
    period = check_period(start, end)
    calendar = load_calendar(session)
    levels = _levels(session)
    out = [_counted(session, r, facts, cls, period, levels) for r, facts, cls in _classified(session, period, calendar)]
    out.sort(key=lambda c: (c.facts.received_at, c.facts.code))
    return out


def counted_by_uids(session: Session, start: date, end: date, uids: Sequence[str]) -> list[CountedDossier]:
    """The dossiers ``uids`` as the period ``start`` … ``end`` counts them (class, facts, names), in the
    order given; a uid the period does not count is left out (the dossiers behind one figure).

    Raises:
        PeriodError: see :func:`check_period`.
    """
    import json

    period = check_period(start, end)
    if not uids:
        return []
    calendar = load_calendar(session)
    levels = _levels(session)
    where, params = "d.uid IN (SELECT value FROM json_each(:uids))", {"uids": json.dumps(list(uids))}
    found = {r.uid: _counted(session, r, facts, cls, period, levels)
             for r, facts, cls in _classified(session, period, calendar, where, params)}  # fmt: skip
    return [found[u] for u in dict.fromkeys(uids) if u in found]


def _counted(
    session: Session, r: Any, facts: DossierFacts | None, cls: DossierClass, period: Period, levels: dict[str, str]
) -> CountedDossier:
    f = facts if facts is not None else _facts_of(session, r, period.opens)
    return CountedDossier(
        facts=f, cls=cls, carried_over=f.received_at < period.opens, unit_code=r.unit_code,
        procedure_code=r.procedure_code, procedure_name=r.procedure_name, field=r.field or "",
        level=levels.get(r.department_code, ""), department_code=r.department_code or "",
        department_name=r.department_name or "", officer_id=r.officer_id, officer_name=r.officer_name,
        applicant_name=r.applicant_name, rating=rating_of(r), digitised=bool(r.digitised),
        scan_required=bool(r.scan_required),
    )  # fmt: skip


class Figure(StrEnum):
    """A figure whose dossiers :func:`dossiers_behind` lists."""

    COUNTED = "counted"
    ON_TIME = "on_time"  # 2.1's numerator
    LATE = "late"
    RECEIVED = "received"  # 3.3's denominator
    DIRECT = "direct"
    ONLINE = "online"
    POSTAL = "postal"
    DIGITISED = "digitised"  # 4.2
    DISSATISFIED = "dissatisfied"  # 5.4
    PROCESSING = "processing"  # 2.2 of one procedure (``procedure``)


_CHANNEL_FIGURE = {Channel.DIRECT: Figure.DIRECT, Channel.ONLINE: Figure.ONLINE, Channel.POSTAL: Figure.POSTAL}
_GROUP_COLUMNS = {
    Dimension.DEPARTMENT: ("department_code", "coalesce(nullif(department_name, ''), department_code)"),
    Dimension.FIELD: ("field", "CASE WHEN field = '' THEN '(chưa ghi lĩnh vực)' ELSE field END"),
    Dimension.PROCEDURE: ("procedure_code", "procedure_name"),
    Dimension.OFFICER: ("officer_id", "officer_name"),
}


def dossiers_behind(
    session: Session, period: Period, figure: Figure, group: tuple[Dimension, str, str] | None = None,
    procedure: str = "",
) -> tuple[str, ...]:  # fmt: skip
    """The uids of the dossiers behind ``figure`` of the period, in order of receipt (click-through).

    ``group``: (dimension, key, name) of an :class:`Indicators` of :func:`kpi` (None: the office);
    ``procedure``: the procedure code of a 2.2 figure.

    Raises:
        PeriodError: see :func:`check_period`.
    """
    period = check_period(period.start, period.end)
    calendar = load_calendar(session)
    where, params = "", {}
    if group is not None and group[0] in _GROUP_COLUMNS:
        key_col, name_col = _GROUP_COLUMNS[group[0]]
        where, params = f"{key_col} = :gkey AND {name_col} = :gname", {"gkey": group[1], "gname": group[2]}
    rows = _classified(session, period, calendar, where, params)
    opens = period.opens
    picked = []
    for r, _facts, cls in rows:
        received = _when(r.received_at) or opens
        if _behind(figure, r, cls, received >= opens, procedure):
            picked.append((received, r.code, r.uid))
    picked.sort()
    return tuple(uid for _, _, uid in picked)


def _behind(figure: Figure, r: Any, cls: DossierClass, received_in_period: bool, procedure: str) -> bool:
    match figure:
        case Figure.COUNTED:
            return True
        case Figure.ON_TIME:
            return cls.on_time
        case Figure.LATE:
            return not cls.on_time
        case Figure.RECEIVED:
            return received_in_period
        case Figure.DIRECT | Figure.ONLINE | Figure.POSTAL:
            return received_in_period and _CHANNEL_FIGURE[channel_of(r)] is figure
        case Figure.DIGITISED:
            return bool(r.digitised and r.scan_required)
        case Figure.DISSATISFIED:
            return rating_of(r) == DISSATISFIED
        case Figure.PROCESSING:
            return (cls.resolved and received_in_period and r.ended_at is not None
                    and r.procedure_code == procedure)  # fmt: skip
    return False


class _Behind(Ratio):
    """A :class:`Ratio` whose ``uids`` are read from the store the first time they are asked for."""

    __slots__ = ("_cache", "_load")
    _cache: tuple[str, ...] | None
    _load: Callable[[], tuple[str, ...]]

    def __init__(self, numerator: int, denominator: int, load: Callable[[], tuple[str, ...]]) -> None:
        object.__setattr__(self, "numerator", numerator)
        object.__setattr__(self, "denominator", denominator)
        object.__setattr__(self, "_load", load)
        object.__setattr__(self, "_cache", None)

    @property
    def uids(self) -> tuple[str, ...]:
        cached = self._cache
        if cached is None:
            cached = self._load()
            object.__setattr__(self, "_cache", cached)
        return cached

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ratio):
            return NotImplemented
        return (self.numerator, self.denominator, self.uids) == (other.numerator, other.denominator, other.uids)

    __hash__ = None  # type: ignore[assignment]


class _LazyUids(Sequence[str]):
    """Dossier uids read from the store the first time they are used."""

    __slots__ = ("_items", "_load")

    def __init__(self, load: Callable[[], tuple[str, ...]]) -> None:
        self._load = load
        self._items: tuple[str, ...] | None = None

    def _get(self) -> tuple[str, ...]:
        if self._items is None:
            self._items = self._load()
        return self._items

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._get()[index]

    def __len__(self) -> int:
        return len(self._get())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self._get() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._get())


@dataclass(slots=True)
class _Cell:
    """Counts of one combination of office, department, field, procedure, officer, class and flags."""

    n: int = 0
    first_key: str = ""
    n22: int = 0
    minutes: int = 0
    us: int = 0


_CellKey = tuple[str, str, str, str, str, str, str, str, DossierClass, bool, bool, bool, bool, int, bool]
"""Eight names and codes, class, carried over, digitised (a file, among those to scan), dissatisfied, counted
in 2.2, channel (app.domain.indicators.Channel), a paper to scan."""


def _cells(session: Session, period: Period, calendar: WorkingCalendar) -> dict[_CellKey, _Cell]:
    """The period's counted dossiers summed per combination of what the figures group by (see _OPEN_KEY_SQL)."""
    import json

    fp = calendar_fingerprint(calendar)
    after = period.end + timedelta(days=1)
    months = [f"{y:04d}-{m:02d}" for y in range(period.start.year, period.end.year + 1) for m in range(1, 13)
              if f"{period.start:%Y-%m}" <= f"{y:04d}-{m:02d}" <= f"{period.end:%Y-%m}"]  # fmt: skip
    params = {"opens": period.opens, "closes": period.closes, "fp": fp, "dissatisfied": DISSATISFIED,
              "first_day": period.start.isoformat(), "after_day": after.isoformat(),
              "months": json.dumps(months)}  # fmt: skip
    ones: dict[int, str] = {}
    # (a) the period's days of the summary, and (b) the carried-over ones moved to their own key.
    ended: dict[int, _Cell] = {}
    stale = False
    for key, cal, n, first_key, minutes, us in session.execute(text(_SUMMARY_SQL), params):
        if key < 0:
            ones[-key] = first_key
        elif cal != fp:
            stale = True  # read again below, those received in the period (carried-over ones in (b))
        else:
            _sum(ended, key, n, first_key, minutes, us)
    subtracted: set[int] = set()
    for key, cal, n, first_key, minutes, us in session.execute(_datetime_params(_CARRIED_SQL), params):
        if key < 0:
            continue  # in ``ones`` already, the period's own rules applied there
        if cal == fp:
            _sum(ended, key, -n, "", -minutes, -us)
            subtracted.add(key)
        _sum(ended, key - _CARRIED_WEIGHT, n, first_key, minutes, us)
    if stale:
        _add_stale(session, period, calendar, ended, params)
    names = {g[0]: tuple(g[1:]) for g in session.execute(text(_GROUP_NAMES_SQL))}
    _exact_first_keys(session, ended, subtracted, names, params)
    cells: dict[_CellKey, _Cell] = {}
    own = own_unit(session)
    for key, c in ended.items():
        if c.n:
            _add_key(cells, names, own, key, c.n, c.first_key, c.minutes, c.us)
    # (c) the dossiers not ended by the period's close, per row.
    for branch in _OPEN_BRANCHES:
        for key, n, first_key, minutes, us in session.execute(
            _datetime_params(_OPEN_CELLS_SQL.format(branch=branch)), params
        ):
            if key < 0:
                ones[-key] = first_key
            else:
                _add_key(cells, names, own, key, n, first_key, minutes or 0, us or 0)
    if ones:
        _add_ones(session, period, calendar, cells, ones, own)
    return cells


def _add_stale(
    session: Session, period: Period, calendar: WorkingCalendar, ended: dict[int, _Cell], params: dict[str, Any]
) -> None:  # fmt: skip
    """The as-if cells of the ended dossiers received in the period with a processing time worked out on
    another calendar: 2.2's working minutes again on ``calendar`` (as app.domain.indicators.processing_parts)."""
    clock = _WorkingClock(calendar, period)
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS report_day (day TEXT PRIMARY KEY, before INTEGER NOT NULL,"
                         " working INTEGER NOT NULL) WITHOUT ROWID"))  # fmt: skip
    session.execute(text("DELETE FROM temp.report_day"))
    days = [{"day": d.isoformat(), "before": b, "working": w} for d, (b, w) in clock.days.items()]
    session.execute(text("INSERT INTO temp.report_day VALUES (:day, :before, :working)"), days)
    within = " + ".join(f"max(0, min({{0}}, {b}) - {a})" for a, b in clock.periods)
    at_end, at_receipt = (_WORKED_US.format(at, within=within.format(_MOMENT_US.format(at)))
                          for at in ("d.ended_at", "d.received_at"))  # fmt: skip
    plain = _STALE_PLAIN_SQL.format(key=_ASIF_KEY_COVERED_SQL, end=at_end, received=at_receipt, where=_STALE_WHERE)
    for key, n, first_key, minutes, us in session.execute(_datetime_params(plain), params):
        _sum(ended, key, n, first_key, minutes, us)
    session.execute(text("DELETE FROM temp.report_day"))
    for key, first_key, received_at, ended_at, r1, c1, r2, c2, us in session.execute(
        _datetime_params(_STALE_SQL), params
    ):
        end = _when(ended_at)
        assert end is not None
        minutes = clock.minutes(_when(received_at) or end, end)
        for requested, completed in ((_when(r1), _when(c1)), (_when(r2), _when(c2))):
            if requested is not None and requested < end:
                minutes -= clock.minutes(requested, min(completed or end, end))
        _sum(ended, key, 1, first_key, max(0, minutes), us)


class _WorkingClock:
    """app.domain.custody.working_minutes_between for many moments of one period: working microseconds since
    the period's opening, a running total per day and the day's office hours up to the moment (the same
    half-open periods as ``WorkingCalendar.normalise``); moments outside the period take the slow way."""

    def __init__(self, calendar: WorkingCalendar, period: Period) -> None:
        self._calendar = calendar
        self.periods = [(_time_us(a), _time_us(b)) for a, b in calendar.hours.periods]
        day_us = sum(b - a for a, b in self.periods)
        self.days: dict[date, tuple[int, bool]] = {}  # working microseconds before the day, a working day
        total, day = 0, period.start
        while day <= period.end:
            working = calendar.is_working_day(day)
            self.days[day] = (total, working)
            total += day_us if working else 0
            day += timedelta(days=1)

    def _at(self, moment: datetime) -> int | None:
        known = self.days.get(moment.date())
        if known is None:
            return None
        before, working = known
        if not working:
            return before
        t = _time_us(moment.time())
        return before + sum(max(0, min(t, b) - a) for a, b in self.periods)

    def minutes(self, start: datetime, end: datetime) -> int:
        if end <= start:
            return 0
        a, b = self._at(start), self._at(end)
        if a is None or b is None:
            return working_minutes_between(self._calendar, start, end)
        return int(timedelta(microseconds=b - a).total_seconds() // 60)


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _sum(cells: dict[int, _Cell], key: int, n: int, first_key: str, minutes: int, us: int) -> None:
    cell = cells.get(key)
    if cell is None:
        cell = cells[key] = _Cell()
    if n > 0 and (not cell.first_key or first_key < cell.first_key):
        cell.first_key = first_key
    cell.n += n
    cell.minutes += minutes
    cell.us += us


def _exact_first_keys(
    session: Session, ended: dict[int, _Cell], subtracted: set[int], names: dict[int, tuple[str, ...]],
    params: dict[str, Any],
) -> None:  # fmt: skip
    """The first key of the as-if cells the carried-over dossiers left, worked out again where it can matter.

    Taking a carried-over dossier out of an as-if cell leaves that cell's ``first_key`` possibly its key
    (a minimum is not undone). That dossier is counted in its own cell of the same figure group, so the
    groups' order and the procedure's legal time (the smallest key of a group or a procedure) do not
    change; only 2.2's procedure name (the name of the smallest key among the 2.2 cells, the as-if
    ones) can, when a procedure code has had two names. Those cells' keys are read again.
    """
    import json

    by_code: dict[str, set[str]] = defaultdict(set)
    for g in names.values():
        by_code[g[4]].add(g[5])
    renamed = {code for code, n in by_code.items() if len(n) > 1}
    if not renamed:
        return
    groups = {k // _GROUP_WEIGHT for k in subtracted if ended[k].n and names[k // _GROUP_WEIGHT][4] in renamed}
    if not groups:
        return
    for k in subtracted:
        if k // _GROUP_WEIGHT in groups:
            ended[k].first_key = ""
    query = _datetime_params(_FIRST_KEYS_SQL)
    for key, first_key in session.execute(query, params | {"groups": json.dumps(sorted(groups))}):
        if key in subtracted and key in ended:
            ended[key].first_key = first_key


def _add_key(cells: dict[_CellKey, _Cell], names: dict[int, tuple[Any, ...]], own: str, key: int, n: int,
             first_key: str, minutes: int, us: int) -> None:  # fmt: skip
    """Add ``n`` dossiers of the packed ``key`` to ``cells`` (unpacked: names, class and flags)."""
    key, dissatisfied = divmod(key, 2)
    key, digitised = divmod(key, 2)
    key, to_scan = divmod(key, 2)
    key, channel = divmod(key, 4)
    key, carried = divmod(key, 2)
    key, received_ended = divmod(key, 2)
    group, code = divmod(key, 8)
    if own and names[group][0] != own:
        return  # received by another office (module docstring): its figure group names that office
    cls = _CLASS_CODES[code]
    p22 = bool(received_ended) and cls.resolved
    cell_key = (*names[group], cls, bool(carried), bool(digitised), bool(dissatisfied), p22, channel,
                bool(to_scan))  # fmt: skip
    _add(cells, cell_key, n, first_key, n if p22 else 0, minutes if p22 else 0, us if p22 else 0)


def _add_ones(
    session: Session, period: Period, calendar: WorkingCalendar, cells: dict[_CellKey, _Cell], ones: dict[int, str],
    own: str = "",
) -> None:  # fmt: skip
    """The dossiers :func:`_cells` leaves to Python (a negative key), read again by id and added to
    ``cells``: the class from SQL when ``simple``, else ``classify``; 2.2's time worked out again."""
    import json

    params = {"opens": period.opens, "closes": period.closes, "ids": json.dumps(list(ones))}
    for r in session.execute(_rows_by_id_sql(), params):
        if own and r.unit_code != own:
            continue  # received by another office (module docstring)
        facts = _facts_of(session, r, period.opens)
        cls = _CLASS_CODES[r.cls] if r.cls is not None else classify(facts, period.start, period.end, calendar)
        if cls is DossierClass.NOT_COUNTED:
            continue
        p22 = cls.resolved and facts.received_at >= period.opens and r.ended_at is not None
        parts = processing_parts(facts, calendar) if p22 else None
        minutes, us = (parts[0], max(0, parts[1])) if parts is not None else (0, 0)
        _add(cells, _key_of(r, cls, period, p22), 1, ones[r.id], int(parts is not None), minutes, us)


def _key_of(r: Any, cls: DossierClass, period: Period, p22: bool) -> _CellKey:
    received = _when(r.received_at) or period.opens
    return (r.unit_code, r.department_code or "", r.department_name or "", r.field or "", r.procedure_code,
            r.procedure_name, r.officer_id, r.officer_name, cls, received < period.opens,
            bool(r.digitised and r.scan_required), rating_of(r) == DISSATISFIED, p22, int(channel_of(r)),
            bool(r.scan_required))  # fmt: skip


def _add(cells: dict[_CellKey, _Cell], key: _CellKey, n: int, first_key: str, n22: int, minutes: int, us: int) -> None:
    cell = cells.get(key)
    if cell is None:
        cell = cells[key] = _Cell()
    if n and (not cell.first_key or first_key < cell.first_key):
        cell.first_key = first_key
    cell.n += n
    cell.n22 += n22
    cell.minutes += minutes
    cell.us += us


_DIM_KEYS: dict[Dimension, Callable[[_CellKey], tuple[str, str]]] = {
    Dimension.DEPARTMENT: lambda k: (k[1], k[2] or k[1]),
    Dimension.FIELD: lambda k: (k[3], k[3] or "(chưa ghi lĩnh vực)"),
    Dimension.PROCEDURE: lambda k: (k[4], k[5]),
    Dimension.OFFICER: lambda k: (k[6], k[7]),
}


def kpi(session: Session, start: date, end: date, rules: IndicatorRules = DEFAULT_RULES) -> KpiReport:
    """Indicators 2.1, 2.2, 3.3, 4.2 and 5.4 of the period, for the office and per dimension.

    Counted in SQL; each figure's ``uids`` are read when first asked for (:func:`dossiers_behind`).

    Raises:
        PeriodError: see :func:`check_period`.
    """
    period = check_period(start, end)
    calendar = load_calendar(session)
    cells = _cells(session, period, calendar)
    legal = _legal_times(session, cells)
    office = session.scalars(select(Office)).first()
    groups: dict[Dimension, tuple[Indicators, ...]] = {}
    for dim, key_of in _DIM_KEYS.items():
        by_key: dict[tuple[str, str], list[tuple[_CellKey, _Cell]]] = defaultdict(list)
        for k, c in cells.items():
            by_key[key_of(k)].append((k, c))
        ordered = sorted(by_key.items(), key=lambda kv: (kv[0][1], min(c.first_key for _, c in kv[1] if c.n)))
        groups[dim] = tuple(_indicators(session, period, calendar, legal, rules, v, dim, k, n) for (k, n), v in ordered)
    whole = _indicators(session, period, calendar, legal, rules, list(cells.items()), Dimension.OFFICE,
                        office.unit_code if office else "", office.name if office else "")  # fmt: skip
    return KpiReport(start, end, whole, groups)


def _legal_times(session: Session, cells: dict[_CellKey, _Cell]) -> dict[str, ProcessingTime | None]:
    """The legal time of each procedure as its first counted dossier received it (see :func:`legal_times`)."""
    first: dict[str, str] = {}
    for k, c in cells.items():
        if c.n and (k[4] not in first or c.first_key < first[k[4]]):
            first[k[4]] = c.first_key
    sql = text("SELECT json_extract(data, '$.procedure.processing') FROM dossier"
               " WHERE code = :code AND received_at = :received LIMIT 1")  # fmt: skip
    return {code: _processing(session.execute(sql, {"code": key[26:], "received": key[:26]}).scalar())
            for code, key in first.items()}  # fmt: skip


def _indicators(
    session: Session, period: Period, calendar: WorkingCalendar, legal: dict[str, ProcessingTime | None],
    rules: IndicatorRules, cells: list[tuple[_CellKey, _Cell]], dimension: Dimension, key: str, name: str,
) -> Indicators:  # fmt: skip
    group = None if dimension is Dimension.OFFICE else (dimension, key, name)

    def ratio(test: Callable[[_CellKey], bool], figure: Figure, denominator: int) -> Ratio:
        numerator = sum(c.n for k, c in cells if test(k))
        return _Behind(numerator, denominator, lambda: dossiers_behind(session, period, figure, group))

    counted = sum(c.n for _, c in cells)
    received = sum(c.n for k, c in cells if not k[9])
    on_time = ratio(lambda k: k[8].on_time, Figure.ON_TIME, counted)
    late = ratio(lambda k: not k[8].on_time, Figure.LATE, counted)
    channels = {ch: ratio(lambda k, ch=ch: not k[9] and k[13] == ch, _CHANNEL_FIGURE[ch], received)  # type: ignore[misc]
                for ch in Channel}  # fmt: skip
    digitised = ratio(lambda k: k[10], Figure.DIGITISED, sum(c.n for k, c in cells if k[14]))
    dissatisfied = ratio(lambda k: k[11], Figure.DISSATISFIED, counted)
    sat = satisfaction(late, dissatisfied)
    return Indicators(
        dimension=dimension, key=key, name=name, counted=counted, on_time=on_time,
        on_time_score=score(on_time.percent, rules.on_time), late=late, channels=channels, digitised=digitised,
        digitised_score=score(digitised.percent, rules.digitised), dissatisfied=dissatisfied, satisfaction=sat,
        satisfaction_score=score(sat, rules.satisfaction),
        processing=_processing_of(session, period, calendar, legal, cells, group),
    )  # fmt: skip


def _processing_of(
    session: Session, period: Period, calendar: WorkingCalendar, legal: dict[str, ProcessingTime | None],
    cells: list[tuple[_CellKey, _Cell]], group: tuple[Dimension, str, str] | None,
) -> tuple[ProcessingFigure, ...]:  # fmt: skip
    by_proc: dict[str, list[tuple[_CellKey, _Cell]]] = defaultdict(list)
    for k, c in cells:
        if k[12]:
            by_proc[k[4]].append((k, c))
    out = []
    for code, group_cells in sorted(by_proc.items()):
        law = legal.get(code)
        unit = law.unit if law is not None else DurationUnit.WORKING_DAYS
        n = sum(c.n22 for _, c in group_cells)
        total = sum((c.us if unit is DurationUnit.CALENDAR_DAYS else c.minutes) for _, c in group_cells)
        average = average_amount(total, n, unit, calendar.hours.minutes_per_day)
        legal_value = law.value if law is not None else None
        name = min((c.first_key, k[5]) for k, c in group_cells if c.n)[1]
        out.append(ProcessingFigure(code, name, unit, n, average, legal_value, faster_than_norm(average, legal_value),
                                    _LazyUids(lambda code=code: dossiers_behind(session, period, Figure.PROCESSING,
                                                                                group, code))))  # type: ignore[misc]  # fmt: skip
    return tuple(out)


def period_report(session: Session, start: date, end: date) -> PeriodReport:
    """Biểu II.06a of the period ``start`` … ``end``: rows per field grouped by level, with totals (counted in SQL).

    Raises:
        PeriodError: see :func:`check_period`.
    """
    period = check_period(start, end)
    calendar = load_calendar(session)
    levels = _levels(session)
    cells = _cells(session, period, calendar)
    office = session.scalars(select(Office)).first()
    by_level: dict[str, dict[str, list[tuple[_CellKey, _Cell]]]] = defaultdict(lambda: defaultdict(list))
    for k, c in cells.items():
        if c.n:
            by_level[levels.get(k[1], "")][k[3]].append((k, c))
    groups = []
    for level in sorted(by_level, key=level_order):
        fields = by_level[level]
        rows = tuple(_cell_row(level, f, fields[f]) for f in sorted(fields))
        groups.append(LevelGroup(level, level_label(level), rows,
                                 _cell_row(level, "", [kc for f in fields.values() for kc in f])))  # fmt: skip
    return PeriodReport(
        unit_code=office.unit_code if office else "", unit_name=office.name if office else "",
        governing_body=office.governing_body if office else "", place_name=office.place_name if office else "",
        start=start, end=end, groups=tuple(groups), total=_cell_row("", "", list(cells.items())),
    )  # fmt: skip


def _cell_row(level: str, field: str, cells: list[tuple[_CellKey, _Cell]]) -> ReportRow:
    n: dict[str, int] = defaultdict(int)
    for k, c in cells:
        n["carried" if k[9] else "online" if k[13] == Channel.ONLINE else "direct"] += c.n  # direct: and by post
        n[k[8].value] += c.n
    return report_row(level, field, n)
