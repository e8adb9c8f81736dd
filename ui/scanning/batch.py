"""Quét lô hồ sơ (Shift+F9): one feeder batch for several dossiers, split at the separator sheets
(cover sheet, label or receipt slip with the dossier's code); the officer reviews the split and
the pages are attached to each dossier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QColor, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.scanning.model import Page
from app.services.drafts import Changes
from ui.context import UiContext
from ui.models.rows import RowsTableModel
from ui.scanning.page_model import PageItem, PageListModel
from ui.scanning.scan_bar import ScanBar
from ui.scanning.views import PageGridView
from ui.scanning.worker import Analyse, ComposeJob, DeviceCatalog, default_analyse, thumbnail
from ui.theme import Role, set_role, show_banner

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

UNKNOWN_GROUP = "Chưa xác định hồ sơ"
OTHER = "Tài liệu khác"
COL_CODE, COL_NAME, COL_PROCEDURE, COL_PAGES, COL_TARGET = range(5)


@dataclass
class Group:
    """One dossier's pages in the batch (code None: pages before the first separator)."""

    code: str | None
    model: PageListModel
    separators: list[Page] = field(default_factory=list)
    uid: str | None = None
    applicant: str = ""
    procedure: str = ""
    documents: tuple[str, ...] = ()
    target: int | None = None  # checklist index the pages go to; None: Tài liệu khác
    looked_up: bool = False

    @property
    def attachable(self) -> bool:
        return self.uid is not None

    def content(self) -> list[Page]:
        """Pages to attach: blank pages (badged in the review) are left out."""
        return [p for p in self.model.pages() if not p.blank]


@dataclass(frozen=True, slots=True)
class Found:
    uid: str
    applicant: str
    procedure: str
    documents: tuple[str, ...]


def look_up(session: Session, codes: Sequence[str]) -> dict[str, Found]:
    """Worker: the dossiers of ``codes`` this PC has."""
    from app.services.dossiers import get_by_code, get_detail

    out = {}
    for code in codes:
        row = get_by_code(session, code)
        detail = get_detail(session, row.uid) if row else None
        if row is None or detail is None:
            continue
        docs = tuple(str(d.get("name", "")) for d in detail.data.get("documents", []) if isinstance(d, dict))
        out[code] = Found(row.uid, row.applicant_name, row.procedure_name, docs)
    return out


