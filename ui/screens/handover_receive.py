"""Nhận hồ sơ bàn giao: pick (or scan) a batch sent to us, scan each folder, confirm.

The expected folders are listed; each scan ticks one off (green) or is listed as not in the
batch (red). Confirming records the receipt through :func:`app.services.handover.confirm_batch`:
folders not scanned become "missing" discrepancies and folders scanned but not in the batch
"unexpected" ones; the summary stays on screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.batch_number import BATCH_PREFIX, batch_number
from app.domain.custody import BatchState, Place
from app.domain.scan import Scan, ScanKind
from app.services.handover import BatchInfo, ConfirmSummary, counter_place, scanned_code
from ui.context import UiContext
from ui.models.dossier_table import format_datetime
from ui.scanner.feedback import ScanFeedback
from ui.screens.handover import BAD_ROW, BAD_TEXT, OK_ROW, OK_TEXT
from ui.theme import Role, set_role, show_banner

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_HEADERS = ("Mã hồ sơ", "Người nộp", "Thủ tục", "Kiểm tra")
_Index = QModelIndex | QPersistentModelIndex


class ExpectedModel(QAbstractTableModel):
    """Folders of the chosen batch (scanned or not yet), then folders scanned that are not in it."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.batch: BatchInfo | None = None
        self.scanned: list[str] = []  # codes in scan order
        self._expected: list[tuple[str, str, str]] = []

    def set_batch(self, batch: BatchInfo | None) -> None:
        self.beginResetModel()
        self.batch = batch
        self.scanned = []
        self._expected = [(i.code, i.applicant_name, i.procedure_name) for i in batch.items] if batch else []
        self.endResetModel()

    def expected_codes(self) -> list[str]:
        return [c for c, _, _ in self._expected]

    def unexpected(self) -> list[str]:
        known = set(self.expected_codes())
        return [c for c in self.scanned if c not in known]

    def missing(self) -> list[str]:
        seen = set(self.scanned)
        return [c for c in self.expected_codes() if c not in seen]

    def add(self, code: str) -> None:
        self.beginResetModel()
        self.scanned.append(code)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self._expected) + len(self.unexpected())

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _HEADERS[section] if 0 <= section < len(_HEADERS) else None
        return None

    def _row(self, row: int) -> tuple[str, str, str, str, bool | None]:
        if row < len(self._expected):
            code, name, proc = self._expected[row]
            ok = code in self.scanned
            return code, name, proc, "✓ Đã quét" if ok else "Chưa quét", True if ok else None
        code = self.unexpected()[row - len(self._expected)]
        return code, "", "", "✗ Không có trong phiếu bàn giao", False

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        *cells, ok = self._row(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return cells[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole and ok is not None:
            return QBrush(OK_ROW if ok else BAD_ROW)
        if role == Qt.ItemDataRole.ForegroundRole and ok is not None and index.column() == 3:
            return QBrush(OK_TEXT if ok else BAD_TEXT)
        return None


class ReceiveHandoverScreen(QWidget):
    """Nhận hồ sơ bàn giao (Shift+F7).

    Args:
        ctx: The logged-in session's services.
        parent: Qt parent.

    Signals:
        confirmed(object): the :class:`ConfirmSummary` of a batch just confirmed.
        inbox_loaded(int): the number of batches waiting, after each refresh.
    """

    confirmed = Signal(object)
    inbox_loaded = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._places: list[Place] = [counter_place(ctx.actor)]
        self._inbox: list[BatchInfo] = []
        self._seq = 0
        self._busy = False
        self.model = ExpectedModel(self)
        self._build()
        ctx.bus.changed.connect(self._on_bus_changed)
        self._load_places()

    def _build(self) -> None:
        title = QLabel("Nhận hồ sơ bàn giao")
        set_role(title, Role.TITLE)
        self.place = QComboBox()
        self.place.addItem(self._places[0].name or "Bộ phận Một cửa", 0)
        self.place.setAccessibleName("Bên nhận")
        self.place.currentIndexChanged.connect(self.refresh)
        self.inbox = QListWidget()
        self.inbox.setAccessibleName("Phiếu bàn giao chờ nhận")
        self.inbox.currentRowChanged.connect(self._on_inbox_row_changed)
        self.inbox.setWordWrap(True)
        left = QWidget()
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 0, 0)
        lcol.addWidget(QLabel("Bên nhận:"))
        lcol.addWidget(self.place)
        lcol.addWidget(QLabel("Phiếu bàn giao gửi đến, chờ xác nhận (hoặc quét mã trên biên bản):"))
        lcol.addWidget(self.inbox, 1)

        self.heading = QLabel("Chọn một phiếu bàn giao ở bên trái, hoặc quét mã vạch trên biên bản bàn giao.")
        self.heading.setWordWrap(True)
        set_role(self.heading, Role.SECTION)
        self.count = QLabel()
        set_role(self.count, Role.DUE)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Hồ sơ theo phiếu")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 235), (1, 170), (3, 230)):
            self.table.setColumnWidth(col, width)
        self.manual = QLineEdit()
        self.manual.setPlaceholderText("Mã vạch không đọc được? Gõ mã hồ sơ (hoặc số biên bản BG-…) rồi Enter")
        self.manual.returnPressed.connect(self._on_manual_entered)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setMinimumHeight(self.summary.fontMetrics().lineSpacing() * 3 + 12)  # long code lists wrap
        self.summary.hide()
        self.confirm_button = QPushButton("Xác nhận đã nhận (Ctrl+Enter)")
        set_role(self.confirm_button, Role.PRIMARY)
        self.confirm_button.clicked.connect(self._on_confirm_clicked)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self._on_confirm_clicked)
        right = QWidget()
        rcol = QVBoxLayout(right)
        rcol.setContentsMargins(8, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.heading, 1)
        head.addWidget(self.count)
        rcol.addLayout(head)
        rcol.addWidget(self.manual)
        rcol.addWidget(self.table, 1)
        rcol.addWidget(self.summary)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        rcol.addLayout(buttons)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([380, 900])
        root = QVBoxLayout(self)
        root.addWidget(title)
        root.addWidget(split, 1)
        self._show_count()

    # --- data ---------------------------------------------------------------------------------------

    def _load_places(self) -> None:
        def work(session: Session) -> list[Place]:
            from app.services.handover import departments

            return departments(session)

        def done(places: list[Place]) -> None:
            if shiboken6.isValid(self):
                blocked = self.place.blockSignals(True)
                for place in places:
                    self._places.append(place)
                    self.place.addItem(place.name, len(self._places) - 1)
                self.place.blockSignals(blocked)
                self.refresh()

        self._ctx.runner.run(work, done, lambda exc: self._show_summary(str(exc), ok=False), write=False)

    def current_place(self) -> Place:
        return self._places[max(0, self.place.currentIndex())]

    @Slot()
    def refresh(self) -> None:
        """Reload the batches waiting for the chosen receiving side."""
        self._seq += 1
        seq, place = self._seq, self.current_place()

        def work(session: Session) -> list[BatchInfo]:
            from app.services.handover import batches

            return batches(session, to=place, state=BatchState.SENT)

        def done(rows: list[BatchInfo]) -> None:
            if shiboken6.isValid(self) and seq == self._seq:
                self._show_inbox(rows)

        self._ctx.runner.run(work, done, lambda exc: self._show_summary(str(exc), ok=False), write=False)

    def _show_inbox(self, rows: list[BatchInfo]) -> None:
        current = self.model.batch.id if self.model.batch else None
        self._inbox = rows
        blocked = self.inbox.blockSignals(True)
        self.inbox.clear()
        for b in rows:
            when = format_datetime(b.sent_at)
            item = QListWidgetItem(
                f"{batch_number(b.id)} · {when} · {len(b.items)} hồ sơ\nTừ {b.source.name} · {b.created_by}"
            )
            item.setToolTip(f"Số biên bản {batch_number(b.id)} (in trên biên bản bàn giao)")
            self.inbox.addItem(item)
        self.inbox.blockSignals(blocked)
        if current is not None:
            row = next((i for i, b in enumerate(rows) if b.id == current), -1)
            if row >= 0:
                self.inbox.setCurrentRow(row)
        self.inbox_loaded.emit(len(rows))

    @Slot(int)
    def _on_inbox_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._inbox) and not (self.model.batch and self.model.batch.id == self._inbox[row].id):
            self.select_batch(self._inbox[row])

    def select_batch(self, batch: BatchInfo) -> None:
        """Show ``batch`` and start checking its folders."""
        switching = self.model.scanned and self.model.batch is not None and self.model.batch.id != batch.id
        if switching and not self._ctx.prompts.confirm(
            self, "Đổi phiếu bàn giao", "Các hồ sơ đã quét cho phiếu đang mở sẽ bị bỏ. Chuyển sang phiếu khác?"
        ):
            return
        self.model.set_batch(batch)
        self.summary.hide()
        self.heading.setText(
            f"Phiếu {batch_number(batch.id)} · {batch.source.name} → {batch.destination.name} · gửi lúc"
            f" {format_datetime(batch.sent_at)} · người giao {batch.created_by}"
        )
        self._show_count()

    def _show_count(self) -> None:
        m = self.model
        expected = len(m.expected_codes())
        done = expected - len(m.missing())
        extra = len(m.unexpected())
        self.count.setText(f"Đã quét {done}/{expected}" + (f" · thừa {extra}" if extra else ""))
        self.confirm_button.setEnabled(m.batch is not None and not self._busy)

    def _show_summary(self, text: str, *, ok: bool) -> None:
        show_banner(self.summary, text, ok=ok)

    # --- scans ----------------------------------------------------------------------------------------

    def handle_scan(self, scan: Scan, feedback: ScanFeedback) -> bool:
        """Scanner input while this screen is in front (ui.scanner.router.ScanHandler)."""
        if scan.kind is ScanKind.BATCH:
            self._scan_batch(scan.value, feedback)
            return True
        if scan.kind is ScanKind.DOSSIER:
            self.add_code(scan.value, feedback)
            return True
        if scan.kind is ScanKind.UNKNOWN:
            feedback.show_error(scan.message)
            self._show_summary(scan.message, ok=False)
            return True
        return False

    def _scan_batch(self, number: str, feedback: ScanFeedback | None) -> None:
        """Open the batch of a scanned or typed record number (any format ever printed)."""

        def work(session: Session) -> BatchInfo | None:
            from app.services.handover import find_batch

            return find_batch(session, number)

        def done(batch: BatchInfo | None) -> None:
            if not shiboken6.isValid(self):
                return
            if batch is None:
                text = (
                    f"Chưa có phiếu bàn giao {batch_number(number)} trên máy. Có thể phiếu chưa đồng bộ về;"
                    " chờ một lát rồi quét lại, hoặc kiểm tra số đã gõ."
                )
            elif batch.state != BatchState.SENT:
                text = f"Phiếu bàn giao này đã được xác nhận lúc {format_datetime(batch.confirmed_at)}."
            else:
                index = next(
                    (
                        i
                        for i, p in enumerate(self._places)
                        if (p.kind, p.code) == (batch.destination.kind, batch.destination.code)
                    ),
                    -1,
                )
                if index >= 0 and index != self.place.currentIndex():
                    blocked = self.place.blockSignals(True)
                    self.place.setCurrentIndex(index)
                    self.place.blockSignals(blocked)
                    self.refresh()
                self.select_batch(batch)
                if feedback is not None:
                    feedback.show_ok(
                        f"Phiếu bàn giao từ {batch.source.name}: {len(batch.items)} hồ sơ. Quét từng hồ sơ."
                    )
                return
            if feedback is not None:
                feedback.show_error(text)
            self._show_summary(text, ok=False)

        def failed(exc: BaseException) -> None:  # two batches share the number: the message lists them
            if shiboken6.isValid(self):
                if feedback is not None:
                    feedback.show_error(str(exc))
                self._show_summary(str(exc), ok=False)

        self._ctx.runner.run(work, done, failed, write=False)

    def add_code(self, text: str, feedback: ScanFeedback | None = None) -> None:
        """One folder scanned or typed at the receiving side."""
        parsed = scanned_code(text)
        if self.model.batch is None:
            message = "Chưa chọn phiếu bàn giao. Chọn phiếu ở bên trái hoặc quét mã trên biên bản trước."
            ok = False
        elif parsed is None:
            message = f"“{text[:40]}” không phải mã hồ sơ. Quét lại mã vạch trên bìa hồ sơ."
            ok = False
        elif parsed.text in self.model.scanned:
            message = f"Hồ sơ {parsed.text} đã được quét rồi (quét trùng)."
            ok = False
        else:
            self.model.add(parsed.text)
            ok = parsed.text in self.model.expected_codes()
            message = (
                f"Đúng phiếu: {parsed.text}."
                if ok
                else f"Hồ sơ {parsed.text} không có trong phiếu bàn giao này. Sẽ ghi là thừa khi xác nhận."
            )
        if feedback is not None:
            (feedback.show_ok if ok else feedback.show_error)(message)
        self._show_summary(message, ok=ok)
        self._show_count()

    @Slot()
    def _on_manual_entered(self) -> None:
        text = self.manual.text().strip()
        self.manual.clear()
        if text.upper().startswith(BATCH_PREFIX):  # the record's number typed by hand
            self._scan_batch(text, None)
        elif text:
            self.add_code(text)

    # --- confirming -----------------------------------------------------------------------------------

    @Slot()
    def _on_confirm_clicked(self) -> None:
        batch = self.model.batch
        if batch is None or self._busy:
            return
        missing, extra = self.model.missing(), self.model.unexpected()
        lines = [f"Xác nhận đã nhận {len(batch.items) - len(missing)}/{len(batch.items)} hồ sơ của phiếu này?"]
        if missing:
            lines.append(f"{len(missing)} hồ sơ chưa quét sẽ được ghi là THIẾU: {', '.join(missing)}.")
        if extra:
            lines.append(f"{len(extra)} hồ sơ không có trong phiếu sẽ được ghi là THỪA: {', '.join(extra)}.")
        if not self._ctx.prompts.confirm(self, "Xác nhận nhận hồ sơ", "\n".join(lines)):
            return
        self._busy = True
        self._show_count()
        codes, batch_id, actor, now = list(self.model.scanned), batch.id, self._ctx.actor, self._ctx.clock()

        def work(session: Session) -> Any:
            from app.services.handover import confirm_batch

            return confirm_batch(session, actor, batch_id, codes, now)

        self._ctx.runner.run(work, self._on_confirmed, self._on_confirm_failed, write=True)

    def _on_confirmed(self, result: tuple[ConfirmSummary, Any]) -> None:
        if not shiboken6.isValid(self):
            return
        summary, changes = result
        self._busy = False
        self.model.set_batch(None)
        self._show_inbox([b for b in self._inbox if b.id != summary.batch_id])  # before the reload arrives
        self.heading.setText("Chọn một phiếu bàn giao ở bên trái, hoặc quét mã vạch trên biên bản bàn giao.")
        clean = not (summary.missing or summary.unexpected or summary.unknown)
        self._show_summary(("Đã xác nhận. " if clean else "Đã xác nhận, CÓ SAI LỆCH. ") + summary.message, ok=clean)
        self._show_count()
        self._ctx.bus.publish(changes, self)
        self.confirmed.emit(summary)
        self.refresh()

    def _on_confirm_failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            self._busy = False
            self._show_count()
            self._show_summary(str(exc), ok=False)

    @Slot(object, object)
    def _on_bus_changed(self, changes: object, initiator: object) -> None:
        if initiator is not self and shiboken6.isValid(self):
            self.refresh()

    def focus_scan(self) -> None:
        self.inbox.setFocus()
