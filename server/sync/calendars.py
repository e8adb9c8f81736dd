"""Each office's working calendar on the server, from its reference data (hours and calendar entries).

The same calendar a counter of the office builds from ``GET /reference`` (app.services.office.load_calendar):
the office hours setting (defaults when unset or unreadable), the admin-entered days and the
``holidays`` package. Read once per office and kept for the life of a :class:`Calendars`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.calendar import CalendarEntry, CalendarError, EntryKind, OfficeHours, WorkingCalendar
from server.admin import OFFICE_HOURS_KEY
from server.models import CalendarEntry as CalendarEntryRow
from server.models import OfficeSetting


def office_calendar(session: Session, unit_code: str) -> WorkingCalendar:
    """The working calendar of the office ``unit_code``."""
    value = session.scalar(
        select(OfficeSetting.value).where(OfficeSetting.unit_code == unit_code, OfficeSetting.key == OFFICE_HOURS_KEY)
    )
    try:
        hours = OfficeHours.from_setting(value)
    except CalendarError:
        hours = OfficeHours()
    rows = session.execute(
        select(CalendarEntryRow.day, CalendarEntryRow.kind, CalendarEntryRow.name, CalendarEntryRow.legal_ref)
        .where(CalendarEntryRow.unit_code == unit_code)
        .order_by(CalendarEntryRow.day)
    )
    return WorkingCalendar(hours=hours, entries=[CalendarEntry(d, EntryKind(k), n, r) for d, k, n, r in rows])


class Calendars:
    """The offices' calendars, each read on first use."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._known: dict[str, WorkingCalendar] = {}

    def of(self, unit_code: str) -> WorkingCalendar:
        """The calendar of ``unit_code``."""
        found = self._known.get(unit_code)
        if found is None:
            found = self._known[unit_code] = office_calendar(self._session, unit_code)
        return found
