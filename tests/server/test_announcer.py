"""PgAnnouncer: a push's office is announced to the other server processes after the commit.

The push's own transaction no longer NOTIFYs (PostgreSQL would hold one database-wide lock from
that commit's start until its flush, so notifying pushes cannot share a flush); these tests
check that the announcement still arrives, batches, and survives a lost connection.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine

from server.db import make_engine
from server.sync.notify import PgAnnouncer
from server.sync.statements import NOTIFY_CHANNEL


@pytest.fixture
def engine(pg_database: str) -> Iterator[Engine]:
    engine = make_engine(pg_database, pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture
def listener(pg_database: str) -> Iterator[psycopg.Connection]:
    conninfo = pg_database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        yield conn


def _received(conn: psycopg.Connection, count: int, seconds: float = 10.0) -> list[str]:
    got: list[str] = []
    deadline = time.monotonic() + seconds
    while len(got) < count and time.monotonic() < deadline:
        got += [n.payload for n in conn.notifies(timeout=0.2, stop_after=count - len(got))]
    return got


def test_announced_offices_reach_a_listener(engine: Engine, listener: psycopg.Connection) -> None:
    announcer = PgAnnouncer(engine)
    try:
        announcer.announce("000.01.00.H49")
        assert _received(listener, 1) == ["000.01.00.H49"]
        for unit in ("000.02.00.H49", "000.03.00.H49", "000.02.00.H49"):
            announcer.announce(unit)
        # Offices announced together may go out in one statement; each office at least once.
        got = _received(listener, 2)
        assert set(got) == {"000.02.00.H49", "000.03.00.H49"}
    finally:
        announcer.stop()


def test_announcer_reconnects_and_sends_what_was_pending(engine: Engine, listener: psycopg.Connection) -> None:
    announcer = PgAnnouncer(engine)
    try:
        announcer.announce("000.01.00.H49")
        assert _received(listener, 1) == ["000.01.00.H49"]
        # The database drops the announcer's connection (a restart, a network cut).
        killed = listener.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND query LIKE 'SELECT pg_notify%%'"
        ).fetchall()
        assert killed, "the announcer's connection was not found"
        announcer.announce("000.04.00.H49")
        assert _received(listener, 1, seconds=15) == ["000.04.00.H49"]
    finally:
        announcer.stop()
