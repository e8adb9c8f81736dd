"""Benchmark: opening and searching dossiers through the services on a 1,000,000-dossier database.

Usage::

    .venv/bin/python bench/bench_search.py [--rows N] [--db PATH] [--samples 200] [--diagnose]

Targets (issue): open a dossier by code ≤ 20 ms p95; the diacritic-insensitive search ≤ 100 ms
p95. Every figure is the wall time of one service call in its own session, as the UI's runner
makes it (``with factory() as session: fn(session)``), after a warm-up. A primary-key lookup
with plain sqlite3 is measured in the same run as a machine-independent yardstick: compare
ratios, not milliseconds, across machines. Exits 1 when a target is missed.

``--diagnose`` also prints the query plans and times, in the same run, the query shape that
bench/RESULTS.md recommends (clearly labelled; it is not what the app runs).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import make_dossiers  # type: ignore[import-not-found]  # bench/ is on sys.path when run as a script
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from app.services.dossiers import DossierRow, fts_query, get_by_code, get_detail, search
from app.store.db import open_database, session_factory
from app.store.models import Dossier
from app.text import fold

OPEN_TARGET_MS = 20.0
SEARCH_TARGET_MS = 100.0
WARMUP = 10


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


class Case:
    """One measured operation: a function of (session, argument) and the arguments to cycle."""

    def __init__(self, name: str, target: float | None, fn: Callable[[Session, Any], Any], args: list[Any]) -> None:
        self.name, self.target, self.fn, self.args = name, target, fn, args
        self.times: list[float] = []
        self.results: list[int] = []


def run_case(factory: sessionmaker[Session], case: Case, samples: int) -> None:
    for i in range(WARMUP):
        with factory() as session:
            case.fn(session, case.args[i % len(case.args)])
    for i in range(samples):
        arg = case.args[i % len(case.args)]
        t0 = time.perf_counter()
        with factory() as session:
            result = case.fn(session, arg)
        case.times.append((time.perf_counter() - t0) * 1000)
        case.results.append(len(result) if isinstance(result, list) else int(result is not None))


def baseline(db: Path, ids: list[int], samples: int) -> list[float]:
    """Primary-key lookups with plain sqlite3: the machine's yardstick."""
    conn = sqlite3.connect(db)
    times = []
    for i in range(WARMUP + samples):
        t0 = time.perf_counter()
        conn.execute("SELECT * FROM dossier WHERE id=?", (ids[i % len(ids)],)).fetchone()
        if i >= WARMUP:
            times.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return times


def sample_inputs(factory: sessionmaker[Session], n: int, rng: random.Random) -> dict[str, list[Any]]:
    """Random real codes, uids, names, ID prefixes and phones from the database."""
    with factory() as session:
        max_id = session.scalar(select(Dossier.id).order_by(Dossier.id.desc()).limit(1)) or 0
        ids = rng.sample(range(1, max_id + 1), min(max_id, n * 4))
        rows = session.execute(
            select(Dossier.id, Dossier.uid, Dossier.code, Dossier.applicant_name, Dossier.personal_id, Dossier.phone)
            .where(Dossier.id.in_(ids))
        ).all()  # fmt: skip
    rng.shuffle(rows)
    coded = [r for r in rows if r.code]
    return {
        "ids": [r.id for r in rows],
        "codes": [r.code for r in coded[:n]],
        "uids": [r.uid for r in rows[:n]],
        "names": [fold(r.applicant_name) for r in rows[:n]],
        "id_prefixes": [r.personal_id[:6] for r in rows[:n]],
        "phones": [r.phone for r in rows[:n]],
        # "-YYMMDD-NNNN" as read off a paper slip, without the unit part.
        "code_fragments": [c.code.split("-", 1)[1] for c in coded[:n]],
        "code_days": [c.code.split("-")[1] for c in coded[:n]],
    }


def open_by_code(session: Session, code: str) -> Any:
    """What the dossier list does for a scanned code: search by code, then load the detail."""
    rows = search(session, code)
    return get_detail(session, rows[0].uid) if rows else None


def build_cases(inputs: dict[str, list[Any]]) -> list[Case]:
    o, s = OPEN_TARGET_MS, SEARCH_TARGET_MS
    return [
        Case("get_by_code(random code)", o, get_by_code, inputs["codes"]),
        Case("get_detail(uid)", o, get_detail, inputs["uids"]),
        Case("search(code) + get_detail (scan → open)", o, open_by_code, inputs["codes"]),
        Case("search('') latest 200", s, lambda ses, _: search(ses, ""), [None]),
        Case("search('', status=5)", s, lambda ses, _: search(ses, "", status=5), [None]),
        Case("search(full name, no accents)", s, search, inputs["names"]),
        Case("search(full name, status=2)", s, lambda ses, q: search(ses, q, status=2), inputs["names"]),
        Case("search(full name, status=3)", s, lambda ses, q: search(ses, q, status=3), inputs["names"]),
        Case("search('nguyen')", s, lambda ses, q: search(ses, q), ["nguyen"]),
        Case("search('nguyen', status=3)", s, lambda ses, q: search(ses, q, status=3), ["nguyen"]),
        Case("search(ID prefix, 6 digits)", s, search, inputs["id_prefixes"]),
        Case("search(phone, 10 digits)", s, search, inputs["phones"]),
        Case("search(code fragment YYMMDD-NNNN)", s, search, inputs["code_fragments"]),
        Case("search(code day YYMMDD)", s, search, inputs["code_days"]),
    ]


