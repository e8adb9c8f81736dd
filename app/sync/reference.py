"""Applies the office's reference data from the server (``GET /reference``) to the local store.

The server is the authority for an enrolled PC's office header (printed on every slip), its
departments, working calendar, office hours and officer list; the PC keeps a copy so it works
offline with current rules. Screens pick the new values up at the next login. The procedure
catalog stays the bundled one for now (resources/catalog).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.calendar import CalendarError, OfficeHours
from app.services.office import OFFICE_HOURS_KEY
from app.store.models import CalendarEntryRow, Department, Office, Officer, OfflineCredential, Setting
from app.sync import wire


def apply_reference(session: Session, ref: wire.Reference) -> None:
    """Bring office, departments, calendar, office hours and officers in line with ``ref``.

    Runs in the caller's transaction. An officer the server no longer lists as active loses the
    right to log in offline on this PC at once.
    """
    o = ref.office
    office = session.get(Office, o.unit_code)
    if office is None:
        return  # not this PC's office: ignore rather than guess
    office.name, office.governing_body, office.place_name, office.demo = o.name, o.governing_body, o.place_name, o.demo
    for d in ref.departments:
        department = session.get(Department, d.code) or Department(code=d.code)
        department.name, department.level = d.name, d.level
        session.add(department)
    wanted = {e.day: e for e in ref.calendar_entries}
    for old in session.scalars(select(CalendarEntryRow)):
        if old.day not in wanted:
            session.delete(old)
    for e in wanted.values():
        entry = session.get(CalendarEntryRow, e.day) or CalendarEntryRow(day=e.day)
        entry.kind, entry.name, entry.legal_ref = e.kind, e.name, e.legal_ref
        session.add(entry)
    try:
        OfficeHours.from_setting(ref.office_hours)
    except CalendarError:
        pass  # keep the hours this PC has rather than store ones the calendar cannot read
    else:
        setting = session.get(Setting, OFFICE_HOURS_KEY) or Setting(key=OFFICE_HOURS_KEY)
        setting.value = [list(p) for p in ref.office_hours]
        session.add(setting)
    listed = {officer.id: officer for officer in ref.officers if officer.unit_code == o.unit_code}
    for officer in listed.values():
        row = session.get(Officer, officer.id)
        if row is None:
            clash = session.scalars(select(Officer).where(Officer.username == officer.username)).first()
            if clash is not None:
                session.delete(clash)
                session.flush()
            row = Officer(id=officer.id, password_hash="", unit_code=officer.unit_code)
            session.add(row)
        row.username, row.full_name, row.role, row.active = (
            officer.username, officer.full_name, officer.role, officer.active,
        )  # fmt: skip
    for cred in session.scalars(select(OfflineCredential)):
        known = listed.get(cred.officer_id)
        if known is None or not known.active:
            session.delete(cred)
