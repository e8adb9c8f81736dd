"""The stored feed checked against the contracts; what an older server accepted unchecked is withheld.

Since migration 0007 every pushed event is validated (server/sync/validate.py) and only the
contract's dump is stored, but an upgraded server may hold events the old code took as they came
(a payload nested 300 deep, NaN, a lone surrogate, a 5 MiB note). :func:`check_feed` reads the
feed in pages and checks each stored event as a counter would read it (``EventWire`` and the
payload's contract); with ``fix`` a failing one is withheld: its change row keeps its place and
is served as a ``withheld`` change (``flags``: ``event:<id>``, ``reason:<code>``), the event row
is left as it was and ``withheld_events`` says why. Nothing is deleted, so no database surgery
is ever needed to undo it (downgrading migration 0008 puts the rows back).

Migration 0008 only records which rows are unchecked (``feed_check.due_through``); the server
checks them in the background at start (:func:`check_at_start`) and the feed checks them as it
serves them until then (:func:`due_through_cached`). ``motcua-server admin check-feed [--fix]``
runs the check on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, Text, case, cast, func, insert, null, select, text, update
from sqlalchemy.sql import Select

from app.domain.contracts import describe, parse_payload
from app.sync.wire import EventWire
from server.db import is_postgres
from server.sync.models import ChangeRow, FeedCheck, ServerEvent, WithheldEvent

log = logging.getLogger("motcua.server")

WITHHELD = "withheld"
"""Change kind of a withheld event (and ``change_feed.kind`` once it is withheld for good)."""
REFERENCE = "reference"

REASONS = {
    "invalid_payload": "nội dung sai hợp đồng sự kiện",
    "invalid_event": "phần đầu sự kiện sai (mã, người làm, thời điểm…)",
    "unknown_type": "loại sự kiện không được hỗ trợ",
    "undecodable": "dữ liệu lưu không đọc được",
    "unserialisable": "không ghi được thành JSON (lồng quá sâu hoặc ký tự Unicode hỏng)",
    "missing": "không còn bản ghi sự kiện",
}
"""Why an event is withheld (the code on the wire and in ``withheld_events``) in Vietnamese."""

PAGE_ROWS = 1000  # change rows read (and withheld) per transaction
CHECK_LOCK = 0x4D6F7448  # "MotH": PostgreSQL advisory lock held by the process that checks
DUE_MEMO_SECONDS = 10.0  # how long a process trusts its reading of feed_check.due_through


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why one stored event cannot be fed: a code of :data:`REASONS` and which field (Vietnamese)."""

    reason: str
    detail: str = ""


# --- one event ----------------------------------------------------------------------------------


EVENT_COLUMNS = (
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
    # As stored (JSON text), decoded row by row: one payload no JSON reader takes (nested too
    # deep for it) must not fail the page. A withheld row's payload is not read at all.
    case((ChangeRow.kind == WITHHELD, null()), else_=cast(ServerEvent.payload, Text)).label("payload"),
    ServerEvent.clock_offset_seconds,
    ServerEvent.server_received_at,
    ServerEvent.flags,
)


def feed_rows() -> Select[Any]:
    """Change rows with their events (``change_id``, ``kind``, ``event_id`` and :data:`EVENT_COLUMNS`)."""
    return select(ChangeRow.id.label("change_id"), ChangeRow.kind, ChangeRow.event_id, *EVENT_COLUMNS).outerjoin(
        ServerEvent, ServerEvent.id == ChangeRow.event_id
    )


def decode_payload(row: Any) -> Any:
    """The row's payload as stored.

    Raises:
        ValueError: Not JSON, or nested deeper than Python's JSON reader goes.
    """
    raw = row.payload
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deep") from None


def event_fields(row: Any, payload: Any) -> dict[str, Any]:
    """The fields of ``EventWire`` from a row of :func:`feed_rows`."""
    return {
        "id": row.id,
        "device_id": row.device_id,
        "device_seq": row.device_seq,
        "type": row.type,
        "dossier_uid": row.dossier_uid,
        "base_version": row.base_version,
        "officer_id": row.officer_id,
        "officer_name": row.officer_name,
        "occurred_at": row.occurred_at,
        "hlc": row.hlc,
        "payload": payload,
        "clock_offset_seconds": row.clock_offset_seconds,
    }


