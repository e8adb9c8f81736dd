"""Checks one pushed event before anything is written: wire shape, type, payload contract, unit.

A failed check is final (``Rejection``): the event is answered ``rejected`` and the rest of the
batch goes on. The envelope is checked by ``app.sync.wire.EventWire`` and the payload by its
contract (``app.domain.contracts``), the same models the client writes with; the payload kept
is the contract's dump, so the feed only ever holds validated data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.domain.codes import DossierCode, parse_dossier_code
from app.domain.contracts import (
    DECISION_EVENTS,
    EVENT_STATUS,
    Contract,
    DecisionPayload,
    DueExtendedPayload,
    HandoverDiscrepancyPayload,
    HandoverPayload,
    ReturnedPayload,
    SupplementReceivedPayload,
    describe,
    dump_payload,
    local_time,
    parse_payload,
)
from app.domain.custody import PlaceKind
from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.sync.wire import MAX_SEQ, MAX_VERSION, EventWire

__all__ = ["MAX_SEQ", "MAX_VERSION", "CheckedEvent", "Decision", "Rejection", "Step", "check_event"]


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
    ``step`` for the steps after reception; both are None for ``form.printed`` and attachments.

    ``wire.payload`` is the contract's dump (what is stored and fed), ``payload`` the model.
    """

    wire: EventWire
    kind: EventType
    decision: Decision | None
    step: Step | None = None
    payload: Contract | None = None
    # The unit the payload names when it is not the pushing device's: a step the handling unit records on
    # a dossier of the office that received it (issue 16); the fold checks that it handles the dossier.
    other_unit: str = ""


def _malformed(detail: str) -> Rejection:
    return Rejection("malformed", f"Sự kiện không đúng định dạng ({detail}); máy chủ không nhận.")


def _decision(kind: EventType, p: DecisionPayload) -> Decision:
    status = EVENT_STATUS[kind]
    assert status is not None
    code = parse_dossier_code(p.code) if p.code is not None else None
    due_at = getattr(p, "due_at", None)
    return Decision(
        status=status,
        code_text=code.text if code is not None else None,
        code=code,
        procedure_code=p.procedure.code,
        procedure_name=p.procedure.name,
        applicant_name=p.applicant.full_name,
        personal_id=p.applicant.personal_id,
        phone=p.applicant.phone,
        received_at=local_time(p.received_at),
        due_at=local_time(due_at) if due_at else None,
    )


def _step(kind: EventType, p: Contract) -> Step:
    """What a step after reception sets, from its checked payload."""
    status = EVENT_STATUS[kind]
    if isinstance(p, HandoverPayload):
        destination = f"{p.to.kind}:{p.to.code}"
        if isinstance(p, HandoverDiscrepancyPayload):
            return Step(None, destination, p.discrepancy == "missing", p.parent_event_id, None)
        return Step(None, destination, kind is EventType.HANDOVER_SENT, p.parent_event_id, None)
    if isinstance(p, ReturnedPayload):
        # Returned by post: the folder went to the addressee under its tracking number (issue 16).
        holder = p.collector.personal_id if p.collector is not None else p.tracking_no or ""
        return Step(status, f"{PlaceKind.CITIZEN}:{holder}", False, "", None)
    if isinstance(p, (SupplementReceivedPayload, DueExtendedPayload)):
        return Step(status, "", False, "", local_time(p.new_due_at))
    return Step(status, "", False, "", None)  # result recorded, department supplement request


def check_event(raw: Any, unit_code: str, *, may_hold_nul: bool = True) -> CheckedEvent:
    """Validate one pushed event for the caller's unit.

    Args:
        raw: The event as received (a JSON value).
        unit_code: The pushing device's unit.
        may_hold_nul: Kept for callers; every string is checked for U+0000 by the contracts.

    Returns:
        The event parsed (its payload replaced by the contract's dump), with what it sets.

    Raises:
        Rejection: Malformed envelope or payload (the reason names the field and says why),
            unknown type, or an event of another unit.
    """
    del may_hold_nul
    if not isinstance(raw, dict):
        raise _malformed("sự kiện phải là một đối tượng JSON")
    try:
        wire = EventWire.model_validate(raw)
    except ValidationError as exc:
        raise _malformed(describe(exc)) from None
    try:
        kind = EventType(wire.type)
    except ValueError:
        raise Rejection("unknown_type", f"Loại sự kiện “{wire.type}” không được máy chủ hỗ trợ.") from None
    try:
        payload = parse_payload(kind, wire.payload)
    except ValidationError as exc:
        raise _malformed(describe(exc, "payload")) from None
    event_unit = getattr(payload, "unit_code", unit_code)
    if event_unit != unit_code and (kind in DECISION_EVENTS or not isinstance(event_unit, str)):
        raise Rejection(
            "other_unit",
            f"Sự kiện ghi đơn vị “{event_unit}”, không phải đơn vị {unit_code} của máy trạm này.",
        )
    wire = wire.model_copy(update={"payload": dump_payload(payload)})
    other = "" if event_unit == unit_code else event_unit  # the fold checks the pusher handles the dossier
    if kind in (EventType.FORM_PRINTED, EventType.ATTACHMENT_ADDED, EventType.POSTAL_BATCH_SIGNED):
        return CheckedEvent(wire, kind, None, None, payload, other)  # stored and fed: no state change
    if kind in DECISION_EVENTS:
        assert isinstance(payload, DecisionPayload)
        return CheckedEvent(wire, kind, _decision(kind, payload), None, payload)
    return CheckedEvent(wire, kind, None, _step(kind, payload), payload, other)
