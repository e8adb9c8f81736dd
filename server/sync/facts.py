"""The facts of the province indicators on a server dossier row (server migration 0010).

The same facts the counters keep on their own rows (client migration 0009, app.store.projection):
``ended_at`` / ``end_status`` (the first result or return; a refusal, withdrawal or stop when the
dossier never got one), ``received_due_at`` (the due date set at reception; supplements and
apologies move ``due_at``), ``supplement_marks`` (every department supplement request "R" and
completion "C", any arrival order) and from them ``supplement_count`` and the first two spans,
and ``field`` (the procedure's field). Migration 0011 adds who handled it (``department_code`` /
``department_name`` / ``officer_name``, from the first reception decision), the procedure's legal time
as received (``legal_value`` / ``legal_unit``), 2.2's processing time of a dossier with a result or
return on the office's calendar (``processing_minutes`` / ``processing_us`` /
``processing_day_minutes``, :func:`set_processing_columns`) and ``digitised`` (4.2). The push's fold
and the migrations' back-fills call these same functions, so both give the same row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.domain.calendar import WorkingCalendar
from app.domain.contracts import Contract, DecisionPayload, ReceivedPayload
from app.domain.digitisation import scan_required
from app.domain.events import EventType
from app.domain.indicators import DossierFacts, channel_named, processing_parts, supplement_spans
from app.domain.status import DossierStatus

FACT_DEFAULTS: dict[str, Any] = {
    "field": "",
    "ended_at": None,
    "end_status": None,
    "received_due_at": None,
    "supplement_marks": "",
    "supplement_count": 0,
    "supplement1_requested_at": None,
    "supplement1_completed_at": None,
    "supplement2_requested_at": None,
    "supplement2_completed_at": None,
    "department_code": "",
    "department_name": "",
    "officer_name": "",
    "legal_value": None,
    "legal_unit": "",
    "processing_minutes": None,
    "processing_us": None,
    "processing_day_minutes": None,
    "digitised": False,
    "report_key": None,
    "ended_class": None,
    "channel": 1,
    "scan_required": True,
}
"""The fact columns of a dossier no event has touched yet."""

_END_KINDS = {EventType.RESULT_RECORDED: DossierStatus.RESULT_READY, EventType.RETURNED: DossierStatus.RETURNED}
_MARKS = {EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT: "R", EventType.SUPPLEMENT_RECEIVED: "C"}
ENDED_WITHOUT_EVENT = (DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED)


def stored_moment(moment: datetime) -> str:
    """A moment as a sortable mark (as app.store.projection.stored_moment)."""
    return moment.isoformat(sep=" ", timespec="microseconds")


def fold_received(row: dict[str, Any], procedure: dict[str, Any], officer_name: str) -> None:
    """Who handles the dossier and the procedure's legal time, from its first reception decision
    (``procedure``: the payload's ``procedure`` as JSON; ``officer_name``: the event's author)."""
    row["department_code"] = str(procedure.get("department_code") or "")[:30]
    row["department_name"] = str(procedure.get("department_name") or "")[:200]
    row["officer_name"] = officer_name[:200]
    legal = procedure.get("processing")
    ok = isinstance(legal, dict) and isinstance(legal.get("value"), int | float) and legal.get("unit")
    row["legal_value"] = float(legal["value"]) if ok else None  # type: ignore[index]
    row["legal_unit"] = str(legal["unit"]) if ok else ""  # type: ignore[index]


def fold_reception(row: dict[str, Any], payload: DecisionPayload) -> None:
    """How the dossier came (``channel``, 1 direct, 2 online, 3 postal) and whether it has a paper to scan
    (``scan_required``, app.domain.digitisation), from its first reception decision (server migration 0014;
    the counters' projection keeps the same on their rows)."""
    row["channel"] = int(channel_named(getattr(payload, "channel", None)))
    row["scan_required"] = scan_required(payload)


def fold_facts(
    row: dict[str, Any],
    kind: EventType,
    payload: Contract | None,
    occurred_at: datetime,
    calendar: WorkingCalendar | None = None,
) -> None:
    """Fold one applied event into ``row``'s facts (``row["status"]`` already the status after it);
    with ``calendar`` (the office's) the processing time is kept too."""
    _fold_end_and_supplements(row, kind, payload, occurred_at)
    row["ended_class"] = ended_class(row)
    if calendar is not None:
        set_processing_columns(row, calendar)


def _fold_end_and_supplements(
    row: dict[str, Any], kind: EventType, payload: Contract | None, occurred_at: datetime
) -> None:
    if isinstance(payload, ReceivedPayload):
        row["field"] = payload.procedure.field[:200]
        if row.get("received_due_at") is None and row.get("due_at") is not None:
            row["received_due_at"] = row["due_at"]
    end_status = _END_KINDS.get(kind)
    if end_status is not None:
        ended, was = row.get("ended_at"), row.get("end_status")
        if ended is None or was in ENDED_WITHOUT_EVENT or occurred_at < ended:
            row["ended_at"], row["end_status"] = occurred_at, int(end_status)
        elif occurred_at == ended and end_status is DossierStatus.RESULT_READY:
            row["end_status"] = int(end_status)
    elif kind in _MARKS:
        mark = _MARKS[kind] + stored_moment(occurred_at)
        row["supplement_marks"] = f"{row['supplement_marks']}|{mark}" if row.get("supplement_marks") else mark
        set_supplement_columns(row)
    elif row.get("ended_at") is None and DossierStatus(row["status"]) in ENDED_WITHOUT_EVENT:
        row["ended_at"], row["end_status"] = occurred_at, int(row["status"])


def set_supplement_columns(row: dict[str, Any]) -> None:
    """``supplement_count`` and the first two spans from ``supplement_marks``."""
    spans = supplement_spans(row.get("supplement_marks"))
    row["supplement_count"] = len(spans)
    for n in (1, 2):
        span = spans[n - 1] if len(spans) >= n else None
        row[f"supplement{n}_requested_at"] = span.requested_at if span else None
        row[f"supplement{n}_completed_at"] = span.completed_at if span else None


_WITH_TIME = (int(DossierStatus.RESULT_READY), int(DossierStatus.RETURNED))


def set_processing_columns(row: dict[str, Any], calendar: WorkingCalendar) -> None:
    """2.2's processing time of a dossier with a result or return (as app.store.projection.set_processing_columns):
    working minutes and calendar microseconds, the supplement time taken off, and the calendar's
    minutes per working day; None while it has neither."""
    parts = None
    if row.get("ended_at") is not None and row.get("end_status") in _WITH_TIME:
        facts = DossierFacts(uid="", code="", received_at=row["received_at"], due_at=None, end_at=row["ended_at"],
                             supplements=supplement_spans(row.get("supplement_marks")))  # fmt: skip
        parts = processing_parts(facts, calendar)
    row["processing_minutes"], row["processing_us"] = parts if parts is not None else (None, None)
    row["processing_day_minutes"] = calendar.hours.minutes_per_day if parts is not None else None


_REFUSED = int(DossierStatus.REFUSED)


def ended_class(row: dict[str, Any]) -> int | None:
    """The Biểu II.06a class of an ended dossier in any period closing after its end (1 early, 2 on time,
    3 late; as app.domain.indicators.classify and server/sync/indicators.py): more than one supplement
    request before the end is late; a refusal or no due date on time; else the end, the first supplement
    time taken off, against the due date by day. None when not ended, or when the first request before
    the end was never completed (the period's close then ends it: the indicators work it out)."""
    end = row.get("ended_at")
    if end is None:
        return None
    requested2 = row.get("supplement2_requested_at")
    if requested2 is not None and requested2 < end:
        return 3
    due = row.get("received_due_at")
    if row.get("end_status") == _REFUSED or due is None:
        return 2
    gap = timedelta(0)
    requested = row.get("supplement1_requested_at")
    if requested is not None and requested < end:
        completed = row.get("supplement1_completed_at")
        if completed is None:
            return None
        gap = completed - requested
    day, due_day = (end - gap).date(), due.date()
    return 1 if day < due_day else 2 if day == due_day else 3
