"""Event contracts: one frozen pydantic model per event type's payload, shared by client and server.

Every payload a counter writes (app/services) or the server writes (``conflict.resolved``) has a
model here, and the server stores only what passed it (server/sync/validate.py). The rules are
in the shared base and the annotated types: unknown keys refused, strict types (no ``"7"`` or
``true`` for an integer), no NaN or Infinity, every string bounded and free of U+0000, of
control characters other than tab and line breaks and of lone surrogates (app.domain.text_rules),
every list bounded, times naive (office local time) between 2000 and 2100.
Depth is bounded by construction: no model holds a free ``dict[str, Any]``.

Compatibility: every key any released version wrote stays accepted; a key that not every
version wrote is optional with a default (never a new required key). A payload is stored as
``model_dump(mode="json", exclude_unset=True)``: the keys the client sent, validated.

Adding an event type: one model below, one entry in :data:`CONTRACTS` and one in
:data:`EVENT_STATUS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.domain.codes import parse_dossier_code
from app.domain.events import EventType
from app.domain.postal import is_item_number
from app.domain.status import DossierStatus
from app.domain.text_rules import clean_text

CONFLICT_RESOLVED = "conflict.resolved"
"""Written by the central server only (server/sync/conflicts.py); never pushed by a counter."""

EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 12, 31, 23, 59, 59)
BIRTH_EARLIEST = date(1850, 1, 1)

# --- annotated types ----------------------------------------------------------------------------


_SURROGATE = "có ký tự Unicode lẻ (surrogate), không mã hóa UTF-8 được"

# The text rule of app.domain.text_rules, as for names on the wire: no NUL, no control character
# but tab and line breaks (a note may have several lines; BEL or ESC is never meant), no lone
# surrogate.
_CLEAN = AfterValidator(clean_text)


def _bounded(max_length: int) -> StringConstraints:
    return StringConstraints(max_length=max_length)


def _required(max_length: int) -> StringConstraints:
    return StringConstraints(min_length=1, max_length=max_length)


# The text types: each is a clean string (app.domain.text_rules) of bounded length.
Text = Annotated[str, _bounded(2000), _CLEAN]  # free text: notes, reasons, results
Text1 = Annotated[str, _required(2000), _CLEAN]
LongText = Annotated[str, _bounded(4000), _CLEAN]  # legal basis of a procedure
Name = Annotated[str, _bounded(200), _CLEAN]  # names of people, counters, departments
Name1 = Annotated[str, _required(200), _CLEAN]
Code = Annotated[str, _bounded(40), _CLEAN]  # codes: procedure, department, form, kinds; event ids
Code1 = Annotated[str, _required(40), _CLEAN]
Short = Annotated[str, _bounded(20), _CLEAN]  # phone, ID number, sex
Line = Annotated[str, _bounded(300), _CLEAN]  # an authorisation reference, a file name
Line1 = Annotated[str, _required(300), _CLEAN]
Long = Annotated[str, _bounded(1000), _CLEAN]  # an address, a document name, an output path
Long1 = Annotated[str, _required(2000), _CLEAN]  # a procedure's name
Count = Annotated[int, Field(strict=True, ge=0, le=1_000_000)]
UnitCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z.]{3,20}$")]
Uuid = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]


def _dossier_code(value: str) -> str:
    if parse_dossier_code(value) is None:
        raise PydanticCustomError("dossier_code", "mã hồ sơ sai định dạng")
    return value


DossierCodeText = Annotated[str, StringConstraints(max_length=40), AfterValidator(_dossier_code)]


def local_time(value: str) -> datetime:
    """The moment a :data:`LocalTime` text names."""
    return datetime.fromisoformat(value)


def check_local_time(moment: datetime) -> datetime:
    """``moment`` if naive and within EARLIEST … LATEST (shared with ``EventWire.occurred_at``)."""
    if moment.tzinfo is not None:
        raise PydanticCustomError("local_time_zone", "phải là giờ địa phương, không kèm múi giờ")
    if not EARLIEST <= moment <= LATEST:
        raise PydanticCustomError("local_time_range", "phải trong khoảng năm 2000 đến năm 2100")
    return moment


def _local_time_text(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("local_time", "phải là thời điểm ISO 8601 (ví dụ 2026-11-23T09:15)") from None
    check_local_time(moment)
    return value


LocalTime = Annotated[str, StringConstraints(max_length=32), AfterValidator(_local_time_text)]
"""Office local time as ISO 8601 text, naive, 2000…2100; kept as written (read with :func:`local_time`)."""


def _birth_date(value: str) -> str:
    if value:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("birth_date", "phải là ngày dạng YYYY-MM-DD hoặc để trống") from None
        if not BIRTH_EARLIEST <= day <= LATEST.date():
            raise PydanticCustomError("birth_date_range", "phải sau năm 1850")
    return value


BirthDate = Annotated[str, StringConstraints(max_length=10), AfterValidator(_birth_date)]


def _clock_text(value: str) -> str:
    try:
        time.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("clock_time", "phải là giờ dạng HH:MM") from None
    return value


ClockText = Annotated[str, StringConstraints(max_length=8), AfterValidator(_clock_text)]


class Contract(BaseModel):
    """Base of every payload model: closed, immutable, strict, finite, input never echoed."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, hide_input_in_errors=True)


