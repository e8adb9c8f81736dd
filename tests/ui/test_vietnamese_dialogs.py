"""Qt's own dialogs speak Vietnamese: every standard dialog the app opens, as the app opens it, shows
no English label (buttons, labels, titles, tooltips, column headers, context menus).

The dialogs are opened through the same calls the app makes (``Prompts``, the scan bar's import
chooser, the scanner-folder chooser, the register's Excel chooser), answered by a script that
reads the dialog on screen and then presses a button, as an officer would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui.prompts import Prompts

ROOT = Path(__file__).resolve().parents[2]

# Words of Qt's English texts for these dialogs (and the calendar's month and day names). A shown
# text containing one of them is English left on screen. Vietnamese words that happen to be ASCII
# ("In" = print) are not listed.
ENGLISH = set(
    """
    yes no ok cancel save open close apply reset help abort retry ignore discard all restore
    defaults look file files name type kind size date modified folder directory directories parent
    back forward go detail list view create new delete rename remove show hidden sidebar places
    recent bookmarks computer my drive shortcut alias unknown choose details hide about undo redo
    cut copy paste select link location step up down insert control character print printer
    properties options preview page pages setup layout orientation portrait landscape paper source
    margins width height custom copies collate color grayscale duplex double sided binding long
    short side reverse range current selection output settings local write from even odd sheet order
    per set automatic advanced job priority billing banner scheduled immediately fit zoom first last
    next previous facing overview single export scroll here edge top bottom left right enter value
    warning information critical error january february march april may june july august september
    october november december monday tuesday wednesday thursday friday saturday sunday mon tue wed
    thu fri sat sun
    """.split()  # noqa: SIM905 - a word list, wrapped
)
KEYS = re.compile(r"\b(Ctrl|Shift|Alt|Esc|Del|F\d{1,2})(\+\S+)?")


def english_words(text: str) -> list[str]:
    """The English words of ``text`` (mnemonic ``&``, the shortcut after a tab and key names removed)."""
    shown = KEYS.sub(" ", text.split("\t")[0].replace("&", ""))
    return [w for w in re.findall(r"[^\W\d_]+", shown) if w.lower() in ENGLISH]


def shown_texts(dialog: QWidget) -> list[str]:
    """Every text the dialog shows or can show at once: title, labels, buttons, tooltips, group and
    tab titles, drop-down items, column headers (of the visible views and of the file dialog's
    detail view, one click away), widget actions."""
    texts = [dialog.windowTitle()]
    for widget in [dialog, *dialog.findChildren(QWidget)]:
        if not widget.isVisibleTo(dialog) and not isinstance(widget, QAbstractItemView):
            continue
        texts += [widget.toolTip(), widget.accessibleName()]
        texts += [t for a in widget.actions() for t in (a.text(), a.toolTip())]
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QComboBox) and not widget.isEditable():
            texts += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            texts += [str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(model.columnCount())]
    return [t for t in texts if t and not Path(t).is_absolute()]  # folder paths are the user's, not Qt's


def assert_vietnamese(texts: list[str], where: str) -> None:
    english = {t: english_words(t) for t in texts if english_words(t)}
    assert not english, f"English left in {where}: {english}"


class ModalScript:
    """Answers the modal dialogs that open, in order: each step gets the dialog on screen.

    A step that fails closes its dialog and the error is raised by :meth:`check`; a dialog still
    unanswered after ``timeout_ms`` is closed so the test cannot hang.
    """

    def __init__(self, *steps: Callable[[QWidget], None], timeout_ms: int = 15000) -> None:
        self.steps: list[Callable[[QWidget], None]] = list(steps)
        self.done: list[QWidget] = []
        self.errors: list[BaseException] = []
        self._ticks_left = timeout_ms // 20
        self._timer = QTimer()
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        self._ticks_left -= 1
        dialog = QApplication.activeModalWidget() or QApplication.activePopupWidget()
        if self._ticks_left <= 0:
            self.errors.append(TimeoutError(f"still waiting with {len(self.steps)} step(s) left"))
            self._timer.stop()
            if dialog is not None:
                dialog.close()
            return
        if dialog is None or not dialog.isVisible() or any(dialog is d for d in self.done) or not self.steps:
            return
        self.done.append(dialog)
        step = self.steps.pop(0)
        try:
            step(dialog)
        except Exception as exc:
            self.errors.append(exc)
            dialog.close()

    def check(self) -> None:
        """Stop; raise the first step's error, or complain about steps never reached."""
        self._timer.stop()
        if self.errors:
            raise self.errors[0]
        assert not self.steps, f"{len(self.steps)} dialog(s) never opened"


def later(fn: Callable[[], object]) -> None:
    """Run ``fn`` once the current step has returned (a click that opens a nested dialog)."""
    QTimer.singleShot(0, fn)


