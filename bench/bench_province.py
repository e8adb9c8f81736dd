"""The province's indicators and Biểu II.06a for a year on PostgreSQL: 1,000,000 dossiers over 70 offices
(target ≤ 1 s), beside a bare SQL aggregate over the same rows.

Usage::

    .venv/bin/python bench/bench_province.py [--admin-url postgresql://postgres@127.0.0.1:5432/test]
        [--db h2_bench] [--dossiers 1000000] [--offices 70] [--runs 5] [--keep]

Creates the database ``--db`` (dropped first if it exists, and dropped at the end unless ``--keep``),
migrates it with the server's migrations, then writes the offices, the catalog's departments (their
levels), 8 officers per office, the report keys (server/sync/report_keys.py) and the dossier rows
directly in SQL (``INSERT … SELECT`` over
``generate_series``, seeded): receipts from July 2025 to 22 November 2026 over the catalog's
procedures, with the indicator columns the push's fold keeps (server/sync/facts.py) filled the way it
would — ends (results early, on time, late; refusals; open dossiers), supplement spans (≈ 8 %, a few
asked twice), processing minutes, ratings (≈ 2 % dissatisfied), digitised (≈ 60 %), the class of an
ended dossier (migration 0012: a sample is checked against server/sync/facts.ended_class); the summary of the
ended dossiers (migration 0017) is kept by its triggers as the rows are written. Then, for the
year 2026, the median of ``--runs`` runs of: the bare aggregate (count of the period's dossiers per
office, no classification), ``province_kpi`` (every figure, per office, department, field, procedure
and officer) and ``province_period_report`` — the functions ``GET /reports/kpi|period?scope=province``
call; with ``--compare``, province_kpi also reading every row as before migration 0017, taking turns with
the summary's, the same figures asserted. Last (``--writes N``, default 500), the cost of the summary's
triggers on the push's writes: N ended dossiers updated one statement each, with the triggers and without,
taking turns.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.catalog import load_catalog
from app.domain.indicators import Period
from server.db import make_engine, migrate
from server.sync import indicators
from server.sync.facts import ended_class
from server.sync.indicators import province_kpi
from server.sync.period_report import province_period_report
from server.sync.report_keys import KEY_COLUMNS, digest

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
BARE = """SELECT unit_code, count(*) FROM dossiers
WHERE coalesce(code, printed_code) IS NOT NULL AND received_at < :closes AND (ended_at IS NULL OR ended_at >= :opens)
GROUP BY unit_code"""


def _reference_data(conn: psycopg.Connection[Any], offices: int) -> None:
    catalog = load_catalog()
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO offices VALUES (%s, %s, 'UBND TỈNH QUẢNG NINH', 'Quảng Ninh', false, now())",
            [(f"000.{i:02d}.00.H49", f"Trung tâm Phục vụ hành chính công số {i:02d}") for i in range(offices)],
        )
        cur.executemany("INSERT INTO departments VALUES ('', %s, %s, %s)",
                        [(d.code, d.name, d.level.value) for d in catalog.departments])  # fmt: skip
        cur.execute("CREATE TEMP TABLE procs (i int, code text, name text, field text, dep text, depname text,"
                    " legal float, dunit text, days float)")  # fmt: skip
        cur.executemany(
            "INSERT INTO procs VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(i, p.code, p.name, p.field, p.department.code, p.department.name, p.processing.value,
              p.processing.unit.value, max(0.5, p.processing.value * (1.4 if p.processing.unit.value == "working_days"
                                                                       else 1.0)))
             for i, p in enumerate(catalog.procedures)],
        )  # fmt: skip
        cur.execute("""
            INSERT INTO officers (id, username, full_name, role, unit_code, password_hash, active, created_at,
                                  province_reports)
            SELECT md5('o' || o || '-' || u)::uuid::text, 'canbo' || u || '.' || o, 'Cán bộ ' || o || ' đơn vị ' || u,
                   'officer', '000.' || lpad(u::text, 2, '0') || '.00.H49', '-', true, now(), false
            FROM generate_series(0, %s - 1) u, generate_series(0, 7) o""", (offices,))  # fmt: skip
        # every (office, officer, procedure) a report key, id (u × 8 + o) × procedures + i + 1 (see _DOSSIERS)
        keys = []
        for u in range(offices):
            for o in range(8):
                officer = str(uuid.UUID(hashlib.md5(f"o{o}-{u}".encode()).hexdigest()))
                for i, p in enumerate(catalog.procedures):
                    row = {"unit_code": f"000.{u:02d}.00.H49", "department_code": p.department.code,
                           "department_name": p.department.name, "field": p.field, "procedure_code": p.code,
                           "procedure_name": p.name, "officer_id": officer, "officer_name": f"Cán bộ {o} đơn vị {u}",
                           "legal_value": float(p.processing.value), "legal_unit": p.processing.unit.value}  # fmt: skip
                    keys.append(((u * 8 + o) * len(catalog.procedures) + i + 1, digest(row), *row.values()))
        cur.executemany(f"INSERT INTO report_keys (id, digest, {', '.join(KEY_COLUMNS)})"
                        f" VALUES ({', '.join(['%s'] * 12)})", keys)  # fmt: skip


# One row per dossier; the random draws are columns of ``s`` so each is used consistently.
_DOSSIERS = """
INSERT INTO dossiers (uid, unit_code, code, status, version, procedure_code, procedure_name, applicant_name,
  personal_id, phone, received_at, received_day, due_at, device_id, officer_id, first_event_id, last_event_id,
  last_hlc, updated_at, custody_place, custody_in_transit, custody_disputed, due_extended, custody_hlc, rating,
  rating_hlc, field, ended_at, end_status, received_due_at, supplement_marks, supplement_count,
  supplement1_requested_at, supplement1_completed_at, supplement2_requested_at, department_code, department_name,
  officer_name, legal_value, legal_unit, processing_minutes, processing_us, processing_day_minutes, digitised,
  report_key, ended_class)
