"""The window's function-key shortcuts win over an open drop-down list or menu (issue 15).

Qt gives every key to an open popup (a combo box's list, a completer, a context menu), so the
main window's F4 never reaches its shortcut map: the list's own F4 toggles it instead. An
officer expects F4 to mean "Vị trí hồ sơ" wherever the focus is. This filter watches key presses
while a popup of the window is open, and when the key is one of the window's own function-key
shortcuts it closes the popup and triggers the action. Without a popup, Qt's shortcut map already
does the right thing, so the filter stays out of the way.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

_FUNCTION_KEYS = range(Qt.Key.Key_F1.value, Qt.Key.Key_F35.value + 1)
_WINDOW_WIDE = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)


def _combination(event: QKeyEvent) -> QKeySequence:
    return QKeySequence(event.keyCombination())


class FunctionKeys(QObject):
    """Routes the window-wide function-key shortcuts of ``window`` past its popups.

    Args:
        window: The main window; the actions parented to it are the shortcuts.
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._handled: tuple[int, int] | None = None

    def install(self, app: QApplication) -> None:
        """Start watching ``app``'s key presses (Qt drops the filter when this object is deleted)."""
        app.installEventFilter(self)

    def action_for(self, event: QKeyEvent) -> QAction | None:
        """The window's enabled window-wide action whose shortcut is this function key, if any."""
        if event.key() not in _FUNCTION_KEYS:
            return None
        combination = _combination(event)
        for action in self._window.findChildren(QAction):
            if (
                action.isEnabled()
                and action.shortcutContext() in _WINDOW_WIDE
                and any(s.matches(combination) == QKeySequence.SequenceMatch.ExactMatch for s in action.shortcuts())
            ):
                return action
        return None

    def _popup_of_window(self) -> QWidget | None:
        popup = QApplication.activePopupWidget()
        if popup is None or not self._window.isVisible():
            return None
        # a combo box's list is a top-level container whose parent is the combo box
        parent = popup.parentWidget()
        return popup if parent is not None and parent.window() is self._window else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) or not isinstance(event, QKeyEvent):
            return False
        if kind == QEvent.Type.KeyPress and self._handled == (event.key(), event.timestamp()):
            self._handled = None
            return True  # the press whose shortcut-override already ran the action
        popup = self._popup_of_window()
        if popup is None:
            return False
        action = self.action_for(event)
        if action is None:
            return False
        # The list closes itself on the override of F4, before the press: act on the first of the two.
        self._handled = (event.key(), event.timestamp()) if kind == QEvent.Type.ShortcutOverride else None
        event.accept()
        popup.close()
        action.trigger()
        return True
