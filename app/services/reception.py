"""Reception use cases: receive a dossier (form 01), request a supplement (02), refuse (03)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.catalog import Catalog, Digitise, DocumentForm, Procedure
from app.domain.codes import MAX_DAILY_SEQUENCE, format_dossier_code
from app.domain.contracts import (
    DocumentPart,
    ProcedurePart,
    Processing,
    ReceivedPayload,
    RefusedPayload,
    SupplementRequestedPayload,
)
from app.domain.durations import DurationUnit
from app.domain.events import EventType, new_id
from app.domain.legal_basis import basis_for
from app.domain.status import DossierStatus
from app.domain.units import UnitError, check_handling, code_unit
from app.errors import UserFacingError, ValidationError
from app.services.applicant import ApplicantDraft, validate_applicant
from app.services.context import Actor
from app.services.drafts import Changes, DocumentCheck, DossierSummary, FeeChoice, ReceptionDraft
from app.services.fees import pay_at_reception, reception_fees
from app.services.postal import reception_channel
from app.services.recorder import building, record
from app.store.models import CodeSequence, Dossier, RegisterSequence
from app.sync.codes import take_number
from app.sync.state import sync_state
from app.text import fold, nfc


def _procedure(catalog: Catalog, code: str) -> Procedure:
    procedure = catalog.get(code)
    if procedure is None:
        raise ValidationError({"procedure": "Chưa chọn thủ tục hành chính, hoặc thủ tục không còn trong danh mục."})
    return procedure


def _handling(catalog: Catalog, procedure: Procedure, office: str, chosen: str, errors: dict[str, str]) -> str:
    """The unit that decides the dossier ("" = this office; app.domain.units), or the reason in ``errors``."""
    try:
        return check_handling(procedure.units, office, nfc(chosen).strip(), catalog.unit_by_code)
    except UnitError as exc:
        errors["handling_unit"] = exc.message
        return ""


def _procedure_payload(p: Procedure, handling_unit: str = "", catalog: Catalog | None = None) -> ProcedurePart:
    """The procedure as received (build inside ``recorder.building``: the catalog may break a bound).

    ``handling_unit``: the unit that decides it when not this office, recorded with its name.
    """
    extra: dict[str, str] = {}
    if handling_unit:
        unit = catalog.unit_by_code.get(handling_unit) if catalog is not None else None
        extra = {"handling_unit": handling_unit, "handling_unit_name": unit.name if unit else ""}
    return ProcedurePart(
        **extra,
        code=p.code,
        name=p.name,
        field=p.field,
        level=p.level,
        department_code=p.department.code,
        department_name=p.department.name,
        processing=Processing(
            value=p.processing.value,
            unit=DurationUnit(p.processing.unit).value,
            cutoff=p.processing.cutoff.strftime("%H:%M") if p.processing.cutoff else None,
        ),
        processing_text=p.processing.text(),
        fee_text=p.fee_text,
        legal_basis=p.legal_basis,
    )


def _validated(draft: ReceptionDraft, procedure: Procedure, today: date) -> tuple[ApplicantDraft, dict[str, str]]:
    applicant = draft.applicant.normalised()
    errors = validate_applicant(applicant, today, procedure.applicants)
    if not 1 <= draft.sets <= 99:
        errors["sets"] = "Số lượng hồ sơ phải từ 1 đến 99 bộ."
    return applicant, errors


AUTHORISATION_DOCUMENT = DocumentCheck(
    "Văn bản ủy quyền cho người nộp thay", DocumentForm.BAN_CHINH.label, 1, required=True, submitted=True
)
"""Added to the checklist of a procedure that lists no authorisation when someone submits on behalf."""


def _is_authorisation(document: DocumentCheck) -> bool:
    return "uy quyen" in fold(document.name)


def _with_authorisation(
    applicant: ApplicantDraft, documents: tuple[DocumentCheck, ...], errors: dict[str, str]
) -> tuple[DocumentCheck, ...]:
    """The documents received, with the authorisation a representative must hand in.

    A procedure whose checklist names an authorisation ("Văn bản ủy quyền …") needs it ticked;
    one that names none gets it added, since the representative hands it over all the same.
    """
    if applicant.representative is None:
        return documents
    listed = [d for d in documents if _is_authorisation(d)]
    if not listed:
        return (*documents, AUTHORISATION_DOCUMENT)
    if not any(d.submitted for d in listed):
        errors.setdefault(
            "documents",
            f"Hồ sơ nộp thay phải có “{listed[0].name}”: hãy đánh dấu đã nhận văn bản ủy quyền,"
            " hoặc lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ.",
        )
    return documents


class _Exempt(TypedDict, total=False):
    digitise: Literal["shown", "classified"]


_EXEMPT: dict[Digitise, _Exempt] = {
    Digitise.SHOWN: {"digitise": "shown"},
    Digitise.CLASSIFIED: {"digitise": "classified"},
}


def _exempt(document: DocumentCheck) -> _Exempt:
    """``digitise`` of a paper exempt from scanning (only shown, classified); absent means it must be scanned,
    so an event of a paper to scan reads as every older event does."""
    return _EXEMPT.get(document.digitise, {})


def _next_number(session: Session, unit_code: str, day: date) -> int:
    """Take the day's next dossier number in the current transaction.

    Standalone PC: a local counter per unit and day. The counter row and the dossier commit
    together, so a crash either keeps both or neither; the max over existing codes guards
    against a counter row restored from an older backup. PC enrolled with a central server: the
    number comes from the blocks the server issued, then from the device's own fallback
    partition (app.sync.codes), so counters of one unit never print the same code.
    """
    state = sync_state(session)
    if state is not None:
        assert state.device_slot is not None
        return take_number(session, unit_code, day, state.device_slot)
    seq = session.get(CodeSequence, (unit_code, day), with_for_update=True)
    if seq is None:
        seq = CodeSequence(unit_code=unit_code, day=day, last=0)
        session.add(seq)
    prefix = format_dossier_code(unit_code, day, 1)[:-4]
    highest = session.scalar(
        select(func.max(Dossier.code)).where(Dossier.code >= prefix + "0000", Dossier.code <= prefix + "9999")
    )
    used = int(highest[-4:]) if highest else 0
    number = max(seq.last, used) + 1
    if number > MAX_DAILY_SEQUENCE:
        raise UserFacingError("Đã dùng hết 9.999 mã hồ sơ của đơn vị trong ngày hôm nay. Hãy liên hệ bộ phận CNTT.")
    seq.last = number
    return number


def _next_register_no(session: Session, unit_code: str, year: int) -> tuple[str, int]:
    """The Sổ theo dõi hồ sơ entry for a receipt: (Quyển số, Số thứ tự), without the network.

    Paper registers run one book per year, numbered from 1. A standalone PC keeps the unit's
    book: "Quyển số 2026". An enrolled PC keeps a book of its own, named by its device slot (given
    by the server at enrolment, unique in the unit) as civil-status registers are: slot 2 →
    "Quyển số 03/2026". Two PCs of one unit therefore never print the same (book, number), even
    offline. The number commits with the dossier. After a restore from an old backup, the sync
    engine moves the counter past the numbers of this PC's own dossiers that come back from the
    server (app.sync.engine), as it does for the event sequence.
    """
    state = sync_state(session)
    book = f"{year}" if state is None or state.device_slot is None else f"{state.device_slot + 1:02d}/{year}"
    reg = session.get(RegisterSequence, (unit_code, year), with_for_update=True)
    if reg is None:
        reg = RegisterSequence(unit_code=unit_code, year=year, last=0)
        session.add(reg)
    reg.last += 1
    return book, reg.last


def receive_dossier(
    session: Session,
    actor: Actor,
    catalog: Catalog,
    calendar: WorkingCalendar,
    draft: ReceptionDraft,
    now: datetime,
    fee_choice: FeeChoice | None = None,
) -> tuple[DossierSummary, Changes]:
    """Receive a complete dossier: legal code, due date and the event, in one transaction.

    Raises:
        ValidationError: a field is wrong or a required document is not ticked.
    """
    procedure = _procedure(catalog, draft.procedure_code)
    applicant, errors = _validated(draft, procedure, now.date())
    handling_unit = _handling(catalog, procedure, actor.unit_code, draft.handling_unit, errors)
    missing = [d.name for d in draft.documents if d.required and not d.submitted]
    if missing:
        errors["documents"] = (
            "Hồ sơ còn thiếu giấy tờ bắt buộc: " + "; ".join(missing) + ". Hãy đánh dấu đã nhận, hoặc lập"
            " Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ."
        )
    if not any(d.submitted for d in draft.documents):
        errors.setdefault("documents", "Chưa đánh dấu giấy tờ nào đã nhận.")
    documents = _with_authorisation(applicant, draft.documents, errors)
    fees = reception_fees(procedure.fees, fee_choice, errors)  # issue 16 (app/services/fees.py)
    if errors:
        raise ValidationError(errors)
    # By post, the legal receipt time is the batch record's signing: due date, code day and register
    # entry run from it (app.services.postal); ``now`` stays the moment the officer recorded it.
    received, how = reception_channel(session, draft.channel, draft.postal_item, now)
    due_at = calendar.due(received, procedure.processing)
    number = _next_number(session, actor.unit_code, received.date())
    code = format_dossier_code(code_unit(actor.unit_code, handling_unit), received.date(), number)
    register_book, register_no = _next_register_no(session, actor.unit_code, received.year)
    uid = new_id()
    with building(EventType.RECEIVED):
        payload = ReceivedPayload(
            code=code,
            unit_code=actor.unit_code,
            counter_name=actor.counter_name,
            procedure=_procedure_payload(procedure, handling_unit, catalog),
            applicant=applicant.as_payload(),
            documents=[
                DocumentPart(name=d.name, form_label=d.form_label, copies=d.copies, required=d.required, **_exempt(d))
                for d in documents
                if d.submitted
            ],
            sets=draft.sets,
            return_method=draft.return_method,
            note=nfc(draft.note),
            received_at=received.isoformat(timespec="seconds"),
            legal_basis=basis_for(received).value,
            due_at=due_at.isoformat(timespec="minutes"),
            **how,  # type: ignore[arg-type]  # channel and postal (app.services.postal.reception_channel)
            register_book=register_book,
            register_no=register_no,
            daily_seq=number,
            **({"fees": fees} if fees is not None else {}),  # type: ignore[arg-type]
        )
    rec, _ = record(session, actor, EventType.RECEIVED, uid, payload, occurred_at=now)
    pay_at_reception(session, actor, uid, fee_choice, now)  # the "before" lines paid there and then
    summary = DossierSummary(
        uid, code, DossierStatus.RECEIVED, applicant.full_name, procedure.name, received, due_at, rec.event_id
    )
    return summary, Changes(frozenset({uid}))


def _not_received(
    session: Session,
    actor: Actor,
    catalog: Catalog,
    draft: ReceptionDraft,
    now: datetime,
    kind: EventType,
    status: DossierStatus,
    items: list[str] | None,
    reason: str,
) -> tuple[DossierSummary, Changes]:
    """Record a supplement request (``items`` given) or a refusal: no code, no due date."""
    procedure = _procedure(catalog, draft.procedure_code)
    applicant, errors = _validated(draft, procedure, now.date())
    if errors:
        raise ValidationError(errors)
    received, how = reception_channel(session, draft.channel, draft.postal_item, now)  # by post: the signing
    uid = new_id()
    payload: SupplementRequestedPayload | RefusedPayload
    with building(kind):
        procedure_part, applicant_part = _procedure_payload(procedure), applicant.as_payload()
        documents = [
            DocumentPart(name=d.name, form_label=d.form_label, copies=d.copies, submitted=d.submitted, **_exempt(d))
            for d in draft.documents
        ]
        received_at = received.isoformat(timespec="seconds")
        if items is not None:
            payload = SupplementRequestedPayload(
                code=None, unit_code=actor.unit_code, counter_name=actor.counter_name, procedure=procedure_part,
                applicant=applicant_part, documents=documents, received_at=received_at, items=items, reason=reason,
                legal_basis=basis_for(received).value, **how,  # type: ignore[arg-type]
            )  # fmt: skip
        else:
            payload = RefusedPayload(
                code=None, unit_code=actor.unit_code, counter_name=actor.counter_name, procedure=procedure_part,
                applicant=applicant_part, documents=documents, received_at=received_at, reason=reason,
                legal_basis=basis_for(received).value, **how,  # type: ignore[arg-type]
            )  # fmt: skip
    rec, _ = record(session, actor, kind, uid, payload, occurred_at=now)
    summary = DossierSummary(uid, None, status, applicant.full_name, procedure.name, received, None, rec.event_id)
    return summary, Changes(frozenset({uid}))


def request_supplement(
    session: Session,
    actor: Actor,
    catalog: Catalog,
    draft: ReceptionDraft,
    items: list[str],
    reason: str,
    now: datetime,
) -> tuple[DossierSummary, Changes]:
    """Record a supplement request (form 02) listing what is missing or faulty and why."""
    clean = [nfc(i) for i in items if nfc(i)]
    errors: dict[str, str] = {}
    if not clean:
        errors["items"] = "Hãy ghi ít nhất một nội dung cần bổ sung, hoàn thiện."
    if not nfc(reason):
        errors["reason"] = "Hãy ghi lý do yêu cầu bổ sung."
    if errors:
        raise ValidationError(errors)
    kind, status = EventType.SUPPLEMENT_REQUESTED, DossierStatus.SUPPLEMENT_REQUESTED
    return _not_received(session, actor, catalog, draft, now, kind, status, clean, nfc(reason))


def refuse(
    session: Session,
    actor: Actor,
    catalog: Catalog,
    draft: ReceptionDraft,
    reason: str,
    now: datetime,
) -> tuple[DossierSummary, Changes]:
    """Record a refusal to receive (form 03) with its reason."""
    if not nfc(reason):
        raise ValidationError({"reason": "Hãy ghi rõ lý do từ chối tiếp nhận hồ sơ."})
    kind, status = EventType.REFUSED, DossierStatus.REFUSED
    return _not_received(session, actor, catalog, draft, now, kind, status, None, nfc(reason))
