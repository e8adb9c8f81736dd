"""Push: store and apply a device's batch of events, one result per event, nothing blocking the rest.

The batch is applied in the caller's transaction. The fast path folds the whole batch in one
SAVEPOINT with bulk statements; if the database still refuses it (a constraint the checks did
not foresee), the batch is replayed event by event, each in its own SAVEPOINT, and an event
that cannot be stored is answered ``rejected`` instead of failing the others.

Concurrency (PostgreSQL): the device's ``device_sync`` row is locked first, so two pushes of
one device run one after the other; transaction-scoped advisory locks on each dossier code and
on each (personal ID, procedure, day) make two devices that push the same code or the same
applicant see each other's rows; dossier rows touched are locked ``FOR UPDATE``. On SQLite the
first statement is a write, which takes the database's single write lock.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.codes import CodeFormat, DossierCode
from app.domain.contracts import (
    AttachmentAddedPayload,
    DecisionPayload,
    FeePaidPayload,
    RatedPayload,
    describe,
    local_time,
)
from app.domain.events import EventType, new_id
from app.domain.status import DossierStatus, IllegalTransitionError, check_transition
from app.sync.wire import MAX_PUSH_BATCH, DeviceSeq, PushResult, PushStatus, Uuid, fallback_range
from server.models import Office, Officer, RefreshToken
from server.sync import dialect, ended_summary, fee_receipts, report_keys
from server.sync.body import excerpt
from server.sync.calendars import office_calendar
from server.sync.devices import record_push
from server.sync.facts import FACT_DEFAULTS, fold_facts, fold_received, fold_reception
from server.sync.models import (
    Attachment,
    ChangeRow,
    Conflict,
    FeeReceiptPrinted,
    RejectedEvent,
    ServerDossier,
    ServerEvent,
)
from server.sync.statements import NOTIFY_CHANNEL, statements
from server.sync.validate import CheckedEvent, Decision, Rejection, Step, check_event

# A possible duplicate only concerns dossiers that took the paper folder.
_HOLDS_PAPER = frozenset(
    s for s in DossierStatus if s not in {DossierStatus.REFUSED, DossierStatus.SUPPLEMENT_REQUESTED}
)
_REVIEW = " Đã chuyển lãnh đạo xem xét."
# Events carry the office's naive local time (Vietnam, no daylight saving).
_OFFICE_TZ = timezone(timedelta(hours=7))


class BatchError(ValueError):
    """The request as a whole is unusable (not one result can be given); answered 422."""


class _Envelope(BaseModel):
    # Events stay plain JSON values here: each is validated on its own so one bad event is
    # answered ``rejected`` instead of failing the whole batch (SYNC.md: no stuck queue).
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    device_id: Uuid
    events: list[Any] = Field(min_length=1, max_length=MAX_PUSH_BATCH)


class _Key(BaseModel):
    # What every event must have right for the batch to be answered event by event: an object
    # with an id and a sequence number (a strict integer a JSON double holds exactly).
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)

    id: Uuid
    device_id: Uuid
    device_seq: DeviceSeq


@dataclass(slots=True)
class PushItem:
    """One event of the batch: its identity, and its checked form or why it is refused."""

    raw: dict[str, Any]
    id: str
    seq: int
    checked: CheckedEvent | None = None
    rejection: Rejection | None = None


@dataclass(frozen=True, slots=True)
class PushBatch:
    """A parsed ``PushRequest``: device and events in strictly increasing ``device_seq``.

    ``may_hold_nul`` is False when the JSON text had no ``\\u0000`` escape (PostgreSQL refuses
    U+0000 in text and JSONB, so such events are refused; the common case skips the search).
    """

    device_id: str
    items: list[PushItem]
    may_hold_nul: bool = True


def parse_batch(body: Any, *, may_hold_nul: bool = True) -> PushBatch:
    """Parse a ``PushRequest`` body leniently: only the envelope and event ids must be right.

    Raises:
        BatchError: Not a batch, an event that is not an object or has no usable id or
            sequence (a strict integer 1 … 2^53−1), sequences not strictly increasing, or an
            event of another device. The message is Vietnamese and names the field.
    """
    try:
        envelope = _Envelope.model_validate(body)
    except ValidationError as exc:
        raise BatchError(describe(exc, whole="lô sự kiện")) from None
    keys = []
    for n, raw in enumerate(envelope.events):
        if not isinstance(raw, dict):
            raise BatchError(f"events.{n}: sự kiện phải là một đối tượng JSON")
        try:
            keys.append(_Key.model_validate(raw))
        except ValidationError as exc:
            raise BatchError(describe(exc, f"events.{n}")) from None
    if any(k.device_id != envelope.device_id for k in keys):
        raise BatchError("mọi sự kiện phải do chính máy trạm gửi lên tạo ra")
    if any(b.device_seq <= a.device_seq for a, b in itertools.pairwise(keys)):
        raise BatchError("các sự kiện phải theo thứ tự device_seq tăng dần")
    items = [PushItem(raw, k.id, k.device_seq) for raw, k in zip(envelope.events, keys, strict=True)]
    return PushBatch(envelope.device_id, items, may_hold_nul)


@dataclass(frozen=True, slots=True)
class Pusher:
    """Who pushes and when.

    Attributes:
        unit_code: The device's (and caller's) unit.
        device_id: The pushing device.
        slot: The device's slot 0…99 (its offline fallback partition of dossier numbers).
        now: Server time, aware UTC.
        postgres: Whether the database is PostgreSQL (locks).
        clock_skew_flag_seconds: An event this far ahead of ``now`` (its ``occurred_at`` or its
            HLC) is stored but flagged ``clock_skew`` (server.config.Settings).
    """

    unit_code: str
    device_id: str
    slot: int
    now: datetime
    postgres: bool
    clock_skew_flag_seconds: int = 300


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """Results in batch order, and whether the office's change feed grew."""

    results: list[PushResult]
    changed: bool


