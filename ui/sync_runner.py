"""Runs the sync engine on background threads and relays its status to the GUI by signal.

Two plain threads, so sync never waits on the GUI and the GUI never waits on the network:

* the *pass* thread runs :meth:`SyncEngine.run_once` at start, every ~15 s, right after each
  local write (:meth:`SyncRunner.trigger`, wired to the change bus) and when the long-poll saw
  changes; it honours the engine's back-off unless the officer pressed Retry;
* the *long-poll* thread waits on ``GET /sync/pull?wait=25`` while the server is reachable, so a
  dossier received at another counter shows up within a second or two.

Both write to SQLite beside the GUI's own write worker; WAL and the busy timeout serialise them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.errors import UserFacingError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.sync.engine import SyncEngine, SyncReport
    from app.sync.state import SyncStatus

log = logging.getLogger(__name__)

PASS_INTERVAL_S = 15.0
LONG_POLL_WAIT_S = 25
MIN_POLL_SPACING_S = 2.0  # a server that ignores ``wait`` must not make the poll spin


@dataclass(frozen=True, slots=True)
class SyncView:
    """What the status bar and the outbox screen show about sync right now."""

    status: SyncStatus
    online: bool | None = None  # None: not tried yet since start
    busy: bool = False
    error: str = ""
    auth_required: bool = False
    last: SyncReport | None = field(default=None, compare=False)


class SyncRunner(QObject):
    """Owns the sync threads of one logged-in session.

    Signals:
        status_changed(object): a :class:`SyncView`, after every pass and every status read.
        dossiers_arrived(object): events from other counters were applied: a
            :class:`~app.services.drafts.Changes` naming the dossiers they touched (for the change bus).
    """

    status_changed = Signal(object)
    dossiers_arrived = Signal(object)

    def __init__(
        self,
        engine: SyncEngine,
        factory: Callable[[], Session],
        *,
        interval_s: float = PASS_INTERVAL_S,
        long_poll: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._factory = factory
        self._interval = interval_s
        self._long_poll = long_poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._online_event = threading.Event()
        self._lock = threading.Lock()
        self._force = False
        self._online: bool | None = None
        self._threads: list[threading.Thread] = []
        self.view: SyncView | None = None  # the latest, for the exit warning and new screens

    # --- control (GUI thread) -------------------------------------------------------------

    def start(self) -> None:
        """Start the threads; the first pass runs at once."""
        if self._threads:
            return
        self._wake.set()
        targets = [("sync-pass", self._pass_loop)]
        if self._long_poll:
            targets.append(("sync-long-poll", self._poll_loop))
        for name, target in targets:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def trigger(self, _changes: object = None, initiator: object = None) -> None:
        """Run a pass soon (after a local write); back-off still applies.

        Connected to the change bus; changes this runner published itself are not a reason.
        """
        if initiator is not self:
            self._wake.set()

    def retry_now(self) -> None:
        """Run a pass now, ignoring the back-off (Retry on the outbox screen)."""
        with self._lock:
            self._force = True
        self._wake.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the threads; a request in flight is left to finish on its daemon thread."""
        self._stop.set()
        self._wake.set()
        self._online_event.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    @property
    def engine(self) -> SyncEngine:
        """The engine this runner drives (its transport serves the conflicts screen)."""
        return self._engine

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    # --- threads ----------------------------------------------------------------------------

    def _read_status(self) -> SyncStatus:
        from app.sync.state import read_status

        with self._factory() as session:
            return read_status(session)

    def _publish(self, **kw: object) -> None:
        view = SyncView(self._read_status(), online=self._online, **kw)  # type: ignore[arg-type]
        self.view = view
        if not self._stop.is_set():
            self.status_changed.emit(view)

    def _set_online(self, online: bool) -> None:
        self._online = online
        if online:
            self._online_event.set()
        else:
            self._online_event.clear()

    def _pass_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            if self._stop.is_set():
                return
            self._wake.clear()
            with self._lock:
                force, self._force = self._force, False
            try:
                self._publish(busy=True)
                report = self._engine.run_once(force=force)
                if report.ok:
                    self._set_online(True)
                elif report.offline:
                    self._set_online(False)
                elif report.error and not report.skipped:
                    self._set_online(not report.auth_required)
                self._publish(error=report.error, auth_required=report.auth_required, last=report)
                self._announce(report)
            except Exception as exc:  # a bug must not end sync for the rest of the day
                log.exception("sync pass crashed")
                self._safe_publish(f"Lỗi ngoài dự kiến khi đồng bộ: {exc!r}. Chi tiết trong tệp nhật ký.")
                self._stop.wait(self._interval)

    def _announce(self, report: SyncReport) -> None:
        """Tell the views which dossiers the pulled events touched (not just that something came)."""
        if report.dossier_uids and not self._stop.is_set():
            from app.services.drafts import Changes

            self.dossiers_arrived.emit(Changes(report.dossier_uids))

    def _safe_publish(self, error: str) -> None:
        try:
            self._publish(error=error)
        except Exception:
            log.exception("sync status could not be read")

    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            if not self._online_event.wait(self._interval) or self._stop.is_set():
                continue
            started = time.monotonic()
            try:
                report = self._engine.poll(LONG_POLL_WAIT_S)
            except UserFacingError as exc:
                log.info("long-poll failed: %s", exc.message)
                self._set_online(False)
                self._wake.set()  # let the pass record the failure and back off
                continue
            except Exception:
                log.exception("long-poll crashed")
                self._stop.wait(self._interval)
                continue
            self._announce(report)
            if report.applied or "more" in report.notes:
                self._wake.set()
            spent = time.monotonic() - started
            if spent < MIN_POLL_SPACING_S:
                self._stop.wait(MIN_POLL_SPACING_S - spent)


