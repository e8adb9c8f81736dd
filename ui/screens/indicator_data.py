"""What the indicators view computes, Qt-free: the period presets, the weeks, and one computation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from app.domain.indicators import DossierClass, Ratio, classify
from app.services.office import load_calendar
from app.services.reports import CountedDossier, KpiReport, counted_dossiers, kpi
from ui.screens.indicator_charts import WeekPoint


class PeriodChoice(StrEnum):
    """The periods a supervisor picks from."""

    WEEK = "Tuần này"
    MONTH = "Tháng này"
    QUARTER = "Quý này"
    YEAR = "Năm nay"
    CUSTOM = "Từ ngày … đến ngày …"


def preset_period(choice: PeriodChoice, today: date) -> tuple[date, date]:
    """From the first day of the week (Monday), month, quarter or year up to ``today``.

    Ends today, not at the end of the week or month: a period closing in the future would judge
    open dossiers against a day that has not come.
    """
    if choice is PeriodChoice.WEEK:
        return today - timedelta(days=today.weekday()), today
    if choice is PeriodChoice.MONTH:
        return today.replace(day=1), today
    if choice is PeriodChoice.QUARTER:
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    return date(today.year, 1, 1), today


def week_spans(start: date, end: date) -> list[tuple[date, date]]:
    """The weeks (Monday to Sunday) of ``start`` … ``end``, the first and last clipped to the period."""
    out = []
    day = start
    while day <= end:
        last = min(end, day + timedelta(days=6 - day.weekday()))
        out.append((day, last))
        day = last + timedelta(days=1)
    return out


@dataclass(frozen=True, slots=True)
class IndicatorSnapshot:
    """What one computation gives the screen."""

    report: KpiReport
    dossiers: dict[str, CountedDossier]
    weeks: tuple[WeekPoint, ...]


def compute(session: Session, start: date, end: date) -> IndicatorSnapshot:
    """The period's indicators, its counted dossiers (click-through) and 2.1 per week (worker thread)."""
    report = kpi(session, start, end)
    items = counted_dossiers(session, start, end)
    calendar = load_calendar(session)
    weeks = []
    for ws, we in week_spans(start, end):
        classes = [(c.facts.uid, classify(c.facts, ws, we, calendar)) for c in items]
        counted = [(u, k) for u, k in classes if k is not DossierClass.NOT_COUNTED]
        on_time = tuple(u for u, k in counted if k.on_time)
        weeks.append(WeekPoint(ws, we, Ratio(len(on_time), len(counted), on_time)))
    return IndicatorSnapshot(report, {c.facts.uid: c for c in items}, tuple(weeks))
