"""Wire types of the sync protocol (docs/SYNC-PROTOCOL.md), shared by the client and the server.

Everything that crosses the network is validated against these models on arrival, on both
sides: bounded string lengths, id formats, batch sizes. The server's OpenAPI document is
generated from them.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from app.domain import text_rules
from app.domain.contracts import check_local_time

# A UUID in its canonical text form (the client writes UUIDv7 ids).
Uuid = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
]
UnitCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z.]{3,20}$")]
# <ms:013d>:<counter:05d>:<device id> (app.domain.events.next_hlc)
Hlc = Annotated[str, StringConstraints(pattern=r"^\d{13}:\d{5}:[0-9a-f-]{36}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]

# The text rule is app.domain.text_rules (shared with the event contracts); re-exported here.
FORBIDDEN_CHAR = text_rules.FORBIDDEN_CHAR
"""Pydantic error type of :data:`CleanText` and :data:`Encodable` (server/api/errors.py words it)."""
has_forbidden_chars = text_rules.has_forbidden_chars


# Add to a str field someone types (``Annotated[str, StringConstraints(...), CleanText]``): refuses
# NUL (PostgreSQL cannot store it), other control characters, and lone surrogates (which no
# database driver can encode, e.g. "\udcff" from a command line of non-UTF-8 bytes).
CleanText = AfterValidator(text_rules.clean_text)
# Only lone surrogates: for text that is hashed, never stored (a password).
Encodable = AfterValidator(text_rules.encodable)
# A name a person typed: 1-200 characters, none of them refused by CleanText.
CleanName = Annotated[str, StringConstraints(min_length=1, max_length=200), CleanText]
# A secret the server issued (device secret, refresh token): base64url, 32 bytes or more.
Base64Url = Annotated[str, StringConstraints(min_length=32, max_length=256, pattern=r"^[A-Za-z0-9_-]+$")]

MAX_PUSH_BATCH = 500
MAX_PUSH_BYTES = 4 * 1024 * 1024
"""A push body the client sends is kept under this (events as compact UTF-8 JSON), half the
server's default ``push_body_max_bytes`` (8 MiB): 500 events with large payloads never exceed it.
An event larger than this goes alone; docs/SYNC-PROTOCOL.md, Push."""
MAX_CLOCK_OFFSET_S = 10 * 366 * 86_400  # EventWire.clock_offset_seconds: ten years
MAX_PULL_PAGE = 1000


class Wire(BaseModel):
    """Base of every wire model: unknown fields are refused, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorDetail(Wire):
    code: str
    message: str  # Vietnamese, shown to the user as is


class ErrorBody(Wire):
    detail: ErrorDetail


# --- identity -------------------------------------------------------------------------------


class EnrolRequest(Wire):
    code: Annotated[str, StringConstraints(min_length=6, max_length=64), CleanText]
    counter_name: CleanName


class EnrolResponse(Wire):
    device_id: Uuid
    device_secret: Annotated[str, StringConstraints(min_length=32, max_length=128)]
    unit_code: UnitCode
    office_name: Name
    slot: Annotated[int, Field(ge=0, le=99)]


class LoginRequest(Wire):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64), CleanText]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256), Encodable]
    device_id: Uuid
    device_secret: Base64Url


class RefreshRequest(Wire):
    refresh_token: Base64Url
    device_id: Uuid
    device_secret: Base64Url


Role = Literal["officer", "supervisor", "admin"]


class OfficerInfo(Wire):
    id: Uuid
    username: str
    full_name: Name
    role: Role
    unit_code: UnitCode
    active: bool = True


class OfflineGrant(Wire):
    """Signed by the server: this officer may log in offline on this device until ``expires_at``."""

    officer_id: Uuid
    device_id: Uuid
    issued_at: datetime
    expires_at: datetime
    signature: str


class Session(Wire):
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    officer: OfficerInfo
    server_time: datetime
    offline_grant: OfflineGrant