# --- wording shared by the status bar and the outbox screen -----------------------------------


def local_hhmm(utc_naive: datetime | None, *, with_day: bool = False) -> str:
    """A stored UTC time as the PC's local ``HH:MM`` (``HH:MM dd/mm`` with ``with_day``)."""
    if utc_naive is None:
        return ""
    local = utc_naive.replace(tzinfo=UTC).astimezone()
    return local.strftime("%H:%M %d/%m" if with_day else "%H:%M")


def _last(utc_naive: datetime | None) -> str:
    if utc_naive is None:
        return "chưa đồng bộ lần nào"
    same_day = utc_naive.replace(tzinfo=UTC).astimezone().date() == datetime.now().date()
    return f"đồng bộ lần cuối {local_hhmm(utc_naive, with_day=not same_day)}"


def status_line(view: SyncView) -> str:
    """One short line for the status bar, e.g. "Đã đồng bộ lúc 09:42" or
    "Mất kết nối máy chủ – 12 sự kiện chờ gửi · đồng bộ lần cuối 09:42"; details in :func:`status_detail`."""
    st = view.status
    rejected = f" · {st.rejected} bị từ chối (F8)" if st.rejected else ""
    waiting = f"{st.pending} sự kiện chờ gửi" + (f", {st.uploads} tệp chờ tải lên" if st.uploads else "")
    if view.auth_required:
        return f"Cần đăng nhập trực tuyến lại để đồng bộ – {waiting}{rejected}"
    if view.online is False:
        return f"Mất kết nối máy chủ – {waiting} · {_last(st.last_success_at)}{rejected}"
    if view.online is None:
        return f"Đang kết nối máy chủ… – {waiting}{rejected}"
    if view.error:
        return f"Lỗi đồng bộ – {waiting} (F8 để xem){rejected}"
    if st.last_success_at is None:
        return f"Đang đồng bộ… – {waiting}{rejected}"
    done = f"Đã đồng bộ lúc {local_hhmm(st.last_success_at)}"
    return f"{done} · {waiting}{rejected}" if st.pending or st.uploads else f"{done}{rejected}"


def status_detail(view: SyncView) -> str:
    """The tooltip: the server, the error as the server or the network put it, the next attempt."""
    st = view.status
    parts = [f"Máy chủ: {st.server_url}"]
    if view.error:
        parts.append(f"Lỗi: {view.error}")
    if st.next_retry_at is not None and view.online is not True:
        parts.append(f"Tự động thử lại lúc {local_hhmm(st.next_retry_at)}")
    parts.append("Xem hàng đợi đồng bộ: F8")
    return "\n".join(parts)


def clock_warning(status: SyncStatus) -> str:
    """ "" or a warning that the PC clock is off by more than two minutes."""
    if not status.clock_off:
        return ""
    minutes = round(abs(status.clock_offset_s) / 60)
    way = "chậm" if status.clock_offset_s > 0 else "nhanh"
    return f"Đồng hồ máy tính {way} {minutes} phút so với máy chủ – hãy chỉnh lại ngày giờ"
