"""Per-process state of the sync routes: pull notifier, PostgreSQL listener, attachment store."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import Engine

from server.sync.attachments import AttachmentStore
from server.sync.notify import FeedNotifier, PgListener

PULL_RECORD_SECONDS = 30.0  # how often a device's last pull is written at most


class SyncRuntime:
    """Held at ``app.state.sync`` (created on first use, closed by the sync router's lifespan).

    Args:
        engine: The server's engine (PostgreSQL gets a LISTEN thread on first long-poll).
        data_dir: The server's data folder (attachments go to ``<data_dir>/attachments``).
    """

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self.engine = engine
        self.notifier = FeedNotifier()
        self.attachments = AttachmentStore(data_dir / "attachments")
        self._listener: PgListener | None = None
        self._lock = threading.Lock()
        self._pulls: dict[str, float] = {}

    def ensure_listener(self) -> None:
        """Start the PostgreSQL LISTEN thread once (no-op on SQLite)."""
        if self.engine.dialect.name != "postgresql" or self._listener is not None:
            return
        with self._lock:
            if self._listener is None:
                listener = PgListener(self.engine, self.notifier)
                listener.start()
                self._listener = listener

    def pull_due(self, device_id: str) -> bool:
        """Whether this device's pull should be written now (at most every 30 s per process)."""
        now = time.monotonic()
        with self._lock:
            if now - self._pulls.get(device_id, -PULL_RECORD_SECONDS) < PULL_RECORD_SECONDS:
                return False
            self._pulls[device_id] = now
            return True

    def close(self) -> None:
        """Stop the listener thread."""
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()
