"""Per-process state of the sync routes: pull notifier, PostgreSQL listener, worker threads."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine

from server.db import is_postgres
from server.errors import ApiError
from server.sync import feed
from server.sync.notify import FeedNotifier, PgAnnouncer, PgListener

PULL_RECORD_SECONDS = 30.0  # how often a device's last pull is written at most
PAGE_SHARE_SECONDS = 1.0  # how long a page read may answer identical pulls (until the feed grows)

DB_THREADS = 4  # threads of a server process that run sync database work (pulls, checks, uploads)
PUSH_THREADS = 2  # threads of their own for pushes, so a push never queues behind a burst of pulls

_PageKey = tuple[str, int, int]
T = TypeVar("T")


class SyncRuntime:
    """Held at ``app.state.sync`` (created on first use, closed by the sync router's lifespan).

    Args:
        engine: The server's engine (PostgreSQL gets a LISTEN thread on first long-poll).
        data_dir: The server's data folder (attachments: server.storage, opened by the routes).
    """

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self.engine = engine
        self.notifier = FeedNotifier()
        self._listener: PgListener | None = None
        self._announcer: PgAnnouncer | None = None
        self._lock = threading.Lock()
        self._pulls: dict[str, float] = {}
        self._pages: dict[_PageKey, tuple[float, concurrent.futures.Future[feed.Page]]] = {}
        self._slots: dict[str, int] = {}
        # Sync database work runs on a few threads of its own rather than the 40 of the default
        # pool: Python runs one thread at a time, and forty threads queueing for the GIL (and a
        # GIL holder descheduled on a busy machine) delay every request and the event loop.
        self.executor = concurrent.futures.ThreadPoolExecutor(DB_THREADS, thread_name_prefix="motcua-sync")
        # A commit wakes every counter of the office at once, and their pulls come back together:
        # pushes (what a counter officer waits for) get threads the pulls cannot fill.
        self.push_executor = concurrent.futures.ThreadPoolExecutor(PUSH_THREADS, thread_name_prefix="motcua-push")
        self.notifier.on_notify = self._forget_pages
        self._closed = False

    def ensure_listener(self) -> None:
        """Start the PostgreSQL LISTEN thread once (no-op on SQLite)."""
        if not is_postgres(self.engine) or self._listener is not None:
            return
        with self._lock:
            if self._listener is None:
                listener = PgListener(self.engine, self.notifier)
                listener.start()
                self._listener = listener

    def announce(self, unit_code: str) -> None:
        """An office's feed grew (a commit): wake its pulls here and, with PostgreSQL, in the
        other server processes (``NOTIFY`` sent after the commit by :class:`PgAnnouncer`)."""
        self.notifier.notify(unit_code)
        if not is_postgres(self.engine) or self._closed:
            return
        announcer = self._announcer
        if announcer is None:
            with self._lock:
                if self._announcer is None:
                    self._announcer = PgAnnouncer(self.engine)
                announcer = self._announcer
        announcer.announce(unit_code)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking ``fn(*args)`` (database work) on the sync threads."""
        return await self._run(self.executor, fn, *args)

    async def run_push(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a push's database work on the push threads."""
        return await self._run(self.push_executor, fn, *args)

    async def _run(self, executor: concurrent.futures.Executor, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking ``fn(*args)`` on ``executor``.

        Raises:
            ApiError: 503 ``server_stopping`` once the server is shutting down (a long-poll woken
                by the shutdown, say): the counter sends again after Retry-After.
        """
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, functools.partial(fn, *args))
        except RuntimeError as exc:
            # The pool refuses work only when it (or the interpreter) is shutting down.
            if not (self._closed or "cannot schedule new futures" in str(exc)):
                raise
            raise ApiError(
                503,
                "server_stopping",
                "Máy chủ đang dừng hoặc khởi động lại. Máy trạm sẽ tự gửi lại sau ít giây.",
                headers={"Retry-After": "5"},
            ) from None

    async def read_page(self, unit_code: str, after: feed.Position, limit: int) -> feed.Page:
        """A page of the feed; identical pulls at the same moment share one read.

        When a commit wakes the counters of an office they all ask for the same page (same
        cursor): one database read answers them all; when they come back with the new cursor,
        one read finds the feed empty for them all, and the page they share serialises its
        changes once for them all (:meth:`feed.Page.changes_json`). A shared page is dropped as
        soon as the office's feed grows (:meth:`FeedNotifier.notify`, in-flight reads included)
        and after :data:`PAGE_SHARE_SECONDS`, so a shared answer is never older than what a pull
        woken by a commit must see: a read that began before a commit and ends after its
        notification answers only the pulls that were already waiting for it, not the ones that
        come later.
        """
        key = (unit_code, after.id, limit)
        now = time.monotonic()
        with self._lock:
            found = self._pages.get(key)
            owner = found is None or (found[1].done() and now - found[0] > PAGE_SHARE_SECONDS)
            if owner:
                if len(self._pages) > 10_000:
                    self._pages = {k: v for k, v in self._pages.items() if now - v[0] <= PAGE_SHARE_SECONDS}
                future: concurrent.futures.Future[feed.Page] = concurrent.futures.Future()
                self._pages[key] = (now, future)
            else:
                assert found is not None
                future = found[1]
        if owner:
            try:
                page = await self.run(feed.read, self.engine, unit_code, after, limit)
                future.set_result(page)
            except BaseException as exc:
                with self._lock:
                    if self._pages.get(key, (0.0, None))[1] is future:
                        del self._pages[key]
                future.set_exception(exc)
                raise
        return await asyncio.wrap_future(future)

    def _forget_pages(self, unit_code: str) -> None:
        with self._lock:
            # In-flight reads too: they may have started before the commit that notified.
            self._pages = {k: v for k, v in self._pages.items() if k[0] != unit_code}

    def device_slot(self, device_id: str) -> int | None:
        """A device's slot if known (slots never change once enrolled)."""
        with self._lock:
            return self._slots.get(device_id)

    def remember_slot(self, device_id: str, slot: int) -> int:
        with self._lock:
            self._slots[device_id] = slot
        return slot

    def pull_due(self, device_id: str) -> bool:
        """Whether this device's pull should be written now (at most every 30 s per process)."""
        now = time.monotonic()
        with self._lock:
            if now - self._pulls.get(device_id, -PULL_RECORD_SECONDS) < PULL_RECORD_SECONDS:
                return False
            self._pulls[device_id] = now
            return True

    def close(self) -> None:
        """Stop the listener thread and the sync threads; waiting long-polls answer 503 at once."""
        self._closed = True
        with self._lock:
            listener, self._listener = self._listener, None
            announcer, self._announcer = self._announcer, None
        if listener is not None:
            listener.stop()
        if announcer is not None:
            announcer.stop()
        self.executor.shutdown(wait=False)
        self.push_executor.shutdown(wait=False)
        self.notifier.notify_all()  # wake the long-polls now rather than at their next look