SELECT md5('d' || g)::uuid::text, unit, unit || '-' || g, status, 3, code, name, 'Nguyễn Văn ' || g, '', '',
  rec, rec::date, due, md5('dev' || u)::uuid::text, md5('o' || o || '-' || u)::uuid::text, md5('e' || g)::uuid::text,
  md5('e' || g)::uuid::text, '', now(), 'counter:' || unit, false, false, false, '',
  CASE WHEN ended_at IS NOT NULL AND x_rate < 0.02 THEN 'dissatisfied'
       WHEN ended_at IS NOT NULL AND x_rate < 0.45 THEN 'very_satisfied' END, '',
  field, ended_at, end_status, due, '', supp, r1, c1, r2, dep, depname, 'Cán bộ ' || o || ' đơn vị ' || u,
  legal, unit_name,
  CASE WHEN end_status IN (9, 10) THEN greatest(0, (extract(epoch FROM ended_at - rec - coalesce(c1 - r1, interval '0'))
                                                    / 3 / 60)::int) END,
  CASE WHEN end_status IN (9, 10) THEN (extract(epoch FROM ended_at - rec - coalesce(c1 - r1, interval '0'))
                                        * 1000000)::bigint END,
  CASE WHEN end_status IN (9, 10) THEN 480 END, x_scan < 0.6, (u * 8 + o) * %(procs)s::int + i + 1,
  {ended_class}
