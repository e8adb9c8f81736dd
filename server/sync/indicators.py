"""The province's indicators from the server's dossiers, counted in the database.

The same rules as the counters (app.domain.indicators.classify, app.services.reports.kpi), over
the facts the push keeps on each dossier row (server/sync/facts.py, migration 0010): one grouped
statement classifies every dossier the period counts with a CASE expression and sums per
(office, field); no dossier row is read into Python. Offices, fields and the whole province are
sums of those cells.

Where the SQL is narrower than ``classify``: a dossier without a due date is on time (the legal
time would need each office's calendar), and with three or more supplement requests before the end
of the period the second request stands for the last one. Everything is channel 1 (direct) until
the contracts carry a channel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime

from app.domain.indicators import (
    DEFAULT_RULES,
    Channel,
    IndicatorRules,
    Period,
    Ratio,
    satisfaction,
    score,
)

DISSATISFIED = "dissatisfied"
NO_FIELD = "(chưa ghi lĩnh vực)"


def _us(column: str, postgres: bool) -> str:
    """Microseconds since 1970 of a naive local DATETIME column (integer arithmetic on both databases)."""
    if postgres:
        return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"
    micro = f"coalesce(CAST(substr({column}, 21, 6) AS INTEGER), 0)"
    return f"(CAST(strftime('%s', {column}) AS INTEGER) * 1000000 + {micro})"


_DAY_US = 86_400_000_000


def _cells_sql(postgres: bool, units: bool) -> str:
    u = {c: _us(c, postgres) for c in ("received_at", "ended_at", "received_due_at", "supplement1_requested_at",
                                       "supplement1_completed_at", "supplement2_requested_at",
                                       "supplement2_completed_at")}  # fmt: skip
    # per dossier: e (end µs or NULL), ended, cutoff (end if ended, else the end of the period)
    facts = f"""
  SELECT unit_code, field, rating, end_status, {u["received_at"]} AS rec, {u["ended_at"]} AS e,
    {u["received_due_at"]} AS due, {u["supplement1_requested_at"]} AS r1, {u["supplement1_completed_at"]} AS c1,
    {u["supplement2_requested_at"]} AS r2, {u["supplement2_completed_at"]} AS c2
  FROM dossiers
  WHERE coalesce(code, printed_code) IS NOT NULL AND received_at < :closes_at
    AND (ended_at IS NULL OR ended_at >= :opens_at) {"AND unit_code IN :units" if units else ""}"""
    # classify(): 1 early, 2 on time, 3 late, 4 in progress on time, 5 in progress late
    cls = """CASE
    WHEN r2 IS NOT NULL AND r2 < cutoff THEN CASE
      WHEN ended = 1 OR c2 IS NULL OR c2 >= :closes THEN 3 ELSE 5 END
    WHEN ended = 0 AND r1 < :closes AND (c1 IS NULL OR c1 >= :closes) THEN 2
    WHEN ended = 1 THEN CASE
      WHEN end_status = 3 OR due IS NULL THEN 2
      WHEN (e - gap) / :day < due / :day THEN 1
      WHEN (e - gap) / :day = due / :day THEN 2 ELSE 3 END
    WHEN due IS NULL OR due + gap >= :closes THEN 4
    ELSE 5 END"""
    return f"""
WITH f AS ({facts}
), k AS (
  SELECT *, CASE WHEN e IS NOT NULL AND e < :closes THEN 1 ELSE 0 END AS ended FROM f
), g AS (
  SELECT *, CASE WHEN ended = 1 THEN e ELSE :closes END AS cutoff FROM k
), h AS (
  SELECT *, CASE WHEN r1 IS NOT NULL AND r1 < cutoff THEN coalesce(c1, :closes) - r1 ELSE 0 END AS gap FROM g
), x AS (
  SELECT unit_code, field, rating, rec, {cls} AS cls FROM h
)
SELECT unit_code, field,
  count(*) AS counted,
  sum(CASE WHEN cls IN (1, 2, 4) THEN 1 ELSE 0 END) AS on_time,
  sum(CASE WHEN cls IN (3, 5) THEN 1 ELSE 0 END) AS late,
  sum(CASE WHEN rec >= :opens THEN 1 ELSE 0 END) AS received,
  sum(CASE WHEN rec >= :opens THEN 1 ELSE 0 END) AS direct,
  sum(CASE WHEN rating = :dissatisfied THEN 1 ELSE 0 END) AS dissatisfied
