"""Keyboard-mode (HID) barcode scanners: an event filter on the focused widget that tells scans from typing.

A keyboard-mode scanner "types" the code, 5–15 ms per key; a person types 80–250 ms per key. Two
ways of recognising a scan are supported (HARDWARE.md: timing alone misjudges):

* **Prefix/suffix** (reliable): most scanners can send a key before the code (F12, or STX which
  arrives as Ctrl+B) and after it (Enter or Tab). After the prefix every key belongs to the scan
  until the suffix.
* **Timing** (fallback): printable keys are held back for a moment. A burst of at least
  ``min_length`` keys, each within ``max_gap_ms`` of the last, is a scan; anything else is
  replayed to the widget it was meant for, in order, so ordinary typing arrives intact, a few
  tens of milliseconds late. A person's key that lands right after a burst (within the gap) is
  split off again when the burst minus its last one or two keys is a clean code, and the
  suffix ends a scan at once.

Where: only in the windows and widgets that take scans (:mod:`ui.scanner.targets`: the main
window, the dossier detail, dialogs that handle scans themselves). In any other window — a file
dialog, a message box, an ordinary dialog, a pop-up — no key is ever held: it reaches its widget
at once, untouched (issue 15: a held key replayed after the file dialog's completer had already
delivered the next one turned ``/tmp`` into ``/mtp``).

Never dropped: a burst recognised by timing alone that reads as nothing we know (an UNKNOWN
scan) is given back as typing, in order, with the suffix key that ended it — unless it came at
a speed no person types (median gap at most :data:`MACHINE_GAP_MS`), when it is reported as an
unknown scan. A fast typist on a PC whose scanner needs a long ``max_gap_ms`` therefore keeps
every letter. After a prefix, everything up to the suffix is a scan, whatever it reads as.

Decision: a scan never reaches the focused field (nothing to clean up afterwards, in any kind of
widget); it is emitted as :attr:`KeyboardWedge.scanned` and the scan router decides what it
means on the current screen. The reception screen's own QR-in-a-field detection still works for
pasted text and for scanners the wedge does not catch.

Qt details handled here: the filter sits on the widget that has the keyboard focus and moves with
it (``QApplication.focusChanged``), or on the active window when no widget has focus. Key events
go to that widget first, so it sees every key of the application, and only those few objects'
other events cross into Python. (An application-wide filter would see every event of every
object — paints, timers, mouse moves — and Python would wrap each internal Qt object it had not
seen yet: a quarter of the start-up time, measured in bench/RESULTS.md.) A key event that
propagates to a parent is counted once. Events with timestamp 0 are synthetic
(``QTest.keyClicks``, our own replays) and are never held. Auto-repeat (a key held down) and
password fields are left alone. A Vietnamese input method that corrects a key with Backspace
(Unikey sends Backspace + the composed letter) edits the held text rather than ending it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from app.domain.scan import Scan, ScanKind, ScannerSettings, classify, ends_a_code
from ui.scanner.targets import takes_scans

log = logging.getLogger(__name__)


class Source(StrEnum):
    """Where a scan came from."""

    KEYBOARD = "keyboard"
    SERIAL = "serial"

    @property
    def label(self) -> str:
        """Vietnamese name for the officer."""
        return {"keyboard": "máy quét kiểu bàn phím", "serial": "máy quét cổng nối tiếp (COM)"}[self.value]


SUFFIX_KEYS: dict[str, tuple[Qt.Key, ...]] = {
    "Enter": (Qt.Key.Key_Return, Qt.Key.Key_Enter),
    "Tab": (Qt.Key.Key_Tab,),
    "": (),
}
_MODIFIER_KEYS = frozenset(
    {Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr, Qt.Key.Key_CapsLock}
)
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)
EXPLICIT_TIMEOUT_MS = 400
"""After a prefix, a scan without its suffix ends after this pause."""
SPLIT_TAIL = 2
"""At most this many trailing keys of a burst may be a person's keys that landed within the gap."""
EARLY_LENGTHS = frozenset({20, 25})
"""Lengths of a 2018-format dossier code (label Code128 without separators, and as printed): with no
suffix configured, a burst that reaches one of them and is a whole code (app.domain.scan.ends_a_code:
not a 2025 code, whose sequence may have more digits) is a scan at once,
instead of after the pause that ends a burst (feedback within 50 ms, bench/bench_scan.py)."""
MACHINE_GAP_MS = 20
"""A burst whose median gap is at most this came from a machine (scanners: 5–15 ms per key; the
fastest typists 35 ms and more): when it reads as nothing we know it is still reported as a scan,
not typed into the field."""


@dataclass(slots=True)
class _Held:
    key: int
    modifiers: Qt.KeyboardModifier
    text: str
    timestamp: int
    receiver: QWidget


def _signature(event: QKeyEvent) -> tuple[object, ...]:
    return (event.type(), event.key(), event.text(), event.timestamp(), event.modifiers())


