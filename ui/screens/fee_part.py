"""The fee part of the reception form (issue 16): the chosen procedure's fee lines with amounts and total,
an exemption with its legal ground, and whether the lines paid at reception are taken there and then.

Hidden for a procedure without fee lines; the exemption row only for a procedure with exemptions, the
ground only once one is chosen (the form must fit 1366×768). What it gathers is a
:class:`app.services.fees.FeeChoice`; the rules (which lines an exemption frees, the ground required)
are app/domain/fees.py's and app/services/fees.py's, whose messages are shown under the field they concern.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.domain.catalog import Procedure
from app.domain.fees import EMPTY_SCHEDULE, FeeSchedule, PayMethod, PayWhen, assess, format_vnd, total_due
from app.services.drafts import FeeChoice, PaymentDraft
from ui.theme import Role, set_role


class FeePart(QWidget):
    """Fee lines, exemption and "pay now" of the procedure being received."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._schedule: FeeSchedule = EMPTY_SCHEDULE
        self.lines = QLabel()  # every row's text, for screen readers and tests; shown one label a row
        self.lines.setAccessibleName("Các khoản phí, lệ phí")
        self.lines.hide()
        self.rows = QVBoxLayout()
        self.rows.setSpacing(0)
        self.total = QLabel()
        self.total.setTextFormat(Qt.TextFormat.PlainText)
        set_role(self.total, Role.DUE)
        self.exemption = QComboBox()
        self.exemption.setAccessibleName("Đối tượng miễn phí, lệ phí")
        self.ground = QLineEdit()
        self.ground.setPlaceholderText("Căn cứ miễn: số giấy chứng nhận hộ nghèo, thẻ người có công…")
        self.ground.setAccessibleName("Căn cứ miễn phí, lệ phí")
        self.ground_error = QLabel()
        set_role(self.ground_error, Role.ERROR)
        self.ground_error.setWordWrap(True)
        self.ground_error.hide()
        self.pay_now = QCheckBox("Thu ngay khoản nộp khi tiếp nhận (Alt+T), bằng")
        self.method = QComboBox()
        for m in PayMethod:
            self.method.addItem(m.label, m.value)
        self.method.setAccessibleName("Hình thức thanh toán")
        grid = QGridLayout(self)  # one row each: the exemption names and the ground are long
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(4)
        self.title = QLabel("Phí, lệ phí")
        set_role(self.title, Role.SECTION)
        heading = QHBoxLayout()  # the heading and the total on one line: the form must fit 1366×768
        heading.addWidget(self.title)
        heading.addSpacing(12)
        heading.addWidget(self.total, 1)
        grid.addLayout(heading, 0, 0, 1, 2)
        grid.addLayout(self.rows, 1, 0, 1, 2)
        grid.addWidget(self.exemption, 3, 0, 1, 2)  # only for a procedure with exemptions
        grid.addWidget(self.ground, 4, 0, 1, 2)  # only once an exemption is chosen
        grid.addWidget(self.ground_error, 5, 0, 1, 2)
        grid.addWidget(self.pay_now, 6, 0)
        grid.addWidget(self.method, 6, 1)
        grid.setColumnStretch(1, 1)
        self.exemption.currentIndexChanged.connect(self._on_exemption_changed)
        self.ground.textEdited.connect(lambda _t: self.ground_error.hide())
        self.pay_now.toggled.connect(self.method.setEnabled)
        self.set_procedure(None)

    def tab_chain(self) -> list[QWidget]:
        return [self.exemption, self.ground, self.pay_now, self.method]

    def set_procedure(self, procedure: Procedure | None) -> None:
        """Show the lines of ``procedure`` (hidden when it has none); the choice starts over."""
        self._schedule = procedure.fees if procedure is not None else EMPTY_SCHEDULE
        self.exemption.blockSignals(True)
        self.exemption.clear()
        self.exemption.addItem("Không thuộc đối tượng miễn", "")
        for e in self._schedule.exemptions:
            self.exemption.addItem(f"Miễn: {e.name}", e.id)
        self.exemption.blockSignals(False)
        self.exemption.setEnabled(bool(self._schedule.exemptions))
        self.exemption.setVisible(bool(self._schedule.exemptions))  # no row for what cannot be chosen
        self.ground.clear()
        self.ground_error.hide()
        self.setVisible(bool(self._schedule.lines))
        self._refresh()

    def reset(self) -> None:
        self.pay_now.setChecked(False)
        self.set_procedure(None)

    @Slot()
    def toggle_pay_now(self) -> None:
        """Alt+T on the reception screen (ui/screens/reception.py): tick or untick "pay now"."""
        if self.isVisible() and self.pay_now.isEnabled():
            self.pay_now.toggle()

    @Slot(int)
    def _on_exemption_changed(self, _index: int) -> None:
        self.ground_error.hide()
        self._refresh()

    def _exemption_id(self) -> str:
        value = self.exemption.currentData()
        return value if isinstance(value, str) else ""

    def _refresh(self) -> None:
        exempting = bool(self._exemption_id())
        self.ground.setEnabled(exempting)
        self.ground.setVisible(exempting)
        if not exempting:
            self.ground.clear()
            self.ground_error.hide()
        lines = assess(self._schedule, self._exemption_id()) if self._schedule.lines else ()
        rows = []
        for x in lines:
            amount = f"{format_vnd(x.amount)} đồng → miễn" if x.exempt else f"{format_vnd(x.amount)} đồng"
            when = "nộp khi tiếp nhận" if x.when is PayWhen.BEFORE else "nộp khi nhận kết quả"
            rows.append(f"• {x.name}: {amount} ({when})")
        before, after = total_due(lines, PayWhen.BEFORE), total_due(lines, PayWhen.AFTER)
        # Plain text: a rich-text label reports a height for its width that is too small for its rows.
        self.lines.setText("\n".join(rows))
        while (item := self.rows.takeAt(0)) is not None:
            if (gone := item.widget()) is not None:
                gone.deleteLater()
        for row in rows:  # a label a row: one label of several rows was drawn taller than the room it got
            label = QLabel(row)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setToolTip(row)
            self.rows.addWidget(label)
        self.total.setText(f"Tổng: {format_vnd(before + after)} đồng (khi tiếp nhận {format_vnd(before)},"
                           f" khi nhận kết quả {format_vnd(after)})")  # fmt: skip
        self.total.setToolTip(self.total.text())
        self.pay_now.setEnabled(before > 0)
        if before == 0:
            self.pay_now.setChecked(False)  # ticked by the officer who takes the money (Alt+T), never by default
        self.method.setEnabled(before > 0 and self.pay_now.isChecked())

    def choice(self, payer_name: str) -> FeeChoice | None:
        """What was chosen (None for a procedure without lines); ``payer_name``: the applicant."""
        if not self._schedule.lines:
            return None
        pay = None
        if self.pay_now.isChecked() and self.pay_now.isEnabled():
            owed = tuple(x.id for x in assess(self._schedule, self._exemption_id())
                         if x.when is PayWhen.BEFORE and x.due > 0)  # fmt: skip
            method = PayMethod(str(self.method.currentData()))  # Qt keeps the enum's text only
            pay = PaymentDraft(owed, method, payer_name)
        return FeeChoice(self._exemption_id(), self.ground.text(), pay)

    def show_errors(self, fields: dict[str, str]) -> None:
        """The service's messages about the fees, under the ground."""
        message = fields.get("fee_ground") or fields.get("fee_exemption")
        if message:
            self.ground_error.setText(message)
            self.ground_error.show()
            (self.ground if self.ground.isVisibleTo(self) else self.exemption).setFocus()
