"""Bàn giao hồ sơ: build a batch of paper folders by scanning, send it, print the handover record.

Scans are checked one at a time, in the order they arrive (each check sees the folders already
accepted, so a duplicate is caught even when the officer scans faster than the database answers).
Every scan stays in the list — green when it joined the batch, red with the reason when it was
left out — so the officer can look back over a stack after scanning it without watching the
screen. Nothing is written until Gửi bàn giao; the batch then goes through
:func:`app.services.handover.send_batch` and the handover record opens in the print preview.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
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

from app.domain.custody import Place, PlaceKind
from app.domain.scan import Scan, ScanKind
from app.errors import UserFacingError
from app.services.handover import BatchDraft, BatchInfo, ScanReason, ScanVerdict, counter_place
from app.services.handover_draft import DRAFT_KEY as DRAFT_KEY  # re-exported: tests read the row by it
from app.services.handover_draft import Direction, HandoverDraft, SavedDraft, ScanLine, load_draft, save_draft
from ui.context import UiContext
from ui.scanner.feedback import ScanFeedback
from ui.theme import Role, set_role, show_banner

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

OK_ROW, BAD_ROW = QColor("#e8f5e9"), QColor("#fdecea")
OK_TEXT, BAD_TEXT = QColor("#1b5e20"), QColor("#8a1c1c")
log = logging.getLogger(__name__)
TO_DEPARTMENT, TO_COUNTER = str(Direction.TO_DEPARTMENT), str(Direction.TO_COUNTER)


_HEADERS = ("STT", "Mã hồ sơ", "Người nộp", "Thủ tục", "Kết quả kiểm tra")
_Index = QModelIndex | QPersistentModelIndex


class ScanListModel(QAbstractTableModel):
    """The scans of the batch being built, newest at the bottom; rows left out are red."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.lines: list[ScanLine] = []

    def inserted(self, row: int, lines: list[ScanLine]) -> None:
        """The draft gained line ``row``; ``lines`` is the draft's list after the change."""
        self.beginInsertRows(QModelIndex(), row, row)
        self.lines = list(lines)
        self.endInsertRows()

    def removed(self, row: int, lines: list[ScanLine]) -> None:
        """The draft lost line ``row``; ``lines`` is the draft's list after the change."""
        self.beginRemoveRows(QModelIndex(), row, row)
        self.lines = list(lines)
        self.endRemoveRows()

    def reset(self, lines: list[ScanLine] | None = None) -> None:
        self.beginResetModel()
        self.lines = list(lines or [])
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _HEADERS[section] if 0 <= section < len(_HEADERS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.lines):
            return None
        line, col = self.lines[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            d = line.dossier
            return (
                str(index.row() + 1),
                line.code,
                d.applicant_name if d else "",
                d.procedure_name if d else "",
                ("✓ " if line.ok else "✗ ") + line.message,
            )[col]
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(OK_ROW if line.ok else BAD_ROW)
        if role == Qt.ItemDataRole.ForegroundRole and col == len(_HEADERS) - 1:
            return QBrush(OK_TEXT if line.ok else BAD_TEXT)
        if role == Qt.ItemDataRole.ToolTipRole:
            return line.message
        return None


def _check(batch: BatchDraft, code: str) -> Any:
    """Worker side: the check of one scan against the batch as it stands."""

    def work(session: Session) -> ScanVerdict:
        from app.services.handover import check_scan_for_batch

        return check_scan_for_batch(session, batch, code)

    return work


class HandoverScreen(QWidget):
    """Bàn giao hồ sơ (F7): scan folders into a batch and send it to a department or back to the counter.

    Args:
        ctx: The logged-in session's services.
        parent: Qt parent.

    Signals:
        scan_checked(object): the :class:`ScanLine` of each scan once checked.
        batch_sent(object): the :class:`BatchInfo` of a batch just recorded.
    """

    scan_checked = Signal(object)
    batch_sent = Signal(object)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._counter = counter_place(ctx.actor)
        self._departments: list[Place] = []
        self._other_counters: dict[str, Place] = {}  # route → the counter of a unit that received for us
        self._draft: HandoverDraft | None = None  # the batch being built, its lines and undo
        self._queue: deque[str] = deque()
        self._checking = False
        self._feedback: ScanFeedback | None = None
        self._sending = False
        self._draft_revision = 0  # the last revision saved, until a draft is open
        self.model = ScanListModel(self)
        self._build()
        self._add_receiving_counters()
        self._load_departments()

    # --- layout -------------------------------------------------------------------------------------

    def _build(self) -> None:
        title = QLabel("Bàn giao hồ sơ giấy")
        set_role(title, Role.TITLE)
        self.direction = QComboBox()
        self.direction.addItem("Bộ phận Một cửa → cơ quan giải quyết", TO_DEPARTMENT)
        self.direction.addItem("Cơ quan giải quyết → Bộ phận Một cửa (trả kết quả)", TO_COUNTER)
        self.direction.setAccessibleName("Chiều bàn giao")
        self.department = QComboBox()
        self.department.setAccessibleName("Cơ quan giải quyết")
        self.department.setMinimumContentsLength(40)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Ghi chú in trên biên bản (không bắt buộc)")
        self.note.setMaxLength(300)
        self.route = QLabel()
        set_role(self.route, Role.SECTION)
        form = QFormLayout()
        form.addRow("Chiều bàn giao:", self.direction)
        form.addRow("Cơ quan giải quyết:", self.department)
        form.addRow("Ghi chú:", self.note)

        self.manual = QLineEdit()
        self.manual.setPlaceholderText("Nhãn không đọc được? Gõ mã hồ sơ rồi Enter")
        self.manual.setAccessibleName("Nhập mã hồ sơ")
        self.add_button = QPushButton("Thêm")
        self.manual.returnPressed.connect(self._on_add_clicked)
        self.add_button.clicked.connect(self._on_add_clicked)
        manual_row = QHBoxLayout()
        manual_row.addWidget(QLabel("Quét mã vạch trên bìa từng hồ sơ, hoặc nhập mã:"))
        manual_row.addWidget(self.manual, 1)
        manual_row.addWidget(self.add_button)

        self.count = QLabel()
        set_role(self.count, Role.DUE)
        count_font = self.count.font()
        count_font.setPointSizeF(count_font.pointSizeF() + 5)
        self.count.setFont(count_font)
        # Room for both lines from the start: "n mã bị loại" comes and goes with rejected codes, and a
        # label one line tall showed both lines cut until the layout caught up (a grab right after Ctrl+Z).
        two_lines = self.count.fontMetrics().boundingRect(QRect(0, 0, 10_000, 10_000), 0, "Ág\nÁg").height()
        self.count.setMinimumHeight(two_lines + 2 * self.count.margin())
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Các hồ sơ đã quét")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for col, width in enumerate((44, 235, 170, 220)):  # a dossier code is 25 characters
            self.table.setColumnWidth(col, width)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()

        self.remove_button = QPushButton("Bỏ khỏi danh sách (Delete)")
        self.undo_button = QPushButton("Hoàn tác (Ctrl+Z)")
        self.clear_button = QPushButton("Lập phiếu mới")
        self.send_button = QPushButton("Gửi bàn giao và in biên bản (Ctrl+Enter)")
        set_role(self.send_button, Role.PRIMARY)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.undo_button.clicked.connect(self._on_undo_clicked)
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.send_button.clicked.connect(self._on_send_clicked)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table, self._on_remove_clicked)
        QShortcut(QKeySequence.StandardKey.Undo, self, self._on_undo_clicked)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self._on_send_clicked)
        buttons = QHBoxLayout()
        for b in (self.remove_button, self.undo_button, self.clear_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)

        top = QHBoxLayout()
        top.addLayout(form, 3)
        top.addWidget(self.count, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        root = QVBoxLayout(self)
        root.addWidget(title)
        root.addLayout(top)
        root.addWidget(self.route)
        root.addLayout(manual_row)
        root.addWidget(self.table, 1)
        root.addWidget(self.message)
        root.addLayout(buttons)
        self.direction.currentIndexChanged.connect(self._on_route_changed)
        self.department.currentIndexChanged.connect(self._on_route_changed)
        self._show_count()

    # --- state ----------------------------------------------------------------------------------------

    @property
    def batch(self) -> BatchDraft | None:
        """The batch being built (None until the departments are loaded)."""
        return self._draft.batch if self._draft is not None else None

    def busy(self) -> bool:
        """Scans still waiting for their check, or a send under way."""
        return self._checking or bool(self._queue) or self._sending

    def _load_departments(self) -> None:
        officer_id = self._ctx.actor.officer_id

        def work(session: Session) -> tuple[list[Place], SavedDraft | None]:
            from app.services.handover import departments

            return departments(session), load_draft(session, officer_id)

        def done(result: tuple[list[Place], SavedDraft | None]) -> None:
            if shiboken6.isValid(self):
                places, draft = result
                self._departments = places
                blocked = self.department.blockSignals(True)
                for place in places:
                    self.department.addItem(place.name, place.code)
                self.department.blockSignals(blocked)
                self._open()
                if draft is not None:
                    self._offer_draft(draft)

        self._ctx.runner.run(work, done, lambda exc: self._show_message(str(exc), ok=False), write=False)

    def _offer_draft(self, draft: SavedDraft) -> None:
        """A batch left unsent (crash, power cut, log-out): scan it back in with one answer."""
        self._draft_revision = draft.revision
        if self._draft is not None:
            self._draft.revision = draft.revision
        index = self.department.findData(draft.department)
        direction = self.direction.findData(draft.direction)
        if not draft.codes or index < 0 or direction < 0:
            self._persist()
            return
        where = self.department.itemText(index)
        if not self._ctx.prompts.confirm(
            self,
            "Phiếu bàn giao chưa gửi",
            f"Lần trước còn một phiếu bàn giao chưa gửi gồm {len(draft.codes)} hồ sơ"
            f" ({self.direction.itemText(direction)}: {where}).\nTiếp tục lập phiếu này? Các mã sẽ được kiểm tra lại."
            " Chọn Không để bỏ phiếu đó (hồ sơ vẫn ở chỗ cũ).",
        ):
            self._persist()
            return
        for combo, value in ((self.direction, direction), (self.department, index)):
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(value)
            combo.blockSignals(blocked)
        self.note.setText(draft.note)
        self._open()
        for code in draft.codes:
            self.add_code(code)

    def _persist(self) -> None:
        """Save the codes in the batch now (none: drop the saved draft) on the store's write thread."""
        officer_id = self._ctx.actor.officer_id
        if self._draft is not None:
            snapshot = self._draft.snapshot(officer_id, self.note.text())
            revision = self._draft_revision = self._draft.revision
        else:
            self._draft_revision += 1
            snapshot, revision = None, self._draft_revision
        self._ctx.runner.run(lambda s: save_draft(s, officer_id, revision, snapshot), lambda _r: None,
                             lambda exc: log.warning("handover draft not saved: %s", exc), write=True)  # fmt: skip

    def _add_receiving_counters(self) -> None:
        """One more route per unit that receives dossiers this office decides (issue 16): the folder and its
        result go back to the counter where the dossier was received."""
        from app.domain.units import receiving_units

        catalog = self._ctx.catalog
        office = self._ctx.actor.unit_code
        for code in receiving_units(office, [p.units for p in catalog], catalog.units):
            unit = catalog.unit_by_code[code]
            place = Place(PlaceKind.COUNTER, code, unit.name.removesuffix(" (DEMO)"))
            self._other_counters[f"{TO_COUNTER}:{code}"] = place
            self.direction.addItem(f"Cơ quan giải quyết → Một cửa {place.name} (nơi tiếp nhận)", f"{TO_COUNTER}:{code}")

    def _places(self) -> tuple[Place, Place] | None:
        index = self.department.currentIndex()
        if not 0 <= index < len(self._departments):
            return None
        department = self._departments[index]
        if self.direction.currentData() == TO_COUNTER:
            return department, self._counter
        if (other := self._other_counters.get(str(self.direction.currentData()))) is not None:
            return department, other  # a dossier received by another unit goes back there
        return self._counter, department

    def _open(self) -> None:
        """Start a new, empty batch on the route chosen (the list and its undo start over)."""
        places = self._places()
        self._draft = None
        self.model.reset()
        if places is None:
            self.route.setText("Chưa có cơ quan giải quyết trong danh mục: cập nhật danh mục từ máy chủ.")
            return
        try:
            self._draft = HandoverDraft.open(*places, note=self.note.text(), revision=self._draft_revision)
        except UserFacingError as exc:
            self._show_message(exc.message, ok=False)
            return
        self.route.setText(f"Bên giao: {places[0].name}   →   Bên nhận: {places[1].name}")
        self._show_count()

    def _show_count(self) -> None:
        n = self._draft.count if self._draft else 0
        bad = self._draft.rejected if self._draft else 0
        self.count.setText(f"{n} hồ sơ trong phiếu" + (f"\n{bad} mã bị loại" if bad else ""))
        self.send_button.setEnabled(n > 0 and not self._sending)

    def _show_message(self, text: str, *, ok: bool) -> None:
        show_banner(self.message, text, ok=ok)

    @Slot()
    def _on_route_changed(self) -> None:
        if self._draft is not None and self._draft.count:
            places = self._places()
            n = self._draft.count
            where = places[1].name if places else ""
            if not self._ctx.prompts.confirm(
                self,
                "Đổi nơi nhận",
                f"Phiếu đang có {n} hồ sơ đã quét. Đổi sang bàn giao cho {where} sẽ bỏ danh sách này"
                " (các hồ sơ cần được quét lại). Tiếp tục?",
            ):
                self._restore_route()
                return
        self._open()
        self._persist()

    def _restore_route(self) -> None:
        assert self._draft is not None
        source, destination = self._draft.batch.source, self._draft.batch.destination
        department, direction = (source, TO_COUNTER) if destination == self._counter else (destination, TO_DEPARTMENT)
        if destination.kind is PlaceKind.COUNTER and destination != self._counter:
            department, direction = source, f"{TO_COUNTER}:{destination.code}"
        for combo, value in ((self.direction, direction), (self.department, department.code)):
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(combo.findData(value))
            combo.blockSignals(blocked)

    # --- scans ------------------------------------------------------------------------------------------

    def handle_scan(self, scan: Scan, feedback: ScanFeedback) -> bool:
        """Scanner input while this screen is in front (ui.scanner.router.ScanHandler)."""
        self._feedback = feedback
        if scan.kind is ScanKind.BATCH:
            feedback.show_error(
                "Đây là mã của biên bản bàn giao. Để nhận hồ sơ theo biên bản, mở màn hình Nhận hồ sơ bàn giao"
                " (Shift+F7) rồi quét lại."
            )
            return True
        if scan.kind is ScanKind.ID_CARD:
            return False
        self.add_code(scan.value if scan.kind is ScanKind.DOSSIER else scan.raw)
        return True

    def add_code(self, code: str) -> None:
        """Check ``code`` (scanned or typed) and list it; accepted codes join the batch."""
        if self._draft is None:
            self._show_message("Chưa chọn được nơi nhận. Chọn cơ quan giải quyết rồi quét lại.", ok=False)
            if self._feedback is not None:
                self._feedback.show_error("Chưa chọn nơi nhận. Chọn cơ quan giải quyết rồi quét lại.")
            return
        self._queue.append(code)
        self._next()

    def _next(self) -> None:
        if self._checking or not self._queue or self._draft is None:
            return
        self._checking = True
        code, batch = self._queue.popleft(), self._draft.batch

        def done(verdict: ScanVerdict) -> None:
            if shiboken6.isValid(self):
                self._checking = False
                self._on_checked(batch, verdict)
                self._next()

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                self._checking = False
                self._on_checked(
                    batch, ScanVerdict(False, ScanReason.UNKNOWN, f"Không kiểm tra được mã {code}: {exc}", code)
                )
                self._next()

        self._ctx.runner.run(_check(batch, code), done, failed, write=False)

    def _on_checked(self, checked: BatchDraft, verdict: ScanVerdict) -> None:
        draft = self._draft
        if draft is None or draft.batch.id != checked.id:
            return  # the route changed while the check ran: that batch is gone
        line = draft.add(verdict)
        ok = line.ok
        row = len(draft.lines) - 1
        self.model.inserted(row, draft.lines)
        if ok:
            self._persist()
        self.table.scrollTo(self.model.index(row, 0))
        n = draft.count
        text = f"{verdict.message} ({n} hồ sơ trong phiếu)" if ok else verdict.message
        if self._feedback is not None:
            (self._feedback.show_ok if ok else self._feedback.show_error)(text)
        self._show_message(text, ok=ok)
        self._show_count()
        self.scan_checked.emit(line)

    @Slot()
    def _on_add_clicked(self) -> None:
        text = self.manual.text().strip()
        if not text:
            self._show_message("Gõ mã hồ sơ in trên nhãn hoặc phiếu hẹn (ví dụ 000.00.00.H49-261123-0001).", ok=False)
            self.manual.setFocus()
            return
        self.manual.clear()
        self.add_code(text)

    # --- removing, undo -----------------------------------------------------------------------------

    @Slot()
    def _on_remove_clicked(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self._draft is None:
            self._show_message("Chọn một dòng trong danh sách rồi bấm Bỏ khỏi danh sách.", ok=False)
            return
        row = rows[0].row()
        line = self._draft.remove(row)
        self.model.removed(row, self._draft.lines)
        self._persist()
        self._show_message(f"Đã bỏ {line.code} khỏi danh sách. Bấm Hoàn tác (Ctrl+Z) nếu bỏ nhầm.", ok=True)
        self._show_count()

    @Slot()
    def _on_undo_clicked(self) -> None:
        undone = self._draft.undo() if self._draft is not None else None
        if undone is None or self._draft is None:
            return
        if undone.row >= 0:
            self.model.inserted(undone.row, self._draft.lines)
            self._persist()
        self._show_message(undone.message, ok=True)
        self._show_count()

    @Slot()
    def _on_clear_clicked(self) -> None:
        n = self._draft.count if self._draft else 0
        if n and not self._ctx.prompts.confirm(
            self, "Lập phiếu mới", f"Bỏ phiếu đang lập với {n} hồ sơ chưa gửi? Các hồ sơ vẫn ở chỗ cũ."
        ):
            return
        self.message.hide()
        self._open()
        self._persist()

    # --- sending --------------------------------------------------------------------------------------

    @Slot()
    def _on_send_clicked(self) -> None:
        batch = self.batch
        if batch is None or self._sending:
            return
        if self.busy():
            self._show_message("Đang kiểm tra các mã vừa quét; bấm Gửi lại sau giây lát.", ok=False)
            return
        if not batch.items:
            self._show_message("Phiếu bàn giao chưa có hồ sơ nào. Quét mã vạch các hồ sơ cần giao.", ok=False)
            return
        batch = replace(batch, note=self.note.text().strip())
        n = len(batch.items)
        if not self._ctx.prompts.confirm(
            self,
            "Gửi bàn giao",
            f"Bàn giao {n} hồ sơ từ {batch.source.name} cho {batch.destination.name}?\n"
            "Sau khi gửi, hồ sơ ở trạng thái đang chuyển cho đến khi bên nhận xác nhận.",
        ):
            return
        self._sending = True
        self._show_count()
        now, actor = self._ctx.clock(), self._ctx.actor

        def work(session: Session) -> Any:
            from app.services.handover import send_batch

            return send_batch(session, actor, batch, now)

        self._ctx.runner.run(work, self._on_sent, self._on_send_failed, write=True)

    def _on_sent(self, result: Any) -> None:
        if not shiboken6.isValid(self):
            return
        info, changes = result
        self._sending = False
        self._ctx.bus.publish(changes, self)
        self.note.clear()
        self._open()
        self._persist()
        self._show_message(
            f"Đã bàn giao {len(info.items)} hồ sơ cho {info.destination.name}. Ký biên bản bàn giao với bên nhận.",
            ok=True,
        )
        self.batch_sent.emit(info)
        self._open_record(info)

    def _open_record(self, info: BatchInfo) -> None:
        from ui.screens.custody_print import open_document_preview, render_handover_record

        batch_id = info.id
        open_document_preview(self._ctx, self, lambda s: render_handover_record(s, batch_id))

    def _on_send_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._sending = False
        self._show_count()
        self._show_message(str(exc), ok=False)

    def focus_scan(self) -> None:
        """Where the officer starts: the manual code field (a scan works from anywhere)."""
        self.manual.setFocus()
