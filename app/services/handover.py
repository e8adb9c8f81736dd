"""Handover of paper folders: build a batch by scanning, send it, confirm it at the other side.

A batch being scanned lives in memory (:class:`BatchDraft`, immutable; each scan returns a new
one); nothing is written until :func:`send_batch`, which records one ``custody.sent`` event per
folder in one transaction. The receiving side calls :func:`confirm_batch` with the codes it
scanned: one ``custody.received`` per folder found, one ``custody.discrepancy`` per folder
missing (sent, not scanned) or unexpected (scanned, not in the batch).

Every custody event names the custody event the device knew before it (``parent_event_id``),
so the server can tell when the same paper was handed over twice while offline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.batch_number import batch_ref, matches
from app.domain.codes import DossierCode, parse_dossier_code
from app.domain.contracts import (
    HandoverDiscrepancyPayload,
    HandoverPayload,
    HandoverReceivedPayload,
    HandoverSentPayload,
)
from app.domain.custody import BatchState, Discrepancy, ItemState, Place, PlaceKind
from app.domain.events import EventType, new_id
from app.domain.scan import expand_label_code
from app.domain.status import DossierStatus
from app.errors import UserFacingError
from app.services.context import Actor
from app.services.drafts import Changes
from app.services.recorder import building, record
from app.store.models import Custody, Department, Dossier, Event, HandoverBatch, HandoverItem
from app.text import nfc

# Paper may travel to a department while it is being handled there, and back to the counter in
# any state that still has a paper folder (refused, withdrawn and returned dossiers have none).
SENDABLE_TO = {
    PlaceKind.DEPARTMENT: frozenset({DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.FEES_REQUESTED}),
    PlaceKind.COUNTER: frozenset(
        {
            DossierStatus.RECEIVED,
            DossierStatus.PROCESSING,
            DossierStatus.SUPPLEMENT_REQUESTED,
            DossierStatus.FEES_REQUESTED,
            DossierStatus.STOPPED,
            DossierStatus.RESULT_READY,
        }
    ),
}
MAX_BATCH = 500
H = TypeVar("H", bound=HandoverPayload)


class ScanReason(StrEnum):
    """Why a scanned code was accepted into a batch or left out."""

    OK = "ok"
    WRONG_FORMAT = "wrong_format"
    UNKNOWN = "unknown"
    NOT_HELD = "not_held"
    IN_TRANSIT = "in_transit"
    DUPLICATE = "duplicate"
    WRONG_DESTINATION = "wrong_destination"
    WRONG_STATUS = "wrong_status"
    BATCH_FULL = "batch_full"


@dataclass(frozen=True, slots=True)
class DossierBrief:
    """What a scan screen shows of a folder."""

    uid: str
    code: str
    applicant_name: str
    procedure_name: str
    status: int
    due_at: datetime | None
    department_code: str
    department_name: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class ScanVerdict:
    """The answer to one scan: ``ok`` folders join the batch; the others are shown and left out."""

    ok: bool
    reason: ScanReason
    message: str
    code: str
    dossier: DossierBrief | None = None


@dataclass(frozen=True, slots=True)
class BatchDraft:
    """A batch being built by scanning (in memory until sent)."""

    id: str
    source: Place
    destination: Place
    items: tuple[DossierBrief, ...] = ()
    note: str = ""

    def has(self, uid: str) -> bool:
        return any(item.uid == uid for item in self.items)


@dataclass(frozen=True, slots=True)
class CustodyInfo:
    """Where a folder is, as the services read it."""

    place: Place
    origin: Place | None
    in_transit: bool
    missing: bool
    since: datetime
    holder: str
    last_event_id: str
    batch_id: str


@dataclass(frozen=True, slots=True)
class BatchItemInfo:
    """One folder of a stored batch."""

    dossier_uid: str
    code: str
    applicant_name: str
    procedure_name: str
    state: ItemState
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """A stored batch (sent, confirmed, or confirmed with discrepancies) with its folders."""

    id: str
    source: Place
    destination: Place
    state: BatchState
    created_by: str
    counter_name: str
    sent_at: datetime | None
    confirmed_at: datetime | None
    confirmed_by: str
    note: str
    items: tuple[BatchItemInfo, ...]


@dataclass(frozen=True, slots=True)
class ConfirmSummary:
    """What the receiving side's confirmation recorded."""

    batch_id: str
    state: BatchState
    received: tuple[str, ...]  # dossier codes
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]  # known dossiers scanned but not in the batch
    unknown: tuple[str, ...]  # scanned text that is no dossier code here (not recorded: no dossier)
    message: str