# --- parts --------------------------------------------------------------------------------------


class Processing(Contract):
    """A procedure's processing time (app.domain.durations.ProcessingTime)."""

    value: Annotated[int, Field(strict=True, ge=0, le=100_000)] | Annotated[float, Field(ge=0, le=100_000)]
    unit: Literal["working_days", "working_hours", "calendar_days"]
    cutoff: ClockText | None = None


class ProcedurePart(Contract):
    """The procedure as received (reception._procedure_payload)."""

    code: Code1
    name: Long1
    field: Name = ""
    level: Code = ""
    department_code: Code = ""
    department_name: Name = ""
    processing: Processing | None = None
    processing_text: Name = ""
    fee_text: Text = ""
    legal_basis: LongText = ""
    # The unit that decides the dossier when it is not the receiving office (issue 16, app.domain.units):
    # its identifier and name; absent (every older event) = the office itself.
    handling_unit: Annotated[str, StringConstraints(pattern=r"^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})?$")] = ""
    handling_unit_name: Name = ""


PassportNo = Annotated[str, StringConstraints(pattern=r"^([A-Z0-9]{6,9})?$")]
TaxCode = Annotated[str, StringConstraints(pattern=r"^(\d{10}(-\d{3})?)?$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^([A-Z]{2})?$")]


class RepresentativePart(Contract):
    """Who submitted the dossier on behalf of the applicant (ApplicantDraft.as_payload)."""

    full_name: Name1
    personal_id: Short = ""
    passport_no: PassportNo = ""
    nationality: CountryCode = ""
    authorisation_ref: Line1
    phone: Short = ""

    @model_validator(mode="after")
    def _identified(self) -> RepresentativePart:
        if not (self.personal_id or self.passport_no):
            raise PydanticCustomError("representative_id", "người nộp thay phải có số định danh hoặc số hộ chiếu")
        return self


class ApplicantPart(Contract):
    """The applicant (ApplicantDraft.as_payload): a citizen, a foreigner or an organisation.

    Events written before applicant kinds existed have no ``kind`` (a citizen) and none of the
    keys after ``email``; a citizen submitting in person is still written that way, so those
    events read the same on every version. ``personal_id`` is the citizen's 12-digit ID (or the
    old 9-digit one), ``passport_no`` and ``nationality`` (ISO 3166-1 alpha-2) the foreigner's,
    ``tax_code`` the organisation's enterprise/tax code, ``representative`` the person who
    submitted on the applicant's behalf.
    """

    kind: Literal["citizen", "foreigner", "organisation"] = "citizen"
    full_name: Name1
    personal_id: Short = ""
    birth_date: BirthDate = ""
    sex: Short = ""
    address: Long = ""
    phone: Short = ""
    email: Name = ""
    passport_no: PassportNo = ""
    nationality: CountryCode = ""
    tax_code: TaxCode = ""
    legal_representative: Name = ""
    representative: RepresentativePart | None = None

    @model_validator(mode="after")
    def _identified(self) -> ApplicantPart:
        if self.kind == "foreigner" and not (self.passport_no and self.nationality):
            raise PydanticCustomError("foreigner_id", "người nước ngoài phải có số hộ chiếu và quốc tịch")
        if self.kind == "organisation" and not self.tax_code:
            raise PydanticCustomError("organisation_id", "tổ chức phải có mã số doanh nghiệp/mã số thuế")
        return self

    @property
    def identifier(self) -> str:
        """The number the applicant is known by: ID number, passport number or tax code."""
        if self.kind == "foreigner":
            return self.passport_no
        if self.kind == "organisation":
            return self.tax_code
        return self.personal_id

    @property
    def search_words(self) -> str:
        """Further numbers and names a search should find the dossier by (the representative's)."""
        r = self.representative
        return " ".join(x for x in (r.full_name, r.personal_id, r.passport_no) if x) if r else ""


