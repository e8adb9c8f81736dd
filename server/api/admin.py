"""Routes ``/admin/*`` (role admin, own office only): officers, departments, devices, catalog, calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.sync.wire import CleanName, CleanText, DepartmentInfo, Encodable, OfficerInfo, Role, Uuid
from server import admin
from server.api.errors import responses
from server.deps import Context, DbSession, Principal, require_role

router = APIRouter(prefix="/admin", tags=["admin"], responses=responses(401, 403, 422))
Admin = Annotated[Principal, Depends(require_role("admin"))]
Password = Annotated[str, StringConstraints(min_length=admin.MIN_PASSWORD, max_length=256), Encodable]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NewOfficer(_In):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64), CleanText]
    full_name: CleanName
    role: Role
    password: Password


class OfficerChange(_In):
    active: bool | None = None
    role: Role | None = None
    full_name: CleanName | None = None
    password: Password | None = None


class NewDepartment(_In):
    code: Annotated[str, StringConstraints(min_length=1, max_length=30), CleanText]
    name: CleanName
    level: Literal["", "tinh", "xa"] = ""


class EnrolmentCodeRequest(_In):
    hours: Annotated[int, Field(ge=1, le=admin.MAX_CODE_HOURS)] = 24


class EnrolmentCodeOut(_In):
    code: str
    unit_code: str
    expires_at: datetime


class DeviceOut(_In):
    id: str
    counter_name: str
    slot: int
    enrolled_at: datetime
    last_seen_at: datetime | None
    last_pending_count: int | None
    revoked: bool


class NewCalendarEntry(_In):
    day: date
    kind: Literal["holiday", "workday"]
    name: CleanName
    legal_ref: Annotated[str, StringConstraints(min_length=1, max_length=200), CleanText]


class OfficeHoursIn(_In):
    periods: Annotated[list[tuple[str, str]], Field(min_length=1, max_length=6)]


class CatalogImported(_In):
    procedures: int


@router.post("/officers", status_code=201, responses=responses(404, 409))
def create_officer(body: NewOfficer, who: Admin, session: DbSession, ctx: Context) -> OfficerInfo:
    """Create an account in the admin's office."""
    return admin.create_officer(
        session, ctx.clock(), who.unit_code,
        username=body.username, full_name=body.full_name, role=body.role, password=body.password,
    )  # fmt: skip


@router.patch("/officers/{officer_id}", responses=responses(404))
def update_officer(officer_id: Uuid, body: OfficerChange, who: Admin, session: DbSession, ctx: Context) -> OfficerInfo:
    """Activate, deactivate, rename, change the role or reset the password of an officer of the office."""
    return admin.update_officer(
        session, ctx.clock(), who.unit_code, officer_id,
        active=body.active, role=body.role, full_name=body.full_name, password=body.password,
    )  # fmt: skip


@router.post("/departments", status_code=201, responses=responses(404))
def create_department(body: NewDepartment, who: Admin, session: DbSession, ctx: Context) -> DepartmentInfo:
    """Add (or rename) a department of the office."""
    row = admin.create_department(session, ctx.clock(), who.unit_code, code=body.code, name=body.name, level=body.level)
    return DepartmentInfo(code=row.code, name=row.name, level=row.level)


@router.post("/enrolment-codes", status_code=201, responses=responses(404))
def create_enrolment_code(
    who: Admin, session: DbSession, ctx: Context, body: EnrolmentCodeRequest | None = None
) -> EnrolmentCodeOut:
    """A one-time code to enrol one PC into the office (shown once; only its hash is stored)."""
    hours = body.hours if body is not None else 24
    issued = admin.create_enrolment_code(session, ctx.clock(), who.unit_code, hours=hours, created_by=who.username)
    return EnrolmentCodeOut(code=issued.code, unit_code=issued.unit_code, expires_at=issued.expires_at)


@router.get("/devices")
def list_devices(who: Admin, session: DbSession) -> list[DeviceOut]:
    """The office's PCs with when each was last seen and how many events it still had to send."""
    return [
        DeviceOut(
            id=d.id,
            counter_name=d.counter_name,
            slot=d.slot,
            enrolled_at=d.enrolled_at,
            last_seen_at=d.last_seen_at,
            last_pending_count=d.last_pending_count,
            revoked=d.revoked_at is not None,
        )
        for d in admin.devices(session, who.unit_code)
    ]


@router.post("/devices/{device_id}/revoke", status_code=204, responses=responses(404))
def revoke_device(device_id: Uuid, who: Admin, session: DbSession, ctx: Context) -> Response:
    """Stop a PC of the office from logging in or syncing."""
    admin.revoke_device(session, ctx.clock(), who.unit_code, device_id)
    return Response(status_code=204)


@router.put("/catalog", responses=responses(404))
def import_catalog(
    who: Admin, session: DbSession, ctx: Context, document: Annotated[dict[str, Any], Body()]
) -> CatalogImported:
    """Replace the office's own procedures (on top of the province catalog) with a catalog document."""
    count = admin.import_catalog(session, ctx.clock(), document, scope=who.unit_code)
    return CatalogImported(procedures=count)


@router.post("/calendar", status_code=201)
def add_calendar_entry(body: NewCalendarEntry, who: Admin, session: DbSession, ctx: Context) -> NewCalendarEntry:
    """Add or replace a holiday or make-up working day of the office."""
    row = admin.add_calendar_entry(
        session, ctx.clock(), who.unit_code, day=body.day, kind=body.kind, name=body.name, legal_ref=body.legal_ref
    )
    return NewCalendarEntry(day=row.day, kind=body.kind, name=row.name, legal_ref=row.legal_ref)


@router.delete("/calendar/{day}", status_code=204, responses=responses(404))
def remove_calendar_entry(day: date, who: Admin, session: DbSession, ctx: Context) -> Response:
    """Remove the office's holiday or make-up working day on ``day``."""
    admin.remove_calendar_entry(session, ctx.clock(), who.unit_code, day)
    return Response(status_code=204)


@router.put("/office-hours", status_code=204)
def set_office_hours(body: OfficeHoursIn, who: Admin, session: DbSession, ctx: Context) -> Response:
    """Set the office's daily working periods, e.g. ``[["07:00", "11:30"], ["13:30", "17:00"]]``."""
    admin.set_office_hours(session, ctx.clock(), who.unit_code, list(body.periods))
    return Response(status_code=204)
