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
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, Engine, select
from sqlalchemy.sql import Select

from app.sync.wire import Change, EventWire, PullResponse
from server.sync.models import ChangeRow, ServerEvent

_CURSOR = re.compile(r"^i:(\d{1,20})$")
# Cursors of servers before migration 0004: ``s:<id>`` (SQLite), ``p:<txid>:<id>`` (PostgreSQL).
_OLD_CURSOR = re.compile(r"^(?:s|p:\d{1,20}):(\d{1,20})$")
# Row ids are 64-bit signed on both databases: a larger number is no row of ours (and would not
# even bind as a query parameter).
MAX_ROW_ID = 2**63 - 1


class CursorError(ValueError):
    """The cursor was not made by this server's database (or was altered)."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a reader is in the feed: after the change row ``id``."""

    id: int = 0


# ``PullResponse.changes`` is a plain ``list[Change]`` field: this adapter writes the same bytes.
_CHANGES = TypeAdapter(list[Change])
# How ``PullResponse.model_dump_json()`` begins when ``changes`` is empty (it is the first field).
_EMPTY_HEAD = b'{"changes":[]'


def dump_changes(changes: list[Change]) -> bytes:
    """``changes`` as JSON, byte for byte as in ``PullResponse.model_dump_json()``."""
    return _CHANGES.dump_json(changes)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the feed and the cursor after it.

    A page may answer many pulls at once (:meth:`server.sync.runtime.SyncRuntime.read_page`):
    its changes are serialised once, by the first of them (:meth:`changes_json`).
    """

    changes: list[Change]
    position: Position
    more: bool
    _json: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _json_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def changes_json(self) -> bytes:
        """:attr:`changes` as JSON (:func:`dump_changes`), serialised on first use and then kept.

        Thread-safe: pulls sharing the page serialise it once between them.
        """
        if not self.changes:
            return b"[]"
        data = self._json
        if data is None:
            with self._json_lock:
                data = self._json
                if data is None:
                    data = dump_changes(self.changes)
                    object.__setattr__(self, "_json", data)  # a memo: the page itself never changes
        return data


def pull_body(page: Page, server_time: datetime) -> bytes:
    """The JSON of ``PullResponse`` for ``page``, byte for byte as ``model_dump_json()`` writes it.

    The page's changes come from :meth:`Page.changes_json` (serialised once however many pulls
    the page answers); only the small fields, ``server_time`` above all, are written per pull.
    """
    answer = PullResponse(changes=[], cursor=encode_cursor(page.position), more=page.more, server_time=server_time)
    body = answer.model_dump_json().encode()
    if not page.changes:
        return body
    if not body.startswith(_EMPTY_HEAD):  # PullResponse no longer begins with its changes
        answer = answer.model_copy(update={"changes": page.changes})
        return answer.model_dump_json().encode()
    return b'{"changes":' + page.changes_json() + body[len(_EMPTY_HEAD) :]


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
    m = _CURSOR.fullmatch(raw) or _OLD_CURSOR.fullmatch(raw)
    if m is None or int(m[1]) > MAX_ROW_ID:
        raise CursorError(cursor)
    return Position(int(m[1]))


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
