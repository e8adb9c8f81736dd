"""The province's indicators from the server's dossiers, counted in the database.

The same rules as the counters (app.domain.indicators.classify, app.services.reports.kpi), over
the facts the push keeps on each dossier row (server/sync/facts.py, migrations 0010 and 0011): one
grouped statement classifies every dossier the period counts with a CASE expression and sums per
report key (server/sync/report_keys.py: one integer per office, department, field, procedure,
officer and legal time) joined back to its names — a few thousand cells, never a dossier row read
into Python. The whole scope and every office, department, field, procedure and officer are sums of
those cells; so is Biểu II.06a (server/sync/period_report.py).

Where the SQL is narrower than ``classify``: a dossier without a due date is on time (the legal
time would need each office's calendar), and with three or more supplement requests before the end
of the period the second request stands for the last one. Everything is channel 1 (direct) until
the contracts carry a channel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime

from app.domain.durations import DurationUnit
from app.domain.indicators import (
    DEFAULT_RULES,
    Channel,
    IndicatorRules,
    Period,
    Ratio,
    average_amount,
    faster_than_norm,
    round2,
    satisfaction,
    score,
)
from server.sync.report_keys import KEY_COLUMNS

DISSATISFIED = "dissatisfied"
NO_FIELD = "(chưa ghi lĩnh vực)"
PROVINCE = "Toàn tỉnh"
_KEYS = KEY_COLUMNS


def _us(column: str) -> str:
    """Microseconds since 1970 of a naive local DATETIME column of SQLite (integer arithmetic)."""
    micro = f"coalesce(CAST(substr({column}, 21, 6) AS INTEGER), 0)"
    return f"(CAST(strftime('%s', {column}) AS INTEGER) * 1000000 + {micro})"


_DAY_US = 86_400_000_000
_MOMENTS = {"rec": "received_at", "e": "ended_at", "due": "received_due_at", "r1": "supplement1_requested_at",
            "c1": "supplement1_completed_at", "r2": "supplement2_requested_at",
            "c2": "supplement2_completed_at"}  # fmt: skip


def _cells_sql(postgres: bool, units: bool) -> str:
    """The grouped statement. PostgreSQL compares timestamps and intervals as they are (``:opens`` /
    ``:closes`` are timestamps, a day is a date); SQLite, whose DATETIME is text, in integer microseconds
    (``:opens`` / ``:closes`` are microseconds, a day is ``µs / :day``)."""
    if postgres:
        moments = ", ".join(f"{column} AS {name}" for name, column in _MOMENTS.items())
        zero, day = "interval '0'", "CAST({} AS date)"
    else:
        moments = ", ".join(f"{_us(column)} AS {name}" for name, column in _MOMENTS.items())
        zero, day = "0", "({}) / :day"
    # per dossier: e (the end or NULL), ended, cutoff (the end if ended, else the end of the period)
    facts = f"""
  SELECT report_key, rating, end_status, digitised, processing_minutes, processing_us, processing_day_minutes,
    received_at, {moments}
  FROM dossiers
  WHERE coalesce(code, printed_code) IS NOT NULL AND received_at < :closes_at
    AND (ended_at IS NULL OR ended_at >= :opens_at) {"AND unit_code IN :units" if units else ""}"""
    # classify(): 1 early, 2 on time, 3 late, 4 in progress on time, 5 in progress late
    cls = f"""CASE
    WHEN r2 IS NOT NULL AND r2 < cutoff THEN CASE
      WHEN ended = 1 OR c2 IS NULL OR c2 >= :closes THEN 3 ELSE 5 END
    WHEN ended = 0 AND r1 < :closes AND (c1 IS NULL OR c1 >= :closes) THEN 2
    WHEN ended = 1 THEN CASE
      WHEN end_status = 3 OR due IS NULL THEN 2
      WHEN {day.format("e - gap")} < {day.format("due")} THEN 1
      WHEN {day.format("e - gap")} = {day.format("due")} THEN 2 ELSE 3 END
    WHEN due IS NULL OR due + gap >= :closes THEN 4
    ELSE 5 END"""
    # 2.2 counts a dossier received in the period with a result or return, resolved in it (classes 1-3:
    # counted from the rows of those classes). The class is a group key of the inner statement, so it is
    # worked out once a dossier; the outer one turns the (key, class) rows into one row a key.
    p22 = "rec >= :opens AND end_status IN (9, 10) AND processing_minutes IS NOT NULL"
    return f"""