# --- places -----------------------------------------------------------------------------------


def counter_place(actor: Actor) -> Place:
    """The one-stop counter of the actor's unit (all counters of a unit share the paper desk)."""
    return Place(PlaceKind.COUNTER, actor.unit_code, actor.office_name.removesuffix(" (DEMO)"))


def department_place(session: Session, code: str) -> Place:
    """A handling department of the office.

    Raises:
        UserFacingError: no such department here.
    """
    dep = session.get(Department, code)
    if dep is None:
        raise UserFacingError(
            f"Không có cơ quan giải quyết mã “{code}” trong danh mục. Chọn lại, hoặc cập nhật danh mục từ máy chủ."
        )
    return Place(PlaceKind.DEPARTMENT, dep.code, dep.name)


def departments(session: Session) -> list[Place]:
    """Every handling department, by name (for the destination picker)."""
    return [
        Place(PlaceKind.DEPARTMENT, d.code, d.name)
        for d in session.scalars(select(Department).order_by(Department.name))
    ]


def _at_reception(d: Dossier) -> CustodyInfo:
    return CustodyInfo(Place(PlaceKind.COUNTER, d.unit_code, ""), None, False, False, d.received_at, d.officer_name,
                       "", "")  # fmt: skip


def _info(row: Custody) -> CustodyInfo:
    origin = Place(PlaceKind(row.origin_kind), row.origin_code, row.origin_name) if row.origin_kind else None
    return CustodyInfo(Place(PlaceKind(row.place_kind), row.place_code, row.place_name), origin, row.in_transit,
                       row.missing, row.since, row.holder, row.last_event_id, row.batch_id)  # fmt: skip


def custody_of(session: Session, uid: str) -> CustodyInfo | None:
    """Where the folder of dossier ``uid`` is now; None for an unknown dossier."""
    d = session.scalars(select(Dossier).where(Dossier.uid == uid)).first()
    if d is None:
        return None
    row = session.get(Custody, uid)
    return _info(row) if row is not None else _at_reception(d)


def parent_event_id(session: Session, d: Dossier) -> str:
    """The custody event the next handover follows: the last custody event, or the reception."""
    row = session.get(Custody, d.uid)
    if row is not None:
        return row.last_event_id
    first = session.scalars(
        select(Event.id).where(Event.dossier_uid == d.uid).order_by(Event.occurred_at, Event.hlc).limit(1)
    ).first()
    return str(first or "")


def scanned_code(text: str) -> DossierCode | None:
    """The dossier code of a scan: as printed (slip QR, label QR) or the label's compact Code128
    without "." and "-" (app/printing/labels.py)."""
    parsed = parse_dossier_code(text)
    if parsed is None:
        expanded = expand_label_code(text)  # the label's pattern: app/domain/scan.py
        parsed = parse_dossier_code(expanded) if expanded else None
    return parsed


# --- building a batch -------------------------------------------------------------------------


def open_batch(source: Place, destination: Place, note: str = "") -> BatchDraft:
    """Start a batch from ``source`` to ``destination``.

    Raises:
        UserFacingError: the two places are the same.
    """
    if source == destination or (source.kind, source.code) == (destination.kind, destination.code):
        raise UserFacingError("Nơi giao và nơi nhận trùng nhau. Chọn nơi nhận khác.")
    if PlaceKind.CITIZEN in (source.kind, destination.kind):
        raise UserFacingError("Trả hồ sơ cho công dân dùng chức năng Trả kết quả, không lập phiếu bàn giao.")
    return BatchDraft(new_id(), source, destination, (), nfc(note))


