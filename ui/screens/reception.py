"""Reception screen: pick the procedure, tick documents, enter or scan the applicant, decide."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.domain.applicant_kinds import DEFAULT_POLICY
from app.domain.catalog import Procedure
from app.errors import UserFacingError, ValidationError
from app.services.applicant import validate_applicant
from app.services.drafts import RETURN_AT_COUNTER, RETURN_BY_POST, Changes, DossierSummary, ReceptionDraft
from ui.context import UiContext
from ui.screens.applicant_form import ApplicantForm
from ui.screens.channel_choice import ChannelChoice
from ui.screens.fee_part import FeePart
from ui.screens.form_scroll import FormScrollArea
from ui.screens.procedure_picker import ProcedurePicker
from ui.theme import Role, set_role, show_banner

INVALID_APPLICANT = "Thông tin người nộp chưa hợp lệ – xem các ô tô đỏ."

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.domain.scan import Scan
    from app.services.duplicates_check import IdentifierClash
    from ui.scanner.feedback import ScanFeedback

# The decisions' work runs on a worker thread and imports app.services.reception there: the
# screen itself is built without SQLAlchemy (start-up time, bench/bench_startup.py).

Decide = Callable[["Session", ReceptionDraft], tuple[DossierSummary, Changes]]


class ReceptionScreen(QWidget):
    """The counter officer's main screen.

    Signals:
        decided(object): a DossierSummary after a dossier was received, sent back or refused.
    """

    decided = Signal(object)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._busy = False
        self.last_received_uid: str | None = None  # F9 on an empty screen scans this dossier (issue 5)
        self.picker = ProcedurePicker(ctx)
        self.applicant = ApplicantForm(ctx.prompts)
        self.sets = QSpinBox()
        self.sets.setRange(1, 99)
        self.sets.setSuffix(" bộ")
        self.return_method = QComboBox()
        self.return_method.addItems([RETURN_AT_COUNTER, RETURN_BY_POST])
        self.channel = ChannelChoice()  # direct / online / postal; postal mode (issue 16)
        self.channel.postal_wanted.connect(self.open_postal_batches)
        self.channel.postal_left.connect(lambda: self.picker.set_received_at(None))
        self.note = QLineEdit()
        self.note.setPlaceholderText("Ghi chú nội bộ (không in trên phiếu)")
        self.fees = FeePart()  # fee lines, exemption, paid at reception (issue 16)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.receive_button = QPushButton("Tiếp nhận và in phiếu hẹn (F9)")
        set_role(self.receive_button, Role.PRIMARY)
        self.supplement_button = QPushButton("Yêu cầu bổ sung (F10)")
        self.refuse_button = QPushButton("Từ chối (F11)")
        self.clear_button = QPushButton("Làm mới (Ctrl+N)")
        self.tick_all_button = QPushButton("Đã nhận đủ giấy tờ (Ctrl+D)")

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(8, 0, 0, 0)
        title = QLabel("3. Người nộp hồ sơ")
        set_role(title, Role.TITLE)
        column.addWidget(title)
        self.form_area = FormScrollArea()  # the fields scroll when they do not fit; never squeezed (1366×768)
        self.form_area.rows.addWidget(self.applicant)
        extra = QFormLayout()
        how = QHBoxLayout()  # two short rows share a line; Tab still goes channel → sets
        how.addWidget(self.channel, 1, Qt.AlignmentFlag.AlignTop)
        sets_label = QLabel("Số lượng hồ sơ:")
        sets_label.setBuddy(self.sets)
        sets_label.setMinimumHeight(self.sets.sizeHint().height())  # level with the box, the bar below
        sets_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        how.addSpacing(12)
        how.addWidget(sets_label, 0, Qt.AlignmentFlag.AlignTop)
        how.addWidget(self.sets, 0, Qt.AlignmentFlag.AlignTop)
        channel_label = QLabel("Hình thức nộp:")
        channel_label.setBuddy(self.channel.combo)
        extra.addRow(channel_label, how)
        extra.addRow("Nhận kết quả tại:", self.return_method)
        extra.addRow("Ghi chú:", self.note)
        self.form_area.rows.addLayout(extra)
        self.form_area.rows.addWidget(self.fees)  # below the form: its lines wrap (a form row would not grow)
        self.form_area.finish()
        column.addWidget(self.form_area, 1)
        column.addWidget(self.banner)
        decide = QHBoxLayout()
        decide.addWidget(self.receive_button, 2)
        decide.addWidget(self.supplement_button, 1)
        decide.addWidget(self.refuse_button, 1)
        column.addLayout(decide)
        below = QHBoxLayout()
        below.addWidget(self.tick_all_button)
        below.addStretch(1)
        below.addWidget(self.clear_button)
        column.addLayout(below)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.picker)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(splitter)

        self.receive_button.clicked.connect(self._on_receive_clicked)
        self.supplement_button.clicked.connect(self._on_supplement_clicked)
        self.refuse_button.clicked.connect(self._on_refuse_clicked)
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.tick_all_button.clicked.connect(self.picker.tick_all)
        self.applicant.id_card_read.connect(lambda msg: self.show_banner(msg, ok=True))
        self.applicant.id_card_warned.connect(lambda msg: self.show_banner(msg, ok=True, warning=True))
        self.applicant.id_card_failed.connect(lambda msg: self.show_banner(msg, ok=False))
        self.applicant.errors_cleared.connect(self._on_applicant_errors_cleared)
        self.applicant.watch_for_qr(self.picker.search)
        self._kind_by_procedure: dict[str, str] = {}  # the kind last chosen for each procedure
        self.picker.procedure_chosen.connect(self._on_picker_procedure_chosen)
        self.picker.procedure_chosen.connect(self.fees.set_procedure)
        self.applicant.kind.activated.connect(self._on_applicant_kind_activated)
        self.applicant.watch_for_qr(self.note)
        for key, slot in (
            ("F2", self.focus_search),
            ("F9", self._on_receive_clicked),
            ("Ctrl+Return", self._on_receive_clicked),
            ("F10", self._on_supplement_clicked),
            ("F11", self._on_refuse_clicked),
            ("Ctrl+N", self._on_clear_clicked),
            ("Ctrl+D", self.picker.tick_all),
            ("Alt+T", self.fees.toggle_pay_now),  # take the fee at reception (issue 16)
            ("Ctrl+U", self._focus_handling_unit),
        ):
            QShortcut(QKeySequence(key), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._set_tab_order()

    def tab_chain(self) -> list[QWidget]:
        """The screen's widgets in the order Tab visits them: as they are laid out, left column
        top to bottom, then the right column, then the buttons (issue 15: Tab from the name
        used to jump back to the procedure list)."""
        return [
            self.picker.search,
            self.picker.results,
            self.picker.checklist,
            *self.applicant.tab_chain(),
            self.channel.combo,
            self.sets,
            self.return_method,
            self.note,
            *self.fees.tab_chain(),
            self.receive_button,
            self.supplement_button,
            self.refuse_button,
            self.tick_all_button,
            self.clear_button,
        ]

    def _set_tab_order(self) -> None:
        chain = self.tab_chain()
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    @Slot(object)
    def _on_picker_procedure_chosen(self, procedure: Procedure | None) -> None:
        """Offer the applicant kinds the procedure accepts; the one last used for it comes first."""
        if procedure is None:
            self.applicant.set_policy(DEFAULT_POLICY)
        else:
            self.applicant.set_policy(procedure.applicants, self._kind_by_procedure.get(procedure.code))

    @Slot(int)
    def _on_applicant_kind_activated(self, _index: int) -> None:
        if self.picker.procedure is not None:
            self._kind_by_procedure[self.picker.procedure.code] = self.applicant.current_kind().value

    # --- helpers -----------------------------------------------------------------------
    def _focus_handling_unit(self) -> None:
        """Ctrl+U: pick the unit that decides the dossier (when the procedure names several)."""
        if self.picker.handling.isEnabled() and not self.picker.handling.isHidden():
            self.picker.handling.setFocus()  # arrows pick, F4 opens the list

    def focus_search(self) -> None:
        self.picker.search.setFocus()
        self.picker.search.selectAll()

    def show_banner(self, text: str, *, ok: bool, warning: bool = False) -> None:
        show_banner(self.banner, text, ok=ok, warning=warning)

    @Slot()
    def _on_applicant_errors_cleared(self) -> None:
        """Every red field has been corrected: the message pointing at them goes too."""
        if self.banner.isVisible() and self.banner.text() == INVALID_APPLICANT:
            self.banner.hide()

    def _draft(self) -> ReceptionDraft | None:
        """Collect the screen; show every local error at once and return None if any."""
        applicant, errors = self.applicant.draft()
        policy = self.picker.procedure.applicants if self.picker.procedure is not None else DEFAULT_POLICY
        errors = {**validate_applicant(applicant, self._ctx.clock().date(), policy), **errors}
        self.applicant.show_errors(errors)
        if self.picker.procedure is None:
            self.show_banner("Chưa chọn thủ tục hành chính. Bấm F2 và gõ tên thủ tục.", ok=False)
            self.focus_search()
            return None
        if errors:
            self.show_banner(INVALID_APPLICANT, ok=False)
            widget = self.applicant.first_invalid(errors)
            if widget is not None:
                widget.setFocus()
            return None
        return ReceptionDraft(
            procedure_code=self.picker.procedure.code,
            applicant=applicant,
            documents=self.picker.documents(),
            sets=self.sets.value(),
            return_method=self.return_method.currentText(),
            note=self.note.text(),
            channel=self.channel.channel(),
            postal_item=self.channel.postal_item(),
            handling_unit=self.picker.handling_unit(),
        )

    def _run(self, decide: Decide, draft: ReceptionDraft, done_text: str) -> None:
        if self._busy:
            return
        self._busy = True
        self._set_enabled(False)
        ctx = self._ctx
        ctx.runner.run(
            lambda s: decide(s, draft), lambda r: self._on_decided(r, done_text), self._on_failed, write=True
        )

    def _set_enabled(self, on: bool) -> None:
        for b in (self.receive_button, self.supplement_button, self.refuse_button):
            b.setEnabled(on)

    def _on_decided(self, result: tuple[DossierSummary, Changes], done_text: str) -> None:
        summary, changes = result
        self._busy = False
        self._set_enabled(True)
        self._ctx.bus.publish(changes, self)
        self.reset()
        text = done_text.format(code=summary.code or "", name=summary.applicant_name)
        self.show_banner(text, ok=True)
        self.decided.emit(summary)
        if summary.code:
            self.last_received_uid = summary.uid
        from ui.screens.print_preview import open_form_preview

        open_form_preview(self._ctx, self, summary.uid, reprint=False)
        if summary.code:
            from ui.screens.fee_dialog import open_receipts_of  # the fee receipt when paid at reception

            open_receipts_of(self._ctx, self, summary.uid)
            from ui.screens.label_settings import open_label_with_slip  # per-PC option, Cài đặt nhãn

            open_label_with_slip(self._ctx, self, summary.uid)

    def _on_failed(self, exc: BaseException) -> None:
        self._busy = False
        self._set_enabled(True)
        if isinstance(exc, ValidationError):
            self.applicant.show_errors(exc.fields)
            self.fees.show_errors(exc.fields)
            self.picker.show_error(exc.fields.get("documents"))
            self.show_banner(exc.message, ok=False)
        elif isinstance(exc, UserFacingError):
            self.show_banner(exc.message, ok=False)
        else:
            self.show_banner("Lỗi ngoài dự kiến, hồ sơ CHƯA được lưu; thông tin đã nhập vẫn còn. Hãy thử lại"
                             " hoặc báo bộ phận CNTT.", ok=False)  # fmt: skip
            self._ctx.runner.unexpected_error.emit(exc)

    # --- decisions ---------------------------------------------------------------------
    @Slot()
    def _on_receive_clicked(self) -> None:
        if self.last_received_uid and self.picker.procedure is None and not self.applicant.has_input():
            from ui.scanning.session import open_scan_session  # F9 right after a receipt: scan its pages

            open_scan_session(self._ctx, self.last_received_uid, self)
            return
        draft = self._draft()
        if draft is None:
            return
        missing = [d.name for d in draft.documents if d.required and not d.submitted]
        if missing:
            self.picker.show_error("Còn thiếu giấy tờ bắt buộc: " + "; ".join(missing)
                                   + ". Đánh dấu nếu đã nhận, hoặc bấm F10 để yêu cầu bổ sung.")  # fmt: skip
            self.show_banner("Chưa thể tiếp nhận: hồ sơ còn thiếu giấy tờ bắt buộc.", ok=False)
            self.picker.checklist.setFocus()
            return
        self._check_identifier_then_receive(draft)

    def _check_identifier_then_receive(self, draft: ReceptionDraft) -> None:
        """Look for the applicant's number under another name first; receive if there is none or
        the officer says to go on (issue 15: one ID was accepted under two names)."""
        if self._busy:
            return
        self._busy = True
        self._set_enabled(False)
        ctx = self._ctx

        def check(session: Session) -> IdentifierClash | None:
            from app.services.duplicates_check import find_identifier_clash

            return find_identifier_clash(session, draft.applicant)

        def checked(clash: IdentifierClash | None) -> None:
            self._busy = False
            self._set_enabled(True)
            if clash is not None and not ctx.prompts.confirm(
                self, "Số định danh đã có với tên khác", clash.message() + " Vẫn tiếp nhận?"
            ):
                self.show_banner(
                    "Chưa tiếp nhận hồ sơ. " + clash.message() + " Sửa lại rồi bấm F9.", ok=False
                )  # fmt: skip
                self.applicant.identifier_field().setFocus()
                return
            self._run(work, draft, "Đã tiếp nhận hồ sơ {code} của {name}. Phiếu hẹn đang mở để in. Bấm F9 để quét"
                      " bản điện tử của hồ sơ này.")  # fmt: skip

        fee_choice = self.fees.choice(draft.applicant.full_name)  # read on the GUI thread

        def work(session: Session, d: ReceptionDraft) -> tuple[DossierSummary, Changes]:
            from app.services.reception import receive_dossier

            return receive_dossier(session, ctx.actor, ctx.catalog, ctx.calendar, d, ctx.clock(), fee_choice)

        ctx.runner.run(check, checked, self._on_failed, write=False)

    @Slot()
    def _on_supplement_clicked(self) -> None:
        draft = self._draft()
        if draft is None:
            return
        missing = [f"Nộp {d.form_label.lower()} {d.name}" for d in draft.documents if d.required and not d.submitted]
        from ui.screens.decision_dialogs import SupplementDialog

        dialog = SupplementDialog(missing, self)
        self.supplement_dialog = dialog
        ctx = self._ctx

        def finished(code: int) -> None:
            if code != QDialog.DialogCode.Accepted:
                return
            items, reason = dialog.item_list(), dialog.reason_text()

            def work(session: Session, d: ReceptionDraft) -> tuple[DossierSummary, Changes]:
                from app.services.reception import request_supplement

                return request_supplement(session, ctx.actor, ctx.catalog, d, items, reason, ctx.clock())

            self._run(work, draft, "Đã lập phiếu yêu cầu bổ sung cho {name}.")

        dialog.finished.connect(finished)
        dialog.open()

    @Slot()
    def _on_refuse_clicked(self) -> None:
        draft = self._draft()
        if draft is None:
            return
        from ui.screens.decision_dialogs import RefusalDialog

        dialog = RefusalDialog(self)
        self.refusal_dialog = dialog
        ctx = self._ctx

        def finished(code: int) -> None:
            if code != QDialog.DialogCode.Accepted:
                return
            reason = dialog.reason_text()

            def work(session: Session, d: ReceptionDraft) -> tuple[DossierSummary, Changes]:
                from app.services.reception import refuse

                return refuse(session, ctx.actor, ctx.catalog, d, reason, ctx.clock())

            self._run(work, draft, "Đã lập phiếu từ chối tiếp nhận hồ sơ của {name}.")

        dialog.finished.connect(finished)
        dialog.open()

    def handle_scan(self, scan: Scan, feedback: ScanFeedback) -> bool:
        """A postal item's barcode (S10) receives that item of today's batch record in postal mode
        (ui/screens/postal_scan.py); any other scan is left to the defaults (ui/scanner/router.py)."""
        from ui.screens.postal_scan import take_postal_scan

        return take_postal_scan(self._ctx, self, scan, feedback)

    @Slot()
    def open_postal_batches(self) -> None:
        """The postal batch records (Ctrl+Shift+B): sign one, or pick an item to receive in postal mode."""
        from ui.screens.postal_batch import open_postal_batches

        open_postal_batches(self._ctx, self, self)

    @Slot()
    def _on_clear_clicked(self) -> None:
        if (self.applicant.has_input() or self.picker.procedure is not None) and not self._ctx.prompts.confirm(
            self, "Làm mới", "Xoá thông tin đang nhập để tiếp nhận hồ sơ mới?"
        ):
            return
        self.reset()
        self.last_received_uid = None  # a new citizen: F9 receives again
        self.banner.hide()

    def reset(self) -> None:
        """Ready for the next citizen (F9 still offers to scan the dossier just received)."""
        self.applicant.reset()
        self.picker.reset()
        self.sets.setValue(1)
        self.return_method.setCurrentIndex(0)
        self.channel.reset()
        self.note.clear()
        self.fees.reset()
        self.focus_search()
