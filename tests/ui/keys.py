"""Typing Vietnamese like a keyboard-mode scanner or an IME: key events that carry the text.

QTest.keyClicks asserts on non-ASCII characters (qasciikey.cpp), so each character is sent as a
real QKeyEvent press/release pair with its text, which is what a widget receives from a scanner.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget


def type_text(widget: QWidget, text: str) -> None:
    """Deliver ``text`` to ``widget`` one key event pair per character."""
    for ch in text:
        key = ord(ch.upper()) if ch.isascii() and ch.isalnum() else Qt.Key.Key_unknown
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch))
