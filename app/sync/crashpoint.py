"""Named points at which a test kills the client process, to prove that sync survives a crash there.

tests/test_sync_crash.py starts a counter as a child process with ``MOTCUA_SYNC_CRASH_AT=<point>``;
the first time sync reaches that point the process sends itself SIGKILL (no clean-up, no
``finally``, exactly as a power cut or the task manager would end it). The variable is read once
at import: without it a crash point costs one string comparison.

Points (where they are called):

* ``after_reserve_answered`` — the server issued code blocks; they are not stored yet;
* ``after_push_sent`` — the server stored a pushed batch; its results are not recorded yet;
* ``before_results_stored`` — inside the transaction recording the results, rows written, not committed;
* ``mid_pull_page`` — inside a page's transaction, half of its events inserted, cursor not saved;
* ``after_cursor_saved`` — a page and its cursor committed, the next page not asked for yet;
* ``after_refresh_answered`` — the server rotated the refresh token; the new one is not in the keyring yet;
* ``after_chunk_sent`` — the server stored a chunk of an attachment; the local offset is not saved yet
  (tests/test_sync_attachment_crash.py).
"""

from __future__ import annotations

import os
import signal

from sqlalchemy.orm import Session

CRASH_ENV = "MOTCUA_SYNC_CRASH_AT"
POINTS = (
    "after_reserve_answered",
    "after_push_sent",
    "before_results_stored",
    "mid_pull_page",
    "after_cursor_saved",
    "after_refresh_answered",
    "after_chunk_sent",
)

_AT = os.environ.get(CRASH_ENV, "")


def crash_point(name: str, session: Session | None = None) -> None:
    """Kill this process (SIGKILL) if the test named ``name``; ``session``'s pending writes are
    flushed to SQLite first, so the crash happens inside a transaction that has written rows."""
    if name != _AT:
        return
    if session is not None:
        session.flush()
    os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))  # Windows has no SIGKILL
