"""Conflicts for a supervisor: listing them, and resolving one as an event of its own.

A resolution is written as an event of type ``conflict.resolved`` by the unit's server
pseudo-device (a fixed UUID per unit, :func:`server_device_id`, with its own gap-free sequence
and clock in ``device_sync``), stored with the other events and appended to the office's change
feed with kind ``conflict.resolved``; every counter receives it on its next pull.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.domain.events import new_id, next_hlc
from app.sync.wire import Uuid
from server.models import Officer
from server.sync import dialect
from server.sync.models import ChangeRow, Conflict, DeviceSync, ServerEvent

RESOLVED = "conflict.resolved"
OFFICE_TZ = timezone(timedelta(hours=7))  # Vietnam, no daylight saving: events carry office time
_SERVER_DEVICES = uuid.UUID("3f0c8f8e-6d3a-4e0b-9a57-6b1f3d0c2a11")


class ConflictOut(BaseModel):
    """A conflict as shown to a supervisor."""

    model_config = ConfigDict(frozen=True)

    id: Uuid
    unit_code: str
    kind: str
    dossier_uid: Uuid
    event_ids: list[str]
    details: dict[str, Any]
    opened_at: datetime
    resolved_at: datetime | None
    resolution: str | None
    resolved_by: str | None
    resolution_event_id: str | None


class ConflictList(BaseModel):
    """``GET /conflicts``."""

    conflicts: list[ConflictOut]


class ResolveRequest(BaseModel):
    """``POST /conflicts/{id}/resolve``: the supervisor's decision, in words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    resolution: str = Field(min_length=1, max_length=2000)


class AlreadyResolvedError(ValueError):
    """The conflict was resolved before with another resolution."""


def server_device_id(unit_code: str) -> str:
    """The pseudo-device that writes the server's own events for ``unit_code``."""
    return str(uuid.uuid5(_SERVER_DEVICES, unit_code))


def _out(row: Conflict) -> ConflictOut:
    return ConflictOut(
        id=row.id,
        unit_code=row.unit_code,
        kind=row.kind,
        dossier_uid=row.dossier_uid,
        event_ids=list(row.event_ids),
        details=dict(row.details),
        opened_at=row.opened_at,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
        resolved_by=row.resolved_by,
        resolution_event_id=row.resolution_event_id,
    )


def list_conflicts(
    session: Session, unit_code: str, state: Literal["open", "resolved", "all"], limit: int
) -> ConflictList:
    """The unit's conflicts, oldest open first (newest first for resolved ones)."""
    query = select(Conflict).where(Conflict.unit_code == unit_code)
    if state == "open":
        query = query.where(Conflict.resolved_at.is_(None)).order_by(Conflict.opened_at, Conflict.id)
    elif state == "resolved":
        query = query.where(Conflict.resolved_at.is_not(None)).order_by(Conflict.resolved_at.desc())
    else:
        query = query.order_by(Conflict.opened_at.desc(), Conflict.id)
    return ConflictList(conflicts=[_out(row) for row in session.scalars(query.limit(limit))])


def resolve(
    session: Session,
    unit_code: str,
    conflict_id: str,
    officer_id: str,
    resolution: str,
    now: datetime,
) -> tuple[ConflictOut, bool] | None:
    """Record ``resolution`` and write its ``conflict.resolved`` event (the caller commits).

    Returns:
        The conflict and whether anything was written (False when the same resolution was
        recorded before), or None when the unit has no such conflict.

    Raises:
        AlreadyResolvedError: Resolved before with a different resolution.
    """
    row = session.scalars(
        select(Conflict)
        .where(Conflict.id == conflict_id, Conflict.unit_code == unit_code)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        return None
    if row.resolved_at is not None:
        if row.resolution == resolution:
            return _out(row), False
        raise AlreadyResolvedError(conflict_id)
    officer = session.get(Officer, officer_id)
    device = server_device_id(unit_code)
    seq, hlc = _next_seq(session, unit_code, device, now)
    event_id = new_id()
    session.execute(
        insert(ServerEvent).values(
            id=event_id,
            device_id=device,
            device_seq=seq,
            unit_code=unit_code,
            type=RESOLVED,
            dossier_uid=row.dossier_uid,
            base_version=0,
            officer_id=officer_id,
            officer_name=officer.full_name if officer is not None else officer_id,
            occurred_at=now.astimezone(OFFICE_TZ).replace(tzinfo=None, microsecond=0),
            hlc=hlc,
            payload={
                "conflict_id": row.id,
                "conflict_kind": row.kind,
                "unit_code": unit_code,
                "event_ids": list(row.event_ids),
                "resolution": resolution,
            },
            server_received_at=now,
            status="accepted",
            reason="",
            conflict_ids=[row.id],
            flags=[],
        )
    )
    session.execute(insert(ChangeRow).values(unit_code=unit_code, event_id=event_id, kind=RESOLVED))
    row.resolved_at = now
    row.resolution = resolution
    row.resolved_by = officer_id
    row.resolution_event_id = event_id
    session.flush()
    return _out(row), True


def _next_seq(session: Session, unit_code: str, device: str, now: datetime) -> tuple[int, str]:
    session.execute(
        dialect.upsert(session, DeviceSync)
        .values(device_id=device, unit_code=unit_code, max_seq=0, last_hlc="")
        .on_conflict_do_nothing(index_elements=[DeviceSync.device_id])
    )
    state = session.scalars(
        select(DeviceSync)
        .where(DeviceSync.device_id == device)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    state.max_seq += 1
    state.last_hlc = next_hlc(state.last_hlc, int(now.timestamp() * 1000), device)
    state.last_push_at = now
    return state.max_seq, state.last_hlc
