"""Postal reception: sign a batch record with the postal worker, list batches, receive their items.

**How a batch is stored and synced.** Signing the record is one event, ``postal.batch_signed``
(app.domain.contracts.PostalBatchPayload), written by :func:`app.services.recorder.record` like
every other action: in the event log with its outbox row, in one transaction, pushed to the server
and pulled by the office's other counters; it survives a crash or a day offline exactly as a
dossier's events do. Its ``dossier_uid`` is the batch id (a UUIDv7 no dossier has): the event log
is the batch's only table, so no migration was needed; the projection leaves it unfolded and this
module reads it back. A handover batch (app.services.handover) is different: its folders exist
before the batch, so each folder's event carries the batch id; here the items exist before their
dossiers.

Each item is then received through the normal reception form in postal mode
(:class:`app.domain.postal.PostalItem` on the draft): the decision carries ``channel="postal"``
and ``postal`` {batch id, item number}, its ``received_at`` is the batch's signing time (so the
due date runs from it; the code and register entry are those of that day), and the officer types
nothing of the batch again. A batch's dossiers are found by that ``postal`` part (the dossier row
keeps the decision's payload); the record is reprinted with their codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.contracts import PostalBatchPayload, PostalPart, local_time
from app.domain.events import EventType, new_id
from app.domain.indicators import Channel
from app.domain.postal import (
    MAX_ITEMS,
    PostalBatchDraft,
    PostalItem,
    duplicate_items,
    item_number_problem,
    normalise_item_number,
    postal_batch_number,
    signing_time_problem,
)
from app.domain.status import DossierStatus
from app.errors import UserFacingError, ValidationError
from app.printing.data import OfficeHeader
from app.printing.postal_batch import PostalBatchRecord, PostalRow
from app.services.context import Actor
from app.services.drafts import Changes
from app.services.recorder import building, record
from app.store.models import Dossier, Event, Office
from app.text import nfc

_BATCH = str(EventType.POSTAL_BATCH_SIGNED)


@dataclass(frozen=True, slots=True)
class PostalItemState:
    """One item of a batch and what became of it (``uid`` None while it has not been received)."""

    item_no: str
    uid: str | None = None
    code: str | None = None
    status: int | None = None
    applicant_name: str = ""

    @property
    def note(self) -> str:
        """The record's "Ghi chú" for the item ("" while not received: the record is signed before)."""
        if self.status is None:
            return ""
        if self.status == DossierStatus.SUPPLEMENT_REQUESTED and not self.code:
            return "Yêu cầu bổ sung, hoàn thiện"
        if self.status == DossierStatus.REFUSED and not self.code:
            return "Từ chối tiếp nhận"
        return ""

    @property
    def state_text(self) -> str:
        """What the screen says of the item."""
        return "Chưa tiếp nhận" if self.status is None else (self.note or "Đã tiếp nhận")


@dataclass(frozen=True, slots=True)
class PostalBatch:
    """A signed batch record with its items."""

    batch_id: str
    unit_code: str
    postal_unit: str
    worker_name: str
    worker_phone: str
    signed_at: datetime
    officer_name: str
    counter_name: str
    note: str
    items: tuple[PostalItemState, ...]

    @property
    def number(self) -> str:
        """``BC-`` and 13 digits, as shown and printed."""
        return postal_batch_number(self.batch_id)

    @property
    def pending(self) -> tuple[PostalItemState, ...]:
        """The items not received yet (no decision recorded)."""
        return tuple(i for i in self.items if i.uid is None)


def _checked(draft: PostalBatchDraft, now: datetime) -> tuple[list[str], dict[str, str]]:
    errors: dict[str, str] = {}
    if not nfc(draft.postal_unit):
        errors["postal_unit"] = "Hãy nhập đơn vị bưu chính giao hồ sơ (ví dụ: Bưu điện xã Hạ Long)."
    if not nfc(draft.worker_name):
        errors["worker_name"] = "Hãy nhập họ tên nhân viên bưu chính giao hồ sơ."
    problem = signing_time_problem(draft.signed_at, now)
    if problem:
        errors["signed_at"] = problem
    items = [normalise_item_number(i) for i in draft.items if normalise_item_number(i)]
    for n, text in enumerate(items, start=1):
        wrong = item_number_problem(text)
        if wrong:
            errors["items"] = f"Dòng {n}: {wrong}"
            break
    if "items" not in errors:
        twice = duplicate_items(items)
        if twice:
            item, lines = next(iter(twice.items()))
            errors["items"] = (
                f"Số hiệu {item} được nhập {len(lines)} lần (dòng {', '.join(map(str, lines))}). Xoá dòng thừa."
            )
        elif not items:
            errors["items"] = "Biên bản chưa có bưu gửi nào: quét mã vạch trên từng bưu gửi hoặc nhập số hiệu."
        elif len(items) > MAX_ITEMS:
            errors["items"] = f"Một biên bản ghi tối đa {MAX_ITEMS} bưu gửi; hãy lập thêm biên bản khác."
    return items, errors


