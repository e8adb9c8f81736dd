"""What the server records of each device's sync: last push and pull, highest sequence pushed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case
from sqlalchemy.orm import Session

from server.sync import dialect
from server.sync.models import DeviceSync


def record_push(session: Session, unit_code: str, device_id: str, max_seq: int, now: datetime) -> None:
    """Note a push (upsert); as the first statement of a push it also serialises the device's pushes.

    It takes the device's row lock on PostgreSQL and the write lock on SQLite before anything is
    read, so a concurrent resend of the same batch waits and then sees the first one's rows.
    """
    stmt = dialect.insert(session, DeviceSync).values(
        device_id=device_id, unit_code=unit_code, last_push_at=now, max_seq=max_seq, last_hlc=""
    )
    excluded = stmt.excluded
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[DeviceSync.device_id],
            set_={
                "last_push_at": excluded.last_push_at,
                "max_seq": case((excluded.max_seq > DeviceSync.max_seq, excluded.max_seq), else_=DeviceSync.max_seq),
            },
        )
    )


def record_pull(session: Session, unit_code: str, device_id: str, now: datetime) -> None:
    """Note a pull (upsert of ``last_pull_at``)."""
    stmt = dialect.insert(session, DeviceSync).values(
        device_id=device_id, unit_code=unit_code, last_pull_at=now, max_seq=0, last_hlc=""
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[DeviceSync.device_id], set_={"last_pull_at": stmt.excluded.last_pull_at}
        )
    )