class DocumentPart(Contract):
    """One paper of the dossier: ``required`` at reception, ``submitted`` when not received.

    ``digitise`` (app.domain.catalog.Digitise): whether the paper must be scanned; written only when
    it is exempt ("shown": only shown, "classified"), absent = must be scanned (every older event).
    """

    name: Long = ""
    form_label: Name = ""
    copies: Annotated[int, Field(strict=True, ge=0, le=999)] = 1
    required: StrictBool = False
    submitted: StrictBool = False
    digitise: Literal["required", "shown", "classified"] = "required"


class PlacePart(Contract):
    """Where a folder goes from or to in a handover (app.domain.custody.Place.as_payload)."""

    kind: Literal["counter", "department"]
    code: Code1
    name: Name = ""


class CollectorPart(Contract):
    """Who collected the result (returns._check_collector)."""

    kind: Literal["applicant", "representative"]
    personal_id: Annotated[str, StringConstraints(pattern=r"^(\d{9}|\d{12})$")]
    full_name: Name1
    authorisation_ref: Line = ""

    @model_validator(mode="after")
    def _authorised(self) -> CollectorPart:
        if self.kind == "representative" and not self.authorisation_ref:
            raise PydanticCustomError(
                "authorisation", "thiếu authorisation_ref (số, ngày giấy ủy quyền) của người được ủy quyền"
            )
        return self


Items = Annotated[list[Text1], Field(min_length=1, max_length=100)]
"""What a supplement request lists (one line each)."""


def _postal_item(value: str) -> str:
    if not is_item_number(value):
        raise PydanticCustomError("postal_item", "số hiệu bưu gửi phải theo chuẩn S10 của Bưu điện Việt Nam")
    return value


PostalItemNo = Annotated[str, StringConstraints(max_length=13), AfterValidator(_postal_item)]
"""A Vietnam Post item number (UPU S10, check digit checked, normalised: app.domain.postal)."""


class PostalPart(Contract):
    """A dossier received by post (issue 16): the batch record it came with and its postal item number.

    The batch (``postal.batch_signed``, :class:`PostalBatchPayload`) is the event whose dossier uid is
    ``batch_id``; its signing time is the dossier's ``received_at``.
    """

    batch_id: Uuid
    item_no: PostalItemNo


# --- payloads -----------------------------------------------------------------------------------


class DecisionPayload(Contract):
    """Common part of the three reception decisions (app/services/reception.py)."""

    code: DossierCodeText | None = None
    unit_code: UnitCode
    counter_name: Name = ""
    procedure: ProcedurePart
    applicant: ApplicantPart
    documents: Annotated[list[DocumentPart], Field(max_length=200)] = []
    received_at: LocalTime
    # How the dossier reached the office (issue 16; app.domain.indicators.Channel): absent on events
    # written before it was recorded = direct. A postal dossier names its batch record and item number.
    channel: Literal["direct", "online", "postal"] = "direct"
    postal: PostalPart | None = None

    @model_validator(mode="after")
    def _postal_channel(self) -> DecisionPayload:
        if (self.postal is not None) != (self.channel == "postal"):
            raise PydanticCustomError(
                "postal_channel", "hồ sơ qua bưu chính (channel postal) phải có postal và ngược lại"
            )
        return self

    # The decree and circular in force at reception (app.domain.legal_basis); absent on events written
    # before it was recorded: derived from received_at (app.domain.legal_basis.basis_of).
    legal_basis: Annotated[str, StringConstraints(pattern=r"^(2018|2025)$")] | None = None


