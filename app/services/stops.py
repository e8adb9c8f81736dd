"""The citizen's request to stop or withdraw a received dossier (issue 16; DOMAIN.md §7, §9).

The counter checks the status (no decision yet: :data:`app.domain.status.STOP_STATUSES`), records
the request as ``dossier.stopped`` (status 8, "Dừng xử lý") or ``dossier.withdrawn`` (status 7,
"Công dân yêu cầu rút hồ sơ") and prints form 05, "Thông báo dừng giải quyết hồ sơ", from the
event. The indicators count the request's moment as the dossier's end (app.domain.indicators).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.contracts import StoppedPayload, WithdrawnPayload
from app.domain.events import EventType
from app.domain.legal_basis import Form, LegalBasis, basis_of
from app.domain.legal_basis import form_number as basis_form_number
from app.domain.status import DossierStatus, Step, check_step
from app.errors import UserFacingError, ValidationError
from app.printing.data import OfficeHeader, StopNotice
from app.services.context import Actor
from app.services.drafts import Changes
from app.services.forms import printed_applicant
from app.services.recorder import building, record
from app.services.returns import StepDone, load_dossier, move
from app.store.models import Dossier, Event, Office, Setting
from app.text import nfc

STOP_NOTICE_NUMBER_KEY = "stop_notice"
"""Key of form 05's number in the office setting "form_numbers" (configuration, DOMAIN.md §3)."""
DEFAULT_STOP_NOTICE_NUMBER = "Mẫu số 05"  # Circular 03/2025/TT-VPCP; Circular 01/2018 had no such form


class StopKind(StrEnum):
    """What the citizen asks for."""

    STOP = "stop"  # stop processing: status 8
    WITHDRAW = "withdraw"  # take the dossier back: status 7

    @property
    def label(self) -> str:
        return {"stop": "Dừng giải quyết hồ sơ", "withdraw": "Rút hồ sơ"}[self.value]

    @property
    def step(self) -> Step:
        return Step.STOP if self is StopKind.STOP else Step.WITHDRAW

    @property
    def event(self) -> EventType:
        return EventType.STOPPED if self is StopKind.STOP else EventType.WITHDRAWN

    @property
    def status(self) -> DossierStatus:
        return DossierStatus.STOPPED if self is StopKind.STOP else DossierStatus.WITHDRAWN


@dataclass(frozen=True, slots=True)
class StopRequest:
    """What the officer typed: the kind, who asked, why, and the written request if any."""

    kind: StopKind
    requester_name: str
    reason: str
    request_ref: str = ""


STOP_EVENTS = (EventType.STOPPED, EventType.WITHDRAWN)


def _checked(session: Session, uid: str, request: StopRequest) -> tuple[Dossier, StopRequest]:
    """The dossier and the cleaned request when it may be recorded; else the reasons."""
    errors: dict[str, str] = {}
    name, reason, ref = (nfc(x).strip() for x in (request.requester_name, request.reason, request.request_ref))
    if not name:
        errors["requester_name"] = "Hãy ghi họ tên người đề nghị (người nộp hồ sơ hoặc người được ủy quyền)."
    elif len(name) > 200:
        errors["requester_name"] = "Họ tên người đề nghị dài quá 200 ký tự; hãy rút gọn."
    if not reason:
        errors["reason"] = "Hãy ghi lý do công dân đề nghị dừng giải quyết hoặc rút hồ sơ."
    elif len(reason) > 2000:
        errors["reason"] = "Lý do dài quá 2000 ký tự; hãy rút gọn."
    if len(ref) > 300:
        errors["request_ref"] = "Số, ngày đơn đề nghị dài quá 300 ký tự; hãy rút gọn."
    d = load_dossier(session, uid)
    if d.code is None:
        raise UserFacingError("Hồ sơ chưa được tiếp nhận (chưa có mã hồ sơ): không có gì để dừng giải quyết.")
    check_step(request.kind.step, d.status, d.code)
    move(d, request.kind.status)
    if errors:
        raise ValidationError(errors)
    return d, StopRequest(request.kind, name, reason, ref)


def check_stop(session: Session, uid: str, request: StopRequest) -> None:
    """Everything :func:`record_stop` checks, without writing (before the officer confirms).

    Raises:
        ValidationError: no requester or reason, or one too long.
        UserFacingError: not received, or a decision exists already (the status says which).
    """
    _checked(session, uid, request)


