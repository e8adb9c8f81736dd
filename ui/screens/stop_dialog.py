"""Dừng giải quyết / rút hồ sơ: the citizen's request before any decision; form 05 opens after."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from app.services.forms import CustodyDocument
from app.services.stops import StopKind, StopRequest
from ui.context import UiContext
from ui.screens.custody_print import RenderedDocument
from ui.screens.step_dialog import StepDialog, Work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def render_stop_notice(session: Session, uid: str) -> RenderedDocument:
    """Form 05 (Thông báo dừng giải quyết hồ sơ) of a dossier whose stop or withdrawal is recorded."""
    from app.printing import stop_notice
    from app.printing.raster import rasterise
    from app.services.stops import build_stop_notice
    from ui.screens.print_preview import PREVIEW_DPI

    data = build_stop_notice(session, uid)
    out = io.BytesIO()
    stop_notice.render(data, out)
    pdf = out.getvalue()
    pages = tuple(rasterise(pdf, PREVIEW_DPI))
    return RenderedDocument(CustodyDocument.STOP_NOTICE, data.dossier_code, (uid,), pdf, pages)


class StopDialog(StepDialog):
    """Stop or withdrawal, who asks, the written request and the reason; irreversible (status 8 or 7).

    Args:
        ctx: The logged-in session's services.
        uid: The dossier.
        code: Its code.
        applicant_name: Proposed as the requester (the officer changes it for a representative).
        status_label: The status the officer sees checked ("Đang xử lý").
        parent: The dossier detail dialog.
    """

    def __init__(
        self,
        ctx: UiContext,
        uid: str,
        code: str,
        applicant_name: str,
        status_label: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, uid, code, "Dừng giải quyết hoặc rút hồ sơ", parent)
        self.intro.setText(
            f"Hồ sơ {code} đang ở trạng thái “{status_label}”, chưa có kết quả giải quyết: công dân được đề nghị"
            " dừng giải quyết hoặc rút hồ sơ. Sau khi ghi nhận, in Thông báo dừng giải quyết hồ sơ (Mẫu 05)"
            " giao công dân; việc này không hoàn tác được."
        )
        self.kind = QComboBox()
        self.kind.addItem("Dừng giải quyết hồ sơ (trạng thái “Dừng xử lý”)", StopKind.STOP.value)
        self.kind.addItem("Rút hồ sơ, trả lại hồ sơ giấy (trạng thái “Công dân yêu cầu rút hồ sơ”)",
                          StopKind.WITHDRAW.value)  # fmt: skip
        self.kind.setAccessibleName("Công dân đề nghị")
        self.requester = QLineEdit(applicant_name)
        self.requester.setMaxLength(200)
        self.requester.setPlaceholderText("Người nộp hồ sơ hoặc người được ủy quyền")
        self.request_ref = QLineEdit()
        self.request_ref.setMaxLength(300)
        self.request_ref.setPlaceholderText("Ví dụ: Đơn đề nghị ngày 24/11/2026 (để trống nếu đề nghị trực tiếp)")
        self.reason = QLineEdit()
        self.reason.setMaxLength(2000)
        self.reason.setPlaceholderText("Lý do công dân đề nghị")
        self.add_field("kind", "Công dân đề nghị:", self.kind)
        self.add_field("requester_name", "Người đề nghị:", self.requester)
        self.add_field("request_ref", "Đơn đề nghị:", self.request_ref)
        self.add_field("reason", "Lý do:", self.reason)
        self.ok_button.setText("Ghi nhận và in thông báo (Mẫu 05)")
        self.reason.setFocus()

    def request(self) -> StopRequest:
        """What the officer typed."""
        return StopRequest(
            StopKind(str(self.kind.currentData())), self.requester.text(), self.reason.text(), self.request_ref.text()
        )

    def check(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.requester.text().strip():
            errors["requester_name"] = "Hãy ghi họ tên người đề nghị (người nộp hồ sơ hoặc người được ủy quyền)."
        if not self.reason.text().strip():
            errors["reason"] = "Hãy ghi lý do công dân đề nghị dừng giải quyết hoặc rút hồ sơ."
        return errors

    def confirm_text(self) -> str:
        request = self.request()
        what = "Ghi nhận công dân rút hồ sơ" if request.kind is StopKind.WITHDRAW else "Dừng giải quyết hồ sơ"
        return f"{what} {self.code} theo đề nghị của {request.requester_name.strip()}? Việc này không hoàn tác được."

    def precheck(self) -> Work:
        uid, request = self.uid, self.request()

        def run(session: Session) -> None:
            from app.services.stops import check_stop

            check_stop(session, uid, request)

        return run

    def work(self) -> Work:
        ctx, uid, request, now = self._ctx, self.uid, self.request(), self._ctx.clock()

        def run(session: Session) -> Any:
            from app.services.stops import record_stop

            return record_stop(session, ctx.actor, uid, request, now)

        return run

    def after(self, result: Any) -> None:
        uid = self.uid
        self.preview(lambda s: render_stop_notice(s, uid))