def judge(fields: dict[str, Any]) -> Verdict | None:
    """None when the event reads as a counter reads it (``EventWire``, then its payload's contract)."""
    try:
        wire = EventWire.model_validate(fields)
    except ValidationError as exc:
        return Verdict("invalid_event", describe(exc))
    try:
        parse_payload(wire.type, wire.payload)
    except KeyError:
        return Verdict("unknown_type", wire.type)
    except ValidationError as exc:
        return Verdict("invalid_payload", describe(exc, "payload"))
    except RecursionError:
        return Verdict("invalid_payload", "payload: lồng quá sâu")
    return None


def judge_row(row: Any) -> Verdict | None:
    """:func:`judge` for a row of :func:`feed_rows` (an event row that went missing included)."""
    if row.id is None:
        return Verdict("missing")
    try:
        payload = decode_payload(row)
    except ValueError:
        return Verdict("undecodable")
    return judge(event_fields(row, payload))


# --- the check state ----------------------------------------------------------------------------

_memo_lock = threading.Lock()
_due_memo: weakref.WeakKeyDictionary[Engine, tuple[float, int]] = weakref.WeakKeyDictionary()


def due_through(conn: Connection) -> int:
    """Change rows up to this id are unchecked (stored before migration 0008); 0: none."""
    return int(conn.execute(select(FeedCheck.due_through).where(FeedCheck.id == 1)).scalar_one_or_none() or 0)


def due_through_cached(conn: Connection) -> int:
    """:func:`due_through`, read at most every :data:`DUE_MEMO_SECONDS` per process (pulls ask)."""
    now = time.monotonic()
    with _memo_lock:
        memo = _due_memo.get(conn.engine)
    if memo is not None and now - memo[0] < DUE_MEMO_SECONDS:
        return memo[1]
    value = due_through(conn)
    with _memo_lock:
        _due_memo[conn.engine] = (now, value)
    return value


def _forget(engine: Engine) -> None:
    with _memo_lock:
        _due_memo.pop(engine, None)


def mark_due(conn: Connection) -> int:
    """Record every change row so far as unchecked (what migration 0008 does); returns the id."""
    top = int(conn.execute(select(func.coalesce(func.max(ChangeRow.id), 0))).scalar_one())
    if conn.execute(update(FeedCheck).where(FeedCheck.id == 1).values(due_through=top)).rowcount == 0:
        conn.execute(insert(FeedCheck).values(id=1, due_through=top, checked=0, withheld=0))
    _forget(conn.engine)
    return top


# --- the check ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Found:
    """One event the check withholds (or would withhold, in a dry run)."""

    change_id: int
    unit_code: str
    kind: str
    event_id: str
    type: str
    verdict: Verdict


@dataclass(slots=True)
class CheckReport:
    """What :func:`check_feed` did.

    Attributes:
        checked: Stored events checked (those withheld before are not checked again).
        found: The events that fail (the first :data:`KEEP_FOUND` of them; ``reasons`` counts all).
        already: Events withheld before this check.
        complete: The whole feed was read (False: stopped).
    """

    checked: int = 0
    withheld: int = 0
    already: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    found: list[Found] = field(default_factory=list)
    seconds: float = 0.0
    complete: bool = False


KEEP_FOUND = 50


def _page(conn: Connection, after: int, upto: int) -> list[Any]:
    query = (
        feed_rows()
        .add_columns(ChangeRow.unit_code.label("unit"))
        .where(ChangeRow.id > after, ChangeRow.id <= upto, ChangeRow.kind != REFERENCE)
        .order_by(ChangeRow.id)
        .limit(PAGE_ROWS)
    )
    return list(conn.execute(query))


def _withhold(engine: Engine, found: list[Found], now: datetime) -> None:
    with engine.begin() as conn:
        for item in found:
            # Only if the row is still as read: never withhold a row twice.
            moved = conn.execute(
                update(ChangeRow)
                .where(ChangeRow.id == item.change_id, ChangeRow.kind == item.kind)
                .values(kind=WITHHELD)
            ).rowcount
            if moved:
                conn.execute(
                    insert(WithheldEvent).values(
                        change_id=item.change_id, unit_code=item.unit_code, event_id=item.event_id or None,
                        kind=item.kind, reason=item.verdict.reason, detail=item.verdict.detail[:500], withheld_at=now,
                    )
                )  # fmt: skip


