"""Ghi nhận kết quả: the department's result arrived at the counter (status 9, "Đã xử lý xong")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QLineEdit, QWidget

from ui.context import UiContext
from ui.screens.step_dialog import StepDialog, Work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class ResultDialog(StepDialog):
    """Record what the result is (e.g. "Giấy khai sinh bản chính số 123/2026")."""

    def __init__(self, ctx: UiContext, uid: str, code: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, uid, code, "Ghi nhận kết quả giải quyết", parent)
        self.intro.setText(
            f"Hồ sơ {code}: ghi kết quả cơ quan giải quyết đã gửi về. Hồ sơ chuyển sang “Đã xử lý xong”, chờ trả"
            " cho công dân."
        )
        self.result_edit = QLineEdit()
        self.result_edit.setPlaceholderText("Tên giấy tờ, số văn bản kết quả")
        self.result_edit.setMaxLength(500)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Không bắt buộc")
        self.add_field("result", "Kết quả:", self.result_edit)
        self.add_field("note", "Ghi chú:", self.note)
        self.ok_button.setText("Ghi nhận kết quả")
        self.result_edit.setFocus()

    def check(self) -> dict[str, str]:
        if not self.result_edit.text().strip():
            return {"result": "Hãy ghi kết quả giải quyết (ví dụ: tên giấy tờ, số văn bản)."}
        return {}

    def work(self) -> Work:
        ctx, uid, result, note, now = self._ctx, self.uid, self.result_edit.text(), self.note.text(), self._ctx.clock()

        def run(session: Session) -> Any:
            from app.services.returns import record_result

            return record_result(session, ctx.actor, uid, result, now, note)

        return run
