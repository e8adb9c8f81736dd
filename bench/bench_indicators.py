"""A year's indicators and Biểu II.06a over 1,000,000 local dossiers (target ≤ 1 s), beside a bare SQL aggregate.

Usage::

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_indicators.py [--source bench/data/bench.db]
        [--db bench/data/indicators.db] [--check] [--facts]

bench/make_dossiers.py's dossiers have only their reception event. The first run copies that
database to ``--db`` (the source, which other benchmarks share, is left alone) and gives a realistic
share of the received dossiers their later steps as events: a result (most of those whose due date
has passed, early, on time or late), a return after most results, a department's supplement request
(≈ 8 %, most brought back, the due date moved; a few asked twice); statuses move as the services
would move them. Then the client migration 0009 fills the indicator columns from the event log with
the projection's own functions — the timed backfill — so the data goes through the same column logic
as a live counter. ``--check`` also runs the reference (events through ``classify`` in Python) for
Biểu II.06a and compares (slow: about half a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.services.indicator_weeks import on_time_by_week
from app.services.reports import counted_dossiers, kpi, period_report, reference_period_report
from app.store.db import open_database, session_factory, show_migration_progress
from ui.screens.indicator_data import compute

DATA = Path(__file__).resolve().parent / "data"
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
DATA_END = datetime(2026, 11, 22)  # make_dossiers' data ends the day before
DEVICE = "bench-steps-0000-0000-000000000000"


def _timed(fn, runs: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _rounds(
    cases: dict[str, Callable[[], object]], rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, object]]:
    """Wall and CPU seconds of each case over ``rounds`` rounds, the cases taking turns (a change of the
    machine's load touches them alike), after one warm-up round; and each case's last answer."""
    wall: dict[str, list[float]] = {k: [] for k in cases}
    cpu: dict[str, list[float]] = {k: [] for k in cases}
    out: dict[str, object] = {}
    for r in range(rounds + 1):
        for name, fn in cases.items():
            w0, c0 = time.perf_counter(), time.process_time()
            out[name] = fn()
            if r:
                wall[name].append(time.perf_counter() - w0)
                cpu[name].append(time.process_time() - c0)
    return wall, cpu, out


def _stored(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="microseconds")


def _office_moment(day: datetime, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, 7, 30) + timedelta(seconds=rng.randrange(9 * 3600))


class _Steps:
    def __init__(self, rng: random.Random) -> None:
        self.rng, self.seq, self.events = rng, 0, []

    def add(self, kind: str, uid: str, at: datetime, officer: tuple[str, str], payload: dict) -> None:
        self.seq += 1
        ms = int(at.timestamp() * 1000)
        self.events.append((str(uuid.UUID(int=self.rng.getrandbits(128))), DEVICE, self.seq, kind, uid, 0,
                            officer[0], officer[1], _stored(at), f"{ms:013d}:00000:{DEVICE}",
                            json.dumps(payload, ensure_ascii=False), "accepted", None, "[]", None))  # fmt: skip


def add_steps(db: Path, seed: int = 20261123) -> tuple[int, int]:
    """Later steps for the received dossiers (see the module's docstring); (dossiers changed, events)."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db)
    steps = _Steps(rng)
    changes: list[tuple[int, str | None, str, str, int]] = []
    rows = conn.execute("SELECT id, uid, unit_code, received_at, due_at, officer_id, officer_name"
                        " FROM dossier WHERE status = 2 AND code IS NOT NULL ORDER BY id").fetchall()  # fmt: skip
    for row_id, uid, unit, received_s, due_s, oid, oname in rows:
        received, due = datetime.fromisoformat(received_s), datetime.fromisoformat(due_s)
        officer, status, moved_due, last = (oid, oname), 2, None, received
        if rng.random() < 0.08:  # the department asks for a supplement
            asked = _office_moment(received + timedelta(days=rng.randint(1, 3)), rng)
            if asked < DATA_END:
                steps.add("dossier.department_supplement_requested", uid, asked, officer,
                          {"unit_code": unit, "items": ["Bản sao giấy tờ chưa được chứng thực"],
                           "reason": "Hồ sơ chưa đầy đủ."})  # fmt: skip
                status, last = 5, asked
                back = _office_moment(asked + timedelta(days=rng.randint(1, 5)), rng)
                if rng.random() < 0.85 and back < DATA_END:
                    moved_due = due + (back - asked)
                    steps.add("dossier.supplement_received", uid, back, officer,
                              {"unit_code": unit, "clock": "pause",
                               "new_due_at": moved_due.isoformat(timespec="minutes")})  # fmt: skip
                    status, last = 4, back
                    if rng.random() < 0.15:  # asked a second time
                        again = _office_moment(back + timedelta(days=rng.randint(1, 2)), rng)
                        if again < DATA_END:
                            steps.add("dossier.department_supplement_requested", uid, again, officer,
                                      {"unit_code": unit, "items": ["Tờ khai chưa ghi đủ thông tin"],
                                       "reason": "Hồ sơ chưa đầy đủ."})  # fmt: skip
                            status, last = 5, again
        if status != 5 and rng.random() < 0.92:  # the result: early, on time or late
            target = (moved_due or due) + timedelta(days=rng.choice((-4, -3, -2, -2, -1, -1, -1, 0, 0, 0, 1, 3)))
            done = _office_moment(max(target, last + timedelta(hours=2)), rng)
            if done < DATA_END:
                steps.add("dossier.result_recorded", uid, done, officer,
                          {"unit_code": unit, "result": "Giấy chứng nhận"})  # fmt: skip
                status, last = 9, done
                returned = _office_moment(done + timedelta(days=rng.randint(0, 6)), rng)
                if rng.random() < 0.85 and returned < DATA_END:
                    steps.add("dossier.returned", uid, returned, officer,
                              {"unit_code": unit, "collector": {"kind": "applicant"}})  # fmt: skip
                    status, last = 10, returned
        if last != received:
            changes.append((status, _stored(moved_due) if moved_due else None, _stored(last), uid, row_id))
    conn.executemany(
        "INSERT INTO event (id, device_id, device_seq, type, dossier_uid, base_version, officer_id, officer_name,"
        " occurred_at, hlc, payload, sync_status, synced_at, conflict_ids, clock_offset_seconds)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", steps.events)  # fmt: skip
    conn.executemany("UPDATE dossier SET status = ?, due_at = coalesce(?, due_at), updated_at = ?,"
                     " version = version + 1 WHERE uid = ? AND id = ?", changes)  # fmt: skip
    conn.execute("CREATE TABLE bench_steps (seed INTEGER)")
    conn.execute("INSERT INTO bench_steps VALUES (?)", (seed,))
    conn.commit()
    conn.close()
    return len(changes), len(steps.events)


def _revision(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        conn.close()


def _backfill_0009(db: Path) -> None:
    """Client migration 0009's own back-fill, run again over the steps just added (a source made at a
    later revision had its indicator columns filled when it had only its reception events)."""
    import importlib

    from app.store.db import make_engine

    backfill = importlib.import_module("app.store.migrations.versions.0009_indicator_facts")._backfill
    engine = make_engine(db)
    with engine.begin() as conn:
        backfill(conn)
    engine.dispose()


def _backfill_after_0009(db: Path, revision: str) -> None:
    """The later back-fills that read the columns 0009 fills, run again as well when the source had their
    revision already: 0011's second supplement completions and 0012's ended class (without them every
    ended dossier of the copy would have no stored class, unlike a counter whose projection keeps it)."""
    import importlib

    from app.store.db import make_engine

    engine = make_engine(db)
    with engine.begin() as conn:
        if revision >= "0011":
            importlib.import_module("app.store.migrations.versions.0011_figure_groups")._second_completions(conn)
        if revision >= "0012":
            importlib.import_module("app.store.migrations.versions.0012_ended_class").backfill(conn)
    engine.dispose()


def _has_ended_classes(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return bool(conn.execute("SELECT 1 FROM dossier WHERE ended_class IS NOT NULL LIMIT 1").fetchone())
    finally:
        conn.close()


def prepare(source: Path, db: Path) -> None:
    """Copy, add the steps, migrate (timed) — once; a ready ``db`` is reused (and migrated to the head)."""
    if db.exists():
        conn = sqlite3.connect(db)
        ready = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'bench_steps'").fetchone()[0]
        conn.close()
        if ready and _revision(db) >= "0009":
            t0 = time.perf_counter()
            if _revision(db) >= "0012" and not _has_ended_classes(db):  # prepared before the fix below
                _backfill_after_0009(db, _revision(db))
                print(f"{db.name}: 0011/0012's back-fills run again in {time.perf_counter() - t0:.0f} s")
            open_database(db).dispose()  # later client migrations, if any (their back-fills print progress)
            print(f"{db.name} ready (revision {_revision(db)}; opened in {time.perf_counter() - t0:.1f} s)")
            return
        db.unlink()
    t0 = time.perf_counter()
    shutil.copy(source, db)
    revision = _revision(db)
    if revision < "0008":
        sys.exit(f"{source} is at revision {revision}: make it again with bench/make_dossiers.py")
    t1 = time.perf_counter()
    changed, events = add_steps(db)
    t2 = time.perf_counter()
    if revision >= "0009":
        _backfill_0009(db)
        _backfill_after_0009(db, revision)
    open_database(db).dispose()  # migrations after the source's revision (0009's back-fill from the event log)
    t3 = time.perf_counter()
    print(f"prepared {db.name} from revision {revision}: copy {t1 - t0:.0f} s; {events:,} step events for "
          f"{changed:,} dossiers {t2 - t1:.0f} s; indicator facts back-filled and migrated to {_revision(db)} "
          f"in {t3 - t2:.0f} s")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DATA / "bench.db")
    parser.add_argument("--db", type=Path, default=DATA / "indicators.db")
    parser.add_argument("--check", action="store_true", help="compare Biểu II.06a with the reference")
    parser.add_argument("--facts", action="store_true", help="also time counted_dossiers (every dossier as a row)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds after one warm-up (default 5)")
    args = parser.parse_args()
    show_migration_progress(sys.stderr)
    prepare(args.source, args.db)
    conn = sqlite3.connect(args.db)
    factory = session_factory(open_database(args.db))
    print(f"load average before: {_load()}")
    with factory() as s:
        cases: dict[str, Callable[[], object]] = {
            "baseline: bare SQL count over the year": lambda: conn.execute(
                "SELECT count(*), sum(due_at >= updated_at) FROM dossier WHERE code IS NOT NULL"
                " AND received_at >= '2026-01-01' AND received_at < '2027-01-01'").fetchone(),
            "kpi (office + 4 dimensions, uids on demand)": lambda: kpi(s, *YEAR),
            "period_report (Biểu II.06a)": lambda: period_report(s, *YEAR),
            "on_time_by_week (2.1 for each week)": lambda: on_time_by_week(s, *YEAR),
            "open the indicators view (compute: kpi + weeks)": lambda: compute(s, *YEAR),
        }  # fmt: skip
        wall, cpu, out = _rounds(cases, args.rounds)
        if args.facts:
            t_facts, items = _timed(lambda: counted_dossiers(s, *YEAR), runs=1)
            print(f"counted_dossiers (every counted dossier as a row): {t_facts * 1000:.0f} ms"
                  f" ({len(items):,} counted)")  # type: ignore[arg-type]  # fmt: skip
        table, report = out["period_report (Biểu II.06a)"], out["kpi (office + 4 dimensions, uids on demand)"]
        if args.check:
            t_ref, ref = _timed(lambda: reference_period_report(s, *YEAR), runs=1)
            print(f"reference Biểu II.06a {t_ref * 1000:.0f} ms; equal: {ref == table}")
    conn.close()
    print(f"load average after: {_load()}")
    names = list(cases)
    base_wall, base_cpu = statistics.median(wall[names[0]]), statistics.median(cpu[names[0]])
    print(f"{args.rounds} rounds, the cases taking turns; medians; ×base = median ÷ the baseline's median")
    print(f"{'case':50} {'wall ms':>8} {'×base':>6} {'cpu ms':>8} {'×base':>6}")
    for name in names:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:50} {w * 1000:8.0f} {w / base_wall:6.1f} {c * 1000:8.0f} {c / base_cpu:6.1f}")
    print(f"baseline rows: {out[names[0]][0]:,}; weeks: {len(out['on_time_by_week (2.1 for each week)'])}")  # type: ignore[index,arg-type]
    t = table.total  # type: ignore[attr-defined]
    print(
        f"on time {report.office.on_time.text()}; resolved {t.resolved_total:,} (early {t.resolved_early:,},"  # type: ignore[attr-defined]
        f" on time {t.resolved_on_time:,}, late {t.resolved_late:,}); in progress {t.in_progress_total:,}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
