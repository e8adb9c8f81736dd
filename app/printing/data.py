"""Plain data the printed slips (forms 01-03) are rendered from, and Vietnamese date wording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class OfficeHeader:
    """The issuing office, printed in the left header column and the place-date line.

    Attributes:
        governing_body: e.g. "UBND TỈNH QUẢNG NINH".
        unit_name: e.g. "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".
        place_name: Place for the date line, e.g. "Quảng Ninh".
    """

    governing_body: str
    unit_name: str
    place_name: str


@dataclass(frozen=True, slots=True)
class SlipDocument:
    """One document of the dossier, a row of form 01's table.

    Attributes:
        name: Document name.
        form_label: "Bản chính", "Bản sao", "Bản sao có chứng thực", ...
        copies: Number of copies submitted.
    """

    name: str
    form_label: str
    copies: int


@dataclass(frozen=True, slots=True)
class Applicant:
    """The person or organisation submitting the dossier.

    Attributes:
        full_name: Name of the person or organisation.
        personal_id: 12-digit personal ID or tax code (MST).
        address: Address.
        phone: Phone number.
        email: E-mail address ("" if none).
    """

    full_name: str
    personal_id: str
    address: str
    phone: str
    email: str


@dataclass(frozen=True, slots=True)
class ReceiptSlip:
    """Form 01: receipt and appointment slip (Giấy tiếp nhận hồ sơ và hẹn trả kết quả).

    Attributes:
        header: Issuing office.
        form_number: Printed top right, e.g. "Mẫu số 01" (configuration, not a constant).
        dossier_code: The dossier code; printed, and encoded as Code128 and QR.
        receiving_unit: The receiving counter or unit.
        applicant: Who submitted the dossier.
        procedure_name: The administrative procedure requested.
        procedure_code: National procedure code, e.g. "1.001234" ("" if unknown).
        documents: Documents submitted.
        sets: Number of dossier sets.
        processing_time_text: Legal processing time, e.g. "05 ngày làm việc".
        received_at: When the dossier was received.
        due_at: When the result is due.
        return_place: Where the result will be collected.
        fee_text: Fees, e.g. "50.000 ₫" ("" if none).
        register_book: Register book number (Quyển số).
        register_number: Sequence number in the register (Số thứ tự).
        officer_name: Receiving officer, printed under their signature.
        demo: Mark every page as a demo without legal value.
    """

    header: OfficeHeader
    form_number: str
    dossier_code: str
    receiving_unit: str
    applicant: Applicant
    procedure_name: str
    procedure_code: str
    documents: tuple[SlipDocument, ...]
    sets: int
    processing_time_text: str
    received_at: datetime
    due_at: datetime
    return_place: str
    fee_text: str
    register_book: str
    register_number: str
    officer_name: str
    demo: bool = False


@dataclass(frozen=True, slots=True)
class SupplementSlip:
    """Form 02: request to supplement the dossier (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ).

    Attributes:
        header: Issuing office.
        form_number: e.g. "Mẫu số 02".
        dossier_ref: Dossier code, or "" when the dossier was not yet received.
        receiving_unit: The receiving counter or unit.
        applicant: Who submitted the dossier.
        procedure_name: The administrative procedure requested.
        items: What must be supplemented, one entry per numbered line.
        reason: Why.
        contact: Whom to contact, e.g. "Quầy số 3, điện thoại 0203 3 888 888".
        officer_name: Guiding officer, printed under the signature.
        issued_at: Issue time (date line).
        demo: Mark every page as a demo without legal value.
    """

    header: OfficeHeader
    form_number: str
    dossier_ref: str
    receiving_unit: str
    applicant: Applicant
    procedure_name: str
    items: tuple[str, ...]
    reason: str
    contact: str
    officer_name: str
    issued_at: datetime
    demo: bool = False


@dataclass(frozen=True, slots=True)
class RefusalSlip:
    """Form 03: refusal to receive the dossier (Phiếu từ chối tiếp nhận giải quyết hồ sơ).

    Attributes:
        header: Issuing office.
        form_number: e.g. "Mẫu số 03".
        dossier_ref: Dossier code, or "".
        receiving_unit: The receiving counter or unit.
        applicant: Who submitted the dossier.
        procedure_name: The administrative procedure requested.
        reason: The specific reason for refusal.
        officer_name: Receiving officer, printed under the signature.
        issued_at: Issue time (date line).
        demo: Mark every page as a demo without legal value.
    """

    header: OfficeHeader
    form_number: str
    dossier_ref: str
    receiving_unit: str
    applicant: Applicant
    procedure_name: str
    reason: str
    officer_name: str
    issued_at: datetime
    demo: bool = False


def vn_date_words(d: date) -> str:
    """Return "ngày 22 tháng 11 năm 2026" (day and month zero-padded, as on official forms)."""
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def vn_datetime_words(dt: datetime) -> str:
    """Return "09 giờ 05 phút, ngày 22 tháng 11 năm 2026"."""
    return f"{dt.hour:02d} giờ {dt.minute:02d} phút, {vn_date_words(dt)}"


def vn_place_date(place: str, d: date) -> str:
    """Return "Quảng Ninh, ngày 22 tháng 11 năm 2026"."""
    return f"{place}, {vn_date_words(d)}"
