"""Sync in the GUI: status bar, outbox screen with Retry, exit warning, login and enrolment dialogs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.domain.catalog import Catalog
from app.services.drafts import Changes
from app.services.office import load_calendar, this_device
from app.sync.client import enrol_this_pc
from tests.conftest import NOW
from tests.sync_support import Counter, FakeServer, MemoryKeyring, keyring_backend
from tests.ui.conftest import ScriptedPrompts
from ui.actions import ActionId
from ui.changes import ChangeBus
from ui.context import UiContext
from ui.main_window import MainWindow
from ui.ops import OpRunner
from ui.screens.enrol import EnrolDialog
from ui.screens.login import LoginDialog
from ui.screens.outbox import COL_ATTEMPTS, COL_ERROR, COL_STATE, OutboxDialog
from ui.sync_runner import SyncRunner

WAIT_MS = 15_000


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[None]:
    with keyring_backend(MemoryKeyring()):
        yield


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def pc(server: FakeServer, tmp_path: Path, template_db: Path) -> Counter:
    return Counter.enrol(tmp_path / "pc", template_db, server.new_enrol_code(), "Quầy số 01", http=server.transport())


@pytest.fixture
def desk(
    qtbot: QtBot, pc: Counter, catalog: Catalog, prompts: ScriptedPrompts
) -> Iterator[tuple[MainWindow, SyncRunner]]:
    with pc.factory() as s:
        office, calendar = this_device(s), load_calendar(s)
    assert office is not None
    runner = OpRunner(pc.factory)
    ctx = UiContext(pc.factory, runner, ChangeBus(), catalog, calendar, office, pc.actor, prompts, clock=lambda: NOW)
    sync = SyncRunner(pc.engine(), pc.factory, long_poll=False)
    window = MainWindow(ctx, sync)
    qtbot.addWidget(window)
    sync.start()
    window.show()
    yield window, sync
    sync.stop()
    runner.wait()


def receive_at_counter(window: MainWindow, pc: Counter, catalog: Catalog) -> None:
    summary = pc.receive(catalog)
    window._ctx.bus.publish(Changes(frozenset({summary.uid})), window.reception)


def test_status_bar_shows_online_offline_pending_and_last_sync(
    qtbot: QtBot, desk: tuple[MainWindow, SyncRunner], pc: Counter, server: FakeServer, catalog: Catalog
) -> None:
    window, _sync = desk
    qtbot.waitUntil(lambda: window.pending.text().startswith("Đã đồng bộ lúc"), timeout=WAIT_MS)
    assert "Trực tuyến" in window.online.text()
    server.offline = True
    receive_at_counter(window, pc, catalog)  # a local write triggers a pass at once
    qtbot.waitUntil(lambda: "Mất kết nối máy chủ – 1 sự kiện chờ gửi" in window.pending.text(), timeout=WAIT_MS)
    assert "Ngoại tuyến" in window.online.text()
    assert "ConnectError" in window.pending.toolTip()
    assert not window.clock.isVisible()


def test_outbox_screen_lists_unsent_items_and_retry_sends_them(
    qtbot: QtBot, desk: tuple[MainWindow, SyncRunner], pc: Counter, server: FakeServer, catalog: Catalog
) -> None:
    window, _sync = desk
    qtbot.waitUntil(lambda: window.pending.text().startswith("Đã đồng bộ"), timeout=WAIT_MS)
    server.offline = True
    receive_at_counter(window, pc, catalog)
    qtbot.waitUntil(lambda: "Mất kết nối máy chủ – 1 sự kiện chờ gửi" in window.pending.text(), timeout=WAIT_MS)
    window.actions_[ActionId.SYNC_QUEUE].trigger()
    dialog = window._outbox
    assert isinstance(dialog, OutboxDialog) and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=WAIT_MS)
    model = dialog.model
    assert model.index(0, COL_STATE).data() == "Chờ gửi"
    assert model.index(0, COL_ATTEMPTS).data().startswith("1")
    assert "Mất kết nối" in model.index(0, COL_ERROR).data()
    assert "Mất kết nối" in dialog.summary.text()
    assert (
        dialog.codes.text() == "Số hồ sơ còn cho ngày 23/11/2026: 199 số máy chủ cấp, 50 số dự phòng khi mất kết nối."
    )
    server.offline = False  # the network is back; the back-off would still wait a few seconds
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0 and dialog.empty.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.pending.text().startswith("Đã đồng bộ lúc"), timeout=WAIT_MS)
    assert len(server.changes) == 1


def test_a_rejected_event_is_shown_in_red_and_counted(
    qtbot: QtBot, desk: tuple[MainWindow, SyncRunner], pc: Counter, server: FakeServer, catalog: Catalog
) -> None:
    window, _sync = desk
    qtbot.waitUntil(lambda: window.pending.text().startswith("Đã đồng bộ"), timeout=WAIT_MS)
    server.reject_types.add("dossier.received")
    receive_at_counter(window, pc, catalog)
    qtbot.waitUntil(lambda: "1 bị từ chối (F8)" in window.pending.text(), timeout=WAIT_MS)
    window.show_outbox()
    dialog = window._outbox
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=WAIT_MS)
    assert dialog.model.index(0, COL_STATE).data() == "Bị từ chối – không gửi lại"
    assert dialog.model.index(0, COL_ERROR).data() == "Loại sự kiện không hợp lệ."
    assert dialog.model.index(0, COL_STATE).data(Qt.ItemDataRole.ForegroundRole) is not None
    # The column cuts a long reason; the selected row's error is shown whole under the table.
    assert dialog.detail.isVisible() and dialog.detail.text() == "Lỗi của dòng đang chọn: Loại sự kiện không hợp lệ."


def test_exit_asks_while_events_are_unsent(
    qtbot: QtBot, desk: tuple[MainWindow, SyncRunner], pc: Counter, server: FakeServer, catalog: Catalog,
    prompts: ScriptedPrompts,
) -> None:  # fmt: skip
    window, _sync = desk
    qtbot.waitUntil(lambda: window.pending.text().startswith("Đã đồng bộ"), timeout=WAIT_MS)
    window.close()  # nothing pending: no question
    assert prompts.asked == []
    window.show()
    window._leaving = False
    server.offline = True
    receive_at_counter(window, pc, catalog)
    qtbot.waitUntil(lambda: "Mất kết nối máy chủ – 1 sự kiện chờ gửi" in window.pending.text(), timeout=WAIT_MS)
    prompts.confirm_answer = False
    window.close()
    assert window.isVisible()
    assert "Còn 1 sự kiện chưa gửi lên máy chủ" in prompts.asked[-1][1]
    prompts.confirm_answer = True
    window.close()
    assert not window.isVisible()


def test_a_pc_clock_off_by_more_than_two_minutes_is_warned(
    qtbot: QtBot, desk: tuple[MainWindow, SyncRunner], pc: Counter, server: FakeServer
) -> None:
    window, sync = desk
    qtbot.waitUntil(lambda: window.pending.text().startswith("Đã đồng bộ"), timeout=WAIT_MS)
    assert not window.clock.isVisible()
    server.now = datetime.now(UTC) + timedelta(minutes=7)
    pc.clock[0] = datetime.now(UTC).replace(tzinfo=None)
    sync.retry_now()
    qtbot.waitUntil(window.clock.isVisible, timeout=WAIT_MS)
    assert "Đồng hồ máy tính chậm 7 phút so với máy chủ" in window.clock.text()


def test_login_dialog_logs_in_online_then_offline_without_freezing(
    qtbot: QtBot, pc: Counter, server: FakeServer
) -> None:
    with pc.factory() as s:
        office = this_device(s)
    assert office is not None
    modes: list[bool] = []

    def authenticate(username: str, password: str):  # type: ignore[no-untyped-def]
        actor, online = pc.client.login(pc.factory, username, password)
        modes.append(online)
        return actor

    for offline in (False, True):
        server.offline = offline
        dialog = LoginDialog(office, authenticate, note="Đăng nhập qua máy chủ http://motcua.test.")
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.keyClicks(dialog.username, "canbo")
        qtbot.keyClicks(dialog.password, "sai-mat-khau" if not offline else "matkhau-2026")
        qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
        if not offline:
            qtbot.waitUntil(dialog.error.isVisible, timeout=WAIT_MS)
            assert "Sai tên đăng nhập" in dialog.error.text() and dialog.login_button.isEnabled()
            qtbot.keyClicks(dialog.password, "matkhau-2026")
            qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda d=dialog: d.result() == QDialog.DialogCode.Accepted, timeout=WAIT_MS)  # type: ignore[misc]
        assert dialog.actor is not None and dialog.actor.officer_id == pc.actor.officer_id
    assert modes == [True, False]


def test_enrolment_dialog_enrols_a_standalone_pc(
    qtbot: QtBot, server: FakeServer, tmp_path: Path, factory: object, ui_ctx: UiContext
) -> None:
    def enrol(url: str, code: str, name: str):  # type: ignore[no-untyped-def]
        return enrol_this_pc(tmp_path, factory, url, code, name, http=server.transport())  # type: ignore[arg-type]

    dialog = EnrolDialog(ui_ctx.runner, enrol, "Quầy số 01")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.server_url, "motcua.test")
    qtbot.keyClicks(dialog.code, "SAI-MA-DANG-KY")
    qtbot.mouseClick(dialog.enrol_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible, timeout=WAIT_MS)
    assert "Mã đăng ký máy trạm không đúng" in dialog.error.text()
    dialog.code.clear()
    qtbot.keyClicks(dialog.code, server.new_enrol_code())
    with qtbot.waitSignal(dialog.enrolled, timeout=WAIT_MS) as signal:
        qtbot.mouseClick(dialog.enrol_button, Qt.MouseButton.LeftButton)
    office = signal.args[0]
    assert office.unit_code == server.unit_code and not office.demo
    assert office.device_id in server.devices


def test_status_line_counts_attachment_files_waiting_for_upload(factory) -> None:
    from datetime import datetime

    from app.sync.state import SyncStatus, read_status
    from ui.sync_runner import SyncView, status_line

    done = datetime(2026, 11, 22, 2, 42)
    st = SyncStatus(True, 0, 0, last_success_at=done, uploads=2)
    assert status_line(SyncView(st, online=True)).endswith("0 sự kiện chờ gửi, 2 tệp chờ tải lên")
    assert "2 tệp chờ tải lên" in status_line(SyncView(st, online=False))
    assert "tệp" not in status_line(SyncView(SyncStatus(True, 0, 0, last_success_at=done), online=True))
    with factory() as s:  # a fresh store: nothing queued
        assert read_status(s).uploads == 0
