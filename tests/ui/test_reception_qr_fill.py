"""An ID card's QR read into a form the officer has already typed in (issue 15 item 11)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.domain.applicant_kinds import ApplicantKind
from tests.ui.keys import type_text
from tests.ui.test_reception_flow import pick_procedure
from ui.screens.reception import ReceptionScreen

TAKE_CARD, KEEP_TYPED = "Thay bằng thông tin trên thẻ", "Giữ thông tin đã nhập"

QR = "022090001234|012345678|NGUYỄN VĂN AN|01011990|Nam|12 Hàng Bạc, Hoàn Kiếm, Hà Nội|15082021"
# The fourth digit "1" is a woman born in the 1900s; the QR says "Nam".
QR_SEX_MISMATCH = "022190001234|012345678|TRẦN VĂN BÌNH|01011990|Nam|5 Lê Lợi, Hạ Long|15082021"


@pytest.fixture
def screen(qtbot, ui_ctx):
    widget = ReceptionScreen(ui_ctx)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def scan_into(qtbot, screen: ReceptionScreen, field, text: str) -> None:
    """A keyboard-mode scanner types the QR into ``field`` and ends with Enter."""
    field.setFocus()
    type_text(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def questions(prompts) -> list[str]:
    return [text for kind, text in prompts.asked if kind == "choose"]


def test_typed_name_differs_the_officer_keeps_it(qtbot, screen, prompts):
    form = screen.applicant
    type_text(form.full_name, "Nguyễn Văn A")
    type_text(form.birth_date, "1/1/1990")  # the same date written another way: not a change
    prompts.confirm_answer = False  # "Giữ thông tin đã nhập"
    scan_into(qtbot, screen, form.phone, QR)
    [question] = questions(prompts)
    assert "Họ và tên: “Nguyễn Văn A” → “NGUYỄN VĂN AN”" in question
    assert "Ngày sinh" not in question
    assert form.full_name.text() == "Nguyễn Văn A"
    assert form.personal_id.text() == "022090001234"  # empty fields are filled all the same
    assert form.address.text() == "12 Hàng Bạc, Hoàn Kiếm, Hà Nội"
    assert form.sex.currentText() == "Nam"
    assert form.phone.text() == ""  # the scan itself is not left in the field it was typed into
    assert "giữ nguyên thông tin đã nhập ở: Họ và tên" in screen.banner.text()


def test_typed_fields_differ_the_officer_takes_the_card(qtbot, screen, prompts):
    form = screen.applicant
    type_text(form.full_name, "Nguyễn Văn A")
    type_text(form.address, "12 Hàng Bạc")
    prompts.confirm_answer = True  # "Thay bằng thông tin trên thẻ"
    scan_into(qtbot, screen, form.phone, QR)
    [question] = questions(prompts)
    assert "Địa chỉ: “12 Hàng Bạc” → “12 Hàng Bạc, Hoàn Kiếm, Hà Nội”" in question
    assert form.full_name.text() == "NGUYỄN VĂN AN"
    assert form.address.text() == "12 Hàng Bạc, Hoàn Kiếm, Hà Nội"


def test_empty_or_same_fields_fill_without_a_question(qtbot, screen, prompts):
    form = screen.applicant
    scan_into(qtbot, screen, form.full_name, QR)
    assert form.full_name.text() == "NGUYỄN VĂN AN"
    form.phone.clear()
    form.full_name.setText("nguyễn  văn an")  # the same name in other letters and spacing
    scan_into(qtbot, screen, form.phone, QR)
    assert questions(prompts) == []
    assert form.full_name.text() == "NGUYỄN VĂN AN"


def test_a_foreigner_typed_in_is_not_switched_to_a_citizen_without_asking(qtbot, screen, prompts):
    pick_procedure(qtbot, screen, "ly lich tu phap")  # citizens and foreigners
    form = screen.applicant
    assert form.set_kind(ApplicantKind.FOREIGNER)
    type_text(form.passport_no, "C1234567")
    prompts.confirm_answer = False
    scan_into(qtbot, screen, form.phone, QR)
    [question] = questions(prompts)
    assert "Loại người nộp: “Người nước ngoài” → “Công dân Việt Nam”" in question
    assert form.current_kind() is ApplicantKind.FOREIGNER
    assert form.passport_no.text() == "C1234567"


def test_the_real_dialog_names_its_buttons(qtbot, screen):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.prompts import Prompts

    seen: list[list[str]] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append([b.text() for b in box.buttons()])
        next(b for b in box.buttons() if b.text() == KEEP_TYPED).click()

    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, answer)
    assert Prompts().choose(screen, "Tiêu đề", "Câu hỏi?", TAKE_CARD, KEEP_TYPED) is False
    assert sorted(seen[0]) == sorted([TAKE_CARD, KEEP_TYPED])


def test_a_card_that_disagrees_with_itself_is_shown_as_a_warning(qtbot, screen):
    form = screen.applicant
    scan_into(qtbot, screen, form.full_name, QR)
    assert screen.banner.property("tone") == "ok"
    form.reset()
    scan_into(qtbot, screen, form.full_name, QR_SEX_MISMATCH)
    assert form.personal_id.text() == "022190001234"
    assert "Lưu ý" in screen.banner.text()
    assert screen.banner.property("tone") == "warning"  # amber, not the green of a clean read
    window = screen.banner.palette().color(screen.banner.backgroundRole()).name()
    assert window != "#e8f5e9"
    qtbot.wait(20)  # let the layout give the wrapped banner its height before the picture
    screen.grab().save("/tmp/h11-qr-warning.png")