FROM (
  SELECT *, CASE WHEN ended_at IS NULL THEN 2 ELSE end_status END AS status
  FROM (
    SELECT *, CASE WHEN x_end < 0.04 THEN rec + interval '2 hours'
                   WHEN rec > timestamp '2026-11-22' - make_interval(secs => days * 86400 * x_speed) THEN NULL
                   WHEN x_end > 0.97 THEN NULL
                   ELSE rec + make_interval(secs => days * 86400 * x_speed) + coalesce(c1 - r1, interval '0') END
                AS ended_at,
              CASE WHEN x_end < 0.04 THEN 3 WHEN x_end < 0.5 THEN 9 ELSE 10 END AS end_status
    FROM (
      SELECT *, rec + make_interval(secs => days * 86400) AS due,
        CASE WHEN x_supp < 0.08 THEN rec + interval '1 day' END AS r1,
        CASE WHEN x_supp < 0.07 THEN rec + interval '3 days' END AS c1,
        CASE WHEN x_supp < 0.005 THEN rec + interval '4 days' END AS r2,
        CASE WHEN x_supp < 0.005 THEN 2 WHEN x_supp < 0.08 THEN 1 ELSE 0 END AS supp
      FROM (
        SELECT g, u, o, '000.' || lpad(u::text, 2, '0') || '.00.H49' AS unit, p.*, p.dunit AS unit_name,
          timestamp '2025-07-01 07:30' + make_interval(days => (x_day * 509)::int, secs => x_hour * 32400) AS rec,
          x_end, x_speed, x_supp, x_rate, x_scan
        FROM (
          SELECT g, g %% %(offices)s::int AS u, floor(random() * 8)::int AS o,
            floor(random() * %(procs)s::int)::int AS pi,
            random() AS x_day, random() AS x_hour, random() AS x_end, 0.2 + random() * 0.95 AS x_speed,
            random() AS x_supp, random() AS x_rate, random() AS x_scan
          FROM generate_series(%(first)s::int, %(last)s::int) g
        ) r JOIN procs p ON p.i = r.pi
      ) a
    ) b
  ) c
) d"""


# server/sync/facts.ended_class in SQL over the moments named e, due, r1, c1, r2 (checked on a sample: _check)
_ENDED_CLASS = """CASE WHEN {e} IS NULL THEN NULL WHEN {r2} < {e} THEN 3 WHEN {status} = 3 OR {due} IS NULL THEN 2
  WHEN {r1} < {e} AND {c1} IS NULL THEN NULL
  WHEN CAST({e} - CASE WHEN {r1} < {e} THEN {c1} - {r1} ELSE interval '0' END AS date) < CAST({due} AS date) THEN 1
  WHEN CAST({e} - CASE WHEN {r1} < {e} THEN {c1} - {r1} ELSE interval '0' END AS date) = CAST({due} AS date) THEN 2
  ELSE 3 END"""
_DOSSIERS = _DOSSIERS.replace("{ended_class}", _ENDED_CLASS.format(e="ended_at", r2="r2", status="end_status",
                                                                    due="due", r1="r1", c1="c1"))  # fmt: skip
_ROW_CLASS = _ENDED_CLASS.format(e="ended_at", r2="supplement2_requested_at", status="end_status",
                                 due="received_due_at", r1="supplement1_requested_at",
                                 c1="supplement1_completed_at")  # fmt: skip


def _check(conn: psycopg.Connection[Any], sample: int = 20_000) -> None:
    """The stored class of a sample of dossiers is the push fold's (server/sync/facts.ended_class)."""
    columns = ("ended_at", "end_status", "received_due_at", "supplement1_requested_at", "supplement1_completed_at",
               "supplement2_requested_at", "ended_class")  # fmt: skip
    rows = conn.execute(f"SELECT {', '.join(columns)} FROM dossiers TABLESAMPLE SYSTEM (5) REPEATABLE (1)"
                        f" LIMIT {sample}").fetchall()  # fmt: skip
    wrong = [r for r in rows if ended_class(dict(zip(columns, r, strict=True))) != r[-1]]
    assert rows and not wrong, f"{len(wrong)} of {len(rows)} dossiers: {wrong[:3]}"


