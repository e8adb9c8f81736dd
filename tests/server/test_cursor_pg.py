"""The pull cursor on real PostgreSQL under concurrent writers: without the feed's ordering an
``id > last`` cursor loses rows; with it (server migration 0004) it loses none.

Eight writer threads insert change rows in transactions of random length and sleep inside them,
so row ids are taken early and committed late. (a) Against a copy of ``change_feed`` without the
ordering trigger, a reader paging with ``id > last`` skips some rows for good (their
transaction committed after a later id was read). (b) The same writers against the real
``change_feed``, read with :func:`server.sync.feed.read_page`: every committed row exactly once,
each writer's rows in order. A third run shows two offices do not wait for each other.
"""

from __future__ import annotations

import os
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterator

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


def _writer(engine: Engine, table: str, index: int, stop: threading.Event, committed: list[str]) -> None:
    rng = random.Random(index)
    n = 0
    while not stop.is_set():
        rows = []
        with engine.begin() as conn:
            for _ in range(rng.randint(1, 6)):
                n += 1
                rows.append(f"w{index}-{n}")
                conn.execute(text(f"INSERT INTO {table} (unit_code, kind) VALUES (:u, :k)"), {"u": UNIT, "k": rows[-1]})
                time.sleep(rng.uniform(0, 0.004))
            # Hold the transaction open after taking ids: later ids of other writers commit first.
            time.sleep(rng.choice([0.0, 0.0, 0.002, 0.01, 0.03]))
        committed.extend(rows)


def _naive(engine: Engine, table: str, stop: threading.Event, seen: list[str]) -> None:
    last = 0
    while True:
        done = stop.is_set()
        with engine.connect() as conn:
            rows = conn.execute(
                text(f"SELECT id, kind FROM {table} WHERE unit_code = :u AND id > :last ORDER BY id LIMIT 50"),
                {"u": UNIT, "last": last},
            ).all()
        if rows:
            last = rows[-1].id
            seen.extend(r.kind for r in rows)
        elif done:
            return
        time.sleep(0.001)


def _feed(engine: Engine, stop: threading.Event, seen: list[str]) -> None:
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


def _run(
    engine: Engine, table: str, reader: Callable[[threading.Event, list[str]], None]
) -> tuple[list[list[str]], list[str]]:
    committed: list[list[str]] = [[] for _ in range(WRITERS)]
    seen: list[str] = []
    writers_stop, reader_stop = threading.Event(), threading.Event()
    writers = [
        threading.Thread(target=_writer, args=(engine, table, i, writers_stop, committed[i])) for i in range(WRITERS)
    ]
    reading = threading.Thread(target=reader, args=(reader_stop, seen))
    for t in [reading, *writers]:
        t.start()
    time.sleep(SECONDS)
    writers_stop.set()
    for t in writers:
        t.join()
    reader_stop.set()  # every row is committed now: the reader drains what it can still see
    reading.join(60)
    assert sum(map(len, committed)) > 300, "the writers did too little to prove anything"
    return committed, seen


def test_without_the_ordering_an_id_cursor_loses_rows(pg_engine: Engine) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE change_feed_plain (LIKE change_feed INCLUDING DEFAULTS)"))
    committed, seen = _run(
        pg_engine, "change_feed_plain", lambda stop, out: _naive(pg_engine, "change_feed_plain", stop, out)
    )
    missed = {k for rows in committed for k in rows} - set(seen)
    print(f"\ncommitted {sum(map(len, committed))}; id cursor without the ordering missed {len(missed)}")
    assert len(seen) == len(set(seen))
    assert len(missed) > 0


def test_the_feed_cursor_sees_every_row_once_in_each_writers_order(pg_engine: Engine) -> None:
    committed, seen = _run(pg_engine, "change_feed", lambda stop, out: _feed(pg_engine, stop, out))
    all_rows = [k for rows in committed for k in rows]
    print(f"\ncommitted {len(all_rows)}; feed cursor missed {len(set(all_rows) - set(seen))}")
    assert len(seen) == len(set(seen)) == len(all_rows)
    assert set(seen) == set(all_rows)
    for rows in committed:
        mine = set(rows)
        assert [k for k in seen if k in mine] == rows


def test_a_transaction_open_on_another_office_or_database_holds_nothing_back(pg_engine: Engine) -> None:
    """Office B's writer and a writer in another database of the cluster keep their transactions
    open (as a long import would); office A's commit is readable at once."""
    import psycopg

    other = "000.08.00.H49"
    elsewhere = psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://"))
    elsewhere.execute("CREATE TEMP TABLE holding_an_xid (x int)")  # open transaction with an xid
    with elsewhere, pg_engine.connect() as blocker:
        blocker.execute(text("INSERT INTO change_feed (unit_code, kind) VALUES (:u, 'open')"), {"u": other})
        # (still open: holds office B's lock and an xid, as a long import would)
        with pg_engine.connect() as conn:
            start = read_page(conn, UNIT, Position(), 1_000_000).position
        t0 = time.monotonic()
        with pg_engine.begin() as conn:
            conn.execute(text("INSERT INTO change_feed (unit_code, kind) VALUES (:u, 'a-now')"), {"u": UNIT})
        assert time.monotonic() - t0 < 2.0, "office A waited for office B"
        with pg_engine.connect() as conn:
            page = read_page(conn, UNIT, start, 50)
        assert [c.kind for c in page.changes] == ["a-now"]
        blocker.rollback()
        elsewhere.rollback()
