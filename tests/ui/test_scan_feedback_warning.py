"""An ID card QR that fills the applicant but disagrees with itself (the personal ID says a man born
in the 1900s, the card says "Nữ") is amber with "!" in the main window's scan banner, not the green ✓
(issue 15 item 11 leftover); a clean QR stays green."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from pytestqt.qtbot import QtBot

from tests.ui.test_scanner_main_window import QR, dossiers, scan, scanners, store, window  # noqa: F401 - fixtures
from ui.main_window import MainWindow
from ui.scanner.feedback import ERROR_VISIBLE_MS, OK_VISIBLE_MS, WARNING_BG, ScanFeedback
from ui.theme import Tone

# 022090001234: fourth digit 0 = a man born 1900–1999; the card says "Nữ".
WARNED_QR = QR.replace("|Nam|", "|Nữ|")


def background(feedback: ScanFeedback) -> str:
    return feedback.palette().color(QPalette.ColorRole.Window).name()


def test_id_card_with_a_warning_gives_the_amber_banner(qtbot: QtBot, window: MainWindow) -> None:  # noqa: F811
    feedback = window.scan_feedback
    sounds: list[str] = []
    feedback.sound.played.connect(lambda kind, _audible: sounds.append(kind))
    window.reception.applicant.full_name.setFocus()
    qtbot.waitUntil(window.reception.applicant.full_name.hasFocus)
    with qtbot.waitSignal(feedback.shown, timeout=3000) as shown:
        scan(window, WARNED_QR)
    form = window.reception.applicant
    assert form.personal_id.text() == "022090001234" and form.full_name.text() == "Nguyễn Văn An"
    assert shown.args[0] is True  # the applicant was filled: the scan did its job
    assert feedback.tone is Tone.WARNING and feedback.property("tone") == "warning"
    assert "Lưu ý:" in feedback.message and "Nữ" in feedback.message
    assert feedback.isVisible() and sounds == ["error"]  # the buzz: look up and check the card
    assert feedback._hide_timer.interval() == ERROR_VISIBLE_MS  # stays like an error
    qtbot.waitUntil(lambda: background(feedback) == QColor(WARNING_BG).name(), timeout=2000)  # after the flash
    window.resize(1366, 768)
    qtbot.wait(50)
    window.grab().save("/tmp/h16-scan-warning.png")


def test_clean_id_card_stays_green(qtbot: QtBot, window: MainWindow) -> None:  # noqa: F811
    feedback = window.scan_feedback
    window.reception.applicant.full_name.setFocus()
    qtbot.waitUntil(window.reception.applicant.full_name.hasFocus)
    with qtbot.waitSignal(feedback.shown, timeout=3000):
        scan(window, QR)
    assert feedback.tone is Tone.OK and "Lưu ý" not in feedback.message
    assert feedback._hide_timer.interval() == OK_VISIBLE_MS


def test_warning_banner_on_its_own(qtbot: QtBot) -> None:
    feedback = ScanFeedback()
    qtbot.addWidget(feedback)
    feedback.show_warning("Đã điền người nộp. Lưu ý: kiểm tra lại thẻ.")
    assert feedback.ok and feedback.tone is Tone.WARNING and feedback.isVisible()
    assert feedback.sound.requests[-1] == "error"
    feedback.show_ok("Hồ sơ 000.00.00.H49-260101-0001")
    assert feedback.tone is Tone.OK and feedback.sound.requests[-1] == "ok"
    feedback.show_error("Không phải mã hồ sơ.")
    assert not feedback.ok and feedback.tone is Tone.ERROR
