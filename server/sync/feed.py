"""Pull: pages of an office's change feed behind an opaque cursor.

The cursor is the last row id read. Within one office, ids are in commit order: on PostgreSQL a
trigger (server migration 0004) takes the office's transaction-scoped advisory lock before a row
draws its id, so two transactions writing one office's feed are serialised from their first
change row to their commit; SQLite has one writer at a time. A reader therefore never skips a
committed row with ``id > last``. Without that ordering a naive id cursor loses rows whose
transaction commits after a later id was read (tests/server/test_cursor_pg.py shows both).
Offices never wait for each other, and nothing outside the feed (another database on the same
cluster, a long import) holds a page back.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.sql import Select

from app.sync.wire import Change, EventWire
from server.sync.models import ChangeRow, ServerEvent

_CURSOR = re.compile(r"^i:(\d{1,20})$")
# Cursors of servers before migration 0004: ``s:<id>`` (SQLite), ``p:<txid>:<id>`` (PostgreSQL).
_OLD_CURSOR = re.compile(r"^(?:s|p:\d{1,20}):(\d{1,20})$")


class CursorError(ValueError):
    """The cursor was not made by this server's database (or was altered)."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a reader is in the feed: after the change row ``id``."""

    id: int = 0


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the feed and the cursor after it."""

    changes: list[Change]
    position: Position
    more: bool


def encode_cursor(position: Position) -> str:
    """The opaque cursor for ``position`` (``""`` for the very beginning)."""
    if position == Position():
        return ""
    return base64.urlsafe_b64encode(f"i:{position.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """Parse a cursor made by :func:`encode_cursor` (or by a server before migration 0004).

    Raises:
        CursorError: Not a cursor this server made (or it was altered).
    """
    if not cursor:
        return Position()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError(cursor) from None
    if m := (_CURSOR.match(raw) or _OLD_CURSOR.match(raw)):
        return Position(int(m[1]))
    raise CursorError(cursor)


_EVENT_COLUMNS = (
    ServerEvent.id,
    ServerEvent.device_id,
    ServerEvent.device_seq,
    ServerEvent.type,
    ServerEvent.dossier_uid,
    ServerEvent.base_version,
    ServerEvent.officer_id,
    ServerEvent.officer_name,
    ServerEvent.occurred_at,
    ServerEvent.hlc,
    ServerEvent.payload,
    ServerEvent.server_received_at,
    ServerEvent.flags,
)


def _base() -> Select[Any]:
    return select(ChangeRow.id.label("change_id"), ChangeRow.kind, *_EVENT_COLUMNS).outerjoin(
        ServerEvent, ServerEvent.id == ChangeRow.event_id
    )


def _change(row: Any) -> Change:
    event = None
    if row.id is not None:
        # Built from our own stored rows, validated when they were pushed.
        event = EventWire.model_construct(
            id=row.id,
            device_id=row.device_id,
            device_seq=row.device_seq,
            type=row.type,
            dossier_uid=row.dossier_uid,
            base_version=row.base_version,
            officer_id=row.officer_id,
            officer_name=row.officer_name,
            occurred_at=row.occurred_at,
            hlc=row.hlc,
            payload=row.payload,
        )
    return Change.model_construct(
        kind=row.kind, event=event, server_received_at=row.server_received_at, flags=list(row.flags or [])
    )


def read_page(conn: Connection, unit_code: str, after: Position, limit: int) -> Page:
    """Up to ``limit`` changes of ``unit_code`` after ``after``, in commit order.

    Args:
        conn: A connection (its own short transaction; nothing is written).
        unit_code: The office whose feed is read.
        after: The reader's position.
        limit: Page size.
    """
    query = (
        _base().where(ChangeRow.unit_code == unit_code, ChangeRow.id > after.id).order_by(ChangeRow.id).limit(limit + 1)
    )
    rows = list(conn.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    position = Position(rows[-1].change_id) if rows else after
    return Page([_change(row) for row in rows], position, more)


def read(engine: Engine, unit_code: str, after: Position, limit: int) -> Page:
    """:func:`read_page` on a connection of its own, returned to the pool at once."""
    with engine.connect() as conn:
        page = read_page(conn, unit_code, after, limit)
        conn.rollback()
    return page
