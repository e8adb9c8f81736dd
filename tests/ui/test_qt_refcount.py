"""The installed PySide6 must not leak references to ``True`` on ``Signal.emit``.

PySide6 6.12.0 drops one reference to ``True`` on every emit made from Python, connected or not;
a counter PC left running all day then aborts with "Fatal Python error: bool_dealloc". The
dependency pin in pyproject.toml keeps that version out; this test fails if it comes back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    text = Signal(str)
    count = Signal(int)


def test_signal_emit_keeps_the_reference_count_of_true(qapp: object) -> None:
    emitter = _Emitter()
    received: list[str] = []
    emitter.text.connect(received.append)
    before = sys.getrefcount(True)
    for n in range(500):
        emitter.text.emit("x")
        emitter.count.emit(n)  # not connected: leaked on 6.12.0 too
    after = sys.getrefcount(True)
    assert len(received) == 500
    # Other threads may hold a few references for a moment; a leak is one per emit (1,000 here).
    assert after >= before - 20, f"PySide6 leaks references to True on emit: {before} → {after}"
