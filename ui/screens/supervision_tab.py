"""The Giám sát tab (F3) of the main window: added for supervisors and admins, built on first show."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QTabWidget, QWidget

from app.services.context import Role
from ui.context import UiContext
from ui.screens.custody_tabs import LazyTab

SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
TAB_LABEL = "Giám sát (F3)"


def is_supervisor(role: Role) -> bool:
    """Supervisors and admins see the workspace; counter officers do not."""
    return role in SUPERVISOR_ROLES


def _screen(ctx: UiContext) -> QWidget:
    from ui.screens.supervision import SupervisionScreen  # SQLAlchemy-backed: imported on first show

    return SupervisionScreen(ctx)


def add_supervision_tab(ctx: UiContext, tabs: QTabWidget, action: QAction, window: QWidget) -> LazyTab | None:
    """Add the tab and wire its F3 action for a supervisor or admin; for an officer hide the action
    and return None."""
    if not is_supervisor(ctx.actor.role):
        action.setVisible(False)
        action.setEnabled(False)
        return None
    tab = LazyTab(lambda: _screen(ctx))
    tabs.addTab(tab, TAB_LABEL)
    window.addAction(action)
    action.triggered.connect(lambda _checked=False: tabs.setCurrentWidget(tab))
    return tab
