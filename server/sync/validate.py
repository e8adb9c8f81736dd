"""Checks one pushed event before anything is written: wire shape, type, payload, unit.

A failed check is final (``Rejection``): the event is answered ``rejected`` and the rest of the
batch goes on. The payload keys are those the client writes (app/services/reception.py,
app/services/forms.py) and folds (app/store/projection.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.domain.codes import DossierCode, parse_dossier_code
from app.domain.custody import CUSTODY_KINDS, Discrepancy, PlaceKind
from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.sync.wire import EventWire

# Event types a device may push; ``conflict.resolved`` is written by the server only.
DECISION_STATUS: dict[EventType, DossierStatus] = {
    EventType.RECEIVED: DossierStatus.RECEIVED,
    EventType.SUPPLEMENT_REQUESTED: DossierStatus.SUPPLEMENT_REQUESTED,
    EventType.REFUSED: DossierStatus.REFUSED,
}
MAX_SEQ = 2**62  # fits the BIGINT column with room to spare
MAX_VERSION = 2**31 - 1


class Rejection(Exception):
    """An event the server refuses for good.

    Args:
        code: Machine code stored with the rejection (``malformed``, ``unknown_type`` …).
        message: Vietnamese sentence for the outbox screen.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Decision:
    """What a reception decision event (received, supplement requested, refused) sets."""

    status: DossierStatus
    code_text: str | None
    code: DossierCode | None
    procedure_code: str
    procedure_name: str
    applicant_name: str
    personal_id: str
    phone: str
    received_at: datetime
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class Step:
    """What a step after reception (custody, result, return, supplement, apology) sets.

    Attributes:
        status: The status the step moves to (None: no status change by itself).
        place: Custody after the step as ``"<kind>:<code>"`` ("" when custody does not move).
        in_transit: The folder is on its way to ``place``.
        parent_event_id: The custody event the device knew before a handover ("" otherwise).
        new_due_at: The due date the step sets (supplement received, apology).
    """

    status: DossierStatus | None
    place: str
    in_transit: bool
    parent_event_id: str
    new_due_at: datetime | None


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    """A pushed event that passed every check; ``decision`` is set for reception decisions and
    ``step`` for the steps after reception; both are None for ``form.printed``."""

    wire: EventWire
    kind: EventType
    decision: Decision | None
    step: Step | None = None


def _malformed(detail: str) -> Rejection:
    return Rejection("malformed", f"Sự kiện không đúng định dạng ({detail}); máy chủ không nhận.")


def _has_nul(value: Any) -> bool:
    # PostgreSQL text and JSONB cannot hold U+0000: refuse it here rather than fail the batch.
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _text(obj: dict[str, Any], key: str, *, max_len: int, required: bool = True, where: str = "") -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise _malformed(f"thiếu {where}{key}")
        return ""
    if not isinstance(value, str) or len(value) > max_len:
        raise _malformed(f"{where}{key} phải là chuỗi tối đa {max_len} ký tự")
    return value


def _moment(obj: dict[str, Any], key: str, *, required: bool) -> datetime | None:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise _malformed(f"thiếu {key}")
        return None
    if not isinstance(value, str):
        raise _malformed(f"{key} phải là thời điểm ISO 8601")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _malformed(f"{key} “{value[:40]}” không phải thời điểm ISO 8601") from None
    if moment.tzinfo is not None:
        raise _malformed(f"{key} phải là giờ địa phương, không kèm múi giờ")
    return moment


def _section(payload: dict[str, Any], key: str) -> dict[str, Any]:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise _malformed(f"thiếu {key}")
    return value