WITH f AS ({facts}
), k AS (
  SELECT *, CASE WHEN e IS NOT NULL AND e < :closes THEN 1 ELSE 0 END AS ended FROM f
), g AS (
  SELECT *, CASE WHEN ended = 1 THEN e ELSE :closes END AS cutoff FROM k
), h AS (
  SELECT *, CASE WHEN r1 IS NOT NULL AND r1 < cutoff THEN coalesce(c1, :closes) - r1 ELSE {zero} END AS gap FROM g
), x AS (
  SELECT report_key, rating, rec, digitised, end_status, processing_minutes, processing_us, processing_day_minutes,
    received_at, {cls} AS cls FROM h
), y AS (
  SELECT *, CASE WHEN {p22} THEN 1 ELSE 0 END AS p22 FROM x
)
SELECT {", ".join(f"k.{c}" for c in _KEYS)}, b.* FROM (SELECT
  sum(n) AS counted,
  sum(CASE WHEN cls = 1 THEN n ELSE 0 END) AS early,
  sum(CASE WHEN cls = 2 THEN n ELSE 0 END) AS on_time,
  sum(CASE WHEN cls = 3 THEN n ELSE 0 END) AS late,
  sum(CASE WHEN cls = 4 THEN n ELSE 0 END) AS open_on_time,
  sum(CASE WHEN cls = 5 THEN n ELSE 0 END) AS open_late,
  sum(carried) AS carried, sum(dissatisfied) AS dissatisfied, sum(digitised) AS digitised,
  sum(CASE WHEN cls <= 3 THEN n22 ELSE 0 END) AS n22,
  sum(CASE WHEN cls <= 3 THEN minutes ELSE 0 END) AS minutes,
  sum(CASE WHEN cls <= 3 THEN us ELSE 0 END) AS us,
  min(CASE WHEN cls <= 3 THEN day_min END) AS day_min,
  max(CASE WHEN cls <= 3 THEN day_max END) AS day_max,
  min(first_at) AS first_at, report_key
FROM (SELECT
  count(*) AS n,
  sum(CASE WHEN rec < :opens THEN 1 ELSE 0 END) AS carried,
  sum(CASE WHEN rating = :dissatisfied THEN 1 ELSE 0 END) AS dissatisfied,
  sum(CASE WHEN digitised THEN 1 ELSE 0 END) AS digitised,
  sum(p22) AS n22,
  sum(CASE WHEN p22 = 1 THEN processing_minutes ELSE 0 END) AS minutes,
  sum(CASE WHEN p22 = 1 AND processing_us > 0 THEN processing_us ELSE 0 END) AS us,
  min(CASE WHEN p22 = 1 THEN processing_day_minutes END) AS day_min,
  max(CASE WHEN p22 = 1 THEN processing_day_minutes END) AS day_max,
  min(received_at) AS first_at, report_key, cls
FROM y GROUP BY report_key, cls) a GROUP BY report_key) b LEFT JOIN report_keys k ON k.id = b.report_key"""


@dataclass(frozen=True, slots=True)
class Cell:
    """The counts of one (office, department, field, procedure, officer, legal time): what every figure
    and every line of Biểu II.06a is a sum of. Classes as app.domain.indicators.DossierClass."""

    unit_code: str
    department_code: str
    department_name: str
    field: str
    procedure_code: str
    procedure_name: str
    officer_id: str
    officer_name: str
    legal_value: float | None
    legal_unit: str
    counted: int
    early: int
    on_time: int
    late: int
    open_on_time: int
    open_late: int
    carried: int
    dissatisfied: int
    digitised: int
    n22: int  # 2.2: dossiers with a processing time, and its sums
    minutes: int
    us: int
    day_min: int | None
    day_max: int | None
    first_at: datetime | None
    # what a group's figures add up: counted, 2.1's numerator, late, digitised, dissatisfied, received
    sums: tuple[int, int, int, int, int, int] = dataclass_field(init=False, compare=False, repr=False)

    @property
    def received(self) -> int:
        """Received in the period (not carried over)."""
        return self.counted - self.carried

    @property
    def in_time(self) -> int:
        """2.1's numerator: early, on time, in progress within the deadline."""
        return self.early + self.on_time + self.open_on_time

    def __post_init__(self) -> None:
        sums = (self.counted, self.in_time, self.late + self.open_late, self.digitised, self.dissatisfied,
                self.received)  # fmt: skip
        object.__setattr__(self, "sums", sums)


@dataclass(frozen=True, slots=True)
class Processing:
    """2.2 of one procedure among a group: average processing time in its legal unit against the legal time."""

    procedure_code: str
    procedure_name: str
    unit: DurationUnit | None
    finished: int
    average: float | None
    legal: float | None
    faster_percent: float | None


