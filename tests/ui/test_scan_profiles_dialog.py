"""Cài đặt máy quét tài liệu: a named profile saved for the device found, offered at once by the
scan session; bad eSCL addresses and missing folders refused in Vietnamese; connections saved."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.scanning.model import ColorMode, PaperSource, ScanSettings
from tests.ui.keys import type_text
from tests.ui.scan_fakes import FAKE_DEVICE, FakeDevices, FakeScanner
from tests.ui.test_dossier_list import person, receive
from ui.context import UiContext
from ui.scanning.profiles_dialog import ScanProfilesDialog
from ui.scanning.session import ScanSessionDialog

SHOTS = Path("/tmp/shots")


def open_dialog(qtbot: QtBot, ctx: UiContext) -> ScanProfilesDialog:
    dialog = ScanProfilesDialog(ctx, devices=FakeDevices(FakeScanner()))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded)
    return dialog


def test_save_a_profile_and_scan_with_it(qtbot: QtBot, ui_ctx: UiContext) -> None:
    from app.scanning.profiles import last_profile_name, load_profiles

    dialog = open_dialog(qtbot, ui_ctx)
    assert dialog.banner.text() == "Tìm thấy 1 máy quét."
    assert dialog.list.count() >= 1  # the default profiles
    dialog.name.clear()
    dialog.save_button.click()
    assert dialog.name_error.text() == "Nhập tên cấu hình."
    type_text(dialog.name, "Xám 200 dpi hai mặt – quầy 2")
    dialog.device.setCurrentIndex(dialog.device.findData(FAKE_DEVICE.id))
    dialog.resolution.setCurrentIndex(dialog.resolution.findData(200))
    dialog.color.setCurrentIndex(dialog.color.findData(ColorMode.GRAY))
    dialog.source.setCurrentIndex(dialog.source.findData(PaperSource.FEEDER_DUPLEX))
    qtbot.keyClick(dialog.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.banner.text() == "Đã lưu cấu hình “Xám 200 dpi hai mặt – quầy 2”.")
    assert dialog.name_error.text() == ""
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "scan_profiles.png"))
    with ui_ctx.factory() as session:
        saved = {p.name: p for p in load_profiles(session)}
    mine = saved["Xám 200 dpi hai mặt – quầy 2"]
    assert mine.device_id == FAKE_DEVICE.id
    assert mine.settings == ScanSettings(200, ColorMode.GRAY, PaperSource.FEEDER_DUPLEX)

    # The scan session offers it; choosing it is remembered for this counter and used for the scan.
    ui_ctx.blobs = None  # type: ignore[attr-defined]
    dossier = receive(ui_ctx, person("Nguyễn Văn An"))
    scanner = FakeScanner()
    scan = ScanSessionDialog(ui_ctx, dossier.uid, devices=FakeDevices(scanner))
    qtbot.addWidget(scan)
    scan.show()
    qtbot.waitUntil(lambda: scan.bar.setup is not None)
    combo = scan.bar.profile_combo
    index = combo.findText("Xám 200 dpi hai mặt – quầy 2")
    assert index >= 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    scan.scan()
    qtbot.waitUntil(lambda: bool(scanner.scans) and not scan.bar.busy)
    assert scanner.scans[-1] == ScanSettings(200, ColorMode.GRAY, PaperSource.FEEDER_DUPLEX)
    ui_ctx.runner.wait()
    with ui_ctx.factory() as session:
        assert last_profile_name(session) == "Xám 200 dpi hai mặt – quầy 2"


def test_network_scanners_and_watched_folders(qtbot: QtBot, ui_ctx: UiContext, tmp_path: Path) -> None:
    from app.scanning.profiles import load_scanner_config

    dialog = open_dialog(qtbot, ui_ctx)
    dialog.urls.setPlainText("may quet tang 2")
    dialog.save_it_button.click()
    assert dialog.it_error.text() == "Địa chỉ “may quet tang 2” không hợp lệ: cần dạng http://192.168.1.50/eSCL"
    dialog.urls.setPlainText("http://192.168.1.50/eSCL")
    dialog.folders.setPlainText(str(tmp_path / "khong-co"))
    dialog.save_it_button.click()
    assert "không tồn tại" in dialog.it_error.text()
    inbox = tmp_path / "may-quet"
    inbox.mkdir()
    dialog.folders.setPlainText(str(inbox))
    dialog.save_it_button.click()
    assert dialog.it_error.text() == ""
    ui_ctx.runner.wait()
    with ui_ctx.factory() as session:
        config = load_scanner_config(session)
    assert config.escl_urls == ["http://192.168.1.50/eSCL"]
    assert [Path(f) for f in config.watched_folders] == [inbox]
    qtbot.waitUntil(lambda: dialog.refresh_button.isEnabled())


def test_delete_a_profile_asks(qtbot: QtBot, ui_ctx: UiContext, prompts: object) -> None:
    from app.scanning.profiles import load_profiles

    dialog = open_dialog(qtbot, ui_ctx)
    first = dialog.profiles[0].name
    count = dialog.list.count()
    dialog.list.setCurrentRow(0)
    prompts.confirm_answer = False  # type: ignore[attr-defined]
    dialog.delete_button.click()
    assert dialog.list.count() == count
    prompts.confirm_answer = True  # type: ignore[attr-defined]
    dialog.delete_button.click()
    qtbot.waitUntil(lambda: dialog.list.count() == count - 1)
    with ui_ctx.factory() as session:
        assert first not in [p.name for p in load_profiles(session)]
