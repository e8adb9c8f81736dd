"""Trả kết quả: hand the result to the applicant or an authorised representative (status 10), after
checking the person's ID number; the return receipt opens in the print preview."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QHBoxLayout, QLineEdit, QRadioButton, QWidget

from app.domain.postal import item_number_problem, normalise_item_number
from app.domain.scan import Scan, ScanKind
from app.services.returns import Collector, CollectorDraft, PostalReturnDraft, ReturnDraft
from ui.context import UiContext
from ui.scanner.feedback import ScanFeedback
from ui.screens.step_dialog import StepDialog, Work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class ReturnDialog(StepDialog):
    """Who collects the result, checked against the dossier; a scanned ID-card QR fills the ID and name."""

    def __init__(self, ctx: UiContext, uid: str, code: str, applicant_name: str, parent: QWidget | None = None):
        super().__init__(ctx, uid, code, "Trả kết quả cho công dân", parent)
        self.applicant_name = applicant_name
        self._intro_at_counter = (
            f"Hồ sơ {code} của {applicant_name}. Đối chiếu thẻ căn cước của người nhận (quét mã QR trên thẻ hoặc"
            " nhập số); người được ủy quyền cần giấy ủy quyền."
        )
        self._intro_by_post = (
            f"Hồ sơ {code} của {applicant_name}. Gửi kết quả và bản chính giấy tờ qua dịch vụ bưu chính công ích:"
            " quét mã vạch trên phiếu gửi (hoặc nhập số hiệu bưu gửi) và kiểm tra địa chỉ nhận."
        )
        self.intro.setText(self._intro_at_counter)
        self.applicant = QRadioButton("Người nộp hồ sơ")
        self.representative = QRadioButton("Người được ủy quyền")
        self.applicant.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.applicant)
        group.addButton(self.representative)
        kinds = QWidget()
        row = QHBoxLayout(kinds)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.applicant)
        row.addWidget(self.representative)
        row.addStretch(1)
        self.personal_id = QLineEdit()
        self.personal_id.setPlaceholderText("12 chữ số (hoặc CMND 9 chữ số)")
        self.personal_id.setMaxLength(20)
        self.full_name = QLineEdit()
        self.full_name.setMaxLength(200)
        self.authorisation_ref = QLineEdit()
        self.authorisation_ref.setPlaceholderText("Số, ngày giấy ủy quyền")
        self.authorisation_ref.setMaxLength(300)
        self.add_field("kind", "Người nhận:", kinds)
        self.add_field("personal_id", "Số định danh:", self.personal_id)
        self.add_field("full_name", "Họ tên người nhận:", self.full_name)
        self.add_field("authorisation_ref", "Giấy ủy quyền:", self.authorisation_ref)
        # By post (issue 16): the result and the originals go to an address under a tracking number.
        self.by_post = QCheckBox("Gửi kết quả qua dịch vụ bưu chính công ích (Alt+B)")
        self.by_post.setShortcut(QKeySequence("Alt+B"))
        self.tracking_no = QLineEdit()
        self.tracking_no.setPlaceholderText("Số hiệu bưu gửi trên phiếu gửi, ví dụ RR123456785VN (quét mã vạch)")
        self.tracking_no.setMaxLength(40)
        self.address = QLineEdit()
        self.address.setPlaceholderText("Địa chỉ nhận ghi trên phiếu gửi")
        self.address.setMaxLength(1000)
        self.form.insertRow(0, "Hình thức trả:", self.by_post)
        self.add_field("tracking_no", "Số hiệu bưu gửi:", self.tracking_no)
        self.add_field("address", "Gửi đến địa chỉ:", self.address)
        self.ok_button.setText("Trả kết quả và in biên nhận")
        self.representative.toggled.connect(self._on_kind_toggled)
        self.by_post.toggled.connect(self._on_by_post_toggled)
        self._on_kind_toggled(False)
        self._on_by_post_toggled(False)
        self.personal_id.setFocus()
        ctx.runner.run(lambda s: _address_of(s, uid), self._on_address_read, lambda _e: None, write=False)

    @Slot(object)
    def _on_address_read(self, address: object) -> None:
        if shiboken6.isValid(self) and not self.address.text():
            self.address.setText(str(address or ""))

    @Slot(bool)
    def _on_by_post_toggled(self, by_post: bool) -> None:
        self.intro.setText(self._intro_by_post if by_post else self._intro_at_counter)
        for key in ("tracking_no", "address") if not by_post else ("personal_id", "full_name", "authorisation_ref"):
            self.clear_field_message(key)  # a message of the way not taken says nothing any more
        for w in (self.applicant, self.representative, self.personal_id):
            w.setEnabled(not by_post)
        self.full_name.setEnabled(not by_post and self.representative.isChecked())
        self.authorisation_ref.setEnabled(not by_post and self.representative.isChecked())
        self.tracking_no.setEnabled(by_post)
        self.address.setEnabled(by_post)
        self.ok_button.setText("Ghi nhận đã gửi kết quả qua bưu chính" if by_post else "Trả kết quả và in biên nhận")
        (self.tracking_no if by_post else self.personal_id).setFocus()
        self._fit()

    def clear_field_message(self, key: str) -> None:
        """The message goes, and the room it took with it (no blank gap under the corrected field)."""
        shown = bool(self.field_message(key))
        super().clear_field_message(key)
        if shown:
            self._fit()

    def show_errors(self, fields: dict[str, str], general: str = "") -> None:
        super().show_errors(fields, general)
        self._fit()  # messages gone since the last time: shrink back too

    def _fit(self) -> None:
        """Height to what is shown now (the layout is brought up to date first, or the hidden message
        would still be counted)."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.adjustSize()

    @Slot(bool)
    def _on_kind_toggled(self, representative: bool) -> None:
        self.authorisation_ref.setEnabled(representative)
        self.full_name.setEnabled(representative)
        if not representative:
            self.full_name.setText(self.applicant_name)
            self.authorisation_ref.clear()
        elif self.full_name.text() == self.applicant_name:
            self.full_name.clear()

    def handle_scan(self, scan: Scan, feedback: ScanFeedback) -> bool:
        """An ID card's QR fills the ID number (and the name of a representative); by post, the
        barcode of the postal item fills its tracking number."""
        if self.by_post.isChecked() and item_number_problem(scan.raw) is None:
            self.tracking_no.setText(normalise_item_number(scan.raw))
            feedback.show_ok(f"Đã đọc số hiệu bưu gửi {self.tracking_no.text()}")
            return True
        if scan.kind is not ScanKind.ID_CARD or scan.id_card is None:
            return False
        self.personal_id.setText(scan.id_card.personal_id)
        if self.representative.isChecked():
            self.full_name.setText(scan.id_card.full_name)
        feedback.show_ok(f"Đã đọc thẻ căn cước: {scan.id_card.full_name} – {scan.id_card.personal_id}")
        return True

    def draft(self) -> ReturnDraft:
        if self.by_post.isChecked():
            return PostalReturnDraft(self.tracking_no.text(), self.address.text(), self.applicant_name)
        kind = Collector.REPRESENTATIVE if self.representative.isChecked() else Collector.APPLICANT
        return CollectorDraft(kind, self.personal_id.text(), self.full_name.text(), self.authorisation_ref.text())

    def check(self) -> dict[str, str]:
        if self.by_post.isChecked():
            return {} if self.tracking_no.text().strip() else {"tracking_no": "Hãy quét hoặc nhập số hiệu bưu gửi."}
        if not self.personal_id.text().strip():
            return {"personal_id": "Hãy nhập hoặc quét số định danh của người đến nhận kết quả."}
        return {}

    def confirm_text(self) -> str:
        if self.by_post.isChecked():
            return (
                f"Ghi nhận đã gửi kết quả hồ sơ {self.code} qua bưu chính (số hiệu {self.tracking_no.text().strip()})"
                " là đã trả kết quả? Việc trả kết quả không hoàn tác được."
            )
        who = self.full_name.text().strip() or self.applicant_name
        return f"Trả kết quả hồ sơ {self.code} cho {who}? Việc trả kết quả không hoàn tác được."

    def precheck(self) -> Work:
        ctx, uid, draft, now = self._ctx, self.uid, self.draft(), self._ctx.clock()

        def run(session: Session) -> None:
            from app.services.returns import check_return

            check_return(session, ctx.actor, uid, draft, now)

        return run

    def work(self) -> Work:
        ctx, uid, draft, now = self._ctx, self.uid, self.draft(), self._ctx.clock()

        def run(session: Session) -> Any:
            from app.services.returns import return_to_citizen

            return return_to_citizen(session, ctx.actor, uid, draft, now)

        return run

    def after(self, result: Any) -> None:
        from ui.screens.citizen_rating import ask_rating
        from ui.screens.custody_print import render_return_receipt

        uid = self.uid
        if isinstance(self.draft(), PostalReturnDraft):
            return  # sent by post: no receipt to sign, no citizen at the counter to rate
        self.preview(lambda s: render_return_receipt(s, uid))
        parent = self.parentWidget()
        if parent is not None:
            ask_rating(self._ctx, uid, parent)  # the citizen's satisfaction (second screen, or keys 1/2/3)


def _address_of(session: Session, uid: str) -> str:
    """The applicant's address, offered as where to send the result by post."""
    from app.services.dossiers import get_detail

    detail = get_detail(session, uid)
    return detail.address if detail is not None else ""
