"""The custody view: where every paper folder is now, since when, and which have been in transit too long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.custody import Place, PlaceKind
from app.domain.status import DossierStatus
from app.errors import ValidationError
from app.store.models import Custody, Dossier, Setting

TRANSIT_ALERT_KEY = "custody_transit_alert_hours"
DEFAULT_TRANSIT_ALERT_HOURS = 4.0
"""Working hours a folder may be in transit before it is highlighted: half a working day, since
the law wants a folder at the department the same working day it leaves the counter."""

# Statuses whose paper is still somewhere in the office (returned ones are with the citizen).
_OPEN = tuple(
    int(s)
    for s in (
        DossierStatus.RECEIVED,
        DossierStatus.PROCESSING,
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.FEES_REQUESTED,
        DossierStatus.STOPPED,
        DossierStatus.RESULT_READY,
    )
)


def _has_folder() -> ColumnElement[bool]:
    """The office holds a paper folder only for a dossier it received, i.e. one with a code.

    A supplement request or a refusal at reception issues no code and the citizen takes the
    papers home: no folder, whatever its status says (SUPPLEMENT_REQUESTED is also the status
    of a received dossier waiting for papers, whose folder stays in the office). A query-side
    rule, so the rows such requests made in existing stores disappear too.
    """
    return and_(Dossier.status.in_(_OPEN), Dossier.code.is_not(None))


@dataclass(frozen=True, slots=True)
class CustodyRow:
    """One line of the custody view."""

    uid: str
    code: str
    applicant_name: str
    procedure_name: str
    status: int
    due_at: datetime | None
    place: Place
    origin: Place | None
    in_transit: bool
    missing: bool
    since: datetime
    holder: str
    overdue_in_transit: bool

    @property
    def where(self) -> str:
        """ "Bộ phận Một cửa", "Phòng Tư pháp", or "Đang chuyển: A → B"."""
        if self.in_transit:
            return f"Đang chuyển: {self.origin.name if self.origin else ''} → {self.place.name}"
        return self.place.name or self.place.kind.label


def transit_alert_hours(session: Session) -> float:
    """Setting ``custody_transit_alert_hours`` (working hours; default 4)."""
    row = session.get(Setting, TRANSIT_ALERT_KEY)
    try:
        value = float(row.value) if row is not None else DEFAULT_TRANSIT_ALERT_HOURS
    except (TypeError, ValueError):
        return DEFAULT_TRANSIT_ALERT_HOURS
    return value if value > 0 else DEFAULT_TRANSIT_ALERT_HOURS


def set_transit_alert_hours(session: Session, hours: float) -> None:
    """Set the office's transit alert threshold (working hours, 0.5 to 80).

    Raises:
        ValidationError: out of range.
    """
    if not 0.5 <= hours <= 80:
        raise ValidationError({"alert_hours": "Ngưỡng cảnh báo phải từ 0,5 đến 80 giờ làm việc."})
    row = session.get(Setting, TRANSIT_ALERT_KEY)
    if row is None:
        session.add(Setting(key=TRANSIT_ALERT_KEY, value=float(hours)))
    else:
        row.value = float(hours)


_COLUMNS = (
    Dossier.uid, Dossier.code, Dossier.applicant_name, Dossier.procedure_name, Dossier.status, Dossier.due_at,
    Dossier.unit_code, Dossier.received_at, Dossier.officer_name, Custody.place_kind, Custody.place_code,
    Custody.place_name, Custody.origin_kind, Custody.origin_code, Custody.origin_name, Custody.in_transit,
    Custody.missing, Custody.since, Custody.holder,
)  # fmt: skip


def custody_view(
    session: Session,
    calendar: WorkingCalendar,
    now: datetime,
    *,
    place: Place | None = None,
    in_transit_only: bool = False,
    counter_name: str = "",
    limit: int = 500,
) -> list[CustodyRow]:
    """Folders still in the office (received dossiers only), newest first: at ``place`` (or
    anywhere), or only in transit.

    ``overdue_in_transit``: in transit for more than ``custody_transit_alert_hours`` working
    hours (default 4). In-transit folders come from the custody index; a counter's folders
    include those never handed over (no custody row: still where they were received).
    ``counter_name`` names the counter place in rows that have no custody row yet.
    """
    threshold = round(transit_alert_hours(session) * 60)
    stmt = select(*_COLUMNS).outerjoin(Custody, Custody.dossier_uid == Dossier.uid).where(_has_folder())
    if in_transit_only:
        stmt = (
            select(*_COLUMNS)
            .select_from(Custody)
            .join(Dossier, Dossier.uid == Custody.dossier_uid)
            .where(Custody.in_transit.is_(True))
            .order_by(Custody.since)
        )
    elif place is not None and place.kind is PlaceKind.COUNTER:
        at_counter = and_(Custody.place_kind == str(place.kind), Custody.place_code == place.code)
        never_moved = and_(Custody.dossier_uid.is_(None), Dossier.unit_code == place.code)
        stmt = stmt.where(or_(at_counter, never_moved)).order_by(Dossier.id.desc())
    elif place is not None:
        stmt = (
            select(*_COLUMNS)
            .select_from(Custody)
            .join(Dossier, Dossier.uid == Custody.dossier_uid)
            .where(Custody.place_kind == str(place.kind), Custody.place_code == place.code)
            .order_by(Custody.since.desc())
        )
    else:
        stmt = stmt.order_by(Dossier.id.desc())
    if place is not None and in_transit_only:
        stmt = stmt.where(Custody.place_kind == str(place.kind), Custody.place_code == place.code)
    rows = []
    for r in session.execute(stmt.limit(limit)):
        if r.place_kind:
            here = Place(PlaceKind(r.place_kind), r.place_code, r.place_name)
            origin = Place(PlaceKind(r.origin_kind), r.origin_code, r.origin_name) if r.origin_kind else None
            since, holder, moving, missing = r.since, r.holder, bool(r.in_transit), bool(r.missing)
        else:
            here, origin = Place(PlaceKind.COUNTER, r.unit_code, counter_name or "Bộ phận Một cửa"), None
            since, holder, moving, missing = r.received_at, r.officer_name, False, False
        overdue = moving and calendar.add_working_minutes(since, threshold) < now
        rows.append(
            CustodyRow(
                r.uid,
                r.code or "",
                r.applicant_name,
                r.procedure_name,
                r.status,
                r.due_at,
                here,
                origin,
                moving,
                missing,
                since,
                holder,
                overdue,
            )
        )
    return rows
