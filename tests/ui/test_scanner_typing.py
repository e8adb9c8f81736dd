"""Typing with real timing while the keyboard-scanner filter listens (issue 15, items 2 and 3).

Every key here is a QKeyEvent stamped as a keyboard stamps it, sent after a real pause
(``qtbot.wait``), so the filter's timers, the file dialog's completer and its directory model run
between keys exactly as they do under an officer's fingers: human speed (60–150 ms per key) and a
fast typist's bursts (35–50 ms), with the default scanner settings and with a slow scanner's
(``max_gap_ms=50``, where a fast typist is as quick as the scanner). Nothing typed may be
reordered or dropped anywhere; scans still work where they are taken.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from itertools import count
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.domain.scan import Scan, ScannerSettings
from ui.context import UiContext
from ui.main_window import MainWindow
from ui.scanner.inputs import ScannerInputs
from ui.scanner.settings import ScannerSettingsStore
from ui.scanner.simulate import KeySender, key_for

_clock = count(50_000_000, 10_000)  # each typing run starts ten seconds after the last

NAME = "Trần Văn Bình"
PERSONAL_ID = "001090001234"

SPEEDS = {
    # name: (gap range in ms, scanner settings on this PC)
    "human-60-150ms": ((60, 150), ScannerSettings(prefix="", suffix="Enter")),
    "fast-35-50ms": ((35, 50), ScannerSettings(prefix="", suffix="Enter")),
    "fast-35-50ms-slow-scanner-pc": ((35, 50), ScannerSettings(prefix="", suffix="Enter", max_gap_ms=50)),
}


def gaps(span: tuple[int, int], seed: int) -> Iterator[int]:
    """Pauses between keys, uniformly spread over ``span`` (reproducible)."""
    rnd = random.Random(seed)
    while True:
        yield rnd.randint(*span)


class Typist:
    """A person at the keyboard: each key after a real pause, stamped with the keyboard's clock."""

    def __init__(self, qtbot: QtBot, window: QWidget, pauses: Iterable[int]) -> None:
        self.qtbot = qtbot
        self.keys = KeySender(window)
        self.pauses = iter(pauses)
        self.ts = next(_clock)
        self.first = True

    def _next_stamp(self) -> int:
        if not self.first:
            pause = next(self.pauses)
            self.qtbot.wait(pause)
            self.ts += pause
        self.first = False
        return self.ts

    def type(self, text: str) -> None:
        for ch in text:
            key, modifiers = key_for(ch)
            self.keys.key(key, ch, self._next_stamp(), modifiers)

    def press(self, key: Qt.Key, text: str = "") -> None:
        self.keys.key(key, text, self._next_stamp())


@pytest.fixture(params=list(SPEEDS))
def speed(request: pytest.FixtureRequest) -> tuple[tuple[int, int], ScannerSettings]:
    return SPEEDS[request.param]


@pytest.fixture
def scanners(tmp_path: Path, speed: tuple[tuple[int, int], ScannerSettings]) -> Iterator[ScannerInputs]:
    store = ScannerSettingsStore(QSettings(str(tmp_path / "scanner.ini"), QSettings.Format.IniFormat))
    store.save(speed[1])
    inputs = ScannerInputs(store)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    inputs.start(app)
    yield inputs
    inputs.stop()


@pytest.fixture
def scans(scanners: ScannerInputs) -> list[Scan]:
    seen: list[Scan] = []
    scanners.scanned.connect(lambda scan, _source: seen.append(scan))
    return seen


@pytest.fixture
def window(qtbot: QtBot, ui_ctx: UiContext, scanners: ScannerInputs) -> MainWindow:
    w = MainWindow(ui_ctx, scanners=scanners)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.activateWindow()
    qtbot.waitActive(w)
    qtbot.waitUntil(w.reception.picker.search.hasFocus)
    return w


