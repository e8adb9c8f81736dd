"""Scans in the main window: open the dossier, fill the applicant, red signal for the wrong code,
screens that take scans themselves, and the scanner settings dialog with its test area."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from app.domain.scan import Scan, ScanKind, ScannerSettings
from app.services.drafts import DossierSummary
from tests.ui.test_dossier_list import person, receive
from ui.actions import ActionId
from ui.context import UiContext
from ui.main_window import MainWindow
from ui.scanner.feedback import ScanFeedback
from ui.scanner.inputs import ScannerInputs
from ui.scanner.settings import ScannerSettingsStore
from ui.scanner.simulate import KeySender
from ui.screens.dossier_detail import DossierDetailDialog
from ui.screens.scanner_settings import ScannerSettingsDialog

QR = "022090001234|012345678|Nguyễn Văn An|01011990|Nam|12 Hàng Bạc, Hoàn Kiếm, Hà Nội|15082021"
_clock = count(2_000_000, 5_000)  # key timestamps: each scan a few seconds after the last


@pytest.fixture
def store(tmp_path: Path) -> ScannerSettingsStore:
    return ScannerSettingsStore(QSettings(str(tmp_path / "scanner.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def scanners(store: ScannerSettingsStore) -> Iterator[ScannerInputs]:
    store.save(ScannerSettings(prefix="", suffix="Enter"))
    inputs = ScannerInputs(store)
    app = QApplication.instance()
    assert app is not None
    inputs.start(app)
    yield inputs
    inputs.stop()


@pytest.fixture
def dossiers(ui_ctx: UiContext) -> dict[str, DossierSummary]:
    return {
        "an": receive(ui_ctx, person("Nguyễn Văn An")),
        "bich": receive(ui_ctx, person("Trần Thị Bích", "001190004321", "0987654321", "Nữ")),
    }


@pytest.fixture
def window(qtbot: QtBot, ui_ctx: UiContext, scanners: ScannerInputs, dossiers: object) -> Iterator[MainWindow]:
    w = MainWindow(ui_ctx, scanners=scanners)
    qtbot.addWidget(w)
    w.resize(1366, 740)
    w.show()
    w.activateWindow()
    qtbot.waitActive(w)
    qtbot.waitUntil(w.reception.picker.search.hasFocus)
    yield w
    for dialog in w.findChildren(DossierDetailDialog):
        dialog.close()


def scan(window: QWidget, text: str, suffix: str = "Enter") -> None:
    """A scanner typing ``text`` (8 ms per key) into whatever has the focus in ``window``."""
    target = QApplication.activeModalWidget() or window
    KeySender(target).scan(text, next(_clock), suffix=suffix)


def open_detail(qtbot: QtBot, window: MainWindow) -> DossierDetailDialog:
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(DossierDetailDialog)), timeout=5000)
    (dialog,) = [d for d in window.findChildren(DossierDetailDialog) if d.isVisible()]
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=5000)
    return dialog


def test_scanning_a_dossier_code_opens_it_from_the_reception_screen(
    qtbot: QtBot, window: MainWindow, dossiers: dict[str, DossierSummary]
) -> None:
    search = window.reception.picker.search
    search.setText("khai sinh")  # typed before the scan: must stay as it is
    code = dossiers["an"].code
    assert code is not None
    played: list[tuple[str, bool]] = []
    window.scan_feedback.sound.played.connect(lambda kind, audible: played.append((kind, audible)))
    with qtbot.waitSignal(window.scan_router.dossier_opened, timeout=5000) as opened:
        scan(window, code)
    assert opened.args == [dossiers["an"].uid]
    dialog = open_detail(qtbot, window)
    assert dialog.detail is not None and dialog.detail.code == code
    assert window.scan_feedback.isVisible() and window.scan_feedback.ok
    assert code in window.scan_feedback.message and "Nguyễn Văn An" in window.scan_feedback.message
    assert played and played[-1][0] == "ok"
    assert search.text() == "khai sinh"
    window.grab().save(str(Path("/tmp") / "scan_ok_main_window.png"))


def test_next_scan_replaces_the_open_dossier(
    qtbot: QtBot, window: MainWindow, dossiers: dict[str, DossierSummary]
) -> None:
    first, second = dossiers["an"], dossiers["bich"]
    assert first.code and second.code
    scan(window, first.code)
    assert open_detail(qtbot, window).uid == first.uid
    with qtbot.waitSignal(window.scan_router.dossier_opened, timeout=5000) as opened:
        scan(window, second.code.lower())  # a scanner in lower case: still the same code
    assert opened.args == [second.uid]
    qtbot.waitUntil(lambda: len([d for d in window.findChildren(DossierDetailDialog) if d.isVisible()]) == 1)
    assert open_detail(qtbot, window).uid == second.uid


def test_unknown_code_gives_the_red_signal_and_says_what_to_do(qtbot: QtBot, window: MainWindow) -> None:
    sounds: list[str] = []
    window.scan_feedback.sound.played.connect(lambda kind, _audible: sounds.append(kind))
    with qtbot.waitSignal(window.scan_feedback.shown, timeout=3000) as shown:
        scan(window, "8934567890123")
    assert shown.args[0] is False
    assert not window.scan_feedback.ok and window.scan_feedback.isVisible()
    assert "8934567890123" in window.scan_feedback.message and "Quét mã vạch" in window.scan_feedback.message
    assert sounds == ["error"]
    assert not window.findChildren(DossierDetailDialog)
    assert window.reception.picker.search.text() == ""
    window.grab().save("/tmp/scan_error_main_window.png")


def test_well_formed_code_not_on_this_pc(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.scan_feedback.shown, timeout=5000) as shown:
        scan(window, "000.00.00.H49-260101-0999")
    assert shown.args[0] is False
    assert "Không có hồ sơ mã 000.00.00.H49-260101-0999" in window.scan_feedback.message
    assert not window.findChildren(DossierDetailDialog)


def test_label_code128_opens_the_dossier(qtbot: QtBot, window: MainWindow, dossiers: dict[str, DossierSummary]) -> None:
    code = dossiers["bich"].code
    assert code is not None
    with qtbot.waitSignal(window.scan_router.dossier_opened, timeout=5000) as opened:
        scan(window, code.replace(".", "").replace("-", ""))  # what the folder label's Code128 holds
    assert opened.args == [dossiers["bich"].uid]


def test_id_card_qr_fills_the_applicant_on_reception(qtbot: QtBot, window: MainWindow) -> None:
    window.reception.applicant.full_name.setFocus()
    qtbot.waitUntil(window.reception.applicant.full_name.hasFocus)
    scan(window, QR)
    form = window.reception.applicant
    qtbot.waitUntil(lambda: form.personal_id.text() == "022090001234", timeout=3000)
    assert form.full_name.text() == "Nguyễn Văn An"
    assert form.birth_date.text() == "01/01/1990" and form.sex.currentText() == "Nam"
    assert "Hàng Bạc" in form.address.text()
    assert window.scan_feedback.ok and "Nguyễn Văn An" in window.scan_feedback.message
    assert not window.findChildren(DossierDetailDialog)


def test_id_card_qr_on_the_dossier_list_searches_by_personal_id(qtbot: QtBot, window: MainWindow) -> None:
    window.show_dossiers()
    qtbot.waitUntil(window.dossiers.search_edit.hasFocus)
    scan(window, QR)
    qtbot.waitUntil(lambda: window.dossiers.search_edit.text() == "022090001234", timeout=3000)
    assert window.scan_feedback.ok


class HandoverLike(QWidget):
    """A scan-driven screen (engineer E's handover screen follows this protocol)."""

    def __init__(self) -> None:
        super().__init__()
        self.scans: list[Scan] = []
        QLabel("Bàn giao", self)

    def handle_scan(self, scan: Scan, feedback: ScanFeedback) -> bool:
        self.scans.append(scan)
        if scan.kind is ScanKind.DOSSIER:
            feedback.show_ok(f"Đã thêm hồ sơ {scan.value}")
            return True
        return False


def test_a_screen_that_handles_scans_gets_them_first(
    qtbot: QtBot, window: MainWindow, dossiers: dict[str, DossierSummary]
) -> None:
    screen = HandoverLike()
    window.tabs.addTab(screen, "Bàn giao")
    window.tabs.setCurrentWidget(screen)
    code = dossiers["an"].code
    assert code is not None
    scan(window, code)
    qtbot.waitUntil(lambda: len(screen.scans) == 1, timeout=3000)
    assert window.scan_feedback.message == f"Đã thêm hồ sơ {code}"
    qtbot.wait(100)
    assert not window.findChildren(DossierDetailDialog)  # the screen took it: nothing opened
    scan(window, "BG-20261123-0007")  # declined by the screen: the router's default applies
    qtbot.waitUntil(lambda: not window.scan_feedback.ok, timeout=3000)
    assert "biên bản bàn giao" in window.scan_feedback.message


def test_scanner_settings_dialog_test_area_and_saving(
    qtbot: QtBot, window: MainWindow, scanners: ScannerInputs, store: ScannerSettingsStore, dossiers: dict
) -> None:
    window.actions_[ActionId.SCANNER_SETTINGS].trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(ScannerSettingsDialog)), timeout=3000)
    (dialog,) = window.findChildren(ScannerSettingsDialog)
    qtbot.waitUntil(dialog.isVisible)
    dialog.typing.setFocus()
    qtbot.waitUntil(dialog.typing.hasFocus)
    code = dossiers["an"].code
    scan(dialog, code)
    qtbot.waitUntil(lambda: code in dialog.log.toPlainText(), timeout=3000)
    assert "Mã hồ sơ" in dialog.log.toPlainText() and dialog.verdict.isVisible()
    assert dialog.typing.text() == ""  # the scan did not leak into the field
    assert not window.findChildren(DossierDetailDialog)  # the test area keeps scans to itself
    scan(dialog, "XYZ-123456")
    qtbot.waitUntil(lambda: "không phải mã hồ sơ" in dialog.verdict.text(), timeout=3000)
    dialog.grab().save("/tmp/scanner_settings.png")

    dialog.port.setText("COM 3")
    dialog.apply_button.click()
    assert dialog.error.isVisible() and "dấu cách" in dialog.error.text()
    assert store.load().serial_port == ""  # nothing stored while invalid
    dialog.port.setText("")
    dialog.suffix.setCurrentIndex(dialog.suffix.findData("Tab"))
    dialog.prefix.setCurrentIndex(dialog.prefix.findData("F12"))
    dialog.max_gap.setValue(40)
    dialog.save_button.click()
    assert not dialog.isVisible()
    saved = store.load()
    assert (saved.prefix, saved.suffix, saved.max_gap_ms) == ("F12", "Tab", 40)
    assert scanners.wedge.settings == saved
    # The new settings are in force: F12 … Tab is a scan.
    KeySender(window).scan(code, next(_clock), prefix="F12", suffix="Tab", gap=40)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(DossierDetailDialog)), timeout=5000)


def test_settings_store_falls_back_to_defaults_for_bad_values(tmp_path: Path) -> None:
    path = tmp_path / "bad.ini"
    path.write_text("[scanner]\nmax_gap_ms=abc\nmin_length=1\nsuffix=Esc\nbaud_rate=115200\ntiming_fallback=false\n")
    settings = ScannerSettingsStore(QSettings(str(path), QSettings.Format.IniFormat)).load()
    defaults = ScannerSettings()
    assert settings.max_gap_ms == defaults.max_gap_ms and settings.min_length == defaults.min_length
    assert settings.suffix == defaults.suffix
    assert settings.baud_rate == 115200 and settings.timing_fallback is False


def test_logged_out_window_no_longer_reacts(
    qtbot: QtBot, window: MainWindow, scanners: ScannerInputs, dossiers: dict[str, DossierSummary]
) -> None:
    routed: list[str] = []
    window.scan_router.routed.connect(lambda _scan, how: routed.append(how))
    window._leaving = True
    window.close()
    code = dossiers["an"].code
    assert code is not None
    scanners.scanned.emit(Scan(ScanKind.DOSSIER, code, code, ""), "keyboard")
    qtbot.wait(50)
    assert routed == [] and not window.findChildren(DossierDetailDialog)
