"""Wakes long-polling pulls when an office's change feed grows.

In-process pushes call :meth:`FeedNotifier.notify` right after their commit. With PostgreSQL,
pushes also ``NOTIFY motcua_sync, '<unit>'`` inside their transaction, and a background thread
of each server process ``LISTEN``s on its own connection, so a pull served by one process wakes
on a commit made by another. Waiters never hold a database connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

import psycopg
from sqlalchemy import Engine

from server.sync.statements import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


class Waiter:
    """One pull waiting for its office's feed; created on the pull's event loop."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def wake(self) -> None:
        """Thread-safe: wake the waiting coroutine."""
        self._loop.call_soon_threadsafe(self._event.set)

    async def wait(self, timeout: float) -> bool:
        """Wait until woken or ``timeout`` seconds pass; True when woken."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        self._event.clear()
        return True


class FeedNotifier:
    """Per-office registry of waiting pulls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[Waiter]] = {}
        self.on_notify: Callable[[str], None] = lambda _unit: None

    @contextlib.contextmanager
    def subscribe(self, unit_code: str) -> Iterator[Waiter]:
        """Register a waiter for ``unit_code`` (before reading, so no commit slips between)."""
        waiter = Waiter()
        with self._lock:
            self._waiters.setdefault(unit_code, set()).add(waiter)
        try:
            yield waiter
        finally:
            with self._lock:
                waiters = self._waiters.get(unit_code)
                if waiters is not None:
                    waiters.discard(waiter)
                    if not waiters:
                        del self._waiters[unit_code]

    def notify(self, unit_code: str) -> None:
        """Wake every pull waiting on ``unit_code`` (any thread)."""
        self.on_notify(unit_code)
        with self._lock:
            waiters = list(self._waiters.get(unit_code, ()))
        for waiter in waiters:
            waiter.wake()

    def notify_all(self) -> None:
        """Wake every waiting pull (after the listener reconnected and may have missed some)."""
        with self._lock:
            units = list(self._waiters)
            waiters = [w for ws in self._waiters.values() for w in ws]
        for unit in units:
            self.on_notify(unit)
        for waiter in waiters:
            waiter.wake()


class PgListener:
    """A daemon thread that turns PostgreSQL notifications into :meth:`FeedNotifier.notify` calls."""

    def __init__(self, engine: Engine, notifier: FeedNotifier) -> None:
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._notifier = notifier
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="motcua-sync-listen", daemon=True)

    def start(self, timeout: float = 0.0) -> None:
        """Start listening; with ``timeout``, wait that long for LISTEN to be in effect.

        The server does not wait (it starts the thread from the event loop): a commit made
        before LISTEN is in effect is caught by the ``notify_all`` that follows it, and by the
        pulls' own periodic look.
        """
        self._thread.start()
        if timeout:
            self._ready.wait(timeout)

    def stop(self) -> None:
        """Stop the thread and close its connection."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._ready.set()
                    self._notifier.notify_all()  # anything committed while we were not listening
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._notifier.notify(note.payload)
            except psycopg.Error as exc:
                log.warning("sync notification listener: %s; reconnecting", exc)
                self._stop.wait(1.0)
