"""The province's indicators from the server's dossiers, counted in the database.

The same rules as the counters (app.domain.indicators.classify, app.services.reports.kpi), over
the facts the push keeps on each dossier row (server/sync/facts.py, migrations 0010 and 0011): one
grouped statement classifies every dossier the period counts with a CASE expression and sums per
report key (server/sync/report_keys.py: one integer per office, department, field, procedure,
officer and legal time) joined back to its names — a few thousand cells, never a dossier row read
into Python. The whole scope and every office, department, field, procedure and officer are sums of
those cells; so is Biểu II.06a (server/sync/period_report.py).

On PostgreSQL the ended dossiers of the period's whole months are not read one by one: their sums come
from ``ended_summary`` (server/sync/ended_summary.py, migration 0017: per month and per year of the end,
kept by triggers), less the carried-over ones of those months; only the dossiers open at the close, those
ended in a partial month at the period's edges and the few the summary does not hold are read as rows,
each part through its own partial index. A year of a million dossiers: about 0.5 s instead of 0.85 s
(bench/bench_province.py).

Where the SQL is narrower than ``classify``: a dossier without a due date is on time (the legal
time would need each office's calendar), and with three or more supplement requests before the end
of the period the second request stands for the last one. 3.3 and II.06a's "Tiếp nhận" count the
dossiers received in the period by ``channel``; 4.2 is digitised ÷ the dossiers with a paper to scan
(``scan_required``, app.domain.digitisation; server migration 0014).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any, NamedTuple

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
from server.sync.ended_summary import DAY_MINUTES, MONTH, OPEN_SPAN, OPEN_SPAN_WHERE, RESOLVED, SUMMARISED, SUMS
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
_PACKED = 1 << 30
_MOMENTS = {"rec": "received_at", "e": "ended_at", "due": "received_due_at", "r1": "supplement1_requested_at",
            "c1": "supplement1_completed_at", "r2": "supplement2_requested_at",
            "c2": "supplement2_completed_at"}  # fmt: skip


# Beside the summary's whole months (``:full_opens`` to ``:full_closes``), the period's dossiers read row by row,
# each part an index range (server/sync/ended_summary.ROW_INDEXES): open now; ended in the period after the
# whole months; open at the close and ended later (a GiST range, the one part that is not index-only); ended in
# the period before the whole months; ended in them but not summarised (ended_summary.SUMMARISED, given an end
# and a code). The parts are disjoint. A period without a whole month reads every dossier as rows this way
# (``:full_opens`` = ``:full_closes`` = the close): for a recent week those ended since it opened and those
# open now, not every receipt before its close.
_BESIDE_SUMMARY = (
    "received_at < :closes_at AND ended_at IS NULL",
    "received_at < :closes_at AND ended_at >= :full_closes AND ended_at < :closes_at",
    # open at the close, ended later: through ix_dossiers_open_span (GiST), not every end after the close
    f"{OPEN_SPAN_WHERE} AND {OPEN_SPAN} @> CAST(:closes_at AS timestamp)",
    "received_at < :closes_at AND ended_at >= :opens_at AND ended_at < :full_opens",
    "received_at < :closes_at AND ended_at >= :full_opens AND ended_at < :full_closes"
    " AND (ended_class IS NULL OR report_key IS NULL OR received_at > ended_at)",
)


def _cells_sql(postgres: bool, units: bool, levels: str = "both", summary: bool = False) -> str:
    """The grouped statement. PostgreSQL compares timestamps and intervals as they are (``:opens`` /
    ``:closes`` are timestamps, a day is a date); SQLite, whose DATETIME is text, in integer microseconds
    (``:opens`` / ``:closes`` are microseconds, a day is ``µs / :day``). With ``summary`` (PostgreSQL), the
    dossiers the summary holds for the period's whole months (``:full_opens`` to ``:full_closes``, ``:months``;
    its rows of the whole years ``:years`` and of the other months ``:loose``) are read there
    (server/sync/ended_summary.py), the rest row by row."""
    if postgres:
        moments = ", ".join(f"{column} AS {name}" for name, column in _MOMENTS.items())
        zero, day = "interval '0'", "CAST({} AS date)"
    else:
        moments = ", ".join(f"{_us(column)} AS {name}" for name, column in _MOMENTS.items())
        zero, day = "0", "({}) / :day"
    parts = (
        _BESIDE_SUMMARY if summary else ("received_at < :closes_at AND (ended_at IS NULL OR ended_at >= :opens_at)",)
    )
    facts = "\n  UNION ALL".join(
        f"""
  SELECT report_key, rating, end_status, ended_class, digitised, processing_minutes, processing_us,
    processing_day_minutes, received_at, channel, scan_required, {moments}
  FROM dossiers
  WHERE coalesce(code, printed_code) IS NOT NULL AND {part}
    {"AND unit_code IN :units" if units else ""}"""
        for part in parts
    )
    # classify(): 1 early, 2 on time, 3 late, 4 in progress on time, 5 in progress late. Ended before the
    # period closes: the class the push's fold stored (``ended_class``, server/sync/facts.py), else (an open
    # first supplement: the period's close ends it) worked out here, the supplement time taken off the end.
    # Not ended: more than one request is late; a pending request on time; else the due date moved by the
    # (completed) first supplement against the close.
    gap = f"CASE WHEN r1 < e THEN coalesce(c1, :closes) - r1 ELSE {zero} END"
    ended = f"""coalesce(ended_class, CASE
      WHEN r2 < e THEN 3
      WHEN end_status = 3 OR due IS NULL THEN 2
      WHEN {day.format(f"e - {gap}")} < {day.format("due")} THEN 1
      WHEN {day.format(f"e - {gap}")} = {day.format("due")} THEN 2 ELSE 3 END)"""
    cls = f"""CASE WHEN e < :closes THEN {ended}
    WHEN r2 < :closes THEN CASE WHEN c2 IS NULL OR c2 >= :closes THEN 3 ELSE 5 END
    WHEN r1 < :closes AND (c1 IS NULL OR c1 >= :closes) THEN 2
    WHEN due IS NULL OR due + CASE WHEN r1 < :closes THEN c1 - r1 ELSE {zero} END >= :closes THEN 4
    ELSE 5 END"""
    # 2.2 counts a dossier received in the period with a result or return, resolved in it (classes 1-3).
    # One level of grouping by the report key, every count a filter: the workers aggregate their share.
    # (A dossier ended before the close is resolved: cls is only worked out for the others.)
    resolved = (
        "processing_minutes IS NOT NULL AND end_status IN (9, 10) AND rec >= :opens AND (e < :closes OR cls <= 3)"
    )
    # Two counts a sum of integers (the second times 2^30): fewer aggregates a row; exact below 2^30 a cell.
    pair = "sum(CASE WHEN {} THEN 1 ELSE 0 END + CASE WHEN {} THEN 1073741824 ELSE 0 END)"
    classes = "sum(CASE cls WHEN {} THEN 1 WHEN {} THEN 1073741824 ELSE 0 END)"
    by_row = f"""SELECT report_key, b.counted,
  b.c12 % 1073741824 AS early, b.c12 / 1073741824 AS on_time, b.c34 % 1073741824 AS late,
  b.c34 / 1073741824 AS open_on_time, b.counted - b.c12 % 1073741824 - b.c12 / 1073741824 - b.c34 % 1073741824
    - b.c34 / 1073741824 AS open_late,
  b.cd % 1073741824 AS carried, b.cd / 1073741824 AS dissatisfied, b.dn % 1073741824 AS digitised,
  b.dn / 1073741824 AS n22, coalesce(b.minutes, 0) AS minutes, CAST(coalesce(b.us, 0) AS BIGINT) AS us,
  b.ch % 1073741824 AS online, b.ch / 1073741824 AS postal, b.to_scan,
  b.day_min, b.day_max, b.first_at FROM (SELECT
  count(*) AS counted, {classes.format(1, 2)} AS c12, {classes.format(3, 4)} AS c34,
  {pair.format("rec < :opens", "rating = :dissatisfied")} AS cd,
  {pair.format("digitised AND scan_required", resolved)} AS dn,
  {pair.format("rec >= :opens AND channel = 2", "rec >= :opens AND channel = 3")} AS ch,
  sum(CASE WHEN scan_required THEN 1 ELSE 0 END) AS to_scan,
  sum(processing_minutes) FILTER (WHERE {resolved}) AS minutes,
  sum(processing_us) FILTER (WHERE {resolved} AND processing_us > 0) AS us,
  min(processing_day_minutes) FILTER (WHERE {resolved}) AS day_min,
  max(processing_day_minutes) FILTER (WHERE {resolved}) AS day_max,
  min(received_at) AS first_at, report_key
FROM x GROUP BY report_key) b"""
    grouped = _with_summary(by_row, units) if summary else by_row
    return f"""