_ROW = (
    Dossier.uid, Dossier.code, Dossier.applicant_name, Dossier.procedure_name, Dossier.status, Dossier.due_at,
    Dossier.department_code, Dossier.department_name, Dossier.received_at, Dossier.unit_code, Dossier.officer_name,
    Custody.place_kind, Custody.place_code, Custody.in_transit, Custody.place_name, Custody.origin_name,
    Dossier.handling_unit, Dossier.data["procedure"]["handling_unit_name"].as_string().label("handling_unit_name"),
)  # fmt: skip


def check_scan_for_batch(session: Session, batch: BatchDraft, code: str) -> ScanVerdict:
    """Whether the folder with ``code`` may join ``batch``, with a Vietnamese message either way.

    One indexed query (dossier code index, custody primary key). Checks, in order: code format,
    known dossier, not already in the batch, folder held at the batch's source (not in transit),
    status that allows the move, destination matching the procedure's handling department.
    """
    parsed = scanned_code(code)
    raw = nfc(code).strip()[:60]
    if parsed is None:
        return ScanVerdict(
            False, ScanReason.WRONG_FORMAT, f"“{raw}” không phải mã hồ sơ. Quét lại mã vạch trên bìa hồ sơ.", raw
        )
    text = parsed.text
    row = session.execute(
        select(*_ROW).outerjoin(Custody, Custody.dossier_uid == Dossier.uid).where(Dossier.code == text)
        .order_by(Dossier.id).limit(1)
    ).first()  # fmt: skip
    if row is None:
        return ScanVerdict(
            False, ScanReason.UNKNOWN, f"Không tìm thấy hồ sơ {text} trên máy này. Kiểm tra lại hồ sơ.", text
        )
    brief = DossierBrief(row.uid, text, row.applicant_name, row.procedure_name, row.status, row.due_at,
                         row.department_code, row.department_name, row.received_at)  # fmt: skip

    def no(reason: ScanReason, message: str) -> ScanVerdict:
        return ScanVerdict(False, reason, message, text, brief)

    if batch.has(row.uid):
        return no(ScanReason.DUPLICATE, f"Hồ sơ {text} đã có trong phiếu bàn giao này (quét trùng).")
    if len(batch.items) >= MAX_BATCH:
        return no(
            ScanReason.BATCH_FULL, f"Một phiếu bàn giao tối đa {MAX_BATCH} hồ sơ. Gửi phiếu này rồi lập phiếu mới."
        )
    kind, place_code = (row.place_kind, row.place_code) if row.place_kind else (PlaceKind.COUNTER, row.unit_code)
    if row.in_transit:
        return no(
            ScanReason.IN_TRANSIT,
            f"Hồ sơ {text} đang được chuyển từ {row.origin_name} đến {row.place_name}, chưa được bên nhận xác nhận."
            " Không bàn giao tiếp được.",
        )
    if (kind, place_code) != (batch.source.kind, batch.source.code):
        where = row.place_name or ("Bộ phận Một cửa" if kind == PlaceKind.COUNTER else place_code)
        if kind == PlaceKind.CITIZEN:
            where = "công dân (đã trả kết quả)"
        return no(
            ScanReason.NOT_HELD,
            f"Hồ sơ {text} đang ở {where}, không ở {batch.source.name}. Chỉ giao được hồ sơ mình đang giữ.",
        )
    status = DossierStatus(row.status)
    if status not in SENDABLE_TO[batch.destination.kind]:
        return no(
            ScanReason.WRONG_STATUS,
            f"Hồ sơ {text} đang ở trạng thái “{status.label}”, không chuyển đến {batch.destination.name} được.",
        )
    if batch.destination.kind is PlaceKind.DEPARTMENT and row.department_code != batch.destination.code:
        return no(
            ScanReason.WRONG_DESTINATION,
            f"Hồ sơ {text} do {row.department_name or 'cơ quan khác'} giải quyết, không phải {batch.destination.name}."
            " Để riêng hồ sơ này.",
        )
    if batch.destination.kind is PlaceKind.COUNTER and row.unit_code != batch.destination.code:
        return no(ScanReason.WRONG_DESTINATION, f"Hồ sơ {text} được tiếp nhận ở đơn vị khác ({row.unit_code}).")
    added = f"Đã thêm hồ sơ {text} – {row.applicant_name}."
    if row.handling_unit and batch.destination.kind is PlaceKind.DEPARTMENT:  # received for another unit (issue 16)
        added += f" Chuyển đến đơn vị giải quyết: {row.handling_unit_name or row.handling_unit}."
    return ScanVerdict(True, ScanReason.OK, added, text, brief)


