"""Supplement after reception: the department asks for more papers (status 5, form 02 printed again),
and later the citizen brings them to the counter (back to processing; the clock restarts or pauses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from ui.context import UiContext
from ui.screens.step_dialog import StepDialog, Work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class RequestSupplementDialog(StepDialog):
    """Yêu cầu bổ sung: what is missing (one item a line) and why; form 02 opens after."""

    def __init__(self, ctx: UiContext, uid: str, code: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, uid, code, "Yêu cầu bổ sung, hoàn thiện hồ sơ", parent)
        self.intro.setText(
            f"Hồ sơ {code}: cơ quan giải quyết yêu cầu bổ sung. Thời hạn giải quyết dừng lại cho đến khi công dân"
            " nộp bổ sung (tính lại hoặc tính tiếp theo cài đặt của đơn vị)."
        )
        self.items = QPlainTextEdit()
        self.items.setPlaceholderText("Mỗi dòng một nội dung cần bổ sung")
        self.items.setTabChangesFocus(True)
        self.items.setFixedHeight(110)
        self.reason = QLineEdit()
        self.reason.setMaxLength(1000)
        self.add_field("items", "Nội dung bổ sung:", self.items)
        self.add_field("reason", "Lý do:", self.reason)
        self.ok_button.setText("Ghi yêu cầu và in phiếu (Mẫu 02)")
        self.items.setFocus()

    def lines(self) -> list[str]:
        return [line.strip() for line in self.items.toPlainText().splitlines() if line.strip()]

    def check(self) -> dict[str, str]:
        errors = {}
        if not self.lines():
            errors["items"] = "Hãy ghi ít nhất một nội dung cần bổ sung, hoàn thiện."
        if not self.reason.text().strip():
            errors["reason"] = "Hãy ghi lý do yêu cầu bổ sung."
        return errors

    def work(self) -> Work:
        ctx, uid, items, reason, now = self._ctx, self.uid, self.lines(), self.reason.text(), self._ctx.clock()

        def run(session: Session) -> Any:
            from app.services.results import request_supplement_after_reception

            return request_supplement_after_reception(session, ctx.actor, ctx.calendar, uid, items, reason, now)

        return run

    def after(self, result: Any) -> None:
        from ui.screens.custody_print import render_supplement_after_reception

        uid = self.uid
        self.preview(lambda s: render_supplement_after_reception(s, uid))


class ReceiveSupplementDialog(StepDialog):
    """Nhận bổ sung: the papers arrived; the new due date follows the office's clock setting."""

    def __init__(self, ctx: UiContext, uid: str, code: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, uid, code, "Nhận hồ sơ bổ sung", parent)
        self.intro.setText(
            f"Hồ sơ {code}: công dân đã nộp đủ giấy tờ bổ sung. Hồ sơ trở lại “Đang xử lý” với ngày hẹn trả mới."
        )
        self.note = QLineEdit()
        self.note.setPlaceholderText("Giấy tờ đã nhận bổ sung (không bắt buộc)")
        self.add_field("note", "Ghi chú:", self.note)
        self.ok_button.setText("Nhận bổ sung")

    def confirm_text(self) -> str:
        return f"Xác nhận đã nhận đủ giấy tờ bổ sung của hồ sơ {self.code}? Ngày hẹn trả sẽ được tính lại."

    def precheck(self) -> Work:
        uid = self.uid

        def run(session: Session) -> None:
            from app.services.results import check_receive_supplement

            check_receive_supplement(session, uid)

        return run

    def work(self) -> Work:
        ctx, uid, note, now = self._ctx, self.uid, self.note.text(), self._ctx.clock()

        def run(session: Session) -> Any:
            from app.services.results import receive_supplement

            return receive_supplement(session, ctx.actor, ctx.calendar, uid, now, note)

        return run