FeeAmount = Annotated[int, Field(strict=True, ge=0, le=10_000_000_000)]
"""An amount in đồng (app.domain.fees.MAX_AMOUNT)."""


class FeeLinePart(Contract):
    """One fee line as charged at reception (app.domain.fees.AssessedLine); ``exempt``: made free."""

    id: Code1
    name: Line1
    amount: FeeAmount
    when: Literal["before", "after"]
    exempt: StrictBool = False


class FeesPart(Contract):
    """The procedure's fee lines at reception and the exemption chosen, with the legal ground typed."""

    lines: Annotated[list[FeeLinePart], Field(min_length=1, max_length=50)]
    exemption_id: Code = ""
    exemption: Name = ""
    exemption_ground: Text = ""

    @model_validator(mode="after")
    def _exemption(self) -> FeesPart:
        if any(x.exempt for x in self.lines) and not (self.exemption_id and self.exemption_ground.strip()):
            raise PydanticCustomError("fee_exemption", "khoản được miễn phải có đối tượng miễn và căn cứ pháp lý")
        return self


class ReceivedPayload(DecisionPayload):
    """``dossier.received``: a dossier code is required."""

    code: DossierCodeText
    sets: Annotated[int, Field(strict=True, ge=1, le=99)] = 1
    return_method: Name = ""
    note: Text = ""
    due_at: LocalTime | None = None
    register_book: Code = ""
    register_no: Count | None = None
    daily_seq: Count | None = None
    fees: FeesPart | None = None  # issue 16: absent on older events and for procedures without fee lines


class SupplementRequestedPayload(DecisionPayload):
    """``dossier.supplement_requested`` (form 02)."""

    items: Annotated[list[Text1], Field(max_length=100)] = []
    reason: Text = ""


class RefusedPayload(DecisionPayload):
    """``dossier.refused`` (form 03)."""

    reason: Text = ""


class FormPrintedPayload(Contract):
    """``form.printed`` (app/services/forms.py)."""

    form: Code1
    form_title: Name = ""
    output: Long = ""
    reprint: StrictBool = False


class HandoverPayload(Contract):
    """Common part of the custody events (handover._batch_payload)."""

    batch_id: Code1
    unit_code: UnitCode
    counter_name: Name = ""
    from_: PlacePart = Field(alias="from")
    to: PlacePart
    code: Code | None = None
    parent_event_id: Code1

    model_config = ConfigDict(serialize_by_alias=True)

    @model_validator(mode="after")
    def _moves(self) -> HandoverPayload:
        if (self.from_.kind, self.from_.code) == (self.to.kind, self.to.code):
            raise PydanticCustomError("same_place", "nơi giao (from) và nơi nhận (to) trùng nhau")
        return self


class HandoverSentPayload(HandoverPayload):
    """``custody.sent``."""

    sent_at: LocalTime | None = None
    batch_size: Annotated[int, Field(strict=True, ge=1, le=10_000)] | None = None
    note: Text = ""


class HandoverReceivedPayload(HandoverPayload):
    """``custody.received``."""


class HandoverDiscrepancyPayload(HandoverPayload):
    """``custody.discrepancy``: a folder missing from a batch, or one that came unannounced."""

    parent_event_id: Code = ""
    discrepancy: Literal["missing", "unexpected"]


class ResultRecordedPayload(Contract):
    """``dossier.result_recorded`` (returns.record_result)."""

    unit_code: UnitCode
    result: Text1
    note: Text = ""
    recorded_at: LocalTime | None = None


class ReturnedPayload(Contract):
    """``dossier.returned`` (returns.return_to_citizen)."""

    unit_code: UnitCode
    collector: CollectorPart | None = None
    returned_at: LocalTime | None = None
    counter_name: Name = ""
    code: Code | None = None
    # Return by post (issue 16, Decision 45/2016/QĐ-TTg): the result and originals sent with a tracking
    # number to an address; no collector then. Absent on older events = handed over at the counter.
    method: Literal["counter", "postal"] = "counter"
    tracking_no: PostalItemNo | None = None
    recipient: Name = ""
    address: Long = ""

    @model_validator(mode="after")
    def _how(self) -> ReturnedPayload:
        if self.method == "counter" and self.collector is None:
            raise PydanticCustomError("return_collector", "trả tại quầy phải có collector (người nhận kết quả)")
        if self.method == "postal" and not (self.tracking_no and self.address.strip()):
            raise PydanticCustomError("return_postal", "trả qua bưu chính phải có tracking_no và address")
        return self


