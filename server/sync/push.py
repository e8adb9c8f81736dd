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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import text, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from app.domain.codes import DossierCode
from app.domain.events import EventType, new_id
from app.domain.status import DossierStatus, IllegalTransitionError, check_transition
from app.sync.wire import MAX_PUSH_BATCH, PushResult, PushStatus, Uuid, fallback_range
from server.sync import dialect
from server.sync.devices import record_push
from server.sync.models import (
    ChangeRow,
    Conflict,
    RejectedEvent,
    ServerDossier,
    ServerEvent,
)
from server.sync.statements import statements
from server.sync.validate import CheckedEvent, Decision, Rejection, Step, check_event

# A possible duplicate only concerns dossiers that took the paper folder.
_HOLDS_PAPER = frozenset(
    s for s in DossierStatus if s not in {DossierStatus.REFUSED, DossierStatus.SUPPLEMENT_REQUESTED}
)
_REVIEW = " Đã chuyển lãnh đạo xem xét."


class BatchError(ValueError):
    """The request as a whole is unusable (not one result can be given); answered 422."""


class _Envelope(BaseModel):
    # Events stay plain dicts here: each is validated on its own so one bad event is
    # answered ``rejected`` instead of failing the whole batch (SYNC.md: no stuck queue).
    model_config = ConfigDict(extra="forbid")

    device_id: Uuid
    events: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_PUSH_BATCH)


class _Key(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Uuid
    device_id: Uuid
    device_seq: int = Field(ge=1)


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
        BatchError: Not a batch, an event without a usable id or sequence, sequences not
            strictly increasing, or an event of another device.
    """
    try:
        envelope = _Envelope.model_validate(body)
        keys = [_Key.model_validate(raw) for raw in envelope.events]
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BatchError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    if any(k.device_id != envelope.device_id for k in keys):
        raise BatchError("every event must come from the pushing device")
    if any(b.device_seq <= a.device_seq for a, b in itertools.pairwise(keys)):
        raise BatchError("events must be in strictly increasing device_seq order")
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
    """

    unit_code: str
    device_id: str
    slot: int
    now: datetime
    postgres: bool


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
    try:
        results = _apply(session, pusher, batch.items)
    except (IntegrityError, DataError):
        session.rollback()
        record_push(session, pusher.unit_code, pusher.device_id, max_seq, pusher.now)
        results = [_apply_alone(session, pusher, item) for item in batch.items]
    return PushOutcome(results, any(r.status in ("accepted", "flagged") for r in results))


def _apply_alone(session: Session, pusher: Pusher, item: PushItem) -> PushResult:
    """Slow path: one event in its own SAVEPOINT; retried once, then refused if still unstorable."""
    for _attempt in range(2):
        try:
            with session.begin_nested():
                return _apply(session, pusher, [item])[0]
        except (IntegrityError, DataError) as exc:
            error = exc
    item.checked, item.rejection = (
        None,
        Rejection("store_failed", f"Máy chủ không lưu được sự kiện ({type(error.orig).__name__})."),
    )
    with session.begin_nested():
        return _apply(session, pusher, [item])[0]


def _rejected(event_id: str, reason: str) -> PushResult:
    return PushResult(event_id=event_id, status="rejected", reason=reason)


def _apply(session: Session, pusher: Pusher, items: Sequence[PushItem]) -> list[PushResult]:
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
        folded = _Fold(session, pusher, [ev for _, ev in fresh]).run()
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
    return {
        "id": item.id,
        "device_id": pusher.device_id,
        "device_seq": item.seq,
        "unit_code": pusher.unit_code,
        "received_at": pusher.now,
        "code": rejection.code,
        "reason": rejection.message,
        "body": _json_safe(item.raw),
    }


def _json_safe(value: Any) -> Any:
    # A refused body is kept for support; strip what PostgreSQL JSONB cannot hold.
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


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
    """Applies fresh (never stored) events in order against the dossier state they touch."""

    session: Session
    pusher: Pusher
    events: list[CheckedEvent]
    dossiers: dict[str, _State] = field(default_factory=dict)
    code_owner: dict[str, str] = field(default_factory=dict)
    probe: dict[tuple[str, str, date], list[str]] = field(default_factory=lambda: defaultdict(list))
    blocks: dict[date, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    event_rows: list[dict[str, Any]] = field(default_factory=list)
    conflict_rows: list[dict[str, Any]] = field(default_factory=list)

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
        if self.pusher.postgres:
            lock_keys(
                self.session,
                [f"code:{unit}:{c}" for c in codes] + [f"probe:{unit}:{p}:{c}:{d}" for p, c, d in probes],
            )
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
        days = sorted({d.code.day for d in decisions if d.code is not None})
        if days:
            found = conn.execute(stmts.blocks, {"device_id": self.pusher.device_id, "unit": unit, "days": days})
            for day, first, last in found:
                self.blocks[day].append((first, last))

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
        if state is not None and state.row["unit_code"] != self.pusher.unit_code:
            rejection = Rejection("other_unit", "Hồ sơ của sự kiện thuộc đơn vị khác; máy chủ không nhận.")
            return _rejected(w.id, rejection.message), rejection
        opened: list[tuple[str, str, str]] = []  # (conflict id, kind, reason)
        if ev.decision is not None:
            if state is None:
                opened += self._create(ev, ev.decision)
            else:
                opened += self._change(ev, ev.decision, state)
        elif ev.step is not None and state is not None:
            opened += self._step(ev, ev.step, state)
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
                "officer_name": w.officer_name,
                "occurred_at": w.occurred_at,
                "hlc": w.hlc,
                "payload": w.payload,
                "server_received_at": self.pusher.now,
                "status": status,
                "reason": reason,
                "conflict_ids": [cid for cid, _, _ in opened],
                "flags": flags,
            }
        )
        result = PushResult(
            event_id=w.id, status=status, reason=reason, conflict_ids=[cid for cid, _, _ in opened], flags=flags
        )
        return result, None

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

    def _issued(self, code: DossierCode) -> bool:
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
            },
            new=True,
        )
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

        Custody: a handover names the custody event its device knew (``parent_event_id``). When
        that is not the dossier's last custody event here (its first event for a folder never
        moved), the paper was handed over twice from one state while offline — or sent by
        someone who no longer held it: both are stored, the custody is marked disputed and a
        ``double_handover`` conflict opened. A receipt at the destination is the strongest
        evidence of where the paper is and always moves the custody. A second apology for one
        dossier opens ``due_extended_twice`` and leaves the due date of the first.
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
        if step.place:
            row.update(custody_event_id=w.id, custody_place=step.place, custody_in_transit=step.in_transit)
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
        if target is not None:
            row["status"] = int(target)
        row.update(version=row["version"] + 1, last_event_id=w.id, last_hlc=w.hlc, updated_at=self.pusher.now)
        state.dirty = True
        return opened

    # --- writing ------------------------------------------------------------------------

    def _write(self) -> None:
        session = self.session
        dialect.bulk_insert(session, Conflict, self.conflict_rows)
        dialect.bulk_insert(session, ServerDossier, [s.row for s in self.dossiers.values() if s.new])
        changed = [s.row for s in self.dossiers.values() if s.dirty and not s.new]
        if changed:
            session.execute(update(ServerDossier), changed)
        dialect.bulk_insert(session, ServerEvent, self.event_rows)
        dialect.bulk_insert(
            session,
            ChangeRow,
            [{"unit_code": self.pusher.unit_code, "event_id": r["id"], "kind": "event"} for r in self.event_rows],
        )
