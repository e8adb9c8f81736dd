"""Indicator 2.1 week by week over a period (the trend chart), counted in SQL in one pass over the period.

Each week is a period of its own for the II.06a rules (app.domain.indicators.classify with the week's
first and last day). Rather than one query per week, one pass over the period's dossiers (a statement
per index range, as app.services.reports counts) works out, for each dossier, the weeks it is counted
in and the weeks it is on time in, as week-number ranges: while it is open its class moves only at a
few moments — the due date (moved by a completed supplement's time), the supplement request and its
completion, a second request — so being on time is at most three runs of weeks, plus the week of its
end (its resolved class, judged against that week's end). The week numbers are summed per combination
and turned into per-week counts in Python. The dossiers the SQL class leaves to Python (three
supplement requests, no due date) go through ``classify`` week by week.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.indicators import DossierClass, DossierFacts, Period, Ratio, classify, effective_due, week_spans
from app.services.office import load_calendar
from app.services.reports import (
    _BRANCHES,
    _FACTS,
    _SIMPLE,
    _US,
    _datetime_params,
    _facts_of,
    _rows_by_id_sql,
    check_period,
    own_unit,
)
from app.store.projection import stored_moment

_EPOCH = datetime(1970, 1, 1)
_DAY = timedelta(days=1)


def _tree(expr: str, bounds: list[str], leaves: list[str]) -> str:
    """``leaves[i]`` for the ``i`` with ``bounds[i-1] <= expr < bounds[i]`` (a binary search written as nested
    CASEs: a few text comparisons instead of parsing a date per row); NULL gives the last leaf."""
    if len(leaves) == 1:
        return leaves[0]
    mid = len(leaves) // 2
    return (f"CASE WHEN {expr} < {bounds[mid - 1]} THEN {_tree(expr, bounds[: mid - 1], leaves[:mid])}"
            f" ELSE {_tree(expr, bounds[mid:], leaves[mid:])} END")  # fmt: skip


def _weeks_sql(weeks: list[tuple[date, date]]) -> str:
    """The per-branch statement (``{branch}`` left to fill) for the weeks ``weeks``."""
    starts = [datetime.combine(ws, time()) for ws, _ in weeks] + [datetime.combine(weeks[-1][1], time()) + _DAY]
    text_bounds = [f"'{stored_moment(m)}'" for m in starts]
    us_bounds = [str(_us(m)) for m in starts]
    n = len(weeks)
    numbers = [str(i) for i in range(-1, n + 1)]

    def week(moment: str) -> str:
        return _tree(moment, text_bounds, numbers)

    def maybe(moment: str) -> str:  # most dossiers have no supplement: no search for a NULL
        return f"CASE WHEN {moment} IS NULL THEN {n} ELSE {week(moment)} END"

    # The end week's end (as microseconds), for a supplement pending at the end: reports._CLASS_SQL's
    # ``ended`` branch with that week's end for :closes (the class the projection kept first, migration 0012).
    week_end = _tree("e_at", text_bounds, us_bounds[:1] + us_bounds[1:] + us_bounds[-1:])
    end_on_time = f"""CASE
    WHEN ended_class IS NOT NULL THEN ended_class <= 2
    WHEN r2 < e_at THEN 0
    WHEN ended_at IS NULL AND status = 3 THEN 1
    WHEN r1 IS NULL OR r1 >= e_at THEN substr(e_at, 1, 10) <= substr(due, 1, 10)
    ELSE ({_US.format("e_at")} - coalesce({_US.format("c1")}, {week_end}) + {_US.format("r1")}) / 86400000000
         <= {_US.format("due")} / 86400000000 END"""
    moved = f"({_US.format('due')} + {_US.format('c1')} - {_US.format('r1')})"
    moved_week = f"CASE WHEN c1 IS NULL THEN {n} ELSE {_tree(moved, us_bounds, numbers)} END"
    # The seven week numbers (each -1 … n) and the end week's verdict packed into one integer: sorting one
    # integer per dossier is what keeps the grouping cheap. A negative key is the id of a dossier left to
    # Python (not ``simple``).
    digits = [week("received_at"), f"CASE WHEN ended THEN {week('e_at')} ELSE {n} END", maybe("r1"), maybe("c1"),
              maybe("r2"), week("due"), moved_week]  # fmt: skip
    packed = "0"
    for digit in digits:
        packed = f"({packed}) * {n + 2} + ({digit}) + 1"
    return f"""SELECT CASE WHEN NOT simple THEN -id
  ELSE ({packed}) * 2 + coalesce(CASE WHEN ended THEN {end_on_time} END, 0) END AS key, count(*) AS n