def push(session: Session, pusher: Pusher, batch: PushBatch) -> PushOutcome:
    """Store and apply ``batch`` in ``session``'s transaction (the caller commits).

    The whole batch is first applied with bulk statements. Should the database still refuse it
    (a constraint the checks did not foresee), the transaction is rolled back and the batch
    applied again event by event, each in its own SAVEPOINT: an event that cannot be stored is
    answered ``rejected`` and the others go on.

    Authors: an event must name an officer of the device's office (else ``rejected``,
    ``unknown_author``); the name stored and fed is the server's, not the client's
    ``officer_name`` (see :func:`_authors`).

    Returns:
        One result per event, in order.
    """
    for item in batch.items:
        try:
            item.checked = check_event(item.raw, pusher.unit_code, may_hold_nul=batch.may_hold_nul)
        except Rejection as rejection:
            item.rejection = rejection
    max_seq = max(item.seq for item in batch.items)
    record_push(session, pusher.unit_code, pusher.device_id, max_seq, pusher.now)
    authors = _authors(session, pusher, batch.items)
    try:
        results = _apply(session, pusher, batch.items, authors)
    except (IntegrityError, DataError):
        session.rollback()
        record_push(session, pusher.unit_code, pusher.device_id, max_seq, pusher.now)
        results = [_apply_alone(session, pusher, item, authors) for item in batch.items]
    return PushOutcome(results, any(r.status in ("accepted", "flagged") for r in results))


@dataclass(frozen=True, slots=True)
class Authors:
    """Who may be named as an event's author.

    Attributes:
        names: Officers of the device's office (active or not: work done offline before a
            deactivation is still theirs), id → the server's full name.
        unverified: Officers of the office with no trace on this device: no login (refresh
            token) and no event stored from it. Their events are stored but flagged
            ``unverified_author``, not refused: the server prunes old login records
            (server.auth.prune_refresh_tokens), so "never logged in here" cannot be told apart
            from "logged in here long ago, then worked offline".
    """

    names: dict[str, str]
    unverified: frozenset[str]


def _authors(session: Session, pusher: Pusher, items: Sequence[PushItem]) -> Authors:
    """Check the officer each fresh event names, with two queries per batch (three when some
    officer has never logged in on this device); an unknown one makes the item ``rejected``."""
    named = {item.checked.wire.officer_id for item in items if item.checked is not None}
    if not named:
        return Authors({}, frozenset())
    names: dict[str, str] = {
        officer_id: name
        for officer_id, name in session.execute(
            select(Officer.id, Officer.full_name).where(Officer.unit_code == pusher.unit_code)
        )
    }
    for item in items:
        if item.checked is not None and item.checked.wire.officer_id not in names:
            wire = item.checked.wire
            item.checked = None
            item.rejection = Rejection(
                "unknown_author",
                f"Người thực hiện ghi trong sự kiện (“{wire.officer_name[:60]}”, mã {wire.officer_id}) không phải"
                f" cán bộ của đơn vị {pusher.unit_code}; máy chủ không nhận. Hãy báo bộ phận CNTT kiểm tra tài"
                " khoản đăng nhập trên máy trạm này.",
            )
    ours = sorted(named & names.keys())
    seen = set(
        session.scalars(
            select(RefreshToken.officer_id)
            .where(RefreshToken.device_id == pusher.device_id, RefreshToken.officer_id.in_(ours))
            .distinct()
        )
    )
    if unseen := [o for o in ours if o not in seen]:
        seen.update(
            session.scalars(
                select(ServerEvent.officer_id)
                .where(ServerEvent.device_id == pusher.device_id, ServerEvent.officer_id.in_(unseen))
                .distinct()
            )
        )
    return Authors(names, frozenset(o for o in ours if o not in seen))


def _apply_alone(session: Session, pusher: Pusher, item: PushItem, authors: Authors) -> PushResult:
    """Slow path: one event in its own SAVEPOINT; retried once, then refused if still unstorable."""
    for _attempt in range(2):
        try:
            with session.begin_nested():
                return _apply(session, pusher, [item], authors)[0]
        except (IntegrityError, DataError) as exc:
            error = exc
    item.checked, item.rejection = (
        None,
        Rejection("store_failed", f"Máy chủ không lưu được sự kiện ({type(error.orig).__name__})."),
    )
    with session.begin_nested():
        return _apply(session, pusher, [item], authors)[0]


