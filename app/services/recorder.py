"""Writes one event with its outbox row and applies it, in the caller's transaction.

Every payload is a contract model (app.domain.contracts): the services build it inside
:func:`building`, which turns a payload the contract refuses into a Vietnamese
:class:`UserFacingError` naming the field, and :func:`record` stores its dump. A service cannot
write an untyped payload: the model's type must be the contract of the event type.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pydantic
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.contracts import Contract, contract_for, describe, dump_payload
from app.domain.events import EventType, new_id, next_hlc
from app.errors import UserFacingError
from app.services.context import Actor
from app.store.models import Device, Dossier, Event, Outbox, SyncState
from app.store.projection import apply_event
from app.sync.boot import STATE_ID
from app.sync.wire import MAX_CLOCK_OFFSET_S

log = logging.getLogger(__name__)


def pc_clock_ms() -> int:
    """This PC's clock in milliseconds since the epoch: the wall part of the event's HLC."""
    return int(time.time() * 1000)


wall_clock: Callable[[], int] = pc_clock_ms
"""The clock :func:`record` reads (tests set it to play a PC whose clock is wrong)."""


# What a person reads for a payload key (the keys a counter officer types into); others are named
# by their key, and only a bug can break them.
_FIELD_LABELS = {
    "applicant.full_name": "Họ tên người nộp hồ sơ",
    "applicant.personal_id": "Số định danh cá nhân",
    "applicant.birth_date": "Ngày sinh",
    "applicant.sex": "Giới tính",
    "applicant.address": "Địa chỉ",
    "applicant.phone": "Số điện thoại",
    "applicant.email": "Thư điện tử",
    "documents": "Thành phần hồ sơ",
    "documents.name": "Tên giấy tờ",
    "documents.form_label": "Mẫu đơn, tờ khai",
    "documents.copies": "Số bản",
    "sets": "Số lượng hồ sơ",
    "return_method": "Hình thức trả kết quả",
    "note": "Ghi chú",
    "reason": "Lý do",
    "items": "Nội dung cần bổ sung",
    "result": "Kết quả giải quyết",
    "collector.full_name": "Họ tên người nhận kết quả",
    "collector.personal_id": "Số định danh người nhận kết quả",
    "collector.authorisation_ref": "Số, ngày giấy ủy quyền",
    "name": "Tên tài liệu",
    "source": "Nguồn tài liệu",
    "output": "Nơi lưu bản in",
    "counter_name": "Tên quầy",
    "from.name": "Nơi giao",
    "to.name": "Nơi nhận",
}


# A part built on its own (``ApplicantPart(...)`` before the payload that holds it) reports its
# fields without the key it sits under: its model's name says which.
_PART_KEYS = {
    "ApplicantPart": "applicant",
    "ProcedurePart": "procedure",
    "Processing": "procedure.processing",
    "DocumentPart": "documents",
    "CollectorPart": "collector",
}


def refused_payload_message(kind: EventType | str, exc: pydantic.ValidationError) -> str:
    """What a counter officer reads when the payload of ``kind`` breaks its contract."""
    where, _, why = describe(exc, _PART_KEYS.get(exc.title, "")).partition(": ")
    key = ".".join(part for part in where.split(".") if not part.isdigit())
    field = _FIELD_LABELS.get(key) or ("Thông tin thủ tục" if key.startswith("procedure") else f"dữ liệu “{key}”")
    try:
        action = EventType(kind).label
    except ValueError:
        action = str(kind)
    return (
        f"Chưa ghi được “{action}”: mục “{field}” {why}. Chưa có gì được ghi; hãy sửa mục này rồi thử lại."
        " Nếu vẫn báo lỗi, hãy báo bộ phận CNTT."
    )


@contextmanager
def building(kind: EventType) -> Iterator[None]:
    """Build the payload model of ``kind`` inside this block.

    Raises:
        UserFacingError: the payload breaks its contract (input the form checks let through, or a
            bug): the message names the field and says what to do. Raised before :func:`record`
            writes anything; the caller's transaction rolls back whatever it wrote before.
    """
    try:
        yield
    except pydantic.ValidationError as exc:
        log.warning("%s payload refused by its contract: %s", kind, describe(exc, "payload"))
        raise UserFacingError(refused_payload_message(kind, exc)) from None


def typed_payload(kind: EventType, payload: Contract | Mapping[str, Any]) -> Contract:
    """``payload`` as the contract model of ``kind``: a model is checked to be of that contract,
    a mapping (callers outside the services: print logs in ui/, tests) is validated against it.

    Raises:
        UserFacingError: the mapping breaks the contract, or the model is of another event type.
    """
    model_type = contract_for(kind)
    if isinstance(payload, Contract):
        if type(payload) is not model_type:
            log.error("%s recorded with a %s payload", kind, type(payload).__name__)
            raise UserFacingError(
                f"Chưa ghi được “{kind.label}”: lỗi chương trình (dữ liệu không đúng loại thao tác). Chưa có gì"
                " được ghi. Hãy báo bộ phận CNTT."
            )
        return payload
    with building(kind):
        return model_type.model_validate(payload)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What ``record`` wrote."""

    event_id: str
    device_seq: int
    dossier_uid: str


def record(
    session: Session,
    actor: Actor,
    kind: EventType,
    dossier_uid: str,
    payload: Contract | Mapping[str, Any],
    *,
    occurred_at: datetime,
    base_version: int = 0,
) -> tuple[Recorded, Dossier | None]:
    """Append an event (gap-free device sequence, HLC), queue it for sync, update the state.

    The HLC is past every event this PC made or pulled (app.sync.engine moves ``last_hlc`` past
    pulled ones). An enrolled PC also writes how far its clock was from the server's at the last
    contact (``clock_offset_seconds``), so a wrong PC clock is on record with the events it made.

    ``payload`` is the contract model of ``kind`` (see :func:`typed_payload`); its dump is stored.

    Must run inside a transaction: the event, the outbox row, the dossier state and any number
    taken from a sequence commit together or not at all.

    Raises:
        UserFacingError: the payload is not a valid payload of ``kind``; nothing is written.
    """
    model = typed_payload(kind, payload)
    device = session.scalars(select(Device).where(Device.id == actor.device_id).with_for_update()).one()
    device.last_seq += 1
    device.last_hlc = next_hlc(device.last_hlc, wall_clock(), device.id)
    sync = session.get(SyncState, STATE_ID)
    offset: int | None = None
    if sync is not None and sync.enrolled and sync.last_server_time is not None:
        offset = max(-MAX_CLOCK_OFFSET_S, min(MAX_CLOCK_OFFSET_S, round(sync.clock_offset_s)))
    event = Event(
        id=new_id(),
        device_id=device.id,
        device_seq=device.last_seq,
        type=str(kind),
        dossier_uid=dossier_uid,
        base_version=base_version,
        officer_id=actor.officer_id,
        officer_name=actor.full_name,
        occurred_at=occurred_at,
        hlc=device.last_hlc,
        payload=dump_payload(model),
        clock_offset_seconds=offset,
    )
    session.add(event)
    session.add(Outbox(event_id=event.id, device_seq=event.device_seq))
    dossier = apply_event(session, event, payload=model)
    session.flush()
    return Recorded(event.id, event.device_seq, dossier_uid), dossier