@pytest.fixture
def vietnamese(qapp: QApplication) -> Iterator[None]:
    """Qt texts and locale as the app sets them at start (removed afterwards)."""
    from ui.i18n import install_vietnamese

    before = QLocale()
    translator = install_vietnamese(qapp)
    assert translator is not None, "resources/i18n/qtbase_vi.qm missing or unreadable"
    yield
    qapp.removeTranslator(translator)
    QLocale.setDefault(before)


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    return widget


def _button(dialog: QWidget, text_part: str) -> QAbstractButton:
    for button in dialog.findChildren(QAbstractButton):
        if text_part in button.text().replace("&", "") and button.isVisible():
            return button
    raise AssertionError(f"no button {text_part!r} in {[b.text() for b in dialog.findChildren(QAbstractButton)]}")


# --- message boxes ------------------------------------------------------------------------------------


def test_confirmation_asks_co_khong_and_no_means_no(vietnamese: None, parent: QWidget) -> None:
    seen: list[str] = []

    def answer(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        seen.extend(shown_texts(box))
        assert {b.text() for b in box.buttons()} == {"&Có", "&Không"}
        box.button(QMessageBox.StandardButton.No).click()

    script = ModalScript(answer)
    answer_given = Prompts().confirm(parent, "Trả kết quả", "Việc này không hoàn tác được. Tiếp tục?")
    script.check()
    assert answer_given is False
    assert_vietnamese(seen, "the confirmation")


def test_confirmation_yes_is_co(vietnamese: None, parent: QWidget) -> None:
    script = ModalScript(lambda box: _button(box, "Có").click())
    assert Prompts().confirm(parent, "Trả kết quả", "Tiếp tục?") is True
    script.check()


def test_error_and_information_boxes_say_dong_y(vietnamese: None, parent: QWidget) -> None:
    seen: list[str] = []

    def read_and_ok(box: QWidget) -> None:
        seen.extend(shown_texts(box))
        assert [b.text() for b in box.findChildren(QPushButton)] == ["Đồng ý"]
        box.findChildren(QPushButton)[0].click()

    script = ModalScript(read_and_ok, read_and_ok)
    Prompts().error(parent, "Không lưu được tệp", "Hãy chọn thư mục khác.")
    QMessageBox.information(parent, "Phím tắt", "F2: tiếp nhận")  # as main_window shows help
    script.check()
    assert_vietnamese(seen, "the error box")


def test_button_box_standard_buttons_are_vietnamese(vietnamese: None, parent: QWidget) -> None:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                           | QDialogButtonBox.StandardButton.Close | QDialogButtonBox.StandardButton.Save,
                           parent)  # fmt: skip
    assert sorted(b.text() for b in box.buttons()) == sorted(["Đồng ý", "Hủy", "Đóng", "Lưu"])


# --- file dialogs -------------------------------------------------------------------------------------


def test_save_pdf_dialog_is_vietnamese_and_asks_before_replacing(
    vietnamese: None, parent: QWidget, tmp_path: Path
) -> None:
    existing = tmp_path / "giay-tiep-nhan-000.00.11.H57-260105-0001.pdf"
    existing.write_bytes(b"%PDF-1.4")
    seen: dict[str, list[str]] = {}

    def read_and_save(dialog: QWidget) -> None:
        assert isinstance(dialog, QFileDialog)
        seen["dialog"] = shown_texts(dialog)
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        assert name is not None and name.text() == existing.name  # the suggested name is proposed
        later(dialog.accept)  # "Lưu" over an existing file: Qt asks first

    def read_replace_question(box: QWidget) -> None:
        seen["replace"] = shown_texts(box)
        assert any("đã có" in t for t in seen["replace"]), seen["replace"]
        _button(box, "Có").click()

    script = ModalScript(read_and_save, read_replace_question)
    path = Prompts().save_pdf_path(parent, str(existing))
    script.check()
    assert path == str(existing)
    assert_vietnamese(seen["dialog"], "the save dialog")
    assert_vietnamese(seen["replace"], "the replace question")
    assert "&Lưu" in seen["dialog"] and "&Tên tệp:" in seen["dialog"] and "&Kiểu tệp:" in seen["dialog"]


def test_import_dialog_of_the_scan_bar_is_vietnamese(vietnamese: None, parent: QWidget) -> None:
    from ui.scanning.scan_bar import choose_files

    seen: list[str] = []

    def read_and_cancel(dialog: QWidget) -> None:
        seen.extend(shown_texts(dialog))
        _button(dialog, "Hủy").click()

    script = ModalScript(read_and_cancel)
    assert choose_files(parent) == []
    script.check()
    assert_vietnamese(seen, "the import dialog")
    assert "&Mở" in seen