WITH f AS ({facts}
), x AS (
  SELECT *, {cls} AS cls FROM f
), b AS ({grouped}
), j AS (
SELECT {", ".join(f"coalesce(k.{c}, '') AS {c}" if c != "legal_value" else "k.legal_value" for c in _KEYS)},
  {", ".join(f"b.{c}" for c in _SUMMED)}, b.day_min, b.day_max, b.first_at
FROM b LEFT JOIN report_keys k ON k.id = b.report_key
)
{_levels_sql(levels)}"""


_SUMMARY_SUMS = {"counted": "n", "early": "early", "on_time": "on_time", "late": "late", "open_on_time": "0",
                 "open_late": "0", "carried": "carried", "dissatisfied": "dissatisfied", "digitised": "digitised",
                 "n22": "n22", "minutes": "minutes", "us": "us", "online": "online", "postal": "postal",
                 "to_scan": "to_scan"}  # fmt: skip


def _with_summary(by_row: str, units: bool) -> str:
    """The cells of the rows ``by_row`` reads, plus those of the summary's whole months: their sums as if
    received in the period, less the carried-over dossiers of those months (row by row, through
    ``ix_dossiers_ended_month``: one index range a month). 2.2's minutes per working day stay apart until the
    carried-over are out, so a length only carried-over dossiers had does not count (as ``FILTER (resolved)``)."""
    resolved = RESOLVED.format(p="x.")
    summed = ", ".join(SUMS)
    carried = (
        "0, 0, 0, 0, 0, 0, 0, "
        "-(CASE WHEN x.channel = 2 THEN 1 ELSE 0 END), -(CASE WHEN x.channel = 3 THEN 1 ELSE 0 END), "
        f"-(CASE WHEN {resolved} THEN 1 ELSE 0 END), -(CASE WHEN {resolved} THEN x.processing_minutes ELSE 0 END), "
        f"-(CASE WHEN {resolved} AND x.processing_us > 0 THEN x.processing_us ELSE 0 END)"
    )
    rows = f"""SELECT report_key, pdm, {summed}, first_at, 0 AS carried FROM ended_summary
  WHERE ((span = 12 AND month = ANY(CAST(:years AS date[]))) OR (span = 1 AND month = ANY(CAST(:loose AS date[])))){
        " AND report_key IN (SELECT id FROM report_keys WHERE unit_code IN :units)" if units else ""
    }
  UNION ALL
  SELECT x.report_key, {DAY_MINUTES.format(p="x.")}, {carried}, NULL, 1 FROM dossiers x
  WHERE {SUMMARISED.format(p="x.")} AND {
        MONTH.format(p="x.")
    } = ANY(CAST(:months AS timestamp[])) AND x.received_at < :opens_at{
        " AND x.unit_code IN :units" if units else ""
    }"""
    per_length = f"""SELECT report_key, pdm, {", ".join(f"sum({c}) AS {c}" for c in (*SUMS, "carried"))},
  min(first_at) AS first_at FROM ({rows}) r GROUP BY report_key, pdm"""
    lengths = "FILTER (WHERE n22 > 0 AND pdm > 0)"
    summary = f"""SELECT report_key, {", ".join(f"sum({v}) AS {k}" for k, v in _SUMMARY_SUMS.items())},
  min(pdm) {lengths} AS day_min, max(pdm) {lengths} AS day_max, min(first_at) AS first_at
  FROM ({per_length}) p GROUP BY report_key"""
    return f"""SELECT report_key, {", ".join(f"CAST(sum({c}) AS BIGINT) AS {c}" for c in _SUMMED)},
  min(day_min) AS day_min, max(day_max) AS day_max, min(first_at) AS first_at
