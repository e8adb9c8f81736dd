"""Widgets of the scan dialogs: the thumbnail grid, the checklist that takes dropped pages, the
zoomable preview of one page."""

from __future__ import annotations

from typing import Any

from PIL import Image
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QPainter,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QListWidget,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.scanning.model import Page
from ui.scanning.page_model import BADGE_ROLE, SLOT_ROLE, PageListModel

CELL = QSize(168, 232)


class PageDelegate(QStyledItemDelegate):
    """Thumbnail with the page number under it, the badge over it, the checklist number in a corner."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return CELL

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        painter.save()
        rect: QRect = option.rect.adjusted(4, 4, -4, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.fillRect(rect, QColor("#cfe3ff") if selected else QColor("#f3f3f3"))
        if selected:
            painter.setPen(QColor("#1565c0"))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        pixmap: QPixmap | None = index.data(Qt.ItemDataRole.DecorationRole)
        area = rect.adjusted(6, 6, -6, -28)
        if pixmap is not None and not pixmap.isNull():
            scaled = pixmap.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)  # fmt: skip
            x = area.x() + (area.width() - scaled.width()) // 2
            y = area.y() + (area.height() - scaled.height()) // 2
            painter.drawPixmap(x, y, scaled)
            painter.setPen(QColor("#9e9e9e"))
            painter.drawRect(x, y, scaled.width() - 1, scaled.height() - 1)
        painter.setPen(QColor("#000000"))
        text_rect = QRect(rect.x(), rect.bottom() - 24, rect.width(), 22)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, str(index.data(Qt.ItemDataRole.DisplayRole)))
        if getattr(index.model(), "show_slots", False):  # the checklist number the page goes to (0: khác)
            slot = index.data(SLOT_ROLE)
            corner = QRect(rect.right() - 28, rect.y() + 2, 26, 20)
            painter.fillRect(corner, QColor("#455a64"))
            painter.setPen(QColor("#ffffff"))
            painter.drawText(corner, Qt.AlignmentFlag.AlignCenter, "0" if slot is None else str(slot + 1))
        mark = index.data(BADGE_ROLE)
        if mark:
            text, colour = mark
            band = QRect(area.x(), area.y() + area.height() // 2 - 14, area.width(), 28)
            painter.fillRect(band, QColor(colour))
            painter.setPen(QColor("#ffffff"))
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(band, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
        painter.restore()


class PageGridView(QListView):
    """Thumbnails left to right, wrapping, like an icon view; drag reorders through the model.

    The drag is started here so that a drop never removes the source rows: the drop side
    (the model's dropMimeData, or the checklist) already did what the drag meant.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.ListMode)  # IconMode's own drag/drop moves cells, not rows
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setSpacing(2)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDropIndicatorShown(True)
        self.setItemDelegate(PageDelegate(self))

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.selectionModel().selectedIndexes()}) if self.selectionModel() else []

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        indexes = self.selectedIndexes()
        model = self.model()
        if not indexes or model is None:
            return
        drag = QDrag(self)
        drag.setMimeData(model.mimeData(indexes))
        pixmap = indexes[0].data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap):
            drag.setPixmap(pixmap.scaledToWidth(64))
        drag.exec(Qt.DropAction.MoveAction)

    def dropEvent(self, event: QDropEvent) -> None:
        model = self.model()
        if not isinstance(model, PageListModel) or not PageListModel.rows_from_mime(event.mimeData()):
            event.ignore()
            return
        index = self.indexAt(event.position().toPoint())
        before = model.rowCount() if not index.isValid() else index.row()
        if index.isValid() and event.position().x() > self.visualRect(index).center().x():
            before += 1
        rows = model.move_rows(PageListModel.rows_from_mime(event.mimeData()), before)
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        self.clearSelection()
        for r in rows:
            self.selectionModel().select(model.index(r), self.selectionModel().SelectionFlag.Select)


class ChecklistList(QListWidget):
    """The dossier's documents; pages dropped on an item are assigned to it.

    Signals:
        pages_dropped(object, int): rows of the page grid, the checklist row they were dropped on.
    """

    pages_dropped = Signal(object, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setWordWrap(True)

    def _rows(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> list[int]:
        return PageListModel.rows_from_mime(event.mimeData())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._rows(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        if self._rows(event) and item is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        rows = self._rows(event)
        if item is None or not rows:
            event.ignore()
            return
        event.acceptProposedAction()  # the grid keeps its rows: PageGridView.startDrag never removes them
        self.pages_dropped.emit(rows, self.row(item))


def page_qimage(page: Page) -> QImage:
    """The page at full resolution, turned by its rotation, as a QImage."""
    image: Image.Image = page.image
    if page.rotation:
        image = image.rotate(-page.rotation, expand=True)
    rgb = image.convert("RGB")
    return QImage(rgb.tobytes(), rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888).copy()


class PreviewPane(QScrollArea):
    """One page large: fit to the pane, 100 %, or zoomed with Ctrl+wheel and +/-.

    Signals:
        zoom_changed(str): "Vừa khung" or the zoom in per cent.
    """

    zoom_changed = Signal(str)
    STEPS = (0.25, 0.33, 0.5, 0.67, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("Chọn một trang để xem lớn")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWidget(self.label)
        self.setWidgetResizable(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._image: QImage | None = None
        self.zoom: float | None = None  # None: fit to the pane

    def show_page(self, page: Page | None) -> None:
        self._image = page_qimage(page) if page is not None else None
        self._render()

    def set_zoom(self, zoom: float | None) -> None:
        self.zoom = zoom
        self._render()

    def zoom_in(self, step: int = 1) -> None:
        current = self.zoom if self.zoom is not None else self._fit_scale()
        if step > 0:
            bigger = [s for s in self.STEPS if s > current + 0.001]
            self.set_zoom(bigger[0] if bigger else self.STEPS[-1])
        else:
            smaller = [s for s in self.STEPS if s < current - 0.001]
            self.set_zoom(smaller[-1] if smaller else self.STEPS[0])

    def _fit_scale(self) -> float:
        if self._image is None or self._image.isNull():
            return 1.0
        area = self.viewport().size()
        return max(0.05, min(area.width() / self._image.width(), area.height() / self._image.height()))

    def _render(self) -> None:
        if self._image is None:
            self.label.setPixmap(QPixmap())
            self.label.setText("Chọn một trang để xem lớn")
            self.zoom_changed.emit("")
            return
        self.setWidgetResizable(self.zoom is None)
        scale = self.zoom if self.zoom is not None else self._fit_scale()
        size = self._image.size() * scale
        pixmap = QPixmap.fromImage(self._image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                                      Qt.TransformationMode.SmoothTransformation))  # fmt: skip
        self.label.setPixmap(pixmap)
        self.label.resize(pixmap.size())
        self.zoom_changed.emit("Vừa khung" if self.zoom is None else f"{round(scale * 100)} %")

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.zoom is None and self._image is not None:
            self._render()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_in(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)
