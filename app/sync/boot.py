"""Whether this PC is enrolled, read with ``sqlite3`` before the full store opens (start-up path)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

STATE_ID = 1  # the one row of sync_state


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What start-up needs to know before the full store opens."""

    server_url: str
    device_id: str


def read_enrolment(path: Path) -> Enrolment | None:
    """Whether the database at ``path`` belongs to an enrolled PC, read with ``sqlite3``.

    Used before the SQLAlchemy store is open (login dialog); None for standalone, a missing
    file or a schema without sync tables.
    """
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(path, timeout=5)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute(
            "SELECT s.server_url, d.id FROM sync_state s, device d WHERE s.id = ? AND s.enrolled"
            " ORDER BY d.rowid LIMIT 1",
            (STATE_ID,),
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return None if row is None else Enrolment(str(row[0]), str(row[1]))
