"""The register (Sổ theo dõi hồ sơ) of this office for a year or a date range, from the local store.

Its number is that of the legal basis in force (app.domain.legal_basis): "Mẫu số 06" of Circular
01/2018 for a period that ends before 1 July 2025, "Mẫu số 07" of Circular 03/2025 for any period
that reaches 1 July 2025 or later, including one that starts before it (the 2025 book was kept under
Circular 01/2018 until 30 June and continued, with the same numbering of its lines, under Circular
03/2025: a listing made since then is the book as it is kept now). The lines themselves are the
same under both circulars.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case, func, select, type_coerce
from sqlalchemy.orm import Session

from app.domain.events import EventType
from app.domain.legal_basis import CUTOVER, Form, LegalBasis, form_spec
from app.domain.legal_basis import form_number as basis_form_number
from app.domain.status import DossierStatus
from app.errors import UserFacingError
from app.printing.data import OfficeHeader
from app.services.office import this_device
from app.store.models import Dossier, Event, Office, Setting
from app.text import nfc

MIN_YEAR = 2000
MAX_YEAR = 2100  # the range event times may take (app.domain.contracts)
DEFAULT_FORM_NUMBER = "Mẫu số 07"  # Circular 03/2025/TT-VPCP; "Mẫu số 06" under Circular 01/2018
TITLE = "SỔ THEO DÕI HỒ SƠ"

# Statuses a note in "Ghi chú" names: the dossier ended without a result.
_ENDED_NOTES: dict[int, str] = {  # IntEnum keys: the status column's int finds its note
    DossierStatus.WITHDRAWN: "Công dân rút hồ sơ",
    DossierStatus.STOPPED: "Dừng giải quyết",
    DossierStatus.REFUSED: "Không được tiếp nhận",
}
_STEP_TYPES = (
    EventType.HANDOVER_SENT,
    EventType.RESULT_RECORDED,
    EventType.RETURNED,
    EventType.DUE_EXTENDED,
    EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT,
)


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One line of the register: a dossier received by the office.

    Attributes:
        number: STT, running from 1 through the whole listing (across pages).
        code: Dossier code.
        procedure_name: Tên TTHC.
        sets: Số lượng hồ sơ (bộ).
        applicant_name: Tên cá nhân, tổ chức.
        address_phone: "Địa chỉ; ĐT: số" as printed.
        department_name: Cơ quan chủ trì giải quyết.
        received_at: Nhận hồ sơ.
        due_at: Hẹn trả kết quả (the current appointment, after any extension).
        sent_at: Chuyển hồ sơ đến cơ quan giải quyết (the first handover to a department).
        result_at: Nhận kết quả từ cơ quan giải quyết.
        returned_at: Trả kết quả.
        note: Ghi chú (supplement, extension, representative, book entry of another counter).
    """

    number: int
    code: str
    procedure_name: str
    sets: int
    applicant_name: str
    address_phone: str
    department_name: str
    received_at: datetime
    due_at: datetime | None
    sent_at: datetime | None
    result_at: datetime | None
    returned_at: datetime | None
    note: str


@dataclass(frozen=True, slots=True)
class Register:
    """The register of one office for a period, ready to show, print or export.

    Attributes:
        header: The office, for the national header.
        unit_code: The office's unit code.
        form_number: e.g. "Mẫu số 07" (office setting ``form_numbers["register"]``).
        start: First day of the period.
        end: Last day of the period (inclusive).
        period_text: "Năm 2026" or "Từ ngày 01/01/2026 đến ngày 31/03/2026".
        rows: The lines, in order of receipt.
        made_at: When the listing was made (the date line and the footer).
        demo: Demo data: every page carries the demo mark.
    """

    header: OfficeHeader
    unit_code: str
    form_number: str
    start: date
    end: date
    period_text: str
    rows: tuple[RegisterRow, ...]
    made_at: datetime
    demo: bool


