"""The dossier's scanned documents in its detail view: list, Open (read-only preview), Save as…"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.errors import UserFacingError
from app.printing.raster import PageImage, rasterise
from app.scanning.blobs import BlobStore
from app.services.attachments import AttachmentInfo, list_attachments
from ui.context import UiContext
from ui.models.rows import RowsTableModel
from ui.screens.print_preview import PREVIEW_DPI, PdfPreviewDialog
from ui.theme import Role, set_role

_Index = QModelIndex | QPersistentModelIndex

COL_NAME, COL_PAGES, COL_SIZE, COL_WHEN, COL_WHO, COL_STATE = range(6)
NO_SERVER = (
    "Máy này chưa có bản điện tử của tài liệu và chưa kết nối máy chủ đồng bộ, nên không tải về được. "
    "Bản điện tử nằm ở quầy đã quét tài liệu."
)


def size_text(size: int) -> str:
    """``850 KB``, ``3,2 MB`` (Vietnamese decimal comma)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def state_text(item: AttachmentInfo) -> str:
    """Where the file is: here (and whether it still has to go up), or only at the server."""
    if not item.local:
        return "Chưa tải về máy này"
    return "Chờ tải lên máy chủ" if item.upload_pending else "Có trên máy này"


class AttachmentsTableModel(RowsTableModel):
    """Rows: :class:`AttachmentInfo`."""

    HEADERS = ("Tài liệu", "Số trang", "Dung lượng", "Thời điểm đính kèm", "Cán bộ", "Trạng thái")
    NUMBERED = True

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item: AttachmentInfo = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_PAGES, COL_SIZE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_STATE and (not item.local or item.upload_pending):
            return QColor("#8a5a00")
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_NAME:
            return f"SHA-256: {item.sha256}"
        return None

    @staticmethod
    def _text(item: AttachmentInfo, col: int) -> str:
        match col:
            case 0:
                return item.name
            case 1:
                return str(item.pages)
            case 2:
                return size_text(item.size)
            case 3:
                return f"{item.attached_at:%H:%M %d/%m/%Y}"
            case 4:
                return item.officer_name
            case _:
                return state_text(item)

    def item(self, row: int) -> AttachmentInfo:
        found: AttachmentInfo = self._rows[row]
        return found


@dataclass(frozen=True, slots=True)
class OpenedFile:
    """A file ready to show: bytes (checked) and its preview pages."""

    item: AttachmentInfo
    pdf: bytes
    pages: tuple[PageImage, ...]


class AttachmentPreviewDialog(PdfPreviewDialog):
    """An attachment, read-only: look, print, save a copy (nothing is logged in the history)."""

    def __init__(self, ctx: UiContext, opened: OpenedFile, code: str, parent: QWidget | None = None) -> None:
        super().__init__(
            ctx, opened.pdf, opened.pages, heading=opened.item.name, code=code, file_stem=opened.item.name,
            note=f" – {size_text(opened.item.size)}", reprint=True, parent=parent,
        )  # fmt: skip
        self.setWindowTitle(f"Bản điện tử – {opened.item.name} – {code}")

    def _log(self, output: str) -> None:
        return  # viewing or copying a scan is not a step of the dossier


def fetch(blobs: BlobStore, ctx: UiContext, sha: str) -> bytes:
    """Worker-side: the file's bytes, downloaded first when this PC lacks it; checked against ``sha``."""
    if not blobs.verify(sha):
        transport = ctx.blob_transport
        if transport is None:
            raise UserFacingError(NO_SERVER)
        from app.sync.attachments import download_blob

        download_blob(transport, blobs, sha)
    return blobs.read(sha)


