"""What the indicators view computes, Qt-free: the period presets and one computation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from app.domain.indicators import week_spans
from app.services.indicator_weeks import on_time_by_week
from app.services.reports import KpiReport, kpi
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


@dataclass(frozen=True, slots=True)
class IndicatorSnapshot:
    """What one computation gives the screen: the figures (the dossiers behind each are read when
    clicked, app.services.reports.counted_by_uids) and 2.1 per week."""

    report: KpiReport
    weeks: tuple[WeekPoint, ...]


def compute(session: Session, start: date, end: date) -> IndicatorSnapshot:
    """The period's indicators and 2.1 per week, both counted in SQL (worker thread).

    Raises:
        PeriodError: see app.services.reports.check_period.
    """
    return IndicatorSnapshot(kpi(session, start, end), compute_weeks(session, start, end))


def compute_weeks(session: Session, start: date, end: date) -> tuple[WeekPoint, ...]:
    """2.1 per week of the period (the trend chart; worker thread). The screen asks for it after the figures,
    which it shows first: over a year the weeks take about as long again.

    Raises:
        PeriodError: see app.services.reports.check_period.
    """
    return tuple(WeekPoint(w.start, w.end, w.on_time) for w in on_time_by_week(session, start, end))


__all__ = ["IndicatorSnapshot", "PeriodChoice", "compute", "compute_weeks", "preset_period", "week_spans"]
