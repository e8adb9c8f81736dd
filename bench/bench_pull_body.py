"""Micro-benchmark: the CPU of one pull answer, before and after shared pages kept their JSON.

Usage::

    .venv/bin/python bench/bench_pull_body.py

When one commit wakes an office's counters they share one page (SyncRuntime.read_page). Before,
every pull serialised the whole PullResponse; now the page's changes are serialised by the first
pull and every pull writes only cursor, ``more`` and ``server_time`` around them
(server.sync.feed.pull_body). Baseline in the same run: the old per-pull
``PullResponse(...).model_dump_json()``. The changes are those of tests/server/test_pull_body.py
(every shape a change takes on the wire), repeated to 1, 6 and 60.
"""

from __future__ import annotations

import functools
import statistics
import sys
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.sync.wire import PullResponse
from server.sync import feed
from tests.server.test_pull_body import _changes

NUMBER, REPEAT = 2000, 7


def per_call_us(fn: Callable[[], object]) -> float:
    return statistics.median(timeit.repeat(fn, number=NUMBER, repeat=REPEAT)) / NUMBER * 1e6


def old_body(page: feed.Page, now: datetime) -> str:
    """What every pull did before: the whole PullResponse serialised."""
    cursor = feed.encode_cursor(page.position)
    answer = PullResponse(changes=page.changes, cursor=cursor, more=page.more, server_time=now)
    return answer.model_dump_json()


def main() -> None:
    now = datetime.now(UTC)
    print(f"µs per pull answer, median of {REPEAT} × {NUMBER}")
    for n in (1, 6, 60):
        base = _changes()
        changes = (base * (n // len(base) + 1))[:n]
        page = feed.Page(changes, feed.Position(1), False)
        feed.pull_body(page, now)  # the first pull serialises the page

        before = per_call_us(functools.partial(old_body, page, now))
        after = per_call_us(functools.partial(feed.pull_body, page, now))
        print(f"{n:3d} changes: before {before:7.1f}   now {after:7.1f}   ratio {after / before:.2f}")


if __name__ == "__main__":
    main()