class DepartmentSupplementPayload(Contract):
    """``dossier.department_supplement_requested`` (results.request_supplement)."""

    unit_code: UnitCode
    items: Items
    reason: Text1
    department_code: Code = ""
    department_name: Name = ""
    requested_at: LocalTime | None = None
    due_at: LocalTime | None = None
    remaining_minutes: Count = 0


class SupplementReceivedPayload(Contract):
    """``dossier.supplement_received`` (results.receive_supplement)."""

    unit_code: UnitCode
    request_event_id: Code = ""
    clock: Literal["restart", "pause"] = "restart"
    old_due_at: LocalTime | None = None
    new_due_at: LocalTime
    received_at: LocalTime | None = None
    note: Text = ""


class DueExtendedPayload(Contract):
    """``dossier.due_extended`` (results.extend_due_date, form 04)."""

    unit_code: UnitCode
    reason: Text1
    old_due_at: LocalTime | None = None
    new_due_at: LocalTime
    issued_at: LocalTime | None = None
    late_notice: StrictBool = False


class AttachmentAddedPayload(Contract):
    """``dossier.attachment_added`` (app/services/attachments.py); the file travels on its own."""

    unit_code: UnitCode
    dossier_code: Code | None = None
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    size: Annotated[int, Field(strict=True, ge=1, le=2_000_000_000)]
    pages: Annotated[int, Field(strict=True, ge=1, le=10_000)]
    name: Line1
    requirement_index: Annotated[int, Field(strict=True, ge=0, le=999)] | None = None
    mime: Literal["application/pdf"] = "application/pdf"
    source: Line = ""

    @model_validator(mode="after")
    def _named(self) -> AttachmentAddedPayload:
        if not self.name.strip():
            raise PydanticCustomError("blank_name", "name (tên tài liệu) để trống")
        return self


class RatedPayload(Contract):
    """``dossier.rated`` (app/services/ratings.py): the citizen's rating at return, one per dossier.

    The values are those of app.domain.rating.Rating and RatingSource (labels there).
    """

    unit_code: UnitCode
    rating: Literal["very_satisfied", "satisfied", "dissatisfied"]
    source: Literal["citizen_screen", "officer"]
    comment: Text = ""
    rated_at: LocalTime


class StopRequestPayload(Contract):
    """Common part of ``dossier.stopped`` and ``dossier.withdrawn`` (app/services/stops.py, form 05).

    ``status_before`` is the status the counter checked (no decision yet); ``requester_name`` who
    asked (the applicant or the person submitting on their behalf); ``request_ref`` the written
    request if there is one ("Đơn đề nghị ngày 20/11/2026").
    """

    unit_code: UnitCode
    code: Code | None = None
    reason: Text1
    requester_name: Name1
    request_ref: Line = ""
    requested_at: LocalTime
    status_before: Annotated[int, Field(strict=True, ge=1, le=10)]


class StoppedPayload(StopRequestPayload):
    """``dossier.stopped``: processing stops at the citizen's request (status 8, may be resumed)."""


class WithdrawnPayload(StopRequestPayload):
    """``dossier.withdrawn``: the citizen withdraws the dossier (status 7, final)."""


class PostalBatchPayload(Contract):
    """``postal.batch_signed`` (app/services/postal.py): the batch record signed with the postal worker.

    The event's dossier uid is the batch id (no dossier has it); ``signed_at`` is the legal receipt
    time of every dossier received from the batch (their ``postal.batch_id`` names it).
    """

    unit_code: UnitCode
    counter_name: Name = ""
    postal_unit: Name1
    worker_name: Name1
    worker_phone: Short = ""
    signed_at: LocalTime
    items: Annotated[list[PostalItemNo], Field(min_length=1, max_length=500)]
    note: Text = ""

    @model_validator(mode="after")
    def _distinct(self) -> PostalBatchPayload:
        if len(set(self.items)) != len(self.items):
            raise PydanticCustomError("postal_duplicate", "một số hiệu bưu gửi có hai lần trong biên bản")
        return self


