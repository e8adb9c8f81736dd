"""Writes one event with its outbox row and applies it, in the caller's transaction."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.events import EventType, new_id, next_hlc
from app.services.context import Actor
from app.store.models import Device, Dossier, Event, Outbox, SyncState
from app.store.projection import apply_event
from app.sync.boot import STATE_ID
from app.sync.wire import MAX_CLOCK_OFFSET_S


def pc_clock_ms() -> int:
    """This PC's clock in milliseconds since the epoch: the wall part of the event's HLC."""
    return int(time.time() * 1000)


wall_clock: Callable[[], int] = pc_clock_ms
"""The clock :func:`record` reads (tests set it to play a PC whose clock is wrong)."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What ``record`` wrote."""

    event_id: str
    device_seq: int
    dossier_uid: str


def record(
    session: Session,
    actor: Actor,
    kind: EventType,
    dossier_uid: str,
    payload: dict[str, Any],
    *,
    occurred_at: datetime,
    base_version: int = 0,
) -> tuple[Recorded, Dossier | None]:
    """Append an event (gap-free device sequence, HLC), queue it for sync, update the state.

    The HLC is past every event this PC made or pulled (app.sync.engine moves ``last_hlc`` past
    pulled ones). An enrolled PC also writes how far its clock was from the server's at the last
    contact (``clock_offset_seconds``), so a wrong PC clock is on record with the events it made.

    Must run inside a transaction: the event, the outbox row, the dossier state and any number
    taken from a sequence commit together or not at all.
    """
    device = session.scalars(select(Device).where(Device.id == actor.device_id).with_for_update()).one()
    device.last_seq += 1
    device.last_hlc = next_hlc(device.last_hlc, wall_clock(), device.id)
    sync = session.get(SyncState, STATE_ID)
    offset: int | None = None
    if sync is not None and sync.enrolled and sync.last_server_time is not None:
        offset = max(-MAX_CLOCK_OFFSET_S, min(MAX_CLOCK_OFFSET_S, round(sync.clock_offset_s)))
    event = Event(
        id=new_id(),
        device_id=device.id,
        device_seq=device.last_seq,
        type=str(kind),
        dossier_uid=dossier_uid,
        base_version=base_version,
        officer_id=actor.officer_id,
        officer_name=actor.full_name,
        occurred_at=occurred_at,
        hlc=device.last_hlc,
        payload=payload,
        clock_offset_seconds=offset,
    )
    session.add(event)
    session.add(Outbox(event_id=event.id, device_seq=event.device_seq))
    dossier = apply_event(session, event)
    session.flush()
    return Recorded(event.id, event.device_seq, dossier_uid), dossier