def check_feed(
    engine: Engine, now: Callable[[], datetime], *, fix: bool, stop: threading.Event | None = None
) -> CheckReport:
    """Check every stored event of every office's feed, :data:`PAGE_ROWS` change rows at a time.

    Args:
        engine: The server's database.
        now: Server time (aware UTC), for ``withheld_at``.
        fix: Withhold what fails (each page in a transaction of its own); False: only report.
        stop: Set to stop after the current page (the server shutting down).

    After a complete check with ``fix``, nothing stored before the upgrade is unchecked any more
    (``feed_check.due_through`` 0) and the feed stops checking events as it serves them.
    """
    started = time.monotonic()
    report = CheckReport()
    with engine.connect() as conn:
        upto = int(conn.execute(select(func.coalesce(func.max(ChangeRow.id), 0))).scalar_one())
        report.already = int(conn.execute(select(func.count()).select_from(WithheldEvent)).scalar_one())
        conn.rollback()
    after = 0
    while after < upto:
        with engine.connect() as conn:
            rows = _page(conn, after, upto)
            conn.rollback()
        if not rows:
            break
        failing: list[Found] = []
        for row in rows:
            if row.kind == WITHHELD:
                continue
            report.checked += 1
            verdict = judge_row(row)
            if verdict is not None:
                failing.append(Found(row.change_id, row.unit, row.kind, row.event_id or "", row.type or "", verdict))
                report.reasons[verdict.reason] += 1
        if failing:
            if fix:
                _withhold(engine, failing, now())
                report.withheld += len(failing)
            room = KEEP_FOUND - len(report.found)
            report.found.extend(failing[: max(0, room)])
        after = rows[-1].change_id
        if stop is not None and stop.is_set():
            report.seconds = time.monotonic() - started
            return report
    report.complete = True
    report.seconds = time.monotonic() - started
    if fix:
        with engine.begin() as conn:
            # Rows recorded as due later than this check began stay due (a second upgrade).
            conn.execute(
                update(FeedCheck)
                .where(FeedCheck.id == 1)
                .values(
                    due_through=case((FeedCheck.due_through <= upto, 0), else_=FeedCheck.due_through),
                    checked_at=now(),
                    checked=report.checked,
                    withheld=report.withheld + report.already,
                )
            )
        _forget(engine)
    return report


@contextlib.contextmanager
def exclusive(engine: Engine, *, wait: bool) -> Iterator[bool]:
    """Whether this process may check (PostgreSQL: one process of the cluster at a time).

    Args:
        wait: Wait for another process's check to end (admin); False: give up at once (start-up).
    """
    if not is_postgres(engine):
        yield True
        return
    with engine.connect() as conn:
        if wait:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": CHECK_LOCK})
            got = True
        else:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": CHECK_LOCK}).scalar_one())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": CHECK_LOCK})
                conn.commit()


def check_if_due(
    engine: Engine, now: Callable[[], datetime], stop: threading.Event | None = None
) -> CheckReport | None:
    """Check and fix the feed if rows stored before the upgrade are unchecked (None: nothing due,
    or another process is checking)."""
    with engine.connect() as conn:
        due = due_through(conn)
        conn.rollback()
    if not due:
        return None
    with exclusive(engine, wait=False) as mine:
        if not mine:
            return None
        log.info("checking the stored sync feed (rows up to %d were stored before the upgrade)", due)
        report = check_feed(engine, now, fix=True, stop=stop)
    if report.complete:
        log.info("feed checked: %d events in %.1f s, %d withheld (%s)", report.checked, report.seconds,
                 report.withheld, ", ".join(f"{n} {r}" for r, n in report.reasons.items()) or "none")  # fmt: skip
    else:
        log.info("feed check stopped after %d events; it runs again at the next start", report.checked)
    return report


async def check_at_start(engine: Engine, now: Callable[[], datetime], stop: threading.Event) -> None:
    """:func:`check_if_due` on a thread, once (the app's lifespan starts it; ``stop`` ends it)."""
    try:
        await asyncio.to_thread(check_if_due, engine, now, stop)
    except Exception:  # the server serves anyway: the feed checks unchecked rows as it serves them
        log.exception("checking the stored sync feed failed; it runs again at the next start")
