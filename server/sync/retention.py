"""Pruning of what the server keeps only for a while (refused events, unfinished uploads).

``prune`` runs at start-up and hourly in every server process (server/app.py; deleting rows
already deleted by another process is harmless) and on demand with ``motcua-server admin prune``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from server.config import Settings
from server.storage import StoreUnavailableError, open_store
from server.sync.attachments import expire_uploads
from server.sync.models import RejectedEvent

log = logging.getLogger("motcua.server")

PRUNE_EVERY_SECONDS = 3600.0


def prune(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Delete what is past its retention, in ``session``'s transaction (the caller commits).

    Args:
        now: Server time, aware UTC.

    Returns:
        Rows deleted, by table.
    """
    # Unfinished uploads (server/sync/attachments.py) first, on a session of their own that
    # commits file by file under each file's lock (before this transaction writes: on SQLite it
    # would hold the one write lock); an object storage that does not answer waits an hour.
    expired = 0
    try:
        with Session(session.get_bind().engine) as own:
            expired = expire_uploads(own, open_store(settings), now, settings.upload_expiry_hours)
    except StoreUnavailableError:
        log.warning("unfinished uploads not expired: the attachment storage did not answer")
    cutoff = now - timedelta(days=settings.rejected_retention_days)
    result = session.execute(delete(RejectedEvent).where(RejectedEvent.received_at < cutoff))
    return {"rejected_events": int(getattr(result, "rowcount", 0) or 0), "attachment_uploads": expired}


def prune_now(factory: sessionmaker[Session], settings: Settings, now: datetime) -> dict[str, int]:
    """:func:`prune` in a transaction of its own."""
    with factory.begin() as session:
        counts = prune(session, settings, now)
    if any(counts.values()):
        log.info("pruned %s", ", ".join(f"{n} {table}" for table, n in counts.items()))
    return counts


async def prune_hourly(factory: sessionmaker[Session], settings: Settings, clock: Callable[[], datetime]) -> None:
    """Prune at once, then every :data:`PRUNE_EVERY_SECONDS`, until cancelled (the app's lifespan)."""
    while True:
        try:
            await asyncio.to_thread(prune_now, factory, settings, clock())
        except Exception:  # a database away for a while must not end the loop
            log.exception("pruning failed; will try again")
        await asyncio.sleep(PRUNE_EVERY_SECONDS)
