"""The day's receipts (Ctrl+Shift+D) open zoomed to the preview's width: the A4 landscape page was
cut at "Tên thủ tục" behind a horizontal scroll bar in an 820 px preview (issue 15 leftover)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLabel, QScrollArea
from pytestqt.qtbot import QtBot

from tests.ui.test_dossier_list import person, receive
from ui.actions import ActionId
from ui.context import UiContext
from ui.main_window import MainWindow
from ui.screens.day_list_print import DayListPreviewDialog


def _open_preview(qtbot: QtBot, ui_ctx: UiContext) -> DayListPreviewDialog:
    for i, name in enumerate(("Trần Thị Bình", "Nguyễn Văn An")):
        receive(ui_ctx, person(name, personal_id=f"02209000{i:04d}"))
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitActive(window)
    window.actions_[ActionId.DAY_LIST].trigger()

    def shown() -> DayListPreviewDialog | None:
        found = (w for w in QApplication.topLevelWidgets() if isinstance(w, DayListPreviewDialog) and w.isVisible())
        return next(found, None)

    qtbot.waitUntil(lambda: shown() is not None, timeout=15000)
    dialog = shown()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    return dialog


def _fits(dialog: DayListPreviewDialog) -> None:
    """The whole page width is in view: no horizontal scrolling, the page inside the viewport."""
    view = dialog.findChild(QScrollArea)
    assert view is not None
    QApplication.processEvents()
    assert view.horizontalScrollBar().maximum() == 0, (view.widget().width(), view.viewport().width())
    page = next(w for w in view.widget().findChildren(QLabel) if not w.pixmap().isNull())
    assert page.pixmap().width() <= view.viewport().width()


def test_days_list_opens_zoomed_to_the_width(qtbot: QtBot, ui_ctx: UiContext, prompts: object) -> None:
    dialog = _open_preview(qtbot, ui_ctx)
    assert dialog.width() >= 1300 and dialog.height() >= 700  # nearly the 1366×768 window it belongs to
    _fits(dialog)
    assert dialog.page_width() >= 1200  # zoomed to the room there is, not shrunk to a stamp
    dialog.grab().save("/tmp/h16-day-list-preview.png")
    dialog.resize(900, 650)  # the officer makes it smaller: the page follows
    qtbot.waitUntil(lambda: dialog.page_width() < 900, timeout=2000)
    _fits(dialog)
    dialog.close()