# --- events ---------------------------------------------------------------------------------


MAX_SEQ = 2**53 - 1  # device_seq: exact in every JSON reader (a double's integer range)
MAX_VERSION = 2**31 - 1
DeviceSeq = Annotated[int, Field(strict=True, ge=1, le=MAX_SEQ)]


def _moment(value: Any) -> Any:
    # A number would pass as a Unix timestamp (an aware UTC time): only ISO 8601 text is a moment here.
    if isinstance(value, (int, float)):
        raise PydanticCustomError("local_time", "phải là thời điểm ISO 8601 (ví dụ 2026-11-23T09:15)")
    return value


class EventWire(Wire):
    """One immutable user action, as stored in the client's ``event`` table."""

    id: Uuid
    device_id: Uuid
    device_seq: DeviceSeq
    type: Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z_]+$", max_length=50)]
    dossier_uid: Uuid
    base_version: Annotated[int, Field(strict=True, ge=0, le=MAX_VERSION)] = 0
    officer_id: Uuid
    officer_name: CleanName
    occurred_at: Annotated[datetime, BeforeValidator(_moment), AfterValidator(check_local_time)]  # office local, naive
    hlc: Hlc
    # Stays a dict on the wire (a newer client's event type must still pass through pulls); the
    # server checks it against its contract (app.domain.contracts.parse_payload) before storing.
    payload: dict[str, Any]
    # How far the PC's clock was from the server's when the event was made (server minus PC,
    # seconds; app.sync.state.note_server_time); None: not known. Bounded to ±10 years.
    clock_offset_seconds: Annotated[int, Field(ge=-MAX_CLOCK_OFFSET_S, le=MAX_CLOCK_OFFSET_S)] | None = None


PushStatus = Literal["accepted", "duplicate", "flagged", "rejected"]


class PushRequest(Wire):
    device_id: Uuid
    events: Annotated[list[EventWire], Field(min_length=1, max_length=MAX_PUSH_BATCH)]

    @model_validator(mode="after")
    def _ordered(self) -> PushRequest:
        seqs = [e.device_seq for e in self.events]
        if any(b <= a for a, b in pairwise(seqs)):
            raise ValueError("events must be in strictly increasing device_seq order")
        if any(e.device_id != self.device_id for e in self.events):
            raise ValueError("every event must come from the pushing device")
        return self


class PushResult(Wire):
    event_id: Uuid
    status: PushStatus
    reason: str = ""  # Vietnamese, for the outbox screen
    conflict_ids: list[Uuid] = []
    # The kind of each conflict in ``conflict_ids`` (same order), e.g. "double_handover", so the
    # counter that made the event can say at once what is wrong with it.
    flags: list[Annotated[str, Field(max_length=40)]] = []


class PushResponse(Wire):
    results: list[PushResult]
    server_time: datetime


class Change(Wire):
    kind: Literal["event", "reference"] | str
    event: EventWire | None = None
    server_received_at: datetime | None = None
    flags: list[str] = []


class PullResponse(Wire):
    changes: list[Change]
    cursor: Annotated[str, StringConstraints(max_length=200)]
    more: bool
    server_time: datetime


# What the counter reads from a pull. Forward compatible: keys a newer server adds to a page, a
# change or an event's envelope are ignored (the server itself still refuses unknown keys in what
# it is sent). Without this, a counter that meets a new envelope key would leave every such change
# out of its page (app.sync.transport.parse_pull_page) and move its cursor past it: events lost.
_FED = ConfigDict(extra="ignore", frozen=True)


class FedEvent(EventWire):
    """An event as a pull delivers it: :class:`EventWire`, unknown envelope keys ignored."""

    model_config = _FED


class FedChange(Change):
    """A change as a pull delivers it (unknown keys ignored)."""

    model_config = _FED
    event: FedEvent | None = None


class FedPage(PullResponse):
    """A pull page as the counter reads it (unknown keys ignored)."""

    model_config = _FED
    # A list of the subclass: mypy holds list invariant, pydantic validates each as FedChange.
    changes: list[FedChange]  # type: ignore[assignment]