def _rejected(event_id: str, reason: str) -> PushResult:
    return PushResult(event_id=event_id, status="rejected", reason=reason)


def _apply(session: Session, pusher: Pusher, items: Sequence[PushItem], authors: Authors) -> list[PushResult]:
    ids = [item.id for item in items]
    seqs = [item.seq for item in items]
    # Events stored or refused before, by id or by this device's sequence numbers: one query.
    known: list[Any] = list(
        session.connection().execute(
            statements(pusher.postgres).known_events,
            {"ids": ids, "device_id": pusher.device_id, "seq_lo": min(seqs), "seq_hi": max(seqs)},
        )
    )
    stored = [row for row in known if not row.refused]
    by_id = {row.id: row for row in stored}
    by_seq = {row.device_seq: row for row in stored if row.device_id == pusher.device_id}
    refused_before = {row.id: row.reason for row in known if row.refused}

    results: list[PushResult | None] = []
    fresh: list[tuple[int, CheckedEvent]] = []
    refusals: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in items:
        old = by_id.get(item.id)
        if old is not None:
            if old.device_id == pusher.device_id and old.device_seq == item.seq:
                results.append(
                    PushResult(
                        event_id=item.id,
                        status="duplicate",
                        reason=old.reason,
                        conflict_ids=old.conflict_ids,
                        flags=list(old.flags or []),
                    )
                )
            else:
                results.append(_rejected(item.id, "Mã sự kiện đã được dùng cho một sự kiện khác."))
            continue
        if item.id in refused_before:
            results.append(_rejected(item.id, refused_before[item.id]))
            continue
        if item.id in seen:
            results.append(_rejected(item.id, "Mã sự kiện lặp lại trong cùng một lần gửi."))
            continue
        seen.add(item.id)
        rejection = item.rejection
        if item.seq in by_seq:
            rejection = Rejection(
                "seq_reused",
                f"Số thứ tự {item.seq} của máy trạm đã được dùng cho một sự kiện khác; máy chủ không nhận.",
            )
        if rejection is not None or item.checked is None:
            assert rejection is not None
            refusals.append(_refusal_row(pusher, item, rejection))
            results.append(_rejected(item.id, rejection.message))
            continue
        fresh.append((len(results), item.checked))
        results.append(None)

    if fresh:
        folded = _Fold(session, pusher, [ev for _, ev in fresh], authors).run()
        for (index, ev), (result, rejection) in zip(fresh, folded, strict=True):
            results[index] = result
            if rejection is not None:
                refusals.append(
                    _refusal_row(
                        pusher, PushItem(ev.wire.model_dump(mode="json"), ev.wire.id, ev.wire.device_seq), rejection
                    )
                )
    dialect.bulk_insert(session, RejectedEvent, refusals)
    return [r for r in results if r is not None]


def _refusal_row(pusher: Pusher, item: PushItem, rejection: Rejection) -> dict[str, Any]:
    # Never the whole body: a bounded excerpt with ID numbers masked (server/sync/body.py).
    raw = item.raw
    kind, uid = raw.get("type"), raw.get("dossier_uid")
    return {
        "id": item.id,
        "device_id": pusher.device_id,
        "device_seq": item.seq,
        "unit_code": pusher.unit_code,
        "received_at": pusher.now,
        "code": rejection.code,
        "reason": rejection.message,
        "type": _json_safe(kind)[:50] if isinstance(kind, str) else "",
        "dossier_uid": uid if isinstance(uid, str) and _UUID.fullmatch(uid) else "",
        "excerpt": excerpt(raw),
    }


def _json_safe(value: str) -> str:
    # What PostgreSQL text can hold: no NUL, no lone surrogate.
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def lock_keys(session: Session, keys: Iterable[str]) -> None:
    """Take PostgreSQL transaction advisory locks on ``keys``, in a fixed order (no deadlock)."""
    numbers = sorted(
        {int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "big", signed=True) for k in keys}
    )
    if numbers:
        session.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) s"
            ),
            {"keys": numbers},
        )


@dataclass(slots=True)
class _State:
    """A dossier as the fold sees it (loaded, or created by this batch)."""

    row: dict[str, Any]
    new: bool = False
    dirty: bool = False

    @property
    def uid(self) -> str:
        return str(self.row["uid"])

    @property
    def status(self) -> DossierStatus:
        return DossierStatus(self.row["status"])


