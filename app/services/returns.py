"""Results and return: record the department's result (status 9), hand it to the citizen (status 10)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.contracts import CollectorPart, ResultRecordedPayload, ReturnedPayload
from app.domain.custody import PlaceKind
from app.domain.events import EventType
from app.domain.postal import item_number_problem, normalise_item_number
from app.domain.status import DossierStatus, IllegalTransitionError, Step, check_step, check_transition
from app.errors import UserFacingError, ValidationError
from app.services.context import Actor
from app.services.drafts import Changes
from app.services.fees import check_fees_for_return
from app.services.handover import custody_of
from app.services.recorder import building, record
from app.store.models import Dossier
from app.text import nfc

_ID = re.compile(r"\d{12}|\d{9}")  # 12-digit personal ID, or the old 9-digit ID card


class Collector(StrEnum):
    """Who collects the result."""

    APPLICANT = "applicant"
    REPRESENTATIVE = "representative"  # authorised in writing (giấy ủy quyền)

    @property
    def label(self) -> str:
        return {"applicant": "Người nộp hồ sơ", "representative": "Người được ủy quyền"}[self]


@dataclass(frozen=True, slots=True)
class CollectorDraft:
    """The person in front of the counter, as typed or scanned from the ID card.

    ``full_name`` and ``authorisation_ref`` are required for a representative only.
    """

    kind: Collector
    personal_id: str
    full_name: str = ""
    authorisation_ref: str = ""


@dataclass(frozen=True, slots=True)
class PostalReturnDraft:
    """The result and originals sent by post (issue 16): the item's tracking number (S10) and where to.

    ``recipient`` defaults to the applicant.
    """

    tracking_no: str
    address: str
    recipient: str = ""


ReturnDraft = CollectorDraft | PostalReturnDraft
"""Handed over at the counter, or sent by post."""


def _check_postal(d: Dossier, how: PostalReturnDraft) -> dict[str, str]:
    """The payload fields of a return by post, or the errors (one per field)."""
    errors: dict[str, str] = {}
    problem = item_number_problem(how.tracking_no)
    if problem:
        errors["tracking_no"] = problem
    address = nfc(how.address)
    if not address:
        errors["address"] = "Hãy nhập địa chỉ gửi kết quả (ghi trên phiếu gửi bưu chính)."
    elif len(address) > 1000:
        errors["address"] = "Địa chỉ dài quá 1.000 ký tự."
    if errors:
        raise ValidationError(errors)
    return {"tracking_no": normalise_item_number(how.tracking_no), "address": address,
            "recipient": (nfc(how.recipient) or d.applicant_name)[:200]}  # fmt: skip


@dataclass(frozen=True, slots=True)
class StepDone:
    """What a processing step recorded."""

    uid: str
    code: str | None
    status: DossierStatus
    due_at: datetime | None
    event_id: str
    message: str


def load_dossier(session: Session, uid: str) -> Dossier:
    """The dossier row for a write in this transaction.

    Raises:
        UserFacingError: unknown dossier.
    """
    d = session.scalars(select(Dossier).where(Dossier.uid == uid)).first()
    if d is None:
        raise UserFacingError("Không tìm thấy hồ sơ trên máy này. Tìm lại theo mã hồ sơ.")
    return d


def move(d: Dossier, new: DossierStatus) -> None:
    """Raise the status machine's Vietnamese message when ``d`` cannot move to ``new``."""
    try:
        check_transition(DossierStatus(d.status), new)
    except IllegalTransitionError as exc:
        raise UserFacingError(f"Hồ sơ {d.code or ''}: {exc.message}") from None


def record_result(
    session: Session, actor: Actor, uid: str, result: str, now: datetime, note: str = ""
) -> tuple[StepDone, Changes]:
    """Record the result the department sent back (status 9, "Đã xử lý xong").

    Args:
        result: What the result is (e.g. "Giấy khai sinh bản chính số 123").

    Raises:
        ValidationError: no result described.
        UserFacingError: the dossier cannot move to "Đã xử lý xong" from its status.
    """
    text = nfc(result).strip()
    if not text:
        raise ValidationError({"result": "Hãy ghi kết quả giải quyết (ví dụ: tên giấy tờ, số văn bản)."})
    d = load_dossier(session, uid)
    check_step(Step.RESULT, d.status, d.code or "")
    move(d, DossierStatus.RESULT_READY)
    with building(EventType.RESULT_RECORDED):
        payload = ResultRecordedPayload(unit_code=d.unit_code, result=text[:2000], note=nfc(note).strip()[:2000],
                                        recorded_at=now.isoformat(timespec="seconds"))  # fmt: skip
    rec, _ = record(session, actor, EventType.RESULT_RECORDED, uid, payload, occurred_at=now, base_version=d.version)
    on_time = d.due_at is None or now <= d.due_at
    message = f"Đã ghi nhận kết quả hồ sơ {d.code}" + ("." if on_time else " (quá hạn hẹn trả).")
    return StepDone(uid, d.code, DossierStatus.RESULT_READY, d.due_at, rec.event_id, message), Changes(frozenset({uid}))


