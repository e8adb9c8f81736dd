"""What a running server holds for its whole life: settings, engine, sessions, signing key, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from server.config import Settings

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ServerContext:
    """Held at ``app.state.ctx`` by server.app.create_app; routers reach it through server.deps.

    Attributes:
        settings: The server's settings.
        engine: SQLAlchemy engine (migrated at start).
        factory: Session factory on ``engine``.
        signing_key: Key of access tokens, successor refresh tokens and offline grants.
        clock: Returns the current aware UTC time; tests replace it to travel in time.
    """

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    signing_key: bytes
    clock: Clock = utc_now
