"""Column headers sort the dossier list and the custody view; the choice is remembered (issue 15)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from tests.ui.test_dossier_list import person, receive
from ui.context import UiContext
from ui.models.custody_table import COL_APPLICANT as C_APPLICANT
from ui.models.dossier_table import COL_APPLICANT
from ui.models.sorting import SortMemory
from ui.screens.custody import CustodyScreen
from ui.screens.dossier_list import DossierListScreen

NAMES = ("Trần Thị Bình", "Đào Văn Cường", "Nguyễn Văn An", "Âu Thị Dung")
ASCENDING = ["Âu Thị Dung", "Đào Văn Cường", "Nguyễn Văn An", "Trần Thị Bình"]  # accents ignored


def _click_header(qtbot: QtBot, table: QTableView, column: int) -> None:
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def _names(table: QTableView, column: int) -> list[str]:
    model = table.model()
    return [model.index(r, column).data() for r in range(model.rowCount())]


def _memory(tmp_path: Path) -> SortMemory:
    return SortMemory(QSettings(str(tmp_path / "sort.ini"), QSettings.Format.IniFormat))


def _receive_all(ui_ctx: UiContext) -> None:
    for i, name in enumerate(NAMES):
        receive(ui_ctx, person(name, personal_id=f"02209000{i:04d}"))


def test_dossier_list_header_click_sorts_and_is_remembered(qtbot: QtBot, ui_ctx: UiContext, tmp_path: Path) -> None:
    _receive_all(ui_ctx)
    screen = DossierListScreen(ui_ctx, sort_memory=_memory(tmp_path))
    qtbot.addWidget(screen)
    screen.resize(1366, 700)
    screen.show()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 4)
    assert _names(screen.table, COL_APPLICANT) == list(reversed(NAMES))  # newest first, as before
    _click_header(qtbot, screen.table, COL_APPLICANT)
    header = screen.table.horizontalHeader()
    assert header.isSortIndicatorShown() and header.sortIndicatorSection() == COL_APPLICANT
    assert _names(screen.table, COL_APPLICANT) == ASCENDING
    _click_header(qtbot, screen.table, COL_APPLICANT)
    assert _names(screen.table, COL_APPLICANT) == list(reversed(ASCENDING))
    screen.search_edit.setText("van")  # a new search keeps the sort
    qtbot.waitUntil(lambda: not screen.is_searching and screen.model.rowCount() == 2)
    assert _names(screen.table, COL_APPLICANT) == ["Nguyễn Văn An", "Đào Văn Cường"]

    again = DossierListScreen(ui_ctx, sort_memory=_memory(tmp_path))
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.model.rowCount() == 4)
    assert again.table.horizontalHeader().sortIndicatorSection() == COL_APPLICANT
    assert _names(again.table, COL_APPLICANT) == list(reversed(ASCENDING))


def test_selection_follows_the_row_when_sorted(qtbot: QtBot, ui_ctx: UiContext, tmp_path: Path) -> None:
    _receive_all(ui_ctx)
    screen = DossierListScreen(ui_ctx, sort_memory=_memory(tmp_path))
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 4)
    screen.table.selectRow(0)  # the newest: Âu Thị Dung
    _click_header(qtbot, screen.table, COL_APPLICANT)
    assert screen.table.currentIndex().siblingAtColumn(COL_APPLICANT).data() == "Âu Thị Dung"


def test_custody_view_header_click_sorts(qtbot: QtBot, ui_ctx: UiContext, tmp_path: Path) -> None:
    _receive_all(ui_ctx)
    screen = CustodyScreen(ui_ctx, sort_memory=_memory(tmp_path))
    qtbot.addWidget(screen)
    screen.resize(1366, 700)
    screen.show()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 4)
    _click_header(qtbot, screen.table, C_APPLICANT)
    assert screen.table.horizontalHeader().sortIndicatorSection() == C_APPLICANT
    assert _names(screen.table, C_APPLICANT) == ASCENDING
