"""The dossier table's planner statistics (app.store.statistics): made when a large enough table has none or
has more than doubled since; with them SQLite reads a common status newest first instead of sorting all of it
(the search of one status, bench/bench_search.py); made at start-up by a background job (ui/main.py)."""

from __future__ import annotations

from sqlalchemy import text

from app.services.dossiers import search
from app.store.db import transaction
from app.store.statistics import MIN_ROWS, analyse, analysed_rows, statistics_stale
from tests.app.test_reception import draft, receive
from tests.ui.test_processing_refresh_start import counting_runner
from ui.main import refresh_statistics_in_background

STATUS_QUERY = "SELECT id FROM dossier WHERE status = :s ORDER BY id DESC LIMIT 200"


def copies(session, n: int, every: int = 0, status: int = 5) -> None:
    """``n`` copies of the first dossier (new uid and code; FTS and summary triggers fire), in progress; with
    ``every``, one in ``every`` at ``status``."""
    columns = [r[1] for r in session.execute(text("PRAGMA table_info(dossier)")) if r[1] != "id"]
    made = {
        "uid": "printf('copy-%d-%d', :base, i)",
        "code": "printf('%s-%d-%d', d.code, :base, i)",
        "status": f"CASE WHEN {every} > 0 AND i % {every} = 0 THEN {status} ELSE 2 END",
    }
    values = ", ".join(made.get(c, f"d.{c}") for c in columns)
    base = session.execute(text("SELECT max(id) FROM dossier")).scalar_one()
    session.execute(
        text(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n)"
            f" INSERT INTO dossier ({', '.join(columns)}) SELECT {values} FROM n, dossier d"
            " WHERE d.id = (SELECT min(id) FROM dossier)"
        ),
        {"n": n, "base": base},
    )


def _plan(session, status: int) -> str:
    return " | ".join(r[3] for r in session.execute(text("EXPLAIN QUERY PLAN " + STATUS_QUERY), {"s": status}))


def test_a_large_table_without_statistics_is_analysed_and_then_reads_a_status_newest_first(
    factory, actor, catalog
) -> None:
    receive(factory, actor, catalog, draft(catalog, "1.004859"))
    with transaction(factory) as s:
        copies(s, MIN_ROWS + 500, every=10)  # one in ten waits for a supplement
    with factory() as s:
        assert analysed_rows(s) is None and statistics_stale(s)
        assert "TEMP B-TREE" in _plan(s, 5)  # guessed rare: every "Chờ bổ sung" read, then sorted
    with transaction(factory) as s:
        analyse(s)
    with factory() as s:
        assert analysed_rows(s) == MIN_ROWS + 501 and not statistics_stale(s)
        assert "TEMP B-TREE" not in _plan(s, 5)  # newest first, stopping at 200
        found = search(s, "", status=5, limit=200)
        assert len(found) == 150 and all(r.status == 5 for r in found)


def test_a_small_table_is_left_alone_and_a_grown_one_is_analysed_again(factory, actor, catalog) -> None:
    receive(factory, actor, catalog, draft(catalog, "1.004859"))
    with transaction(factory) as s:
        copies(s, 50)
    with factory() as s:
        assert not statistics_stale(s)  # 51 dossiers: no plan to choose
    with transaction(factory) as s:
        copies(s, MIN_ROWS)
        analyse(s)
    with factory() as s:
        assert analysed_rows(s) == MIN_ROWS + 51 and not statistics_stale(s)
    with transaction(factory) as s:
        copies(s, MIN_ROWS)  # not yet twice
    with factory() as s:
        assert not statistics_stale(s)
    with transaction(factory) as s:
        copies(s, 200)  # 2,251 > 2 × 1,051
    with factory() as s:
        assert statistics_stale(s)


def test_the_start_analyses_in_the_background_once(qtbot, factory, actor, catalog) -> None:
    receive(factory, actor, catalog, draft(catalog, "1.004859"))
    with transaction(factory) as s:
        copies(s, MIN_ROWS)
    runner, writes = counting_runner(factory)
    refresh_statistics_in_background(runner)
    qtbot.waitUntil(lambda: len(writes) == 2, timeout=10_000)
    assert runner.wait()
    assert writes == [False, True]  # the check, then the analysis
    with factory() as s:
        assert analysed_rows(s) == MIN_ROWS + 1
    writes.clear()
    refresh_statistics_in_background(runner)  # the next start: nothing to do
    qtbot.waitUntil(lambda: len(writes) == 1, timeout=10_000)
    assert runner.wait()
    qtbot.wait(50)
    assert writes == [False]