def test_folder_and_excel_dialogs_are_vietnamese(vietnamese: None, parent: QWidget, tmp_path: Path) -> None:
    from ui.screens.register import ask_xlsx_path

    seen: list[str] = []

    def read_and_cancel(dialog: QWidget) -> None:
        seen.extend(shown_texts(dialog))
        _button(dialog, "Hủy").click()

    script = ModalScript(read_and_cancel, read_and_cancel)
    QFileDialog.getExistingDirectory(parent, "Thư mục máy quét lưu tệp vào")  # as the scan profiles dialog
    assert ask_xlsx_path(parent, str(tmp_path / "so-theo-doi-ho-so-nam-2026.xlsx")) is None
    script.check()
    assert_vietnamese(seen, "the folder and Excel dialogs")


# --- printing -----------------------------------------------------------------------------------------


def test_print_dialog_is_vietnamese_with_its_options(vietnamese: None, parent: QWidget) -> None:
    seen: list[str] = []

    def read_expand_read_cancel(dialog: QWidget) -> None:
        seen.extend(shown_texts(dialog))
        _button(dialog, ">>").click()  # "Tùy chọn >>": copies, pages, duplex…
        seen.extend(shown_texts(dialog))
        _button(dialog, "Hủy").click()

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    script = ModalScript(read_expand_read_cancel)
    assert Prompts().choose_printer(parent, printer) is False
    script.check()
    assert_vietnamese(seen, "the print dialog")
    assert "&In" in seen and "Số bản:" in seen


# --- editing widgets ----------------------------------------------------------------------------------


def _context_menu_texts(qtbot: QtBot, widget: QWidget) -> list[str]:
    texts: list[str] = []

    def read_and_close(menu: QWidget) -> None:
        assert isinstance(menu, QMenu)
        texts.extend(a.text() for a in menu.actions() if not a.isSeparator())
        menu.close()

    script = ModalScript(read_and_close)
    center = widget.rect().center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, center, widget.mapToGlobal(center))
    QApplication.sendEvent(widget, event)  # line edits pop the menu up and return at once
    qtbot.waitUntil(lambda: not script.steps or bool(script.errors), timeout=15000)
    script.check()
    return texts


@pytest.mark.qt_log_ignore("This plugin does not support")  # an offscreen pop-up menu cannot grab keys
@pytest.mark.parametrize("kind", [QLineEdit, QPlainTextEdit, QSpinBox, QDateEdit])
def test_context_menus_are_vietnamese(qtbot: QtBot, vietnamese: None, parent: QWidget, kind: type[QWidget]) -> None:
    widget = kind(parent)
    if isinstance(widget, QLineEdit):
        widget.setText("Nguyễn Văn A")
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText("Bản sao giấy khai sinh")
    widget.resize(300, 80)
    parent.show()
    target = widget.viewport() if isinstance(widget, QPlainTextEdit) else widget
    texts = _context_menu_texts(qtbot, target)
    assert texts, "no context menu"
    assert_vietnamese(texts, f"the context menu of {kind.__name__}")
    if isinstance(widget, (QLineEdit, QPlainTextEdit)):
        assert {"&Hoàn tác", "&Cắt", "Sao ché&p", "&Dán", "Chọn tất cả"} <= {t.split("\t")[0] for t in texts}


def test_date_popup_calendar_is_vietnamese(vietnamese: None, parent: QWidget) -> None:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)  # as the register and indicator screens
    edit.setDisplayFormat("dd/MM/yyyy")
    calendar = edit.calendarWidget()
    assert isinstance(calendar, QCalendarWidget)
    month_button = [b.text() for b in calendar.findChildren(QAbstractButton)]
    assert_vietnamese(month_button + [calendar.locale().monthName(m) for m in range(1, 13)], "the calendar")
    assert calendar.locale().monthName(1).lower() == "tháng 1"


# --- the app installs it ------------------------------------------------------------------------------


def test_catalogue_covers_the_dialogs_and_is_compiled_from_its_source(tmp_path: Path) -> None:
    """resources/i18n/qtbase_vi.qm is what pyside6-lrelease makes of qtbase_vi.ts today."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_translations.py"), "--check"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_app_installs_the_translation_at_start(tmp_path: Path) -> None:
    """ui.main.run (the composition root) makes Qt speak Vietnamese before any window is built."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\nfrom pathlib import Path\nfrom ui.main import run\n"
        f"rc = run(Path({str(tmp_path)!r}), smoke_test=True)\n"
        "from PySide6.QtCore import QCoreApplication, QLocale\n"
        "print('yes:', QCoreApplication.translate('QPlatformTheme', '&Yes'))\n"
        "print('locale:', QLocale().name())\n"
        "sys.exit(rc)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "yes: &Có" in result.stdout and "locale: vi_VN" in result.stdout, result.stdout
    assert "hộp thoại Qt bằng tiếng Việt" in result.stdout, result.stdout
