"""The custody part of the dossier detail: where the paper folder is now, and the processing steps
the dossier's status allows (result, return, supplement, apology, control slip, label, the citizen's
stop or withdrawal with its form 05).

Each button opens a small dialog (ui/screens/*_dialog.py) or a print preview; a button that does
not apply is disabled with a tooltip saying why, so the officer never has to guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.domain.rating import why_not_rateable
from app.domain.status import DossierStatus, Step, allowed_steps, why_not
from app.services.dossiers import DossierDetail
from app.services.fees import FeeState
from app.services.handover import CustodyInfo
from app.services.ratings import RatingInfo
from ui.context import UiContext
from ui.models.dossier_table import format_datetime
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_S = DossierStatus

BUTTONS_PER_ROW = 5


@dataclass(frozen=True, slots=True)
class CustodyState:
    """What the buttons depend on besides the status."""

    custody: CustodyInfo | None
    extended_at: datetime | None  # when the apology moved the due date, if it did
    label_printed: bool
    rating: RatingInfo | None = None  # the citizen's satisfaction rating at return
    fees: FeeState | None = None  # fee lines and payments (issue 16, app/services/fees.py)


def load_state(session: Session, uid: str) -> CustodyState:
    """Worker side: custody, apology and label prints of dossier ``uid``."""
    from app.services.fees import fee_state
    from app.services.forms import CustodyDocument, printed_before
    from app.services.handover import custody_of
    from app.services.ratings import rating_of
    from app.services.results import extension_of

    extension = extension_of(session, uid)
    label = printed_before(session, uid, CustodyDocument.LABEL)
    return CustodyState(custody_of(session, uid), extension.occurred_at if extension else None, label,
                        rating_of(session, uid), fee_state(session, uid))  # fmt: skip


def where_text(info: CustodyInfo | None) -> str:
    """ "Đang ở Bộ phận Tư pháp - Hộ tịch từ 10:05 23/11/2026 (người giữ …)"."""
    if info is None:
        return "Không rõ"
    since = format_datetime(info.since)
    if info.missing:
        return f"THIẾU khi nhận bàn giao ({info.origin.name if info.origin else ''} → {info.place.name}), từ {since}"
    if info.in_transit:
        origin = info.origin.name if info.origin else ""
        return f"Đang chuyển: {origin} → {info.place.name}, gửi lúc {since}"
    name = info.place.name or info.place.kind.label
    return f"{name}, từ {since}" + (f" (người giữ: {info.holder})" if info.holder else "")


class DossierActions(QWidget):
    """Location line and step buttons under the dossier's header.

    Args:
        ctx: The logged-in session's services.
        uid: The dossier.
        parent: The dossier detail dialog (the step dialogs open over it).
    """

    def __init__(self, ctx: UiContext, uid: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self._uid = ctx, uid
        self._detail: DossierDetail | None = None
        self.state: CustodyState | None = None
        self._seq = 0
        self.location = QLabel("Vị trí hồ sơ giấy: đang tải…")
        set_role(self.location, Role.SECTION)
        self.location.setWordWrap(True)
        self.result_button = QPushButton("Ghi nhận kết quả")
        self.return_button = QPushButton("Trả kết quả")
        self.supplement_button = QPushButton("Yêu cầu bổ sung")
        self.receive_supplement_button = QPushButton("Nhận bổ sung")
        self.apology_button = QPushButton("Xin lỗi và hẹn lại")
        self.control_button = QPushButton("In phiếu kiểm soát")
        self.label_button = QPushButton("In nhãn")
        self.cover_button = QPushButton("In tờ phân cách")
        self.scan_button = QPushButton("Quét / đính kèm (F9)")
        self.scan_button.setToolTip("Quét hoặc nhập tệp bản điện tử của hồ sơ, xếp theo giấy tờ")
        QShortcut(QKeySequence("F9"), self.scan_button, self._on_scan_clicked,
                  context=Qt.ShortcutContext.WindowShortcut)  # fmt: skip
        self.rate_button = QPushButton("Ghi đánh giá (Ctrl+G)")  # the citizen's rating (ui/screens/citizen_rating.py)
        QShortcut(QKeySequence("Ctrl+G"), self.rate_button, self._on_rate_clicked,
                  context=Qt.ShortcutContext.WindowShortcut)  # fmt: skip
        self.stop_button = QPushButton("Dừng / rút hồ sơ")  # form 05 (ui/screens/stop_dialog.py)
        self.fee_button = QPushButton("Thu phí, lệ phí (Ctrl+Shift+F)")  # issue 16 (ui/screens/fee_dialog.py)
        QShortcut(QKeySequence("Ctrl+Shift+F"), self.fee_button, self._on_fee_clicked,
                  context=Qt.ShortcutContext.WindowShortcut)  # fmt: skip
        self.rating = QLabel()
        self.rating.setAccessibleName("Đánh giá của công dân")
        self.rating.hide()
        self.fees = QLabel()  # "Phí, lệ phí: Chưa nộp 150.000 đồng" (issue 16); hidden without fee lines
        self.fees.setAccessibleName("Phí, lệ phí")
        self.fees.hide()
        row = QGridLayout()  # rows of five: whole labels in the detail's narrower column at 1366×768
        row.setContentsMargins(0, 0, 0, 0)
        for n, (button, slot) in enumerate(
            (
                (self.result_button, self._on_result_clicked),
                (self.return_button, self._on_return_clicked),
                (self.supplement_button, self._on_supplement_clicked),
                (self.receive_supplement_button, self._on_receive_supplement_clicked),
                (self.apology_button, self._on_apology_clicked),
                (self.control_button, self._on_control_clicked),
                (self.label_button, self._on_label_clicked),
                (self.cover_button, self._on_cover_clicked),
                (self.scan_button, self._on_scan_clicked),
                (self.stop_button, self._on_stop_clicked),
                (self.fee_button, self._on_fee_clicked),
                (self.rate_button, self._on_rate_clicked),  # shown once returned, when "stop" no longer applies
            )
        ):
            button.setAutoDefault(False)
            button.setEnabled(False)
            button.clicked.connect(slot)
            row.addWidget(button, n // BUTTONS_PER_ROW, n % BUTTONS_PER_ROW)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.location)
        column.addWidget(self.rating)
        column.addWidget(self.fees)
        column.addLayout(row)

    def update_for(self, detail: DossierDetail) -> None:
        """Refresh after the detail (re)loaded: custody and apology come from a worker."""
        self._detail = detail
        self._seq += 1
        seq, uid = self._seq, self._uid

        def done(state: CustodyState) -> None:
            if shiboken6.isValid(self) and seq == self._seq:
                self.state = state
                self._apply(detail, state)

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                self.location.setText(f"Không đọc được vị trí hồ sơ: {exc}")

        self._ctx.runner.run(lambda s: load_state(s, uid), done, failed, write=False)

    def _apply(self, d: DossierDetail, state: CustodyState) -> None:
        try:
            status: DossierStatus | None = DossierStatus(d.status)
        except ValueError:
            status = None  # a status a newer client sent over sync: no step offered
        received = d.code is not None
        self.location.setText(f"Vị trí hồ sơ giấy: {where_text(state.custody)}" if received else "")
        at_counter = (
            state.custody is not None
            and not state.custody.in_transit
            and state.custody.place.kind == "counter"
            and state.custody.place.code == self._ctx.actor.unit_code
        )
        steps = allowed_steps(d.status)  # which steps the status allows: app/domain/status.py

        def enable(button: QPushButton, ok: bool, why: str | None, tip: str) -> None:
            button.setEnabled(received and ok)
            button.setToolTip(tip if received and ok else (why or "Hồ sơ chưa được tiếp nhận."))

        def step(button: QPushButton, kind: Step, tip: str) -> None:
            enable(button, kind in steps, why_not(kind, d.status), tip)

        step(self.result_button, Step.RESULT, "Ghi nhận kết quả cơ quan giải quyết gửi về (trạng thái Đã xử lý xong)")
        if Step.RETURN in steps and not at_counter:
            why_return = "Hồ sơ giấy chưa về Bộ phận Một cửa: xác nhận phiếu bàn giao kết quả trước."
            enable(self.return_button, False, why_return, "")
        else:
            step(self.return_button, Step.RETURN, "Đối chiếu giấy tờ người nhận, trả kết quả và in biên nhận")
        step(self.supplement_button, Step.REQUEST_SUPPLEMENT,
             "Cơ quan giải quyết yêu cầu bổ sung: in lại Phiếu yêu cầu bổ sung (Mẫu 02)")  # fmt: skip
        step(self.receive_supplement_button, Step.RECEIVE_SUPPLEMENT, "Công dân đã nộp bổ sung: tính lại ngày hẹn trả")
        if state.extended_at is not None:
            why = (f"Đã lập phiếu xin lỗi và hẹn lại lúc {format_datetime(state.extended_at)}; theo quy định chỉ được"
                   " hẹn lại một lần.")  # fmt: skip
            self.apology_button.setEnabled(False)
            self.apology_button.setToolTip(why)
        elif d.due_at is None:
            enable(self.apology_button, False, "Hồ sơ không có ngày hẹn trả: không lập phiếu hẹn lại được.", "")
        else:
            step(self.apology_button, Step.APOLOGY,
                 "Lập Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04) – chỉ một lần")  # fmt: skip
        step(self.stop_button, Step.STOP,
             "Công dân đề nghị dừng giải quyết hoặc rút hồ sơ: ghi nhận và in Thông báo (Mẫu 05)")  # fmt: skip
        enable(self.control_button, True, "", "In Phiếu kiểm soát quá trình giải quyết hồ sơ theo các lần bàn giao")
        self.label_button.setText("In lại nhãn" if state.label_printed else "In nhãn")
        enable(self.label_button, True, "", "In nhãn mã vạch dán bìa hồ sơ (lần in lại được ghi vào lịch sử)")
        enable(self.scan_button, True, "", "Quét hoặc nhập tệp bản điện tử của hồ sơ, xếp theo giấy tờ (F9)")
        enable(self.cover_button, True, "", "In tờ phân cách có mã hồ sơ: đặt trước các trang của hồ sơ khi quét lô"
               " nhiều hồ sơ một lần (Shift+F9)")  # fmt: skip
        fees = state.fees
        owed = bool(fees and fees.unpaid())
        why_fee = fees.status_text if fees else "Không đọc được các khoản phí, lệ phí."
        paid = bool(fees and fees.payments)
        tip = "thu tiền và in biên lai" if owed else "xem, in lại biên lai"
        enable(self.fee_button, owed or paid, why_fee, f"{why_fee}: {tip} (Ctrl+Shift+F)")
        self.fees.setText(f"Phí, lệ phí: {why_fee}")
        self.fees.setVisible(bool(fees and (fees.lines or fees.payments)))
        rated = state.rating
        enable(self.rate_button, not why_not_rateable(d.status, d.code, rated.rating if rated else None),
               why_not_rateable(d.status, d.code, rated.rating if rated else None),
               "Ghi ý kiến đánh giá mức độ hài lòng của công dân (Ctrl+G)")  # fmt: skip
        self.rate_button.setVisible(status is _S.RETURNED)
        when = f", lúc {format_datetime(rated.rated_at)}" if rated and rated.rated_at else ""
        self.rating.setText(f"Đánh giá của công dân: {rated.label if rated else 'chưa có'}{when}")
        self.rating.setVisible(status is _S.RETURNED or rated is not None)

    # --- slots --------------------------------------------------------------------------------------

    def _code(self) -> str:
        return (self._detail.code or "") if self._detail else ""

    def _parent(self) -> QWidget:
        return self.window()

    @Slot()
    def _on_result_clicked(self) -> None:
        from ui.screens.result_dialog import ResultDialog

        ResultDialog(self._ctx, self._uid, self._code(), self._parent()).open()

    @Slot()
    def _on_return_clicked(self) -> None:
        from ui.screens.return_dialog import ReturnDialog

        name = self._detail.applicant_name if self._detail else ""
        ReturnDialog(self._ctx, self._uid, self._code(), name, self._parent()).open()

    @Slot()
    def _on_supplement_clicked(self) -> None:
        from ui.screens.supplement_dialog import RequestSupplementDialog

        RequestSupplementDialog(self._ctx, self._uid, self._code(), self._parent()).open()

    @Slot()
    def _on_receive_supplement_clicked(self) -> None:
        from ui.screens.supplement_dialog import ReceiveSupplementDialog

        ReceiveSupplementDialog(self._ctx, self._uid, self._code(), self._parent()).open()

    @Slot()
    def _on_apology_clicked(self) -> None:
        from ui.screens.apology_dialog import ApologyDialog

        due = self._detail.due_at if self._detail else None
        ApologyDialog(self._ctx, self._uid, self._code(), due, self._parent()).open()

    @Slot()
    def _on_stop_clicked(self) -> None:
        from ui.screens.stop_dialog import StopDialog

        d = self._detail
        name, status = (d.applicant_name, d.status) if d else ("", 0)
        try:
            label = DossierStatus(status).label
        except ValueError:
            label = f"Trạng thái {status}"
        StopDialog(self._ctx, self._uid, self._code(), name, label, self._parent()).open()

    @Slot()
    def _on_fee_clicked(self) -> None:
        if not self.fee_button.isEnabled():
            return  # nothing owed and no receipt to reprint
        from ui.screens.fee_dialog import FeeDialog

        name = self._detail.applicant_name if self._detail else ""
        FeeDialog(self._ctx, self._uid, self._code(), name, self._parent()).open()

    @Slot()
    def _on_control_clicked(self) -> None:
        from ui.screens.custody_print import open_document_preview, render_control

        ctx, uid = self._ctx, self._uid
        open_document_preview(ctx, self._parent(), lambda s: render_control(s, ctx.calendar, uid))

    @Slot()
    def _on_scan_clicked(self) -> None:
        if not self.scan_button.isEnabled():
            return
        from ui.scanning.session import open_scan_session

        open_scan_session(self._ctx, self._uid, self._parent())

    @Slot()
    def _on_rate_clicked(self) -> None:
        if not self.rate_button.isEnabled() or not self.rate_button.isVisible():
            return
        from ui.screens.citizen_rating import ask_rating

        ask_rating(self._ctx, self._uid, self._parent())

    @Slot()
    def _on_cover_clicked(self) -> None:
        from ui.screens.custody_print import open_document_preview, render_cover_sheet

        uid, office = self._uid, self._ctx.office.name
        open_document_preview(self._ctx, self._parent(), lambda s: render_cover_sheet(s, uid, office))

    @Slot()
    def _on_label_clicked(self) -> None:
        from ui.screens.custody_print import open_document_preview, render_labels
        from ui.screens.label_settings import LabelSettingsStore

        job, uid = LabelSettingsStore().load().job(), self._uid
        reprint = bool(self.state and self.state.label_printed)
        open_document_preview(self._ctx, self._parent(), lambda s: render_labels(s, [uid], job), reprint=reprint)
