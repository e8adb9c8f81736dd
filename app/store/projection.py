"""Applies events to dossier state: the one place that changes a dossier row.

The fold reads the typed payload (app.domain.contracts): the model the recorder built, or the
stored payload validated against its contract. An event whose payload breaks its contract
(older buggy data, an event a server let through before it checked payloads) is left unfolded,
logged and marked ``unapplied``.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import pydantic
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.codes import code_search_terms
from app.domain.contracts import (
    EVENT_STATUS,
    AttachmentAddedPayload,
    Contract,
    DecisionPayload,
    DueExtendedPayload,
    FeePaidPayload,
    HandoverDiscrepancyPayload,
    HandoverPayload,
    HandoverSentPayload,
    PlacePart,
    RatedPayload,
    ReceivedPayload,
    ReturnedPayload,
    SupplementReceivedPayload,
    describe,
    parse_payload,
)
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
from app.domain.digitisation import scan_required
from app.domain.events import EventType
from app.domain.indicators import (
    Channel,
    DossierFacts,
    calendar_fingerprint,
    ended_class,
    processing_parts,
    supplement_spans,
)
from app.domain.legal_basis import basis_of
from app.domain.status import DossierStatus, IllegalTransitionError, check_transition
from app.store.fee_fold import fold_fee_paid
from app.store.models import Attachment, Custody, Dossier, Event, FigureGroup, HandoverBatch, HandoverItem
from app.text import fold

log = logging.getLogger(__name__)

CHANNELS = {"direct": Channel.DIRECT, "online": Channel.ONLINE, "postal": Channel.POSTAL}
"""``DecisionPayload.channel`` → the ``dossier.channel`` number (absent on older events: direct)."""

UNAPPLIED = "unapplied"
"""``Event.sync_status`` of an event kept in the log but not folded (its payload breaks its contract)."""


def search_text(code: str | None, name: str, personal_id: str, phone: str, procedure_name: str, extra: str = "") -> str:
    """Folded text the FTS index searches: code parts, name, ID number (passport, tax code), phone,
    procedure, and ``extra`` (a representative's name and ID).

    The index splits a code at "." and "-"; a 2025-format code's ``AA`` and sequence are added
    apart (:func:`app.domain.codes.code_search_terms`) so that its sequence alone finds it, as a
    2018 code's does."""
    code_parts = f"{code or ''} {code_search_terms(code)}"
    parts = (fold(code_parts), fold(name), personal_id.lower(), phone, fold(procedure_name), fold(extra))
    return " ".join(p for p in parts if p)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def typed_payload(event: Event) -> Contract | None:
    """The event's payload as its contract model; None when it breaks the contract.

    Such an event is logged and marked ``unapplied`` (kept in the log, never folded).

    Raises:
        KeyError: no contract for the event's type (written by a newer version).
    """
    try:
        return parse_payload(event.type, event.payload)
    except pydantic.ValidationError as exc:
        log.error("event %s (%s) breaks its contract, kept unfolded: %s", event.id, event.type,
                  describe(exc, "payload"))  # fmt: skip
        event.sync_status = UNAPPLIED
        return None


def apply_event(
    session: Session,
    event: Event,
    dossiers: dict[str, Dossier | None] | None = None,
    payload: Contract | None = None,
) -> Dossier | None:
    """Fold ``event`` into the dossier state (creating it for a decision at reception).

    Events pulled from other counters come through here too, so folding is idempotent: a
    reception decision for a dossier that exists already changes nothing, and an event type
    this version does not know (written by a newer one) stays in the log unfolded. A payload
    that breaks its contract is not folded (:func:`typed_payload`).

    ``dossiers`` (optional, the sync engine's page cache): dossier rows by uid, None for "known
    not to exist"; looked up before the database and kept up to date with the dossiers created
    here, so a caller may fold a whole pulled page without autoflush.

    ``payload`` (optional): the event's payload model when the caller has it already (the
    recorder built it, the sync engine validated it); else the stored payload is validated here.
    """
    try:
        kind = EventType(event.type)
    except ValueError:
        return None
    if kind is EventType.FORM_PRINTED:
        return None
    p = payload if payload is not None else typed_payload(event)
    if p is None or kind is EventType.POSTAL_BATCH_SIGNED:
        return None  # a postal batch record is read from the event log (app/services/postal.py)
    if kind is EventType.ATTACHMENT_ADDED:
        _fold_attachment(session, event, p)
        return None
    if dossiers is not None and event.dossier_uid in dossiers:
        existing = dossiers[event.dossier_uid]
    else:
        existing = session.scalars(select(Dossier).where(Dossier.uid == event.dossier_uid)).first()
    if isinstance(p, FeePaidPayload):
        fold_fee_paid(session, event, p, existing)
        return existing
    if isinstance(p, RatedPayload):
        if existing is not None:
            _fold_rating(event, p, existing)
        return existing
    if kind in _STEP_KINDS:
        if kind in CUSTODY_KINDS:
            _fold_custody(session, kind, event)
        if isinstance(p, HandoverPayload):
            _fold_batch(session, kind, event, p)
        if existing is not None:
            _fold_step(session, kind, event, p, existing)
        return existing
    if existing is not None:
        return existing
    status = EVENT_STATUS[kind]
    assert status is not None and isinstance(p, DecisionPayload)  # a reception decision (others returned)
    applicant, procedure = p.applicant, p.procedure
    group = figure_group_id(session, (p.unit_code, procedure.department_code, procedure.department_name,
                                      procedure.field, procedure.code, procedure.name, event.officer_id,
                                      event.officer_name))  # fmt: skip
    dossier = Dossier(
        uid=event.dossier_uid,
        code=p.code,
        unit_code=p.unit_code,
        status=int(status),
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        field=procedure.field,
        department_code=procedure.department_code,
        department_name=procedure.department_name,
        handling_unit=procedure.handling_unit,
        applicant_name=applicant.full_name,
        personal_id=applicant.identifier,
        birth_date=date.fromisoformat(applicant.birth_date) if applicant.birth_date else None,
        sex=applicant.sex,
        address=applicant.address,
        phone=applicant.phone,
        email=applicant.email,
        received_at=datetime.fromisoformat(p.received_at),
        legal_basis=basis_of(p.legal_basis, datetime.fromisoformat(p.received_at)).value,
        due_at=_dt(p.due_at) if isinstance(p, ReceivedPayload) else None,
        received_due_at=_dt(p.due_at) if isinstance(p, ReceivedPayload) else None,
        register_no=p.register_no if isinstance(p, ReceivedPayload) else None,
        officer_id=event.officer_id,
        officer_name=event.officer_name,
        device_id=event.device_id,
        version=1,
        data=event.payload,
        search_text=search_text(
            p.code,
            applicant.full_name,
            applicant.identifier,
            applicant.phone,
            procedure.name,
            f"{applicant.search_words} {p.postal.item_no if p.postal else ''}",
        ),
        updated_at=event.occurred_at,
        figure_group=group,
        channel=int(CHANNELS[p.channel]),
        scan_required=int(scan_required(p)),
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
    # A stop or withdrawal moves the status only: its moment is the dossier's end through
    # ``updated_at`` (app.services.reports reads status 7/8 that way), as the server's facts keep it.
    EventType.STOPPED,
    EventType.WITHDRAWN,
}


def _fold_attachment(session: Session, event: Event, p: Contract) -> None:
    """One row per attachment event (idempotent); the dossier row and its search are untouched.

    An attachment pulled from another counter may arrive before its dossier or its file: the
    row is kept all the same (the file is fetched when someone opens it).
    """
    if session.get(Attachment, event.id) is not None:
        return
    assert isinstance(p, AttachmentAddedPayload)
    session.add(
        Attachment(
            event_id=event.id, dossier_uid=event.dossier_uid, sha256=p.sha256, size=p.size, name=p.name,
            requirement_index=p.requirement_index, pages=p.pages, attached_at=event.occurred_at,
            officer_name=event.officer_name, device_id=event.device_id,
        )
    )  # fmt: skip


_GROUPS = "projection_figure_groups"
_GROUP_COLUMNS = tuple(FigureGroup.__table__.c[name] for name in (
    "unit_code", "department_code", "department_name", "field", "procedure_code", "procedure_name", "officer_id",
    "officer_name"))  # fmt: skip


def figure_group_id(session: Session, key: tuple[str, str, str, str, str, str, str, str]) -> int:
    """The FigureGroup id of (office, department code and name, field, procedure code and name, officer
    id and name), the row added when it is new.

    Ids are remembered for the current transaction only: a rolled-back insert must not leave a
    remembered id that SQLite may give to another group later.
    """
    cache = session.info.get(_GROUPS)
    if cache is None:
        cache = session.info[_GROUPS] = {}
        sa_event.listen(session, "after_transaction_end", lambda s, _t: s.info.pop(_GROUPS, None), once=True)
    found = cache.get(key)
    if found is not None:
        return int(found)
    values = dict(zip((c.name for c in _GROUP_COLUMNS), key, strict=True))
    with session.no_autoflush:
        gid = session.execute(
            select(FigureGroup.id).where(*(c == v for c, v in zip(_GROUP_COLUMNS, key, strict=True)))
        ).scalar()
        if gid is None:
            gid = session.execute(insert(FigureGroup).values(values).returning(FigureGroup.id)).scalar_one()
    cache[key] = gid
    return int(gid)


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


def _place(part: PlacePart) -> Place:
    return Place(PlaceKind(part.kind), part.code, part.name)


def _fold_batch(session: Session, kind: EventType, event: Event, p: HandoverPayload) -> None:
    """Batch header from the first of its events seen here; item states only move forward."""
    batch_id = p.batch_id
    batch = session.get(HandoverBatch, batch_id)
    if batch is None:
        source, destination = _place(p.from_), _place(p.to)
        batch = HandoverBatch(
            id=batch_id,
            from_kind=str(source.kind), from_code=source.code, from_name=source.name,
            to_kind=str(destination.kind), to_code=destination.code, to_name=destination.name,
            created_by_id="", created_by="", counter_name="", confirmed_by="", note="",
            state=str(BatchState.SENT), sent_count=0, received_count=0, missing_count=0, unexpected_count=0,
        )  # fmt: skip
        session.add(batch)
    item = session.get(HandoverItem, (batch_id, event.dossier_uid))
    if isinstance(p, HandoverSentPayload):
        batch.sent_count += 1
        batch.sent_at = batch.sent_at or (datetime.fromisoformat(p.sent_at) if p.sent_at else event.occurred_at)
        batch.created_by_id, batch.created_by = event.officer_id, event.officer_name
        batch.counter_name = p.counter_name
        batch.note = p.note
        state = ItemState.SENT
    elif not isinstance(p, HandoverDiscrepancyPayload):
        batch.received_count += 1
        state = ItemState.RECEIVED
    elif Discrepancy(p.discrepancy) is Discrepancy.MISSING:
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
        item = HandoverItem(batch_id=batch_id, dossier_uid=event.dossier_uid, code=p.code or "",
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


def _fold_step(session: Session, kind: EventType, event: Event, p: Contract, dossier: Dossier) -> None:
    """Status and due date moves of the steps after reception.

    A move the status machine does not allow (an event pulled from a counter that was offline)
    leaves the status as it is; the server has flagged it for a supervisor.
    """
    status = EVENT_STATUS[kind]
    if (
        kind is EventType.HANDOVER_RECEIVED
        and isinstance(p, HandoverPayload)
        and p.to.kind == PlaceKind.DEPARTMENT.value
    ):
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
    if isinstance(p, SupplementReceivedPayload) and status is not None:
        dossier.due_at = datetime.fromisoformat(p.new_due_at)
    if isinstance(p, DueExtendedPayload) and not _extended_before(session, event):
        dossier.due_at = datetime.fromisoformat(p.new_due_at)
        changed = True
    if isinstance(p, ReturnedPayload) and p.tracking_no and fold(p.tracking_no) not in dossier.search_text:
        dossier.search_text = f"{dossier.search_text} {fold(p.tracking_no)}"  # found by its tracking number
    if changed:
        dossier.version += 1
        dossier.updated_at = max(dossier.updated_at, event.occurred_at)
    _fold_facts(session, kind, event, dossier)


_END_KINDS = {EventType.RESULT_RECORDED: DossierStatus.RESULT_READY, EventType.RETURNED: DossierStatus.RETURNED}
_MARKS = {EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT: "R", EventType.SUPPLEMENT_RECEIVED: "C"}


def stored_moment(moment: datetime) -> str:
    """A moment written the way SQLite stores a DateTime (sortable as text)."""
    return moment.isoformat(sep=" ", timespec="microseconds")


def _fold_facts(session: Session, kind: EventType, event: Event, dossier: Dossier) -> None:
    """The end and supplement facts of the supervisor's figures (app.services.reports), whether or not
    the status machine let the step through: the end is the first result or return event (a result
    wins a tie), supplements are every request and completion of the department, in any arrival order."""
    moment = event.occurred_at
    end_status = _END_KINDS.get(kind)
    if end_status is not None:
        if dossier.ended_at is None or moment < dossier.ended_at:
            dossier.ended_at, dossier.end_status = moment, int(end_status)
        elif moment == dossier.ended_at and end_status is DossierStatus.RESULT_READY:
            dossier.end_status = int(end_status)
        else:
            return
    elif kind in _MARKS:
        mark = _MARKS[kind] + stored_moment(moment)
        dossier.supplement_marks = f"{dossier.supplement_marks}|{mark}" if dossier.supplement_marks else mark
        set_supplement_columns(dossier)
    else:
        return
    set_processing_columns(dossier, _calendar(session))
    set_ended_class(dossier)


def set_ended_class(dossier: Dossier) -> None:
    """``ended_class`` from the end, the reception due date and the first two supplement spans (None
    without a due date: the legal time then gives it, on the reports' side)."""
    due = dossier.received_due_at
    dossier.ended_class = None if due is None else ended_class(
        dossier.ended_at, dossier.end_status, due, dossier.supplement1_requested_at,
        dossier.supplement1_completed_at, dossier.supplement2_requested_at,
    )  # fmt: skip


def set_supplement_columns(dossier: Dossier) -> None:
    """``supplement_count`` and the first two spans from ``supplement_marks``."""
    spans = supplement_spans(dossier.supplement_marks)
    dossier.supplement_count = len(spans)
    first = spans[0] if spans else None
    dossier.supplement1_requested_at = first.requested_at if first else None
    dossier.supplement1_completed_at = first.completed_at if first else None
    dossier.supplement2_requested_at = spans[1].requested_at if len(spans) > 1 else None
    dossier.supplement2_completed_at = spans[1].completed_at if len(spans) > 1 else None


def set_processing_columns(dossier: Dossier, calendar: WorkingCalendar) -> None:
    """2.2's processing time of an ended dossier (None while it has no result or return)."""
    facts = DossierFacts(
        uid=dossier.uid, code=dossier.code or "", received_at=dossier.received_at, due_at=None,
        end_at=dossier.ended_at, supplements=supplement_spans(dossier.supplement_marks),
    )  # fmt: skip
    parts = processing_parts(facts, calendar)
    dossier.processing_minutes, dossier.processing_us = parts if parts is not None else (None, None)
    dossier.processing_calendar = calendar_fingerprint(calendar) if parts is not None else ""


def _calendar(session: Session) -> WorkingCalendar:
    """The office calendar, read once per session (a row computed on a calendar changed since carries
    that calendar's fingerprint, so the reports recompute it)."""
    from app.services.office import load_calendar

    cached = session.info.get("projection_calendar")
    if not isinstance(cached, WorkingCalendar):
        cached = session.info["projection_calendar"] = load_calendar(session)
    return cached


def _fold_rating(event: Event, p: RatedPayload, dossier: Dossier) -> None:
    """One rating per dossier: the rating event with the smallest HLC wins, whatever the arrival order
    (two counters offline may both have recorded one; the server flags the pair ``double_rating``)."""
    if dossier.rating_hlc and dossier.rating_hlc <= event.hlc:
        return
    dossier.rating, dossier.rated_at, dossier.rating_hlc = p.rating, datetime.fromisoformat(p.rated_at), event.hlc
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