FROM ({by_row}
  UNION ALL
  {summary}) u GROUP BY report_key"""


_SUMMED = ("counted", "early", "on_time", "late", "open_on_time", "open_late", "carried", "dissatisfied", "digitised",
           "n22", "minutes", "us", "online", "postal", "to_scan")  # fmt: skip


def _levels_sql(levels: str) -> str:
    """The rows of the statement over its cells ``j``, a last column 1 for a report key's cell, 0 for the cells
    added up over their officers (officer id and name ""; cells of different working-day lengths stay apart,
    so 2.2 is the same): ``levels`` "officers", "summed", "both", or "province" (the cells added up over
    their officers and, marked 1, one cell an officer: only its counts)."""
    keys = "unit_code, department_code, department_name, field, procedure_code, procedure_name"
    group = f"{keys}, legal_value, legal_unit, day_min, day_max"
    sums = ", ".join(f"CAST(sum({c}) AS BIGINT)" for c in _SUMMED)
    summed = f"""SELECT {keys}, '', '', legal_value, legal_unit, {sums}, day_min, day_max, min(first_at), 0
FROM j GROUP BY {group}"""
    officers = "SELECT j.*, 1 FROM j"
    # an officer's counts, every office, department, procedure added up (no 2.2: see province_kpi)
    per_officer = f"""SELECT '', '', '', '', '', '', officer_id, officer_name, NULL, '', {sums}, NULL, NULL,
  min(first_at), 1 FROM j GROUP BY officer_id, officer_name"""
    return {"officers": officers, "summed": summed, "both": f"{officers}\nUNION ALL\n{summed}",
            "province": f"{summed}\nUNION ALL\n{per_officer}"}[levels]  # fmt: skip


class Cell(NamedTuple):
    """The counts of one (office, department, field, procedure, officer, legal time): what every figure
    and every line of Biểu II.06a is a sum of. Classes as app.domain.indicators.DossierClass. A tuple in
    the statement's column order (twenty thousand of them for a province's year)."""

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
    digitised: int  # with a file, among those to scan (4.2)
    n22: int  # 2.2: dossiers with a processing time, and its sums
    minutes: int
    us: int
    online: int  # received in the period online (3.3, II.06a)
    postal: int  # received in the period by post
    to_scan: int  # with a paper to scan (4.2's denominator)
    day_min: int | None
    day_max: int | None
    first_at: datetime | None

    @property
    def received(self) -> int:
        """Received in the period (not carried over)."""
        return self.counted - self.carried

    @property
    def in_time(self) -> int:
        """2.1's numerator: early, on time, in progress within the deadline."""
        return self.early + self.on_time + self.open_on_time


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


