"""Shared feed reads (server.sync.runtime.SyncRuntime.read_page).

When a push wakes the 30 counters of an office they first ask for the new page, then come back
with the new cursor and find the feed empty. Both reads are shared by the pulls that ask at the
same moment; an office's commit (its notification) must never be hidden by a shared answer.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from server.sync import feed
from server.sync.models import ChangeRow
from server.sync.runtime import SyncRuntime

UNIT = "000.01.00.H49"


def _commit_change(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(ChangeRow).values(unit_code=UNIT, event_id=None, kind="reference"))


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[feed.Position]:
    reads: list[feed.Position] = []
    real = feed.read

    def counting(engine: Engine, unit_code: str, after: feed.Position, limit: int) -> feed.Page:
        reads.append(after)
        return real(engine, unit_code, after, limit)

    monkeypatch.setattr(feed, "read", counting)
    return reads


def test_pulls_coming_back_together_share_one_empty_read(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = SyncRuntime(engine, tmp_path)
    _commit_change(engine)
    reads = _count_reads(monkeypatch)

    async def scenario() -> None:
        pages = await asyncio.gather(*(runtime.read_page(UNIT, feed.Position(), 100) for _ in range(30)))
        assert {len(p.changes) for p in pages} == {1} and len(reads) == 1  # the woken counters: one read
        at = pages[0].position
        empty = await asyncio.gather(*(runtime.read_page(UNIT, at, 100) for _ in range(30)))
        assert all(not p.changes for p in empty)
        again = await runtime.read_page(UNIT, at, 100)  # a counter a moment later: still shared
        assert not again.changes and len(reads) == 2

        _commit_change(engine)
        runtime.notifier.notify(UNIT)  # what a push does right after its commit
        fresh = await runtime.read_page(UNIT, at, 100)
        assert len(fresh.changes) == 1 and len(reads) == 3  # the shared empty answer was dropped

    try:
        asyncio.run(scenario())
    finally:
        runtime.close()


def test_a_read_that_began_before_a_commit_does_not_answer_pulls_after_its_notification(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = SyncRuntime(engine, tmp_path)
    started = asyncio.Event()
    release: threading.Event | None = None
    real = feed.read

    def slow_read(engine_: Engine, unit_code: str, after: feed.Position, limit: int) -> feed.Page:
        page = real(engine_, unit_code, after, limit)  # sees the feed before the commit
        loop.call_soon_threadsafe(started.set)
        assert release is not None
        release.wait(5)
        return page

    monkeypatch.setattr(feed, "read", slow_read)

    async def scenario() -> None:
        nonlocal release
        release = threading.Event()
        first = asyncio.create_task(runtime.read_page(UNIT, feed.Position(), 100))
        await started.wait()
        _commit_change(engine)
        runtime.notifier.notify(UNIT)  # the commit's notification arrives while the read is in flight
        monkeypatch.setattr(feed, "read", real)
        later = await runtime.read_page(UNIT, feed.Position(), 100)
        assert len(later.changes) == 1  # a pull after the notification reads again
        release.set()
        assert not (await first).changes  # the old read answers only the pull that was waiting on it
        after = await runtime.read_page(UNIT, feed.Position(), 100)
        assert len(after.changes) == 1  # and its empty answer is not kept for anyone else

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(scenario())
    finally:
        loop.close()
        runtime.close()