class PaidLinePart(Contract):
    """A fee line paid by a ``fee.paid`` event."""

    id: Code1
    name: Line1
    amount: FeeAmount


class FeePaidPayload(Contract):
    """``fee.paid`` (app/services/fees.py): fee lines paid, with the receipt's number (app.domain.fee_receipt)."""

    unit_code: UnitCode
    code: Code | None = None
    counter_name: Name = ""
    receipt_year: Annotated[int, Field(strict=True, ge=2000, le=2100)]
    receipt_series: Code1
    receipt_no: Annotated[int, Field(strict=True, ge=1, le=9_999_999)]
    lines: Annotated[list[PaidLinePart], Field(min_length=1, max_length=50)]
    method: Literal["cash", "transfer", "online"]
    payer_name: Name1
    payer_id: Short = ""
    paid_at: LocalTime
    einvoice_provider: Code = ""
    einvoice_ref: Line = ""

    @model_validator(mode="after")
    def _sums(self) -> FeePaidPayload:
        if len({x.id for x in self.lines}) != len(self.lines):
            raise PydanticCustomError("fee_line_twice", "một khoản thu có hai lần trong biên lai")
        return self

    @property
    def amount(self) -> int:
        """The receipt's total: the sum of its lines."""
        return sum(x.amount for x in self.lines)


class ConflictResolvedPayload(Contract):
    """``conflict.resolved``: a supervisor's resolution, written by the server (server/sync/conflicts.py)."""

    conflict_id: Uuid
    conflict_kind: Code1
    unit_code: UnitCode
    event_ids: Annotated[list[Uuid], Field(min_length=1, max_length=1000)]
    resolution: Text1


# --- tables -------------------------------------------------------------------------------------

CONTRACTS: Mapping[str, type[Contract]] = MappingProxyType(
    {
        EventType.RECEIVED: ReceivedPayload,
        EventType.SUPPLEMENT_REQUESTED: SupplementRequestedPayload,
        EventType.REFUSED: RefusedPayload,
        EventType.FORM_PRINTED: FormPrintedPayload,
        EventType.HANDOVER_SENT: HandoverSentPayload,
        EventType.HANDOVER_RECEIVED: HandoverReceivedPayload,
        EventType.HANDOVER_DISCREPANCY: HandoverDiscrepancyPayload,
        EventType.RESULT_RECORDED: ResultRecordedPayload,
        EventType.RETURNED: ReturnedPayload,
        EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT: DepartmentSupplementPayload,
        EventType.SUPPLEMENT_RECEIVED: SupplementReceivedPayload,
        EventType.DUE_EXTENDED: DueExtendedPayload,
        EventType.ATTACHMENT_ADDED: AttachmentAddedPayload,
        EventType.RATED: RatedPayload,
        EventType.STOPPED: StoppedPayload,
        EventType.WITHDRAWN: WithdrawnPayload,
        EventType.POSTAL_BATCH_SIGNED: PostalBatchPayload,
        EventType.FEE_PAID: FeePaidPayload,
        CONFLICT_RESOLVED: ConflictResolvedPayload,
    }
)
"""Payload model by event type (text as on the wire), ``conflict.resolved`` included."""

EVENT_STATUS: Mapping[EventType, DossierStatus | None] = MappingProxyType(
    {
        EventType.RECEIVED: DossierStatus.RECEIVED,
        EventType.SUPPLEMENT_REQUESTED: DossierStatus.SUPPLEMENT_REQUESTED,
        EventType.REFUSED: DossierStatus.REFUSED,
        EventType.FORM_PRINTED: None,
        EventType.HANDOVER_SENT: None,
        # A department receiving the folder moves a received dossier to processing: the folds
        # decide that from the destination (server/sync/push.py, app/store/projection.py).
        EventType.HANDOVER_RECEIVED: None,
        EventType.HANDOVER_DISCREPANCY: None,
        EventType.RESULT_RECORDED: DossierStatus.RESULT_READY,
        EventType.RETURNED: DossierStatus.RETURNED,
        EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT: DossierStatus.SUPPLEMENT_REQUESTED,
        EventType.SUPPLEMENT_RECEIVED: DossierStatus.PROCESSING,
        EventType.DUE_EXTENDED: None,
        EventType.ATTACHMENT_ADDED: None,
        EventType.RATED: None,
        EventType.STOPPED: DossierStatus.STOPPED,
        EventType.WITHDRAWN: DossierStatus.WITHDRAWN,
        EventType.FEE_PAID: None,  # a payment; the return checks it (app/services/fees.py)
        EventType.POSTAL_BATCH_SIGNED: None,  # a batch record, not a dossier (app/services/postal.py)
    }
)
"""The status each event leads a dossier to (None: the status does not move by itself)."""

