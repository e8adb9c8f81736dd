"""Route ``GET /reference``: the caller's office, departments, officers, catalog and calendar."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from sqlalchemy.orm import Session

from app.domain.calendar import CalendarError, OfficeHours
from app.sync.wire import CalendarEntryWire, DepartmentInfo, OfficeWire, Reference
from server.admin import OFFICE_HOURS_KEY
from server.api.errors import responses
from server.auth import officer_info
from server.deps import CurrentPrincipal, DbSession
from server.errors import not_found
from server.repositories import identity, reference

router = APIRouter(tags=["reference"])


def etag(version: int) -> str:
    """The strong ETag of a reference version."""
    return f'"{version}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """True if the ``If-None-Match`` header names ``tag`` (weak or strong) or is ``*``."""
    if not if_none_match:
        return False
    candidates = {c.strip().removeprefix("W/") for c in if_none_match.split(",")}
    return "*" in candidates or tag in candidates


def office_hours(session: Session, unit_code: str) -> list[tuple[str, str]]:
    """The office's working periods as ``[("07:00", "11:30"), …]`` (defaults if unset or unreadable)."""
    try:
        hours = OfficeHours.from_setting(reference.setting(session, unit_code, OFFICE_HOURS_KEY))
    except CalendarError:
        hours = OfficeHours()
    return [(f"{a:%H:%M}", f"{b:%H:%M}") for a, b in hours.periods]


def build_reference(session: Session, unit_code: str, version: int) -> Reference | None:
    """Everything a counter of the office needs to work offline, or None for an unknown office."""
    office = reference.office(session, unit_code)
    if office is None:
        return None
    return Reference(
        version=str(version),
        office=OfficeWire(
            unit_code=office.unit_code,
            name=office.name,
            governing_body=office.governing_body,
            place_name=office.place_name,
            demo=office.demo,
        ),
        departments=[
            DepartmentInfo(code=d.code, name=d.name, level=d.level) for d in reference.departments(session, unit_code)
        ],
        officers=[officer_info(o) for o in identity.officers_of(session, unit_code)],
        catalog=reference.catalog(session, unit_code),
        units=reference.units(session, unit_code),
        calendar_entries=[
            CalendarEntryWire(day=e.day, kind=e.kind, name=e.name, legal_ref=e.legal_ref)  # type: ignore[arg-type]
            for e in reference.calendar(session, unit_code)
        ],
        office_hours=office_hours(session, unit_code),
    )


@router.get(
    "/reference",
    response_model=Reference,
    responses={**responses(401, 404), 304: {"description": "Không đổi kể từ phiên bản đã có (ETag)"}},
)
def get_reference(
    principal: CurrentPrincipal,
    session: DbSession,
    response: Response,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Reference | Response:
    """Reference data of the caller's office, with ``ETag``; 304 when ``If-None-Match`` matches."""
    version = reference.version(session, principal.unit_code)
    tag = etag(version)
    if matches(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    data = build_reference(session, principal.unit_code, version)
    if data is None:
        raise not_found()
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = "no-cache"
    return data