def _listed_before(session: Session, unit_code: str, items: list[str]) -> dict[str, PostalBatch]:
    """Items already listed in another batch of the unit (the same item handed over twice)."""
    wanted, found = set(items), {}
    for event in session.scalars(select(Event).where(Event.type == _BATCH)):
        batch = _view(event, {})
        if batch.unit_code != unit_code:
            continue
        for item in wanted.intersection(i.item_no for i in batch.items):
            found[item] = batch
    return found


def sign_batch(session: Session, actor: Actor, draft: PostalBatchDraft, now: datetime) -> tuple[PostalBatch, Changes]:
    """Record the batch record signed with the postal worker (``postal.batch_signed``).

    Raises:
        ValidationError: a field is missing or wrong (one message per field: postal unit, worker,
            signing time, items — the first bad item number with its line).
        UserFacingError: an item is listed in another batch already.
    """
    items, errors = _checked(draft, now)
    if errors:
        raise ValidationError(errors)
    before = _listed_before(session, actor.unit_code, items)
    if before:
        item, batch = next(iter(before.items()))
        raise ValidationError(
            {
                "items": f"Bưu gửi {item} đã có trong biên bản {batch.number} ký lúc {batch.signed_at:%H:%M %d/%m/%Y}."
                " Kiểm tra lại số hiệu, hoặc xoá dòng này."
            }
        )
    batch_id = new_id()
    with building(EventType.POSTAL_BATCH_SIGNED):
        payload = PostalBatchPayload(
            unit_code=actor.unit_code,
            counter_name=actor.counter_name,
            postal_unit=nfc(draft.postal_unit)[:200],
            worker_name=nfc(draft.worker_name)[:200],
            worker_phone=nfc(draft.worker_phone)[:20],
            signed_at=draft.signed_at.replace(microsecond=0).isoformat(timespec="seconds"),
            items=items,
            note=nfc(draft.note)[:2000],
        )
    record(session, actor, EventType.POSTAL_BATCH_SIGNED, batch_id, payload, occurred_at=now)
    return load_batch(session, batch_id), Changes()


def _view(event: Event, received: dict[str, Dossier]) -> PostalBatch:
    p = PostalBatchPayload.model_validate(event.payload)
    items = []
    for item in p.items:
        d = received.get(item)
        items.append(
            PostalItemState(item) if d is None else PostalItemState(item, d.uid, d.code, d.status, d.applicant_name)
        )
    return PostalBatch(
        batch_id=event.dossier_uid, unit_code=p.unit_code, postal_unit=p.postal_unit, worker_name=p.worker_name,
        worker_phone=p.worker_phone, signed_at=local_time(p.signed_at), officer_name=event.officer_name,
        counter_name=p.counter_name, note=p.note, items=tuple(items),
    )  # fmt: skip


def _dossiers_of(session: Session, batch_id: str, signed_at: datetime) -> dict[str, Dossier]:
    """The batch's dossiers by item number (postal dossiers received at its signing time naming it)."""
    rows = session.scalars(
        select(Dossier).where(Dossier.channel == int(Channel.POSTAL), Dossier.received_at == signed_at)
    )
    out: dict[str, Dossier] = {}
    for d in rows:
        postal = (d.data or {}).get("postal") or {}
        if postal.get("batch_id") == batch_id and postal.get("item_no") not in out:
            out[str(postal.get("item_no"))] = d
    return out


def _event(session: Session, batch_id: str) -> Event:
    event = session.scalars(select(Event).where(Event.dossier_uid == batch_id, Event.type == _BATCH)).first()
    if event is None:
        raise UserFacingError("Không tìm thấy biên bản giao nhận bưu chính này trên máy. Hãy đồng bộ rồi thử lại.")
    return event


def load_batch(session: Session, batch_id: str) -> PostalBatch:
    """A batch with what became of each item.

    Raises:
        UserFacingError: no such batch on this PC.
    """
    event = _event(session, batch_id)
    signed_at = local_time(PostalBatchPayload.model_validate(event.payload).signed_at)
    return _view(event, _dossiers_of(session, batch_id, signed_at))


