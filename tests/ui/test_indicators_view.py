"""The indicators view of the supervision workspace driven as a supervisor, on dossiers made through the
real services (tests/test_cli_report.py: received Mon 23/11/2026, early, late, supplement pending, open)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDateTimeEdit
from pytestqt.qtbot import QtBot

from app.domain.catalog import Catalog
from app.services.context import Role
from app.services.drafts import Changes
from tests.app.test_reception import draft, receive
from tests.test_cli_report import THREE_DAYS, office_data  # noqa: F401 - the fixture
from ui.context import UiContext
from ui.models import indicator_table as m
from ui.screens.dossier_detail import DossierDetailDialog
from ui.screens.indicator_data import PeriodChoice, preset_period, week_spans
from ui.screens.indicator_dossiers import FigureDossiersDialog
from ui.screens.indicators import VIEW_LABELS, IndicatorsView
from ui.screens.supervision import SupervisionScreen

WAIT_MS = 15_000
LOOK = datetime(2026, 11, 30, 12, 0)  # Monday: "Tháng này" = 01/11–30/11, "Tuần này" = 30/11 alone


@pytest.fixture
def supervisor_ctx(ui_ctx: UiContext) -> UiContext:
    actor = dataclasses.replace(ui_ctx.actor, role=Role.SUPERVISOR)
    return dataclasses.replace(ui_ctx, actor=actor, clock=lambda: LOOK)


@pytest.fixture
def view(qtbot: QtBot, supervisor_ctx: UiContext, office_data) -> IndicatorsView:  # noqa: F811
    v = IndicatorsView(supervisor_ctx)
    qtbot.addWidget(v)
    v.resize(1366, 700)
    v.show()
    qtbot.waitUntil(lambda: v.loaded, timeout=WAIT_MS)
    return v


def _dialog(kind: type) -> object | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, kind) and w.isVisible():
            return w
    return None


def _choose(qtbot: QtBot, v: IndicatorsView, choice: PeriodChoice) -> None:
    combo = v.period_combo
    combo.setFocus()
    target = combo.findText(choice.value)
    for _ in range(combo.count()):  # the arrow keys, as a supervisor would
        if combo.currentIndex() == target:
            break
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up)
    assert combo.currentText() == choice.value
    qtbot.waitUntil(lambda: v.loaded or v.error_label.isVisible(), timeout=WAIT_MS)


def _type_date(qtbot: QtBot, edit: QDateTimeEdit, ddmmyyyy: str) -> None:
    edit.setFocus()
    edit.setSelectedSection(QDateTimeEdit.Section.DaySection)  # typing replaces the day, then moves on
    qtbot.keyClicks(edit, ddmmyyyy)


def test_periods_and_weeks() -> None:
    today = LOOK.date()
    assert preset_period(PeriodChoice.WEEK, today) == (datetime(2026, 11, 30).date(), today)
    assert preset_period(PeriodChoice.QUARTER, today)[0] == datetime(2026, 10, 1).date()
    assert preset_period(PeriodChoice.YEAR, today)[0] == datetime(2026, 1, 1).date()
    spans = week_spans(datetime(2026, 11, 1).date(), today)
    assert [(a.day, b.day) for a, b in spans] == [(1, 1), (2, 8), (9, 15), (16, 22), (23, 29), (30, 30)]


def test_this_month_figures_breakdown_and_dossiers_behind_a_figure(
    qtbot: QtBot,
    view: IndicatorsView,
    office_data,  # noqa: F811
) -> None:
    _, codes = office_data
    assert view.period_combo.currentText() == "Tháng này"
    assert (view.start_edit.text(), view.end_edit.text()) == ("01/11/2026", "30/11/2026")
    assert not view.start_edit.isEnabled()
    # 2.1: early + supplement pending (on time) = 2 of 4 → 50%, 50 × 20 ÷ 100 = 10 points.
    assert view.figure_text("on_time").startswith("50% – 10/20 điểm")
    assert "(2/4 hồ sơ)" in view.figure_text("on_time")
    # 2.2: 2 finished, average 2.59 working days against 3 → 13.67% faster (tests/test_cli_report.py).
    norm = view.figure_text("norm")
    assert norm.startswith("nhanh hơn quy định 13,67%") and "(2/2 hồ sơ)" in norm
    assert "Trực tiếp 100%" in view.figure_text("channels") and "Trực tuyến 0%" in view.figure_text("channels")
    assert view.figure_text("digitised").startswith("0% – 0/10 điểm")
    # 5.4 = 100 − 50 (late) − 0 → 50%, 50 × 10 ÷ 90 = 5.56 points.
    assert view.figure_text("satisfaction").startswith("50% – 5,56/10 điểm")

    # Charts: 2.1 per week (23–29/11: 2 of 4; 30/11: late ended + open late, supplement on time = 1 of 3).
    assert view.trend_chart.categories == ["01/11", "02/11", "09/11", "16/11", "23/11", "30/11"]
    assert view.trend_chart.values == pytest.approx([0, 0, 0, 0, 50, 33.33])
    assert view.department_chart.values == [50.0]
    for panel in (view.trend_chart, view.department_chart):  # "33,33" on the bars, as the figures above
        assert panel.chart().localizeNumbers() and panel.chart().locale().decimalPoint() == ","

    # Grouping: by procedure, then by officer (one of each here); the first column follows.
    combo = view.grouping_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == "Thủ tục"
    assert view.proxy.headerData(m.COL_NAME, Qt.Orientation.Horizontal) == "Thủ tục"
    assert view.proxy.rowCount() == 1
    assert view.proxy.index(0, m.COL_ON_TIME).data() == "50% (2/4 hồ sơ)"
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert view.proxy.index(0, m.COL_NAME).data() == view._ctx.actor.full_name
    assert view.proxy.index(0, m.COL_LATE).data() == "50% (2/4 hồ sơ)"

    # Enter on the on-time figure lists the two dossiers behind it; Enter there opens one.
    view.table.setFocus()
    view.table.setCurrentIndex(view.proxy.index(0, m.COL_ON_TIME))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _dialog(FigureDossiersDialog) is not None, timeout=WAIT_MS)
    dialog = _dialog(FigureDossiersDialog)
    assert isinstance(dialog, FigureDossiersDialog)
    rows = {r.facts.code: r.cls.label for r in dialog.model.rows()}
    assert rows == {codes["early"].code: "Trước hạn", codes["supplement"].code: "Đúng hạn"}
    dialog.activateWindow()  # the offscreen platform does not activate new windows by itself
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT_MS)
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _dialog(DossierDetailDialog) is not None, timeout=WAIT_MS)
    detail = _dialog(DossierDetailDialog)
    assert isinstance(detail, DossierDetailDialog)
    assert detail.uid == dialog.model.row_at(dialog.table.currentIndex().row()).facts.uid
    detail.close()
    dialog.close()

    # The office's late dossiers from the 5.4 figure: the late one and the open one.
    view.open_office_figure("satisfaction")
    qtbot.waitUntil(lambda: _dialog(FigureDossiersDialog) is not None, timeout=WAIT_MS)
    late = _dialog(FigureDossiersDialog)
    assert isinstance(late, FigureDossiersDialog)
    assert {r.facts.code for r in late.model.rows()} == {codes["late"].code, codes["open"].code}
    late.close()


def test_this_week_a_date_range_and_a_reversed_range(qtbot: QtBot, view: IndicatorsView) -> None:
    # This week = Monday 30/11: the late result (ended today), the pending supplement, the open one → 1 of 3.
    _choose(qtbot, view, PeriodChoice.WEEK)
    assert view.figure_text("on_time").startswith("33,33% – 6,67/20 điểm")
    assert "(1/3 hồ sơ)" in view.figure_text("on_time")

    # 23/11–25/11: early ended 25/11; supplement pending; the other two not yet due → 4 of 4.
    _choose(qtbot, view, PeriodChoice.CUSTOM)
    assert view.start_edit.isEnabled()
    _type_date(qtbot, view.start_edit, "23112026")
    _type_date(qtbot, view.end_edit, "25112026")
    qtbot.waitUntil(lambda: view.loaded and view.snapshot is not None and view.snapshot.report.end.day == 25,
                    timeout=WAIT_MS)  # fmt: skip
    assert view.figure_text("on_time").startswith("100% – 20/20 điểm") and "(4/4 hồ sơ)" in view.figure_text("on_time")

    # A start after the end: the error beside the dates, nothing computed.
    before = view.snapshot
    _type_date(qtbot, view.start_edit, "30112026")
    qtbot.waitUntil(view.error_label.isVisible, timeout=WAIT_MS)
    assert "Ngày bắt đầu kỳ báo cáo (30/11/2026) sau ngày kết thúc (25/11/2026)" in view.error_label.text()
    assert view.snapshot is before and view.loaded
    _type_date(qtbot, view.start_edit, "23112026")
    qtbot.waitUntil(lambda: view.loaded and not view.error_label.isVisible(), timeout=WAIT_MS)


def test_a_new_dossier_on_the_bus_refreshes_the_figures(
    qtbot: QtBot, view: IndicatorsView, supervisor_ctx: UiContext, factory, catalog: Catalog
) -> None:
    assert "(2/4 hồ sơ)" in view.figure_text("on_time")
    # A second counter's dossier, received 23/11 and due 27/11, still open at the end of November: late.
    new = receive(factory, supervisor_ctx.actor, catalog, draft(catalog, THREE_DAYS))
    supervisor_ctx.bus.publish(Changes(frozenset({new.uid})))
    qtbot.waitUntil(lambda: "(2/5 hồ sơ)" in view.figure_text("on_time"), timeout=WAIT_MS)
    assert view.figure_text("on_time").startswith("40% – 8/20 điểm")


def test_ctrl_2_opens_the_indicators_and_ctrl_1_the_queues(qtbot: QtBot, supervisor_ctx: UiContext) -> None:
    screen = SupervisionScreen(supervisor_ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.activateWindow()  # shortcuts need an active window; offscreen does not activate by itself
    qtbot.waitUntil(screen.isActiveWindow, timeout=WAIT_MS)
    assert [screen.views.tabText(i) for i in range(screen.views.count())] == list(VIEW_LABELS)
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert screen.views.currentIndex() == 1
    content = screen.views.currentWidget().content  # type: ignore[attr-defined]
    assert isinstance(content, IndicatorsView)
    qtbot.waitUntil(lambda: content.loaded, timeout=WAIT_MS)
    content.period_combo.setFocus()
    qtbot.keyClick(content.period_combo, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert screen.views.currentIndex() == 0


def test_figures_show_before_the_weekly_trend(
    qtbot: QtBot,
    supervisor_ctx: UiContext,
    office_data,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over a year the weeks take about as long again as the figures: the figures are on screen first,
    the trend says it is being worked out, then is drawn (the view counts as loaded only then)."""
    import threading

    import ui.screens.indicators as screen

    release = threading.Event()
    real = screen.compute_weeks

    def slow_weeks(session, start, end):  # type: ignore[no-untyped-def]
        assert release.wait(WAIT_MS / 1000)
        return real(session, start, end)

    monkeypatch.setattr(screen, "compute_weeks", slow_weeks)
    v = IndicatorsView(supervisor_ctx)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitUntil(lambda: v.snapshot is not None, timeout=WAIT_MS)
    assert "hồ sơ tính trong kỳ" in v.title_label.text() and v.snapshot.weeks == ()
    assert "đang tính" in v.trend_chart.chart().title() and not v.loaded
    release.set()
    qtbot.waitUntil(lambda: v.loaded, timeout=WAIT_MS)
    assert v.snapshot.weeks and "đang tính" not in v.trend_chart.chart().title()
