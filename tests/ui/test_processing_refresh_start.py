"""At start-up the stored processing times made stale by a calendar change are worked out again in the
background (ui.main.refresh_processing_in_background), through the op runner's writer, a batch per job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from app.services.office import load_calendar
from app.store.processing_refresh import has_stale_processing
from tests.app.test_indicator_summary import START, _consistent
from tests.app.test_processing_refresh import _ended, _holiday, _stale_rows
from ui.main import StoreLoader, refresh_processing_in_background
from ui.ops import OpRunner


def counting_runner(factory) -> tuple[OpRunner, list[bool]]:
    """An op runner on ``factory`` and the list it appends each job's ``write`` flag to, as jobs start."""
    runner = OpRunner(StoreLoader.opened(factory))
    writes: list[bool] = []
    real_run = runner.run

    def counting(fn, on_success, on_failure=None, *, write):
        writes.append(write)
        real_run(fn, on_success, on_failure, write=write)

    runner.run = counting  # type: ignore[method-assign]
    return runner, writes


def test_the_start_refreshes_a_store_made_stale_in_batches(qtbot, factory, actor, catalog) -> None:
    _ended(factory, actor, catalog, 5)
    _holiday(factory, START.date() + timedelta(days=1))
    with factory() as s:
        assert _stale_rows(s) == 5
    runner, writes = counting_runner(factory)
    refresh_processing_in_background(runner, batch=2)

    def done() -> bool:
        with factory() as s:
            return not has_stale_processing(s, load_calendar(s))

    qtbot.waitUntil(done, timeout=10_000)
    qtbot.waitUntil(lambda: len(writes) == 4)  # the check, then batches of 2, 2 and 1 (days of ends)
    assert runner.wait()
    assert writes == [False, True, True, True]
    with factory() as s:
        assert _stale_rows(s) == 0
        _consistent(s)
        assert s.execute(text("SELECT count(*) FROM ended_cell")).scalar()


def test_nothing_is_written_when_nothing_is_stale(qtbot, factory, actor, catalog) -> None:
    _ended(factory, actor, catalog, 2)
    runner = OpRunner(StoreLoader.opened(factory))
    writes: list[bool] = []
    real_run = runner.run

    def counting(fn, on_success, on_failure=None, *, write):
        writes.append(write)

        def ok(result):
            writes.append(result)
            on_success(result)

        real_run(fn, ok, on_failure, write=write)

    runner.run = counting  # type: ignore[method-assign]
    refresh_processing_in_background(runner)
    qtbot.waitUntil(lambda: len(writes) == 2)
    assert runner.wait()
    assert writes == [False, False]  # one read job, which found nothing stale
