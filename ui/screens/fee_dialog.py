"""Thu phí, lệ phí (Ctrl+Shift+F in the dossier detail): the dossier's fee lines, what is paid and what is
owed, and a payment recorded with its numbered receipt, which then opens in the print preview.

The lines, the exemption and the payments come from app/services/fees.py (worker side); this dialog
only gathers the choice (lines, method, payer) and shows the service's Vietnamese messages at the field.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.fees import PayMethod, format_vnd
from app.errors import UserFacingError, ValidationError
from app.services.fees import FeeState, Payment, PaymentDraft
from ui.context import UiContext
from ui.screens.print_preview import MadePdf, UnloggedPreviewDialog, open_pdf_preview
from ui.screens.step_dialog import field_with_message
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class ReceiptPreviewDialog(UnloggedPreviewDialog):
    """A fee receipt as it will print (its number was taken when the payment was recorded)."""


def render_receipt(session: Session, event_id: str) -> MadePdf:
    """Worker side: the receipt's PDF, numbered "BL26-0000001"."""
    from app.printing import fee_receipt
    from app.services.fee_documents import build_receipt

    data = build_receipt(session, event_id)
    out = io.BytesIO()
    fee_receipt.render(data, out)
    return MadePdf(out.getvalue(), f"{data.series}-{data.number}")


def open_receipt_preview(ctx: UiContext, parent: QWidget, event_id: str) -> None:
    """Render the receipt of one payment off the GUI thread and preview it."""
    open_pdf_preview(ctx, parent, lambda s: render_receipt(s, event_id), ReceiptPreviewDialog,
                     heading="Biên lai thu phí, lệ phí", file_stem="bien-lai-thu-phi",
                     failure="Không in được biên lai")  # fmt: skip


def open_receipts_of(ctx: UiContext, parent: QWidget, uid: str) -> None:
    """Preview the receipts of payments made for dossier ``uid`` (after a reception that took its fees)."""
    from app.services.fees import fee_state

    def show(state: FeeState) -> None:
        if shiboken6.isValid(parent):
            for p in state.payments:
                open_receipt_preview(ctx, parent, p.event_id)

    ctx.runner.run(lambda s: fee_state(s, uid), show, lambda _e: None, write=False)