def _dossiers(conn: psycopg.Connection[Any], total: int, offices: int) -> None:
    procs = len(load_catalog().procedures)
    with conn.cursor() as cur:
        cur.execute("SELECT setseed(0.2026)")
        step = 200_000
        for first in range(1, total + 1, step):
            cur.execute(_DOSSIERS, {"offices": offices, "procs": procs, "first": first,
                                    "last": min(total, first + step - 1)})  # fmt: skip
        cur.execute("UPDATE dossiers SET supplement2_completed_at = supplement2_requested_at + interval '1 day'"
                    " WHERE supplement2_requested_at IS NOT NULL")  # fmt: skip
        cur.execute("UPDATE dossiers SET supplement1_completed_at = NULL"
                    " WHERE supplement_count = 2")  # the first span of a twice-asked dossier is open  # fmt: skip
        cur.execute(f"UPDATE dossiers SET ended_class = {_ROW_CLASS} WHERE supplement_count = 2")


_WRITES = {
    # a change the summary sees (a rating given at return moves 5.4's count of the dossier's cells)
    "rating": "UPDATE dossiers SET rating = CASE WHEN rating = 'dissatisfied' THEN NULL ELSE 'dissatisfied' END"
    " WHERE uid = %s",
    # one it does not (a handover, a version): the triggers find nothing to do
    "version": "UPDATE dossiers SET version = version + 1 WHERE uid = %s",
}


def _writes(url: str, n: int, runs: int) -> None:
    """The cost of the summary's triggers (server migration 0017) on the push's writes: ``n`` ended dossiers
    updated one statement each (as the push's executemany does), in one transaction rolled back, with the
    triggers and with them disabled, taking turns; medians of ``runs`` turns."""
    with psycopg.connect(url) as conn:
        uids = [r[0] for r in conn.execute("SELECT uid FROM dossiers WHERE ended_class IS NOT NULL"
                                           " ORDER BY md5(uid::text) LIMIT %s", (n,))]  # fmt: skip
        conn.rollback()
        for name, sql in _WRITES.items():
            times: dict[bool, list[float]] = {True: [], False: []}
            for _ in range(runs):
                for triggers in (True, False):
                    if not triggers:
                        conn.execute("ALTER TABLE dossiers DISABLE TRIGGER USER")
                    t0 = time.perf_counter()
                    with conn.cursor() as cur:
                        cur.executemany(sql, [(u,) for u in uids])
                    times[triggers].append(time.perf_counter() - t0)
                    conn.rollback()
            on, off = statistics.median(times[True]), statistics.median(times[False])
            print(
                f"{n} updates ({name}), one statement each: with the summary's triggers {on * 1000:.0f} ms,"
                f" without {off * 1000:.0f} ms ({on / off:.2f}×; {(on - off) / n * 1e6:.0f} µs a dossier)"
            )


COMPARED = {
    "year 2026": YEAR,
    "Q3 2026": Period(date(2026, 7, 1), date(2026, 9, 30)),
    "November 2026": Period(date(2026, 11, 1), date(2026, 11, 30)),
    "week 16-22 Nov 2026": Period(date(2026, 11, 16), date(2026, 11, 22)),
    "15 Oct 2025-10 Mar 2026": Period(date(2025, 10, 15), date(2026, 3, 10)),
    "2-27 June 2026": Period(date(2026, 6, 2), date(2026, 6, 27)),
    "week 12-18 Jan 2026": Period(date(2026, 1, 12), date(2026, 1, 18)),
}
"""The periods ``--compare`` times: whole years, months, a quarter, weeks recent and past, odd dates."""


def _compare(s: Session, runs: int) -> None:
    """province_kpi through the summary and reading every row (the code before migration 0017), taking turns
    in this process, for each of :data:`COMPARED`, with the same figures."""
    defaults = indicators._cells.__defaults__
    print(f"same run, taking turns, province_kpi, medians of {runs}:")
    print(f"  {'period':<25}{'every row':>10}{'summary':>10}")
    try:
        for name, period in COMPARED.items():
            times: dict[bool, list[float]] = {True: [], False: []}
            found: dict[bool, Any] = {}
            for _ in range(runs):
                for summary in (True, False):
                    indicators._cells.__defaults__ = (summary,)  # the bench's switch: every caller takes the default
                    t0 = time.perf_counter()
                    found[summary] = province_kpi(s, period)
                    times[summary].append(time.perf_counter() - t0)
                    s.rollback()
            assert found[True] == found[False], f"{name}: the summary's figures differ from those of every row"
            on, off = statistics.median(times[True]), statistics.median(times[False])
            print(f"  {name:<25}{off * 1000:>8.0f}ms{on * 1000:>8.0f}ms  ({off / on:.2f}× faster, same figures)")
    finally:
        indicators._cells.__defaults__ = defaults


