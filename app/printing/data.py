"""Plain data the printed forms 01-05, labels and custody papers are rendered from; Vietnamese date wording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


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
    """The person or organisation the dossier is for, and who submitted it on their behalf.

    Attributes:
        full_name: Name of the person or organisation.
        personal_id: A citizen's 12-digit personal ID (or old 9-digit ID); for the other kinds,
            their identifier (passport number, tax code) as the store row keeps it.
        address: Address (an organisation's head office).
        phone: Phone number.
        email: E-mail address ("" if none).
        kind: "citizen", "foreigner" or "organisation".
        passport_no: A foreigner's passport or travel document number.
        nationality: A foreigner's nationality, in Vietnamese ("Hoa Kỳ").
        tax_code: An organisation's enterprise/tax code ("0100109106" or "0100109106-001").
        legal_representative: An organisation's legal representative ("" if not given).
        representative_name: Who submitted on the applicant's behalf ("" if the applicant did).
        representative_id: Their personal ID or passport number.
        representative_nationality: Their nationality in Vietnamese when they showed a passport ("Hoa Kỳ").
        authorisation_ref: The authorisation they hold ("Giấy ủy quyền ngày 20/11/2026").
    """

    full_name: str
    personal_id: str
    address: str
    phone: str
    email: str
    kind: str = "citizen"
    passport_no: str = ""
    nationality: str = ""
    tax_code: str = ""
    legal_representative: str = ""
    representative_name: str = ""
    representative_id: str = ""
    representative_nationality: str = ""
    authorisation_ref: str = ""


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


@dataclass(frozen=True, slots=True)
class StopNotice:
    """Form 05 (Circular 03/2025): stop notice (Thông báo dừng giải quyết hồ sơ), at the citizen's
    request to stop processing or to withdraw the dossier.

    Attributes:
        header: Issuing office (the receiving one-stop unit).
        form_number: e.g. "Mẫu số 05" (configuration).
        dossier_code: The dossier code.
        receiving_unit: The unit that received the dossier and issues the notice.
        applicant: Who submitted the dossier.
        procedure_name: The administrative procedure.
        received_at: When the dossier was received.
        withdrawn: The citizen withdraws the dossier (status 7) rather than only stopping it (8).
        requester_name: Who asked (the applicant or their representative).
        request_ref: The written request, if any ("" when asked in person).
        requested_at: When the request was made.
        status_label: The status checked at the request ("Đang xử lý").
        reason: The citizen's reason.
        officer_name: The officer who recorded the request, printed under the signature.
        issued_at: Issue time (date line; processing stops from this moment).
        demo: Mark every page as a demo without legal value.
    """

    header: OfficeHeader
    form_number: str
    dossier_code: str
    receiving_unit: str
    applicant: Applicant
    procedure_name: str
    received_at: datetime
    withdrawn: bool
    requester_name: str
    request_ref: str
    requested_at: datetime
    status_label: str
    reason: str
    officer_name: str
    issued_at: datetime
    demo: bool = False


class Timeliness(StrEnum):
    """How a step or the whole dossier finished against its allowance (Trước hạn / Đúng hạn / Quá hạn)."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"

    @property
    def label(self) -> str:
        """The wording printed on forms 05 and the return receipt."""
        return {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}[self.value]


@dataclass(frozen=True, slots=True)
class LabelData:
    """One barcode label stuck on a paper folder: what an officer reads and a scanner decodes.

    Attributes:
        dossier_code: The dossier code; printed, and encoded as Code128 and QR.
        applicant_short: Short applicant name, e.g. "Nguyễn Văn A" (ellipsized to fit when too long).
        procedure_short: Short procedure name (ellipsized to fit when too long).
        due_at: When the result is due; None prints no due line (e.g. dossiers without a deadline).
        unit_name: Issuing unit, small print at the label's top ("" to leave it out).
    """

    dossier_code: str
    applicant_short: str
    procedure_short: str
    due_at: datetime | None
    unit_name: str = ""


@dataclass(frozen=True, slots=True)
class LabelStock:
    """Label paper geometry: a thermal roll (one label per page) or a sheet of labels, all in millimetres.

    Labels are laid out left to right, then top to bottom; label ``i`` of a page sits at column
    ``i % columns``, row ``i // columns``.

    Attributes:
        key: Stable identifier stored in settings, e.g. "a4_3x8".
        name: Name shown to the officer, e.g. "Tờ A4 24 nhãn (3 × 8, 70 × 37 mm)".
        page_w_mm: Page width.
        page_h_mm: Page height.
        columns: Labels across.
        rows: Labels down.
        label_w_mm: One label's width.
        label_h_mm: One label's height.
        margin_left_mm: From the page's left edge to the first column.
        margin_top_mm: From the page's top edge to the first row.
        gap_x_mm: Horizontal gap between columns.
        gap_y_mm: Vertical gap between rows.
        pad_x_mm: Blank kept inside each label at its left and right (printers cannot print up to
            a sheet's edge; the Code128 quiet zone lies in it).
        pad_y_mm: Blank kept inside each label at its top and bottom.
    """

    key: str
    name: str
    page_w_mm: float
    page_h_mm: float
    columns: int
    rows: int
    label_w_mm: float
    label_h_mm: float
    margin_left_mm: float = 0.0
    margin_top_mm: float = 0.0
    gap_x_mm: float = 0.0
    gap_y_mm: float = 0.0
    pad_x_mm: float = 4.0
    pad_y_mm: float = 2.5

    @property
    def per_page(self) -> int:
        """Labels on one page (sheet) of this stock."""
        return self.columns * self.rows


# Presets; an office may add its own stock in settings.
THERMAL_50X30 = LabelStock("roll_50x30", "Cuộn nhãn nhiệt 50 × 30 mm", 50, 30, 1, 1, 50, 30, pad_x_mm=2, pad_y_mm=2)
A4_3X8 = LabelStock("a4_3x8", "Tờ A4 24 nhãn (3 × 8, 70 × 37 mm)", 210, 297, 3, 8, 70, 37, 0.0, 0.5)
A4_2X7 = LabelStock("a4_2x7", "Tờ A4 14 nhãn (2 × 7, 99,1 × 38,1 mm)", 210, 297, 2, 7, 99.1, 38.1, 4.65, 15.15, 2.5, 0)
LABEL_STOCKS: dict[str, LabelStock] = {s.key: s for s in (THERMAL_50X30, A4_3X8, A4_2X7)}


@dataclass(frozen=True, slots=True)
class LabelPrintJob:
    """What to print on which stock, and how the printer is adjusted.

    Attributes:
        labels: Labels in printing order.
        stock: The label paper.
        offset_x_mm: Calibration: shift of everything to the right (negative: left), from settings.
        offset_y_mm: Calibration: shift of everything downwards (negative: up), from settings.
        start_position: 1-based position of the first label on the first sheet, to use up a partly
            used sheet (1 = top-left; ignored on rolls).
    """

    labels: tuple[LabelData, ...]
    stock: LabelStock
    offset_x_mm: float = 0.0
    offset_y_mm: float = 0.0
    start_position: int = 1


@dataclass(frozen=True, slots=True)
class HandoverRow:
    """One folder in a handover record.

    Attributes:
        dossier_code: The dossier code.
        applicant_name: Applicant (person or organisation).
        procedure_name: The administrative procedure.
        due_at: When the result is due (None: no deadline).
        note: Free note, e.g. "Kèm 01 bản gốc" ("" if none).
    """

    dossier_code: str
    applicant_name: str
    procedure_name: str
    due_at: datetime | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class HandoverRecord:
    """Handover record (Biên bản bàn giao hồ sơ), A4: the folders of one batch, signed by both sides.

    Attributes:
        header: Issuing office.
        batch_id: The batch identifier; printed and encoded as Code128 and QR so the receiver can scan it.
        from_unit: Giving side (BÊN GIAO), e.g. "Bộ phận Một cửa - Quầy số 3".
        to_unit: Receiving side (BÊN NHẬN), e.g. "Phòng Tài nguyên và Môi trường".
        handed_at: When the batch was handed over.
        giver_name: Officer handing over, printed under BÊN GIAO.
        receiver_name: Officer receiving, printed under BÊN NHẬN ("" leaves room to write it by hand).
        rows: The folders, in the order they were scanned.
        note: Note printed under the table ("" if none).
        demo: Mark every page as a demo without legal value.
    """

    header: OfficeHeader
    batch_id: str
    from_unit: str
    to_unit: str
    handed_at: datetime
    giver_name: str
    receiver_name: str
    rows: tuple[HandoverRow, ...]
    note: str = ""
    demo: bool = False


@dataclass(frozen=True, slots=True)
class ApologySlip:
    """Form 04: apology and new appointment (Phiếu xin lỗi và hẹn lại ngày trả kết quả).

    Attributes:
        header: The handling agency under its governing body (not the one-stop centre).
        form_number: e.g. "Mẫu số 04".
        dossier_code: The dossier code.
        applicant: Who submitted the dossier.
        procedure_name: The administrative procedure.
        received_at: When the dossier was received.
        original_due_at: The due date on the receipt slip.
        reason: Why the result is late.
        new_due_at: The new return date and time.
        agency_name: Handling agency whose head signs, by its own name in normal case, e.g.
            "Phòng Kinh tế, Hạ tầng và Đô thị"; named once in the text.
        signer_title: Printed above the signature, e.g. "TRƯỞNG PHÒNG".
        signer_name: Head of the handling agency ("" leaves room to write it by hand).
        issued_at: Issue time (date line).
        demo: Mark every page as a demo without legal value.
        title: The title of the dossier's legal basis (app.domain.legal_basis); "" prints the 2018 one.
    """

    header: OfficeHeader
    form_number: str
    dossier_code: str
    applicant: Applicant
    procedure_name: str
    received_at: datetime
    original_due_at: datetime
    reason: str
    new_due_at: datetime
    agency_name: str
    signer_title: str
    signer_name: str
    issued_at: datetime
    demo: bool = False
    title: str = ""


@dataclass(frozen=True, slots=True)
class ControlStep:
    """One handover block of form 05: "1. Giao: <giver unit>" / "2. Nhận: <receiver unit>".

    Attributes:
        giver_unit: Unit handing the folder over.
        receiver_unit: Unit receiving it.
        at: When the folder changed hands.
        judgement: The receiver's judgement of the step against its allowance (None: not judged, blank).
        note: GHI CHÚ column ("" if none).
        giver_name: Officer handing over ("" leaves room to sign by hand).
        receiver_name: Officer receiving ("" leaves room to sign by hand).
    """

    giver_unit: str
    receiver_unit: str
    at: datetime
    judgement: Timeliness | None = None
    note: str = ""
    giver_name: str = ""
    receiver_name: str = ""


@dataclass(frozen=True, slots=True)
class ControlSlip:
    """Form 05 (2025: 06): process control slip (Phiếu kiểm soát quá trình giải quyết hồ sơ).

    Attributes:
        header: Issuing office.
        form_number: e.g. "Mẫu số 06" (2025 numbering; "Mẫu số 05" under Circular 01/2018).
        dossier_code: The dossier code; printed and encoded as Code128 and QR.
        owner_name: Applicant (person or organisation) owning the dossier.
        procedure_name: The administrative procedure.
        received_at: When the dossier was received.
        due_at: When the result is due.
        handling_agency: Agency in charge (Cơ quan chủ trì giải quyết).
        cooperating_agencies: Agencies cooperating ("" if none).
        steps: One block per handover, in time order; the first starts at the counter.
        demo: Mark every page as a demo without legal value.
    """

    header: OfficeHeader
    form_number: str
    dossier_code: str
    owner_name: str
    procedure_name: str
    received_at: datetime
    due_at: datetime
    handling_agency: str
    cooperating_agencies: str
    steps: tuple[ControlStep, ...]
    demo: bool = False


@dataclass(frozen=True, slots=True)
class ReturnReceipt:
    """Return receipt (Biên nhận trả kết quả): the result was handed to the applicant or their representative.

    Attributes:
        header: Issuing office.
        dossier_code: The dossier code.
        applicant_name: The applicant (person or organisation) on the dossier.
        procedure_name: The administrative procedure.
        collector_name: Who collected the result.
        collector_id: Collector's 12-digit personal ID (or passport number).
        is_applicant: True when the applicant collected the result in person.
        authorisation_ref: For a representative: the authorisation document, e.g.
            "Giấy ủy quyền số 12/GUQ ngày 01/11/2026" ("" for the applicant in person).
        relation: For a representative: relation to the applicant, e.g. "Con trai" ("" if none).
        received_at: When the dossier was received.
        due_at: When the result was due.
        returned_at: When the result was handed over.
        result_description: What was handed over, e.g. "01 Giấy chứng nhận quyền sử dụng đất".
        timeliness: Returned early, on time or late against due_at.
        officer_name: Returning officer, printed under their signature.
        form_number: Printed top right ("" prints none: the circulars define no number for it).
        demo: Mark every page as a demo without legal value.
    """

    header: OfficeHeader
    dossier_code: str
    applicant_name: str
    procedure_name: str
    collector_name: str
    collector_id: str
    is_applicant: bool
    authorisation_ref: str
    relation: str
    received_at: datetime
    due_at: datetime
    returned_at: datetime
    result_description: str
    timeliness: Timeliness
    officer_name: str
    form_number: str = ""
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
