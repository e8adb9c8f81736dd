"""The supervision workspace (F3) driven as a supervisor: queues, filter, sort, Enter, live counts."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.domain.catalog import Catalog
from app.services.context import Role
from app.services.office import load_calendar, this_device
from app.services.queues import QueueId
from tests.app.test_queues import T, _office
from tests.conftest import NOW
from tests.sync_support import Counter, FakeServer, MemoryKeyring, keyring_backend
from tests.ui.conftest import ScriptedPrompts
from ui.actions import ActionId
from ui.changes import ChangeBus
from ui.context import UiContext
from ui.main_window import MainWindow
from ui.models.queue_table import COL_CODE, COL_DUE, COL_TIME, UID_ROLE
from ui.ops import OpRunner
from ui.screens.dossier_detail import DossierDetailDialog
from ui.screens.supervision import SupervisionScreen
from ui.screens.supervision_tab import TAB_LABEL
from ui.sync_runner import SyncRunner

WAIT_MS = 15_000


def _tab_labels(window: MainWindow) -> list[str]:
    return [window.tabs.tabText(i) for i in range(window.tabs.count())]


def _screen(window: MainWindow) -> SupervisionScreen:
    tab = window.supervision_tab
    assert tab is not None
    screen = tab.content
    assert isinstance(screen, SupervisionScreen)
    return screen


def _column(screen: SupervisionScreen, col: int, role: int = Qt.ItemDataRole.DisplayRole) -> list[object]:
    proxy = screen.proxy
    return [proxy.index(r, col).data(role) for r in range(proxy.rowCount())]


@pytest.fixture
def supervisor_ctx(ui_ctx: UiContext) -> UiContext:
    actor = dataclasses.replace(ui_ctx.actor, role=Role.SUPERVISOR)
    return dataclasses.replace(ui_ctx, actor=actor, clock=lambda: T)


def test_an_officer_has_no_supervision_tab(qtbot: QtBot, ui_ctx: UiContext) -> None:
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    assert TAB_LABEL not in _tab_labels(window)
    assert window.supervision_tab is None
    assert not window.actions_[ActionId.SUPERVISION].isEnabled()


def test_a_supervisor_opens_a_queue_filters_sorts_and_opens_a_dossier(
    qtbot: QtBot, supervisor_ctx: UiContext, factory, catalog: Catalog
) -> None:
    d = _office(factory, supervisor_ctx.actor, catalog)
    window = MainWindow(supervisor_ctx)
    qtbot.addWidget(window)
    window.show()
    assert TAB_LABEL in _tab_labels(window)
    window.activateWindow()  # the offscreen platform does not activate new windows by itself
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F3)
    assert window.tabs.currentWidget() is window.supervision_tab
    screen = _screen(window)
    qtbot.waitUntil(lambda: screen.loaded, timeout=WAIT_MS)
    # The counts hand-checked in tests/app/test_queues.py, and the overdue queue first.
    assert [screen.queue_list.item(i).text() for i in range(screen.queue_list.count())] == [
        "Quá hạn (1)",
        "Sắp đến hạn (0)",
        "Chờ bổ sung (1)",
        "Đang giải quyết (5)",
        "    Bộ phận Tư pháp - Hộ tịch (UBND xã) (4)",
        f"    {catalog.get('1.001612').department.name} (1)",  # type: ignore[union-attr]
        "Chuyển quá lâu (1)",
        "Chờ trả kết quả (1)",
        "Tiếp nhận hôm nay (1)",
    ]
    assert _column(screen, COL_TIME) == ["Quá hạn 0 ngày 3 giờ làm việc"]

    # Open the processing queue by clicking it.
    item = screen.queue_list.item(3)
    rect = screen.queue_list.visualItemRect(item)
    qtbot.mouseClick(screen.queue_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not screen.is_loading and screen.proxy.rowCount() == 5, timeout=WAIT_MS)

    # Sort by due date (header click), latest last; then the other way round.
    header = screen.table.horizontalHeader()
    x = header.sectionViewportPosition(COL_DUE) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    dues = _column(screen, COL_DUE)
    assert dues[0] == "23/11/2026 17:00" and dues[-1] == "30/11/2026 09:30"
    assert dues == sorted(dues, key=lambda s: (s[6:10], s[3:5], s[:2], s[11:]))  # type: ignore[index]
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert _column(screen, COL_DUE)[0] == "30/11/2026 09:30"

    # Filter by department: only the XA-KT dossier stays, counts follow the filter.
    combo = screen.department_combo
    qtbot.waitUntil(lambda: combo.findData("XA-KT") >= 0, timeout=WAIT_MS)
    combo.setFocus()
    combo.setCurrentIndex(combo.findData("XA-KT"))
    qtbot.waitUntil(lambda: not screen.is_loading and screen.proxy.rowCount() == 1, timeout=WAIT_MS)
    assert _column(screen, COL_CODE) == [d["K"].code]
    assert _column(screen, COL_CODE, UID_ROLE) == [d["K"].uid]
    assert screen.count_text(QueueId.OVERDUE) == "Quá hạn (0)"

    # Enter on the row opens the dossier's detail.
    screen.table.setFocus()
    screen.table.selectRow(0)
    qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _open_detail() is not None, timeout=WAIT_MS)
    dialog = _open_detail()
    assert dialog is not None and dialog.uid == d["K"].uid
    dialog.close()


def _open_detail() -> DossierDetailDialog | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, DossierDetailDialog) and w.isVisible():
            return w
    return None


# --- live: a second counter's dossier arrives by sync while the workspace is open -------------------


@pytest.fixture
def memory_keyring() -> Iterator[None]:
    with keyring_backend(MemoryKeyring()):
        yield


def test_a_pull_from_another_counter_changes_the_counts_and_refreshes_the_dossier_list(
    qtbot: QtBot, memory_keyring: None, tmp_path: Path, template_db: Path, catalog: Catalog, prompts: ScriptedPrompts
) -> None:
    server = FakeServer()
    here = Counter.enrol(tmp_path / "a", template_db, server.new_enrol_code(), "Quầy số 01", http=server.transport())
    other = Counter.enrol(tmp_path / "b", template_db, server.new_enrol_code(), "Quầy số 02", http=server.transport())
    with here.factory() as s:
        office, calendar = this_device(s), load_calendar(s)
    assert office is not None
    runner = OpRunner(here.factory)
    actor = dataclasses.replace(here.actor, role=Role.SUPERVISOR)
    ctx = UiContext(here.factory, runner, ChangeBus(), catalog, calendar, office, actor, prompts, clock=lambda: NOW)
    sync = SyncRunner(here.engine(), here.factory, interval_s=0.2, long_poll=False)
    window = MainWindow(ctx, sync)
    qtbot.addWidget(window)
    try:
        sync.start()
        window.show()
        dossiers = window.dossiers  # the search tab, built and showing nothing yet
        window.actions_[ActionId.SUPERVISION].trigger()
        screen = _screen(window)
        qtbot.waitUntil(lambda: screen.loaded and not dossiers.is_searching, timeout=WAIT_MS)
        assert "Tiếp nhận hôm nay (0)" in _lines(screen) and dossiers.model.rowCount() == 0

        received = other.receive(catalog, "Trần Thị Bình", "022190005678")
        assert other.engine().run_once().accepted == 1  # the second counter's event reaches the server

        qtbot.waitUntil(lambda: "Tiếp nhận hôm nay (1)" in _lines(screen), timeout=WAIT_MS)
        assert "Đang giải quyết (1)" in _lines(screen)
        # The bug: the pull published an empty change and the dossier list stayed as it was.
        qtbot.waitUntil(lambda: dossiers.model.rowCount() == 1, timeout=WAIT_MS)
        assert dossiers.model.row_at(0).uid == received.uid
    finally:
        sync.stop()
        runner.wait()


def _lines(screen: SupervisionScreen) -> list[str]:
    return [screen.queue_list.item(i).text() for i in range(screen.queue_list.count())]