FROM (SELECT *, (e_at IS NOT NULL AND e_at < :closes) AS ended FROM (
    SELECT {_FACTS}, {_SIMPLE} AS simple FROM dossier d WHERE d.code IS NOT NULL AND {{branch}}
  ) WHERE e_at IS NULL OR e_at >= :opens) AS b GROUP BY 1"""


@dataclass(frozen=True, slots=True)
class WeekFigure:
    """2.1 of one week of the period (the week clipped to the period); no uids (the chart lists none)."""

    start: date
    end: date
    on_time: Ratio


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def on_time_by_week(session: Session, start: date, end: date) -> tuple[WeekFigure, ...]:
    """2.1 (on time ÷ counted) of each week of ``start`` … ``end``, each week a period of its own.

    Raises:
        PeriodError: see app.services.reports.check_period.
    """
    period = check_period(start, end)
    weeks = week_spans(start, end)
    n = len(weeks)
    counted, on_time = [0] * (n + 1), [0] * (n + 1)

    def add(into: list[int], first: int, last: int, count: int) -> None:
        if first <= last:
            into[first] += count
            into[last + 1] -= count

    ones: list[int] = []
    sql = _weeks_sql(weeks)
    # The office's own receptions only (app.services.reports, "Whose dossiers"): by the figure group, which
    # names the receiving office and is in the covering indexes.
    own = own_unit(session)
    mine = " AND d.figure_group IN (SELECT id FROM figure_group WHERE unit_code = :own)" if own else ""
    for branch in _BRANCHES:
        rows = session.execute(_datetime_params(sql.format(branch=branch + mine)), {"opens": period.opens,
                                                                                    "closes": period.closes,
                                                                                    "own": own})  # fmt: skip
        for key, count in rows:
            if key < 0:
                ones.append(-key)
                continue
            key, e_on_time = divmod(key, 2)
            key, wmoved = divmod(key, n + 2)
            key, wdue = divmod(key, n + 2)
            key, wr2 = divmod(key, n + 2)
            key, wc1 = divmod(key, n + 2)
            key, wr1 = divmod(key, n + 2)
            a, e = divmod(key, n + 2)
            a, e, wr1, wc1, wr2, wdue, wmoved = a - 1, e - 1, wr1 - 1, wc1 - 1, wr2 - 1, wdue - 1, wmoved - 1
            a = max(a, 0)
            add(counted, a, min(e, n - 1), count)
            add(on_time, a, min(wr1, wdue, e, wr2) - 1, count)  # before the request, the due date, the end
            add(on_time, max(a, wr1), min(wc1, e, wr2) - 1, count)  # the request pending
            add(on_time, max(a, wc1), min(wmoved, e, wr2) - 1, count)  # brought back: the due date moved
            if e_on_time and a <= e < n:  # counted in its end week (not when it ended before its receipt's week)
                add(on_time, e, e, count)
    counted, on_time = _running(counted), _running(on_time)
    if ones:
        _classify_weekly(session, period, load_calendar(session), weeks, ones, counted, on_time)
    return tuple(WeekFigure(a, b, Ratio(on_time[i], counted[i])) for i, (a, b) in enumerate(weeks))


def _running(deltas: list[int]) -> list[int]:
    out, total = [], 0
    for d in deltas[:-1]:
        total += d
        out.append(total)
    return out


def _classify_weekly(
    session: Session, period: Period, calendar: WorkingCalendar, weeks: list[tuple[date, date]], ids: list[int],
    counted: list[int], on_time: list[int],
) -> None:  # fmt: skip
    """The dossiers the SQL leaves to Python, through ``classify`` week by week (their due date once)."""
    sql = _rows_by_id_sql()
    params: dict[str, Any] = {"opens": period.opens, "closes": period.closes, "ids": json.dumps(ids)}
    for r in session.execute(sql, params):
        facts = _facts_of(session, r, period.opens)
        due = effective_due(facts, calendar)
        facts = DossierFacts(uid=facts.uid, code=facts.code, received_at=facts.received_at, due_at=due,
                             end_at=facts.end_at, end_status=facts.end_status, status=facts.status,
                             supplements=facts.supplements, channel=facts.channel)  # fmt: skip
        for i, (ws, we) in enumerate(weeks):
            cls = classify(facts, ws, we, calendar)
            if cls is not DossierClass.NOT_COUNTED:
                counted[i] += 1
                on_time[i] += cls.on_time
