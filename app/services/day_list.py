"""Danh sách hồ sơ tiếp nhận trong ngày: the dossiers one officer (or, for a supervisor, the whole
office) received on one day, for the printed end-of-day list (issue 15)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.printing.data import OfficeHeader
from app.services.context import Actor, Role
from app.services.register import office_header
from app.store.models import Dossier
from app.text import nfc

TITLE = "DANH SÁCH HỒ SƠ TIẾP NHẬN TRONG NGÀY"


@dataclass(frozen=True, slots=True)
class DayListRow:
    """One received dossier."""

    number: int
    code: str
    applicant_name: str
    procedure_name: str
    received_at: datetime
    due_at: datetime | None
    officer_name: str


@dataclass(frozen=True, slots=True)
class DayList:
    """What the printed list shows."""

    header: OfficeHeader
    day: date
    officer_name: str
    """The officer whose receipts these are; "" when the list covers every officer of the office."""
    rows: tuple[DayListRow, ...]
    made_at: datetime
    demo: bool

    @property
    def scope_text(self) -> str:
        """ "Cán bộ tiếp nhận: …" or "Tất cả cán bộ của đơn vị"."""
        return f"Cán bộ tiếp nhận: {self.officer_name}" if self.officer_name else "Tất cả cán bộ tiếp nhận của đơn vị"


def sees_every_officer(actor: Actor) -> bool:
    """Supervisors and admins print the office's list; an officer prints their own."""
    return actor.role in (Role.SUPERVISOR, Role.ADMIN)


def build_day_list(session: Session, actor: Actor, day: date, now: datetime, *, every_officer: bool) -> DayList:
    """The dossiers received (given a code) on ``day``, in order of receipt.

    Args:
        session: The store.
        actor: Who prints; only their own receipts unless ``every_officer`` and they may see all.
        day: The working day.
        now: When the list is made (printed under the header).
        every_officer: A supervisor asks for the whole office (ignored for an officer).
    """
    header, unit_code, demo = office_header(session)
    everyone = every_officer and sees_every_officer(actor)
    lo = datetime.combine(day, time.min)
    stmt = select(Dossier).where(
        Dossier.unit_code == unit_code,
        Dossier.code.is_not(None),
        Dossier.received_at >= lo,
        Dossier.received_at < lo + timedelta(days=1),
    )
    if not everyone:
        stmt = stmt.where(Dossier.officer_id == actor.officer_id)
    dossiers = session.scalars(stmt.order_by(Dossier.received_at, Dossier.code, Dossier.id))
    rows = tuple(
        DayListRow(
            number=n,
            code=d.code or "",
            applicant_name=nfc(d.applicant_name),
            procedure_name=nfc(d.procedure_name),
            received_at=d.received_at,
            due_at=d.due_at,
            officer_name=nfc(d.officer_name),
        )
        for n, d in enumerate(dossiers, start=1)
    )
    return DayList(header, day, "" if everyone else actor.full_name, rows, now, demo)
