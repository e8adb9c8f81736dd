"""Benchmark: opening the supervisor's desk (issue 14) over 1,000,000 dossiers, with and without the queue indexes.

Usage::

    .venv/bin/python bench/bench_queues.py [--rows N] [--db PATH] [--reps 30] [--now 2026-11-23T09:00]
                                           [--no-compare] [--diagnose]

The database is bench/make_dossiers.py's (made if missing, reused when it already holds ``--rows``
dossiers; ``open_database`` migrates it to the current schema, so it carries client migration
0008's ``ix_dossier_status_due`` and ``ix_dossier_status_department``).

"Open" is exactly what ui/screens/supervision.py runs when the workspace opens, each in its own
session as the UI's runner makes it (``with factory() as session: fn(session)``):
``filter_choices`` (the filter boxes), then ``queue_counts`` (every queue) and ``queue_rows`` of
the default queue "Quá hạn" (first page, ``ROW_LIMIT`` rows) in one session. It is timed without a
filter and with the department filter set to the department with the most dossiers in progress.
The working calendar is loaded once beforehand, as the app does at start-up.

Target (issue 14): opening the workspace ≤ 300 ms p95 with 1,000,000 local dossiers. BASELINE, in
the same run with plain sqlite3 on the same file: ``SELECT count(*) FROM dossier WHERE status IN
(2, 4, 6) AND due_at < ?`` (the overdue count alone). The same open is also timed on a copy of the
file in which the two queue indexes are dropped (next to the database, deleted at the end;
``--no-compare`` skips it). Every case, baselines included, gets 3 warm-up calls, then the cases
take turns ``--reps`` times, so a change in the machine's load touches them all alike. Exits 1
when a target is missed.

``--diagnose`` also prints each SQL statement of one open with its time and SQLite's plan, and
times the open on a second copy with a PROPOSED index ``(status, department_code, due_at)`` in
place of ``(status, department_code)`` (clearly labelled: not the app's schema, no target).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import make_dossiers  # type: ignore[import-not-found]  # bench/ is on sys.path when run as a script
from sqlalchemy import Engine, event
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.orm import Session, sessionmaker

from app.services.office import load_calendar
from app.services.queues import (
    _RUNNING,
    QueueCounts,
    QueueFilter,
    QueueId,
    QueueRows,
    filter_choices,
    queue_counts,
    queue_rows,
)
from app.store.db import open_database, session_factory
from app.store.models import Dossier

TARGET_MS = 300.0
WARMUP = 3
QUEUE_INDEXES = ("ix_dossier_status_due", "ix_dossier_status_department")
DEFAULT_NOW = datetime(2026, 11, 23, 9, 0)  # Monday morning after the data's last day (Sat 2026-11-21)
PROPOSED_INDEX = "CREATE INDEX ix_proposed_status_department_due ON dossier (status, department_code, due_at)"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100), as bench/bench_search.py computes it."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Case:
    name: str
    fn: Callable[[], Any]
    variant: str  # which database file: its baseline is the yardstick
    target: float | None = None
    baseline: bool = False
    times: list[float] = field(default_factory=list)


@dataclass
class Variant:
    key: str
    db: Path
    engine: Engine
    factory: sessionmaker[Session]
    conn: sqlite3.Connection  # plain sqlite3, for the baseline


def variant(key: str, db: Path) -> Variant:
    engine = open_database(db)
    return Variant(key, db, engine, session_factory(engine), sqlite3.connect(db))


def bare_count(v: Variant, now: datetime) -> Callable[[], int]:
    """The baseline: the overdue count alone, plain sqlite3, same rows and the same bound value."""
    bind = Dossier.__table__.c.due_at.type.bind_processor(SQLiteDialect_pysqlite())
    due = bind(now) if bind is not None else now
    sql = f"SELECT count(*) FROM dossier WHERE status IN ({', '.join('?' * len(_RUNNING))}) AND due_at < ?"
    return lambda: int(v.conn.execute(sql, (*_RUNNING, due)).fetchone()[0])


def opener(v: Variant, now: datetime, flt: QueueFilter) -> Callable[[], tuple[QueueCounts, QueueRows]]:
    """What SupervisionScreen.__init__ runs: filter_choices, then refresh()'s work for the default queue."""
    factory = v.factory
    with factory() as session:
        calendar = load_calendar(session)  # loaded once at start-up by ui/main.py

    def open_desk() -> tuple[QueueCounts, QueueRows]:
        with factory() as session:
            filter_choices(session)
        with factory() as session:
            counts = queue_counts(session, calendar, now, flt)
            rows = queue_rows(session, calendar, now, QueueId.OVERDUE, flt, total=counts.of(QueueId.OVERDUE))
        return counts, rows

    return open_desk


