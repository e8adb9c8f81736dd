"""Runs database work off the GUI thread and hands results back by signal (Anki's CollectionOp)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.errors import UserFacingError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
SessionSource = Callable[[], "Session"]  # a sessionmaker, or ui.main.StoreLoader (waits until open)
Work = Callable[["Session"], Any]
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class Latest:
    """Keeps only the newest answer of a repeated read.

    Reads run on several threads, so an older read can finish after a newer one and would show
    stale rows. Call :meth:`guard` once per read to wrap its callbacks: callbacks of a read that
    was superseded, or whose ``owner`` widget is gone, do nothing.
    """

    def __init__(self, owner: QObject) -> None:
        self._owner = owner
        self._newest = 0

    def guard(self, on_success: Done, on_failure: Failed) -> tuple[Done, Failed]:
        """The callbacks of a new read (superseding every earlier one)."""
        import shiboken6

        self._newest += 1
        ticket = self._newest

        def current() -> bool:
            return ticket == self._newest and shiboken6.isValid(self._owner)

        def ok(result: Any) -> None:
            if current():
                on_success(result)

        def bad(exc: BaseException) -> None:
            if current():
                on_failure(exc)

        return ok, bad


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues the call back to the GUI thread."""

    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, factory: SessionSource, fn: Work, relay: _Relay, write: bool) -> None:
        super().__init__()
        self._factory, self._fn, self._relay, self._write = factory, fn, relay, write

    def run(self) -> None:
        try:
            with self._factory() as session:
                if self._write:
                    with session.begin():
                        result = self._fn(session)
                else:
                    result = self._fn(session)
        except BaseException as exc:
            if not isinstance(exc, UserFacingError):
                exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(result)


class OpRunner(QObject):
    """Runs ``fn(session)`` in a worker: writes on one thread (SQLite has one writer), reads on others.

    Signals:
        unexpected_error(object): a failure that is not a UserFacingError (a bug) with no handler.
    """

    unexpected_error = Signal(object)

    def __init__(self, factory: SessionSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)
        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(2)
        self._live: set[_Relay] = set()

    def run(self, fn: Work, on_success: Done, on_failure: Failed | None = None, *, write: bool) -> None:
        """Start ``fn``; exactly one of the callbacks runs later on the GUI thread."""
        relay = _Relay()
        self._live.add(relay)

        @Slot(object)
        def ok(result: Any) -> None:
            self._live.discard(relay)
            on_success(result)

        @Slot(object)
        def bad(exc: BaseException) -> None:
            self._live.discard(relay)
            self._fail(exc, on_failure)

        relay.succeeded.connect(ok)
        relay.failed.connect(bad)
        (self._writes if write else self._reads).start(_Job(self._factory, fn, relay, write))

    def _fail(self, exc: BaseException, on_failure: Failed | None) -> None:
        if on_failure is not None and isinstance(exc, UserFacingError):
            on_failure(exc)
            return
        log.error("operation failed: %s", getattr(exc, "__traceback_text__", repr(exc)))
        if on_failure is not None:
            on_failure(exc)
        else:
            self.unexpected_error.emit(exc)

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until queued work finished (shutdown and tests)."""
        return self._writes.waitForDone(msecs) and self._reads.waitForDone(msecs)


class InlineRunner(OpRunner):
    """Runs work synchronously on the calling thread: for tests that want determinism."""

    def run(self, fn: Work, on_success: Done, on_failure: Failed | None = None, *, write: bool) -> None:
        try:
            with self._factory() as session:
                if write:
                    with session.begin():
                        result = fn(session)
                else:
                    result = fn(session)
        except Exception as exc:
            self._fail(exc, on_failure)
        else:
            on_success(result)
