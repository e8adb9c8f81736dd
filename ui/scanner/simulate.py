"""Key events as a keyboard-mode scanner or a person produces them, with explicit timestamps.

``QTest.keyClicks`` stamps every event 0 (HARDWARE.md), which says nothing about timing. These
helpers build real ``QKeyEvent``\\ s with the timestamps given and deliver them to the window,
which forwards them to its focus widget exactly as a platform key event is forwarded (where the
scanner filter sits). Used by the tests, the benchmark and the scanner
settings dialog's demonstration.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEvent, QEventLoop, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

SCANNER_GAP_MS = 8
"""A typical keyboard-mode scanner: 5–15 ms from one key to the next."""
RELEASE_AFTER_MS = 2

_SPECIAL = {"\r": Qt.Key.Key_Return, "\n": Qt.Key.Key_Return, "\t": Qt.Key.Key_Tab, "\b": Qt.Key.Key_Backspace}


def key_for(ch: str) -> tuple[int, Qt.KeyboardModifier]:
    """Qt key code and modifiers a keyboard sends for ``ch`` (capitals come with Shift)."""
    if ch in _SPECIAL:
        return _SPECIAL[ch], Qt.KeyboardModifier.NoModifier
    if ch.isascii() and ch.isprintable():
        shift = Qt.KeyboardModifier.ShiftModifier if ch.isupper() else Qt.KeyboardModifier.NoModifier
        return ord(ch.upper()), shift
    return int(Qt.Key.Key_unknown), Qt.KeyboardModifier.NoModifier


class KeySender:
    """Delivers key presses and releases with chosen timestamps to a top-level window.

    Args:
        window: A shown top-level widget; events go to its focus widget through its QWindow.
            A platform sends keys only to the active window, so it is activated first (a window
            manager reactivates a window when its dialog closes; the offscreen platform does not).
    """

    def __init__(self, window: QWidget) -> None:
        self.window = window
        if not window.isActiveWindow():
            window.activateWindow()
            deadline = QDeadlineTimer(1000)
            while not window.isActiveWindow() and not deadline.hasExpired():
                QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)

    def _send(self, kind: QEvent.Type, key: int, modifiers: Qt.KeyboardModifier, text: str, ts: int) -> None:
        event = QKeyEvent(kind, key, modifiers, text)
        event.setTimestamp(ts)
        handle = self.window.windowHandle()
        QApplication.sendEvent(handle if handle is not None else self.window, event)

    def key(self, key: int, text: str, ts: int, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> int:
        """One press at ``ts`` and its release shortly after; returns ``ts``."""
        self._send(QEvent.Type.KeyPress, key, modifiers, text, ts)
        self._send(QEvent.Type.KeyRelease, key, modifiers, text, ts + RELEASE_AFTER_MS)
        return ts

    def chord(self, sequence: str, ts: int) -> int:
        """A named key such as ``F12``, ``Ctrl+B``, ``Enter`` or ``Tab`` at ``ts``."""
        named = {"Enter": "Return"}.get(sequence, sequence)
        combo = QKeySequence(named)[0]  # type: ignore[index]
        text = {Qt.Key.Key_Return: "\r", Qt.Key.Key_Tab: "\t"}.get(combo.key(), "")
        if combo.key() == Qt.Key.Key_B and combo.keyboardModifiers() & Qt.KeyboardModifier.ControlModifier:
            text = "\x02"  # STX: what a scanner's "Ctrl+B" carries
        return self.key(combo.key(), text, ts, combo.keyboardModifiers())

    def type(self, text: str, start: int, gaps: int | Iterable[int]) -> int:
        """Type ``text`` from ``start``; ``gaps`` ms between keys (one value or one per key).

        Returns:
            The timestamp of the last key press.
        """
        steps = iter([gaps] * len(text)) if isinstance(gaps, int) else iter(gaps)
        ts = start
        for n, ch in enumerate(text):
            if n:
                ts += next(steps)
            key, modifiers = key_for(ch)
            self.key(key, ch, ts, modifiers)
        return ts

    def scan(self, text: str, start: int, *, prefix: str = "", suffix: str = "", gap: int = SCANNER_GAP_MS) -> int:
        """What a scanner sends for ``text``, with its optional prefix and suffix keys.

        Returns:
            The timestamp of the last key press (the suffix, if any).
        """
        ts = start
        if prefix:
            self.chord(prefix, ts)
            ts += gap
        ts = self.type(text, ts, gap)
        if suffix:
            ts += gap
            self.chord(suffix, ts)
        return ts
