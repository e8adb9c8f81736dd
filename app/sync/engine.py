"""One sync pass with the central server: reserve codes, push the outbox, pull the office's feed.

Every step commits what it learnt in one SQLite transaction per server answer, so a crash or a
lost answer at any point leaves a state from which the next pass simply goes on:

* a code reservation is written (with its request id) before it is sent and resent unchanged
  until answered;
* the outbox goes up in device_seq order, ≤ 500 events and ≤ 4 MiB a request (a 413 halves the
  batch; an event the server refuses alone for its size is set aside); all results of one answer
  are recorded together (accepted / duplicate / flagged → row removed, rejected → row kept as
  rejected with the reason, never retried and never in the way of later events);
* the feed comes down page by page; a page's events are inserted if unknown, folded by
  app.store.projection, and the cursor saved, in one transaction.

Failures back off exponentially with jitter; the next attempt time is stored, so a restart does
not hammer a server that is down.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http import HTTPStatus
from typing import Any

import pydantic
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.domain.contracts import Contract
from app.domain.events import EventType, new_id
from app.domain.indicators import calendar_fingerprint
from app.errors import UserFacingError
from app.scanning.blobs import BlobStore
from app.services.office import load_calendar
from app.store import projection
from app.store.models import CodeRequest, Device, Dossier, Event, Outbox, OutboxState, RegisterSequence
from app.store.processing_refresh import refresh_stale_processing
from app.store.projection import apply_event, typed_payload
from app.sync import codes, fee_receipts, wire
from app.sync.attachments import Uploader, default_blob_store
from app.sync.conflicts import RESOLVED, note_pulled, note_push_result
from app.sync.crashpoint import crash_point
from app.sync.reference import apply_reference
from app.sync.state import as_utc_naive, note_server_time, require_state, utc_now
from app.sync.transport import (
    AuthRequiredError,
    OfflineError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    Transport,
)

log = logging.getLogger(__name__)

SessionSource = Callable[[], Session]

BACKOFF_BASE_S = 5.0
BACKOFF_CAP_S = 300.0
RESERVE_DAYS = 5  # working days ahead
RESERVE_SIZE = 200  # numbers per day and request
RESERVE_LOW_WATER = 50  # ask for more when fewer than this are left for a day
MAX_PAGES_PER_PASS = 10_000  # a runaway feed cannot spin forever
REFERENCE_EVERY_S = 900.0  # office, calendar and officers are checked this often (ETag: cheap)

REMOTE = "remote"
# Feed changes that carry an event: users' events, and the server's resolution of a conflict
# (its change kind is the event type, server/sync/conflicts.py).
EVENT_KINDS = frozenset({"event", RESOLVED})
# An event the server keeps out of the feed (stored unchecked by an older server version): no
# event, only ``flags`` ["event:<id>", "reason:<code>"]; counted, and the cursor moves past it.
WITHHELD = "withheld"
UNAPPLIED = projection.UNAPPLIED


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one pass did. ``error`` is the Vietnamese message of the failure that ended it."""

    skipped: bool = False
    pushed: int = 0
    accepted: int = 0
    duplicate: int = 0
    flagged: int = 0
    rejected: int = 0
    pulled: int = 0
    applied: int = 0
    reserved: int = 0
    uploaded: int = 0  # attachment files the server verified in this pass
    dossier_uids: frozenset[str] = frozenset()  # dossiers the pulled events touched (the change bus)
    error: str = ""
    offline: bool = False
    auth_required: bool = False
    server_time: datetime | None = None
    retry_at: datetime | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.skipped and not self.error


@dataclass(slots=True)
class _Tally:
    """What a pass has done so far (kept when it fails halfway, for the report)."""

    pushed: int = 0
    accepted: int = 0
    duplicate: int = 0
    flagged: int = 0
    rejected: int = 0
    pulled: int = 0
    applied: int = 0
    reserved: int = 0
    uploaded: int = 0
    server_time: datetime | None = None
    notes: list[str] = field(default_factory=list)
    dossier_uids: set[str] = field(default_factory=set)

    def report(self, **extra: Any) -> SyncReport:
        return SyncReport(
            pushed=self.pushed, accepted=self.accepted, duplicate=self.duplicate, flagged=self.flagged,
            rejected=self.rejected, pulled=self.pulled, applied=self.applied, reserved=self.reserved,
            uploaded=self.uploaded, server_time=self.server_time, notes=tuple(self.notes),
            dossier_uids=frozenset(self.dossier_uids), **extra,
        )  # fmt: skip


