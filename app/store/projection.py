"""Applies events to dossier state: the one place that changes a dossier row."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.contracts import EVENT_STATUS
from app.domain.custody import (
    CUSTODY_KINDS,
    ITEM_RANK,
    BatchState,
    CustodyState,
    Discrepancy,
    ItemState,
    Place,
    PlaceKind,
    fold_custody,
)
from app.domain.events import EventType
from app.domain.status import DossierStatus, IllegalTransitionError, check_transition
from app.store.models import Attachment, Custody, Dossier, Event, HandoverBatch, HandoverItem
from app.text import fold


def search_text(code: str | None, name: str, personal_id: str, phone: str, procedure_name: str) -> str:
    """Folded text the FTS index searches: code parts, name, ID number, phone, procedure."""
    return " ".join(p for p in (fold(code or ""), fold(name), personal_id, phone, fold(procedure_name)) if p)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def apply_event(session: Session, event: Event, dossiers: dict[str, Dossier | None] | None = None) -> Dossier | None:
    """Fold ``event`` into the dossier state (creating it for a decision at reception).

    Events pulled from other counters come through here too, so folding is idempotent: a
    reception decision for a dossier that exists already changes nothing, and an event type
    this version does not know (written by a newer one) stays in the log unfolded.

    ``dossiers`` (optional, the sync engine's page cache): dossier rows by uid, None for "known
    not to exist"; looked up before the database and kept up to date with the dossiers created
    here, so a caller may fold a whole pulled page without autoflush.
    """
    try:
        kind = EventType(event.type)
    except ValueError:
        return None
    p: dict[str, Any] = event.payload
    if kind is EventType.FORM_PRINTED:
        return None
    if kind is EventType.ATTACHMENT_ADDED:
        _fold_attachment(session, event)
        return None
    if dossiers is not None and event.dossier_uid in dossiers:
        existing = dossiers[event.dossier_uid]
    else:
        existing = session.scalars(select(Dossier).where(Dossier.uid == event.dossier_uid)).first()
    if kind in _STEP_KINDS:
        if kind in CUSTODY_KINDS:
            _fold_custody(session, kind, event)
        if kind in _BATCH_KINDS:
            _fold_batch(session, kind, event)
        if existing is not None:
            _fold_step(session, kind, event, existing)
        return existing
    if existing is not None:
        return existing
    status = EVENT_STATUS[kind]
    assert status is not None  # a reception decision (the other kinds returned above)
    applicant = p["applicant"]
    procedure = p["procedure"]
    received_at = _dt(p["received_at"])
    assert received_at is not None
    dossier = Dossier(
        uid=event.dossier_uid,
        code=p.get("code"),
        unit_code=p["unit_code"],
        status=int(status),
        procedure_code=procedure["code"],
        procedure_name=procedure["name"],
        field=procedure.get("field", ""),
        department_code=procedure.get("department_code", ""),
        department_name=procedure.get("department_name", ""),
        applicant_name=applicant["full_name"],
        personal_id=applicant.get("personal_id", ""),
        birth_date=date.fromisoformat(applicant["birth_date"]) if applicant.get("birth_date") else None,
        sex=applicant.get("sex", ""),
        address=applicant.get("address", ""),
        phone=applicant.get("phone", ""),
        email=applicant.get("email", ""),
        received_at=received_at,
        due_at=_dt(p.get("due_at")),
        register_no=p.get("register_no"),
        officer_id=event.officer_id,
        officer_name=event.officer_name,
        device_id=event.device_id,
        version=1,
        data=p,
        search_text=search_text(
            p.get("code"),
            applicant["full_name"],
            applicant.get("personal_id", ""),
            applicant.get("phone", ""),
            procedure["name"],
        ),
        updated_at=event.occurred_at,
    )
    session.add(dossier)
    if dossiers is not None:
        dossiers[event.dossier_uid] = dossier
    return dossier


_BATCH_KINDS = frozenset({EventType.HANDOVER_SENT, EventType.HANDOVER_RECEIVED, EventType.HANDOVER_DISCREPANCY})
_STEP_KINDS = CUSTODY_KINDS | {
    EventType.RESULT_RECORDED,
    EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT,
    EventType.SUPPLEMENT_RECEIVED,
    EventType.DUE_EXTENDED,
}


def _fold_attachment(session: Session, event: Event) -> None:
    """One row per attachment event (idempotent); the dossier row and its search are untouched.

    An attachment pulled from another counter may arrive before its dossier or its file: the
    row is kept all the same (the file is fetched when someone opens it).
    """
    if session.get(Attachment, event.id) is not None:
        return
    p = event.payload
    index = p.get("requirement_index")
    session.add(
        Attachment(
            event_id=event.id, dossier_uid=event.dossier_uid, sha256=str(p["sha256"]), size=int(p["size"]),
            name=str(p["name"]), requirement_index=int(index) if index is not None else None,
            pages=int(p.get("pages") or 0), attached_at=event.occurred_at, officer_name=event.officer_name,
            device_id=event.device_id,
        )
    )  # fmt: skip


def _custody_state(row: Custody) -> CustodyState:
    origin = Place(PlaceKind(row.origin_kind), row.origin_code, row.origin_name) if row.origin_kind else None
    return CustodyState(
        place=Place(PlaceKind(row.place_kind), row.place_code, row.place_name),
        origin=origin,
        in_transit=row.in_transit,
        missing=row.missing,
        since=row.since,
        holder=row.holder,
        last_event_id=row.last_event_id,
        batch_id=row.batch_id,
        key=row.order_key,
    )


def _fold_custody(session: Session, kind: EventType, event: Event) -> None:
    """Move the folder if this event is the newest custody event of the dossier (any arrival order)."""
    row = session.get(Custody, event.dossier_uid)
    new = fold_custody(
        _custody_state(row) if row is not None else None,
        kind,
        event.payload,
        event_id=event.id,
        occurred_at=event.occurred_at,
        hlc=event.hlc,
        officer_name=event.officer_name,
    )
    if new is None:
        return
    if row is None:
        row = Custody(dossier_uid=event.dossier_uid)
        session.add(row)
    row.place_kind, row.place_code, row.place_name = str(new.place.kind), new.place.code, new.place.name
    origin = new.origin
    row.origin_kind = str(origin.kind) if origin else ""
    row.origin_code = origin.code if origin else ""
    row.origin_name = origin.name if origin else ""
    row.in_transit, row.missing, row.since, row.holder = new.in_transit, new.missing, new.since, new.holder
    row.last_event_id, row.batch_id, row.order_key = new.last_event_id, new.batch_id, new.key


def _fold_batch(session: Session, kind: EventType, event: Event) -> None:
    """Batch header from the first of its events seen here; item states only move forward."""
    p = event.payload
    batch_id = str(p["batch_id"])
    batch = session.get(HandoverBatch, batch_id)
    if batch is None:
        source, destination = Place.from_payload(p["from"]), Place.from_payload(p["to"])
        batch = HandoverBatch(
            id=batch_id,
            from_kind=str(source.kind), from_code=source.code, from_name=source.name,
            to_kind=str(destination.kind), to_code=destination.code, to_name=destination.name,
            created_by_id="", created_by="", counter_name="", confirmed_by="", note="",
            state=str(BatchState.SENT), sent_count=0, received_count=0, missing_count=0, unexpected_count=0,
        )  # fmt: skip
        session.add(batch)
    item = session.get(HandoverItem, (batch_id, event.dossier_uid))
    if kind is EventType.HANDOVER_SENT:
        batch.sent_count += 1
        batch.sent_at = batch.sent_at or datetime.fromisoformat(p.get("sent_at") or event.occurred_at.isoformat())
        batch.created_by_id, batch.created_by = event.officer_id, event.officer_name
        batch.counter_name = str(p.get("counter_name", ""))
        batch.note = str(p.get("note", ""))
        state = ItemState.SENT
    elif kind is EventType.HANDOVER_RECEIVED:
        batch.received_count += 1
        state = ItemState.RECEIVED
    elif Discrepancy(p["discrepancy"]) is Discrepancy.MISSING:
        batch.missing_count += 1
        state = ItemState.MISSING
    else:
        batch.unexpected_count += 1
        state = ItemState.UNEXPECTED
    if kind is not EventType.HANDOVER_SENT:
        moment = event.occurred_at
        if batch.confirmed_at is None or moment > batch.confirmed_at:
            batch.confirmed_at, batch.confirmed_by = moment, event.officer_name
    if item is None:
        item = HandoverItem(batch_id=batch_id, dossier_uid=event.dossier_uid, code=str(p.get("code", "")),
                            state=str(state), sent_event_id="", done_event_id="")  # fmt: skip
        session.add(item)
    elif ITEM_RANK[state] > ITEM_RANK[ItemState(item.state)]:
        item.state = str(state)
    if kind is EventType.HANDOVER_SENT:
        item.sent_event_id = event.id
    else:
        item.done_event_id, item.done_at = event.id, event.occurred_at
    batch.state = str(_batch_state(batch))


def _batch_state(batch: HandoverBatch) -> BatchState:
    if batch.sent_count == 0 or batch.received_count + batch.missing_count < batch.sent_count:
        return BatchState.SENT
    if batch.missing_count or batch.unexpected_count:
        return BatchState.DISCREPANCIES
    return BatchState.CONFIRMED


def _fold_step(session: Session, kind: EventType, event: Event, dossier: Dossier) -> None:
    """Status and due date moves of the steps after reception.

    A move the status machine does not allow (an event pulled from a counter that was offline)
    leaves the status as it is; the server has flagged it for a supervisor.
    """
    p = event.payload
    status = EVENT_STATUS[kind]
    if kind is EventType.HANDOVER_RECEIVED and p["to"]["kind"] == PlaceKind.DEPARTMENT:
        # The department has the folder: processing starts (a later step is never undone).
        status = DossierStatus.PROCESSING if dossier.status == DossierStatus.RECEIVED else None
    changed = False
    if status is not None:
        try:
            check_transition(DossierStatus(dossier.status), status)
        except IllegalTransitionError:
            status = None
        else:
            dossier.status = int(status)
            changed = True
    if kind is EventType.SUPPLEMENT_RECEIVED and status is not None:
        dossier.due_at = _dt(p.get("new_due_at")) or dossier.due_at
    if kind is EventType.DUE_EXTENDED and not _extended_before(session, event):
        dossier.due_at = _dt(p["new_due_at"])
        changed = True
    if changed:
        dossier.version += 1
        dossier.updated_at = max(dossier.updated_at, event.occurred_at)


def _extended_before(session: Session, event: Event) -> bool:
    """Whether another apology already moved the due date: it moves once and only once [law]."""
    other = session.scalars(
        select(Event.id)
        .where(Event.dossier_uid == event.dossier_uid, Event.type == str(EventType.DUE_EXTENDED), Event.id != event.id)
        .limit(1)
    ).first()
    return other is not None
