"""Main window: who is logged in where, tabs by keyboard, the dossier list built on first use."""

from __future__ import annotations

from ui.actions import ActionId
from ui.main_window import MainWindow


def test_window_shows_officer_counter_office_and_switches_tabs(qtbot, ui_ctx):
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    assert ui_ctx.actor.full_name in window.who.text()
    assert ui_ctx.office.counter_name in window.who.text()
    assert ui_ctx.office.name in window.windowTitle()
    assert window.tabs.currentWidget() is window.reception
    assert window._dossiers is None
    find, new = window.actions_[ActionId.FIND_DOSSIER], window.actions_[ActionId.NEW_RECEPTION]
    assert find.shortcut().toString() == "F6" and new.shortcut().toString() == "F5"
    find.trigger()
    current = window.tabs.currentWidget()
    assert current is window.dossiers
    qtbot.waitUntil(window.dossiers.search_edit.hasFocus)
    new.trigger()
    assert window.tabs.currentWidget() is window.reception
    window.tabs.setCurrentIndex(1)
    assert window.tabs.currentWidget() is window.dossiers
    assert window.tabs.count() == 5  # the dossier list replaced its placeholder (then Bàn giao, Nhận, Vị trí)
    qtbot.waitUntil(lambda: "Chưa đồng bộ: 0" in window.pending.text())
