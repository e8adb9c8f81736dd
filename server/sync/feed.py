"""Pull: pages of an office's change feed behind an opaque cursor.

The cursor is the last row id read. Within one office, ids are in commit order: on PostgreSQL a
trigger (server migration 0004) takes the office's transaction-scoped advisory lock before a row
draws its id, so two transactions writing one office's feed are serialised from their first
change row to their commit; SQLite has one writer at a time. A reader therefore never skips a
committed row with ``id > last``. Without that ordering a naive id cursor loses rows whose
transaction commits after a later id was read (tests/server/test_cursor_pg.py shows both).
Offices never wait for each other, and nothing outside the feed (another database on the same
cluster, a long import) holds a page back.

Nothing stored can fail a pull: an event that cannot be read or written as JSON, or (while rows
stored before migration 0008 are unchecked) one that breaks its contract, is served as a
``withheld`` change that keeps its place, and the page goes on (server/sync/quarantine.py).
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import PydanticSerializationError
from sqlalchemy import Connection, Engine, select

from app.sync.wire import Change, EventWire, PullResponse
from server.sync import quarantine
from server.sync.models import ChangeRow, WithheldEvent
from server.sync.quarantine import WITHHELD

log = logging.getLogger("motcua.server")

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
_CHANGE = TypeAdapter(Change)
# How ``PullResponse.model_dump_json()`` begins when ``changes`` is empty (it is the first field).
_EMPTY_HEAD = b'{"changes":[]'


def dump_changes(changes: list[Change]) -> bytes:
    """``changes`` as JSON, byte for byte as in ``PullResponse.model_dump_json()``."""
    return _CHANGES.dump_json(changes)


def withheld_change(event_id: str | None, reason: str, received: datetime | None) -> Change:
    """The change served in place of an event the feed withholds (``reason``: a code of
    :data:`server.sync.quarantine.REASONS`); the counter counts it and moves on."""
    flags = [f"event:{event_id}"] if event_id else []
    return Change.model_construct(
        kind=WITHHELD, event=None, server_received_at=received, flags=[*flags, f"reason:{reason}"]
    )


def _servable(changes: list[Change]) -> tuple[list[Change], bytes]:
    """``changes`` and their JSON when one of them cannot be written (the rare path): each such
    change becomes a withheld one; the others are written as they are, in the same bytes."""
    served: list[Change] = []
    parts: list[bytes] = []
    for change in changes:
        try:
            part = _CHANGE.dump_json(change)
        except (PydanticSerializationError, ValueError, RecursionError) as exc:
            event = change.event
            event_id = event.id if event is not None else None
            log.error("feed: event %s cannot be written as JSON, served as withheld: %s", event_id, str(exc)[:200])
            change = withheld_change(event_id, "unserialisable", change.server_received_at)
            part = _CHANGE.dump_json(change)
        served.append(change)
        parts.append(part)
    return served, b"[" + b",".join(parts) + b"]"


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

        Thread-safe: pulls sharing the page serialise it once between them. Should a change not
        be writable (an event stored unchecked by an older server), it is replaced in
        :attr:`changes` by a withheld one and the rest of the page is served (never a 500).
        """
        if not self.changes:
            return b"[]"
        data = self._json
        if data is None:
            with self._json_lock:
                data = self._json
                if data is None:
                    try:
                        data = dump_changes(self.changes)
                    except (PydanticSerializationError, ValueError, RecursionError):
                        served, data = _servable(self.changes)
                        object.__setattr__(self, "changes", served)
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
    changes = page.changes_json()  # also puts a withheld change in place of one it cannot write
    if not body.startswith(_EMPTY_HEAD):  # PullResponse no longer begins with its changes
        answer = answer.model_copy(update={"changes": page.changes})
        return answer.model_dump_json().encode()
    return b'{"changes":' + changes + body[len(_EMPTY_HEAD) :]


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


def _change(row: Any, check: bool, reasons: dict[int, str]) -> Change:
    """The change of one row of :func:`quarantine.feed_rows`.

    Args:
        check: The row was stored before migration 0008 and is not checked yet: validate its
            event first (rows stored since were validated when pushed, and are not).
        reasons: Why each withheld row of the page is withheld.
    """
    if row.kind == WITHHELD:
        return withheld_change(row.event_id, reasons.get(row.change_id, "withheld"), row.server_received_at)
    if row.event_id is None:  # "reference": no event
        return Change.model_construct(kind=row.kind, event=None, server_received_at=None, flags=[])
    verdict: quarantine.Verdict | None = None
    payload: Any = None
    if row.id is None:
        verdict = quarantine.Verdict("missing")
    else:
        try:
            payload = quarantine.decode_payload(row)
        except ValueError:
            verdict = quarantine.Verdict("undecodable")
        else:
            verdict = quarantine.judge(quarantine.event_fields(row, payload)) if check else None
    if verdict is not None:
        log.error("feed: event %s (change %s) withheld: %s %s", row.event_id, row.change_id, verdict.reason,
                  verdict.detail)  # fmt: skip
        return withheld_change(row.event_id, verdict.reason, row.server_received_at)
    # Built from our own stored rows, validated when they were pushed (or by the check above).
    event = EventWire.model_construct(**quarantine.event_fields(row, payload))
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
        quarantine.feed_rows()
        .where(ChangeRow.unit_code == unit_code, ChangeRow.id > after.id)
        .order_by(ChangeRow.id)
        .limit(limit + 1)
    )
    rows = list(conn.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    position = Position(rows[-1].change_id) if rows else after
    due = quarantine.due_through_cached(conn) if rows else 0
    reasons: dict[int, str] = {}
    withheld = [row.change_id for row in rows if row.kind == WITHHELD]
    if withheld:
        found = conn.execute(
            select(WithheldEvent.change_id, WithheldEvent.reason).where(WithheldEvent.change_id.in_(withheld))
        )
        reasons = {change_id: reason for change_id, reason in found}
    return Page([_change(row, row.change_id <= due, reasons) for row in rows], position, more)


def read(engine: Engine, unit_code: str, after: Position, limit: int) -> Page:
    """:func:`read_page` on a connection of its own, returned to the pool at once."""
    with engine.connect() as conn:
        page = read_page(conn, unit_code, after, limit)
        conn.rollback()
    return page