def settle(qtbot: QtBot, scanners: ScannerInputs) -> None:
    """Wait until the filter holds nothing back any more."""
    qtbot.waitUntil(lambda: not scanners.wedge.busy, timeout=3000)
    qtbot.wait(20)


def test_reception_name_tab_then_id(
    qtbot: QtBot,
    window: MainWindow,
    scanners: ScannerInputs,
    scans: list[Scan],
    speed: tuple[tuple[int, int], ScannerSettings],
) -> None:
    """Item 2: choose a procedure, click "Họ và tên", type a name, Tab, type the 12-digit ID."""
    screen = window.reception
    qtbot.keyClicks(screen.picker.search, "cap ban sao trich luc")  # type: ignore[no-untyped-call]
    qtbot.keyClick(screen.picker.search, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    procedure = screen.picker.procedure
    assert procedure is not None
    results = [screen.picker.results.item(i).text() for i in range(screen.picker.results.count())]
    form = screen.applicant
    qtbot.mouseClick(form.full_name, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(form.full_name.hasFocus)

    typist = Typist(qtbot, window, gaps(speed[0], seed=2))
    typist.type(NAME)
    typist.press(Qt.Key.Key_Tab, "\t")
    typist.type(PERSONAL_ID)
    settle(qtbot, scanners)

    assert form.full_name.text() == NAME
    assert form.personal_id.text() == PERSONAL_ID
    assert form.personal_id.hasFocus()
    assert screen.picker.procedure is procedure
    assert [screen.picker.results.item(i).text() for i in range(screen.picker.results.count())] == results
    assert scans == []


@pytest.fixture
def folder() -> Iterator[Path]:
    """A short real folder under /tmp, so the file dialog's completer has something to offer."""
    path = Path(tempfile.mkdtemp(prefix="h5-", dir="/tmp"))
    (path / "hoso").mkdir()
    (path / "hop-dong.pdf").write_bytes(b"%PDF-1.4\n")
    yield path
    shutil.rmtree(path, ignore_errors=True)


# The completer's pop-up asks the offscreen platform for what only a real one does.
@pytest.mark.qt_log_ignore("This plugin does not support raise", "This plugin does not support grabbing the keyboard")
def test_save_pdf_file_dialog_gets_the_path_in_order(
    qtbot: QtBot,
    window: MainWindow,
    scanners: ScannerInputs,
    scans: list[Scan],
    folder: Path,
    speed: tuple[tuple[int, int], ScannerSettings],
) -> None:
    """Item 3: a path typed into Qt's own (non-native) save dialog, as the app opens it."""
    dialog = QFileDialog(window, "Lưu thành tệp PDF", str(folder), "Tệp PDF (*.pdf)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.open()
    qtbot.waitExposed(dialog)
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    assert isinstance(edit, QLineEdit)
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    target = f"{folder}/hoso/ho-so-0001.pdf"

    typist = Typist(qtbot, dialog, gaps(speed[0], seed=3))
    typist.type(target)
    settle(qtbot, scanners)
    assert edit.text() == target
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        typist.press(Qt.Key.Key_Return, "\r")
    assert dialog.selectedFiles() == [target]
    assert scans == []


def test_ordinary_field_in_a_dialog(
    qtbot: QtBot,
    window: MainWindow,
    scanners: ScannerInputs,
    scans: list[Scan],
    speed: tuple[tuple[int, int], ScannerSettings],
) -> None:
    """A plain line edit in a modal dialog over the main window: every character, in order."""
    dialog = QDialog(window)
    dialog.setWindowTitle("Lý do từ chối")
    edit = QLineEdit()
    QVBoxLayout(dialog).addWidget(edit)
    dialog.open()
    qtbot.waitExposed(dialog)
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    text = "HS 000.00.00.H49-260213-0001 thiếu bản sao"

    Typist(qtbot, dialog, gaps(speed[0], seed=4)).type(text)
    settle(qtbot, scanners)
    assert edit.text() == text
    assert scans == []
    dialog.close()