def year_period(year: int) -> tuple[date, date]:
    """1 January to 31 December of ``year``.

    Raises:
        UserFacingError: The year is outside 2000–2100.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise UserFacingError(f"Năm {year} không hợp lệ: hãy nhập một năm từ {MIN_YEAR} đến {MAX_YEAR}.")
    return date(year, 1, 1), date(year, 12, 31)


def period_text(start: date, end: date) -> str:
    """ "Năm 2026" for a whole year, else "Từ ngày 01/01/2026 đến ngày 31/03/2026"."""
    if start == date(start.year, 1, 1) and end == date(start.year, 12, 31):
        return f"Năm {start.year}"
    return f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


def check_period(start: date, end: date) -> None:
    """Raise a Vietnamese :class:`UserFacingError` when the period is reversed or out of range."""
    if start > end:
        raise UserFacingError(
            f"Ngày bắt đầu {start:%d/%m/%Y} sau ngày kết thúc {end:%d/%m/%Y}: hãy nhập lại khoảng thời gian."
        )
    for day in (start, end):
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise UserFacingError(f"Ngày {day:%d/%m/%Y} nằm ngoài khoảng năm {MIN_YEAR}–{MAX_YEAR}.")


def office_header(session: Session) -> tuple[OfficeHeader, str, bool]:
    """The office of this PC for the national header, its unit code and whether it is a demo."""
    info = this_device(session)
    if info is None:
        raise UserFacingError("Máy này chưa được cài đặt đơn vị. Hãy chạy chương trình một lần để cài đặt.")
    office = session.get(Office, info.unit_code)
    assert office is not None
    unit_name = office.name.removesuffix(" (DEMO)")  # the demo mark is printed separately
    return OfficeHeader(office.governing_body, unit_name.upper(), office.place_name), info.unit_code, office.demo


def register_basis(end: date) -> LegalBasis:
    """The basis whose number a register of a period ending on ``end`` prints (module docstring)."""
    return LegalBasis.L2018 if end < CUTOVER.date() else LegalBasis.L2025


def register_form_number(session: Session, end: date | None = None) -> str:
    """The printed number of the register of a period ending on ``end`` (None: today's set), office
    setting "form_numbers" over the set's number (app.domain.legal_basis)."""
    row = session.get(Setting, "form_numbers")
    basis = LegalBasis.L2025 if end is None else register_basis(end)
    number = basis_form_number(Form.REGISTER, basis, row.value if row is not None else None)
    return number or form_spec(Form.REGISTER, basis).number  # an empty override: the set's number


def _time(value: object, occurred: str) -> datetime:
    """A step's own time from its payload (an ISO text), else when the event was recorded (as stored)."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return datetime.fromisoformat(occurred)


def _text(value: str | None) -> str:
    """:func:`app.text.nfc`, the same result, without its regular expression for the usual text.

    A text with no whitespace but plain single spaces (every other whitespace character is not
    printable) has nothing to collapse; the others go through nfc. 250,000 texts a year: 0.3 s less.
    """
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    if value.isprintable() and "  " not in value:
        return value.strip()
    return nfc(value)


@dataclass(slots=True)
class _Steps:
    sent_at: datetime | None = None
    result_at: datetime | None = None
    returned_at: datetime | None = None
    first_due: datetime | None = None
    extended: bool = False
    supplements: int = 0
    representative: str = ""


def _steps(session: Session, uids: Select[str]) -> dict[str, _Steps]:
    """The dated steps of the dossiers ``uids`` selects, read from their events in one query.

    Only the few payload values the book shows are read (SQLite's json_extract), not whole payloads.
    """
    kind = Event.type

    def value(path: str) -> ColumnElement[Any]:
        return func.json_extract(Event.payload, f"$.{path}")

    query = (
        select(
            Event.dossier_uid, kind, type_coerce(Event.occurred_at, String),  # parsed only if the payload has no time
            case(
                (kind == EventType.HANDOVER_SENT, value("sent_at")),
                (kind == EventType.RESULT_RECORDED, value("recorded_at")),
                (kind == EventType.RETURNED, value("returned_at")),
                (kind == EventType.DUE_EXTENDED, value("old_due_at")),
            ),
            case(
                (kind == EventType.HANDOVER_SENT, value("to.kind")),
                (kind == EventType.RETURNED, value("collector.kind")),
            ),
            case((kind == EventType.RETURNED, value("collector.full_name"))),
        )
        .where(Event.dossier_uid.in_(uids), kind.in_([str(t) for t in _STEP_TYPES]))
        .order_by(Event.dossier_uid, Event.hlc)
    )  # fmt: skip
    out: dict[str, _Steps] = {}
    for uid, step, occurred, at, place_or_collector, name in session.execute(query):
        s = out.get(uid)
        if s is None:
            s = out[uid] = _Steps()
        if step == EventType.HANDOVER_SENT:
            if s.sent_at is None and place_or_collector == "department":
                s.sent_at = _time(at, occurred)
        elif step == EventType.RESULT_RECORDED:
            s.result_at = s.result_at or _time(at, occurred)
        elif step == EventType.RETURNED:
            s.returned_at = s.returned_at or _time(at, occurred)
            if place_or_collector == "representative":
                s.representative = nfc(str(name or ""))
        elif step == EventType.DUE_EXTENDED:
            s.extended = True
            if s.first_due is None and isinstance(at, str):
                s.first_due = _time(at, occurred)
        else:
            s.supplements += 1
    return out


def _note(status: int, register_no: int | None, register_book: object, steps: _Steps | None, year_book: str) -> str:
    parts: list[str] = []
    ended = _ENDED_NOTES.get(status)
    if ended:
        parts.append(ended)
    if steps is not None:
        if steps.supplements:
            parts.append(f"Yêu cầu bổ sung {steps.supplements} lần")
        if steps.extended:
            first = f" (hẹn cũ {steps.first_due:%d/%m/%Y})" if steps.first_due else ""
            parts.append(f"Đã hẹn lại ngày trả{first}")
        if steps.representative:
            parts.append(f"Người nhận thay: {steps.representative}")
    book = str(register_book or "")
    if register_no is not None and book and book != year_book:
        parts.append(f"Quyển {book}, số {register_no}")
    return "; ".join(parts)


def _address_phone(address: str, phone: str) -> str:
    address, phone = _text(address), _text(phone)
    if address and phone:
        return f"{address}; ĐT: {phone}"
    return address or (f"ĐT: {phone}" if phone else "")


def build_register(session: Session, start: date, end: date, now: datetime) -> Register:
    """The register of this PC's office: every dossier received from ``start`` to ``end`` (inclusive).

    The book of the *receiving* one-stop shop: only the dossiers this office received
    (``dossier.unit_code`` is this PC's office). A handling unit's store also holds the dossiers it
    decides for other offices (receiving regardless of residence, issue 16: pulled from the
    server's feed); they are entered in the book of the office that received them, not here.
    Only dossiers with a code (received; a supplement request or refusal at the counter is not
    entered in the book), in order of receipt; the lines are numbered from 1 across the listing.

    Raises:
        UserFacingError: Reversed or out-of-range period; the PC is not set up.
    """
    check_period(start, end)
    header, unit_code, demo = office_header(session)
    lo, hi = datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)
    in_book = (
        Dossier.unit_code == unit_code,
        Dossier.code.is_not(None),
        Dossier.received_at >= lo,
        Dossier.received_at < hi,
    )
    # The columns the book shows, not whole rows: a year is tens of thousands of dossiers and the
    # full JSON payload of each would be decoded for two small values.
    dossiers = session.execute(
        select(
            Dossier.uid, Dossier.code, Dossier.procedure_name, Dossier.applicant_name, Dossier.address,
            Dossier.phone, Dossier.department_name, Dossier.received_at, Dossier.due_at, Dossier.status,
            Dossier.register_no, func.json_extract(Dossier.data, "$.sets").label("sets"),
            func.json_extract(Dossier.data, "$.register_book").label("register_book"),
        )
        .where(*in_book)
        .order_by(Dossier.received_at, Dossier.code, Dossier.id)
    ).all()  # fmt: skip
    steps = _steps(session, select(Dossier.uid).where(*in_book)) if dossiers else {}
    rows: list[RegisterRow] = []
    for n, d in enumerate(dossiers, start=1):
        uid, code, procedure, applicant, address, phone, department, received, due, status, no, sets, book = d
        s = steps.get(uid)
        rows.append(
            RegisterRow(
                number=n,
                code=code or "",
                procedure_name=_text(procedure),
                sets=sets if isinstance(sets, int) and not isinstance(sets, bool) else 1,
                applicant_name=_text(applicant),
                address_phone=_address_phone(address, phone),
                department_name=_text(department),
                received_at=received,
                due_at=due,
                sent_at=s.sent_at if s else None,
                result_at=s.result_at if s else None,
                returned_at=s.returned_at if s else None,
                note=_note(status, no, book, s, str(received.year)),
            )
        )
    return Register(
        header=header,
        unit_code=unit_code,
        form_number=register_form_number(session, end),
        start=start,
        end=end,
        period_text=period_text(start, end),
        rows=tuple(rows),
        made_at=now,
        demo=demo,
    )


def build_year_register(session: Session, year: int, now: datetime) -> Register:
    """The register of ``year`` (the paper book of that year)."""
    start, end = year_period(year)
    return build_register(session, start, end, now)