@dataclass(frozen=True, slots=True)
class ProvinceIndicators:
    """2.1, 2.2, 3.3, 4.2 and 5.4 of one group of dossiers (the scope, an office, department, field,
    procedure or officer)."""

    key: str
    name: str
    counted: int
    on_time: Ratio  # 2.1
    on_time_score: float | None
    channels: dict[Channel, Ratio]  # 3.3
    late: Ratio
    digitised: Ratio  # 4.2
    digitised_score: float | None
    dissatisfied: Ratio
    satisfaction: float | None  # 5.4
    satisfaction_score: float | None
    processing: tuple[Processing, ...] = ()  # 2.2, one per procedure


@dataclass(frozen=True, slots=True)
class ProvinceKpi:
    """The period's figures for the whole scope and per office, department, field, procedure and officer."""

    start: date
    end: date
    whole: ProvinceIndicators
    offices: tuple[ProvinceIndicators, ...]
    fields: tuple[ProvinceIndicators, ...]
    departments: tuple[ProvinceIndicators, ...] = ()
    procedures: tuple[ProvinceIndicators, ...] = ()
    officers: tuple[ProvinceIndicators, ...] = ()


def cells(session: Session, period: Period, units: Sequence[str] | None = None) -> list[Cell]:
    """One grouped statement: the counts per cell of the dossiers ``period`` counts, of the offices
    ``units`` (None: every office)."""
    if units is not None and not units:
        return []
    postgres = session.get_bind().dialect.name == "postgresql"
    sql = text(_cells_sql(postgres, units is not None)).bindparams(
        bindparam("opens_at", type_=DateTime()), bindparam("closes_at", type_=DateTime())
    )
    if units is not None:
        sql = sql.bindparams(bindparam("units", expanding=True))
    epoch = date(1970, 1, 1)
    params: dict[str, Any] = {"opens_at": period.opens, "closes_at": period.closes, "dissatisfied": DISSATISFIED}
    if postgres:
        sql = sql.bindparams(bindparam("opens", type_=DateTime()), bindparam("closes", type_=DateTime()))
        params |= {"opens": period.opens, "closes": period.closes}
        # One statement of a few seconds: compiling it (JIT) costs more than it saves; its grouping fits in memory.
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    else:
        params |= {"opens": (period.start - epoch).days * _DAY_US, "closes": ((period.end - epoch).days + 1) * _DAY_US,
                   "day": _DAY_US}  # fmt: skip
    if units is not None:
        params["units"] = list(units)
    return [_cell(r) for r in session.execute(sql, params).all()]


def _cell(r: Any) -> Cell:
    first = r.first_at
    if first is not None and not isinstance(first, datetime):
        first = datetime.fromisoformat(str(first))
    values: list[Any] = [r[i] or "" for i in range(8)]
    values += [None if r.legal_value is None else float(r.legal_value), r.legal_unit or ""]
    values += [int(v or 0) for v in r[10:22]]
    values += [r.day_min, r.day_max, first]
    return Cell(*values)


def channel_shares(received: int, direct: int) -> dict[Channel, Ratio]:
    """3.3: every channel's share of the dossiers received in the period (all direct for now)."""
    counts = {Channel.DIRECT: direct, Channel.ONLINE: 0, Channel.POSTAL: 0}
    return {ch: Ratio(n, received) for ch, n in counts.items()}


def legal_times(found: Iterable[Cell]) -> dict[str, tuple[float | None, str]]:
    """Each procedure's legal time (value, unit) as its first counted dossier received it (as the counters)."""
    first: dict[str, tuple[datetime, float | None, str]] = {}
    for c in found:
        if c.first_at is not None and (c.procedure_code not in first or c.first_at < first[c.procedure_code][0]):
            first[c.procedure_code] = (c.first_at, c.legal_value, c.legal_unit)
    return {code: (value, unit) for code, (_, value, unit) in first.items()}


def _unit(name: str) -> DurationUnit | None:
    try:
        return DurationUnit(name)
    except ValueError:
        return None


def processing(group: Iterable[Cell], legal: dict[str, tuple[float | None, str]]) -> tuple[Processing, ...]:
    """2.2 per procedure of the cells of one group: the average in the procedure's legal unit (working
    days on each office's own calendar length), against its legal time."""
    by_proc: dict[str, list[Cell]] = defaultdict(list)
    for c in group:
        if c.n22:
            by_proc[c.procedure_code].append(c)
    out = []
    for code, items in sorted(by_proc.items()):
        value, unit_name = legal.get(code, (None, ""))
        unit = _unit(unit_name) or DurationUnit.WORKING_DAYS
        n = sum(c.n22 for c in items)
        average = _average(items, n, unit)
        name = min((c.first_at or datetime.max, c.procedure_name) for c in items)[1]
        out.append(Processing(code, name, unit, n, average, value, faster_than_norm(average, value)))
    return tuple(out)


