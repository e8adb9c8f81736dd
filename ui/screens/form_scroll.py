"""A form's rows in a frameless, vertical-only scroll area: when they do not fit they keep their height
and scroll, never squeezed (the reception form at 1366×768, issue 16), and the focused field is
scrolled into view whichever way it got the focus (Tab, a click, a message pointing at it)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtWidgets import QApplication, QFrame, QScrollArea, QVBoxLayout, QWidget


class _Rows(QWidget):
    """The scrolled rows: at least as tall as they need, so the area scrolls instead of squeezing them."""

    def minimumSizeHint(self) -> QSize:
        size = super().minimumSizeHint()
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth():  # wrapped labels: their height at this width
            return QSize(size.width(), max(size.height(), layout.totalHeightForWidth(self.width())))
        return QSize(size.width(), max(size.height(), self.sizeHint().height()))


class FormScrollArea(QScrollArea):
    """Rows laid out top to bottom in :attr:`rows` (a QVBoxLayout), scrolled vertically when needed.

    Add the form's widgets and layouts to :attr:`rows`, then :meth:`finish` (a stretch below them).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        content = _Rows()
        self.rows = QVBoxLayout(content)
        self.rows.setContentsMargins(0, 0, 4, 0)  # room between the fields and the scroll bar
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.viewport().setAutoFillBackground(False)  # the screen's own background shows through
        content.setAutoFillBackground(False)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_app_focus_changed)

    def finish(self) -> None:
        """Extra height goes below the last row, not between the rows."""
        self.rows.addStretch(1)

    @Slot(object, object)
    def _on_app_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        content = self.widget()
        if new is not None and content is not None and content.isAncestorOf(new):
            self.ensureWidgetVisible(new, 0, 12)