class ReviewModel(RowsTableModel):
    """One row per group: code, applicant, procedure, pages, where the pages go."""

    HEADERS = ("Mã hồ sơ", "Người nộp", "Thủ tục", "Số trang", "Đính kèm vào")
    NUMBERED = True

    def group(self, row: int) -> Group:
        group: Group = self._rows[row]
        return group

    def refresh(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.HEADERS) - 1))

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        g = self.group(index.row())
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if g.code is None:
                return (UNKNOWN_GROUP, "Chọn trang rồi chuyển sang hồ sơ đúng", "", str(g.model.rowCount()), "")[col]
            if g.looked_up and g.uid is None:
                name = "Không có hồ sơ này trong máy"
            else:
                name = g.applicant if g.looked_up else "đang tra cứu…"
            target = g.documents[g.target] if g.target is not None and g.target < len(g.documents) else OTHER
            pages = len(g.content())
            blank = g.model.rowCount() - pages
            count = f"{pages}" + (f" (+{blank} trắng)" if blank else "")
            return (g.code, name, g.procedure, count, target if g.attachable else "")[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            if g.code is None:
                return QColor("#e65100")
            if g.looked_up and g.uid is None:
                return QColor("#b00020")
        if role == Qt.ItemDataRole.ToolTipRole and g.looked_up and g.uid is None and g.code:
            return f"Mã {g.code} không có trong máy này: các trang không được đính kèm."
        return None


class BatchScanDialog(QDialog):
    """Feeder batch of several dossiers with a review step before anything is attached.

    Args:
        ctx: the logged-in session's services (``ctx.blobs`` stores the PDFs).
        devices: where scanners are found (default: the PC's scanner config).
        analyse: page analysis run on the worker (blank pages, separators).
    """

    def __init__(
        self,
        ctx: UiContext,
        parent: QWidget | None = None,
        *,
        devices: DeviceCatalog | None = None,
        analyse: Analyse | None = default_analyse,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.groups: list[Group] = []
        self.summary = ""
        self._busy_saving = False
        self.setWindowTitle("Quét lô hồ sơ có tờ phân cách")
        self.resize(1340, 720)
        title = QLabel("Quét lô hồ sơ có tờ phân cách")
        set_role(title, Role.TITLE)
        hint = QLabel("Đặt tờ phân cách (hoặc nhãn, phiếu hẹn có mã hồ sơ) trước các trang của mỗi hồ sơ, cho cả"
                      " chồng vào khay rồi bấm F9. Kiểm tra bảng bên dưới trước khi đính kèm.")  # fmt: skip
        hint.setWordWrap(True)
        set_role(hint, Role.HINT)
        self.bar = ScanBar(ctx, devices, analyse, self)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.review = ReviewModel(self)
        self.table = QTableView()
        self.table.setModel(self.review)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_PROCEDURE, QHeaderView.ResizeMode.Stretch)
        for col, width in ((COL_CODE, 210), (COL_NAME, 170), (COL_PAGES, 90), (COL_TARGET, 170)):
            self.table.setColumnWidth(col, width)
        self.target_combo = QComboBox()
        self.target_combo.setToolTip("Giấy tờ của hồ sơ mà các trang được đính kèm vào")
        self.move_combo = QComboBox()
        self.move_button = QPushButton("Chuyển trang đã chọn (Ctrl+M)")
        self.move_button.setAutoDefault(False)
        self.grid = PageGridView()
        self.grid.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.empty_model = PageListModel(parent=self)
        self.grid.setModel(self.empty_model)
        self.pages_label = QLabel("Các trang của hồ sơ đang chọn")
        self.save_progress = QProgressBar()
        self.save_progress.hide()
        self.save_button = QPushButton("Đính kèm vào các hồ sơ (Ctrl+S)")
        set_role(self.save_button, Role.PRIMARY)
        self.save_button.setAutoDefault(False)
        self.close_button = QPushButton("Đóng")
        self.close_button.setAutoDefault(False)

        left = QWidget()
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 0, 0)
        lcol.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Đính kèm vào:"))
        row.addWidget(self.target_combo, 1)
        lcol.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("Chuyển sang hồ sơ:"))
        row.addWidget(self.move_combo, 1)
        row.addWidget(self.move_button)
        lcol.addLayout(row)
        right = QWidget()
        rcol = QVBoxLayout(right)
        rcol.setContentsMargins(0, 0, 0, 0)
        rcol.addWidget(self.pages_label)
        rcol.addWidget(self.grid, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([760, 580])
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_progress, 1)
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)
        root = QVBoxLayout(self)
        for w in (title, hint, self.bar, self.banner):
            root.addWidget(w)
        root.addWidget(splitter, 1)
        root.addLayout(bottom)

        self.bar.page_arrived.connect(self._on_bar_page_arrived)
        self.bar.started.connect(self._on_bar_started)
        self.bar.failed.connect(lambda msg: self.show_banner(msg, ok=False))
        self.bar.finished.connect(self._on_bar_finished)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.target_combo.activated.connect(self._on_target_combo_activated)
        self.move_button.clicked.connect(self.move_selected)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.close)
        self._incoming: list[Page] = []
        self._incoming_model = PageListModel(parent=self)
        for key, slot in (("F9", self.bar.scan), ("Ctrl+Return", self.bar.scan), ("Ctrl+O", self.bar.import_files),
                          ("Ctrl+S", self.save), ("Ctrl+M", self.move_selected)):  # fmt: skip
            QShortcut(QKeySequence(key), self, slot)

    def show_banner(self, text: str, *, ok: bool) -> None:
        show_banner(self.banner, text, ok=ok)

    # --- pages in ----------------------------------------------------------------------------------------

    @Slot()
    def _on_bar_started(self) -> None:
        self.banner.hide()
        self._incoming = []
        self._incoming_model.clear()
        self.grid.setModel(self._incoming_model)
        self.pages_label.setText("Các trang vừa quét (tách theo tờ phân cách khi quét xong)")

    @Slot(object, object)
    def _on_bar_page_arrived(self, page: Page, thumb: QImage) -> None:
        self._incoming.append(page)
        self._incoming_model.append(page, thumb)
        self.grid.scrollToBottom()

    @Slot(bool)
    def _on_bar_finished(self, _ok: bool) -> None:
        """Split what arrived (also after a jam: those pages are kept) and merge it into the review."""
        from app.scanning.analysis import split_batch

        thumbs = {id(i.page): i.thumb for i in self._incoming_model.items}
        new = split_batch(self._incoming)
        self._incoming = []
        self._incoming_model.clear()
        for bg in new:
            same = [g for g in self.groups if g.code == bg.code and g.code is not None]
            if bg.code is None and self.groups:
                same = [self.groups[-1]]  # a continued batch (after a jam): the pages follow the last dossier
            if same:
                group = same[0]
            else:
                group = Group(bg.code, PageListModel(parent=self))
                group.model.pages_changed.connect(self.review.refresh)
                self.groups.append(group)
            group.separators += bg.separators
            group.model.insert(group.model.rowCount(), [PageItem(p, thumbs.get(id(p)) or thumbnail(p.image))
                                                         for p in bg.pages])  # fmt: skip
        self.review.set_rows(self.groups)
        self._look_up()
        if self.groups:
            self.table.selectRow(0)
            self.table.setFocus()
        self._refresh_move_targets()

    def _look_up(self) -> None:
        codes = [g.code for g in self.groups if g.code and not g.looked_up]
        if not codes:
            return

        def done(found: dict[str, Found]) -> None:
            if not shiboken6.isValid(self):
                return
            for g in self.groups:
                if g.code in codes:
                    f = found.get(g.code)
                    g.looked_up = True
                    if f is not None:
                        g.uid, g.applicant, g.procedure, g.documents = f.uid, f.applicant, f.procedure, f.documents
            self.review.refresh()
            self._refresh_move_targets()
            self._on_table_current_row_changed(self.table.currentIndex(), QModelIndex())

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                self.show_banner(f"Không tra cứu được mã hồ sơ: {getattr(exc, 'message', exc)}", ok=False)

        self._ctx.runner.run(lambda s: look_up(s, codes), done, failed, write=False)

    # --- review ------------------------------------------------------------------------------------------

    def current_group(self) -> Group | None:
        row = self.table.currentIndex().row()
        return self.review.group(row) if 0 <= row < len(self.groups) else None

    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        g = self.current_group()
        self.grid.setModel(g.model if g else self.empty_model)
        self.target_combo.clear()
        if g is None:
            return
        title = UNKNOWN_GROUP if g.code is None else f"{g.code} – {g.applicant}"
        extra = f" · {len(g.separators)} tờ phân cách không đính kèm" if g.separators else ""
        self.pages_label.setText(f"Các trang của {title}{extra}")
        if g.attachable:
            for i, name in enumerate(g.documents):
                self.target_combo.addItem(f"{i + 1}. {name}", i)
            self.target_combo.addItem(OTHER, None)
            self.target_combo.setCurrentIndex(self.target_combo.findData(g.target) if g.target is not None
                                              else self.target_combo.count() - 1)  # fmt: skip
        self.target_combo.setEnabled(g.attachable)

    @Slot(int)
    def _on_target_combo_activated(self, index: int) -> None:
        g = self.current_group()
        if g is not None and g.attachable:
            g.target = self.target_combo.itemData(index)
            self.review.refresh()

    def choose_target(self, slot: int | None) -> None:
        """Pick the checklist item of the selected dossier (as the combo does)."""
        index = self.target_combo.findData(slot) if slot is not None else self.target_combo.count() - 1
        self.target_combo.setCurrentIndex(index)
        self._on_target_combo_activated(index)

    def _refresh_move_targets(self) -> None:
        self.move_combo.clear()
        for g in self.groups:
            if g.attachable:
                self.move_combo.addItem(f"{g.code} – {g.applicant}", g.code)

    @Slot()
    def move_selected(self) -> None:
        """The selected pages go to the dossier chosen in "Chuyển sang hồ sơ"."""
        source = self.current_group()
        code = self.move_combo.currentData()
        target = next((g for g in self.groups if g.code == code and g.attachable), None)
        rows = self.grid.selected_rows()
        if source is None or target is None or not rows:
            self.show_banner("Chọn trang (bên phải) và hồ sơ cần chuyển sang.", ok=False)
            return
        if target is source:
            return
        items = source.model.take(rows)
        target.model.insert(target.model.rowCount(), items)
        self.review.refresh()
        self.show_banner(f"Đã chuyển {len(items)} trang sang hồ sơ {target.code}.", ok=True)

    # --- attach ------------------------------------------------------------------------------------------

    @Slot()
    def save(self) -> None:
        if self.bar.busy or self._busy_saving:
            return
        blobs = getattr(self._ctx, "blobs", None)
        if blobs is None:
            self.show_banner("Máy này chưa có nơi lưu bản điện tử; báo bộ phận CNTT.", ok=False)
            return
        ready = [g for g in self.groups if g.attachable and g.content()]
        if not ready:
            self.show_banner("Chưa có hồ sơ nào có trang để đính kèm.", ok=False)
            return
        left = self._left_out()
        if left and not self._ctx.prompts.confirm(self, "Đính kèm", "\n".join(left) + "\n\nVẫn đính kèm các hồ sơ"
                                                  " còn lại?"):  # fmt: skip
            return
        parts = [(g.documents[g.target] if g.target is not None else OTHER, g.target, g.content()) for g in ready]
        self._busy_saving = True
        self.save_button.setEnabled(False)
        self.save_progress.setRange(0, sum(len(p) for _n, _i, p in parts))
        self.save_progress.show()
        job = ComposeJob(parts, self)
        job.progress.connect(lambda done, total: self.save_progress.setValue(done))
        job.composed.connect(lambda docs: self._attach(list(zip(ready, docs, strict=True)), blobs, left))
        job.failed.connect(lambda msg, _e: self._finish([], [f"Chưa đính kèm được: {msg}"]))
        job.finished.connect(job.deleteLater)
        job.start()

    def _left_out(self) -> list[str]:
        out = []
        for g in self.groups:
            n = g.model.rowCount()
            if g.code is None and n:
                out.append(f"{n} trang {UNKNOWN_GROUP.lower()} sẽ không được đính kèm.")
            elif not g.attachable and n:
                out.append(f"Mã {g.code} không có trong máy này: {n} trang không được đính kèm.")
        blanks = sum(g.model.rowCount() - len(g.content()) for g in self.groups if g.attachable)
        if blanks:
            out.append(f"{blanks} trang trắng được bỏ ra.")
        return out

    def _attach(self, pairs: list[tuple[Group, Any]], blobs: Any, left: list[str]) -> None:
        ctx = self._ctx
        done_lines: list[str] = []
        problems: list[str] = []
        queue = list(pairs)

        def next_one() -> None:
            if not shiboken6.isValid(self):
                return
            if not queue:
                self._finish(done_lines, problems + left)
                return
            group, doc = queue.pop(0)
            uid = group.uid

            def work(session: Session) -> list[str]:
                from app.services.attachments import attach_documents

                return attach_documents(session, ctx.actor, blobs, str(uid), [doc], occurred_at=ctx.clock(),
                                        source="batch")  # fmt: skip

            def ok(_ids: list[str]) -> None:
                ctx.bus.publish(Changes(frozenset({str(uid)})), self)
                done_lines.append(f"{group.code} ({doc.pages} trang)")
                group.model.clear()
                next_one()

            def bad(exc: BaseException) -> None:
                problems.append(f"{group.code}: {getattr(exc, 'message', 'lỗi ngoài dự kiến')}")
                next_one()

            ctx.runner.run(work, ok, bad, write=True)

        next_one()

    def _finish(self, done_lines: list[str], problems: list[str]) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy_saving = False
        self.save_button.setEnabled(True)
        self.save_progress.hide()
        text = f"Đã đính kèm vào {len(done_lines)} hồ sơ: " + "; ".join(done_lines) + "." if done_lines else ""
        if problems:
            text += ("\n" if text else "") + "Không đính kèm: " + " ".join(problems)
        self.summary = text
        self.review.refresh()
        self.show_banner(text, ok=bool(done_lines) and not any("Chưa đính kèm" in p for p in problems))

    # --- closing -----------------------------------------------------------------------------------------

    def reject(self) -> None:
        """Esc cancels a running scan first; closing with pages not attached asks."""
        if self.bar.busy:
            self.bar.cancel()
            return
        if self._busy_saving:
            return
        n = sum(g.model.rowCount() for g in self.groups if g.attachable)
        if n and not self._ctx.prompts.confirm(self, "Đóng", f"Còn {n} trang chưa đính kèm. Đóng và bỏ các trang?"):
            return
        self.bar.stop()
        super().reject()
