"""Keyboard-mode scanner: key events with real timestamps through the application-wide filter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.domain.scan import Scan, ScanKind, ScannerSettings
from ui.scanner.simulate import KeySender
from ui.scanner.targets import accept_scans, takes_scans
from ui.scanner.wedge import KeyboardWedge

CODE = "000.00.00.H49-260213-0001"
QR = "001099012345|012345678|Nguyễn Văn An|01011999|Nam|12 Hàng Bạc, Hoàn Kiếm, Hà Nội|15082021"
T0 = 1_000_000  # ms; any realistic uptime


class Screen(QWidget):
    """A window with two fields and a button, like any screen of the app (it takes scans)."""

    def __init__(self) -> None:
        super().__init__()
        accept_scans(self)
        self.edit = QLineEdit()
        self.other = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.button = QPushButton("Lưu")
        layout = QVBoxLayout(self)
        for w in (self.edit, self.other, self.password, self.button):
            layout.addWidget(w)
        self.returns = 0
        self.edit.returnPressed.connect(self._on_return)

    def _on_return(self) -> None:
        self.returns += 1


@pytest.fixture
def screen(qtbot: QtBot) -> Screen:
    w = Screen()
    qtbot.addWidget(w)
    w.resize(400, 200)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None or w.isActiveWindow())
    w.edit.setFocus()
    qtbot.waitUntil(w.edit.hasFocus)
    return w


class Wedge:
    """The filter under test, installed on the real QApplication, and what it emitted."""

    def __init__(self, settings: ScannerSettings) -> None:
        self.filter = KeyboardWedge(settings)
        self.scans: list[tuple[Scan, str]] = []
        self.filter.scanned.connect(lambda scan, source: self.scans.append((scan, source)))
        app = QApplication.instance()
        assert app is not None
        self.filter.install(app)

    def configure(self, **changes: object) -> None:
        self.filter.settings = replace(self.filter.settings, **changes)  # type: ignore[arg-type]

    def values(self) -> list[str]:
        return [scan.value for scan, _ in self.scans]


@pytest.fixture
def wedge() -> Iterator[Wedge]:
    w = Wedge(ScannerSettings(prefix="", suffix="", timing_fallback=True))
    yield w
    w.filter.uninstall()


def settle(qtbot: QtBot, wedge: Wedge) -> None:
    """Wait until nothing is held back any more (the filter's timer has decided)."""
    qtbot.waitUntil(lambda: not wedge.filter.busy, timeout=2000)


def test_fast_burst_is_a_scan_and_does_not_reach_the_field(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    keys = KeySender(screen)
    screen.edit.setText("Nguyễn")  # typed earlier: must stay as it is
    keys.scan(CODE, T0, gap=8)
    settle(qtbot, wedge)
    assert wedge.values() == [CODE]
    scan, source = wedge.scans[0]
    assert scan.kind is ScanKind.DOSSIER and source == "keyboard"
    assert screen.edit.text() == "Nguyễn"
    assert wedge.filter.last_finished_at == T0 + 8 * (len(CODE) - 1)


def test_without_suffix_a_whole_dossier_code_is_reported_at_once(screen: Screen, wedge: Wedge) -> None:
    # No waiting for the pause that ends a burst: the code is complete at its 25th key.
    KeySender(screen).scan(CODE, T0)
    assert wedge.values() == [CODE]
    assert not wedge.filter.busy


def test_scanner_at_15_ms_per_key_with_irregular_gaps(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    gaps = [5, 15, 9, 12, 6, 15, 14, 5] * 4
    KeySender(screen).type(CODE, T0, gaps)
    settle(qtbot, wedge)
    assert wedge.values() == [CODE]
    assert screen.edit.text() == ""


def test_human_typing_is_untouched(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    text = "Tran Van Binh 0912345678"
    gaps = [80, 250, 120, 95, 180, 85, 140, 210, 100, 90, 130, 160] * 2
    KeySender(screen).type(text, T0, gaps)
    qtbot.waitUntil(lambda: screen.edit.text() == text, timeout=2000)
    settle(qtbot, wedge)
    assert screen.edit.text() == text
    assert wedge.scans == []


def test_human_key_20_ms_after_a_burst_is_not_swallowed(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    keys = KeySender(screen)
    last = keys.scan(CODE, T0, gap=10)
    keys.type("x", last + 20, 0)  # within the scanner's gap: timing alone would take it
    settle(qtbot, wedge)
    assert wedge.values() == [CODE]
    assert screen.edit.text() == "x"


def test_human_rollover_two_keys_within_10_ms_stays_typing(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    KeySender(screen).type("thanh", T0, [9, 150, 120, 110])  # "th" pressed almost together
    qtbot.waitUntil(lambda: screen.edit.text() == "thanh", timeout=2000)
    assert wedge.scans == []


def test_enter_suffix_ends_the_scan_and_is_not_delivered(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    wedge.configure(suffix="Enter")
    keys = KeySender(screen)
    last = keys.scan(CODE, T0, suffix="Enter")
    assert wedge.values() == [CODE]  # at once, no waiting for a pause
    keys.type("y", last + 20, 0)
    qtbot.waitUntil(lambda: screen.edit.text() == "y", timeout=2000)
    assert screen.returns == 0
    assert wedge.values() == [CODE]


def test_enter_typed_by_a_person_still_works(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    wedge.configure(suffix="Enter")
    keys = KeySender(screen)
    last = keys.type("abc", T0, 150)
    keys.chord("Enter", last + 140)
    qtbot.waitUntil(lambda: screen.returns == 1, timeout=2000)
    assert screen.edit.text() == "abc"
    assert wedge.scans == []


def test_prefix_and_suffix_catch_a_slow_scanner_without_timing(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    wedge.configure(prefix="F12", suffix="Enter", timing_fallback=False)
    keys = KeySender(screen)
    last = keys.scan(CODE, T0, prefix="F12", suffix="Enter", gap=45)  # slower than the timing rule
    assert wedge.values() == [CODE]
    # Without timing, a fast burst that did not start with the prefix is typing.
    keys.type("abcdefgh", last + 500, 8)
    qtbot.waitUntil(lambda: screen.edit.text() == "abcdefgh", timeout=2000)
    assert wedge.values() == [CODE]


def test_ctrl_b_prefix_and_tab_suffix(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    wedge.configure(prefix="Ctrl+B", suffix="Tab")
    KeySender(screen).scan("BG-20261123-0007", T0, prefix="Ctrl+B", suffix="Tab")
    assert [(s.kind, s.value) for s, _ in wedge.scans] == [(ScanKind.BATCH, "20261123-0007")]
    assert screen.edit.hasFocus()  # the Tab did not move the focus
    assert screen.edit.text() == ""


def test_prefix_without_suffix_ends_after_a_pause(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    wedge.configure(prefix="F12", suffix="")
    KeySender(screen).scan(CODE, T0, prefix="F12")
    qtbot.waitUntil(lambda: wedge.values() == [CODE], timeout=2000)
    assert screen.edit.text() == ""


def test_id_card_qr_with_vietnamese_letters(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    wedge.configure(suffix="Enter")
    KeySender(screen).scan(QR, T0, suffix="Enter", gap=6)
    assert len(wedge.scans) == 1
    scan = wedge.scans[0][0]
    assert scan.kind is ScanKind.ID_CARD and scan.id_card is not None
    assert scan.id_card.full_name == "Nguyễn Văn An"
    assert screen.edit.text() == ""


def test_unknown_fast_burst_is_reported_not_typed(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    KeySender(screen).scan("8934567890123", T0)
    settle(qtbot, wedge)
    assert [s.kind for s, _ in wedge.scans] == [ScanKind.UNKNOWN]
    assert screen.edit.text() == ""


def test_input_method_backspace_correction_inside_a_burst(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    # Unikey rewrites a letter by sending Backspace then the composed one, at scanner speed.
    KeySender(screen).type(CODE[:-1] + "x\b" + CODE[-1], T0, 7)
    settle(qtbot, wedge)
    assert wedge.values() == [CODE]
    assert screen.edit.text() == ""


def test_password_field_is_never_scanned(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    screen.password.setFocus()
    qtbot.waitUntil(screen.password.hasFocus)
    KeySender(screen).type("s3cret-pass", T0, 8)
    settle(qtbot, wedge)
    assert screen.password.text() == "s3cret-pass"
    assert wedge.scans == []


def test_human_keys_on_a_button_are_given_back_and_scan_still_caught(
    qtbot: QtBot, screen: Screen, wedge: Wedge
) -> None:
    screen.button.setFocus()
    qtbot.waitUntil(screen.button.hasFocus)
    clicks: list[bool] = []
    screen.button.clicked.connect(lambda: clicks.append(True))
    keys = KeySender(screen)
    keys.key(Qt.Key.Key_Space, " ", T0)  # a person presses Space on the button
    qtbot.waitUntil(lambda: clicks == [True], timeout=2000)
    keys.scan(CODE, T0 + 1000)
    settle(qtbot, wedge)
    assert wedge.values() == [CODE]


def test_keys_without_timestamps_are_never_held(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    qtbot.keyClicks(screen.edit, "000.00.00.H49")  # type: ignore[no-untyped-call]  # QTest stamps every event 0: synthetic input
    assert screen.edit.text() == "000.00.00.H49"
    assert not wedge.filter.busy and wedge.scans == []


def test_uninstalled_wedge_sees_nothing(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    wedge.filter.uninstall()
    KeySender(screen).type("abcdefgh", T0, 8)
    assert screen.edit.text() == "abcdefgh"
    assert wedge.scans == []


def test_filter_follows_the_focus_and_sees_only_that_widget(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    """The filter sits on the focused widget (not the application): other objects' events stay in C++."""
    seen: list[object] = []

    class Spy(KeyboardWedge):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            seen.append(watched)
            return False

    spy = Spy(wedge.filter.settings)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    spy.install(app)
    try:
        screen.button.repaint()
        screen.other.resize(screen.other.width() + 1, screen.other.height())
        screen.edit.repaint()
        QApplication.processEvents()
        assert seen and all(w is screen.edit for w in seen)  # not the button's paint nor the other's resize
        screen.other.setFocus()
        qtbot.waitUntil(screen.other.hasFocus)
        seen.clear()
        KeySender(screen).scan(CODE, T0)  # the wedge under test moved with the focus too
        assert wedge.values() == [CODE] and screen.other.text() == ""
        assert seen and all(w is screen.other for w in seen)
    finally:
        spy.uninstall()


# --- where scans are taken (issue 15, item 3) -----------------------------------------------------


class PlainWindow(QWidget):
    """A window that has not opted in: a stand-in for any dialog or tool window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.edit = QLineEdit()
        QVBoxLayout(self).addWidget(self.edit)


def show_focused(qtbot: QtBot, window: QWidget, edit: QLineEdit) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)


def test_a_window_that_does_not_take_scans_gets_every_key_at_once(qtbot: QtBot, wedge: Wedge) -> None:
    window = PlainWindow()
    qtbot.addWidget(window)
    show_focused(qtbot, window, window.edit)
    keys = KeySender(window)
    for n, ch in enumerate(CODE):  # a scanner's speed, even: nothing is held back
        keys.type(ch, T0 + 8 * n, 0)
        assert window.edit.text() == CODE[: n + 1]
        assert not wedge.filter.busy
    qtbot.wait(100)
    assert wedge.scans == []


def test_a_dialog_does_not_inherit_its_parent_window_s_opt_in(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    dialog = PlainWindow(screen)
    show_focused(qtbot, dialog, dialog.edit)
    KeySender(dialog).type("abc/tmp/xyz 0912345678", T0, 40)
    assert dialog.edit.text() == "abc/tmp/xyz 0912345678"
    qtbot.wait(100)
    assert wedge.scans == [] and screen.edit.text() == ""


def test_a_field_can_opt_out_of_a_window_that_takes_scans(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    accept_scans(screen.other, False)
    screen.other.setFocus()
    qtbot.waitUntil(screen.other.hasFocus)
    KeySender(screen).scan(CODE, T0)
    assert screen.other.text() == CODE
    assert wedge.scans == []


def test_a_dialog_that_handles_scans_takes_them(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    class ScanDialog(PlainWindow):
        def handle_scan(self, scan: Scan, feedback: object) -> bool:
            return True

    dialog = ScanDialog(screen)
    show_focused(qtbot, dialog, dialog.edit)
    KeySender(dialog).scan(CODE, T0)
    assert wedge.values() == [CODE] and dialog.edit.text() == ""


def test_a_file_dialog_never_takes_scans(qtbot: QtBot) -> None:
    dialog = QFileDialog()
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    accept_scans(dialog)  # even by mistake
    qtbot.addWidget(dialog)
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    assert edit is not None and not takes_scans(edit) and not takes_scans(dialog)
    screen = Screen()
    qtbot.addWidget(screen)
    assert takes_scans(screen.edit) and not takes_scans(PlainWindow(screen).edit)


def test_keys_held_in_a_scan_field_arrive_before_a_key_typed_elsewhere(
    qtbot: QtBot, screen: Screen, wedge: Wedge
) -> None:
    dialog = PlainWindow(screen)
    qtbot.addWidget(dialog)
    KeySender(screen).type("ab", T0, 10)  # held: it could be the start of a scan
    assert wedge.filter.busy and screen.edit.text() == ""
    show_focused(qtbot, dialog, dialog.edit)
    KeySender(dialog).type("c", T0 + 15, 0)
    assert screen.edit.text() == "ab" and dialog.edit.text() == "c"
    assert not wedge.filter.busy


# --- never dropped: a fast typist is not a scanner ------------------------------------------------


def test_fast_typist_on_a_slow_scanner_pc_keeps_every_letter(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    wedge.configure(max_gap_ms=50)  # a scanner that needs 50 ms: a fast typist is within it
    text = "Nguyen Van An 0912345678"
    KeySender(screen).type(text, T0, [35, 42, 50, 38, 45, 36, 47, 40] * 3)
    settle(qtbot, wedge)
    assert screen.edit.text() == text
    assert wedge.scans == []


def test_fast_typist_burst_ended_by_enter_gets_its_enter(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    wedge.configure(max_gap_ms=50, suffix="Enter")
    keys = KeySender(screen)
    last = keys.type("0912345678", T0, 40)
    keys.chord("Enter", last + 40)
    settle(qtbot, wedge)
    assert screen.edit.text() == "0912345678" and screen.returns == 1
    assert wedge.scans == []


def test_a_code_at_a_fast_typist_s_speed_is_still_a_scan(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    """A slow scanner (45 ms per key) is recognised by what it reads, when that is one of our codes."""
    wedge.configure(max_gap_ms=50, suffix="Enter")
    KeySender(screen).scan(CODE, T0, suffix="Enter", gap=45)
    assert wedge.values() == [CODE] and screen.edit.text() == ""


def test_after_a_prefix_an_unknown_code_is_still_reported(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    wedge.configure(prefix="F12", suffix="Enter", max_gap_ms=50)
    KeySender(screen).scan("XYZ-123456", T0, prefix="F12", suffix="Enter", gap=40)
    assert [s.kind for s, _ in wedge.scans] == [ScanKind.UNKNOWN]
    assert screen.edit.text() == "" and screen.returns == 0


def test_fast_typist_burst_ended_by_tab_moves_on(qtbot: QtBot, screen: Screen, wedge: Wedge) -> None:
    wedge.configure(max_gap_ms=50, suffix="Tab")
    keys = KeySender(screen)
    last = keys.type("Tran Van Binh", T0, 40)
    keys.chord("Tab", last + 40)
    keys.type("0912", last + 80, 40)
    settle(qtbot, wedge)
    assert screen.edit.text() == "Tran Van Binh" and screen.other.text() == "0912"
    assert screen.other.hasFocus() and wedge.scans == []