def _decision(kind: EventType, payload: dict[str, Any]) -> Decision:
    procedure = _section(payload, "procedure")
    applicant = _section(payload, "applicant")
    code_text = payload.get("code")
    code: DossierCode | None = None
    if code_text is not None:
        if not isinstance(code_text, str) or (code := parse_dossier_code(code_text)) is None:
            raise _malformed(f"mã hồ sơ “{str(code_text)[:60]}” sai định dạng")
        code_text = code.text
    elif kind is EventType.RECEIVED:
        raise _malformed("hồ sơ tiếp nhận thiếu mã hồ sơ")
    received_at = _moment(payload, "received_at", required=True)
    assert received_at is not None
    return Decision(
        status=DECISION_STATUS[kind],
        code_text=code_text,
        code=code,
        procedure_code=_text(procedure, "code", max_len=40, where="procedure."),
        procedure_name=_text(procedure, "name", max_len=4000, where="procedure."),
        applicant_name=_text(applicant, "full_name", max_len=200, where="applicant."),
        personal_id=_text(applicant, "personal_id", max_len=20, required=False, where="applicant."),
        phone=_text(applicant, "phone", max_len=20, required=False, where="applicant."),
        received_at=received_at,
        due_at=_moment(payload, "due_at", required=False),
    )


_STEP_STATUS = {
    EventType.RESULT_RECORDED: DossierStatus.RESULT_READY,
    EventType.RETURNED: DossierStatus.RETURNED,
    EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT: DossierStatus.SUPPLEMENT_REQUESTED,
    EventType.SUPPLEMENT_RECEIVED: DossierStatus.PROCESSING,
}
_PERSONAL_ID_LENGTHS = (9, 12)


def _place(payload: dict[str, Any], key: str) -> str:
    value = _section(payload, key)
    kind = value.get("kind")
    if kind not in (PlaceKind.COUNTER, PlaceKind.DEPARTMENT):
        raise _malformed(f"{key}.kind phải là counter hoặc department")
    code = _text(value, "code", max_len=40, where=f"{key}.")
    _text(value, "name", max_len=200, required=False, where=f"{key}.")
    return f"{kind}:{code}"


def _step(kind: EventType, payload: dict[str, Any]) -> Step:
    """Check the payload of a step after reception (the keys app/services/handover.py, returns.py
    and results.py write)."""
    if kind in CUSTODY_KINDS and kind is not EventType.RETURNED:
        _text(payload, "batch_id", max_len=36)
        source, destination = _place(payload, "from"), _place(payload, "to")
        if source == destination:
            raise _malformed("nơi giao và nơi nhận trùng nhau")
        parent = _text(payload, "parent_event_id", max_len=36, required=kind is not EventType.HANDOVER_DISCREPANCY)
        if kind is EventType.HANDOVER_DISCREPANCY:
            if payload.get("discrepancy") not in (Discrepancy.MISSING, Discrepancy.UNEXPECTED):
                raise _malformed("discrepancy phải là missing hoặc unexpected")
            missing = payload["discrepancy"] == Discrepancy.MISSING
            return Step(None, destination, missing, parent, None)
        return Step(None, destination, kind is EventType.HANDOVER_SENT, parent, None)
    if kind is EventType.RETURNED:
        collector = _section(payload, "collector")
        if collector.get("kind") not in ("applicant", "representative"):
            raise _malformed("collector.kind phải là applicant hoặc representative")
        pid = _text(collector, "personal_id", max_len=12, where="collector.")
        if not pid.isdigit() or len(pid) not in _PERSONAL_ID_LENGTHS:
            raise _malformed("collector.personal_id phải gồm 12 (hoặc 9) chữ số")
        _text(collector, "full_name", max_len=200, where="collector.")
        representative = collector["kind"] == "representative"
        _text(collector, "authorisation_ref", max_len=300, required=representative, where="collector.")
        return Step(_STEP_STATUS[kind], f"{PlaceKind.CITIZEN}:{pid}", False, "", None)
    if kind is EventType.RESULT_RECORDED:
        _text(payload, "result", max_len=2000)
        return Step(_STEP_STATUS[kind], "", False, "", None)
    if kind is EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT:
        items = payload.get("items")
        if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
            raise _malformed("items phải là danh sách nội dung cần bổ sung")
        _text(payload, "reason", max_len=2000)
        return Step(_STEP_STATUS[kind], "", False, "", None)
    new_due = _moment(payload, "new_due_at", required=True)
    if kind is EventType.DUE_EXTENDED:
        _text(payload, "reason", max_len=2000)
        return Step(None, "", False, "", new_due)
    return Step(_STEP_STATUS[kind], "", False, "", new_due)  # supplement received


