"""Wire types of the sync protocol (docs/SYNC-PROTOCOL.md), shared by the client and the server.

Everything that crosses the network is validated against these models on arrival, on both
sides: bounded string lengths, id formats, batch sizes. The server's OpenAPI document is
generated from them.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

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

MAX_PUSH_BATCH = 500
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
    code: Annotated[str, StringConstraints(min_length=6, max_length=64)]
    counter_name: Name


class EnrolResponse(Wire):
    device_id: Uuid
    device_secret: Annotated[str, StringConstraints(min_length=32, max_length=128)]
    unit_code: UnitCode
    office_name: Name
    slot: Annotated[int, Field(ge=0, le=99)]


class LoginRequest(Wire):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    device_id: Uuid
    device_secret: Annotated[str, StringConstraints(min_length=32, max_length=128)]


class RefreshRequest(Wire):
    refresh_token: Annotated[str, StringConstraints(min_length=32, max_length=256)]
    device_id: Uuid
    device_secret: Annotated[str, StringConstraints(min_length=32, max_length=128)]


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


class EventWire(Wire):
    """One immutable user action, as stored in the client's ``event`` table."""

    id: Uuid
    device_id: Uuid
    device_seq: Annotated[int, Field(ge=1)]
    type: Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z_]+$", max_length=50)]
    dossier_uid: Uuid
    base_version: Annotated[int, Field(ge=0)] = 0
    officer_id: Uuid
    officer_name: Name
    occurred_at: datetime  # office local time, naive
    hlc: Hlc
    payload: dict[str, Any]


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
    calendar_entries: list[CalendarEntryWire]
    office_hours: list[tuple[str, str]]  # [["07:00", "11:30"], ["13:30", "17:00"]]


# --- attachments ----------------------------------------------------------------------------


class AttachmentComplete(Wire):
    size: Annotated[int, Field(ge=0, le=2_000_000_000)]