# --- conflicts ------------------------------------------------------------------------------

ConflictState = Literal["open", "resolved", "all"]
RESOLUTION_MAX = 2000


class ConflictWire(Wire):
    """A conflict as ``GET /conflicts`` and ``POST /conflicts/{id}/resolve`` answer it (supervisor)."""

    id: Uuid
    unit_code: UnitCode
    kind: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    dossier_uid: Uuid
    event_ids: list[Uuid]
    details: dict[str, Any]
    opened_at: datetime
    resolved_at: datetime | None
    resolution: Annotated[str, StringConstraints(max_length=RESOLUTION_MAX)] | None
    resolved_by: Annotated[str, StringConstraints(max_length=200)] | None
    resolution_event_id: Uuid | None


class ConflictList(Wire):
    conflicts: list[ConflictWire]


class ResolveRequest(Wire):
    resolution: Annotated[str, StringConstraints(min_length=1, max_length=RESOLUTION_MAX)]


# --- dossier codes --------------------------------------------------------------------------

SERVER_BLOCK_MAX = 4999  # server-issued numbers: 0001–4999 per unit and day
FALLBACK_BASE = 5000  # offline fallback: 5000 + 50·slot … 5049 + 50·slot
FALLBACK_SIZE = 50


def fallback_range(slot: int) -> range:
    """The dossier numbers a device may use, unique by construction, when its blocks run out."""
    if not 0 <= slot <= 99:
        raise ValueError(f"device slot {slot} is outside 0…99")
    start = FALLBACK_BASE + FALLBACK_SIZE * slot
    return range(start, start + FALLBACK_SIZE)


class ReserveRequest(Wire):
    request_id: Uuid
    device_id: Uuid
    days: Annotated[list[date], Field(min_length=1, max_length=10)]
    size: Annotated[int, Field(ge=1, le=2000)]


class CodeBlock(Wire):
    unit_code: UnitCode
    day: date
    first: Annotated[int, Field(ge=1, le=SERVER_BLOCK_MAX)]
    last: Annotated[int, Field(ge=1, le=SERVER_BLOCK_MAX)]


class ReserveResponse(Wire):
    blocks: list[CodeBlock]


# --- reference data -------------------------------------------------------------------------


class DepartmentInfo(Wire):
    code: str
    name: Name
    level: str = ""


class CalendarEntryWire(Wire):
    day: date
    kind: Literal["holiday", "workday"]
    name: Name
    legal_ref: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class OfficeWire(Wire):
    unit_code: UnitCode
    name: Name
    governing_body: Name
    place_name: Name
    demo: bool = False


class Reference(Wire):
    version: str
    office: OfficeWire
    departments: list[DepartmentInfo]
    officers: list[OfficerInfo]
    catalog: list[dict[str, Any]]  # procedures as in resources/catalog/procedures.json
    units: list[dict[str, Any]] = []  # the province's units (app.domain.units); [] from servers before issue 16
    calendar_entries: list[CalendarEntryWire]
    office_hours: list[tuple[str, str]]  # [["07:00", "11:30"], ["13:30", "17:00"]]


# --- attachments ----------------------------------------------------------------------------


class AttachmentComplete(Wire):
    size: Annotated[int, Field(ge=0, le=2_000_000_000)]


# --- province indicators (GET /reports/kpi, server/api/reports.py) -------------------------------------


