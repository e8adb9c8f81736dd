"""A year's indicators and Biểu II.06a over 1,000,000 local dossiers (target ≤ 1 s), beside a bare SQL aggregate.

Usage::

    .venv/bin/python bench/bench_indicators.py [--db bench/data/bench.db]

The database is bench/make_dossiers.py's; dossiers there have only their reception event, so the
script adds result and return events to most of them (once, marked by the ``bench_steps`` table).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.services.reports import counted_dossiers, kpi, period_report
from app.store.db import open_database, session_factory

YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def _timed(fn, runs: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path(__file__).resolve().parent / "data" / "bench.db")
    args = parser.parse_args()
    conn = sqlite3.connect(args.db)
    base, (n,) = _timed(lambda: conn.execute(
        "SELECT count(*), sum(due_at >= updated_at) FROM dossier WHERE code IS NOT NULL"
        " AND received_at >= '2026-01-01' AND received_at < '2027-01-01'").fetchone()[:1])  # fmt: skip
    conn.close()
    factory = session_factory(open_database(args.db))
    with factory() as s:
        t_facts, items = _timed(lambda: counted_dossiers(s, *YEAR))
        t_kpi, report = _timed(lambda: kpi(s, *YEAR), runs=1)
        t_table, _ = _timed(lambda: period_report(s, *YEAR), runs=1)
    print(f"baseline bare SQL count over the year: {base * 1000:.0f} ms ({n:,} dossiers)")
    print(f"counted_dossiers (SQL facts + classify): {t_facts * 1000:.0f} ms ({len(items):,} counted)")  # type: ignore[arg-type]
    print(f"kpi (all dimensions): {t_kpi * 1000:.0f} ms; period_report: {t_table * 1000:.0f} ms")
    print(f"on time {report.office.on_time.text()}")  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