def add_scan(session: Session, batch: BatchDraft, code: str) -> tuple[BatchDraft, ScanVerdict]:
    """Check ``code`` and, if it passes, return the batch with the folder added."""
    verdict = check_scan_for_batch(session, batch, code)
    if verdict.ok and verdict.dossier is not None:
        batch = replace(batch, items=(*batch.items, verdict.dossier))
    return batch, verdict


def remove_from_batch(batch: BatchDraft, uid: str) -> BatchDraft:
    """The batch without the folder of dossier ``uid``."""
    return replace(batch, items=tuple(i for i in batch.items if i.uid != uid))


# --- sending and confirming -------------------------------------------------------------------


def _batch_payload(actor: Actor, batch_id: str, source: Place, destination: Place) -> dict[str, object]:
    """The part every custody event of a batch shares (``from`` is a Python keyword: a mapping)."""
    return {
        "batch_id": batch_id,
        "unit_code": actor.unit_code,
        "counter_name": actor.counter_name,
        "from": source.as_payload(),
        "to": destination.as_payload(),
    }


def _custody_payload(model: type[H], common: dict[str, object], **fields: object) -> H:
    """A custody event's payload model (build inside ``recorder.building``)."""
    return model.model_validate({**common, **fields})


def send_batch(session: Session, actor: Actor, batch: BatchDraft, now: datetime) -> tuple[BatchInfo, Changes]:
    """Record the handover: one ``custody.sent`` event per folder, in one transaction.

    Every folder is checked again (a pull may have moved one since it was scanned).

    Raises:
        UserFacingError: the batch is empty, or a folder no longer passes its check (the
            message lists each one and why; nothing is written).
    """
    if not batch.items:
        raise UserFacingError("Phiếu bàn giao chưa có hồ sơ nào. Quét mã vạch các hồ sơ cần giao.")
    empty = replace(batch, items=())
    problems = []
    for item in batch.items:
        verdict = check_scan_for_batch(session, empty, item.code)
        if not verdict.ok:
            problems.append(verdict.message)
    if problems:
        raise UserFacingError(
            "Chưa gửi được phiếu bàn giao:\n" + "\n".join(problems) + "\nBỏ các hồ sơ này ra rồi gửi lại."
        )
    common = _batch_payload(actor, batch.id, batch.source, batch.destination)
    changed = set()
    for item in batch.items:
        d = session.scalars(select(Dossier).where(Dossier.uid == item.uid)).one()
        with building(EventType.HANDOVER_SENT):
            payload = _custody_payload(
                HandoverSentPayload, common, code=item.code, parent_event_id=parent_event_id(session, d),
                sent_at=now.isoformat(timespec="seconds"), batch_size=len(batch.items), note=batch.note,
            )  # fmt: skip
        record(session, actor, EventType.HANDOVER_SENT, item.uid, payload, occurred_at=now, base_version=d.version)
        changed.add(item.uid)
    info = batch_detail(session, batch.id)
    assert info is not None
    return info, Changes(frozenset(changed))