FROM x GROUP BY unit_code, field"""


@dataclass(frozen=True, slots=True)
class Cell:
    """The counts of one (office, field): what every figure is a sum of."""

    unit_code: str
    field: str
    counted: int
    on_time: int
    late: int
    received: int
    direct: int
    dissatisfied: int


@dataclass(frozen=True, slots=True)
class ProvinceIndicators:
    """2.1, 3.3 and 5.4 of one group of dossiers (the province, an office, a field)."""

    key: str
    name: str
    counted: int
    on_time: Ratio  # 2.1
    on_time_score: float | None
    channels: dict[Channel, Ratio]  # 3.3
    late: Ratio
    dissatisfied: Ratio
    satisfaction: float | None  # 5.4
    satisfaction_score: float | None


@dataclass(frozen=True, slots=True)
class ProvinceKpi:
    """The period's figures for the whole scope, per office and per field."""

    start: date
    end: date
    whole: ProvinceIndicators
    offices: tuple[ProvinceIndicators, ...]
    fields: tuple[ProvinceIndicators, ...]


def cells(session: Session, period: Period, units: Sequence[str] | None = None) -> list[Cell]:
    """One grouped statement: the counts per (office, field) of the dossiers ``period`` counts,
    of the offices ``units`` (None: every office)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    sql = text(_cells_sql(postgres, units is not None)).bindparams(
        bindparam("opens_at", type_=DateTime()), bindparam("closes_at", type_=DateTime())
    )
    if units is not None:
        sql = sql.bindparams(bindparam("units", expanding=True))
    epoch = date(1970, 1, 1)
    params: dict[str, Any] = {
        "opens_at": period.opens,
        "closes_at": period.closes,
        "opens": (period.start - epoch).days * _DAY_US,
        "closes": ((period.end - epoch).days + 1) * _DAY_US,
        "day": _DAY_US,
        "dissatisfied": DISSATISFIED,
    }
    if units is not None:
        if not units:
            return []
        params["units"] = list(units)
    return [Cell(r.unit_code, r.field or "", *(int(v or 0) for v in r[2:])) for r in session.execute(sql, params)]


def channel_shares(received: int, direct: int) -> dict[Channel, Ratio]:
    """3.3: every channel's share of the dossiers received in the period (all direct for now)."""
    counts = {Channel.DIRECT: direct, Channel.ONLINE: 0, Channel.POSTAL: 0}
    return {ch: Ratio(n, received) for ch, n in counts.items()}


def figures(key: str, name: str, group: Iterable[Cell], rules: IndicatorRules = DEFAULT_RULES) -> ProvinceIndicators:
    """2.1, 3.3 and 5.4 of the cells of one group."""
    items = list(group)
    counted = sum(c.counted for c in items)
    on_time = Ratio(sum(c.on_time for c in items), counted)
    late = Ratio(sum(c.late for c in items), counted)
    unhappy = Ratio(sum(c.dissatisfied for c in items), counted)
    sat = satisfaction(late, unhappy)
    return ProvinceIndicators(
        key=key,
        name=name,
        counted=counted,
        on_time=on_time,
        on_time_score=score(on_time.percent, rules.on_time),
        channels=channel_shares(sum(c.received for c in items), sum(c.direct for c in items)),
        late=late,
        dissatisfied=unhappy,
        satisfaction=sat,
        satisfaction_score=score(sat, rules.satisfaction),
    )


def province_kpi(
    session: Session,
    period: Period,
    units: Sequence[str] | None = None,
    names: dict[str, str] | None = None,
    rules: IndicatorRules = DEFAULT_RULES,
) -> ProvinceKpi:
    """The figures of ``period`` for ``units`` (None: the province), per office and per field."""
    found = cells(session, period, units)
    by_unit: dict[str, list[Cell]] = defaultdict(list)
    by_field: dict[str, list[Cell]] = defaultdict(list)
    for c in found:
        by_unit[c.unit_code].append(c)
        by_field[c.field].append(c)
    names = names or {}
    offices = tuple(figures(u, names.get(u, u), v, rules) for u, v in sorted(by_unit.items()))
    fields = tuple(figures(f, f or NO_FIELD, v, rules) for f, v in sorted(by_field.items()))
    return ProvinceKpi(period.start, period.end, figures("", "Toàn tỉnh", found, rules), offices, fields)
