"""The register (Sổ theo dõi hồ sơ) of 50,000 dossiers exported to .xlsx (target ≤ 5 s), and printed to PDF.

Usage::

    .venv/bin/python bench/bench_register.py [--rows 55700] [--rounds 3] [--no-pdf]

The data folder ``bench/data/register/`` is made by ``bench/make_dossiers.py`` (reused when it
already holds the same rows); the register covers every day of the data, so it lists every dossier
with a code (about 50,000). Each round runs what IT staff type, ``motcua report register --from …
--to … --out FILE.xlsx`` (``app.cli_report_files.run`` in this process: no interpreter start-up);
the stages (reading the register, writing the file) are timed apart. The PDF (about 4,500 A4 pages,
no target) is made once, after the rounds (``--no-pdf`` to skip it).
The baseline, in the same rounds, is a bare sqlite3 read of the same rows (every column, in the
register's order). Cases take turns so the machine's load touches them alike.
"""

from __future__ import annotations

import argparse
import io
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(__file__).resolve().parent / "data" / "register"
TARGET_S = 5.0
BARE_SQL = (
    "SELECT * FROM dossier WHERE code IS NOT NULL AND received_at >= ? AND received_at < ?"
    " ORDER BY received_at, code, id"
)


def _make(rows: int) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    db = DATA / "motcua.db"
    maker = Path(__file__).with_name("make_dossiers.py")
    subprocess.run([sys.executable, str(maker), "--rows", str(rows), "--db", str(db)], check=True)
    return db


def _span(db: Path) -> tuple[date, date]:
    with sqlite3.connect(db) as con:
        lo, hi = con.execute("SELECT min(received_at), max(received_at) FROM dossier WHERE code IS NOT NULL").fetchone()
    return date.fromisoformat(lo[:10]), date.fromisoformat(hi[:10])


def _bare(db: Path, start: date, end: date) -> int:
    with sqlite3.connect(db) as con:
        return len(con.execute(BARE_SQL, (f"{start} 00:00:00", f"{end} 23:59:59.999999")).fetchall())


def _stages(db: Path, start: date, end: date, kind: str) -> tuple[float, float, int]:
    """Seconds to read the register and to write it as ``kind``, and its number of rows."""
    from app.printing import register, xlsx
    from app.services.register import build_register
    from app.store.db import open_database, session_factory

    factory = session_factory(open_database(db))
    t0 = time.perf_counter()
    with factory() as session:
        reg = build_register(session, start, end, datetime(2026, 12, 7, 9))
    t1 = time.perf_counter()
    out = io.BytesIO()
    if kind == "pdf":
        register.render(reg, out)
    else:
        xlsx.save_register(reg, out)
    return t1 - t0, time.perf_counter() - t1, len(reg.rows)


def _command(start: date, end: date, kind: str, folder: Path) -> float:
    """Seconds for ``motcua report register --from … --to … --out FILE.<kind>``."""
    from app.cli_report_files import run

    out = folder / f"so-theo-doi.{kind}"
    t0 = time.perf_counter()
    code = run(["register", "--from", f"{start}", "--to", f"{end}", "--out", str(out)], DATA)
    took = time.perf_counter() - t0
    if code != 0 or out.stat().st_size == 0:
        raise SystemExit(f"motcua report register failed ({code})")
    out.unlink()
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=55_700, help="dossiers made (about 90 %% get a code: 55,700 give ~50,000 lines)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF (minutes)")
    args = parser.parse_args()
    db = _make(args.rows)
    start, end = _span(db)
    times: dict[str, list[float]] = {}
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _command(start, end, "xlsx", folder)  # warm-up: imports, the page cache
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            rows = _bare(db, start, end)
            times.setdefault("baseline: bare sqlite3 read of the register's rows", []).append(time.perf_counter() - t0)
            times.setdefault("motcua report register … --out FILE.xlsx", []).append(
                _command(start, end, "xlsx", folder)
            )
            read, write, n = _stages(db, start, end, "xlsx")
            times.setdefault("  of which build_register", []).append(read)
            times.setdefault("  of which writing the .xlsx", []).append(write)
            assert n == rows, (n, rows)
        if not args.no_pdf:
            times["motcua report register … --out FILE.pdf (once, no target)"] = [_command(start, end, "pdf", folder)]
    load = os.getloadavg()[0]
    base = statistics.median(times["baseline: bare sqlite3 read of the register's rows"])
    print(f"register of {rows:,} dossiers ({start:%d/%m/%Y} – {end:%d/%m/%Y}), {args.rounds} rounds after a warm-up,"
          f" load average {load:.2f}; times in s")  # fmt: skip
    print(f"{'case':<58}{'median':>8}{'max':>8}{'×base':>8}  target")
    for name, values in times.items():
        med = statistics.median(values)
        verdict = ""
        if name.startswith("motcua") and name.endswith(".xlsx"):
            verdict = f"≤ {TARGET_S:.0f} s {'PASS' if med <= TARGET_S else 'FAIL'}"
        print(f"{name:<58}{med:>8.2f}{max(values):>8.2f}{med / base:>8.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