ATTACHMENT_SIZE_MAX = 2_000_000_000  # server/sync/attachments.py SIZE_MAX
ATTACHMENT_PAGES_MAX = 10_000
_HEX = frozenset("0123456789abcdef")


def _attachment(payload: dict[str, Any]) -> None:
    """Check a ``dossier.attachment_added`` payload (app/services/attachments.py writes it)."""
    sha = payload.get("sha256")
    if not isinstance(sha, str) or len(sha) != 64 or not set(sha) <= _HEX:
        raise _malformed("sha256 phải gồm 64 chữ số hex viết thường")
    size = payload.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= ATTACHMENT_SIZE_MAX:
        raise _malformed("size phải là số byte từ 1 đến 2.000.000.000")
    pages = payload.get("pages")
    if not isinstance(pages, int) or isinstance(pages, bool) or not 1 <= pages <= ATTACHMENT_PAGES_MAX:
        raise _malformed(f"pages phải là số trang từ 1 đến {ATTACHMENT_PAGES_MAX}")
    if not _text(payload, "name", max_len=300).strip():
        raise _malformed("thiếu name")
    index = payload.get("requirement_index")
    if index is not None and (not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 1000):
        raise _malformed("requirement_index phải là số thứ tự thành phần hồ sơ hoặc null")
    if payload.get("mime", "application/pdf") != "application/pdf":
        raise _malformed("chỉ nhận tệp application/pdf")
    _text(payload, "source", max_len=100, required=False)


def _wire_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "sự kiện"
    return f"{where}: {first['msg']}"[:200]


def check_event(raw: dict[str, Any], unit_code: str, *, may_hold_nul: bool = True) -> CheckedEvent:
    """Validate one pushed event for the caller's unit.

    Args:
        raw: The event as received (a JSON object).
        unit_code: The pushing device's unit.
        may_hold_nul: False when the request body was seen to hold no ``\\u0000`` at all,
            which spares walking every payload.

    Returns:
        The event parsed, with the dossier fields a decision sets.

    Raises:
        Rejection: Malformed wire shape or payload, unknown type, or an event of another unit.
    """
    try:
        wire = EventWire.model_validate(raw)
    except ValidationError as exc:
        raise _malformed(_wire_error(exc)) from None
    if wire.device_seq > MAX_SEQ or wire.base_version > MAX_VERSION:
        raise _malformed("số thứ tự hoặc phiên bản quá lớn")
    if wire.occurred_at.tzinfo is not None:
        raise _malformed("occurred_at phải là giờ địa phương, không kèm múi giờ")
    if may_hold_nul and (_has_nul(wire.payload) or _has_nul(wire.officer_name)):
        raise _malformed("có ký tự NUL")
    try:
        kind = EventType(wire.type)
    except ValueError:
        raise Rejection("unknown_type", f"Loại sự kiện “{wire.type}” không được máy chủ hỗ trợ.") from None
    payload = wire.payload
    if kind is EventType.FORM_PRINTED:
        _text(payload, "form", max_len=40)
        return CheckedEvent(wire, kind, None)
    event_unit = payload.get("unit_code")
    if event_unit != unit_code:
        raise Rejection(
            "other_unit",
            f"Sự kiện ghi đơn vị “{str(event_unit)[:30]}”, không phải đơn vị {unit_code} của máy trạm này.",
        )
    if kind is EventType.ATTACHMENT_ADDED:
        _attachment(payload)
        return CheckedEvent(wire, kind, None)  # stored and fed like form.printed: no state change
    if kind in DECISION_STATUS:
        return CheckedEvent(wire, kind, _decision(kind, payload))
    return CheckedEvent(wire, kind, None, _step(kind, payload))
