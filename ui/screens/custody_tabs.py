"""The custody tabs of the main window (Bàn giao, Nhận bàn giao, Vị trí hồ sơ), built on first show.

Each tab is a :class:`LazyTab` placeholder until the officer opens it, so start-up pays nothing for
screens that import SQLAlchemy-backed services. The placeholder forwards scans to the screen it
holds, so the main window's scan router (ui/scanner/router.py) sees one ``handle_scan`` per tab.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import QMenu, QTabWidget, QVBoxLayout, QWidget

from app.domain.scan import Scan
from ui.actions import ActionId
from ui.context import UiContext

if TYPE_CHECKING:
    from ui.scanner.feedback import ScanFeedback


class LazyTab(QWidget):
    """Holds a screen made by ``build`` the first time the tab is shown."""

    def __init__(self, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self._build = build
        self._screen: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def content(self) -> QWidget:
        """The screen, built now if it was not yet."""
        if self._screen is None:
            self._screen = self._build()
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self._screen)
        return self._screen

    def showEvent(self, event: QShowEvent) -> None:
        self.content  # noqa: B018 - building is the point
        super().showEvent(event)

    def handle_scan(self, scan: Scan, feedback: ScanFeedback) -> bool:
        """Forward to the screen (ui.scanner.router.ScanHandler)."""
        handler = getattr(self.content, "handle_scan", None)
        return bool(handler(scan, feedback)) if handler is not None else False


class CustodyTabs:
    """Adds the three custody tabs and their menu actions to a main window.

    Args:
        ctx: The logged-in session's services.
        tabs: The main window's tab widget.
        actions: The main window's actions (from ui.actions.make_actions).
        menu: The menu to list the actions in (Hồ sơ).
        window: The main window (shortcuts work from every tab).

    The window lists ``ActionId.LABEL_SETTINGS`` in its Hệ thống menu; this connects it.
    """

    def __init__(
        self,
        ctx: UiContext,
        tabs: QTabWidget,
        actions: dict[ActionId, QAction],
        menu: QMenu,
        window: QWidget,
    ) -> None:
        self._ctx, self._tabs, self._window = ctx, tabs, window
        self.handover = LazyTab(lambda: _handover(ctx))
        self.receive = LazyTab(lambda: _receive(ctx))
        self.custody = LazyTab(lambda: _custody(ctx))
        menu.addSeparator()
        for action_id, tab, label in (
            (ActionId.HANDOVER, self.handover, "Bàn giao (F7)"),
            (ActionId.RECEIVE_HANDOVER, self.receive, "Nhận bàn giao (Shift+F7)"),
            (ActionId.CUSTODY_VIEW, self.custody, "Vị trí hồ sơ (F4)"),
        ):
            tabs.addTab(tab, label)
            action = actions[action_id]
            menu.addAction(action)
            window.addAction(action)
            action.triggered.connect(lambda _checked=False, t=tab: self.show(t))
        actions[ActionId.LABEL_SETTINGS].triggered.connect(self.show_label_settings)

    def show_label_settings(self) -> None:
        """Hệ thống → Cài đặt nhãn."""
        from PySide6.QtCore import Qt

        from ui.screens.label_settings import LabelSettingsDialog

        dialog = LabelSettingsDialog(self._ctx, parent=self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show(self, tab: LazyTab) -> None:
        """Bring ``tab`` to the front and put the focus where work starts."""
        self._tabs.setCurrentWidget(tab)
        focus = getattr(tab.content, "focus_scan", None)
        if focus is not None:
            focus()


# The screens import SQLAlchemy-backed services: imported when a tab is first opened (start-up time).


def _handover(ctx: UiContext) -> QWidget:
    from ui.screens.handover import HandoverScreen

    return HandoverScreen(ctx)


def _receive(ctx: UiContext) -> QWidget:
    from ui.screens.handover_receive import ReceiveHandoverScreen

    return ReceiveHandoverScreen(ctx)


def _custody(ctx: UiContext) -> QWidget:
    from ui.screens.custody import CustodyScreen

    return CustodyScreen(ctx)