def parts(v: Variant, now: datetime) -> list[tuple[str, Callable[[], Any]]]:
    """The open's two halves on their own (no filter), to show where its time goes."""
    factory = v.factory
    with factory() as session:
        calendar = load_calendar(session)

    def counts() -> Any:
        with factory() as session:
            return queue_counts(session, calendar, now, QueueFilter())

    def rows() -> Any:
        with factory() as session:
            return queue_rows(session, calendar, now, QueueId.OVERDUE, QueueFilter())

    return [("  of which queue_counts (no filter)", counts),
            ("  of which queue_rows(Quá hạn) (no filter, counted again)", rows)]  # fmt: skip


def indexes_of(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='dossier'")}
    finally:
        conn.close()


def copy_of(db: Path, prefix: str, statements: tuple[str, ...]) -> Path:
    """A copy of ``db`` next to it, with ``statements`` run on the copy."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file before copying it
    conn.close()
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".db", dir=db.parent)
    os.close(fd)
    copy = Path(name)
    t0 = time.perf_counter()
    shutil.copyfile(db, copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    for sql in statements:
        conn.execute(sql)
    conn.close()
    print(f"{copy.name}: copy + {'; '.join(statements)} in {time.perf_counter() - t0:.1f} s")
    return copy


def remove(db: Path) -> None:
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)


def run_all(cases: list[Case], reps: int) -> None:
    """Warm every case, then let them take turns: load changes during the run hit every case."""
    for c in cases:
        for _ in range(WARMUP):
            c.fn()
    for _ in range(reps):
        for c in cases:
            t0 = time.perf_counter()
            c.fn()
            c.times.append((time.perf_counter() - t0) * 1000)


def statement_times(engine: Engine, open_desk: Callable[[], Any], title: str) -> None:
    """Each SQL statement of one open, its wall time and SQLite's plan (statements over 3 ms)."""
    seen: list[tuple[float, str, Any]] = []

    def before(conn: Any, _cur: Any, _st: str, _params: Any, *_a: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn: Any, _cur: Any, statement: str, params: Any, *_a: Any) -> None:
        seen.append(((time.perf_counter() - conn.info["bench_t0"]) * 1000, statement, params))

    open_desk()  # warm
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        open_desk()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    conn = sqlite3.connect(str(engine.url.database))
    print(f"\n{title}: {len(seen)} statements, {sum(t for t, _, _ in seen):.1f} ms in SQL")
    for t, statement, params in seen:
        if t < 3:
            continue
        print(f"  {t:7.1f} ms  {' '.join(statement.split())}  {params}")
        for row in conn.execute("EXPLAIN QUERY PLAN " + statement, params):
            print(f"               {row[3]}")
    conn.close()


def report(cases: list[Case], dept: str) -> bool:
    base = {c.variant: statistics.median(c.times) for c in cases if c.baseline}
    print(f"{'case':56} {'median':>8} {'p95':>8} {'max':>8} {'base':>7} {'×base':>7}  target")
    ok = True
    for c in cases:
        med, p95 = statistics.median(c.times), percentile(c.times, 95)
        verdict = ""
        if c.target is not None:
            passed = p95 <= c.target
            ok &= passed
            verdict = f"p95 ≤ {c.target:.0f} ms {'PASS' if passed else 'FAIL'}"
        b = base[c.variant]
        print(f"{c.name:56} {med:8.1f} {p95:8.1f} {max(c.times):8.1f} {b:7.2f} {med / b:7.1f}  {verdict}")
    by_name = {c.name: c for c in cases}
    print()
    for label in ("no filter", f"department {dept}"):
        app = by_name[f"open: counts + first page ({label})"]
        for slow, fast, what in (
            (by_name.get(f"WITHOUT queue indexes: open ({label})"), app, "the queue indexes"),
            (app, by_name.get(f"PROPOSED index: open ({label})"), "PROPOSED index against the app's"),
        ):
            if slow is not None and fast is not None:
                med = statistics.median(slow.times) / statistics.median(fast.times)
                p95 = percentile(slow.times, 95) / percentile(fast.times, 95)
                print(f"{what}, open ({label}): {med:.1f}× faster at the median, {p95:.1f}× at p95")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=make_dossiers.DEFAULT_ROWS)
    parser.add_argument("--db", type=Path, default=make_dossiers.DEFAULT_DB)
    parser.add_argument("--reps", type=int, default=30)
    clock_help = "the desk's clock (default: Monday 2026-11-23 09:00, after the data's last day)"
    parser.add_argument("--now", type=datetime.fromisoformat, default=DEFAULT_NOW, help=clock_help)
    parser.add_argument("--no-compare", action="store_true", help="skip the run without the queue indexes")
    parser.add_argument("--diagnose", action="store_true",
                        help="print each statement's time and plan; time a PROPOSED index on a copy")  # fmt: skip
    args = parser.parse_args()
    now: datetime = args.now

    make_dossiers.ensure(args.db, args.rows)
    app = variant("indexed", args.db)  # open_database migrates a file made before client migration 0008
    missing = set(QUEUE_INDEXES) - indexes_of(args.db)
    if missing:
        print(f"error: {args.db} lacks {', '.join(sorted(missing))} after migration", file=sys.stderr)
        return 2
    counts, rows = opener(app, now, QueueFilter())()
    dept = counts.departments[0]
    dept_flt = QueueFilter(department_code=dept.code)
    d_counts, d_rows = opener(app, now, dept_flt)()
    copies: list[Path] = []
    variants = [app]
    try:
        if not args.no_compare:
            drops = tuple(f"DROP INDEX {i}" for i in QUEUE_INDEXES)
            copies.append(copy_of(args.db, "noqueueidx-", drops))
            variants.append(variant("no index", copies[-1]))
        if args.diagnose:
            proposal = ("DROP INDEX ix_dossier_status_department", PROPOSED_INDEX, "ANALYZE dossier")
            copies.append(copy_of(args.db, "proposedidx-", proposal))
            variants.append(variant("proposed", copies[-1]))
        label = {"indexed": "open: counts + first page", "no index": "WITHOUT queue indexes: open",
                 "proposed": "PROPOSED index: open"}  # fmt: skip
        cases: list[Case] = []
        for v in variants:
            cases.append(Case(f"baseline: bare sqlite3 overdue count ({v.key})", bare_count(v, now), v.key,
                              baseline=True))  # fmt: skip
        for v in variants:
            target = TARGET_MS if v is app else None
            cases.append(Case(f"{label[v.key]} (no filter)", opener(v, now, QueueFilter()), v.key, target))
            cases.append(Case(f"{label[v.key]} (department {dept.code})", opener(v, now, dept_flt), v.key, target))
            if v is app:
                cases += [Case(name, fn, v.key) for name, fn in parts(v, now)]
        run_all(cases, args.reps)
        if args.diagnose:
            print("\n== diagnosis: each statement of one open (after a warm one) ==")
            statement_times(app.engine, opener(app, now, QueueFilter()), "app's indexes, open, no filter")
            statement_times(app.engine, opener(app, now, dept_flt), f"app's indexes, open, department {dept.code}")
            prop = variants[-1]
            statement_times(prop.engine, opener(prop, now, dept_flt), f"PROPOSED index, open, department {dept.code}")
        overdue = bare_count(app, now)()
    finally:
        for v in variants:
            v.conn.close()
            v.engine.dispose()
        for copy in copies:
            remove(copy)

    print(f"\n{args.rows:,} dossiers, now = {now:%Y-%m-%d %H:%M}, {args.reps} repetitions after {WARMUP} warm-ups,"
          " cases taking turns, times in ms")  # fmt: skip
    print("queues: " + ", ".join(f"{q.label} {n:,}" for q, n in counts.counts)
          + f"; first page {len(rows.rows):,} of {rows.total:,}")  # fmt: skip
    print(f"department filter: {dept.code} {dept.name} ({dept.count:,} in progress): "
          + ", ".join(f"{q.label} {n:,}" for q, n in d_counts.counts)
          + f"; first page {len(d_rows.rows):,} of {d_rows.total:,}")  # fmt: skip
    print("baseline: sqlite3 SELECT count(*) FROM dossier WHERE status IN (2, 4, 6) AND due_at < ?"
          f"  ({overdue:,} rows), on each file; base = its median\n")  # fmt: skip
    ok = report(cases, dept.code)
    verdict = "ALL TARGETS MET" if ok else "TARGET MISSED"
    print(f"\n{verdict}  (×base = median / median of the baseline on the same file)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
