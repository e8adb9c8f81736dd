"""The pull cursor on real PostgreSQL under concurrent writers: the naive one loses rows, ours does not.

Eight writer threads insert change rows in transactions of random length and sleep inside them,
so row ids are taken early and committed late, out of order. Meanwhile one reader pages with
(a) the naive ``id > last`` cursor and another with (b) the snapshot cursor of
:func:`server.sync.feed.read_page`. At the end (b) has seen every committed row exactly once,
and (a) has skipped some for good.
"""

from __future__ import annotations

import os
import random
import secrets
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from server.db import make_engine, migrate
from server.sync.feed import Position, read_page

PG_ADMIN_URL = os.environ.get("MOTCUA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
UNIT = "000.09.00.H49"
WRITERS = 8
SECONDS = 4.0


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[Engine]:
    """A fresh, migrated database ``motcua_sync_<random>``, dropped at the end."""
    import psycopg

    conninfo = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable at {conninfo}: {exc}".strip())
    name = f"motcua_sync_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", pool_size=WRITERS + 4)
        try:
            migrate(engine)
            yield engine
        finally:
            engine.dispose()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _writer(engine: Engine, index: int, stop: threading.Event, committed: list[str]) -> None:
    rng = random.Random(index)
    n = 0
    while not stop.is_set():
        rows = []
        with engine.begin() as conn:
            for _ in range(rng.randint(1, 6)):
                n += 1
                rows.append(f"w{index}-{n}")
                conn.execute(
                    text("INSERT INTO change_feed (unit_code, kind) VALUES (:u, :k)"), {"u": UNIT, "k": rows[-1]}
                )
                time.sleep(rng.uniform(0, 0.004))
            # Hold the transaction open after taking ids: later ids of other writers commit first.
            time.sleep(rng.choice([0.0, 0.0, 0.002, 0.01, 0.03]))
        committed.extend(rows)


def _naive(engine: Engine, stop: threading.Event, seen: list[str]) -> None:
    last = 0
    while True:
        done = stop.is_set()
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, kind FROM change_feed WHERE unit_code = :u AND id > :last ORDER BY id LIMIT 50"),
                {"u": UNIT, "last": last},
            ).all()
        if rows:
            last = rows[-1].id
            seen.extend(r.kind for r in rows)
        elif done:
            return
        time.sleep(0.001)


def _snapshot(engine: Engine, stop: threading.Event, seen: list[str]) -> None:
    position = Position()
    while True:
        done = stop.is_set()
        with engine.connect() as conn:
            page = read_page(conn, UNIT, position, 50)
        position = page.position
        seen.extend(c.kind for c in page.changes)
        if not page.changes and not page.more and done:
            return
        time.sleep(0.001)


def test_snapshot_cursor_sees_every_row_once_while_the_naive_cursor_loses_some(pg_engine: Engine) -> None:
    committed: list[list[str]] = [[] for _ in range(WRITERS)]
    naive_seen: list[str] = []
    snapshot_seen: list[str] = []
    writers_stop, readers_stop = threading.Event(), threading.Event()
    writers = [
        threading.Thread(target=_writer, args=(pg_engine, i, writers_stop, committed[i])) for i in range(WRITERS)
    ]
    readers = [
        threading.Thread(target=_naive, args=(pg_engine, readers_stop, naive_seen)),
        threading.Thread(target=_snapshot, args=(pg_engine, readers_stop, snapshot_seen)),
    ]
    for t in readers + writers:
        t.start()
    time.sleep(SECONDS)
    writers_stop.set()
    for t in writers:
        t.join()
    readers_stop.set()  # every row is committed now: the readers drain what they can still see
    for t in readers:
        t.join(60)
    all_rows = [k for rows in committed for k in rows]
    assert len(all_rows) > 500, "the writers did too little to prove anything"

    # (b) the snapshot cursor: every committed row, exactly once, each writer's rows in order
    assert len(snapshot_seen) == len(set(snapshot_seen)) == len(all_rows)
    assert set(snapshot_seen) == set(all_rows)
    for rows in committed:
        mine = set(rows)
        assert [k for k in snapshot_seen if k in mine] == rows

    # (a) the naive cursor: never a duplicate, but rows that committed behind it are lost for good
    missed = set(all_rows) - set(naive_seen)
    print(f"\ncommitted {len(all_rows)}; naive id cursor missed {len(missed)}; snapshot cursor missed 0")
    assert len(naive_seen) == len(set(naive_seen))
    assert len(missed) > 0
