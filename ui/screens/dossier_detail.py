"""Dossier detail dialog: applicant, procedure, documents, history, and reprinting the form.

Laid out for a 1366×768 screen: what was received (applicant, procedure, papers) on the left, in
a scroll area so nothing is ever squeezed; what happens to it (location and steps, scans, the
history) on the right, where the history takes the height that is left.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QGuiApplication, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.calendar import weekday_vi
from app.domain.legal_basis import basis_of
from app.domain.postal import channel_text
from app.domain.status import DossierStatus
from app.services.dossiers import DossierDetail, get_detail
from app.services.drafts import Changes
from ui.context import UiContext
from ui.models.dossier_table import (
    HCOL_DETAIL,
    HCOL_EVENT,
    HCOL_OFFICER,
    HCOL_TIME,
    HistoryTableModel,
    is_overdue,
    status_label,
)
from ui.ops import Latest
from ui.scanner.targets import accept_scans
from ui.theme import Role, set_role

_SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard


def vn_datetime(value: datetime | None) -> str:
    """``09:15, Thứ Hai 23/11/2026``; empty for None."""
    if value is None:
        return ""
    return f"{value:%H:%M}, {weekday_vi(value.date())} {value:%d/%m/%Y}"


def vn_date(value: date | None) -> str:
    """``dd/mm/yyyy``; empty for None."""
    return f"{value:%d/%m/%Y}" if value else ""


def _value_label(word_wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(_SELECTABLE)
    label.setWordWrap(word_wrap)
    return label


_WRAPPED = frozenset({"name", "address", "procedure", "department", "due", "return", "email"})
"""Fields that may run to several lines; the rest are short and stay on one line."""

DEFAULT_SIZE = (1280, 720)
HISTORY_MIN_ROWS = 4
"""The history keeps room for this many one-line rows however small the dialog (≥ 8 at 1366×768)."""
LEFT_SHARE = 34
"""Percent of the width for the applicant, procedure and papers column."""


def _document_lines(documents: list[dict[str, Any]], received: bool) -> str:
    lines = []
    for d in documents:
        copies = d.get("copies") or 1
        line = f"• {d.get('name', '')} ({d.get('form_label', '')}, {copies:02d} bản)"
        if not received and not d.get("submitted", True):
            line += " — chưa nộp"
        lines.append(line)
    return "\n".join(lines) or "Không có giấy tờ nào."


class DossierDetailDialog(QDialog):
    """Everything about one dossier, read-only; refreshes when the change bus names it.

    Args:
        ctx: the logged-in session's services.
        uid: the dossier to show.
        parent: the window it belongs to.
    """

    def __init__(self, ctx: UiContext, uid: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._uid = uid
        self._detail_reads = Latest(self)
        self._conflict_reads = Latest(self)
        self._detail: DossierDetail | None = None
        self.setWindowTitle("Chi tiết hồ sơ")
        accept_scans(self)  # scanning the next folder here opens it (ui/scanner/router.py)
        self._build()
        self._set_tab_order()
        self.resize(self._default_size())
        ctx.bus.changed.connect(self._on_bus_changed)
        self._load()

    @property
    def uid(self) -> str:
        """The dossier shown."""
        return self._uid

    @property
    def detail(self) -> DossierDetail | None:
        """The detail last loaded (None until it arrives)."""
        return self._detail

    @property
    def history_model(self) -> HistoryTableModel:
        """Rows of the history table."""
        return self._history

    # --- layout -------------------------------------------------------------------------------

    def tab_chain(self) -> list[QWidget]:
        """The widgets Tab visits, in the order they are laid out (issue 15): the left column (one
        stop: it scrolls with the arrow keys), the action buttons row by row, the scans and their
        buttons, the history, then the buttons at the bottom. Disabled or hidden ones are skipped
        by Qt."""
        actions = self.custody_actions
        return [
            self.info_scroll,
            actions.result_button, actions.return_button, actions.supplement_button,
            actions.receive_supplement_button, actions.apology_button,
            actions.control_button, actions.label_button, actions.cover_button, actions.scan_button,
            actions.stop_button, actions.fee_button, actions.rate_button,
            self.attachments.table, self.attachments.open_button, self.attachments.save_button,
            self._history_view,
            self._print_button,
            self._close_button,
        ]  # fmt: skip

    def _set_tab_order(self) -> None:
        # In a table Tab would walk from cell to cell and never leave (the scans' table held the
        # focus for good); the arrow keys still move between rows.
        for table in (self.attachments.table, self._history_view):
            table.setTabKeyNavigation(False)
        for first, second in pairwise(self.tab_chain()):
            QWidget.setTabOrder(first, second)

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setSpacing(8)

        head = QHBoxLayout()
        self._code = _value_label(word_wrap=False)
        self._code.setText("Đang tải hồ sơ…")
        self._code.setStyleSheet("font-size: 16pt; font-weight: bold; color: #0b3d91;")
        self._code.setAccessibleName("Mã hồ sơ")
        self._status = QLabel()
        self._status.setStyleSheet(
            "font-weight: bold; padding: 3px 10px; border-radius: 10px; background: #e7f1ff; color: #0b3d91;"
        )
        head.addWidget(self._code)
        head.addStretch(1)
        head.addWidget(self._status)
        root.addLayout(head)

        self._subtitle = _value_label()
        set_role(self._subtitle, Role.MUTED)
        root.addWidget(self._subtitle)

        self._error = QLabel()
        set_role(self._error, Role.ERROR)
        self._error.setWordWrap(True)
        self._error.hide()
        root.addWidget(self._error)

        self.conflict_banner = QLabel()  # "Hồ sơ đang có xung đột: …" (app.sync.conflicts)
        self.conflict_banner.setWordWrap(True)
        self.conflict_banner.setAccessibleName("Xung đột của hồ sơ")
        self.conflict_banner.setStyleSheet(
            "background: #b00020; color: white; font-weight: bold; padding: 6px 10px; border-radius: 4px;"
        )
        self.conflict_banner.hide()
        root.addWidget(self.conflict_banner)

        self._fields: dict[str, QLabel] = {}
        self._forms: dict[str, QFormLayout] = {}
        left = QWidget()
        left_col = QVBoxLayout(left)
        left_col.setContentsMargins(0, 0, 6, 0)
        left_col.addWidget(
            self._form_group(
                "Người nộp hồ sơ",
                [
                    ("name", "Họ và tên"),
                    ("personal_id", "Số định danh"),
                    ("birth", "Ngày sinh"),
                    ("phone", "Điện thoại"),
                    ("email", "Thư điện tử"),
                    ("address", "Địa chỉ"),
                ],
            )
        )
        left_col.addWidget(
            self._form_group(
                "Thủ tục hành chính",
                [
                    ("procedure", "Thủ tục"),
                    ("department", "Cơ quan giải quyết"),
                    ("received", "Ngày nhận"),
                    ("due", "Hẹn trả kết quả"),
                    ("channel", "Hình thức nộp"),  # direct / online / postal with its item number (issue 16)
                    ("return", "Nhận kết quả"),
                    ("basis", "Căn cứ"),  # the decree and circular of its forms (app.domain.legal_basis)
                ],
            )
        )
        self._documents_box = QGroupBox("Giấy tờ đã nhận")
        self._documents = _value_label()
        self._documents.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        QVBoxLayout(self._documents_box).addWidget(self._documents)
        self._request_box = QGroupBox("Yêu cầu bổ sung, hoàn thiện")
        self._request = _value_label()
        self._request.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        QVBoxLayout(self._request_box).addWidget(self._request)
        self._request_box.hide()
        left_col.addWidget(self._documents_box)
        left_col.addWidget(self._request_box)
        left_col.addStretch(1)
        self._info = left
        self.info_scroll = QScrollArea()  # a long procedure name or paper list scrolls, never overlaps
        self.info_scroll.setWidget(left)
        self.info_scroll.setWidgetResizable(True)
        self.info_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.info_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        right = QWidget()
        right_col = QVBoxLayout(right)
        right_col.setContentsMargins(6, 0, 0, 0)
        from ui.screens.dossier_actions import DossierActions  # custody: location and processing steps

        self.custody_actions = DossierActions(self._ctx, self._uid, self)
        right_col.addWidget(self.custody_actions)

        from ui.screens.attachments_view import AttachmentsView  # scanned documents (issue 5)

        self.attachments = AttachmentsView(self._ctx, self._uid, self)
        right_col.addWidget(self.attachments)

        history_box = QGroupBox("Lịch sử xử lý")
        self._history = HistoryTableModel(self)
        self._history_view = QTableView()
        self._history_view.setModel(self._history)
        self._history_view.setAccessibleName("Lịch sử xử lý")
        self._history_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._history_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._history_view.setWordWrap(True)
        self._history_view.verticalHeader().hide()
        self._history_view.setMinimumHeight(
            self._history_view.horizontalHeader().sizeHint().height()
            + HISTORY_MIN_ROWS * self._history_view.verticalHeader().defaultSectionSize()
            + 2 * self._history_view.frameWidth()
        )
        header = self._history_view.horizontalHeader()
        for col in (HCOL_TIME, HCOL_EVENT, HCOL_OFFICER):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(HCOL_DETAIL, QHeaderView.ResizeMode.Stretch)
        QVBoxLayout(history_box).addWidget(self._history_view)
        right_col.addWidget(history_box, 1)

        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.body.setChildrenCollapsible(False)
        self.body.addWidget(self.info_scroll)
        self.body.addWidget(right)
        self.body.setStretchFactor(0, 4)
        self.body.setStretchFactor(1, 6)
        self._split_done = False
        self.body.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        root.addWidget(self.body, 1)

        buttons = QHBoxLayout()
        self._print_button = QPushButton("In lại phiếu")
        self._print_button.setShortcut(QKeySequence("Ctrl+P"))
        self._print_button.setToolTip("In lại phiếu đã lập cho hồ sơ này (Ctrl+P)")
        self._print_button.setEnabled(False)
        self._print_button.setAutoDefault(False)
        self._print_button.clicked.connect(self._on_print_button_clicked)
        self._close_button = QPushButton("Đóng")
        self._close_button.setToolTip("Đóng (Esc)")
        self._close_button.setAutoDefault(False)
        self._close_button.clicked.connect(self.reject)
        buttons.addWidget(self._print_button)
        buttons.addStretch(1)
        buttons.addWidget(self._close_button)
        root.addLayout(buttons)

    def _default_size(self) -> QSize:
        """1280×720 (the whole of a 1366×768 screen but the taskbar), never more than the screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        size = QSize(*DEFAULT_SIZE)
        if screen is not None:
            size = size.boundedTo(screen.availableGeometry().size() - QSize(16, 48))  # frame and title bar
        return size.expandedTo(self.minimumSizeHint())

    def _fit_info_column(self) -> None:
        """Keep the left column wide enough for its one-line values (ID, dates) beside their labels."""
        content = self._info
        for form in self._forms.values():  # the values just set are not in the cached minimum yet
            form.invalidate()
        for box in content.findChildren(QGroupBox):
            box.updateGeometry()
        needed = content.minimumSizeHint().width() + self.info_scroll.verticalScrollBar().sizeHint().width()
        self.info_scroll.setMinimumWidth(needed)
        if not self._split_done and self.isVisible():
            self._split_done = True
            total = sum(self.body.sizes())
            left = max(needed, total * LEFT_SHARE // 100)
            self.body.setSizes([left, total - left])

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        """Share the width between the two columns once the dialog has its size."""
        super().showEvent(event)
        self._fit_info_column()

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt override
        """Re-wrap the history's details to the new width."""
        super().resizeEvent(event)
        self._history_view.resizeRowsToContents()

    def _form_group(self, title: str, rows: list[tuple[str, str]]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(4)
        for key, label in rows:
            value = _value_label(word_wrap=key in _WRAPPED)
            self._fields[key] = value
            form.addRow(f"{label}:", value)
        self._forms[title] = form
        return box

    # --- data -----------------------------------------------------------------------------------

    def _load(self) -> None:
        uid = self._uid
        done, failed = self._detail_reads.guard(
            self._on_detail_loaded, lambda exc: self._show_error(f"Không tải được hồ sơ: {exc}")
        )
        self._ctx.runner.run(lambda session: get_detail(session, uid), done, failed, write=False)
        self._load_conflicts()

    def _load_conflicts(self) -> None:
        """The red banner while the server has an open conflict on this dossier (learnt by sync)."""
        from app.sync.conflicts import open_conflicts_of
        from ui.screens.conflicts import banner_text

        uid = self._uid

        def show(items: tuple[Any, ...]) -> None:
            self.conflict_banner.setText(banner_text(items) if items else "")
            self.conflict_banner.setVisible(bool(items))

        # An older read finishing last must not bring a banner back.
        done, failed = self._conflict_reads.guard(show, lambda _e: None)
        self._ctx.runner.run(lambda session: open_conflicts_of(session, uid), done, failed, write=False)

    def _show_error(self, text: str) -> None:
        self._error.setText(text)
        self._error.show()

    def _on_detail_loaded(self, detail: DossierDetail | None) -> None:
        if detail is None:
            self._code.setText("Không tìm thấy hồ sơ")
            self._show_error("Hồ sơ này không còn trong cơ sở dữ liệu của máy.")
            return
        self._detail = detail
        self._error.hide()
        data = detail.data
        self._code.setText(detail.code or "Chưa cấp mã hồ sơ")
        self._status.setText(status_label(detail.status))
        self.setWindowTitle(f"Hồ sơ {detail.code or ''} — {detail.applicant_name}".replace("  ", " "))
        received = detail.code is not None
        counter = data.get("counter_name", "")
        self._subtitle.setText(
            ("Cán bộ tiếp nhận: " if received else "Cán bộ một cửa: ") + detail.officer_name
            + (f" · {counter}" if counter else "")
            + (f" · Sổ theo dõi hồ sơ quyển {data['register_book']}, số {data['register_no']}"
               if data.get("register_no") else "")
        )  # fmt: skip
        when = self._forms["Thủ tục hành chính"].labelForField(self._fields["received"])
        if isinstance(when, QLabel):
            when.setText("Ngày nhận:" if received else "Ngày đến nộp:")
        birth = vn_date(detail.birth_date)
        if detail.sex:
            birth = f"{birth}   ·   Giới tính: {detail.sex}" if birth else f"Giới tính: {detail.sex}"
        values = {
            "name": detail.applicant_name,
            "personal_id": detail.personal_id,
            "birth": birth,
            "phone": detail.phone,
            "email": detail.email,
            "address": detail.address,
            "procedure": f"{detail.procedure_name} (mã {detail.procedure_code})",
            "department": detail.department_name,
            "received": vn_datetime(detail.received_at),
            "due": vn_datetime(detail.due_at) or "Không có (hồ sơ chưa được tiếp nhận)",
            "channel": channel_text(data),
            "return": str(data.get("return_method", "")),
            "basis": basis_of(data.get("legal_basis"), detail.received_at).citation,
        }
        for key, text in values.items():
            self._fields[key].setText(text or "—")
        overdue = is_overdue(detail.due_at, detail.status, self._ctx.clock())
        self._fields["due"].setStyleSheet("color: #b00020; font-weight: bold;" if overdue else "")
        if overdue:
            self._fields["due"].setText(self._fields["due"].text() + " (đã quá hạn)")
        self._show_documents(detail)
        self._history.set_items(detail.history)
        self._history_view.resizeRowsToContents()
        self._fit_info_column()
        self._print_button.setEnabled(True)
        self.custody_actions.update_for(detail)
        self.attachments.code = detail.code or ""

    def _show_documents(self, detail: DossierDetail) -> None:
        data = detail.data
        documents = list(data.get("documents", []))
        received = detail.code is not None
        self._documents_box.setTitle("Giấy tờ đã nhận" if received else "Giấy tờ công dân mang đến")
        text = _document_lines(documents, received)
        if data.get("sets"):
            text += f"\nSố lượng: {int(data['sets']):02d} bộ hồ sơ."
        if data.get("note"):
            text += f"\nGhi chú: {data['note']}"
        self._documents.setText(text)
        items = [str(i) for i in data.get("items", [])]
        reason = str(data.get("reason", ""))
        if detail.status == DossierStatus.REFUSED or (reason and not items):
            self._request_box.setTitle("Lý do từ chối tiếp nhận")
            self._request.setText(reason)
            self._request_box.show()
        elif items or reason:
            self._request_box.setTitle("Yêu cầu bổ sung, hoàn thiện")
            lines = [f"{n}. {item}" for n, item in enumerate(items, 1)]
            self._request.setText("\n".join([*lines, f"Lý do: {reason}"]))
            self._request_box.show()
        else:
            self._request_box.hide()

    # --- slots ------------------------------------------------------------------------------------

    @Slot(object, object)
    def _on_bus_changed(self, changes: Changes, initiator: object) -> None:
        if self._uid in changes.dossier_uids:
            self._load()
            self.attachments.reload()
        elif initiator is not None:
            self._load_conflicts()  # sync brought events: a conflict may have opened or closed
            self.attachments.reload()  # …or another counter's scans, or an upload finished

    @Slot()
    def _on_print_button_clicked(self) -> None:
        from ui.screens.print_preview import open_form_preview  # written alongside; import lazily

        open_form_preview(self._ctx, self, self._uid, reprint=True)
