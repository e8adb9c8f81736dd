"""The handover screen's big counter ("n hồ sơ trong phiếu" / "n mã bị loại") shows both lines whole
at once: it keeps room for two lines, so the second line appearing (a rejected code, or Ctrl+Z bringing
one back) needs no relayout first. A grab taken right after Ctrl+Z cut both lines to one line's
height (/tmp/h13-handover.png, issue 15 leftover)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.services.drafts import DossierSummary
from tests.ui.test_handover_flow import folders, open_handover, scan, scanners, window  # noqa: F401 - fixtures
from ui.main_window import MainWindow
from ui.screens.handover import HandoverScreen


def _whole(screen: HandoverScreen) -> None:
    """The label is as tall as its two lines need, and its layout keeps it so."""
    count = screen.count
    assert "\n" in count.text()
    assert count.height() >= count.sizeHint().height(), (count.height(), count.sizeHint())
    assert count.height() >= 2 * count.fontMetrics().lineSpacing()


def test_counter_shows_its_two_lines_whole(
    qtbot: QtBot,
    window: MainWindow,  # noqa: F811
    folders: dict[str, DossierSummary],  # noqa: F811
) -> None:
    screen = open_handover(qtbot, window)
    an = folders["an"].code
    assert an
    scan(window, an)
    scan(window, "XYZ123")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2 and not screen.busy(), timeout=10000)
    QApplication.processEvents()
    _whole(screen)
    screen.table.setFocus()
    screen.table.selectRow(1)  # the rejected code
    qtbot.keyClick(screen.table, Qt.Key.Key_Delete)
    QApplication.processEvents()
    assert screen.count.text() == "1 hồ sơ trong phiếu"
    qtbot.keyClick(screen.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # back: two lines again
    assert screen.count.text() == "1 hồ sơ trong phiếu\n1 mã bị loại"
    _whole(screen)  # at once, not only after the next pass of the event loop
    window.grab().save("/tmp/h16-handover-count.png")
    QApplication.processEvents()
    _whole(screen)