class Report(BaseModel):
    """Base of the report answers: read forward-compatibly (a key a newer server adds is ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class KpiRatio(Report):
    """A share: ``percent`` is None when ``denominator`` is 0."""

    numerator: Annotated[int, Field(ge=0)]
    denominator: Annotated[int, Field(ge=0)]
    percent: float | None


class KpiProcessing(Report):
    """2.2 of one procedure: the average processing time of the dossiers resolved in the period that it
    also received, against the legal time (app.services.reports.ProcessingFigure)."""

    procedure_code: str
    procedure_name: str
    unit: Literal["working_days", "working_hours", "calendar_days"] | None
    finished: Annotated[int, Field(ge=0)]
    average: float | None
    legal: float | None
    faster_percent: float | None


class KpiFigures(Report):
    """The figures of one group (``key`` "" for the whole scope, else a unit code, department code,
    field, procedure code or officer id), as app.services.reports.Indicators."""

    key: str
    name: str
    counted: Annotated[int, Field(ge=0)]
    on_time: KpiRatio  # 2.1
    on_time_score: float | None
    channels: dict[Literal["direct", "online", "postal"], KpiRatio]  # 3.3, of the dossiers received in the period
    late: KpiRatio
    digitised: KpiRatio = KpiRatio(numerator=0, denominator=0, percent=None)  # 4.2
    digitised_score: float | None = None
    dissatisfied: KpiRatio
    satisfaction: float | None  # 5.4
    satisfaction_score: float | None
    processing: list[KpiProcessing] = []  # 2.2, one per procedure


class KpiResponse(Report):
    """``GET /reports/kpi``: the period's figures for the scope, and per office, department, field,
    procedure and officer (department codes and officer ids are unique within an office; across the
    province a department's key is "<unit code>/<department code>")."""

    start: date
    end: date
    scope: Literal["province", "office"]
    computed_at: datetime
    whole: KpiFigures
    offices: list[KpiFigures]
    fields: list[KpiFigures]
    departments: list[KpiFigures] = []
    procedures: list[KpiFigures] = []
    officers: list[KpiFigures] = []


class PeriodRowWire(Report):
    """One row of Biểu II.06a (app.services.reports.ReportRow)."""

    level: str
    level_label: str
    field: str
    received_total: Annotated[int, Field(ge=0)]
    received_online: Annotated[int, Field(ge=0)]
    received_direct_postal: Annotated[int, Field(ge=0)]
    carried_over: Annotated[int, Field(ge=0)]
    resolved_total: Annotated[int, Field(ge=0)]
    resolved_early: Annotated[int, Field(ge=0)]
    resolved_on_time: Annotated[int, Field(ge=0)]
    resolved_late: Annotated[int, Field(ge=0)]
    in_progress_total: Annotated[int, Field(ge=0)]
    in_progress_on_time: Annotated[int, Field(ge=0)]
    in_progress_late: Annotated[int, Field(ge=0)]


class PeriodLevelWire(Report):
    """The rows of one administrative level and their subtotal (app.services.reports.LevelGroup)."""

    level: str
    level_label: str
    rows: list[PeriodRowWire]
    subtotal: PeriodRowWire


class PeriodReportResponse(Report):
    """``GET /reports/period``: Biểu II.06a of the period for the scope (app.services.reports.PeriodReport)."""

    start: date
    end: date
    scope: Literal["province", "office"]
    computed_at: datetime
    unit_code: str
    unit_name: str
    governing_body: str
    place_name: str
    groups: list[PeriodLevelWire]
    total: PeriodRowWire


# --- change one's password (POST /auth/password) ----------------------------------------------


class PasswordChangeRequest(Wire):
    """The caller changes their own password. ``officer_id`` names whose password the client means:
    the server refuses when the session it holds belongs to someone else (another officer's session
    left on a shared PC). The new password's rules are :mod:`app.domain.password_rules`."""

    officer_id: Uuid
    old_password: Annotated[str, StringConstraints(min_length=1, max_length=256), Encodable]
    new_password: Annotated[str, StringConstraints(min_length=1, max_length=256), Encodable]


class PasswordChanged(Wire):
    """The answer to :class:`PasswordChangeRequest`: a fresh offline grant, so the PC can replace its
    offline verifier with one of the new password (the old one then no longer logs in offline)."""

    officer: OfficerInfo
    server_time: datetime
    offline_grant: OfflineGrant
