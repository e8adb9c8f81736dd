"""What the server records of each device's sync: last push and pull, highest sequence pushed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from server.sync import dialect
from server.sync.models import DeviceSync
from server.sync.statements import statements


def record_push(session: Session, unit_code: str, device_id: str, max_seq: int, now: datetime) -> None:
    """Note a push (upsert); as the first statement of a push it also serialises the device's pushes.

    It takes the device's row lock on PostgreSQL and the write lock on SQLite before anything is
    read, so a concurrent resend of the same batch waits and then sees the first one's rows.
    Other server processes learn of the push from :meth:`server.sync.runtime.SyncRuntime.announce`
    after the commit, not from a ``NOTIFY`` in this transaction (see server/sync/notify.py).
    """
    session.connection().execute(
        statements(dialect.is_postgres(session)).record_push,
        {"device_id": device_id, "unit_code": unit_code, "now": now, "max_seq": max_seq},
    )


def record_pull(session: Session, unit_code: str, device_id: str, now: datetime) -> None:
    """Note a pull (upsert of ``last_pull_at``)."""
    stmt = dialect.upsert(session, DeviceSync).values(
        device_id=device_id, unit_code=unit_code, last_pull_at=now, max_seq=0, last_hlc=""
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[DeviceSync.device_id], set_={"last_pull_at": stmt.excluded.last_pull_at}
        )
    )
