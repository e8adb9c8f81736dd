"""Printable data of the custody forms, built from the stored events: label, handover record,
form 04 (apology), form 05/06 (process control slip), return receipt; and recording a label print.

Form 05 rules (each block = one handover: the send, and its receipt when confirmed):

* counter → department: the counter's step, judged at the handover against the transfer
  deadline (same working day by closing time; received after 15:00 → the next working day's
  closing; :func:`app.domain.custody.transfer_deadline`);
* department → counter, department → department: the processing step, judged against the due
  date in force (after a supplement restart or an apology);
* the last block is the return to the citizen, judged against the due date;
* early = finished on a day before the deadline's day, on time = up to the deadline, late =
  after it (:func:`app.domain.custody.judge`). A folder reported missing at the receiving side
  keeps its block with the note "Thiếu khi nhận bàn giao" and no receiver.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.agency import OfficeFacts, handling_agency
from app.domain.calendar import WorkingCalendar
from app.domain.custody import Discrepancy, PlaceKind, StepVerdict, judge, transfer_deadline
from app.domain.events import EventType
from app.domain.legal_basis import LegalBasis, basis_of
from app.errors import UserFacingError
from app.printing.custody_forms_config import CustodyForm, custody_form_number, custody_form_title
from app.printing.data import (
    ApologySlip,
    Applicant,
    ControlSlip,
    ControlStep,
    HandoverRecord,
    HandoverRow,
    LabelData,
    OfficeHeader,
    ReturnReceipt,
    SupplementSlip,
    Timeliness,
)
from app.services.context import Actor
from app.services.forms import CustodyDocument, printed_before, record_print
from app.store.models import Department, Dossier, Event, HandoverBatch, HandoverItem, Office, Setting


def _office(session: Session, unit_code: str) -> tuple[OfficeHeader, Office]:
    office = session.get(Office, unit_code)
    if office is None:
        raise UserFacingError(f"Thiếu thông tin đơn vị {unit_code}. Hãy liên hệ bộ phận CNTT.")
    unit_name = office.name.removesuffix(" (DEMO)")
    return OfficeHeader(office.governing_body, unit_name.upper(), office.place_name), office


def _number(session: Session, kind: CustodyForm, basis: LegalBasis = LegalBasis.L2025) -> str:
    row = session.get(Setting, "form_numbers")
    return custody_form_number(kind, row.value if row is not None and isinstance(row.value, dict) else None, basis)


def _basis(d: Dossier) -> LegalBasis:
    """The dossier's own form set (app.domain.legal_basis): every print and reprint uses it."""
    return basis_of(d.legal_basis, d.received_at)


def _dossier(session: Session, uid: str) -> Dossier:
    d = session.scalars(select(Dossier).where(Dossier.uid == uid)).first()
    if d is None:
        raise UserFacingError("Không tìm thấy hồ sơ trên máy này. Tìm lại theo mã hồ sơ.")
    return d


def _events(session: Session, uid: str, *kinds: EventType) -> list[Event]:
    return list(
        session.scalars(
            select(Event)
            .where(Event.dossier_uid == uid, Event.type.in_([str(k) for k in kinds]))
            .order_by(Event.occurred_at, Event.hlc)
        )
    )


def _timeliness(verdict: StepVerdict) -> Timeliness:
    return Timeliness(verdict.value)


# --- label ----------------------------------------------------------------------------------------


def build_label(session: Session, uid: str) -> LabelData:
    """The label of a dossier's paper folder (the renderer shortens long names to fit)."""
    d = _dossier(session, uid)
    if not d.code:
        raise UserFacingError("Hồ sơ chưa được tiếp nhận nên chưa có mã để in nhãn.")
    _, office = _office(session, d.unit_code)
    return LabelData(d.code, d.applicant_name, d.procedure_name, d.due_at, office.name.removesuffix(" (DEMO)"))


def record_label_print(
    session: Session, actor: Actor, uid: str, output: str, now: datetime, reprint: bool | None = None
) -> bool:
    """Record a label print (``form.printed`` with form "label", through
    :func:`app.services.forms.record_print`); returns whether it was a reprint.

    ``reprint`` None: a reprint when a label of this dossier was printed before.
    """
    if reprint is None:
        reprint = printed_before(session, uid, CustodyDocument.LABEL)
    record_print(session, actor, uid, CustodyDocument.LABEL, output, reprint, now)
    return reprint


# --- handover record --------------------------------------------------------------------------------


