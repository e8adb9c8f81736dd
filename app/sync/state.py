"""This PC's sync state: enrolled or standalone, server clock, and what the status bar shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.events import EventType
from app.store.models import Event, Outbox, SyncState
from app.store.models import OutboxState as OutboxState  # re-exported: the outbox screen reads it here
from app.sync.boot import STATE_ID

CLOCK_WARNING = timedelta(minutes=2)


def utc_now() -> datetime:
    """Now in UTC, naive (how sync times are stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_utc_naive(value: datetime) -> datetime:
    """A wire datetime (aware) as naive UTC; a naive one is taken as UTC already."""
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def sync_state(session: Session) -> SyncState | None:
    """The enrolled device's state row, or None in standalone mode."""
    state = session.get(SyncState, STATE_ID)
    return state if state is not None and state.enrolled else None


def require_state(session: Session) -> SyncState:
    state = sync_state(session)
    if state is None:
        raise RuntimeError("this PC is not enrolled with a central server")
    return state


def note_server_time(state: SyncState, server_time: datetime, local_utc: datetime) -> None:
    """Remember the server's clock: the latest time seen (never goes back) and the offset."""
    server = as_utc_naive(server_time)
    if state.last_server_time is None or server > state.last_server_time:
        state.last_server_time = server
    state.clock_offset_s = (server - local_utc).total_seconds()


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the status bar and the outbox screen show. Times are naive UTC."""

    enrolled: bool
    pending: int
    rejected: int
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str = ""
    consecutive_failures: int = 0
    next_retry_at: datetime | None = None
    clock_offset_s: float = 0.0
    server_url: str = ""
    uploads: int = 0  # attachment files waiting to be uploaded (app.sync.attachments)

    @property
    def clock_off(self) -> bool:
        """Whether the PC clock differs from the server's by more than two minutes."""
        return self.enrolled and abs(self.clock_offset_s) > CLOCK_WARNING.total_seconds()


def read_status(session: Session) -> SyncStatus:
    """Counts and times for the status bar; in standalone mode only the counts."""
    counts: dict[str, int] = {
        state: n for state, n in session.execute(select(Outbox.state, func.count()).group_by(Outbox.state))
    }
    pending = sum(n for state, n in counts.items() if state != OutboxState.REJECTED)
    rejected = counts.get(OutboxState.REJECTED, 0)
    from app.sync.attachments import pending_uploads

    uploads = pending_uploads(session)
    state = sync_state(session)
    if state is None:
        return SyncStatus(False, pending, rejected, uploads=uploads)
    return SyncStatus(
        True, pending, rejected, state.last_success_at, state.last_attempt_at, state.last_error,
        state.consecutive_failures, state.next_retry_at, state.clock_offset_s, state.server_url, uploads,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One unsent event as the outbox screen lists it."""

    event_id: str
    device_seq: int
    kind: str  # Vietnamese label of the event type
    dossier_code: str
    applicant_name: str
    occurred_at: datetime  # office local time
    state: str  # app.store.models.OutboxState
    attempts: int
    last_error: str
    last_attempt_at: datetime | None  # naive UTC


def list_outbox(session: Session, limit: int = 2000) -> list[OutboxItem]:
    """Unsent events, rejected ones first (they need a person), then in sending order."""
    rows = session.execute(
        select(Outbox, Event)
        .join(Event, Event.id == Outbox.event_id)
        .order_by((Outbox.state == OutboxState.REJECTED).desc(), Outbox.device_seq)
        .limit(limit)
    ).all()
    items = []
    for outbox, event in rows:
        try:
            kind = EventType(event.type).label
        except ValueError:
            kind = event.type
        payload = event.payload or {}
        applicant = payload.get("applicant")
        name = str(applicant.get("full_name", "")) if isinstance(applicant, dict) else ""
        items.append(
            OutboxItem(
                event.id,
                outbox.device_seq,
                kind,
                str(payload.get("code") or ""),
                name,
                event.occurred_at,
                outbox.state,
                outbox.attempts,
                outbox.last_error,
                outbox.last_attempt_at,
            )
        )
    return items