def _average(items: list[Cell], n: int, unit: DurationUnit) -> float | None:
    if unit is DurationUnit.CALENDAR_DAYS:
        return average_amount(sum(c.us for c in items), n, unit, 480)
    if unit is DurationUnit.WORKING_HOURS:
        return average_amount(sum(c.minutes for c in items), n, unit, 480)
    days = {d for c in items for d in (c.day_min, c.day_max) if d}
    if len(days) <= 1:  # one length of working day (one office, or offices with the same hours)
        return average_amount(sum(c.minutes for c in items), n, unit, days.pop() if days else 480)
    # offices with different hours: each cell's minutes in its own days (exact when a cell has one length)
    total = sum((Fraction(c.minutes, c.day_max or 480) for c in items), Fraction(0))
    return round2(float(total / n))


def figures(
    key: str, name: str, group: Iterable[Cell], legal: dict[str, tuple[float | None, str]] | None = None,
    rules: IndicatorRules = DEFAULT_RULES,
) -> ProvinceIndicators:  # fmt: skip
    """2.1, 2.2 (with ``legal``), 3.3, 4.2 and 5.4 of the cells of one group."""
    items = list(group)
    counted, in_time, n_late, n_digitised, n_unhappy, received = (sum(col) for col in zip(
        *(c.sums for c in items), strict=True)) if items else (0, 0, 0, 0, 0, 0)  # fmt: skip
    on_time = Ratio(in_time, counted)
    late = Ratio(n_late, counted)
    digitised = Ratio(n_digitised, counted)
    unhappy = Ratio(n_unhappy, counted)
    sat = satisfaction(late, unhappy)
    return ProvinceIndicators(
        key=key, name=name, counted=counted, on_time=on_time, on_time_score=score(on_time.percent, rules.on_time),
        channels=channel_shares(received, received), late=late, digitised=digitised,
        digitised_score=score(digitised.percent, rules.digitised), dissatisfied=unhappy, satisfaction=sat,
        satisfaction_score=score(sat, rules.satisfaction),
        processing=processing(items, legal) if legal is not None else (),
    )  # fmt: skip


_Key = Callable[[Cell], tuple[str, str]]


def _groups(
    found: list[Cell], key_of: _Key, legal: dict[str, tuple[float | None, str]] | None, rules: IndicatorRules
) -> tuple[ProvinceIndicators, ...]:
    """The figures of each group (key, name) of ``found``, by name then key (2.2 with ``legal``)."""
    by_key: dict[tuple[str, str], list[Cell]] = defaultdict(list)
    for c in found:
        by_key[key_of(c)].append(c)
    ordered = sorted(by_key.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    return tuple(figures(k, n, v, legal, rules) for (k, n), v in ordered)


def province_kpi(
    session: Session,
    period: Period,
    units: Sequence[str] | None = None,
    names: dict[str, str] | None = None,
    rules: IndicatorRules = DEFAULT_RULES,
) -> ProvinceKpi:
    """The figures of ``period`` for ``units`` (None: the province), per office, department, field,
    procedure and officer. A department's key is its code for one office, "<unit code>/<department code>"
    across offices (codes are each office's own; app.sync.wire.KpiResponse).

    2.2 per procedure comes with every group, except the officers' when the scope is more than one office
    (hundreds of officers, each with every procedure of the office: the supervisor of one office reads
    them, the province compares offices, departments and procedures)."""
    found = cells(session, period, units)
    legal = legal_times(found)
    one_office = units is not None and len(units) == 1
    names = names or {}
    offices = _groups(found, lambda c: (c.unit_code, names.get(c.unit_code, c.unit_code)), legal, rules)
    return ProvinceKpi(
        start=period.start,
        end=period.end,
        whole=figures("", PROVINCE, found, legal, rules),
        offices=tuple(sorted(offices, key=lambda o: o.key)),
        fields=_groups(found, lambda c: (c.field, c.field or NO_FIELD), legal, rules),
        departments=_groups(
            found,
            lambda c: (
                c.department_code if one_office else f"{c.unit_code}/{c.department_code}",
                c.department_name or c.department_code,
            ),
            legal,
            rules,
        ),
        procedures=_groups(found, lambda c: (c.procedure_code, c.procedure_name), legal, rules),
        officers=_groups(found, lambda c: (c.officer_id, c.officer_name), legal if one_office else None, rules),
    )