def _is_printable(event: QKeyEvent) -> bool:
    text = event.text()
    return bool(text) and text.isprintable() and not (event.modifiers() & _COMMAND_MODIFIERS)


class KeyboardWedge(QObject):
    """Recognises keyboard-mode scans in the windows that take them (on the focused widget).

    Args:
        settings: prefix, suffix and timing (see :class:`app.domain.scan.ScannerSettings`).
        parent: Qt parent.

    Signals:
        scanned(object, str): a :class:`app.domain.scan.Scan` and the :class:`Source` value.
        text_received(str): the raw text of each scan, before classification (settings dialog).
    """

    scanned = Signal(object, str)
    text_received = Signal(str)

    def __init__(self, settings: ScannerSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._held: list[_Held] = []
        self._explicit = False  # the prefix came: every key belongs to the scan until the suffix
        self._replaying = False
        self._last_signature: tuple[object, ...] | None = None
        self._last_receiver: QWidget | None = None
        self._last_passed = True
        self._app: QApplication | None = None
        self._watched: QWidget | None = None  # the widget the filter is installed on
        self.last_finished_at = 0
        """Timestamp of the key event that completed the latest scan (benchmarks measure from it)."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.settings = settings or ScannerSettings()

    # --- configuration -------------------------------------------------------------------------

    @property
    def settings(self) -> ScannerSettings:
        """The settings in force."""
        return self._settings

    @settings.setter
    def settings(self, settings: ScannerSettings) -> None:
        self._settings = settings
        self._prefix = QKeySequence(settings.prefix)[0] if settings.prefix else None  # type: ignore[index]
        self._suffix_keys = SUFFIX_KEYS.get(settings.suffix, ())

    def install(self, app: QApplication) -> None:
        """Start watching every key event of ``app`` (on its focus widget)."""
        if self._app is None:
            self._app = app
            app.focusChanged.connect(self._on_focus_changed)
            self._watch(QApplication.focusWidget())

    def uninstall(self) -> None:
        """Stop watching; keys held back are delivered first."""
        if self._app is not None:
            self._resolve()
            self._app.focusChanged.disconnect(self._on_focus_changed)
            self._watch(None, follow_window=False)
            self._app = None

    @Slot(QWidget, QWidget)
    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        self._watch(new)

    def _watch(self, widget: QWidget | None, *, follow_window: bool = True) -> None:
        """Move the filter to ``widget`` (None: the active window, which then gets the keys)."""
        if widget is None and follow_window:
            widget = QApplication.activeWindow()
        old = self._watched
        if old is widget:
            return
        if old is not None and shiboken6.isValid(old):
            old.removeEventFilter(self)
        self._watched = widget
        if widget is not None:
            widget.installEventFilter(self)

    @property
    def busy(self) -> bool:
        """Keys are being held back (a scan may be under way)."""
        return bool(self._held) or self._explicit

    # --- the filter ----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride):
            return False
        if self._replaying or not isinstance(watched, QWidget) or not isinstance(event, QKeyEvent):
            return False
        signature = _signature(event)
        if (
            signature == self._last_signature
            and self._last_receiver is not None
            and shiboken6.isValid(self._last_receiver)
            and watched.isAncestorOf(self._last_receiver)
        ):
            return False  # the same event propagating to a parent: it was passed on the first time
        self._last_signature, self._last_receiver = signature, watched
        if not takes_scans(watched):
            if kind == QEvent.Type.KeyPress and event.timestamp() != 0 and not event.isAutoRepeat():
                self._resolve()  # keys held for a scan field come first; this one is never held
            return False
        if kind == QEvent.Type.ShortcutOverride:
            return self._on_shortcut_override(event)
        if kind == QEvent.Type.KeyRelease:
            return self.busy  # the press was held back: so is its release (replays send both)
        return self._on_key_press(watched, event)

    def _in_burst(self, event: QKeyEvent) -> bool:
        if self._explicit:
            return True
        return bool(self._held) and event.timestamp() - self._held[-1].timestamp <= self._settings.max_gap_ms

    def _is_prefix(self, event: QKeyEvent) -> bool:
        if self._prefix is None:
            return False
        mods = event.modifiers() & _COMMAND_MODIFIERS
        return bool(event.key() == self._prefix.key() and mods == self._prefix.keyboardModifiers())

    def _on_shortcut_override(self, event: QKeyEvent) -> bool:
        """Keep a scan's keys (and the prefix) from triggering shortcuts, e.g. Enter in a table."""
        if event.timestamp() == 0:
            return False
        if self._is_prefix(event) or (
            self._in_burst(event) and (_is_printable(event) or event.key() in self._suffix_keys)
        ):
            event.accept()
            return True
        return False

    def _on_key_press(self, receiver: QWidget, event: QKeyEvent) -> bool:
        key, ts = event.key(), event.timestamp()
        if ts == 0 or event.isAutoRepeat() or key in _MODIFIER_KEYS:
            return False
        if isinstance(receiver, QLineEdit) and receiver.echoMode() != QLineEdit.EchoMode.Normal:
            self._resolve()
            return False  # passwords are typed, never scanned
        if self._is_prefix(event):
            self._resolve()
            self._explicit = True
            self._timer.start(EXPLICIT_TIMEOUT_MS)
            return True
        if key in self._suffix_keys and not event.modifiers() & _COMMAND_MODIFIERS:
            return self._on_suffix(receiver, event)
        if key == Qt.Key.Key_Backspace and self._held and self._in_burst(event):
            self._held.pop()  # an input method correcting the last letter: it sends the new one next
            if self._held:
                self._held[-1].timestamp = ts
            self._restart_timer()
            return True
        if not _is_printable(event):
            self._resolve()
            return False
        if self._held and not self._in_burst(event):
            self._resolve()
        if not self._explicit and not self._settings.timing_fallback:
            return False
        self._held.append(_Held(key, event.modifiers(), event.text(), ts, receiver))
        if not self._explicit and not self._suffix_keys and len(self._held) in EARLY_LENGTHS:
            text = "".join(h.text for h in self._held)
            if len(text) in EARLY_LENGTHS and ends_a_code(text):  # a 2025 code may go on
                self._finish(ts, whole=True)
                return True
        self._restart_timer()
        return True

    def _on_suffix(self, receiver: QWidget, event: QKeyEvent) -> bool:
        if self._explicit or (self._in_burst(event) and len(self._held) >= self._settings.min_length):
            suffix = _Held(event.key(), event.modifiers(), event.text(), event.timestamp(), receiver)
            self._finish(event.timestamp(), whole=True, suffix=suffix)
            return True
        self._resolve()
        return False

    def _restart_timer(self) -> None:
        gap = self._settings.max_gap_ms
        self._timer.start(EXPLICIT_TIMEOUT_MS if self._explicit else max(2 * gap, 50))

    @Slot()
    def _on_timer_timeout(self) -> None:
        self._resolve()

    # --- deciding ----------------------------------------------------------------------------

    def _resolve(self) -> None:
        """The keys held back are complete: emit them as a scan, or give them back as typing."""
        self._timer.stop()
        if self._explicit:
            self._finish(self._held[-1].timestamp if self._held else 0, whole=True)
        elif len(self._held) >= self._settings.min_length:
            self._finish(self._held[-1].timestamp, whole=False)
        else:
            self._replay(self._held)
            self._held = []

    def _finish(self, timestamp: int, *, whole: bool, suffix: _Held | None = None) -> None:
        """End the burst held back: emit it as a scan, or give it back as typing (module doc).

        Args:
            timestamp: The key event that completed it.
            whole: The burst is complete as it is (a suffix or an early dossier code ended it);
                otherwise a person's key or two at its end may be split off.
            suffix: The suffix key that ended it, delivered too if the burst turns out typing.
        """
        held, explicit = self._held, self._explicit
        self._held, self._explicit = [], False
        self._timer.stop()
        if explicit and not held:
            return  # the prefix key alone: nothing to report
        text = "".join(h.text for h in held)
        scan, cut = classify(text), 0
        if not whole and not _clean(scan):
            for n in range(1, min(SPLIT_TAIL, len(held) - self._settings.min_length) + 1):
                shorter = classify(text[: len(text) - sum(len(h.text) for h in held[-n:])])
                if _clean(shorter):
                    scan, cut = shorter, n
                    break
        if not explicit and not scan.ok and not _machine_speed(held):
            self._replay(held + ([suffix] if suffix is not None else []))  # a fast typist, not a scanner
            return
        self.last_finished_at = timestamp
        self.text_received.emit(text)
        log.info("keyboard scan: %s (%s)", scan.kind, scan.value[:40])
        self.scanned.emit(scan, str(Source.KEYBOARD))
        if cut:
            self._replay(held[-cut:])

    def _replay(self, held: list[_Held]) -> None:
        """Deliver held-back keys to the widgets they were meant for, as ordinary key presses."""
        self._replaying = True
        try:
            for h in held:
                target = h.receiver if shiboken6.isValid(h.receiver) else QApplication.focusWidget()
                if target is None:
                    continue
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    QApplication.sendEvent(target, QKeyEvent(kind, h.key, h.modifiers, h.text))
        finally:
            self._replaying = False


def _machine_speed(held: list[_Held]) -> bool:
    """Whether the keys came faster than any person types (median gap, :data:`MACHINE_GAP_MS`)."""
    gaps = sorted(b.timestamp - a.timestamp for a, b in pairwise(held))
    return bool(gaps) and gaps[len(gaps) // 2] <= MACHINE_GAP_MS


def _clean(scan: Scan) -> bool:
    """A scan that is unmistakably whole: a code, or an ID card read without complaints."""
    if scan.kind is ScanKind.ID_CARD:
        return scan.id_card is not None and not scan.id_card.warnings
    return scan.ok