def build_handover_record(session: Session, batch_id: str) -> HandoverRecord:
    """The biên bản bàn giao of a sent batch, folders in the order they were scanned."""
    b = session.get(HandoverBatch, batch_id)
    if b is None or b.sent_at is None:
        raise UserFacingError("Không tìm thấy phiếu bàn giao đã gửi. Gửi phiếu bàn giao trước khi in biên bản.")
    rows = session.execute(
        select(HandoverItem.code, Dossier.applicant_name, Dossier.procedure_name, Dossier.due_at, HandoverItem.state)
        .join(Dossier, Dossier.uid == HandoverItem.dossier_uid)
        .outerjoin(Event, Event.id == HandoverItem.sent_event_id)
        .where(HandoverItem.batch_id == batch_id, HandoverItem.sent_event_id != "")
        .order_by(Event.device_seq)
    ).all()
    unit_code = b.from_code if b.from_kind == PlaceKind.COUNTER else b.to_code
    if b.from_kind != PlaceKind.COUNTER and b.to_kind != PlaceKind.COUNTER:
        unit_code = session.scalars(select(Office.unit_code).limit(1)).one()
    header, office = _office(session, unit_code)
    source = b.from_name + (f" - {b.counter_name}" if b.from_kind == PlaceKind.COUNTER and b.counter_name else "")
    notes = {"missing": "Thiếu khi nhận", "received": "", "sent": ""}
    return HandoverRecord(
        header=header,
        batch_id=b.id,
        from_unit=source,
        to_unit=b.to_name,
        handed_at=b.sent_at,
        giver_name=b.created_by,
        receiver_name=b.confirmed_by,
        rows=tuple(
            HandoverRow(r.code, r.applicant_name, r.procedure_name, r.due_at, notes.get(r.state, "")) for r in rows
        ),
        note=b.note,
        demo=office.demo,
    )


# --- form 04 -------------------------------------------------------------------------------------------


def build_apology_slip(
    session: Session, uid: str, signer_title: str = "THỦ TRƯỞNG CƠ QUAN", signer_name: str = ""
) -> ApologySlip:
    """Form 04 from the dossier's apology event (the one that moved the due date).

    Issued and signed by the handling agency: its header and its name are the agency's
    (:func:`app.domain.agency.handling_agency`), not the one-stop centre's.
    """
    d = _dossier(session, uid)
    extensions = _events(session, uid, EventType.DUE_EXTENDED)
    if not extensions:
        raise UserFacingError(f"Hồ sơ {d.code} chưa có phiếu xin lỗi và hẹn lại ngày trả kết quả.")
    p = extensions[0].payload
    _, office = _office(session, d.unit_code)
    # The agency as this office knows it (departments synced from the server), else the catalog's label.
    dep = session.get(Department, d.department_code) if d.department_code else None
    agency = handling_agency(
        dep.name if dep is not None else d.department_name,
        dep.level if dep is not None else "",
        OfficeFacts(office.name, office.governing_body, office.place_name),
    )
    a = d.data.get("applicant", {}) if isinstance(d.data, dict) else {}
    applicant = Applicant(d.applicant_name, d.personal_id, d.address, d.phone, str(a.get("email", "")))
    return ApologySlip(
        header=OfficeHeader(agency.governing_body.upper(), agency.name.upper(), office.place_name),
        form_number=_number(session, CustodyForm.APOLOGY, _basis(d)),
        dossier_code=d.code or "",
        applicant=applicant,
        procedure_name=d.procedure_name,
        received_at=d.received_at,
        original_due_at=datetime.fromisoformat(p["old_due_at"]),
        reason=str(p.get("reason", "")),
        new_due_at=datetime.fromisoformat(p["new_due_at"]),
        agency_name=agency.name,
        signer_title=signer_title,
        signer_name=signer_name,
        issued_at=extensions[0].occurred_at,
        demo=office.demo,
        title=custody_form_title(CustodyForm.APOLOGY, _basis(d)),
    )


# --- form 05 ---------------------------------------------------------------------------------------------


def build_control_slip(session: Session, calendar: WorkingCalendar, uid: str) -> ControlSlip:
    """Form 05/06 with one block per handover, judged by the rules in this module's docstring."""
    d = _dossier(session, uid)
    if not d.code:
        raise UserFacingError("Hồ sơ chưa được tiếp nhận nên không có phiếu kiểm soát quá trình giải quyết.")
    header, office = _office(session, d.unit_code)
    events = _events(
        session, uid, EventType.HANDOVER_SENT, EventType.HANDOVER_RECEIVED, EventType.HANDOVER_DISCREPANCY,
        EventType.RETURNED,
    )  # fmt: skip
    done = {
        str(e.payload.get("parent_event_id", "")): e for e in events if e.type != EventType.HANDOVER_SENT
    }  # the receipt (or missing report) of each send, by the send's id
    steps = []
    for e in events:
        p = e.payload
        if e.type == EventType.HANDOVER_SENT:
            steps.append(_handover_step(calendar, d, e, done.get(e.id)))
        elif e.type == EventType.HANDOVER_DISCREPANCY and p.get("discrepancy") == Discrepancy.UNEXPECTED:
            steps.append(ControlStep(p["from"]["name"], p["to"]["name"], e.occurred_at, None,
                                     "Nhận ngoài phiếu bàn giao", "", e.officer_name))  # fmt: skip
        elif e.type == EventType.RETURNED:
            who = p.get("collector") or {"full_name": p.get("recipient", "")}  # none when sent by post
            by_post = f" (qua bưu chính, số hiệu {p.get('tracking_no', '')})" if p.get("method") == "postal" else ""
            steps.append(
                ControlStep(
                    office.name.removesuffix(" (DEMO)"),
                    f"Công dân: {who.get('full_name', '')}{by_post}",
                    e.occurred_at,
                    _timeliness(judge(e.occurred_at, d.due_at)),
                    "Trả kết quả",
                    e.officer_name,
                    str(who.get("full_name", "")),
                )
            )
    return ControlSlip(
        header=header,
        form_number=_number(session, CustodyForm.CONTROL, _basis(d)),
        dossier_code=d.code,
        owner_name=d.applicant_name,
        procedure_name=d.procedure_name,
        received_at=d.received_at,
        due_at=d.due_at or d.received_at,
        handling_agency=d.department_name,
        cooperating_agencies="",
        steps=tuple(steps),
        demo=office.demo,
    )