def cells(session: Session, period: Period, units: Sequence[str] | None = None, officers: bool = True) -> list[Cell]:
    """One grouped statement: the counts per cell of the dossiers ``period`` counts, of the offices
    ``units`` (None: every office); without ``officers`` the cells added up over their officers."""
    by_officer, summed = _cells(session, period, units, "officers" if officers else "summed")
    return by_officer if officers else summed


def cell_levels(
    session: Session, period: Period, units: Sequence[str] | None = None, officer_cells: bool = True
) -> tuple[list[Cell], list[Cell]]:
    """The cells of :func:`cells` (without ``officer_cells``: one cell an officer, only its counts), and the
    cells added up over their officers, from one statement."""
    return _cells(session, period, units, "both" if officer_cells else "province")


def whole_months(period: Period) -> list[date]:
    """The first days of the months ``period`` covers from their first to their last day."""
    first = period.start if period.start.day == 1 else _next_month(period.start)
    months = []
    while _next_month(first) <= period.end + timedelta(days=1):
        months.append(first)
        first = _next_month(first)
    return months


COMPRESSION = 4
"""The summary's rows of a period's whole months are read when they stand for this many dossiers each or more
(a year of a province's 20,720 report keys: 35,475 rows for 619,000 dossiers, 17); otherwise those months are
read as before the summary, every row in one scan of the receipts (a few months: about 3 dossiers a row,
and adding the rows up cost more than reading the dossiers: 0.8× in bench/bench_province.py --compare)."""


def _worth_summing(session: Session, months: list[date]) -> bool:
    """Whether the summary rows of ``months`` save reading their dossiers (:data:`COMPRESSION`)."""
    years, loose = _spans(months)
    rows, dossiers = session.execute(
        text(
            "SELECT count(*), coalesce(sum(n), 0) FROM ended_summary WHERE (span = 12 AND month = ANY(CAST(:years"
            " AS date[]))) OR (span = 1 AND month = ANY(CAST(:loose AS date[])))"
        ),
        {"years": years, "loose": loose},
    ).one()
    return bool(dossiers >= COMPRESSION * rows)


