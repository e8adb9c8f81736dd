"""Hồ sơ → Danh sách hồ sơ tiếp nhận trong ngày: today's receipts of this officer (of the whole
office for a supervisor), rendered off the GUI thread and shown in the shared print preview.

The list is an A4 landscape page, 1286 px wide at the preview's resolution: wider than the shared
preview's 820 px window, so it opened cut at "Tên thủ tục" with the rest behind a horizontal scroll
bar. This preview opens nearly as large as the window it belongs to and zooms the pages to the width
it has (never above their own size), and again whenever the page area is resized.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from ui.context import UiContext
from ui.screens.print_preview import MadePdf, UnloggedPreviewDialog, open_pdf_preview, to_qimage

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


WINDOW_MARGIN = 40
"""How much of the parent window stays visible around the preview (px, each dimension)."""


class DayListPreviewDialog(UnloggedPreviewDialog):
    """The day's list as it will print, zoomed to the width of the window (module doc); it is not a
    step of any dossier: nothing logged."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        view = self.findChild(QScrollArea)
        assert view is not None and view.widget() is not None
        self._view = view
        self._view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._page_labels = [w for w in view.widget().findChildren(QLabel) if w.pixmap() and not w.pixmap().isNull()]
        self._full = [QPixmap.fromImage(to_qimage(page)) for page in self._pages]
        parent = self.parentWidget()
        if parent is not None:
            host = parent.window().size()
            self.resize(
                max(self.width(), host.width() - WINDOW_MARGIN), max(self.height(), host.height() - WINDOW_MARGIN)
            )
        view.installEventFilter(self)
        self._fit_width()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Zoom the pages again when the page area changes size (after the dialog's layout moved it)."""
        if watched is self._view and event.type() == QEvent.Type.Resize:
            self._fit_width()
        return False

    def page_width(self) -> int:
        """The width the pages are shown at (px)."""
        return self._page_labels[0].pixmap().width() if self._page_labels else 0

    def _fit_width(self) -> None:
        """Scale each page to the room beside the scroll bar (which is counted even when hidden, so
        showing it never changes the width and starts the fitting over), at most to its own size."""
        column = self._view.widget().layout()
        margins = column.contentsMargins() if column is not None else None
        room = (
            self._view.width()
            - 2 * self._view.frameWidth()
            - self._view.verticalScrollBar().sizeHint().width()
            - (margins.left() + margins.right() if margins is not None else 0)
            - 2  # the page's 1 px border
        )
        for label, full in zip(self._page_labels, self._full, strict=False):
            width = max(1, min(room, full.width()))
            if label.pixmap().width() != width:
                label.setPixmap(full.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation))


def open_day_list(ctx: UiContext, parent: QWidget) -> None:
    """Build, render and preview today's list; errors go to the officer as a message."""
    actor, now = ctx.actor, ctx.clock()

    def make(session: Session) -> MadePdf:
        from app.printing import day_list as day_list_pdf
        from app.services.day_list import build_day_list

        data = build_day_list(session, actor, now.date(), now, every_officer=True)
        out = io.BytesIO()
        day_list_pdf.render(data, out)
        return MadePdf(out.getvalue(), f"{data.day:%d-%m-%Y}", f" · {len(data.rows)} hồ sơ")

    open_pdf_preview(ctx, parent, make, DayListPreviewDialog, heading="Danh sách hồ sơ tiếp nhận trong ngày",
                     file_stem="danh-sach-tiep-nhan", failure="Không lập được danh sách",
                     fallback="Chưa lập được danh sách; hãy thử lại hoặc báo bộ phận CNTT.")  # fmt: skip