def backoff_delay(failures: int, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait after ``failures`` consecutive failures: exponential, capped, jittered
    (between half and all of the step, so many counters coming back at once spread out)."""
    step = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2.0 ** min(30, max(0, failures - 1)))
    return step * (0.5 + 0.5 * rng())


def _naive_local(value: datetime) -> datetime:
    # occurred_at is the office's naive local time on the wire; tolerate an aware value.
    return value if value.tzinfo is None else value.astimezone().replace(tzinfo=None)


@dataclass(slots=True)
class _Stored:
    """Which of a page's events this PC holds already: by id, and by (device, sequence) → id.

    Read with a few queries per page instead of two per event (catch-up after a day offline
    applies thousands of events); events inserted while applying the page are added.
    """

    ids: set[str]
    seqs: dict[tuple[str, int], str]

    CHUNK = 500  # bound parameters per query

    @classmethod
    def of_page(cls, s: Session, page: wire.PullResponse) -> _Stored:
        events = [c.event for c in page.changes if c.kind in EVENT_KINDS and c.event is not None]
        ids = sorted({e.id for e in events})
        found = cls(set(), {})
        for i in range(0, len(ids), cls.CHUNK):
            found.ids.update(s.scalars(select(Event.id).where(Event.id.in_(ids[i : i + cls.CHUNK]))))
        by_device: dict[str, set[int]] = {}
        for e in events:
            by_device.setdefault(e.device_id, set()).add(e.device_seq)
        for device_id, seq_set in by_device.items():
            seqs = sorted(seq_set)
            for i in range(0, len(seqs), cls.CHUNK):
                rows = s.execute(
                    select(Event.device_seq, Event.id).where(
                        Event.device_id == device_id, Event.device_seq.in_(seqs[i : i + cls.CHUNK])
                    )
                )
                found.seqs.update({(device_id, seq): event_id for seq, event_id in rows})
        return found


# Event types whose fold reads tables other than the dossier (custody, handover batches, the
# event log): the page is flushed before them. Reception decisions and print records need only
# the page's dossier cache.
_FOLD_READS_TABLES = frozenset(t.value for t in EventType) - {
    EventType.RECEIVED, EventType.SUPPLEMENT_REQUESTED, EventType.REFUSED, EventType.FORM_PRINTED,
}  # fmt: skip


def _dossiers(s: Session, uids: set[str]) -> dict[str, Dossier | None]:
    """The page's dossiers by uid (None: not held), read in a few queries."""
    found: dict[str, Dossier | None] = dict.fromkeys(uids)
    ordered = sorted(uids)
    for i in range(0, len(ordered), _Stored.CHUNK):
        for row in s.scalars(select(Dossier).where(Dossier.uid.in_(ordered[i : i + _Stored.CHUNK]))):
            found[row.uid] = row
    return found


def _register_past(s: Session, e: wire.EventWire) -> None:
    """Move this PC's register book (Sổ theo dõi hồ sơ) past a number it printed and forgot.

    Only for this PC's own receipts coming back after a restore from an old backup; each
    enrolled PC keeps its own book (app.services.reception._next_register_no).
    """
    number, received = e.payload.get("register_no"), e.payload.get("received_at")
    unit = e.payload.get("unit_code")
    if not isinstance(number, int) or not isinstance(received, str) or not isinstance(unit, str):
        return
    try:
        year = datetime.fromisoformat(received).year
    except ValueError:
        return
    row = s.get(RegisterSequence, (unit, year))
    if row is None:
        s.add(RegisterSequence(unit_code=unit, year=year, last=number))
    elif row.last < number:
        row.last = number


_ENVELOPE_BYTES = len(b'{"device_id":"00000000-0000-0000-0000-000000000000","events":[]}')


def encoded_size(event: wire.EventWire) -> int:
    """Bytes of ``event`` in a push body (compact UTF-8 JSON, as the transport sends it)."""
    return len(event.model_dump_json().encode())


def event_to_wire(event: Event) -> wire.EventWire:
    return wire.EventWire(
        id=event.id, device_id=event.device_id, device_seq=event.device_seq, type=event.type,
        dossier_uid=event.dossier_uid, base_version=event.base_version, officer_id=event.officer_id,
        officer_name=event.officer_name, occurred_at=event.occurred_at, hlc=event.hlc, payload=event.payload,
        clock_offset_seconds=event.clock_offset_seconds,
    )  # fmt: skip


def advance_hlc(s: Session, device_id: str, page: wire.PullResponse) -> None:
    """The HLC receive rule: this PC's clock moves past every event it pulled.

    The next event it makes (app.services.recorder, ``next_hlc``) then sorts after everything it
    has seen, even when another PC's wall clock was ahead: a folder received here after a PC 48
    hours ahead sent it gets a later HLC than that send, so custody (ordered by HLC, on the
    counters and on the server) follows what happened. ``last_hlc`` may hold another device's
    HLC; ``next_hlc`` reads only its time and counter and writes this device's id.
    """
    seen = max((c.event.hlc for c in page.changes if c.kind in EVENT_KINDS and c.event is not None), default="")
    device = s.get(Device, device_id) if seen else None
    if device is not None and seen > device.last_hlc:
        device.last_hlc = seen


def _contract_of(event: Event) -> tuple[bool, Contract | None]:
    """Whether a pulled event's payload passes its contract (app.domain.contracts), and its model.

    One that does not (written before the server checked payloads, or by a broken server) is
    kept in the log, marked ``unapplied`` and logged, and never folded: the page goes on
    (app.store.projection.typed_payload). A type this version does not know passes here with no
    model (``apply_event`` leaves it unfolded). The model is handed to ``apply_event``, so each
    pulled payload is validated once.
    """
    try:
        model = typed_payload(event)
    except KeyError:
        return True, None
    return model is not None, model


class SyncEngine:
    """Sync of one enrolled device. Not thread-safe by itself except :meth:`poll`, which may run
    beside :meth:`run_once` (its page is dropped if the cursor moved meanwhile)."""

    def __init__(
        self,
        factory: SessionSource,
        transport: Transport,
        *,
        clock: Callable[[], datetime] = utc_now,
        local_today: Callable[[], date] = date.today,
        working_day: Callable[[date], bool] = lambda _d: True,
        rng: Callable[[], float] = random.random,
        blobs: BlobStore | None = None,
    ) -> None:
        """Args:
        factory: new sessions on the local store.
        transport: the authenticated client (its device id is this PC's).
        clock: now in naive UTC; local_today: the office's date; working_day: calendar test.
        rng: jitter source in [0, 1).
        blobs: the attachment files (default: ``attachments`` beside the local database).
        """
        self._factory = factory
        self._transport = transport
        self._clock = clock
        self._today = local_today
        self._working_day = working_day
        self._rng = rng
        self._blobs = blobs
        self.reference_changed = False  # set when the feed says reference data changed
        self._reference_checked_at: float | None = None

    @property
    def device_id(self) -> str:
        return self._transport.device_id

    @property
    def transport(self) -> Transport:
        """The authenticated client (the conflicts screen lists and resolves through it)."""
        return self._transport

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """A session in its own transaction (committed on success), closed always."""
        with self._factory() as session, session.begin():
            yield session

    # --- the pass ---------------------------------------------------------------------------

    def run_once(self, *, force: bool = False) -> SyncReport:
        """Reserve codes, push, pull. Skips (``skipped``) while backing off unless ``force``."""
        with self._tx() as s:
            state = require_state(s)
            if not force and state.next_retry_at is not None and state.next_retry_at > self._clock():
                return SyncReport(skipped=True, retry_at=state.next_retry_at)
            state.last_attempt_at = self._clock()
        tally = _Tally()
        try:
            self._reserve_ahead(tally)
            self._push_all(tally)
            # After the push: receipts have the device's own partition to fall back on, so a lost
            # connection here must not keep the events from being tried (the outbox counts attempts).
            self._reserve_receipts(tally)
            self._upload_blobs(tally)
            self._pull_all(tally)
            self._refresh_reference(tally)
        except UserFacingError as exc:
            return self._failed(tally, exc)
        with self._tx() as s:
            state = require_state(s)
            state.last_success_at = self._clock()
            state.consecutive_failures = 0
            state.next_retry_at = None
            state.last_error = ""
        return tally.report()

    def _failed(self, tally: _Tally, exc: UserFacingError) -> SyncReport:
        with self._tx() as s:
            state = require_state(s)
            state.consecutive_failures += 1
            delay = backoff_delay(state.consecutive_failures, self._rng)
            if isinstance(exc, RateLimitedError):
                delay = max(delay, exc.retry_after_s)
            state.next_retry_at = self._clock() + timedelta(seconds=delay)
            state.last_error = exc.message
            retry_at = state.next_retry_at
        log.info("sync pass failed (%s); next attempt at %s UTC", exc.message, retry_at)
        return tally.report(
            error=exc.message, offline=isinstance(exc, OfflineError),
            auth_required=isinstance(exc, AuthRequiredError), retry_at=retry_at,
        )  # fmt: skip

    def _note_server(self, s: Session, server_time: datetime) -> None:
        note_server_time(require_state(s), server_time, self._clock())

    # --- codes ------------------------------------------------------------------------------

    def _days_ahead(self) -> list[date]:
        today = self._today()
        days = [d for d in (today + timedelta(days=n) for n in range(31)) if self._working_day(d)]
        return days[:RESERVE_DAYS] or [today]

    def _reserve_ahead(self, tally: _Tally) -> None:
        """Codes are topped up before pushing; only a lost connection or session stops the pass
        here (a refused reservation is dropped and asked afresh next time; the fallback
        partition covers the gap)."""
        try:
            self._reserve(tally)
        except (OfflineError, AuthRequiredError, RateLimitedError):
            raise
        except UserFacingError as exc:
            log.warning("code reservation refused: %s", exc.message)
            with self._tx() as s:
                for request in s.scalars(select(CodeRequest).where(CodeRequest.done.is_(False))):
                    request.done = True
            tally.notes.append(f"codes: {exc.message}")

    def _reserve(self, tally: _Tally) -> None:
        """Top up code blocks; a request is stored before it is sent and reused until answered."""
        with self._tx() as s:
            unit = self._unit(s)
            # An unanswered request is resent as it was, even after midnight: the server answers a
            # known request id with the blocks it issued then, so no number is issued twice or lost.
            pending = s.scalars(select(CodeRequest).where(CodeRequest.done.is_(False))).first()
            if pending is None:
                days = self._days_ahead()
                left = codes.server_numbers_left(s, unit, days)
                short = [d for d in days if left[d] < RESERVE_LOW_WATER]
                if not short:
                    return
                pending = CodeRequest(request_id=new_id(), days=[d.isoformat() for d in short], size=RESERVE_SIZE,
                                      created_at=self._clock())  # fmt: skip
                s.add(pending)
            request_id, days_text, size = pending.request_id, list(pending.days), pending.size
        answer = self._transport.reserve(request_id, [date.fromisoformat(d) for d in days_text], size)
        crash_point("after_reserve_answered")
        with self._tx() as s:
            tally.reserved += codes.add_server_blocks(s, self._unit(s), list(answer.blocks), request_id)
            request = s.get(CodeRequest, request_id)
            if request is not None:
                request.done = True

    def _reserve_receipts(self, tally: _Tally) -> None:
        """Fee receipt numbers topped up as codes are (app.sync.fee_receipts); a refusal (e.g. an older
        server without the route) is noted and the device's fallback partition covers the gap."""
        try:
            with self._tx() as s:
                unit = self._unit(s)
            fee_receipts.top_up(self._tx, self._transport, unit, self._today(), self._clock)
        except (OfflineError, AuthRequiredError, RateLimitedError):
            raise
        except UserFacingError as exc:
            log.warning("fee receipt reservation refused: %s", exc.message)
            fee_receipts.drop_pending(self._tx)
            tally.notes.append(f"fee receipts: {exc.message}")

    def _unit(self, s: Session) -> str:
        device = s.get(Device, self.device_id)
        if device is None:
            raise RuntimeError(f"device {self.device_id} is not in the local store")
        return device.unit_code

    # --- push -------------------------------------------------------------------------------

    def _next_batch(self, limit: int = wire.MAX_PUSH_BATCH) -> list[wire.EventWire]:
        """The next pending events: at most ``limit``, and at most ``wire.MAX_PUSH_BYTES`` of JSON
        together (the first event goes even when larger alone). One that cannot be put on the
        wire is set aside."""
        with self._tx() as s:
            rows = s.execute(
                select(Outbox, Event)
                .join(Event, Event.id == Outbox.event_id)
                .where(Outbox.state == OutboxState.PENDING)
                .order_by(Outbox.device_seq)
                .limit(limit)
            ).all()
            batch: list[wire.EventWire] = []
            size = _ENVELOPE_BYTES
            now = self._clock()
            for outbox, event in rows:
                try:
                    on_wire = event_to_wire(event)
                except pydantic.ValidationError as exc:
                    log.error("event %s cannot be sent: %s", event.id, exc)
                    outbox.state = OutboxState.REJECTED
                    outbox.last_error = f"Sự kiện không hợp lệ, không gửi được ({exc.error_count()} lỗi dữ liệu)."
                    event.sync_status = "rejected"
                    continue
                size += encoded_size(on_wire) + 1  # and its comma
                if batch and size > wire.MAX_PUSH_BYTES:
                    break
                batch.append(on_wire)
                outbox.attempts += 1
                outbox.last_attempt_at = now
            return batch

    def _push_all(self, tally: _Tally) -> None:
        """Push the outbox batch by batch. A batch the server finds too large (413: its
        ``push_body_max_bytes`` may be set below the client's bound) is halved and sent again; an
        event refused alone for its size is set aside (rejected here, with the reason on the
        outbox screen) and the rest goes on: the queue never sticks on one batch."""
        limit = wire.MAX_PUSH_BATCH
        while batch := self._next_batch(limit):
            try:
                answer = self._transport.push(batch)
            except ServerError as exc:
                if exc.status != HTTPStatus.REQUEST_ENTITY_TOO_LARGE:
                    self._note_push_error(batch, exc)
                    raise
                if len(batch) > 1:
                    limit = len(batch) // 2
                    log.info("push of %d events too large for the server; trying %d", len(batch), limit)
                else:
                    self._set_aside_too_large(tally, batch[0])
                continue
            except UserFacingError as exc:
                self._note_push_error(batch, exc)
                raise
            crash_point("after_push_sent")
            self._record_results(tally, answer)
            limit = min(wire.MAX_PUSH_BATCH, limit * 2)

    def _note_push_error(self, batch: list[wire.EventWire], exc: UserFacingError) -> None:
        with self._tx() as s:
            for e in batch:
                row = s.get(Outbox, e.id)
                if row is not None:
                    row.last_error = exc.message

    def _set_aside_too_large(self, tally: _Tally, event: wire.EventWire) -> None:
        """The server refuses ``event`` alone for its size: it can never be sent. Rejected here (the
        outbox screen shows why), never retried, never in the way of the events after it."""
        size = encoded_size(event)
        log.error("event %s (%s, %d bytes) is too large for the server; set aside", event.id, event.type, size)
        with self._tx() as s:
            row, stored = s.get(Outbox, event.id), s.get(Event, event.id)
            if row is not None:
                row.state = OutboxState.REJECTED
                row.last_error = (
                    f"Sự kiện quá lớn ({size / 2**20:.1f} MiB), máy chủ không nhận nên không gửi được; đã để riêng,"
                    " các sự kiện khác vẫn được đồng bộ. Hãy báo bộ phận CNTT."
                )
            if stored is not None:
                stored.sync_status = "rejected"
        tally.rejected += 1

    def _record_results(self, tally: _Tally, answer: wire.PushResponse) -> None:
        """All results of one answer in one transaction."""
        with self._tx() as s:
            now = self._clock()
            for result in answer.results:
                setattr(tally, result.status, getattr(tally, result.status) + 1)
                event, row = s.get(Event, result.event_id), s.get(Outbox, result.event_id)
                if event is not None:
                    event.sync_status, event.synced_at = result.status, now
                    event.conflict_ids = list(result.conflict_ids)
                    if result.conflict_ids:
                        note_push_result(s, event, result, now)  # shown on this counter at once
                if row is None:
                    continue
                if result.status == "rejected":
                    row.state = OutboxState.REJECTED
                    row.last_error = result.reason or "Máy chủ từ chối sự kiện này."
                else:
                    s.delete(row)
            self._note_server(s, answer.server_time)
            crash_point("before_results_stored", s)
        tally.pushed += len(answer.results)
        tally.server_time = answer.server_time

    # --- attachment files -------------------------------------------------------------------

    @property
    def blobs(self) -> BlobStore | None:
        """This PC's attachment files (None: the store is in memory, nothing to upload)."""
        if self._blobs is None:
            self._blobs = default_blob_store(self._factory)
        return self._blobs

    def _upload_blobs(self, tally: _Tally) -> None:
        """After the events: the files they name (app.sync.attachments); an event may reach the
        server before its file, the server and the other counters cope with that."""
        blobs = self.blobs
        if blobs is None:
            return
        done = Uploader(self._factory, self._transport, blobs, self._clock).run()
        tally.uploaded += done.uploaded
        tally.notes.extend(done.notes)

    # --- pull -------------------------------------------------------------------------------

    def _cursor(self) -> str:
        with self._tx() as s:
            return require_state(s).pull_cursor

    def _pull_all(self, tally: _Tally) -> None:
        for _ in range(MAX_PAGES_PER_PASS):
            cursor = self._cursor()
            page = self._transport.pull(cursor, limit=wire.MAX_PUSH_BATCH)
            self._apply_page(tally, cursor, page)
            crash_point("after_cursor_saved")
            if not page.more:
                return
            if page.cursor == cursor:
                raise ProtocolError(
                    "Máy chủ trả trang đồng bộ không tiến lên (con trỏ không đổi). Hãy báo bộ phận CNTT."
                )

    def poll(self, wait: int) -> SyncReport:
        """Long-poll the feed once (the server answers as soon as the office has a change).

        May run beside :meth:`run_once`: if the cursor moved while waiting, the page is dropped
        (its events come again with the ordinary pull, and inserting is idempotent anyway).
        ``"more"`` in the notes: the feed has more pages, run a pass. A ``"reference"`` change on
        the page makes it fetch ``GET /reference`` right away (``"reference"`` in the notes).
        """
        cursor = self._cursor()
        page = self._transport.pull(cursor, limit=wire.MAX_PUSH_BATCH, wait=wait)
        tally = _Tally()
        self._apply_page(tally, cursor, page)
        if page.more:
            tally.notes.append("more")
        if self.reference_changed:  # an admin changed catalog, calendar, hours or officers: fetch it now
            self._refresh_reference(tally)
        return tally.report()

    def _apply_page(self, tally: _Tally, cursor: str, page: wire.PullResponse) -> None:
        """Insert and fold one page and save its cursor, in one transaction."""
        with self._tx() as s:
            state = require_state(s)
            if state.pull_cursor != cursor:
                tally.notes.append("stale page")
                return
            if any(c.kind == "reference" for c in page.changes):
                self.reference_changed = True
            touched: set[str] = set()
            try:
                with s.begin_nested():
                    applied = self._fold_page(s, page, _Stored.of_page(s, page), touched)
            except (SQLAlchemyError, KeyError, TypeError, ValueError, AttributeError) as exc:
                # Something in the page the fast path cannot fold: again, one event at a time
                # (a payload this version cannot fold is then kept and marked, the rest applied).
                log.warning("pulled page folded event by event after %r", exc)
                touched.clear()
                applied = self._fold_page_each(s, page, _Stored.of_page(s, page), touched)
            advance_hlc(s, self.device_id, page)
            state.pull_cursor = page.cursor
            self._note_server(s, page.server_time)
        tally.pulled += len(page.changes)
        tally.applied += applied
        tally.dossier_uids |= touched
        tally.server_time = page.server_time
        withheld = [c.flags for c in page.changes if c.kind == WITHHELD]
        if withheld:
            log.warning("the server withheld %d event(s) of the feed: %s", len(withheld), withheld[:20])
            tally.notes.append(f"{len(withheld)} sự kiện bị máy chủ giữ lại")

    def _fold_page(self, s: Session, page: wire.PullResponse, stored: _Stored, touched: set[str]) -> int:
        """Fold a page without autoflush: one savepoint (the caller's), the page's dossiers read in
        a few queries, the new rows written in one flush at the end.

        A catch-up after a day offline applies thousands of events; flushing and a savepoint per
        event made the ORM the bottleneck. Dossiers created earlier in the page are found in the
        page cache (``apply_event``'s ``dossiers``); events whose fold reads other tables (custody,
        handover batches, the event log) get a flush first, so they see what the page wrote.
        """
        events = [c.event for c in page.changes if c.kind in EVENT_KINDS and c.event is not None]
        cache = _dossiers(s, {e.dossier_uid for e in events})
        applied = 0
        half = len(page.changes) // 2
        with s.no_autoflush:
            for n, change in enumerate(page.changes):
                if n == half:
                    crash_point("mid_pull_page", s)
                event = self._new_event(s, change, stored)
                if event is None:
                    continue
                s.add(event)
                applied += 1
                touched.add(event.dossier_uid)
                keeps, model = _contract_of(event)
                if not keeps:
                    continue
                if event.type in _FOLD_READS_TABLES:
                    s.flush()
                apply_event(s, event, cache, model)
                note_pulled(s, event, change.flags)  # flags open conflicts here, conflict.resolved closes one
            s.flush()
        return applied

    def _fold_page_each(self, s: Session, page: wire.PullResponse, stored: _Stored, touched: set[str]) -> int:
        """The page one event at a time, each folded in its own savepoint (the fallback)."""
        applied = 0
        half = len(page.changes) // 2
        for n, change in enumerate(page.changes):
            if n == half:
                crash_point("mid_pull_page", s)
            event = self._new_event(s, change, stored)
            if event is None:
                continue
            s.add(event)
            touched.add(event.dossier_uid)
            keeps, model = _contract_of(event)
            if not keeps:
                applied += 1
                continue
            try:
                with s.begin_nested():
                    apply_event(s, event, payload=model)
                    note_pulled(s, event, change.flags)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                # A payload this version cannot fold: keep the event, mark it, go on with the page.
                log.error("pulled event %s (%s) could not be applied: %r", event.id, event.type, exc)
                event.sync_status = UNAPPLIED
            applied += 1
        return applied

    def _new_event(self, s: Session, change: wire.Change, stored: _Stored) -> Event | None:
        """The event row for a pulled change, or None when it is not an event or is held already."""
        e = change.event
        if change.kind not in EVENT_KINDS or e is None or e.id in stored.ids:
            return None
        clash = stored.seqs.get((e.device_id, e.device_seq))
        if clash is not None:
            log.error("pulled event %s reuses device_seq %s of %s held by %s", e.id, e.device_seq, e.device_id, clash)
            return None
        stored.ids.add(e.id)
        stored.seqs[(e.device_id, e.device_seq)] = e.id
        own = e.device_id == self.device_id
        received = change.server_received_at
        event = Event(
            id=e.id, device_id=e.device_id, device_seq=e.device_seq, type=e.type, dossier_uid=e.dossier_uid,
            base_version=e.base_version, officer_id=e.officer_id, officer_name=e.officer_name,
            occurred_at=_naive_local(e.occurred_at), hlc=e.hlc, payload=dict(e.payload),
            clock_offset_seconds=e.clock_offset_seconds,
            sync_status="accepted" if own else REMOTE, conflict_ids=[],
            synced_at=as_utc_naive(received) if received is not None else self._clock(),
        )  # fmt: skip
        if own:
            # This PC's own event it does not know: the database was restored from an older
            # backup. Move the sequence and the clock past it so new events never collide.
            s.flush()  # rare; what this page wrote before must be visible to the lookups below
            device = s.get(Device, e.device_id)
            if device is not None:
                device.last_seq = max(device.last_seq, e.device_seq)
                device.last_hlc = max(device.last_hlc, e.hlc)
            _register_past(s, e)
        return event

    # --- reference data ----------------------------------------------------------------------

    def _refresh_reference(self, tally: _Tally) -> None:
        """Fetch office, calendar and officers: at the first pass of a session, when the feed says
        they changed, and every REFERENCE_EVERY_S otherwise (with the ETag: usually a 304).

        Only a lost connection or session stops the pass here; a refusal is noted and retried
        with the next pass.
        """
        with self._tx() as s:
            etag = require_state(s).reference_etag
        checked = self._reference_checked_at
        due = checked is None or time.monotonic() - checked > REFERENCE_EVERY_S
        if etag and not self.reference_changed and not due:
            return
        try:
            ref, new_etag = self._transport.reference(etag)
        except (OfflineError, AuthRequiredError, RateLimitedError):
            raise
        except UserFacingError as exc:
            log.warning("reference data not fetched: %s", exc.message)
            tally.notes.append(f"reference: {exc.message}")
            return
        self.reference_changed = False
        self._reference_checked_at = time.monotonic()
        if ref is None:
            return
        with self._tx() as s:
            before = calendar_fingerprint(load_calendar(s))
            problems = apply_reference(s, ref)
            require_state(s).reference_etag = new_etag or ref.version
        tally.notes.append("reference")
        tally.notes.extend(problems)
        with self._tx() as s:
            calendar = load_calendar(s)
        if calendar_fingerprint(calendar) != before:
            # The office calendar changed: the stored processing times follow it, in batches of their own
            # (app.store.processing_refresh; the reports are right meanwhile, only slower).
            done = refresh_stale_processing(self._factory, calendar)
            tally.notes.append(f"processing times: {done}")
