"""Office configuration: header for forms, office hours and the working calendar."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.calendar import CalendarEntry, EntryKind, OfficeHours, WorkingCalendar
from app.domain.office import OfficeInfo
from app.errors import UserFacingError
from app.store.models import CalendarEntryRow, Device, Office, Setting
from app.text import nfc

OFFICE_HOURS_KEY = "office_hours"


def this_device(session: Session) -> OfficeInfo | None:
    """The configured device and its office, or None before first-run set-up."""
    device = session.scalars(select(Device)).first()
    if device is None:
        return None
    office = session.get(Office, device.unit_code)
    assert office is not None
    return OfficeInfo(
        office.unit_code, office.name, office.governing_body, office.place_name, office.demo,
        device.id, device.counter_name,
    )  # fmt: skip


def office_hours(session: Session) -> OfficeHours:
    """Configured office hours, or the default 07:00–11:30, 13:30–17:00."""
    row = session.get(Setting, OFFICE_HOURS_KEY)
    return OfficeHours.from_setting(None if row is None else row.value)


def load_calendar(session: Session) -> WorkingCalendar:
    """The office's working calendar: hours, package holidays and admin-entered days."""
    entries = [
        CalendarEntry(r.day, EntryKind(r.kind), r.name, r.legal_ref)
        for r in session.scalars(select(CalendarEntryRow).order_by(CalendarEntryRow.day))
    ]
    return WorkingCalendar(hours=office_hours(session), entries=entries)


def set_calendar_entry(session: Session, day: date, kind: EntryKind, name: str, legal_ref: str) -> None:
    """Add or replace an admin-entered holiday or make-up working day (legal reference required)."""
    if not nfc(legal_ref):
        raise UserFacingError("Hãy ghi căn cứ pháp lý (số văn bản) của ngày nghỉ hoặc ngày làm bù.")
    if not nfc(name):
        raise UserFacingError("Hãy ghi tên ngày nghỉ hoặc ngày làm bù.")
    row = session.get(CalendarEntryRow, day) or CalendarEntryRow(day=day)
    row.kind, row.name, row.legal_ref = str(kind), nfc(name), nfc(legal_ref)
    session.add(row)


def remove_calendar_entry(session: Session, day: date) -> bool:
    """Delete the admin entry of ``day``; False when there was none."""
    row = session.get(CalendarEntryRow, day)
    if row is None:
        return False
    session.delete(row)
    return True