DECISION_EVENTS = frozenset({EventType.RECEIVED, EventType.SUPPLEMENT_REQUESTED, EventType.REFUSED})
"""The reception decisions: they create the dossier."""


def contract_for(kind: EventType | str) -> type[Contract]:
    """The payload model of ``kind``.

    Raises:
        KeyError: No contract for this type (a newer version's event).
    """
    return CONTRACTS[str(kind)]


def parse_payload(type_str: str, payload: Any) -> Contract:
    """Validate ``payload`` against the contract of ``type_str``.

    Raises:
        KeyError: Unknown event type.
        pydantic.ValidationError: The payload breaks the contract (:func:`describe` says how,
            in Vietnamese).
    """
    return contract_for(type_str).model_validate(payload)


def dump_payload(model: Contract) -> dict[str, Any]:
    """The JSON form of a validated payload: the keys that were sent, with their checked values."""
    return model.model_dump(mode="json", exclude_unset=True, by_alias=True)


# --- Vietnamese errors --------------------------------------------------------------------------

_MESSAGES = {
    "missing": "thiếu",
    "extra_forbidden": "khóa không được phép",
    "string_type": "phải là chuỗi ký tự",
    "string_unicode": _SURROGATE,
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "float_type": "phải là số",
    "finite_number": "phải là số hữu hạn (không nhận NaN, Infinity)",
    "bool_type": "phải là true hoặc false",
    "dict_type": "phải là một đối tượng JSON",
    "model_type": "phải là một đối tượng JSON",
    "model_attributes_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
    "literal_error": "giá trị không được nhận",
    "string_pattern_mismatch": "sai định dạng",
    "none_required": "phải để trống (null)",
    "datetime_type": "phải là thời điểm ISO 8601",
}


def _why(error: Mapping[str, Any]) -> str:
    kind = str(error["type"])
    ctx = error.get("ctx") or {}
    if kind == "string_too_long":
        return f"dài quá {ctx.get('max_length')} ký tự"
    if kind == "string_too_short":
        return "để trống" if ctx.get("min_length") == 1 else f"ngắn hơn {ctx.get('min_length')} ký tự"
    if kind == "too_long":
        return f"quá {ctx.get('max_length')} phần tử"
    if kind == "too_short":
        return f"cần ít nhất {ctx.get('min_length')} phần tử"
    if kind in ("greater_than_equal", "greater_than"):
        return f"phải từ {ctx.get('ge', ctx.get('gt'))} trở lên"
    if kind in ("less_than_equal", "less_than"):
        return f"phải không quá {ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error":
        return f"phải là một trong: {ctx.get('expected', '')}"[:120]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if error.get("msg") and kind not in ("value_error", "assertion_error"):
        # Our own PydanticCustomError messages are Vietnamese already.
        msg = str(error["msg"])
        if msg and not msg.startswith(("Input should", "Value error", "Assertion")):
            return msg
    return "giá trị không hợp lệ"


def describe(exc: ValidationError, prefix: str = "", *, whole: str = "sự kiện") -> str:
    """Which field is wrong and why, in Vietnamese: ``payload.applicant.full_name: dài quá 200 ký tự``.

    The first error is described (with how many more there are); the input is never echoed.
    """
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    loc = [prefix] if prefix else []
    # "from_" is the handover's source place; its wire key is "from". Union members add their
    # type names to the path: drop them.
    loc += ["from" if p == "from_" else str(p) for p in first["loc"] if not _is_union_tag(p)]
    where = ".".join(p for p in loc if p) or whole
    more = f" (và {len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
    return f"{where[:120]}: {_why(first)}{more}"


def _is_union_tag(part: Any) -> bool:
    tags = ("int", "float", "str", "none")
    return isinstance(part, str) and (part in tags or part.startswith(("function-", "constrained-")))
