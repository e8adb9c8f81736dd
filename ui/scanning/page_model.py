"""The pages of a scan session as a list model: thumbnails, badges, the checklist item each page
belongs to; reorder (drag and drop by MIME or moveRows), rotate, delete with undo, insert, replace."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QImage, QPixmap, QTransform

from app.scanning.model import Page

_Index = QModelIndex | QPersistentModelIndex
PAGE_MIME = "application/x-motcua-scan-pages"
PAGE_ROLE = Qt.ItemDataRole.UserRole + 1  # the Page
SLOT_ROLE = Qt.ItemDataRole.UserRole + 2  # checklist index (None: Tài liệu khác)
BLANK_ROLE = Qt.ItemDataRole.UserRole + 3  # bool: looks blank
SEPARATOR_ROLE = Qt.ItemDataRole.UserRole + 4  # dossier code of a separator sheet, or None
BADGE_ROLE = Qt.ItemDataRole.UserRole + 5  # (text, colour) or None
_ids = itertools.count(1)


@dataclass
class PageItem:
    """One page in the session: the page, its thumbnail, and the checklist item it goes to."""

    page: Page
    thumb: QImage
    slot: int | None = None
    uid: int = 0
    thumb_rotation: int = -1  # the turn already drawn in ``thumb`` (the page's rotation when it came)

    def __post_init__(self) -> None:
        self.uid = self.uid or next(_ids)
        if self.thumb_rotation < 0:
            self.thumb_rotation = self.page.rotation


def badge(page: Page, own_code: str = "") -> tuple[str, str] | None:
    """What the thumbnail is marked with: a separator sheet (in red when it names a dossier other
    than ``own_code``, the one being scanned) or a page that looks blank."""
    if page.separator_code and own_code and page.separator_code != own_code:
        tail = page.separator_code.rsplit(".", 1)[-1].split("-", 1)[-1]  # "261123-0001": fits the thumbnail
        return (f"Hồ sơ khác …{tail}", "#b00020")
    if page.separator_code:
        return (f"Tờ phân cách {page.separator_code}", "#1565c0")
    if page.blank:
        return ("Trang trắng?", "#e65100")
    return None


class PageListModel(QAbstractListModel):
    """Pages in output order. Deleting keeps the removed pages on an undo stack.

    Signals:
        pages_changed(): pages were added, removed, moved, rotated or reassigned.
    """

    pages_changed = Signal()

    def __init__(self, slot_names: Sequence[str] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[PageItem] = []
        self._pixmaps: dict[tuple[int, int], QPixmap] = {}
        self._undo: list[list[tuple[int, PageItem]]] = []
        self.slot_names = list(slot_names)
        self.show_slots = False  # the grid marks each page with its checklist number (scan session)
        self.own_code = ""  # the dossier being scanned: a code read on a page that differs is badged red

    # --- reading -----------------------------------------------------------------------------------

    @property
    def items(self) -> list[PageItem]:
        """The pages in order (do not modify; use the methods)."""
        return list(self._items)

    def pages(self, rows: Iterable[int] | None = None) -> list[Page]:
        """The pages of ``rows`` (all when None), in model order."""
        chosen = range(len(self._items)) if rows is None else sorted(set(rows))
        return [self._items[r].page for r in chosen]

    def pages_for(self, slot: int | None) -> list[Page]:
        """Pages assigned to checklist item ``slot`` (None: Tài liệu khác), in order."""
        return [i.page for i in self._items if i.slot == slot]

    def count_for(self, slot: int | None) -> int:
        return sum(1 for i in self._items if i.slot == slot)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self._items)

    def _pixmap(self, item: PageItem) -> QPixmap:
        key = (item.uid, item.page.rotation)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            image = item.thumb
            turn = item.page.rotation - item.thumb_rotation
            if turn % 360:
                image = image.transformed(QTransform().rotate(turn % 360))
            pixmap = QPixmap.fromImage(image)
            self._pixmaps[key] = pixmap
        return pixmap

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"Trang {index.row() + 1}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmap(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            where = self.slot_name(item.slot)
            return f"Trang {index.row() + 1} – {where}\n{item.page.origin}"
        if role == PAGE_ROLE:
            return item.page
        if role == SLOT_ROLE:
            return item.slot
        if role == BLANK_ROLE:
            return bool(item.page.blank)
        if role == SEPARATOR_ROLE:
            return item.page.separator_code
        if role == BADGE_ROLE:
            return badge(item.page, self.own_code)
        return None

    def slot_name(self, slot: int | None) -> str:
        if slot is None or not 0 <= slot < len(self.slot_names):
            return "Tài liệu khác"
        return self.slot_names[slot]

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return base
        return base | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    # --- changing ----------------------------------------------------------------------------------

    def _changed(self) -> None:
        self.pages_changed.emit()

    def insert(self, row: int, items: Sequence[PageItem]) -> None:
        """Insert ``items`` before ``row`` (clamped; len() appends)."""
        if not items:
            return
        row = max(0, min(row, len(self._items)))
        self.beginInsertRows(QModelIndex(), row, row + len(items) - 1)
        self._items[row:row] = list(items)
        self.endInsertRows()
        self._renumber(row)
        self._changed()

    def append(self, page: Page, thumb: QImage, slot: int | None = None) -> int:
        """Add a page at the end; returns its row."""
        self.insert(len(self._items), [PageItem(page, thumb, slot)])
        return len(self._items) - 1

    def replace(self, row: int, page: Page, thumb: QImage) -> None:
        """Put a rescanned page in place of ``row`` (same checklist item)."""
        old = self._items[row]
        self._items[row] = PageItem(page, thumb, old.slot)
        index = self.index(row)
        self.dataChanged.emit(index, index)
        self._changed()

    def remove(self, rows: Iterable[int]) -> int:
        """Delete ``rows``; :meth:`undo` brings them back. Returns how many were removed."""
        chosen = sorted({r for r in rows if 0 <= r < len(self._items)})
        if not chosen:
            return 0
        removed = [(r, self._items[r]) for r in chosen]
        for r in reversed(chosen):
            self.beginRemoveRows(QModelIndex(), r, r)
            del self._items[r]
            self.endRemoveRows()
        self._undo.append(removed)
        self._renumber(chosen[0])
        self._changed()
        return len(chosen)

    def take(self, rows: Iterable[int]) -> list[PageItem]:
        """Remove ``rows`` for good (moved to another model); no undo."""
        chosen = sorted({r for r in rows if 0 <= r < len(self._items)})
        taken = [self._items[r] for r in chosen]
        for r in reversed(chosen):
            self.beginRemoveRows(QModelIndex(), r, r)
            del self._items[r]
            self.endRemoveRows()
        if chosen:
            self._renumber(chosen[0])
            self._changed()
        return taken

    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> list[int]:
        """Put back the pages of the last delete at their rows; returns those rows."""
        if not self._undo:
            return []
        removed = self._undo.pop()
        for row, item in removed:  # ascending: each row is where it was once the earlier ones are back
            row = min(row, len(self._items))
            self.beginInsertRows(QModelIndex(), row, row)
            self._items.insert(row, item)
            self.endInsertRows()
        self._renumber(0)
        self._changed()
        return [r for r, _ in removed]

    def clear(self) -> None:
        self.beginResetModel()
        self._items.clear()
        self._undo.clear()
        self._pixmaps.clear()
        self.endResetModel()
        self._changed()

    def rotate(self, rows: Iterable[int], degrees: int) -> None:
        """Turn pages by ``degrees`` clockwise (the PDF gets the turn; the thumbnail shows it)."""
        for r in sorted(set(rows)):
            if 0 <= r < len(self._items):
                page = self._items[r].page
                page.rotation = (page.rotation + degrees) % 360
                index = self.index(r)
                self.dataChanged.emit(index, index)
        self._changed()

    def assign(self, rows: Iterable[int], slot: int | None) -> None:
        """Give pages to checklist item ``slot`` (None: Tài liệu khác)."""
        for r in sorted(set(rows)):
            if 0 <= r < len(self._items):
                self._items[r].slot = slot
                index = self.index(r)
                self.dataChanged.emit(index, index)
        self._changed()

    def move_rows(self, rows: Iterable[int], before: int) -> list[int]:
        """Move ``rows`` (any selection) so they stand together before row ``before``; their new rows."""
        chosen = sorted({r for r in rows if 0 <= r < len(self._items)})
        if not chosen:
            return []
        moving = [self._items[r] for r in chosen]
        target = before - sum(1 for r in chosen if r < before)
        rest = [item for r, item in enumerate(self._items) if r not in set(chosen)]
        target = max(0, min(target, len(rest)))
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_uids = [self._items[i.row()].uid for i in old_persistent]
        self._items = rest[:target] + moving + rest[target:]
        where = {item.uid: row for row, item in enumerate(self._items)}
        self.changePersistentIndexList(old_persistent, [self.index(where[u]) for u in old_uids])
        self.layoutChanged.emit()
        self._renumber(0)
        self._changed()
        return list(range(target, target + len(moving)))

    def moveRows(
        self, source_parent: _Index, source_row: int, count: int, destination_parent: _Index, destination_child: int
    ) -> bool:
        """Qt's move of a contiguous block (used by views and tests)."""
        if source_parent.isValid() or destination_parent.isValid() or count <= 0:
            return False
        if source_row < 0 or source_row + count > len(self._items):
            return False
        if source_row <= destination_child <= source_row + count:
            return False  # onto itself
        self.move_rows(range(source_row, source_row + count), destination_child)
        return True

    def _renumber(self, first: int) -> None:
        """Page numbers follow the order: every row from ``first`` shows a new number."""
        if first < len(self._items):
            self.dataChanged.emit(self.index(first), self.index(len(self._items) - 1), [Qt.ItemDataRole.DisplayRole])

    # --- drag and drop -----------------------------------------------------------------------------

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [PAGE_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """The dragged pages by row (the drop side moves them; nothing is copied)."""
        rows = sorted({i.row() for i in indexes if i.isValid()})
        mime = QMimeData()
        mime.setData(PAGE_MIME, QByteArray(",".join(map(str, rows)).encode()))
        return mime

    @staticmethod
    def rows_from_mime(mime: QMimeData) -> list[int]:
        if not mime.hasFormat(PAGE_MIME):
            return []
        text = bytes(mime.data(PAGE_MIME).data()).decode()
        return [int(t) for t in text.split(",") if t.strip().isdigit()]

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: _Index) -> bool:
        """Reorder: the dragged pages go before ``row`` (or before ``parent``'s row, or to the end)."""
        rows = self.rows_from_mime(data)
        if not rows or action == Qt.DropAction.IgnoreAction:
            return False
        before = row if row >= 0 else (parent.row() if parent.isValid() else len(self._items))
        self.move_rows(rows, before)
        return True
