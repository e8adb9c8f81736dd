"""Wakes long-polling pulls when an office's change feed grows.

In-process pushes call :meth:`FeedNotifier.notify` right after their commit. With PostgreSQL,
a push then hands its office to :class:`PgAnnouncer`, which sends ``NOTIFY motcua_sync,
'<unit>'`` from a connection of its own, and a background thread of each server process
``LISTEN``s on its own connection, so a pull served by one process wakes on a commit made by
another. Waiters never hold a database connection.

Why the push's own transaction does not ``NOTIFY``: PostgreSQL takes one database-wide lock for
every committing transaction that notified and holds it until that commit is on disk, so
notifying pushes commit one after another, each waiting for its own flush, instead of sharing
one flush (group commit). On a disk whose flush stalls now and then, pushes queued behind the
stall (measured: bench/RESULTS.md). The announcer's ``NOTIFY`` commits with ``synchronous_commit
= off`` (a notification is no data; a lost one is caught by the pulls' periodic look), so it
holds that lock for microseconds.
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


def _conninfo(engine: Engine) -> str:
    """libpq connection string of ``engine``'s database, for the listener's and sender's own connections."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


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
        self._conninfo = _conninfo(engine)
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


class PgAnnouncer:
    """A daemon thread that sends ``NOTIFY motcua_sync, '<unit>'`` for committed pushes.

    :meth:`announce` never blocks on the database: offices announced while a send is under way
    go out together in the next one. If the connection fails, the offices are kept and sent
    after reconnecting; pulls in other processes look again every few seconds anyway.
    """

    def __init__(self, engine: Engine) -> None:
        self._conninfo = _conninfo(engine)
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="motcua-sync-notify", daemon=True)
        self._thread.start()

    def announce(self, unit_code: str) -> None:
        """Queue a notification for ``unit_code`` (any thread; returns at once)."""
        with self._lock:
            self._pending.add(unit_code)
        self._wake.set()

    def stop(self) -> None:
        """Send what is queued (briefly), then stop the thread and close its connection."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(5.0)

    def _take(self) -> list[str]:
        with self._lock:
            units, self._pending = sorted(self._pending), set()
        return units

    def _run(self) -> None:
        while True:
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute("SET synchronous_commit TO off")
                    while True:
                        self._wake.wait()
                        self._wake.clear()
                        units = self._take()
                        try:
                            if units:
                                conn.execute(
                                    "SELECT pg_notify(%s, u) FROM unnest(%s::text[]) AS u", (NOTIFY_CHANNEL, units)
                                )
                        except BaseException:
                            with self._lock:
                                self._pending.update(units)
                            self._wake.set()
                            raise
                        if self._stop.is_set():
                            return
            except psycopg.Error as exc:
                log.warning("sync notification sender: %s; reconnecting", exc)
                if self._stop.wait(1.0):
                    return
