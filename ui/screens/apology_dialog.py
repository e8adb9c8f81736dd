"""Xin lỗi và hẹn lại (form 04): the due date moves once and only once; the form opens after."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QDateTimeEdit, QLineEdit, QWidget

from ui.context import UiContext
from ui.screens.step_dialog import StepDialog, Work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class ApologyDialog(StepDialog):
    """New due date and the reason for the delay; irreversible (a second apology is refused)."""

    def __init__(
        self, ctx: UiContext, uid: str, code: str, due_at: datetime | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, uid, code, "Xin lỗi và hẹn lại ngày trả kết quả", parent)
        self.due_at = due_at
        when = f"{due_at:%H:%M %d/%m/%Y}" if due_at else "chưa có"
        self.intro.setText(
            f"Hồ sơ {code}, hẹn trả hiện tại: {when}. Theo quy định chỉ được hẹn lại MỘT lần, và nên lập phiếu ít"
            " nhất 01 ngày làm việc trước ngày hẹn trả."
        )
        self.new_due = QDateTimeEdit()
        self.new_due.setDisplayFormat("HH:mm dd/MM/yyyy")
        self.new_due.setCalendarPopup(True)
        start = (
            ctx.calendar.add_working_minutes(due_at, int(ctx.calendar.hours_per_day * 60)) if due_at else ctx.clock()
        )
        self.new_due.setDateTime(QDateTime(start))
        self.reason = QLineEdit()
        self.reason.setMaxLength(1000)
        self.reason.setPlaceholderText("Lý do chậm trả kết quả")
        self.add_field("new_due_at", "Ngày hẹn trả mới:", self.new_due)
        self.add_field("reason", "Lý do:", self.reason)
        self.ok_button.setText("Lập phiếu xin lỗi (Mẫu 04)")
        self.warning = ""
        self.reason.setFocus()

    def new_due_at(self) -> datetime:
        value = self.new_due.dateTime().toPython()
        assert isinstance(value, datetime)
        return value.replace(second=0, microsecond=0)

    def check(self) -> dict[str, str]:
        if not self.reason.text().strip():
            return {"reason": "Hãy ghi lý do chậm trả kết quả."}
        return {}

    def confirm_text(self) -> str:
        return (
            f"Dời ngày hẹn trả hồ sơ {self.code} sang {self.new_due_at():%H:%M %d/%m/%Y}? Việc này chỉ làm được"
            " một lần và không hoàn tác được."
        )

    def precheck(self) -> Work:
        ctx, uid, new_due, reason = self._ctx, self.uid, self.new_due_at(), self.reason.text()

        def run(session: Session) -> None:
            from app.services.results import check_extension

            check_extension(session, ctx.calendar, uid, new_due, reason)

        return run

    def work(self) -> Work:
        ctx, uid, new_due, reason, now = self._ctx, self.uid, self.new_due_at(), self.reason.text(), self._ctx.clock()

        def run(session: Session) -> Any:
            from app.services.results import extend_due_date

            return extend_due_date(session, ctx.actor, ctx.calendar, uid, new_due, reason, now)

        return run

    def after(self, result: Any) -> None:
        from ui.screens.custody_print import render_apology

        self.warning = result.warning
        parent = self.parentWidget()
        if result.warning and parent is not None:
            self._ctx.prompts.error(parent, "Phiếu xin lỗi lập muộn", result.warning)
        uid = self.uid
        self.preview(lambda s: render_apology(s, uid))
