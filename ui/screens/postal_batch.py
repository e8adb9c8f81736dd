"""Biên bản giao nhận bưu chính (Ctrl+Shift+B): sign a batch with the postal worker, print it, then
receive its items one by one on the reception screen in postal mode.

The officer types the postal unit and the worker's name, keeps or sets back the signing time
(earlier today), scans each item's barcode (or types its number and presses Enter), then signs
(Ctrl+Enter): the batch is recorded (app.services.postal.sign_batch) and the record opens in the
print preview. An earlier batch is chosen in the list at the top; its items show their dossier
codes as they are received; Enter on an item not yet received (or "Tiếp nhận bưu gửi này") puts
the reception screen in postal mode for it; Ctrl+P reprints the record with the codes filled in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QDateTime, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.postal import PostalBatchDraft, PostalItem, item_number_problem, normalise_item_number
from app.domain.scan import Scan
from app.errors import UserFacingError, ValidationError
from ui.context import UiContext
from ui.scanner.feedback import ScanFeedback
from ui.screens.postal_scan import enter_postal_mode, postal_caption
from ui.screens.print_preview import MadePdf, UnloggedPreviewDialog, open_pdf_preview
from ui.theme import Role, set_role, show_banner

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.postal import PostalBatch
    from ui.screens.reception import ReceptionScreen

NEW_BATCH = "— Lập biên bản mới —"
ANY_INDEX = QModelIndex | QPersistentModelIndex


class ItemsModel(QAbstractTableModel):
    """The items of the batch on screen: postal number, dossier code, note."""

    HEADINGS = ("Số hiệu bưu gửi", "Mã hồ sơ", "Ghi chú")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, str, str]] = []

    def set_rows(self, rows: list[tuple[str, str, str]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: ANY_INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ANY_INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADINGS)

    def data(self, index: ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            return self.rows[index.row()][index.column()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.HEADINGS[section] if orientation == Qt.Orientation.Horizontal else str(section + 1)


class ItemsView(QTableView):
    """The items table: Enter receives the item, Delete takes it off a new batch.

    Signals:
        enter_pressed(), delete_pressed(): the keys, pressed in the table.
    """

    enter_pressed = Signal()
    delete_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.enter_pressed.emit()
        elif event.key() == Qt.Key.Key_Delete:
            self.delete_pressed.emit()
        else:
            super().keyPressEvent(event)


class BatchPreviewDialog(UnloggedPreviewDialog):
    """The batch record's preview (it is no dossier's print: nothing goes into a history)."""


class PostalBatchDialog(QDialog):
    """Sign a new batch record or pick an item of an earlier one.

    Signals:
        item_chosen(object, str, object): a :class:`PostalItem` to receive, the caption for the reception
            screen, and the batch's signing time (the receipt time).
    """

    item_chosen = Signal(object, str, object)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._batches: list[PostalBatch] = []
        self.setWindowTitle("Biên bản giao nhận hồ sơ qua dịch vụ bưu chính công ích")
        self.resize(760, 600)
        self.batch = QComboBox()
        self.batch.addItem(NEW_BATCH)
        self.postal_unit = QLineEdit()
        self.postal_unit.setPlaceholderText("Ví dụ: Bưu điện xã Hạ Long")
        self.postal_unit.setMaxLength(200)
        self.worker_name = QLineEdit()
        self.worker_name.setMaxLength(200)
        self.worker_phone = QLineEdit()
        self.worker_phone.setMaxLength(20)
        self.signed_at = QDateTimeEdit()
        self.signed_at.setDisplayFormat("HH:mm  dd/MM/yyyy")
        self.item_input = QLineEdit()
        self.item_input.setPlaceholderText("Quét mã vạch trên bưu gửi hoặc nhập số hiệu (RR123456785VN) rồi Enter")
        self.item_input.setMaxLength(40)
        self.items = ItemsModel(self)
        self.table = ItemsView()
        self.table.setModel(self.items)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 170)
        self.table.setColumnWidth(1, 230)
        self.errors: dict[str, QLabel] = {}
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.sign_button = QPushButton("Ký biên bản và in (Ctrl+Enter)")
        set_role(self.sign_button, Role.PRIMARY)
        self.receive_button = QPushButton("Tiếp nhận bưu gửi này (Enter)")
        set_role(self.receive_button, Role.PRIMARY)
        self.reprint_button = QPushButton("In lại biên bản (Ctrl+P)")
        close = QPushButton("Đóng (Esc)")
        for b in (self.sign_button, self.receive_button, self.reprint_button, close):
            b.setAutoDefault(False)  # Enter after a scanned number adds the item; it never signs the record

        form = QFormLayout()
        form.addRow("Biên bản:", self.batch)
        for key, label, widget in (
            ("postal_unit", "Đơn vị bưu chính:", self.postal_unit),
            ("worker_name", "Nhân viên bưu chính:", self.worker_name),
            ("worker_phone", "Điện thoại:", self.worker_phone),
            ("signed_at", "Giờ ký biên bản:", self.signed_at),
            ("items", "Số hiệu bưu gửi:", self.item_input),
        ):
            error = QLabel()
            error.setWordWrap(True)
            set_role(error, Role.ERROR)
            error.hide()
            self.errors[key] = error
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(1)
            column.addWidget(widget)
            column.addWidget(error)
            form.addRow(label, box)
        hint = QLabel("Giờ ký biên bản là thời điểm tiếp nhận của mọi hồ sơ trong biên bản; Delete xoá bưu gửi đang"
                      " chọn khỏi biên bản mới.")  # fmt: skip
        hint.setWordWrap(True)
        set_role(hint, Role.HINT)
        buttons = QHBoxLayout()
        for b in (self.sign_button, self.receive_button, self.reprint_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)

        self.batch.currentIndexChanged.connect(self._on_batch_current_index_changed)
        self.item_input.returnPressed.connect(self._on_item_input_return_pressed)
        self.sign_button.clicked.connect(self._on_sign_clicked)
        self.receive_button.clicked.connect(self._on_receive_clicked)
        self.reprint_button.clicked.connect(self._on_reprint_clicked)
        self.table.doubleClicked.connect(self._on_receive_clicked)
        close.clicked.connect(self.reject)
        for key, slot in (
            ("Ctrl+Return", self._on_sign_clicked),
            ("Ctrl+P", self._on_reprint_clicked),
        ):
            QShortcut(QKeySequence(key), self, slot)
        self.table.delete_pressed.connect(self._on_delete_pressed)
        self.table.enter_pressed.connect(self._on_receive_clicked)
        self._show_new()
        self._load()

    # --- state ------------------------------------------------------------------------------------

    def _new(self) -> bool:
        return self.batch.currentIndex() == 0

    def current_batch(self) -> PostalBatch | None:
        """The earlier batch chosen in the list (None: a new one)."""
        return None if self._new() else self._batches[self.batch.currentIndex() - 1]

    def _show_new(self) -> None:
        now = self._ctx.clock()
        day = QDateTime(now.date(), now.time().replace(second=0, microsecond=0))
        self.signed_at.setMinimumDateTime(QDateTime(now.date(), datetime.min.time()))
        self.signed_at.setMaximumDateTime(day.addSecs(120))
        self.signed_at.setDateTime(day)
        for w in (self.postal_unit, self.worker_name, self.worker_phone, self.item_input):
            w.setReadOnly(False)
            w.clear()
        self.signed_at.setReadOnly(False)
        self.items.set_rows([])
        self._set_buttons()

    def _show_batch(self, batch: PostalBatch) -> None:
        self.postal_unit.setText(batch.postal_unit)
        self.worker_name.setText(batch.worker_name)
        self.worker_phone.setText(batch.worker_phone)
        self.signed_at.setMinimumDateTime(QDateTime(batch.signed_at.date(), datetime.min.time()))
        self.signed_at.setMaximumDateTime(QDateTime(batch.signed_at.date(), datetime.max.time().replace(microsecond=0)))
        self.signed_at.setDateTime(QDateTime(batch.signed_at.date(), batch.signed_at.time()))
        for w in (self.postal_unit, self.worker_name, self.worker_phone, self.item_input):
            w.setReadOnly(True)
        self.item_input.clear()
        self.signed_at.setReadOnly(True)
        self.items.set_rows([(i.item_no, i.code or "", i.state_text) for i in batch.items])
        pending = next((n for n, i in enumerate(batch.items) if i.uid is None), None)
        if pending is not None:
            self.table.selectRow(pending)
        self._set_buttons()

    def _set_buttons(self) -> None:
        new = self._new()
        self.sign_button.setEnabled(new)
        self.receive_button.setEnabled(not new)
        self.reprint_button.setEnabled(not new)

    def _load(self, select: str | None = None, message: str = "") -> None:
        ctx = self._ctx

        def work(session: Session) -> list[PostalBatch]:
            from app.services.postal import recent_batches

            return recent_batches(session, ctx.actor.unit_code)

        def loaded(batches: list[PostalBatch]) -> None:
            if not shiboken6.isValid(self.batch):
                return  # closed while the list was read
            self._batches = batches
            self.batch.blockSignals(True)
            while self.batch.count() > 1:
                self.batch.removeItem(1)
            for b in batches:
                done = len(b.items) - len(b.pending)
                self.batch.addItem(
                    f"{b.number} · ký {b.signed_at:%H:%M %d/%m/%Y} · {b.postal_unit} · đã xử lý {done}/{len(b.items)}"
                )
            index = next((n + 1 for n, b in enumerate(batches) if b.batch_id == select), None)
            self.batch.blockSignals(False)
            if index is not None:
                self.batch.setCurrentIndex(index)
                self._show_batch(batches[index - 1])
            if message:
                self.show_message(message, ok=True)

        ctx.runner.run(work, loaded, self._on_failed, write=False)

    def show_message(self, text: str, *, ok: bool) -> None:
        show_banner(self.banner, text, ok=ok)

    def field_message(self, key: str) -> str:
        """The error under a field ("" when none)."""
        label = self.errors[key]
        return label.text() if not label.isHidden() else ""

    def _show_errors(self, fields: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setText(fields.get(key, ""))
            label.setVisible(key in fields)

    # --- slots ------------------------------------------------------------------------------------

    @Slot(int)
    def _on_batch_current_index_changed(self, index: int) -> None:
        self._show_errors({})
        self.banner.hide()
        if index <= 0:
            self._show_new()
            self.postal_unit.setFocus()
        else:
            self._show_batch(self._batches[index - 1])
            self.table.setFocus()

    @Slot()
    def _on_item_input_return_pressed(self) -> None:
        """A scanned or typed item number: checked at once, added to the new batch's list."""
        text = self.item_input.text()
        if not text.strip() or not self._new():
            return
        problem = item_number_problem(text)
        item = normalise_item_number(text)
        if problem is None and any(r[0] == item for r in self.items.rows):
            problem = f"Bưu gửi {item} đã có trong danh sách (dòng {[r[0] for r in self.items.rows].index(item) + 1})."
        if problem is not None:
            self._show_errors({"items": problem})
            self.banner.hide()
            self.item_input.selectAll()
            return
        self._show_errors({})
        self.items.set_rows([*self.items.rows, (item, "", "")])
        self.table.scrollToBottom()
        self.item_input.clear()
        self.show_message(f"Đã thêm bưu gửi {item} ({len(self.items.rows)} bưu gửi).", ok=True)

    def handle_scan(self, scan: Scan, feedback: ScanFeedback) -> bool:
        """A scan in this window: on a new batch, the item number is added (or what is wrong with it is
        said under the box); on a signed batch, the item is selected, ready for Enter."""
        item = normalise_item_number(scan.raw)
        if self._new():
            self.item_input.setText(scan.raw)
            self._on_item_input_return_pressed()
            if self.item_input.text():
                feedback.show_error(self.field_message("items") or "Không thêm được bưu gửi.")
            else:
                feedback.show_ok(f"Đã thêm bưu gửi {item}")
            return True
        batch = self.current_batch()
        row = next((n for n, i in enumerate(batch.items) if i.item_no == item), None) if batch else None
        if row is None:
            feedback.show_error(f"“{scan.raw[:40]}” không có trong biên bản đang chọn.")
        else:
            self.table.selectRow(row)
            self.table.setFocus()
            feedback.show_ok(f"Bưu gửi {item}: bấm Enter để tiếp nhận.")
        return True

    @Slot()
    def _on_delete_pressed(self) -> None:
        row = self.table.currentIndex().row()
        if self._new() and 0 <= row < len(self.items.rows):
            self.items.set_rows([r for n, r in enumerate(self.items.rows) if n != row])

    def draft(self) -> PostalBatchDraft:
        """The new batch as entered."""
        moment = self.signed_at.dateTime().toPython()
        assert isinstance(moment, datetime)
        return PostalBatchDraft(
            self.postal_unit.text(), self.worker_name.text(), moment.replace(second=0, microsecond=0),
            tuple(r[0] for r in self.items.rows), worker_phone=self.worker_phone.text(),
        )  # fmt: skip

    @Slot()
    def _on_sign_clicked(self) -> None:
        if not self._new():
            return
        if self.item_input.text().strip():
            self._on_item_input_return_pressed()  # a number typed but not yet added
            if self.item_input.text().strip():
                return
        ctx, draft, now = self._ctx, self.draft(), self._ctx.clock()

        def work(session: Session) -> PostalBatch:
            from app.services.postal import sign_batch

            return sign_batch(session, ctx.actor, draft, now)[0]

        def signed(batch: PostalBatch) -> None:
            if not shiboken6.isValid(self.banner):
                return  # recorded; the dialog was closed meanwhile
            self._show_errors({})
            self._load(
                select=batch.batch_id,
                message=f"Đã ký biên bản {batch.number} ({len(batch.items)} bưu gửi). Biên bản đang mở để in; chọn"
                " từng bưu gửi rồi bấm Enter để tiếp nhận.",
            )
            self._preview(batch.batch_id)

        ctx.runner.run(work, signed, self._on_failed, write=True)

    @Slot()
    def _on_receive_clicked(self) -> None:
        batch = self.current_batch()
        row = self.table.currentIndex().row()
        if batch is None or not 0 <= row < len(batch.items):
            return
        item = batch.items[row]
        if item.uid is not None:
            what = f"hồ sơ {item.code}" if item.code else item.state_text.lower()
            self.show_message(f"Bưu gửi {item.item_no} đã được xử lý ({what}). Chọn bưu gửi khác.", ok=False)
            return
        caption = postal_caption(item.item_no, batch.number, batch.signed_at)
        self.item_chosen.emit(PostalItem(batch.batch_id, item.item_no), caption, batch.signed_at)
        self.accept()

    @Slot()
    def _on_reprint_clicked(self) -> None:
        batch = self.current_batch()
        if batch is not None:
            self._preview(batch.batch_id)

    def _preview(self, batch_id: str) -> None:
        # Over the reception screen: closing this window does not take the record's preview with it.
        open_batch_preview(self._ctx, self.parentWidget() or self, batch_id)

    def _on_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self.banner):
            if not isinstance(exc, UserFacingError):
                self._ctx.runner.unexpected_error.emit(exc)
            return
        if isinstance(exc, ValidationError):
            self._show_errors(exc.fields)
            self.show_message(exc.message, ok=False)
        elif isinstance(exc, UserFacingError):
            self.show_message(exc.message, ok=False)
        else:
            self.show_message("Lỗi ngoài dự kiến, biên bản CHƯA được lưu. Hãy thử lại hoặc báo bộ phận CNTT.", ok=False)
            self._ctx.runner.unexpected_error.emit(exc)


def open_batch_preview(
    ctx: UiContext, parent: QWidget, batch_id: str, on_open: Callable[[BatchPreviewDialog], None] | None = None
) -> None:
    """Render the batch record off the GUI thread and open its print preview."""

    def make(session: Session) -> MadePdf:
        import io

        from app.printing import postal_batch
        from app.services.postal import batch_record

        data = batch_record(session, batch_id)
        out = io.BytesIO()
        postal_batch.render(data, out)
        return MadePdf(out.getvalue(), data.number)

    open_pdf_preview(ctx, parent, make, BatchPreviewDialog, heading="Biên bản giao nhận bưu chính",
                     file_stem="bien_ban_buu_chinh", on_open=on_open)  # fmt: skip


def open_postal_batches(ctx: UiContext, parent: QWidget, reception: ReceptionScreen) -> PostalBatchDialog:
    """Open the batches; an item chosen puts ``reception`` in postal mode for it (return by post preselected)."""
    dialog = PostalBatchDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    dialog.item_chosen.connect(lambda item, caption, signed_at: enter_postal_mode(reception, item, caption, signed_at))
    dialog.open()
    return dialog
