"""Writes one event with its outbox row and applies it, in the caller's transaction."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.events import EventType, new_id, next_hlc
from app.services.context import Actor
from app.store.models import Device, Dossier, Event, Outbox
from app.store.projection import apply_event


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

    Must run inside a transaction: the event, the outbox row, the dossier state and any number
    taken from a sequence commit together or not at all.
    """
    device = session.scalars(select(Device).where(Device.id == actor.device_id).with_for_update()).one()
    device.last_seq += 1
    device.last_hlc = next_hlc(device.last_hlc, int(time.time() * 1000), device.id)
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
    )
    session.add(event)
    session.add(Outbox(event_id=event.id, device_seq=event.device_seq))
    dossier = apply_event(session, event)
    session.flush()
    return Recorded(event.id, event.device_seq, dossier_uid), dossier
