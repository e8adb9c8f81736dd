"""Where keyboard-mode scans are taken: an explicit opt-in per window or widget.

The keyboard wedge holds keys back to tell a scanner from a person, and that is only worth it
where a scan means something. Everywhere else (file dialogs, message boxes, ordinary dialogs,
pop-ups) every key goes straight through, untouched and unheld, so nothing typed there can be
reordered or dropped. A widget takes scans when, walking up from it to its window:

* a widget on the way carries the :data:`TAKES_SCANS` property (set by :func:`accept_scans`):
  its value decides (``False`` opts a field out of a window that takes scans);
* otherwise its window implements ``handle_scan`` (:class:`ui.scanner.router.ScanHandler`):
  a dialog that handles scans itself, such as the return dialog or the scanner settings' test
  area.

A :class:`QFileDialog` never takes scans (its completer delivers keys past any filter). The
walk stops at the window: a dialog does not inherit its parent window's opt-in.

Windows that take scans: the main window (opted in by :class:`ui.scanner.router.ScanRouter`,
whose default actions apply on every screen), the dossier detail dialog (a scan there opens the
next dossier), and the dialogs that implement ``handle_scan``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QWidget

TAKES_SCANS = "takesScans"
"""Dynamic Qt property name: True on a window or widget that takes scans, False to opt out."""


def accept_scans(widget: QWidget, on: bool = True) -> None:
    """Let ``widget`` and its children (up to their window) take keyboard scans, or not."""
    widget.setProperty(TAKES_SCANS, on)


def takes_scans(widget: QWidget | None) -> bool:
    """Whether keys typed into ``widget`` may be a keyboard-mode scan (see the module doc)."""
    w = widget
    while w is not None:
        if isinstance(w, QFileDialog):
            return False
        value = w.property(TAKES_SCANS)
        if value is not None:
            return bool(value)
        if w.isWindow():
            return callable(getattr(w, "handle_scan", None))
        w = w.parentWidget()
    return False