def _handover_step(calendar: WorkingCalendar, d: Dossier, sent: Event, end: Event | None) -> ControlStep:
    p = sent.payload
    source, destination = p["from"], p["to"]
    deadline: datetime | None = d.due_at
    if source["kind"] == PlaceKind.COUNTER and destination["kind"] == PlaceKind.DEPARTMENT:
        deadline = transfer_deadline(calendar, d.received_at)
    verdict = _timeliness(judge(sent.occurred_at, deadline))
    missing = end is not None and end.payload.get("discrepancy") == Discrepancy.MISSING
    at = end.occurred_at if end is not None and not missing else sent.occurred_at
    receiver = end.officer_name if end is not None and not missing else ""
    note = "Thiếu khi nhận bàn giao" if missing else ("Chưa xác nhận nhận" if end is None else "")
    return ControlStep(source["name"], destination["name"], at, verdict, note, sent.officer_name, receiver)


# --- return receipt ------------------------------------------------------------------------------------------


def build_return_receipt(session: Session, uid: str) -> ReturnReceipt:
    """The receipt of a result handed to the citizen; timeliness compares the result's readiness
    (recorded at the counter) with the due date in force."""
    d = _dossier(session, uid)
    returned = _events(session, uid, EventType.RETURNED)
    if not returned:
        raise UserFacingError(f"Hồ sơ {d.code} chưa được trả kết quả.")
    ret = returned[-1]
    results = _events(session, uid, EventType.RESULT_RECORDED)
    finished = results[-1].occurred_at if results else ret.occurred_at
    who = ret.payload.get("collector")
    if who is None:  # sent by post (issue 16): the addressee and the tracking number stand for the collector
        who = {"kind": "applicant", "full_name": ret.payload.get("recipient", ""),
               "personal_id": f"Số hiệu bưu gửi {ret.payload.get('tracking_no', '')}"}  # fmt: skip
    header, office = _office(session, d.unit_code)
    return ReturnReceipt(
        header=header,
        dossier_code=d.code or "",
        applicant_name=d.applicant_name,
        procedure_name=d.procedure_name,
        collector_name=who["full_name"],
        collector_id=who["personal_id"],
        is_applicant=who["kind"] == "applicant",
        authorisation_ref=who.get("authorisation_ref", ""),
        relation="",
        received_at=d.received_at,
        due_at=d.due_at or d.received_at,
        returned_at=ret.occurred_at,
        result_description=str(results[-1].payload.get("result", "")) if results else "",
        timeliness=_timeliness(judge(finished, d.due_at)),
        officer_name=ret.officer_name,
        form_number=_number(session, CustodyForm.RETURN_RECEIPT, _basis(d)),
        demo=office.demo,
    )


def build_department_supplement_slip(session: Session, uid: str) -> SupplementSlip:
    """Form 02 again, from the department's latest supplement request (the reception data has none)."""
    from app.services.forms import FormKind, form_number

    d = _dossier(session, uid)
    requests = _events(session, uid, EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT)
    if not requests:
        raise UserFacingError("Hồ sơ chưa có yêu cầu bổ sung của cơ quan giải quyết để in Phiếu yêu cầu bổ sung.")
    request, (header, office) = requests[-1], _office(session, d.unit_code)
    unit_name = office.name.removesuffix(" (DEMO)")
    email = d.data.get("applicant", {}).get("email", "") if isinstance(d.data, dict) else ""
    p = request.payload
    return SupplementSlip(
        header=header,
        form_number=form_number(session, FormKind.SUPPLEMENT, _basis(d)),
        dossier_ref=d.code or "",
        receiving_unit=unit_name,
        applicant=Applicant(d.applicant_name, d.personal_id, d.address, d.phone, str(email)),
        procedure_name=d.procedure_name,
        items=tuple(str(i) for i in p.get("items", [])),
        reason=str(p.get("reason", "")),
        contact=f"{office.name}" + (f", điện thoại {office.phone}" if office.phone else ""),
        officer_name=request.officer_name,
        issued_at=request.occurred_at,
        demo=office.demo,
    )