def recent_batches(session: Session, unit_code: str, limit: int = 50) -> list[PostalBatch]:
    """The unit's batches, newest signing first, with their items' state."""
    events = session.scalars(select(Event).where(Event.type == _BATCH).order_by(Event.occurred_at.desc()))
    out = []
    for event in events:
        if event.payload.get("unit_code") != unit_code:
            continue
        out.append(load_batch(session, event.dossier_uid))
        if len(out) >= limit:
            break
    return sorted(out, key=lambda b: b.signed_at, reverse=True)


def find_item(session: Session, unit_code: str, text: str) -> PostalItem | None:
    """The batch item a scanned or typed postal number names, in the unit's batches (None: in none)."""
    item = normalise_item_number(text)
    for batch in recent_batches(session, unit_code, limit=1000):
        if any(i.item_no == item for i in batch.items):
            return PostalItem(batch.batch_id, item)
    return None


def todays_item(
    session: Session, unit_code: str, item_no: str, now: datetime
) -> tuple[PostalBatch, PostalItemState] | None:
    """The batch record of the unit signed today (``now``'s day) that lists ``item_no`` (normalised), with the
    item's state; None when no batch of today lists it (a scan at the reception screen, issue 16)."""
    start = datetime.combine(now.date(), datetime.min.time())
    events = session.scalars(
        select(Event).where(Event.type == _BATCH, Event.occurred_at >= start).order_by(Event.occurred_at.desc())
    )
    for event in events:
        payload = PostalBatchPayload.model_validate(event.payload)
        if payload.unit_code != unit_code or item_no not in payload.items:
            continue
        if local_time(payload.signed_at).date() != now.date():
            continue
        batch = load_batch(session, event.dossier_uid)
        return batch, next(i for i in batch.items if i.item_no == item_no)
    return None


def reception_channel(
    session: Session, channel: str, item: PostalItem | None, now: datetime
) -> tuple[datetime, dict[str, object]]:
    """The legal receipt time of a decision and its channel fields for the payload.

    Direct and online: now. Postal: the signing time of the item's batch (the item must be in a
    batch on this PC and not received yet).

    Raises:
        ValidationError: postal without an item, an item not in its batch, or one decided already.
    """
    if channel not in ("direct", "online", "postal"):
        raise ValidationError(
            {"channel": "Hình thức nộp hồ sơ không hợp lệ; chọn Trực tiếp, Trực tuyến hoặc Bưu chính."}
        )
    if channel != "postal":
        return now, {"channel": channel} if channel != "direct" else {}
    if item is None:
        raise ValidationError(
            {
                "channel": "Hồ sơ qua bưu chính được tiếp nhận theo biên bản giao nhận: mở “Biên bản giao nhận"
                " bưu chính” (Ctrl+Shift+B), chọn bưu gửi rồi bấm “Tiếp nhận bưu gửi này”."
            }
        )
    batch = load_batch(session, item.batch_id)
    state = next((i for i in batch.items if i.item_no == item.item_no), None)
    if state is None:
        raise ValidationError({"channel": f"Bưu gửi {item.item_no} không có trong biên bản {batch.number}."})
    if state.uid is not None:
        what = f"hồ sơ {state.code}" if state.code else state.note.lower()
        raise ValidationError(
            {"channel": f"Bưu gửi {item.item_no} đã được xử lý ({what}). Chọn bưu gửi khác trong biên bản."}
        )
    with building(EventType.RECEIVED):
        postal = PostalPart(batch_id=item.batch_id, item_no=item.item_no)
    return batch.signed_at, {"channel": "postal", "postal": postal}


def batch_record(session: Session, batch_id: str) -> PostalBatchRecord:
    """The printable batch record, with the dossier codes of the items received so far.

    Raises:
        UserFacingError: no such batch on this PC, or the office is unknown.
    """
    batch = load_batch(session, batch_id)
    office = session.get(Office, batch.unit_code)
    if office is None:
        raise UserFacingError(f"Thiếu thông tin đơn vị {batch.unit_code}. Hãy liên hệ bộ phận CNTT.")
    unit_name = office.name.removesuffix(" (DEMO)")
    header = OfficeHeader(office.governing_body, unit_name.upper(), office.place_name)  # as every form's letterhead
    return PostalBatchRecord(
        header=header,
        number=batch.number,
        signed_at=batch.signed_at,
        postal_unit=batch.postal_unit,
        worker_name=batch.worker_name,
        worker_phone=batch.worker_phone,
        receiving_unit=f"Bộ phận tiếp nhận và trả kết quả – {unit_name}",
        officer_name=batch.officer_name,
        rows=tuple(PostalRow(i.item_no, i.code or "", i.note) for i in batch.items),
        note=batch.note,
        demo=office.demo,
    )
