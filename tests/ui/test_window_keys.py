"""Main window: the scan banner does not move the screen; the app's F-keys win inside drop-downs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from ui.main_window import MainWindow


def _window(qtbot, ui_ctx) -> MainWindow:
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    return window


def test_scan_banner_does_not_move_the_fields_under_it(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    field = window.reception.return_method
    before = field.mapToGlobal(QPoint(0, 0))
    tabs_before = window.tabs.mapToGlobal(QPoint(0, 0))
    window.scan_feedback.show_error("Mã không phải mã hồ sơ")
    qtbot.waitUntil(window.scan_feedback.isVisible)
    qtbot.wait(50)  # let any layout pass run
    assert field.mapToGlobal(QPoint(0, 0)) == before
    assert window.tabs.mapToGlobal(QPoint(0, 0)) == tabs_before
    banner = window.scan_feedback
    assert banner.height() >= 50 and banner.width() >= window.width() - 20  # still the big banner
    window.scan_feedback.hide()
    assert field.mapToGlobal(QPoint(0, 0)) == before


def test_f4_in_a_drop_down_opens_custody_not_the_list(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    combo = window.reception.return_method
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    qtbot.keyClick(combo, Qt.Key.Key_F4)
    assert window.tabs.currentWidget() is window.custody_tabs.custody
    view = combo.view()
    assert not (view.isVisible() and view.window().isVisible())


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_alt_down_still_opens_the_drop_down(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    combo = window.reception.return_method
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    qtbot.keyClick(combo, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: combo.view().isVisible())
    combo.hidePopup()
    assert window.tabs.currentWidget() is window.reception


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_f4_with_the_drop_down_list_open_closes_it_and_opens_custody(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    combo = window.reception.return_method
    combo.setFocus()
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    qtbot.keyClick(view, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.custody_tabs.custody)
    qtbot.wait(50)
    assert not view.isVisible()  # closed, and not opened again by the key press
