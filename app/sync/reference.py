"""Applies the office's reference data from the server (``GET /reference``) to the local store.

The server is the authority for an enrolled PC's office header (printed on every slip), its
departments, working calendar, office hours and officer list; the PC keeps a copy so it works
offline with current rules. Screens pick the new values up at the next login.

The procedure catalog comes too: validated like the bundled file, it is kept as one JSON
document in the ``setting`` row :data:`CATALOG_KEY`, written in the same transaction as the rest
(so the ETag and the cached data never disagree), and read at start-up and at each login by
:func:`app.store.boot.current_catalog`. A catalog that does not validate never replaces the one
this PC has: it is logged and reported, and the counter goes on with the last good one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.calendar import CalendarError, OfficeHours
from app.domain.catalog import Catalog, CatalogError
from app.services.office import OFFICE_HOURS_KEY
from app.store.models import CalendarEntryRow, Department, Office, Officer, OfflineCredential, Setting
from app.sync import wire

log = logging.getLogger(__name__)

CATALOG_KEY = "catalog"  # setting row holding the server's catalog document (app.store.boot reads it)
SERVER_CATALOG_NOTE = (
    "Danh mục thủ tục do máy chủ trung tâm phân phối; quản trị cập nhật bằng lệnh motcua-server admin import-catalog."
)


def catalog_document(ref: wire.Reference) -> dict[str, Any]:
    """The reference's procedures as a catalog document (the shape of resources/catalog/procedures.json).

    Only the departments the procedures name are taken; a department the office added without a
    level gets the level of the first procedure that names it. The version is a digest of the
    content, so the same catalog always gives the same document (an officer change at the server
    bumps the reference version but does not rewrite the cached catalog).
    """
    levels: dict[Any, Any] = {}
    for procedure in ref.catalog:
        levels.setdefault(procedure.get("department"), procedure.get("level"))
        for handling in procedure.get("handling") or ():  # a handling unit's department (app.domain.units)
            if isinstance(handling, dict) and handling.get("department"):
                levels.setdefault(handling["department"], procedure.get("level"))
    departments = [
        {"code": d.code, "name": d.name, "level": d.level or levels[d.code]}
        for d in ref.departments
        if d.code in levels
    ]
    procedures = list(ref.catalog)
    canonical = json.dumps([departments, procedures], ensure_ascii=False, sort_keys=True, default=str)
    if ref.units:  # the province's units (issue 16); absent from older servers, and then no key at all
        canonical = json.dumps([departments, procedures, ref.units], ensure_ascii=False, sort_keys=True, default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:12]
    document = {
        "version": f"máy chủ {digest}",
        "legal_note": SERVER_CATALOG_NOTE,
        "departments": departments,
        "procedures": procedures,
    }
    if ref.units:
        document["units"] = list(ref.units)
    return document


def apply_catalog(session: Session, ref: wire.Reference) -> str:
    """Cache the server's catalog if it validates; returns the Vietnamese reason when it was refused.

    An empty catalog means the server holds none for this office: the PC keeps what it has (the
    last catalog received, else the bundled one).
    """
    if not ref.catalog:
        return ""
    document = catalog_document(ref)
    try:
        Catalog.from_dicts(document)
    except CatalogError as exc:
        log.error("catalog from the server refused, the last good one is kept: %s", exc.message)
        return exc.message
    row = session.get(Setting, CATALOG_KEY)
    if row is None:
        session.add(Setting(key=CATALOG_KEY, value=document))
    elif row.value != document:
        row.value = document
    return ""


def apply_reference(session: Session, ref: wire.Reference) -> list[str]:
    """Bring office, departments, catalog, calendar, office hours and officers in line with ``ref``.

    Runs in the caller's transaction. An officer the server no longer lists as active loses the
    right to log in offline on this PC at once.

    Returns:
        Problems worth a note in the sync report (Vietnamese), e.g. a catalog that was refused.
    """
    o = ref.office
    office = session.get(Office, o.unit_code)
    if office is None:
        return []  # not this PC's office: ignore rather than guess
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
    refused = apply_catalog(session, ref)
    return [f"Danh mục thủ tục từ máy chủ không dùng được, vẫn giữ danh mục cũ: {refused}"] if refused else []
