"""Fees driven as an officer does (issue 16): the fee part of the reception form (lines, total, an
exemption that needs its ground, "pay now" with Alt+T), and a payment from the dossier detail
(Ctrl+Shift+F): fields checked, the payment recorded with receipt number 1, the receipt previewed,
the button then disabled with "Đã nộp đủ"."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.domain.events import EventType
from app.store.db import transaction
from app.store.models import Event, FeePayment
from tests.pdf_tools import pdf_text
from tests.ui.keys import type_text
from tests.ui.test_reception_flow import pick_procedure, tick_all_by_keyboard
from tests.ui.test_return_flow import child, open_detail
from ui.context import UiContext
from ui.screens.fee_dialog import FeeDialog, ReceiptPreviewDialog
from ui.screens.reception import ReceptionScreen

PNG = Path(os.environ.get("MOTCUA_PNG_DIR", "")) if os.environ.get("MOTCUA_PNG_DIR") else None


def _save(widget, name: str) -> None:
    if PNG is not None:
        QApplication.processEvents()  # the layout after the last change
        PNG.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(PNG / name))


def _screen(qtbot: QtBot, ctx: UiContext) -> ReceptionScreen:
    screen = ReceptionScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    qtbot.waitExposed(screen)
    screen.windowHandle().requestActivate()  # shortcuts (F9, Alt+T) need the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen, timeout=3000)
    return screen


def _fill_applicant(screen: ReceptionScreen) -> None:
    a = screen.applicant
    type_text(a.full_name, "Nguyễn Văn An")
    type_text(a.personal_id, "022090001234")
    type_text(a.birth_date, "01/01/1990")
    type_text(a.address, "Phường Hồng Gai, Quảng Ninh")


def test_reception_shows_the_lines_and_takes_the_fee_with_its_receipt(qtbot: QtBot, ui_ctx: UiContext) -> None:
    screen = _screen(qtbot, ui_ctx)
    pick_procedure(qtbot, screen, "cap phieu ly lich tu phap")
    assert screen.picker.procedure is not None and screen.picker.procedure.code == "3.000333"
    fees = screen.fees
    assert fees.isVisible() and "Tổng: 200.000 đồng" in fees.total.text()
    assert not fees.ground.isEnabled() and not fees.pay_now.isChecked()
    tick_all_by_keyboard(qtbot, screen)
    _fill_applicant(screen)
    fees.exemption.setFocus()
    qtbot.keyClick(fees.exemption, Qt.Key.Key_Down)  # the priority exemption: half the fee
    assert fees.ground.isEnabled() and "Tổng: 100.000 đồng" in fees.total.text() and "→ miễn" in fees.lines.text()
    qtbot.keyClick(fees.exemption, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)  # Alt+T: take the money now
    assert fees.pay_now.isChecked() and fees.method.isEnabled()
    _save(screen, "reception_fee_part.png")
    qtbot.keyClick(screen.applicant.full_name, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: fees.ground_error.isVisible(), timeout=8000)  # no ground typed: refused, nothing saved
    assert "căn cứ miễn phí, lệ phí" in fees.ground_error.text() and fees.ground.hasFocus()
    with ui_ctx.factory() as s:
        assert s.scalars(select(Event)).all() == []
    type_text(fees.ground, "Thẻ sinh viên số 2026/123")
    assert not fees.ground_error.isVisible()
    qtbot.keyClick(fees.ground, Qt.Key.Key_F9)
    receipt = child(qtbot, screen, ReceiptPreviewDialog)  # type: ignore[arg-type]
    assert isinstance(receipt, ReceiptPreviewDialog)
    with ui_ctx.factory() as s:
        kinds = [e.type for e in s.scalars(select(Event).order_by(Event.device_seq))]
        paid = s.scalars(select(FeePayment)).one()
    assert kinds == [str(EventType.RECEIVED), str(EventType.FEE_PAID)]
    assert (paid.receipt_no, paid.amount, paid.method) == (1, 100_000, "cash")
    text = " ".join(" ".join(pdf_text(receipt._pdf)).split())
    assert "Số: 0000001" in text and "Bằng chữ: Một trăm nghìn đồng" in text


def test_payment_from_the_dossier_detail(qtbot: QtBot, ui_ctx: UiContext) -> None:
    from app.services.office import load_calendar
    from app.services.reception import receive_dossier
    from tests.app.test_reception import draft
    from tests.conftest import NOW

    with transaction(ui_ctx.factory) as s:
        d = receive_dossier(s, ui_ctx.actor, ui_ctx.catalog, load_calendar(s), draft(ui_ctx.catalog, "2.001610"), NOW)[
            0
        ]
    detail = open_detail(qtbot, ui_ctx, d.uid)
    actions = detail.custody_actions
    assert actions.fee_button.isEnabled() and "Chưa nộp 150.000 đồng" in actions.fee_button.toolTip()
    qtbot.keyClick(detail, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = child(qtbot, detail, FeeDialog)
    assert isinstance(dialog, FeeDialog)
    qtbot.waitUntil(lambda: len(dialog.checks) == 2, timeout=5000)
    assert "150.000" in dialog.total.text() and dialog.payer_name.text() == "Nguyễn Văn An"
    dialog.checks[1][0].setChecked(False)  # only the registration fee this time
    assert "50.000" in dialog.total.text()
    dialog.method.setCurrentIndex(1)  # transfer
    dialog.payer_name.clear()
    type_text(dialog.payer_id, "12ab")
    _save(dialog, "fee_dialog.png")
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.errors["payer_name"].isVisible(), timeout=5000)
    assert "họ tên người nộp tiền" in dialog.errors["payer_name"].text()
    assert "12 chữ số" in dialog.errors["payer_id"].text()
    _save(dialog, "fee_dialog_errors.png")
    type_text(dialog.payer_name, "Trần Thị Bình")
    assert not dialog.errors["payer_name"].isVisible()
    dialog.payer_id.clear()
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    receipt = child(qtbot, detail, ReceiptPreviewDialog)
    assert isinstance(receipt, ReceiptPreviewDialog)
    with ui_ctx.factory() as s:
        paid = s.scalars(select(FeePayment)).one()
    assert (paid.receipt_no, paid.amount, paid.method, paid.payer_name) == (1, 50_000, "transfer", "Trần Thị Bình")
    text = " ".join(" ".join(pdf_text(receipt._pdf)).split())
    assert "Bằng chữ: Năm mươi nghìn đồng" in text and "Chuyển khoản" in text
    qtbot.waitUntil(lambda: "Chưa nộp 100.000 đồng" in actions.fee_button.toolTip(), timeout=5000)
    assert "Phí, lệ phí: Chưa nộp 100.000 đồng" in actions.fees.text() and actions.fees.isVisible()
    actions.fee_button.click()  # again: the rest owed, and the first receipt to print again
    again = next(d for d in detail.findChildren(FeeDialog) if d.isVisible() and d is not dialog)
    qtbot.waitUntil(lambda: again.receipts.count() == 1, timeout=5000)
    assert "BL26-0000001: 50.000 đồng, chuyển khoản" in again.receipts.itemText(0)
    _save(again, "fee_dialog_paid.png")
    qtbot.keyClick(again, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: again.findChild(ReceiptPreviewDialog) is not None, timeout=8000)