class FeeDialog(QDialog):
    """The fee lines of one dossier and a payment of the unpaid ones.

    Args:
        ctx: The logged-in session's services.
        uid, code: The dossier.
        payer_name: Proposed payer (the applicant).
    """

    def __init__(self, ctx: UiContext, uid: str, code: str, payer_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self._uid, self._code = ctx, uid, code
        self._state: FeeState | None = None
        self._busy = False
        self.setWindowTitle(f"Thu phí, lệ phí – {code}")
        self.setMinimumWidth(680)
        self.summary = QLabel("Đang tải các khoản phí, lệ phí…")
        self.summary.setWordWrap(True)
        set_role(self.summary, Role.SECTION)
        self.lines_box = QVBoxLayout()
        self.lines_error = QLabel()
        self.total = QLabel()
        self.method = QComboBox()
        for m in PayMethod:
            self.method.addItem(m.label, m.value)
        self.payer_name = QLineEdit(payer_name)
        self.payer_id = QLineEdit()
        self.payer_id.setPlaceholderText("Không bắt buộc: 12 chữ số")
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.addRow("Hình thức thanh toán:", self.method)
        for key, label, edit in (("payer_name", "Người nộp tiền:", self.payer_name),
                                 ("payer_id", "Số định danh:", self.payer_id)):  # fmt: skip
            column, self.errors[key] = field_with_message(edit)
            form.addRow(label, column)
            edit.textEdited.connect(lambda _t, k=key: self._clear(k))
        set_role(self.lines_error, Role.ERROR)
        self.lines_error.hide()
        self.paid = QLabel()
        self.receipts = QComboBox()  # the dossier's receipts, to print again (the same number, always)
        self.receipts.setAccessibleName("Biên lai đã thu")
        self.reprint_button = QPushButton("In lại biên lai (Ctrl+P)")
        self.reprint_button.setEnabled(False)
        self.reprint_button.clicked.connect(self._on_reprint_clicked)
        QShortcut(QKeySequence("Ctrl+P"), self, self._on_reprint_clicked)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        set_role(self.banner, Role.ERROR)
        self.banner.hide()
        self.pay_button = QPushButton("Thu tiền và in biên lai (Ctrl+Enter)")
        set_role(self.pay_button, Role.PRIMARY)
        self.pay_button.setEnabled(False)
        close = QPushButton("Đóng (Esc)")
        self.pay_button.clicked.connect(self._on_pay_clicked)
        close.clicked.connect(self.reject)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, self._on_pay_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.pay_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(self.lines_box)
        layout.addWidget(self.lines_error)
        layout.addWidget(self.total)
        layout.addLayout(form)
        layout.addWidget(self.paid)
        again = QHBoxLayout()
        again.addWidget(self.receipts, 1)
        again.addWidget(self.reprint_button)
        layout.addLayout(again)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        self.checks: list[tuple[QCheckBox, str]] = []
        self._load()

    def _load(self) -> None:
        from app.services.fees import fee_state

        uid = self._uid
        self._ctx.runner.run(lambda s: fee_state(s, uid), self._on_loaded, self._on_failed, write=False)

    def _on_loaded(self, state: FeeState) -> None:
        if not shiboken6.isValid(self):
            return
        self._state = state
        for box, _ in self.checks:
            box.deleteLater()
        self.checks = []
        owed = {x.id for x in state.unpaid()}
        for line in state.lines:
            text = f"{line.name}: {format_vnd(line.amount)} đồng – {line.when.label}"
            if line.exempt:
                text += " (miễn)"
            elif line.id not in owed and line.due:
                text += " (đã nộp)"
            box = QCheckBox(text)
            box.setChecked(line.id in owed)
            box.setEnabled(line.id in owed)
            box.toggled.connect(self._update_total)
            self.lines_box.addWidget(box)
            self.checks.append((box, line.id))
        exemption = f" · Miễn: {state.exemption} ({state.exemption_ground})" if state.exemption else ""
        self.summary.setText(f"Hồ sơ {self._code}: {state.status_text}{exemption}")
        self.paid.setText("Biên lai đã thu:" if state.payments else "Chưa có biên lai nào.")
        self.receipts.clear()
        for p in state.payments:
            self.receipts.addItem(_paid_line(p), p.event_id)
        self.receipts.setVisible(bool(state.payments))
        self.reprint_button.setVisible(bool(state.payments))
        self.reprint_button.setEnabled(bool(state.payments))
        self.pay_button.setEnabled(bool(owed))
        self._update_total()
        if owed:
            self.payer_name.setFocus()

    @Slot()
    def _on_reprint_clicked(self) -> None:
        event_id = self.receipts.currentData()
        if self.reprint_button.isEnabled() and isinstance(event_id, str):
            open_receipt_preview(self._ctx, self, event_id)

    def _update_total(self) -> None:
        state = self._state
        if state is None:
            return
        due = {x.id: x.due for x in state.lines}
        chosen = sum(due[i] for box, i in self.checks if box.isChecked() and box.isEnabled())
        self.total.setText(f"<b>Số tiền thu lần này: {format_vnd(chosen)} đồng</b>")
        self.lines_error.hide()

    def _clear(self, key: str) -> None:
        self.errors[key].hide()
        self.banner.hide()

    def _draft(self) -> PaymentDraft:
        method = PayMethod(str(self.method.currentData()))  # Qt keeps the enum's text only
        ids = tuple(i for box, i in self.checks if box.isChecked() and box.isEnabled())
        return PaymentDraft(ids, method, self.payer_name.text(), self.payer_id.text())

    @Slot()
    def _on_pay_clicked(self) -> None:
        if self._busy or not self.pay_button.isEnabled():
            return
        from app.services.fees import record_payment

        self._busy = True
        self.pay_button.setEnabled(False)
        ctx, uid, draft = self._ctx, self._uid, self._draft()
        ctx.runner.run(lambda s: record_payment(s, ctx.actor, uid, draft, ctx.clock()), self._on_paid,
                       self._on_failed, write=True)  # fmt: skip

    def _on_paid(self, result: tuple[Payment, Any]) -> None:
        payment, changes = result
        self._busy = False
        self._ctx.bus.publish(changes, self)
        parent = self.parentWidget() or self
        open_receipt_preview(self._ctx, parent, payment.event_id)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy = False
        self.pay_button.setEnabled(bool(self._state and self._state.unpaid()))
        if isinstance(exc, ValidationError):
            for key, message in exc.fields.items():
                label = self.errors.get(key, self.lines_error)
                label.setText(message)
                label.show()
            self.adjustSize()  # room for the messages at their fields
            return
        elif isinstance(exc, UserFacingError):
            self.banner.setText(exc.message)
        else:
            self.banner.setText("Lỗi ngoài dự kiến, khoản thu CHƯA được ghi. Hãy thử lại hoặc báo bộ phận CNTT.")
            self._ctx.runner.unexpected_error.emit(exc)
        self.banner.show()


def _paid_line(p: Payment) -> str:
    return (f"Biên lai {p.series}-{p.number_text}: {format_vnd(p.amount)} đồng, {p.method.label.lower()},"
            f" {p.paid_at:%H:%M %d/%m/%Y}, {p.officer_name}")  # fmt: skip