@dataclass(slots=True)
class _Fold:
    """Applies fresh (never stored) events in order against the dossier state they touch.

    Custody follows the events' hybrid logical clocks, not their arrival order nor the PCs' wall
    clocks: the custody event with the greatest HLC wins (``_step``), exactly as the counters'
    fold (app.domain.custody.fold_custody), so both agree whatever the push order.
    """

    session: Session
    pusher: Pusher
    events: list[CheckedEvent]
    authors: Authors
    dossiers: dict[str, _State] = field(default_factory=dict)
    code_owner: dict[str, str] = field(default_factory=dict)
    probe: dict[tuple[str, str, date], list[str]] = field(default_factory=lambda: defaultdict(list))
    blocks: dict[date, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    event_rows: list[dict[str, Any]] = field(default_factory=list)
    conflict_rows: list[dict[str, Any]] = field(default_factory=list)
    skewed: dict[str, dict[str, Any]] = field(default_factory=dict)  # dossier uid → its clock_skew conflict row
    stored_files: set[str] = field(default_factory=set)  # hashes of the attachments named that the office stored
    routed: list[tuple[str, str]] = field(default_factory=list)  # (other unit's feed, event id): issue 16
    calendar: WorkingCalendar | None = None  # the office's, read when a dossier first needs it
    receipts: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)  # fee receipt → (event, device)
    printed_rows: list[dict[str, Any]] = field(default_factory=list)  # fee_receipts_printed

    def run(self) -> list[tuple[PushResult, Rejection | None]]:
        self._load()
        out = [self._one(ev) for ev in self.events]
        self._write()
        return out

    # --- reading ------------------------------------------------------------------------

    def _load(self) -> None:
        unit = self.pusher.unit_code
        decisions = [ev.decision for ev in self.events if ev.decision is not None]
        codes = {d.code_text for d in decisions if d.code_text}
        probes = {(d.personal_id, d.procedure_code, d.received_at.date()) for d in decisions if d.personal_id}
        named = sorted({ev.payload.sha256 for ev in self.events if isinstance(ev.payload, AttachmentAddedPayload)})
        paid = {(p.receipt_year, p.receipt_no) for ev in self.events if isinstance(p := ev.payload, FeePaidPayload)}
        if self.pusher.postgres:
            # A file's lock (server/sync/attachments.py) before any dossier row: an upload completing at
            # the same time marks the dossiers of the events it sees, this push those of the files it sees.
            lock_keys(
                self.session,
                [f"code:{unit}:{c}" for c in codes]
                + [f"probe:{unit}:{p}:{c}:{d}" for p, c, d in probes]
                + [f"attachment:{unit}:{sha}" for sha in named]
                + [fee_receipts.lock_key(unit, key) for key in sorted(paid)],
            )
        if paid:
            self.receipts = fee_receipts.holders(self.session, unit, paid)
        pg = self.pusher.postgres
        conn = self.session.connection()
        stmts = statements(pg)
        uids = sorted({ev.wire.dossier_uid for ev in self.events})
        params: dict[str, Any] = {"uids": uids, "unit": unit}
        if codes:
            params["codes"] = sorted(codes)
        if probes:
            params["pids"] = sorted({p for p, _, _ in probes})
            params["days"] = sorted({d for _, _, d in probes})
        query = stmts.dossiers[(bool(codes), bool(probes))]
        rows: dict[str, dict[str, Any]] = {m["uid"]: dict(m) for m in conn.execute(query, params).mappings()}
        changing = sorted(uid for uid in rows if uid in params["uids"])
        if changing and pg:
            # Dossiers this batch changes: lock them (in one order) and read them again.
            for m in conn.execute(stmts.lock_dossiers, {"uids": changing}).mappings():
                rows[m["uid"]] = dict(m)
        for state_row in rows.values():
            self._remember(_State(state_row))
        if named:
            self.stored_files = set(
                self.session.scalars(
                    select(Attachment.sha256).where(
                        Attachment.unit_code == unit, Attachment.sha256.in_(named), Attachment.complete.is_(True)
                    )
                )
            )
        days = sorted({d.code.day for d in decisions if d.code is not None})
        if days:
            found = conn.execute(stmts.blocks, {"device_id": self.pusher.device_id, "unit": unit, "days": days})
            for day, first, last in found:
                self.blocks[day].append((first, last))

    def _calendar(self) -> WorkingCalendar:
        if self.calendar is None:
            self.calendar = office_calendar(self.session, self.pusher.unit_code)
        return self.calendar

    def _remember(self, state: _State) -> None:
        row = state.row
        self.dossiers[state.uid] = state
        if row["code"]:
            self.code_owner[row["code"]] = state.uid
        if row["personal_id"]:
            key = (row["personal_id"], row["procedure_code"], row["received_day"])
            if state.uid not in self.probe[key]:
                self.probe[key].append(state.uid)

    # --- folding ------------------------------------------------------------------------

    def _one(self, ev: CheckedEvent) -> tuple[PushResult, Rejection | None]:
        w = ev.wire
        state = self.dossiers.get(w.dossier_uid)
        if rejection := self._other_unit(ev, state):
            return _rejected(w.id, rejection.message), rejection
        opened: list[tuple[str, str, str]] = []  # (conflict id, kind, reason)
        if ev.decision is not None:
            if state is None:
                opened += self._create(ev, ev.decision)
            else:
                opened += self._change(ev, ev.decision, state)
        elif ev.step is not None and state is not None:
            opened += self._step(ev, ev.step, state)
        if (ev.decision is not None or ev.step is not None) and (folded := self.dossiers.get(w.dossier_uid)):
            fold_facts(folded.row, ev.kind, ev.payload, w.occurred_at, self._calendar())
            folded.dirty = True
        elif (
            isinstance(ev.payload, AttachmentAddedPayload)
            and (named := self.dossiers.get(w.dossier_uid))
            and not named.row["digitised"]
            and ev.payload.sha256 in self.stored_files
        ):
            named.row["digitised"] = named.dirty = True
        opened += self._receipt(ev) + self._author(ev) + self._clock(ev)
        flags = [kind for _, kind, _ in opened]
        reason = " ".join(r for _, _, r in opened)
        status: PushStatus = "flagged" if opened else "accepted"
        self.event_rows.append(
            {
                "id": w.id,
                "device_id": w.device_id,
                "device_seq": w.device_seq,
                "unit_code": self.pusher.unit_code,
                "type": w.type,
                "dossier_uid": w.dossier_uid,
                "base_version": w.base_version,
                "officer_id": w.officer_id,
                "officer_name": self.authors.names.get(w.officer_id, w.officer_name),
                "occurred_at": w.occurred_at,
                "hlc": w.hlc,
                "payload": w.payload,
                "server_received_at": self.pusher.now,
                "clock_offset_seconds": w.clock_offset_seconds,
                "status": status,
                "reason": reason,
                "conflict_ids": [cid for cid, _, _ in opened],
                "flags": flags,
            }
        )
        result = PushResult(
            event_id=w.id, status=status, reason=reason, conflict_ids=[cid for cid, _, _ in opened], flags=flags
        )
        if (routed := self.dossiers.get(w.dossier_uid)) is not None:
            # The receiving office's feed and the handling unit's (issue 16): each sees the whole dossier.
            for unit in {routed.row["unit_code"], routed.row.get("handling_unit") or ""} - {"", self.pusher.unit_code}:
                self.routed.append((unit, w.id))
        return result, None

    def _other_unit(self, ev: CheckedEvent, state: _State | None) -> Rejection | None:
        """Why an event touching another office's dossier is refused, or None.

        A unit may push the steps after reception (its department's receipt, the result, the handover
        back) on a dossier it handles for the office that received it (``handling_unit``, issue 16);
        everything else of another office is refused as before.
        """
        mine = state is None or state.row["unit_code"] == self.pusher.unit_code
        handles = state is not None and ev.decision is None and state.row.get("handling_unit") == self.pusher.unit_code
        if ev.other_unit and not (handles and state is not None and ev.other_unit == state.row["unit_code"]):
            return Rejection(
                "other_unit",
                f"Sự kiện ghi đơn vị “{ev.other_unit}”, không phải đơn vị {self.pusher.unit_code} của máy trạm này.",
            )
        if not mine and not handles:
            return Rejection("other_unit", "Hồ sơ của sự kiện thuộc đơn vị khác; máy chủ không nhận.")
        return None

    def _conflict(
        self, kind: str, ev: CheckedEvent, other_events: list[str], details: dict[str, Any], reason: str
    ) -> tuple[str, str, str]:
        cid = new_id()
        self.conflict_rows.append(
            {
                "id": cid,
                "unit_code": self.pusher.unit_code,
                "kind": kind,
                "dossier_uid": ev.wire.dossier_uid,
                "event_ids": [ev.wire.id, *other_events],
                "details": details,
                "opened_at": self.pusher.now,
            }
        )
        return cid, kind, reason

    def _receipt(self, ev: CheckedEvent) -> list[tuple[str, str, str]]:
        """A fee receipt number already printed on another payment of the unit and year: stored as printed
        (never renumbered), flagged ``duplicate_receipt`` for a supervisor (server/sync/fee_receipts.py)."""
        p, w = ev.payload, ev.wire
        if not isinstance(p, FeePaidPayload):
            return []
        key = (p.receipt_year, p.receipt_no)
        row = {"event_id": w.id, "unit_code": self.pusher.unit_code, "year": key[0], "number": key[1],
               "device_id": self.pusher.device_id}  # fmt: skip
        self.printed_rows.append(row)
        other = self.receipts.setdefault(key, (w.id, self.pusher.device_id))
        if other[0] == w.id:
            return []
        details = {
            "receipt_year": key[0],
            "receipt_no": key[1],
            "receipt_series": p.receipt_series,
            "code": p.code or "",
            "other_event_id": other[0],
            "other_device_id": other[1],
            "device_id": self.pusher.device_id,
        }
        reason = fee_receipts.duplicate_reason(*key)
        return [self._conflict("duplicate_receipt", ev, [other[0]], details, reason)]

    def _author(self, ev: CheckedEvent) -> list[tuple[str, str, str]]:
        """An officer of the office who never logged in on this PC: stored, flagged for a supervisor."""
        w = ev.wire
        if w.officer_id not in self.authors.unverified:
            return []
        name = self.authors.names.get(w.officer_id, w.officer_name)
        return [
            self._conflict(
                "unverified_author",
                ev,
                [],
                {"officer_id": w.officer_id, "officer_name": name, "device_id": self.pusher.device_id},
                f"Sự kiện ghi người thực hiện là {name}, nhưng cán bộ này chưa từng đăng nhập trên máy trạm"
                f" này.{_REVIEW}",
            )
        ]

    def _clock(self, ev: CheckedEvent) -> list[tuple[str, str, str]]:
        """An event made by a PC whose clock is far ahead of the server's: stored, flagged ``clock_skew``.

        Judged on ``occurred_at`` (office local time), and on the PC's offset from the server's
        clock it sent with the event (a PC known to be ahead whose events arrive days later).
        Not on the HLC: a PC with a right clock moves its HLC past the events it pulls from a
        PC ahead (the HLC receive rule), so its HLC may be ahead through no fault of its own.
        One conflict per dossier and batch (the later events of that dossier are added to its
        ``event_ids`` without being flagged themselves), so a PC set a day ahead does not bury
        the supervisor under one conflict per event.
        """
        w, now = ev.wire, self.pusher.now
        occurred = w.occurred_at.replace(tzinfo=_OFFICE_TZ)
        ahead = max((occurred - now).total_seconds(), -(w.clock_offset_seconds or 0))
        if ahead <= self.pusher.clock_skew_flag_seconds:
            return []
        if (row := self.skewed.get(w.dossier_uid)) is not None:
            row["event_ids"].append(w.id)
            return []
        hours = ahead / 3600
        reason = (
            f"Giờ trên máy trạm đi trước giờ máy chủ khoảng {hours:.1f} giờ (sự kiện ghi lúc"
            f" {w.occurred_at:%H:%M %d/%m/%Y}); sự kiện vẫn được lưu. Hãy chỉnh lại đồng hồ máy tính.{_REVIEW}"
        )
        details = {
            "occurred_at": w.occurred_at.isoformat(),
            "hlc": w.hlc,
            "server_time": now.isoformat(),
            "ahead_seconds": int(ahead),
            "clock_offset_seconds": w.clock_offset_seconds,
            "device_id": self.pusher.device_id,
        }
        opened = self._conflict("clock_skew", ev, [], details, reason)
        self.skewed[w.dossier_uid] = self.conflict_rows[-1]
        return [opened]

    def _issued(self, code: DossierCode) -> bool:
        """Whether this server issued ``code``'s number to the pushing device (or it is the device's fallback).

        A 2025-format code (Circular 04/2025) is issued by the central agency's system, never cut
        from this server's blocks (which number the 2018 format only): it arrives with an imported
        dossier, so there is nothing here to check it against and it is not flagged. A duplicate
        is still caught by ``_check_code``.
        """
        if code.format is CodeFormat.CENTRAL_2025:
            return True
        if code.unit_code != self.pusher.unit_code:
            return False
        if code.seq in fallback_range(self.pusher.slot):
            return True
        return any(first <= code.seq <= last for first, last in self.blocks.get(code.day, ()))

    def _check_code(self, ev: CheckedEvent, d: Decision) -> tuple[str | None, list[tuple[str, str, str]]]:
        """The code the dossier may hold (None when another dossier holds it) and the conflicts."""
        if d.code_text is None or d.code is None:
            return None, []
        opened = []
        holder: str | None = d.code_text
        owner = self.code_owner.get(d.code_text)
        if owner is not None and owner != ev.wire.dossier_uid:
            other = self.dossiers[owner]
            holder = None
            opened.append(
                self._conflict(
                    "duplicate_code",
                    ev,
                    [other.row["first_event_id"]],
                    {"code": d.code_text, "other_dossier_uid": owner, "other_device_id": other.row["device_id"]},
                    f"Mã hồ sơ {d.code_text} trùng với một hồ sơ khác của đơn vị; mã đã in được giữ nguyên.{_REVIEW}",
                )
            )
        if not self._issued(d.code):
            opened.append(
                self._conflict(
                    "code_not_issued",
                    ev,
                    [],
                    {"code": d.code_text, "device_id": self.pusher.device_id, "slot": self.pusher.slot},
                    f"Mã hồ sơ {d.code_text} nằm ngoài các dải số máy chủ đã cấp cho máy trạm này.{_REVIEW}",
                )
            )
        return holder, opened

    def _probe(self, ev: CheckedEvent, d: Decision) -> list[tuple[str, str, str]]:
        if ev.kind is not EventType.RECEIVED or not d.personal_id:
            return []
        key = (d.personal_id, d.procedure_code, d.received_at.date())
        others = [
            self.dossiers[uid]
            for uid in self.probe.get(key, [])
            if uid != ev.wire.dossier_uid
            and self.dossiers[uid].row["device_id"] != self.pusher.device_id
            and self.dossiers[uid].status in _HOLDS_PAPER
        ]
        if not others:
            return []
        return [
            self._conflict(
                "possible_duplicate",
                ev,
                [o.row["first_event_id"] for o in others],
                {
                    "personal_id": d.personal_id,
                    "procedure_code": d.procedure_code,
                    "day": key[2].isoformat(),
                    "other_dossier_uids": [o.uid for o in others],
                    "other_codes": [o.row["code"] or o.row["printed_code"] for o in others],
                },
                f"Có thể trùng hồ sơ: số định danh {d.personal_id} đã được tiếp nhận cho cùng thủ tục tại quầy khác"
                f" trong ngày {key[2]:%d/%m/%Y}.{_REVIEW}",
            )
        ]

    def _create(self, ev: CheckedEvent, d: Decision) -> list[tuple[str, str, str]]:
        w = ev.wire
        holder, opened = self._check_code(ev, d)
        opened += self._probe(ev, d)
        state = _State(
            {
                "uid": w.dossier_uid,
                "unit_code": self.pusher.unit_code,
                "code": holder,
                "printed_code": d.code_text,
                "status": int(d.status),
                "version": 1,
                "procedure_code": d.procedure_code,
                "procedure_name": d.procedure_name,
                "applicant_name": d.applicant_name,
                "personal_id": d.personal_id,
                "phone": d.phone,
                "received_at": d.received_at,
                "received_day": d.received_at.date(),
                "due_at": d.due_at,
                "device_id": w.device_id,
                "officer_id": w.officer_id,
                "first_event_id": w.id,
                "last_event_id": w.id,
                "last_hlc": w.hlc,
                "updated_at": self.pusher.now,
                "custody_event_id": None,
                "custody_place": f"counter:{self.pusher.unit_code}",
                "custody_in_transit": False,
                "custody_disputed": False,
                "due_extended": False,
                "custody_hlc": "",
                "handling_unit": "",
                "rating": None,
                "rated_at": None,
                "rating_hlc": "",
                "rating_event_id": None,
                **FACT_DEFAULTS,
            },
            new=True,
        )
        if isinstance(ev.payload, DecisionPayload):
            state.row["handling_unit"] = ev.payload.procedure.handling_unit  # issue 16: "" = the office itself
            fold_received(
                state.row, ev.payload.procedure.model_dump(), self.authors.names.get(w.officer_id, w.officer_name)
            )
            fold_reception(state.row, ev.payload)
        self._remember(state)
        return opened

    def _change(self, ev: CheckedEvent, d: Decision, state: _State) -> list[tuple[str, str, str]]:
        w = ev.wire
        try:
            check_transition(state.status, d.status)
        except IllegalTransitionError as exc:
            # Stored and flagged; the server's state stays put until a supervisor decides.
            return [
                self._conflict(
                    "illegal_transition",
                    ev,
                    [state.row["last_event_id"]],
                    {"from": int(exc.old), "to": int(exc.new), "dossier_version": state.row["version"]},
                    f"{exc.message}{_REVIEW}",
                )
            ]
        opened: list[tuple[str, str, str]] = []
        row = state.row
        if row["code"] is None and row["printed_code"] is None and d.code_text:
            holder, opened = self._check_code(ev, d)
            row["code"], row["printed_code"] = holder, d.code_text
        row.update(
            status=int(d.status),
            version=row["version"] + 1,
            applicant_name=d.applicant_name,
            personal_id=d.personal_id,
            phone=d.phone,
            due_at=d.due_at or row["due_at"],
            last_event_id=w.id,
            last_hlc=w.hlc,
            updated_at=self.pusher.now,
        )
        state.dirty = True
        self._remember(state)
        return opened

    def _step(self, ev: CheckedEvent, step: Step, state: _State) -> list[tuple[str, str, str]]:
        """A step after reception: status move, custody move, due date.

        Custody: the custody event with the greatest HLC sets it (``custody_hlc``); an older one
        is stored and changes nothing, as in app.domain.custody.fold_custody on the counters
        (the HLC text ``<ms:013d>:<counter:05d>:<device>`` sorts as its clock; the device id
        breaks ties). A handover names the custody event its device knew (``parent_event_id``).
        When that is not the dossier's custody event here (its first event for a folder never
        moved), the paper was handed over twice from one state while offline — or sent by
        someone who no longer held it: both are stored, the custody is marked disputed and a
        ``double_handover`` conflict opened. A second apology for one dossier opens
        ``due_extended_twice`` and leaves the due date of the first.
        """
        w, row = ev.wire, state.row
        opened: list[tuple[str, str, str]] = []
        target = step.status
        if ev.kind is EventType.HANDOVER_RECEIVED and step.place.startswith("department:"):
            target = DossierStatus.PROCESSING if state.status is DossierStatus.RECEIVED else None
        if target is not None:
            try:
                check_transition(state.status, target)
            except IllegalTransitionError as exc:
                opened.append(
                    self._conflict(
                        "illegal_transition",
                        ev,
                        [row["last_event_id"]],
                        {"from": int(exc.old), "to": int(exc.new), "dossier_version": row["version"]},
                        f"{exc.message}{_REVIEW}",
                    )
                )
                target = None
        if ev.kind is EventType.HANDOVER_SENT:
            known = row["custody_event_id"] or row["first_event_id"]
            if step.parent_event_id != known:
                row["custody_disputed"] = True
                code = row["code"] or row["printed_code"] or ""
                opened.append(
                    self._conflict(
                        "double_handover",
                        ev,
                        [known],
                        {
                            "code": code,
                            "parent_event_id": step.parent_event_id,
                            "custody_event_id": known,
                            "custody_place": row["custody_place"],
                            "custody_in_transit": row["custody_in_transit"],
                            "to": step.place,
                        },
                        f"Hồ sơ giấy {code} được bàn giao hai lần từ cùng một trạng thái (hoặc bởi người không còn"
                        f" giữ hồ sơ).{_REVIEW}",
                    )
                )
        if step.place and w.hlc > row["custody_hlc"]:
            row.update(
                custody_event_id=w.id, custody_place=step.place, custody_in_transit=step.in_transit, custody_hlc=w.hlc
            )
        if ev.kind is EventType.DUE_EXTENDED:
            if row["due_extended"]:
                opened.append(
                    self._conflict(
                        "due_extended_twice",
                        ev,
                        [row["last_event_id"]],
                        {"due_at": row["due_at"].isoformat() if row["due_at"] else None},
                        f"Ngày hẹn trả đã được dời một lần; theo quy định chỉ được dời một lần.{_REVIEW}",
                    )
                )
            else:
                row.update(due_at=step.new_due_at, due_extended=True)
        elif step.new_due_at is not None and target is not None:
            row["due_at"] = step.new_due_at
        if isinstance(ev.payload, RatedPayload):
            opened += self._rating(ev, ev.payload, row)
        if target is not None:
            row["status"] = int(target)
        row.update(version=row["version"] + 1, last_event_id=w.id, last_hlc=w.hlc, updated_at=self.pusher.now)
        state.dirty = True
        return opened

    def _rating(self, ev: CheckedEvent, p: RatedPayload, row: dict[str, Any]) -> list[tuple[str, str, str]]:
        """One rating per dossier: the smallest HLC holds it, as on the counters (app.store.projection);
        a second one (two counters offline) is stored and opens ``double_rating``."""
        w = ev.wire
        opened: list[tuple[str, str, str]] = []
        if row["rating_hlc"]:
            code = row["code"] or row["printed_code"] or ""
            opened.append(
                self._conflict(
                    "double_rating",
                    ev,
                    [row["rating_event_id"]],
                    {"code": code, "rating": row["rating"], "other_rating": p.rating},
                    f"Hồ sơ {code} đã có đánh giá của công dân; mỗi hồ sơ chỉ được đánh giá một lần.{_REVIEW}",
                )
            )
        if not row["rating_hlc"] or w.hlc < row["rating_hlc"]:
            row.update(rating=p.rating, rated_at=local_time(p.rated_at), rating_hlc=w.hlc, rating_event_id=w.id)
        return opened

    # --- writing ------------------------------------------------------------------------

    def _write(self) -> None:
        session = self.session
        dialect.bulk_insert(session, Conflict, self.conflict_rows)
        report_keys.assign(session.connection(), [s.row for s in self.dossiers.values() if s.new or s.dirty])
        if self.pusher.postgres:  # before the first write that touches the offices' summary rows
            ended = [s.row["unit_code"] for s in self.dossiers.values() if (s.new or s.dirty) and s.row.get("ended_at")]
            ended_summary.lock_offices(session, ended)
        dialect.bulk_insert(session, ServerDossier, [s.row for s in self.dossiers.values() if s.new])
        changed = [s.row for s in self.dossiers.values() if s.dirty and not s.new]
        if changed:
            session.execute(update(ServerDossier), changed)
        dialect.bulk_insert(session, ServerEvent, self.event_rows)
        dialect.bulk_insert(session, FeeReceiptPrinted, self.printed_rows)
        feed = [{"unit_code": self.pusher.unit_code, "event_id": r["id"], "kind": "event"} for r in self.event_rows]
        if self.routed:  # only to units that are offices of this server (a catalog names many more)
            named = {unit for unit, _ in self.routed}
            offices = set(session.scalars(select(Office.unit_code).where(Office.unit_code.in_(named))))
            self.routed = [(unit, event_id) for unit, event_id in self.routed if unit in offices]
        feed += [{"unit_code": unit, "event_id": event_id, "kind": "event"} for unit, event_id in self.routed]
        # By unit (stable: each feed keeps the events' order): every push takes the feeds' ordering locks
        # (server migration 0004) in one order, so an office and the unit handling its dossiers, pushing at
        # once, never wait for each other in a cycle.
        dialect.bulk_insert(session, ChangeRow, sorted(feed, key=lambda row: row["unit_code"]))
        if self.routed and self.pusher.postgres:
            # Wake the other units' pulls at commit, in every server process (the caller announces its own).
            for unit in sorted({unit for unit, _ in self.routed}):
                session.execute(select(func.pg_notify(NOTIFY_CHANNEL, unit)))