def record_stop(
    session: Session, actor: Actor, uid: str, request: StopRequest, now: datetime
) -> tuple[StepDone, Changes]:
    """Record the citizen's request: the dossier ends in status 8 (stop) or 7 (withdrawal).

    Raises:
        ValidationError: no requester or reason, or one too long.
        UserFacingError: not received, or a decision exists already (the status says which).
    """
    d, clean = _checked(session, uid, request)
    before = DossierStatus(d.status)
    model = StoppedPayload if clean.kind is StopKind.STOP else WithdrawnPayload
    with building(clean.kind.event):
        payload = model(
            unit_code=d.unit_code,
            code=d.code,
            reason=clean.reason,
            requester_name=clean.requester_name,
            request_ref=clean.request_ref,
            requested_at=now.isoformat(timespec="seconds"),
            status_before=int(before),
        )
    rec, _ = record(session, actor, clean.kind.event, uid, payload, occurred_at=now, base_version=d.version)
    what = "dừng giải quyết" if clean.kind is StopKind.STOP else "rút"
    message = f"Đã ghi đề nghị {what} hồ sơ {d.code}. In Thông báo dừng giải quyết hồ sơ (Mẫu 05) giao công dân."
    return StepDone(uid, d.code, clean.kind.status, d.due_at, rec.event_id, message), Changes(frozenset({uid}))


def stop_event(session: Session, uid: str) -> Event | None:
    """The stop or withdrawal recorded for dossier ``uid`` (the first one), if any."""
    return session.scalars(
        select(Event)
        .where(Event.dossier_uid == uid, Event.type.in_([str(k) for k in STOP_EVENTS]))
        .order_by(Event.occurred_at, Event.hlc)
        .limit(1)
    ).first()


def stop_notice_number(session: Session, basis: LegalBasis = LegalBasis.L2025) -> str:
    """Form 05's printed number on a dossier of ``basis``: the office's "form_numbers" override, else
    "Mẫu số 05" (a 2018-basis dossier: app.domain.legal_basis.form_spec, app/printing/stop_notice.py)."""
    row = session.get(Setting, "form_numbers")
    return basis_form_number(Form.STOP_NOTICE, basis, row.value if row is not None else None)


def build_stop_notice(session: Session, uid: str) -> StopNotice:
    """Form 05 from the dossier's stop or withdrawal event (a reprint reads the same event).

    Raises:
        UserFacingError: unknown dossier, no stop recorded, or the office is unknown here.
    """
    d = load_dossier(session, uid)
    e = stop_event(session, uid)
    if e is None:
        raise UserFacingError(f"Hồ sơ {d.code} chưa có đề nghị dừng giải quyết hoặc rút hồ sơ.")
    office = session.get(Office, d.unit_code)
    if office is None:
        raise UserFacingError(f"Thiếu thông tin đơn vị {d.unit_code}. Hãy liên hệ bộ phận CNTT.")
    p = e.payload
    unit_name = office.name.removesuffix(" (DEMO)")  # the demo mark is printed separately
    try:
        status_label = DossierStatus(int(p.get("status_before", 0))).label
    except ValueError:
        status_label = "Đang xử lý"
    applicant = d.data.get("applicant") if isinstance(d.data, dict) else None
    return StopNotice(
        header=OfficeHeader(office.governing_body, unit_name.upper(), office.place_name),
        form_number=stop_notice_number(session, basis_of(d.legal_basis, d.received_at)),
        dossier_code=d.code or "",
        receiving_unit=unit_name,
        applicant=printed_applicant(applicant if isinstance(applicant, dict) else {"full_name": d.applicant_name}),
        procedure_name=d.procedure_name,
        received_at=d.received_at,
        withdrawn=e.type == EventType.WITHDRAWN,
        requester_name=str(p.get("requester_name", "")),
        request_ref=str(p.get("request_ref", "")),
        requested_at=datetime.fromisoformat(str(p.get("requested_at") or e.occurred_at.isoformat())),
        status_label=status_label,
        reason=str(p.get("reason", "")),
        officer_name=e.officer_name,
        issued_at=e.occurred_at,
        demo=office.demo,
    )