def _check_collector(d: Dossier, who: CollectorDraft) -> CollectorPart:
    pid = re.sub(r"\s", "", who.personal_id or "")
    errors: dict[str, str] = {}
    if not _ID.fullmatch(pid):
        errors["personal_id"] = (
            "Số định danh cá nhân phải gồm 12 chữ số (hoặc số CMND cũ 9 chữ số). Nhập hoặc quét lại."
        )
    name, ref = nfc(who.full_name).strip(), nfc(who.authorisation_ref).strip()
    if who.kind is Collector.APPLICANT:
        if not errors and d.personal_id and pid != d.personal_id:
            errors["personal_id"] = (
                f"Số định danh {pid} không khớp với người nộp hồ sơ. Nếu là người được ủy quyền, chọn “Người được"
                " ủy quyền” và nhập giấy ủy quyền."
            )
        name = name or d.applicant_name
    else:
        if not name:
            errors["full_name"] = "Hãy nhập họ tên người được ủy quyền."
        if not ref:
            errors["authorisation_ref"] = "Hãy nhập số, ngày của giấy ủy quyền (hoặc văn bản ủy quyền)."
    if errors:
        raise ValidationError(errors)
    with building(EventType.RETURNED):
        kind: Literal["applicant", "representative"] = (
            "applicant" if who.kind is Collector.APPLICANT else "representative"
        )
        return CollectorPart(kind=kind, personal_id=pid, full_name=name[:200], authorisation_ref=ref[:300])


def _checked_return(
    session: Session, actor: Actor, uid: str, who: ReturnDraft, now: datetime
) -> tuple[Dossier, CollectorPart | dict[str, str]]:
    """The dossier and the collector when the result may be handed over now; else the errors."""
    d = load_dossier(session, uid)
    check_step(Step.RETURN, d.status, d.code or "")
    custody = custody_of(session, uid)
    assert custody is not None
    if custody.in_transit or custody.place.kind is not PlaceKind.COUNTER or custody.place.code != actor.unit_code:
        where = "đang được chuyển" if custody.in_transit else f"đang ở {custody.place.name or custody.place.code}"
        raise UserFacingError(
            f"Hồ sơ giấy {d.code} {where}, chưa về Bộ phận Một cửa. Xác nhận phiếu bàn giao kết quả trước khi trả."
        )
    if now < custody.since:
        # The custody fold orders events by time: a return dated before the folder came back would
        # leave it "at the counter" with status 10. Only a PC clock set back can do this.
        raise UserFacingError(
            f"Giờ trên máy ({now:%H:%M %d/%m/%Y}) sớm hơn lúc hồ sơ giấy về quầy ({custody.since:%H:%M %d/%m/%Y})."
            " Hãy kiểm tra đồng hồ của máy tính rồi thử lại."
        )
    collector = _check_collector(d, who) if isinstance(who, CollectorDraft) else _check_postal(d, who)
    _check_fees(session, d)
    return d, collector


def _check_fees(session: Session, d: Dossier) -> None:
    """No result handed over while a fee is owed (issue 16; exempt lines owe nothing)."""
    check_fees_for_return(session, d)


def check_return(session: Session, actor: Actor, uid: str, who: ReturnDraft, now: datetime) -> None:
    """Everything :func:`return_to_citizen` checks, without writing: run it before asking the
    officer to confirm the hand-over, which cannot be undone.

    Raises:
        ValidationError: ID or representative's details wrong or missing (one message per field).
        UserFacingError: no result recorded yet, or the folder is not at this counter.
    """
    _checked_return(session, actor, uid, who, now)


def return_to_citizen(
    session: Session, actor: Actor, uid: str, who: ReturnDraft, now: datetime
) -> tuple[StepDone, Changes]:
    """Hand the result to the applicant or an authorised representative (status 10), or send it by
    post (a :class:`PostalReturnDraft`: the tracking number, checked as S10, and the address).

    The ID number is checked against the dossier's applicant; a representative needs name, ID
    number and the authorisation paper's reference. The paper must be at this counter (its
    handover back from the department confirmed).

    Raises:
        ValidationError: ID or representative's details wrong or missing (one message per field).
        UserFacingError: no result recorded yet, or the folder is not at this counter.
    """
    d, collector = _checked_return(session, actor, uid, who, now)
    with building(EventType.RETURNED):
        returned_at = now.isoformat(timespec="seconds")
        if isinstance(collector, CollectorPart):
            payload = ReturnedPayload(unit_code=d.unit_code, collector=collector, returned_at=returned_at,
                                      counter_name=actor.counter_name, code=d.code)  # fmt: skip
        else:  # by post
            payload = ReturnedPayload(unit_code=d.unit_code, returned_at=returned_at, counter_name=actor.counter_name,
                                      code=d.code, method="postal", tracking_no=collector["tracking_no"],
                                      address=collector["address"], recipient=collector["recipient"])  # fmt: skip
    rec, _ = record(session, actor, EventType.RETURNED, uid, payload, occurred_at=now, base_version=d.version)
    if isinstance(collector, CollectorPart):
        message = f"Đã trả kết quả hồ sơ {d.code} cho {collector.full_name}."
    else:
        message = f"Đã gửi kết quả hồ sơ {d.code} qua bưu chính, số hiệu bưu gửi {collector['tracking_no']}."
    return StepDone(uid, d.code, DossierStatus.RETURNED, d.due_at, rec.event_id, message), Changes(frozenset({uid}))
