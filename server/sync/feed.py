"""Pull: pages of an office's change feed behind an opaque cursor.

PostgreSQL: a change row carries the id of the transaction that wrote it (``txid``). A page
reads rows after the cursor's ``(txid, id)`` whose transaction is below the reader's snapshot
xmin, i.e. finished before any transaction still running began; no later commit can land
behind the cursor. Rows are ordered by ``(txid, id)`` and one transaction is never split
between pages. A naive ``id > last`` cursor loses rows whose transaction commits after a later
id was read (tests/server/test_cursor_pg.py shows both).

SQLite (embedded server, one writer at a time): the cursor is the row id.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, String, cast, literal_column, select, text
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnClause

from app.sync.wire import Change, EventWire
from server.sync.models import ChangeRow, ServerEvent

_PG_CURSOR = re.compile(r"^p:(\d{1,20}):(\d{1,20})$")
_SQLITE_CURSOR = re.compile(r"^s:(\d{1,20})$")
_TXID: ColumnClause[Any] = literal_column("change_feed.txid")


class CursorError(ValueError):
    """The cursor was not made by this server's database (or was altered)."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a reader is in the feed: after ``(txid, id)`` (txid 0 on SQLite)."""

    txid: int = 0
    id: int = 0


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the feed and the cursor after it."""

    changes: list[Change]
    position: Position
    more: bool


def encode_cursor(position: Position, postgres: bool) -> str:
    """The opaque cursor for ``position`` (``""`` for the very beginning)."""
    if position == Position():
        return ""
    raw = f"p:{position.txid}:{position.id}" if postgres else f"s:{position.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, postgres: bool) -> Position:
    """Parse a cursor made by :func:`encode_cursor`.

    Raises:
        CursorError: Not a cursor of this kind of database.
    """
    if not cursor:
        return Position()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError(cursor) from None
    if postgres and (m := _PG_CURSOR.match(raw)):
        return Position(int(m[1]), int(m[2]))
    if not postgres and (m := _SQLITE_CURSOR.match(raw)):
        return Position(0, int(m[1]))
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


def _base(postgres: bool) -> Select[Any]:
    txid = cast(_TXID, String) if postgres else literal_column("'0'")
    return select(txid.label("txid"), ChangeRow.id.label("change_id"), ChangeRow.kind, *_EVENT_COLUMNS).outerjoin(
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
    """Up to ``limit`` changes of ``unit_code`` after ``after`` (more when a transaction is longer).

    Args:
        conn: A connection (its own short transaction; nothing is written).
        unit_code: The office whose feed is read.
        after: The reader's position.
        limit: Page size; a page is extended to the end of its last transaction.
    """
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        query = (
            _base(True)
            .where(
                ChangeRow.unit_code == unit_code,
                text("(change_feed.txid, change_feed.id) > (CAST(:after_txid AS xid8), :after_id)").bindparams(
                    after_txid=str(after.txid), after_id=after.id
                ),
                text("change_feed.txid < pg_snapshot_xmin(pg_current_snapshot())"),
            )
            .order_by(_TXID, ChangeRow.id)
            .limit(limit + 1)
        )
    else:
        query = (
            _base(False)
            .where(ChangeRow.unit_code == unit_code, ChangeRow.id > after.id)
            .order_by(ChangeRow.id)
            .limit(limit + 1)
        )
    rows = list(conn.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    if postgres and more and rows:
        # Finish the last transaction on this page (its txid is already below the horizon).
        last_txid, last_id = rows[-1].txid, rows[-1].change_id
        rest = list(
            conn.execute(
                _base(True)
                .where(
                    ChangeRow.unit_code == unit_code,
                    text("change_feed.txid = CAST(:txid AS xid8)").bindparams(txid=last_txid),
                    ChangeRow.id > last_id,
                )
                .order_by(ChangeRow.id)
            )
        )
        rows += rest
        if rest:
            last = rows[-1]
            more = (
                conn.execute(
                    select(ChangeRow.id)
                    .where(
                        ChangeRow.unit_code == unit_code,
                        text("(change_feed.txid, change_feed.id) > (CAST(:t AS xid8), :i)").bindparams(
                            t=last.txid, i=last.change_id
                        ),
                        text("change_feed.txid < pg_snapshot_xmin(pg_current_snapshot())"),
                    )
                    .limit(1)
                ).first()
                is not None
            )
    position = Position(int(rows[-1].txid), rows[-1].change_id) if rows else after
    return Page([_change(row) for row in rows], position, more)


def read(engine: Engine, unit_code: str, after: Position, limit: int) -> Page:
    """:func:`read_page` on a connection of its own, returned to the pool at once."""
    with engine.connect() as conn:
        page = read_page(conn, unit_code, after, limit)
        conn.rollback()
    return page
