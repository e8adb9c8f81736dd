"""A long-poll still waiting when the server stops gets a clean 503, not an unexpected 500.

Seen in CI: the server's shutdown closed the sync threads while a counter's pull was waiting;
the pull woke, tried to read the feed and raised "cannot schedule new futures after shutdown",
logged as an unexpected error.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from server.errors import ApiError
from server.sync import feed
from server.sync.runtime import SyncRuntime


def test_a_pull_woken_by_shutdown_answers_503_with_retry_after(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'feed.db'}")
    runtime = SyncRuntime(engine, tmp_path)

    async def pull_waiting_then_reading() -> feed.Page:
        with runtime.notifier.subscribe("000.01.00.H49") as waiter:
            woken = await waiter.wait(10.0)
            assert woken  # close() wakes the waiters at once
            return await runtime.read_page("000.01.00.H49", feed.Position(), 10)

    async def scenario() -> None:
        pull = asyncio.create_task(pull_waiting_then_reading())
        await asyncio.sleep(0.05)
        runtime.close()
        with pytest.raises(ApiError) as caught:
            await pull
        assert (caught.value.status, caught.value.code) == (503, "server_stopping")
        assert caught.value.headers["Retry-After"] == "5"

    asyncio.run(scenario())
    engine.dispose()
