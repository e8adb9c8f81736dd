"""Builds the data of forms 01–03 from a stored dossier, renders them, and records printing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.applicant_kinds import nationality_name
from app.domain.contracts import FormPrintedPayload
from app.domain.events import EventType
from app.domain.legal_basis import Form, LegalBasis, basis_of
from app.domain.legal_basis import form_number as basis_form_number
from app.domain.status import DossierStatus
from app.errors import UserFacingError
from app.printing.data import Applicant, OfficeHeader, ReceiptSlip, RefusalSlip, SlipDocument, SupplementSlip
from app.services.context import Actor
from app.services.drafts import Changes
from app.services.recorder import building, record
from app.store.models import Dossier, Event, Office, Setting


class FormKind(StrEnum):
    """The reception forms; their printed numbers come from configuration (DOMAIN.md §3)."""

    RECEIPT = "receipt"
    SUPPLEMENT = "supplement"
    REFUSAL = "refusal"

    @property
    def heading(self) -> str:
        return {
            "receipt": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            "supplement": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            "refusal": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
        }[self]


class CustodyDocument(StrEnum):
    """The documents printed after reception (custody, steps, labels); each copy is a ``form.printed``
    event recorded by :func:`record_print`, as forms 01–03 are."""

    HANDOVER = "handover"
    SUPPLEMENT = "supplement_after_reception"
    APOLOGY = "apology"
    CONTROL = "control"
    RETURN_RECEIPT = "return_receipt"
    LABEL = "label"
    COVER_SHEET = "cover_sheet"
    STOP_NOTICE = "stop_notice"  # form 05 (2025): the citizen's stop or withdrawal (app/services/stops.py)

    @property
    def heading(self) -> str:
        return {
            "handover": "Biên bản bàn giao hồ sơ",
            "supplement_after_reception": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            "apology": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
            "control": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
            "return_receipt": "Biên nhận trả kết quả",
            "label": "Nhãn mã vạch hồ sơ",
            "cover_sheet": "Tờ phân cách hồ sơ (đặt trước các trang khi quét lô)",
            "stop_notice": "Thông báo dừng giải quyết hồ sơ",
        }[self.value]


PrintedForm = FormKind | CustodyDocument
"""Everything whose copies go into a dossier's history."""

# Circular 03/2025/TT-VPCP numbering (the same in Circular 01/2018); an office may override it with
# the "form_numbers" setting, per legal basis (app.domain.legal_basis).
DEFAULT_FORM_NUMBERS = {"receipt": "Mẫu số 01", "supplement": "Mẫu số 02", "refusal": "Mẫu số 03"}
Slip = ReceiptSlip | SupplementSlip | RefusalSlip


def form_number(session: Session, kind: FormKind, basis: LegalBasis = LegalBasis.L2025) -> str:
    """The printed number of form ``kind`` on a dossier of ``basis`` (office setting "form_numbers"
    over the set's numbers: :func:`app.domain.legal_basis.form_number`)."""
    row = session.get(Setting, "form_numbers")
    return basis_form_number(Form(kind.value), basis, row.value if row is not None else None)


_FORM_FOR_STATUS: dict[int, FormKind] = {
    DossierStatus.RECEIVED: FormKind.RECEIPT,
    DossierStatus.SUPPLEMENT_REQUESTED: FormKind.SUPPLEMENT,
    DossierStatus.REFUSED: FormKind.REFUSAL,
}


def form_kind_of(status: int) -> FormKind:
    """The reception form a dossier in ``status`` was decided with."""
    return _FORM_FOR_STATUS.get(status, FormKind.RECEIPT)


def printed_applicant(a: Mapping[str, Any]) -> Applicant:
    """The applicant as forms 01–03 print it, from the stored ``applicant`` part of the payload.

    Events from before applicant kinds have only the citizen's keys: they print as a citizen.
    """
    rep = a.get("representative") or {}
    return Applicant(
        full_name=a["full_name"],
        personal_id=a.get("personal_id", ""),
        address=a.get("address", ""),
        phone=a.get("phone", ""),
        email=a.get("email", ""),
        kind=a.get("kind", "citizen"),
        passport_no=a.get("passport_no", ""),
        nationality=nationality_name(a["nationality"]) if a.get("nationality") else "",
        tax_code=a.get("tax_code", ""),
        legal_representative=a.get("legal_representative", ""),
        representative_name=rep.get("full_name", ""),
        representative_id=rep.get("personal_id", "") or rep.get("passport_no", ""),
        representative_nationality=nationality_name(rep["nationality"]) if rep.get("nationality") else "",
        authorisation_ref=rep.get("authorisation_ref", ""),
    )