def _spans(months: list[date]) -> tuple[list[date], list[date]]:
    """The whole years among ``months`` (their 1 January) and the other months."""
    years = sorted({m.replace(month=1) for m in months if m.month == 1 and m.replace(month=12) in months})
    return years, [m for m in months if m.replace(month=1) not in years]


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _cells(
    session: Session, period: Period, units: Sequence[str] | None, levels: str, summary: bool = True
) -> tuple[list[Cell], list[Cell]]:
    if units is not None and not units:
        return [], []
    postgres = session.get_bind().dialect.name == "postgresql"
    months = whole_months(period) if summary and postgres else []
    # whole months whose summary rows would not pay: every row, as before the summary (its row parts read a
    # few months of ends slower than one scan of the receipts); no whole month (a week): the row parts
    summary = summary and postgres and (not months or _worth_summing(session, months))
    sql = text(_cells_sql(postgres, units is not None, levels, summary)).bindparams(
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
        if summary:  # without a whole month, no summary row: the whole period is read as rows, by the end
            after = _next_month(months[-1]) if months else period.end
            years, loose = _spans(months)
            params |= {"years": years, "loose": loose,
                       "months": [datetime.combine(m, time()) for m in months],
                       "full_opens": datetime.combine(months[0], time()) if months else period.closes,
                       "full_closes": datetime.combine(after, time()) if months else period.closes}  # fmt: skip
    else:
        params |= {"opens": (period.start - epoch).days * _DAY_US, "closes": ((period.end - epoch).days + 1) * _DAY_US,
                   "day": _DAY_US}  # fmt: skip
    if units is not None:
        params["units"] = list(units)
    by_officer: list[Cell] = []
    summed: list[Cell] = []
    for r in session.execute(sql, params).all():
        cell = Cell._make(r[:_WIDTH]) if postgres else _sqlite_cell(r)
        if cell.counted >= _PACKED:  # two counts share an integer (see _cells_sql)
            raise OverflowError("a report key counts 2^30 dossiers or more")
        (by_officer if r[_WIDTH] else summed).append(cell)
    return by_officer, summed


_WIDTH = len(Cell._fields)


def _sqlite_cell(r: Any) -> Cell:
    """A row of SQLite, whose moments are text and whose REAL may come back as an integer."""
    first = r[_WIDTH - 1]
    if first is not None and not isinstance(first, datetime):
        first = datetime.fromisoformat(str(first))
    legal = None if r[8] is None else float(r[8])
    return Cell._make((*r[:8], legal, *r[9 : _WIDTH - 1], first))


def channel_shares(received: int, online: int, postal: int) -> dict[Channel, Ratio]:
    """3.3: every channel's share of the dossiers received in the period."""
    counts = {Channel.DIRECT: received - online - postal, Channel.ONLINE: online, Channel.POSTAL: postal}
    return {ch: Ratio(n, received) for ch, n in counts.items()}


def legal_times(found: Iterable[Cell]) -> dict[str, tuple[float | None, str]]:
    """Each procedure's legal time (value, unit) as its first counted dossier received it (as the counters)."""
    first: dict[str, tuple[datetime, float | None, str]] = {}
    for c in found:
        if c.first_at is not None and (c.procedure_code not in first or c.first_at < first[c.procedure_code][0]):
            first[c.procedure_code] = (c.first_at, c.legal_value, c.legal_unit)
    return {code: (value, unit) for code, (_, value, unit) in first.items()}


_UNITS = {u.value: u for u in DurationUnit}


def processing(group: Iterable[Cell], legal: dict[str, tuple[float | None, str]]) -> tuple[Processing, ...]:
    """2.2 per procedure of the cells of one group: the average in the procedure's legal unit (working
    days on each office's own calendar length), against its legal time."""
    by_proc: dict[str, _Sums22] = {}
    for c in group:
        if c.n22:
            acc = by_proc.get(c.procedure_code)
            if acc is None:
                acc = by_proc[c.procedure_code] = _Sums22()
            acc.add(c)
    out = []
    for code in sorted(by_proc):
        acc = by_proc[code]
        value, unit_name = legal.get(code, (None, ""))
        unit = _UNITS.get(unit_name) or DurationUnit.WORKING_DAYS
        average = acc.average(unit)
        out.append(Processing(code, acc.name, unit, acc.n, average, value, faster_than_norm(average, value)))
    return tuple(out)


class _Sums22:
    """2.2's sums of one procedure among a group's cells."""

    __slots__ = ("by_length", "days", "first", "minutes", "n", "us")

    def __init__(self) -> None:
        self.n = self.minutes = self.us = 0
        self.days: set[int] = set()
        self.by_length: dict[int, int] = {}  # minutes per working day → working minutes of the cells
        self.first: tuple[datetime, str] | None = None

    def add(self, c: Cell) -> None:
        self.n += c.n22
        self.minutes += c.minutes
        self.us += c.us
        if c.day_min:
            self.days.add(c.day_min)
        if c.day_max:
            self.days.add(c.day_max)
        length = c.day_max or 480
        self.by_length[length] = self.by_length.get(length, 0) + c.minutes
        first = (c.first_at or datetime.max, c.procedure_name)
        if self.first is None or first < self.first:
            self.first = first

    @property
    def name(self) -> str:
        """The procedure's name as its first received dossier has it."""
        return self.first[1] if self.first is not None else ""

    def average(self, unit: DurationUnit) -> float | None:
        """The average in ``unit``: working days on each office's own calendar length."""
        if unit is DurationUnit.CALENDAR_DAYS:
            return average_amount(self.us, self.n, unit, 480)
        if unit is DurationUnit.WORKING_HOURS or len(self.days) <= 1:
            # one length of working day (one office, or offices with the same hours)
            return average_amount(self.minutes, self.n, unit, next(iter(self.days), 480))
        # offices with different hours: each cell's minutes in its own days (exact when a cell has one length)
        total = sum((Fraction(m, length) for length, m in self.by_length.items()), Fraction(0))
        return round2(float(total / self.n))


def figures(
    key: str, name: str, group: Iterable[Cell], legal: dict[str, tuple[float | None, str]] | None = None,
    rules: IndicatorRules = DEFAULT_RULES,
) -> ProvinceIndicators:  # fmt: skip
    """2.1, 2.2 (with ``legal``), 3.3, 4.2 and 5.4 of the cells of one group."""
    items = group if isinstance(group, list) else list(group)
    counted = in_time = n_late = n_digitised = n_unhappy = carried = online = postal = to_scan = 0
    for c in items:
        counted += c.counted
        in_time += c.early + c.on_time + c.open_on_time
        n_late += c.late + c.open_late
        n_digitised += c.digitised
        n_unhappy += c.dissatisfied
        carried += c.carried
        online += c.online
        postal += c.postal
        to_scan += c.to_scan
    received = counted - carried
    on_time = Ratio(in_time, counted)
    late = Ratio(n_late, counted)
    digitised = Ratio(n_digitised, to_scan)
    unhappy = Ratio(n_unhappy, counted)
    sat = satisfaction(late, unhappy)
    return ProvinceIndicators(
        key=key, name=name, counted=counted, on_time=on_time, on_time_score=score(on_time.percent, rules.on_time),
        channels=channel_shares(received, online, postal), late=late, digitised=digitised,
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
    one_office = units is not None and len(units) == 1
    found, merged = cell_levels(session, period, units, officer_cells=one_office)
    legal = legal_times(merged)
    names = names or {}
    offices = _groups(merged, lambda c: (c.unit_code, names.get(c.unit_code, c.unit_code)), legal, rules)
    return ProvinceKpi(
        start=period.start,
        end=period.end,
        whole=figures("", PROVINCE, merged, legal, rules),
        offices=tuple(sorted(offices, key=lambda o: o.key)),
        fields=_groups(merged, lambda c: (c.field, c.field or NO_FIELD), legal, rules),
        departments=_groups(
            merged,
            lambda c: (
                c.department_code if one_office else f"{c.unit_code}/{c.department_code}",
                c.department_name or c.department_code,
            ),
            legal,
            rules,
        ),
        procedures=_groups(merged, lambda c: (c.procedure_code, c.procedure_name), legal, rules),
        officers=_groups(found, lambda c: (c.officer_id, c.officer_name), legal if one_office else None, rules),
    )