def confirm_batch(
    session: Session, actor: Actor, batch_id: str, scanned_codes: list[str], now: datetime
) -> tuple[ConfirmSummary, Changes]:
    """Record the receiving side's check of a batch against the folders it scanned.

    Folders sent and scanned → ``custody.received`` (a department receiving moves the dossier
    to "Đang xử lý"); sent and not scanned → ``custody.discrepancy`` missing; scanned, known,
    not in the batch → ``custody.discrepancy`` unexpected (the paper is here now). Text that is
    no known dossier is listed in the summary only (there is no dossier to record it on).

    Raises:
        UserFacingError: no such batch, or it was confirmed before.
    """
    batch = session.get(HandoverBatch, batch_id)
    if batch is None:
        raise UserFacingError("Không tìm thấy phiếu bàn giao. Có thể phiếu chưa được đồng bộ về máy này; thử lại sau.")
    if batch.state != BatchState.SENT:
        raise UserFacingError(f"Phiếu bàn giao này đã được xác nhận lúc {batch.confirmed_at:%H:%M %d/%m/%Y}.")
    source = Place(PlaceKind(batch.from_kind), batch.from_code, batch.from_name)
    destination = Place(PlaceKind(batch.to_kind), batch.to_code, batch.to_name)
    items = {i.dossier_uid: i for i in session.scalars(select(HandoverItem).where(HandoverItem.batch_id == batch_id))}
    common = _batch_payload(actor, batch_id, source, destination)
    seen: set[str] = set()
    received, unexpected, unknown = [], [], []
    for raw in scanned_codes:
        parsed = scanned_code(raw)
        d = (
            session.scalars(select(Dossier).where(Dossier.code == parsed.text).order_by(Dossier.id).limit(1)).first()
            if parsed
            else None
        )
        if d is None:
            unknown.append(nfc(raw).strip()[:60])
            continue
        if d.uid in seen:
            continue
        seen.add(d.uid)
        item = items.get(d.uid)
        parent = parent_event_id(session, d)
        if item is not None and item.state == ItemState.SENT:
            with building(EventType.HANDOVER_RECEIVED):
                received_payload = _custody_payload(
                    HandoverReceivedPayload, common, code=d.code, parent_event_id=item.sent_event_id or parent
                )
            kind = EventType.HANDOVER_RECEIVED
            record(session, actor, kind, d.uid, received_payload, occurred_at=now, base_version=d.version)
            received.append(d.code or "")
        elif item is None:
            with building(EventType.HANDOVER_DISCREPANCY):
                unexpected_payload = _custody_payload(
                    HandoverDiscrepancyPayload, common, code=d.code, parent_event_id=parent,
                    discrepancy=Discrepancy.UNEXPECTED.value,
                )  # fmt: skip
            kind = EventType.HANDOVER_DISCREPANCY
            record(session, actor, kind, d.uid, unexpected_payload, occurred_at=now, base_version=d.version)
            unexpected.append(d.code or "")
    missing = []
    for uid, item in items.items():
        if uid in seen or item.state != ItemState.SENT:
            continue
        with building(EventType.HANDOVER_DISCREPANCY):
            missing_payload = _custody_payload(
                HandoverDiscrepancyPayload, common, code=item.code, parent_event_id=item.sent_event_id,
                discrepancy=Discrepancy.MISSING.value,
            )  # fmt: skip
        record(session, actor, EventType.HANDOVER_DISCREPANCY, uid, missing_payload, occurred_at=now)
        missing.append(item.code)
    session.flush()
    session.refresh(batch)
    state = BatchState(batch.state)
    parts = [f"Đã nhận {len(received)} hồ sơ."]
    if missing:
        parts.append(f"Thiếu {len(missing)} hồ sơ: {', '.join(missing)}.")
    if unexpected:
        parts.append(f"Thừa {len(unexpected)} hồ sơ không có trong phiếu: {', '.join(unexpected)}.")
    if unknown:
        parts.append(f"{len(unknown)} mã không nhận ra: {', '.join(unknown)}.")
    summary = ConfirmSummary(batch_id, state, tuple(received), tuple(missing), tuple(unexpected), tuple(unknown),
                             " ".join(parts))  # fmt: skip
    return summary, Changes(frozenset(seen | set(items)))


