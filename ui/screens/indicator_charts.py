"""The two charts of the indicators screen (Qt Charts): on-time rate by week, and by department."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QLocale, QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from app.domain.indicators import Ratio

BAR_COLOR = QColor("#1f5fa8")
MAX_NAME = 34
"""Department names longer than this are shortened on the axis (the full name is in the table)."""


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """2.1 of one week of the period (the week clipped to the period)."""

    start: date
    end: date
    on_time: Ratio


def _font(delta: float = 0.0, bold: bool = False) -> QFont:
    font = QFont(QApplication.font())
    font.setPointSizeF(max(6.0, font.pointSizeF() + delta))
    font.setBold(bold)
    return font


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setTitleFont(_font(0.5, bold=True))
    chart.legend().hide()
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setBackgroundRoundness(0)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    # Numbers the Vietnamese way on bars and axes ("79,75", not "79.75").
    chart.setLocale(QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam))
    chart.setLocalizeNumbers(True)
    return chart


def _percent_axis(title: str) -> QValueAxis:
    axis = QValueAxis()
    axis.setRange(0, 100)
    axis.setTickCount(6)
    axis.setLabelFormat("%.0f")  # "%d" prints nothing once numbers are localised
    axis.setTitleText(title)
    axis.setTitleFont(_font(-1))
    axis.setLabelsFont(_font(-1))
    return axis


def _category_axis(names: Sequence[str], title: str) -> QBarCategoryAxis:
    axis = QBarCategoryAxis()
    axis.append(list(names))
    axis.setTitleText(title)
    axis.setTitleFont(_font(-1))
    axis.setLabelsFont(_font(-1.5))
    axis.setTruncateLabels(False)  # a department name cut to "…" says nothing
    return axis


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1].rstrip() + "…"


class ChartPanel(QChartView):
    """A chart view whose chart is replaced on each refresh."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(180)
        self._title = title
        self.setChart(_chart(title))

    @property
    def values(self) -> list[float]:
        """The bar values on screen (tests read them)."""
        out: list[float] = []
        for series in self.chart().series():
            if isinstance(series, QBarSeries | QHorizontalBarSeries):
                for bar_set in series.barSets():
                    out.extend(bar_set.at(i) for i in range(bar_set.count()))
        return out

    @property
    def categories(self) -> list[str]:
        """The category labels on screen."""
        for axis in self.chart().axes():
            if isinstance(axis, QBarCategoryAxis):
                return list(axis.categories())
        return []


def _bar_set(values: Sequence[float]) -> QBarSet:
    bars = QBarSet("Tỷ lệ đúng hạn (%)")
    bars.append(list(values))
    bars.setColor(BAR_COLOR)
    bars.setLabelColor(QColor("#202020"))
    bars.setLabelFont(_font(-2))
    return bars


def _replace(panel: ChartPanel, chart: QChart) -> None:
    old = panel.chart()
    panel.setChart(chart)  # the view lets go of the old chart without deleting it
    old.deleteLater()


def show_trend(panel: ChartPanel, weeks: Sequence[WeekPoint]) -> None:
    """On-time rate per week as vertical bars; a week with no dossier counted shows no bar."""
    chart = _chart("Tỷ lệ giải quyết đúng hạn theo tuần")
    series = QBarSeries()
    series.append(_bar_set([w.on_time.percent or 0.0 for w in weeks]))
    series.setLabelsVisible(len(weeks) <= 14)
    series.setLabelsFormat("@value")
    series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsInsideEnd)
    chart.addSeries(series)
    x = _category_axis([f"{w.start:%d/%m}" for w in weeks], "Tuần bắt đầu từ ngày")
    if len(weeks) > 14:
        x.setLabelsAngle(-90)
    y = _percent_axis("Đúng hạn (%)")
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x)
    series.attachAxis(y)
    _replace(panel, chart)


def show_departments(panel: ChartPanel, rows: Sequence[tuple[str, Ratio]]) -> None:
    """On-time rate per department as horizontal bars, the first department on top."""
    chart = _chart("So sánh tỷ lệ đúng hạn giữa các cơ quan giải quyết")
    series = QHorizontalBarSeries()
    ordered = list(reversed(rows))  # Qt draws the first category at the bottom
    series.append(_bar_set([r.percent or 0.0 for _, r in ordered]))
    series.setLabelsVisible(True)
    series.setLabelsFormat("@value")
    series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsInsideEnd)
    chart.addSeries(series)
    y = _category_axis([_short(name or "(chưa rõ)") for name, _ in ordered], "")
    x = _percent_axis("Tỷ lệ đúng hạn (%)")
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(y)
    series.attachAxis(x)
    _replace(panel, chart)
