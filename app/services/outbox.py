"""The outbox: events written here that the central server has not acknowledged yet."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.store.models import Outbox


def pending_count(session: Session) -> int:
    """How many events wait to be sent."""
    return int(session.scalar(select(func.count()).select_from(Outbox)) or 0)
