"""Queries on offices and their reference data: departments, catalog, calendar, settings, versions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from server.models import (
    GLOBAL_SCOPE,
    CalendarEntry,
    CatalogProcedure,
    Department,
    Office,
    OfficeSetting,
    ReferenceVersion,
)
from server.sync.models import ChangeRow
from server.sync.statements import NOTIFY_CHANNEL

ReferenceListener = Callable[[Session, str, int], None]
"""Called as ``listener(session, unit_code, new_version)`` in the transaction that changed it."""


def announce_on_feed(session: Session, unit_code: str, _version: int) -> None:
    """Put a ``"reference"`` change on the office's pull feed, in the transaction that changed the data.

    Counters long-polling the feed see it within seconds and fetch ``GET /reference`` at once
    instead of at their 15-minute check. On PostgreSQL a ``NOTIFY`` (delivered at commit) wakes
    waiting pulls in every server process; on SQLite a waiting pull looks again every few seconds.
    """
    session.add(ChangeRow(unit_code=unit_code, event_id=None, kind="reference"))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(NOTIFY_CHANNEL, unit_code)))


reference_listeners: list[ReferenceListener] = [announce_on_feed]
"""Hooks run whenever an office's reference data changes (in that transaction)."""


def office(session: Session, unit_code: str) -> Office | None:
    """The office with this unit code."""
    return session.get(Office, unit_code)


def all_unit_codes(session: Session) -> list[str]:
    """Every office's unit code."""
    return list(session.scalars(select(Office.unit_code).order_by(Office.unit_code)))


def departments(session: Session, unit_code: str) -> list[Department]:
    """The catalog's departments overlaid with the office's own (same code: the office's wins)."""
    rows = session.scalars(
        select(Department).where(Department.scope.in_((GLOBAL_SCOPE, unit_code))).order_by(Department.code)
    ).all()
    merged: dict[str, Department] = {}
    for row in sorted(rows, key=lambda r: r.scope != GLOBAL_SCOPE):  # global first, office overrides
        merged[row.code] = row
    return list(merged.values())


def department(session: Session, scope: str, code: str) -> Department | None:
    """The department ``code`` of ``scope`` (a unit code, or "" for the catalog's own)."""
    return session.get(Department, (scope, code))


def catalog(session: Session, unit_code: str) -> list[dict[str, Any]]:
    """Procedures for the office: the global catalog overlaid with the office's own, in order."""
    rows = session.scalars(
        select(CatalogProcedure)
        .where(CatalogProcedure.scope.in_((GLOBAL_SCOPE, unit_code)))
        .order_by(CatalogProcedure.scope, CatalogProcedure.position)
    ).all()
    merged: dict[str, tuple[int, int, dict[str, Any]]] = {}
    for row in rows:  # "" sorts first, so the office's rows override
        if row.code == UNITS_ROW:
            continue
        merged[row.code] = (0 if row.scope == GLOBAL_SCOPE else 1, row.position, row.data)
    return [data for _, _, data in sorted(merged.values(), key=lambda v: (v[0], v[1]))]


UNITS_ROW = "#units"
"""``catalog_procedures.code`` of the row that holds a scope's units (app.domain.units) as ``{"units": [...]}``:
no procedure code starts with "#", and the units then come and go with the catalog they belong to."""


def replace_catalog(
    session: Session, scope: str, procedures: Sequence[dict[str, Any]], units: Sequence[dict[str, Any]] | None = None
) -> None:
    """Replace every procedure of ``scope`` with ``procedures`` (in this order), and its units (none: none)."""
    session.execute(delete(CatalogProcedure).where(CatalogProcedure.scope == scope))
    for position, data in enumerate(procedures):
        session.add(CatalogProcedure(scope=scope, code=str(data["code"]), position=position, data=data))
    if units:
        session.add(CatalogProcedure(scope=scope, code=UNITS_ROW, position=-1, data={"units": list(units)}))
    session.flush()


def units(session: Session, unit_code: str) -> list[dict[str, Any]]:
    """The province's units for the office: the office's own catalog's if it has any, else the global one's."""
    rows = {
        row.scope: row.data
        for row in session.scalars(
            select(CatalogProcedure).where(
                CatalogProcedure.scope.in_((GLOBAL_SCOPE, unit_code)), CatalogProcedure.code == UNITS_ROW
            )
        )
    }
    found = rows.get(unit_code) or rows.get(GLOBAL_SCOPE) or {}
    return list(found.get("units") or [])


def calendar(session: Session, unit_code: str) -> Sequence[CalendarEntry]:
    """The office's calendar entries by day."""
    return session.scalars(
        select(CalendarEntry).where(CalendarEntry.unit_code == unit_code).order_by(CalendarEntry.day)
    ).all()


def calendar_entry(session: Session, unit_code: str, day: date) -> CalendarEntry | None:
    """The office's entry for ``day``."""
    return session.get(CalendarEntry, (unit_code, day))


def setting(session: Session, unit_code: str, key: str) -> Any:
    """The office's setting ``key`` (JSON value), or None."""
    row = session.get(OfficeSetting, (unit_code, key))
    return None if row is None else row.value


def set_setting(session: Session, unit_code: str, key: str, value: Any) -> None:
    """Insert or replace the office's setting ``key``."""
    row = session.get(OfficeSetting, (unit_code, key))
    if row is None:
        session.add(OfficeSetting(unit_code=unit_code, key=key, value=value))
    else:
        row.value = value


def version(session: Session, unit_code: str) -> int:
    """The office's reference version (1 for a new office)."""
    value = session.scalar(select(ReferenceVersion.version).where(ReferenceVersion.unit_code == unit_code))
    return value or 1


def bump_version(session: Session, unit_code: str, now: datetime) -> int:
    """Increase the office's reference version in this transaction; returns the new value."""
    session.flush()
    result = session.execute(
        update(ReferenceVersion)
        .where(ReferenceVersion.unit_code == unit_code)
        .values(version=ReferenceVersion.version + 1, changed_at=now)
        .returning(ReferenceVersion.version)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if result is None:
        session.add(ReferenceVersion(unit_code=unit_code, version=2, changed_at=now))
        session.flush()
        result = 2
    for listener in reference_listeners:
        listener(session, unit_code, result)
    return result