# --- diagnosis: not what the app runs ------------------------------------------------------------

PROPOSED = text(
    # FTS5 walks its doclist newest first and stops at LIMIT; the join only touches those rows.
    "SELECT dossier.* FROM dossier_fts JOIN dossier ON dossier.id = dossier_fts.rowid"
    " WHERE dossier_fts MATCH :q AND (:status IS NULL OR dossier.status = :status)"
    " ORDER BY dossier_fts.rowid DESC LIMIT :limit"
)


def proposed_search(session: Session, query: str, status: int | None = None, limit: int = 200) -> list[DossierRow]:
    rows = session.execute(PROPOSED, {"q": fts_query(query), "status": status, "limit": limit}).mappings()
    return [
        DossierRow(
            r["uid"],
            r["code"],
            r["status"],
            r["applicant_name"],
            r["personal_id"],
            r["phone"],
            r["procedure_name"],
            r["received_at"],
            r["due_at"],
            r["officer_name"],
        )
        for r in rows
    ]


def diagnose(db: Path, factory: sessionmaker[Session], inputs: dict[str, list[Any]], samples: int) -> list[Case]:
    from sqlalchemy import event

    name = inputs["names"][0]
    captured: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
        captured.append((statement, parameters))

    with factory() as session:
        # The statement the service builds, captured at the driver so the plan is of the real SQL.
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", grab)
        search(session, name, status=2)
        event.remove(engine, "before_cursor_execute", grab)
    stmt_sql, params = captured[-1]
    conn = sqlite3.connect(db)
    print("\n== diagnosis ==")
    print("service SQL:", " ".join(stmt_sql.split()), params)
    print("EXPLAIN QUERY PLAN (service, name + status):")
    for row in conn.execute("EXPLAIN QUERY PLAN " + stmt_sql, params):
        print("   ", row[3])
    print("EXPLAIN QUERY PLAN (proposed):")
    for row in conn.execute("EXPLAIN QUERY PLAN " + str(PROPOSED).replace(":q", "?1").replace(":status", "?2")
                            .replace(":limit", "?3"), (fts_query(name), 2, 200)):  # fmt: skip
        print("   ", row[3])
    for q in ("nguyen", name, inputs["id_prefixes"][0]):
        m = fts_query(q)
        t0 = time.perf_counter()
        (n,) = conn.execute("SELECT count(*) FROM dossier_fts WHERE dossier_fts MATCH ?", (m,)).fetchone()
        print(f"FTS matches for {m!r}: {n:,} ({(time.perf_counter() - t0) * 1000:.0f} ms to count them all)")
    conn.close()
    s = SEARCH_TARGET_MS
    return [
        Case("PROPOSED search('nguyen')", s, proposed_search, ["nguyen"]),
        Case("PROPOSED search('nguyen', status=3)", s, lambda ses, q: proposed_search(ses, q, 3), ["nguyen"]),
        Case("PROPOSED search(full name)", s, proposed_search, inputs["names"]),
        Case("PROPOSED search(full name, status=3)", s, lambda ses, q: proposed_search(ses, q, 3), inputs["names"]),
        Case("PROPOSED search(ID prefix, 6 digits)", s, proposed_search, inputs["id_prefixes"]),
    ]


def report(cases: list[Case], base_median: float) -> bool:
    ok = True
    print(f"{'case':44} {'median':>8} {'p95':>8} {'max':>8} {'×base':>7} {'hits':>6}  target")
    for c in cases:
        med, p95 = statistics.median(c.times), percentile(c.times, 95)
        verdict = ""
        if c.target is not None:
            passed = p95 <= c.target
            if not c.name.startswith("PROPOSED"):
                ok &= passed
            verdict = f"p95 ≤ {c.target:.0f} ms {'PASS' if passed else 'FAIL'}"
        hits = statistics.median(c.results)
        print(f"{c.name:44} {med:8.2f} {p95:8.2f} {max(c.times):8.2f} {med / base_median:7.0f} {hits:6.0f}  {verdict}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=make_dossiers.DEFAULT_ROWS)
    parser.add_argument("--db", type=Path, default=make_dossiers.DEFAULT_DB)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--diagnose", action="store_true")
    args = parser.parse_args()
    if args.samples < 200:
        print("note: fewer than 200 samples; the issue asks for at least 200", file=sys.stderr)
    make_dossiers.ensure(args.db, args.rows)
    factory = session_factory(open_database(args.db))
    rng = random.Random(args.seed)
    inputs = sample_inputs(factory, args.samples, rng)
    base = baseline(args.db, inputs["ids"], max(args.samples, 1000))
    base_median = statistics.median(base)
    print(f"\n{args.rows:,} dossiers, {args.samples} samples per case (after {WARMUP} warm-up calls), times in ms")
    print(f"baseline: sqlite3 SELECT * FROM dossier WHERE id=?  median {base_median:.4f}"
          f"  p95 {percentile(base, 95):.4f}  ({len(base)} samples)\n")  # fmt: skip
    cases = build_cases(inputs)
    for c in cases:
        run_case(factory, c, args.samples)
    if args.diagnose:
        extra = diagnose(args.db, factory, inputs, args.samples)
        for c in extra:
            run_case(factory, c, args.samples)
        cases += extra
    print()
    ok = report(cases, base_median)
    print(f"\n{'ALL TARGETS MET' if ok else 'TARGET MISSED'}  (×base = median / baseline median)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