# --- reading batches ----------------------------------------------------------------------------


def _batch_info(session: Session, b: HandoverBatch) -> BatchInfo:
    rows = session.execute(
        select(HandoverItem.dossier_uid, HandoverItem.code, HandoverItem.state, HandoverItem.done_at,
               Dossier.applicant_name, Dossier.procedure_name)
        .outerjoin(Dossier, Dossier.uid == HandoverItem.dossier_uid)
        .where(HandoverItem.batch_id == b.id)
        .order_by(HandoverItem.code)
    ).all()  # fmt: skip
    items = tuple(
        BatchItemInfo(
            r.dossier_uid, r.code, r.applicant_name or "", r.procedure_name or "", ItemState(r.state), r.done_at
        )
        for r in rows
    )
    return BatchInfo(
        b.id,
        Place(PlaceKind(b.from_kind), b.from_code, b.from_name),
        Place(PlaceKind(b.to_kind), b.to_code, b.to_name),
        BatchState(b.state), b.created_by, b.counter_name, b.sent_at, b.confirmed_at, b.confirmed_by, b.note, items,
    )  # fmt: skip


def batch_detail(session: Session, batch_id: str) -> BatchInfo | None:
    """One stored batch with its folders, or None."""
    b = session.get(HandoverBatch, batch_id)
    return _batch_info(session, b) if b is not None else None


def find_batch(session: Session, scanned: str) -> BatchInfo | None:
    """The batch a scanned or typed number designates (``app.domain.batch_number``), or None.

    Takes the short number (``BG-`` + 13 digits, or the digits alone as ``app.domain.scan``
    leaves them), an older record's 39-digit number or UUID, or a batch id.

    Raises:
        UserFacingError: two stored batches share the number (their ids end with the same
            40 bits); the message lists them so the officer picks the right one by hand.
    """
    exact = session.get(HandoverBatch, scanned.strip())
    if exact is not None:
        return _batch_info(session, exact)
    ref = batch_ref(scanned)
    if ref.batch_id:
        b = session.get(HandoverBatch, ref.batch_id)
        return _batch_info(session, b) if b is not None else None
    # The id's last 10 hex digits are the number's: a suffix match, checked again exactly.
    found = [
        b
        for b in session.scalars(
            select(HandoverBatch).where(HandoverBatch.id.like(f"%{ref.id_suffix}")).order_by(HandoverBatch.sent_at)
        )
        if matches(b.id, ref)
    ]
    if len(found) > 1:
        listed = "; ".join(f"gửi lúc {b.sent_at:%H:%M %d/%m/%Y} từ {b.from_name} cho {b.to_name}" for b in found)
        raise UserFacingError(
            f"Có {len(found)} phiếu bàn giao cùng số {ref.number} ({listed}). Chọn đúng phiếu trong danh sách"
            " phiếu chờ nhận theo giờ gửi và nơi gửi ghi trên biên bản."
        )
    return _batch_info(session, found[0]) if found else None


def batches(
    session: Session,
    *,
    to: Place | None = None,
    source: Place | None = None,
    state: BatchState | None = None,
    limit: int = 100,
) -> list[BatchInfo]:
    """Stored batches, newest first; ``to`` + ``state=SENT`` is the receiving side's inbox."""  # fmt: skip
    stmt = select(HandoverBatch)
    if to is not None:
        stmt = stmt.where(HandoverBatch.to_kind == str(to.kind), HandoverBatch.to_code == to.code)
    if source is not None:
        stmt = stmt.where(HandoverBatch.from_kind == str(source.kind), HandoverBatch.from_code == source.code)
    if state is not None:
        stmt = stmt.where(HandoverBatch.state == str(state))
    return [_batch_info(session, b) for b in session.scalars(stmt.order_by(HandoverBatch.sent_at.desc()).limit(limit))]