def build_slip(session: Session, uid: str) -> tuple[FormKind, Slip]:
    """The form a dossier's reception decision produced, rebuilt from the stored event payload."""
    d = session.scalars(select(Dossier).where(Dossier.uid == uid)).one_or_none()
    if d is None:
        raise UserFacingError("Không tìm thấy hồ sơ. Có thể hồ sơ đã bị xoá khỏi máy này.")
    office = session.get(Office, d.unit_code)
    if office is None:
        raise UserFacingError(f"Thiếu thông tin đơn vị {d.unit_code}. Hãy liên hệ bộ phận CNTT.")
    p = d.data
    unit_name = office.name.removesuffix(" (DEMO)")  # the demo mark is printed separately
    header = OfficeHeader(office.governing_body, unit_name.upper(), office.place_name)
    applicant = printed_applicant(p["applicant"])
    issued = datetime.fromisoformat(p["received_at"])
    kind = form_kind_of(d.status)
    number = form_number(session, kind, basis_of(d.legal_basis, d.received_at))  # the dossier's own set
    if kind is FormKind.RECEIPT:
        assert d.code is not None and d.due_at is not None
        return kind, ReceiptSlip(
            header=header,
            form_number=number,
            dossier_code=d.code,
            receiving_unit=unit_name,
            applicant=applicant,
            procedure_name=p["procedure"]["name"],
            procedure_code=p["procedure"]["code"],
            documents=tuple(SlipDocument(x["name"], x["form_label"], x["copies"]) for x in p["documents"]),
            sets=int(p.get("sets", 1)),
            processing_time_text=p["procedure"]["processing_text"],
            received_at=issued,
            due_at=d.due_at,
            return_place=p.get("return_method", ""),
            fee_text=p["procedure"].get("fee_text", "") or "Không",
            register_book=f"{p.get('register_book', issued.year)}",
            register_number=f"{p.get('register_no', '')}",
            officer_name=d.officer_name,
            demo=office.demo,
        )
    contact = f"{office.name}" + (f", điện thoại {office.phone}" if office.phone else "")
    if kind is FormKind.SUPPLEMENT:
        return kind, SupplementSlip(
            header, number, "", unit_name, applicant, p["procedure"]["name"],
            tuple(p.get("items", [])), p.get("reason", ""), contact, d.officer_name, issued, office.demo,
        )  # fmt: skip
    return kind, RefusalSlip(
        header, number, "", unit_name, applicant, p["procedure"]["name"],
        p.get("reason", ""), d.officer_name, issued, office.demo,
    )  # fmt: skip


def render(kind: FormKind, slip: Slip, out: str | Path | BinaryIO) -> None:
    """Render ``slip`` as PDF to ``out`` with the form module of ``kind``."""
    if kind is FormKind.RECEIPT:
        from app.printing import form01 as module
    elif kind is FormKind.SUPPLEMENT:
        from app.printing import form02 as module  # type: ignore[no-redef]
    else:
        from app.printing import form03 as module  # type: ignore[no-redef]
    module.render(slip, out)  # type: ignore[arg-type]


def record_print(
    session: Session, actor: Actor, uid: str, kind: PrintedForm, output: str, reprint: bool, now: datetime
) -> None:
    """Log that a form was printed or saved (history shows every copy handed out).

    The one writer of ``form.printed``: forms 01–03 (ui/screens/print_preview.py) and the custody
    documents (:func:`record_prints`) alike.
    """
    title = _printed_title(session, uid, kind)
    with building(EventType.FORM_PRINTED):
        payload = FormPrintedPayload(form=kind.value, form_title=title, output=output, reprint=reprint)
    record(session, actor, EventType.FORM_PRINTED, uid, payload, occurred_at=now)


def _printed_title(session: Session, uid: str, kind: PrintedForm) -> str:
    """The title the history gives a printed copy: the one the dossier's own form set printed (form 04
    is "Văn bản xin lỗi và đề nghị gia hạn…" under the 2025 set), in sentence case like the others."""
    from app.domain.legal_basis import Form, basis_of, form_title

    if kind.value not in Form._value2member_map_:
        return kind.heading
    row = session.execute(select(Dossier.legal_basis, Dossier.received_at).where(Dossier.uid == uid)).first()
    if row is None:
        return kind.heading
    title = form_title(Form(kind.value), basis_of(row.legal_basis, row.received_at))
    return title[:1] + title[1:].lower()


def printed_before(session: Session, uid: str, kind: PrintedForm) -> bool:
    """Whether a copy of ``kind`` was already printed or saved for dossier ``uid``."""
    payloads = session.scalars(
        select(Event.payload).where(Event.dossier_uid == uid, Event.type == str(EventType.FORM_PRINTED))
    ).all()
    return any(isinstance(p, dict) and p.get("form") == kind.value for p in payloads)


def record_prints(
    session: Session,
    actor: Actor,
    uids: Sequence[str],
    kind: PrintedForm,
    output: str,
    reprint: bool,
    now: datetime,
) -> Changes:
    """Log one copy of a document about the dossiers ``uids`` (a handover record names several).

    A label not marked as a reprint is one when a label of that dossier was printed before (the
    detail's "In lại nhãn"); other documents take ``reprint`` as given.
    """
    for uid in uids:
        again = reprint or (kind is CustodyDocument.LABEL and printed_before(session, uid, kind))
        record_print(session, actor, uid, kind, output, again, now)
    return Changes(frozenset(uids))