def _median(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--db", default="h2_bench")
    ap.add_argument("--dossiers", type=int, default=1_000_000)
    ap.add_argument("--offices", type=int, default=70)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the database (default: dropped at the end)")
    ap.add_argument("--reuse", action="store_true", help="measure the database a --keep run left")
    ap.add_argument("--compare", action="store_true",
                    help="also time province_kpi reading every row (no summary) and through it")  # fmt: skip
    ap.add_argument("--writes", type=int, default=500,
                    help="time N updates of ended dossiers with and without the summary's triggers")  # fmt: skip
    args = ap.parse_args()
    admin = psycopg.connect(args.admin_url, autocommit=True)
    if not args.reuse:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.db}"')
    url = args.admin_url.rsplit("/", 1)[0] + f"/{args.db}"
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://"), pool_size=1)
    try:
        t0 = time.perf_counter()
        if not args.reuse:
            migrate(engine)
            with psycopg.connect(url) as conn:
                _reference_data(conn, args.offices)
                _dossiers(conn, args.dossiers, args.offices)
                conn.commit()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE dossiers")
            conn.execute("VACUUM ANALYZE ended_summary")  # its rows were updated by every statement of the build
            _check(conn)
            rows = conn.execute("SELECT count(*), count(ended_at), sum(supplement_count), count(*) FILTER (WHERE"
                                " received_at >= '2026-01-01') FROM dossiers").fetchone()  # fmt: skip
            size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('dossiers'))").fetchone()
        print(f"data: {rows[0]:,} dossiers ({rows[1]:,} ended, {rows[2]:,} supplement requests, {rows[3]:,} received"
              f" in 2026), table {size[0]}, written in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        load = os.getloadavg()
        with Session(engine) as s:
            bare = text(BARE)
            params = {"opens": YEAR.opens, "closes": YEAR.closes}
            base, base_min, per_office = _median(lambda: s.execute(bare, params).all(), args.runs)
            k, k_min, figures = _median(lambda: province_kpi(s, YEAR), args.runs)
            p, p_min, report = _median(lambda: province_period_report(s, YEAR), args.runs)
            if args.compare:
                _compare(s, args.runs)
        assert sum(n for _, n in per_office) == figures.whole.counted == report.total.received_total
        print(
            f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; after: "
            + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )
        print(f"year 2026, {figures.whole.counted:,} dossiers counted, {len(figures.offices)} offices,"
              f" {len(figures.departments)} departments, {len(figures.procedures)} procedures,"
              f" {len(figures.officers)} officers; II.06a {sum(len(g.rows) for g in report.groups)} rows")  # fmt: skip
        print(f"{'what':<34}{'median':>9}{'min':>9}{'×bare':>8}  target")
        for name, median, least in (("bare aggregate (count per office)", base, base_min),
                                    ("province_kpi", k, k_min), ("province_period_report", p, p_min)):  # fmt: skip
            target = "" if name.startswith("bare") else ("≤ 1 s PASS" if median <= 1 else "≤ 1 s MISS")
            print(f"{name:<34}{median * 1000:>7.0f}ms{least * 1000:>7.0f}ms{median / base:>8.1f}  {target}")
        if args.writes:
            _writes(url, args.writes, args.runs)
        w = figures.whole
        print(
            f"2.1 {w.on_time.percent}%  5.4 {w.satisfaction}  4.2 {w.digitised.percent}%  2.2 procedures"
            f" {len(w.processing)}; II.06a total {report.total}"
        )
    finally:
        engine.dispose()
        if not (args.keep or args.reuse):
            admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        admin.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
