"""A whole receipt driven as a counter officer would: keys, a scanned ID card, F9, the slip."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.domain.codes import DOSSIER_CODE_RE
from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.store.models import Dossier, Event
from tests.pdf_tools import decode_barcodes, pdf_text
from tests.ui.keys import type_text
from ui.screens.applicant_form import QR_IDLE_MS
from ui.screens.print_preview import PrintPreviewDialog
from ui.screens.reception import ReceptionScreen

QR = "022190001234|100123456|Nguyễn Thị Thuỳ Dương|15081990|Nữ|Tổ 5, khu 3, Phường Hồng Gai, Tỉnh Quảng Ninh|01022021"


@pytest.fixture
def screen(qtbot, ui_ctx):
    widget = ReceptionScreen(ui_ctx)
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    widget.activateWindow()
    qtbot.waitExposed(widget)
    return widget


def pick_procedure(qtbot, screen: ReceptionScreen, query: str) -> None:
    screen.focus_search()
    type_text(screen.picker.search, query)
    qtbot.keyClick(screen.picker.search, Qt.Key.Key_Return)


def tick_all_by_keyboard(qtbot, screen: ReceptionScreen) -> None:
    checklist = screen.picker.checklist
    for row in range(checklist.count()):
        checklist.setCurrentRow(row)
        qtbot.keyClick(checklist, Qt.Key.Key_Space)


def scan_qr(qtbot, screen: ReceptionScreen, text: str) -> None:
    """A keyboard-mode scanner types the QR into whatever field has focus, then Enter."""
    screen.applicant.full_name.setFocus()
    type_text(screen.applicant.full_name, text)
    qtbot.keyClick(screen.applicant.full_name, Qt.Key.Key_Return)


def preview(qtbot, screen: ReceptionScreen) -> PrintPreviewDialog:
    qtbot.waitUntil(lambda: screen.findChild(PrintPreviewDialog) is not None, timeout=10_000)
    dialog = screen.findChild(PrintPreviewDialog)
    assert dialog is not None
    return dialog


def test_whole_receipt_as_a_user(qtbot, screen, ui_ctx, prompts):
    pick_procedure(qtbot, screen, "cap ban sao trich luc")
    assert screen.picker.procedure is not None and screen.picker.procedure.code == "2.000635"
    assert screen.picker.due.text() == "17 giờ 00, Thứ Hai 23/11/2026"
    assert screen.picker.checklist.hasFocus()
    tick_all_by_keyboard(qtbot, screen)
    assert all(d.submitted for d in screen.picker.documents())

    scan_qr(qtbot, screen, QR)
    assert screen.applicant.full_name.text() == "Nguyễn Thị Thuỳ Dương"
    assert screen.applicant.personal_id.text() == "022190001234"
    assert screen.applicant.birth_date.text() == "15/08/1990"
    assert screen.applicant.sex.currentText() == "Nữ"
    assert screen.applicant.phone.hasFocus()  # next: ask the citizen for a phone number
    type_text(screen.applicant.phone, "0912 345 678")
    qtbot.keyClick(screen.applicant.phone, Qt.Key.Key_F9)

    dialog = preview(qtbot, screen)
    with ui_ctx.factory() as session:
        dossier = session.scalars(select(Dossier)).one()
        event = session.scalars(select(Event)).one()
    assert DOSSIER_CODE_RE.match(dossier.code) and dossier.code == "000.01.00.H49-261123-0001"
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.applicant_name == "Nguyễn Thị Thuỳ Dương" and dossier.phone == "0912345678"
    assert event.type == EventType.RECEIVED and event.officer_name == ui_ctx.actor.full_name
    assert dossier.code in screen.banner.text()
    assert screen.applicant.full_name.text() == ""  # ready for the next citizen

    pdf = dialog._form.pdf
    text = pdf_text(pdf)
    assert len(text) == 2
    assert "Liên 1: Lưu" in text[0] and "Liên 2: Giao khách hàng" in text[1]
    for page in text:
        assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in page
        assert "Nguyễn Thị Thuỳ Dương" in page and dossier.code in page
    for page in decode_barcodes(pdf):
        assert sorted(fmt for fmt, _ in page) == ["Code128", "QRCode"]
        assert {value for _, value in page} == {dossier.code}

    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = Path(prompts.save_path)
    qtbot.waitUntil(saved.exists)
    assert saved.read_bytes() == pdf

    def printed() -> bool:
        with ui_ctx.factory() as session:
            return session.scalars(select(Event).where(Event.type == EventType.FORM_PRINTED)).first() is not None

    qtbot.waitUntil(printed)
    dialog.close()


def test_bad_input_keeps_everything_typed_and_stores_nothing(qtbot, screen, ui_ctx):
    pick_procedure(qtbot, screen, "cap ban sao trich luc")
    tick_all_by_keyboard(qtbot, screen)
    type_text(screen.applicant.full_name, "Lê Văn Tám")
    type_text(screen.applicant.personal_id, "02209000123")  # 11 digits
    type_text(screen.applicant.address, "Phường Cao Xanh, Quảng Ninh")
    type_text(screen.applicant.email, "tam@")
    qtbot.keyClick(screen.applicant.email, Qt.Key.Key_F9)
    errors = screen.applicant.errors
    assert errors["personal_id"].isVisible() and "12 chữ số" in errors["personal_id"].text()
    assert errors["email"].isVisible()
    assert not errors["full_name"].isVisible()
    assert screen.applicant.personal_id.hasFocus()  # the first wrong field
    assert screen.applicant.full_name.text() == "Lê Văn Tám"
    assert screen.applicant.address.text() == "Phường Cao Xanh, Quảng Ninh"
    with ui_ctx.factory() as session:
        assert session.scalars(select(Dossier)).first() is None


def test_missing_required_document_blocks_receipt_and_says_which(qtbot, screen, ui_ctx):
    pick_procedure(qtbot, screen, "cap ban sao trich luc")
    scan_qr(qtbot, screen, QR)
    qtbot.keyClick(screen.applicant.phone, Qt.Key.Key_F9)
    assert screen.picker.checklist_error.isVisible()
    assert screen.picker.documents()[0].name in screen.picker.checklist_error.text()
    assert screen.applicant.full_name.text() == "Nguyễn Thị Thuỳ Dương"
    with ui_ctx.factory() as session:
        assert session.scalars(select(Dossier)).first() is None


def test_garbage_scan_gives_a_message_and_keeps_the_field(qtbot, screen):
    type_text(screen.applicant.address, "Số 5 ")
    screen.applicant.address.setFocus()
    type_text(screen.applicant.address, "abc|def|||")
    qtbot.keyClick(screen.applicant.address, Qt.Key.Key_Return)
    assert screen.banner.isVisible() and "QR" in screen.banner.text()
    assert screen.applicant.address.text() == "Số 5 "


def test_scan_without_enter_is_taken_after_the_scanner_pauses(qtbot, screen):
    screen.applicant.phone.setFocus()
    type_text(screen.applicant.phone, QR)
    qtbot.wait(QR_IDLE_MS * 3)  # the scanner's burst is over: nothing more arrives
    assert screen.applicant.personal_id.text() == "022190001234"
    assert screen.applicant.phone.text() == ""


def test_supplement_request_prints_form_02(qtbot, screen, ui_ctx):
    pick_procedure(qtbot, screen, "cap ban sao trich luc")
    scan_qr(qtbot, screen, QR)
    qtbot.keyClick(screen.applicant.phone, Qt.Key.Key_F10)
    dialog = screen.supplement_dialog
    assert dialog.isVisible()
    assert screen.picker.documents()[0].name in dialog.items.toPlainText()  # pre-filled
    type_text(dialog.reason, "Thiếu tờ khai theo mẫu")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    form = preview(qtbot, screen)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in pdf_text(form._form.pdf)[0]
    with ui_ctx.factory() as session:
        dossier = session.scalars(select(Dossier)).one()
    assert dossier.status == DossierStatus.SUPPLEMENT_REQUESTED and dossier.code is None
    assert dossier.data["reason"] == "Thiếu tờ khai theo mẫu"
    form.close()


def test_refusal_needs_a_reason_and_prints_form_03(qtbot, screen, ui_ctx):
    pick_procedure(qtbot, screen, "khai sinh")
    scan_qr(qtbot, screen, QR)
    qtbot.keyClick(screen.applicant.phone, Qt.Key.Key_F11)
    dialog = screen.refusal_dialog
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible() and dialog.error.isVisible()  # no reason yet
    type_text(dialog.reason, "Không thuộc thẩm quyền giải quyết")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    form = preview(qtbot, screen)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in pdf_text(form._form.pdf)[0]
    form.close()
    assert QApplication.activeModalWidget() is None or not QApplication.activeModalWidget().isVisible()