class AttachmentsView(QGroupBox):
    """The attachments of one dossier, refreshed by :meth:`reload`; hidden while it has none.

    Args:
        ctx: the logged-in session's services (``ctx.blobs``; ``ctx.blob_transport`` to download).
        uid: the dossier.
        code: its code (file names, titles).
    """

    def __init__(self, ctx: UiContext, uid: str, parent: QWidget | None = None, code: str = "") -> None:
        super().__init__("Bản điện tử đính kèm", parent)
        self._ctx, self._uid, self.code = ctx, uid, code
        self._seq = 0
        self.preview: AttachmentPreviewDialog | None = None  # the last preview opened
        self.model = AttachmentsTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Bản điện tử đính kèm")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col in (COL_PAGES, COL_SIZE, COL_WHEN, COL_WHO, COL_STATE):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        self.open_button = QPushButton("Mở")
        self.open_button.setToolTip("Xem bản điện tử (tải về từ máy chủ nếu máy này chưa có)")
        set_role(self.open_button, Role.PRIMARY)
        self.save_button = QPushButton("Lưu thành tệp…")
        for b in (self.open_button, self.save_button):
            b.setAutoDefault(False)
            b.setEnabled(False)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.status = QLabel()
        self.status.setWordWrap(True)
        set_role(self.status, Role.MUTED)
        buttons = QVBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.status.hide()
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.hide()
        self.reload()

    # --- data -----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the list again (after a scan, a sync or a download)."""
        blobs = self._ctx.blobs
        if blobs is None:
            return
        self._seq += 1
        seq, uid = self._seq, self._uid

        def done(items: list[AttachmentInfo]) -> None:
            if shiboken6.isValid(self) and seq == self._seq:
                self.set_items(items)

        def load(session: Session) -> list[AttachmentInfo]:
            return list_attachments(session, blobs, uid)

        self._ctx.runner.run(load, done, lambda _e: None, write=False)

    def set_items(self, items: list[AttachmentInfo]) -> None:
        """Show ``items`` (the widget is hidden when there are none)."""
        selected = self.selected()
        self.model.set_rows(items)
        self.setTitle(f"Bản điện tử đính kèm ({len(items)} tài liệu, {sum(i.pages for i in items)} trang)")
        self.setVisible(bool(items))
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for col in (COL_SIZE, COL_STATE):  # room for the longest text of the column, whatever comes
            header.resizeSection(col, header.sectionSize(col) + 12)
        rows_shown = min(max(len(items), 1), 4)  # up to four rows without scrolling, no empty band below
        self.table.setFixedHeight(
            header.height()
            + rows_shown * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
            + 4
        )
        rows = [n for n, i in enumerate(items) if selected is not None and i.event_id == selected.event_id]
        if items:
            self.table.selectRow(rows[0] if rows else 0)
        self._on_selection_changed()

    def selected(self) -> AttachmentInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.item(rows[0].row()) if rows else None

    def _show_status(self, text: str, error: bool = False) -> None:
        set_role(self.status, Role.ERROR if error else Role.MUTED)
        self.status.setText(text)
        self.status.setVisible(bool(text))

    # --- actions --------------------------------------------------------------------------------

    def _fetch(self, item: AttachmentInfo, then: Callable[[OpenedFile], None], *, render: bool) -> None:
        blobs, ctx = self._ctx.blobs, self._ctx
        if blobs is None:
            return
        if not item.local and ctx.blob_transport is None:
            self._show_status(NO_SERVER, error=True)
            return
        if not item.local:
            self._show_status("Đang tải bản điện tử từ máy chủ…")
        self.open_button.setEnabled(False)
        self.save_button.setEnabled(False)

        def done(result: OpenedFile) -> None:
            if shiboken6.isValid(self):
                self._show_status("")
                self._on_selection_changed()
                if not item.local:
                    self.reload()  # it is here now
                then(result)

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                self._on_selection_changed()
                text = exc.message if isinstance(exc, UserFacingError) else f"Không mở được tệp: {exc}"
                self._show_status(text, error=True)

        def work(_s: Session) -> OpenedFile:
            pdf = fetch(blobs, ctx, item.sha256)
            return OpenedFile(item, pdf, tuple(rasterise(pdf, PREVIEW_DPI)) if render else ())

        self._ctx.runner.run(work, done, failed, write=False)

    def _show(self, opened: OpenedFile) -> None:
        dialog = AttachmentPreviewDialog(self._ctx, opened, self.code, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.preview = dialog
        dialog.open()

    def _save(self, opened: OpenedFile) -> None:
        stem = "".join(ch if ch.isalnum() or ch in " -_." else "_" for ch in opened.item.name).strip() or "tai-lieu"
        code = self.code.replace("/", "-")
        path = self._ctx.prompts.save_pdf_path(self, str(Path.home() / f"{stem}{' - ' + code if code else ''}.pdf"))
        if not path:
            return
        try:
            Path(path).write_bytes(opened.pdf)
        except OSError as exc:
            self._show_status(f"Không ghi được {path}: {exc.strerror}. Hãy chọn thư mục khác.", error=True)
            return
        self._show_status(f"Đã lưu {path}")

    @Slot()
    def _on_open_clicked(self) -> None:
        item = self.selected()
        if item is not None:
            self._fetch(item, self._show, render=True)

    @Slot()
    def _on_save_clicked(self) -> None:
        item = self.selected()
        if item is not None:
            self._fetch(item, self._save, render=False)

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, _index: QModelIndex) -> None:
        self._on_open_clicked()

    @Slot()
    def _on_selection_changed(self, *_args: object) -> None:
        has = self.selected() is not None
        self.open_button.setEnabled(has)
        self.save_button.setEnabled(has)
