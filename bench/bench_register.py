"""The register (Sổ theo dõi hồ sơ) of 50,000 dossiers exported to .xlsx (target ≤ 5 s), and printed to PDF.

Usage::

    .venv/bin/python bench/bench_register.py [--rows 55700] [--rounds 3] [--no-pdf] [--steps]

The data folder ``bench/data/register/`` is made by ``bench/make_dossiers.py`` (reused when it
already holds the same rows); the register covers every day of the data, so it lists every dossier
with a code (about 50,000). Each round runs what IT staff type, ``motcua report register --from …
--to … --out FILE.xlsx`` (``app.cli_report_files.run`` in this process: no interpreter start-up);
the stages (reading the register, writing the file) are timed apart. The PDF (about 4,500 A4 pages,
no target) is made once, after the rounds (``--no-pdf`` to skip it).
The baseline, in the same rounds, is a bare sqlite3 read of the same rows (every column, in the
register's order). Cases take turns so the machine's load touches them alike.

``make_dossiers.py`` gives each dossier its reception event only, so the book's step columns and
notes stay empty. ``--steps`` runs on a copy (``bench/data/register-steps/``) where most dossiers
also went to their department, came back with a result and were returned, some with a department
supplement or a new appointment, as a year's book is (2.4 step events a dossier; a real store also
holds events the book does not read, such as the custody receipts and printed forms).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(__file__).resolve().parent / "data" / "register"
STEPS_DATA = DATA.with_name("register-steps")
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


def _with_steps(db: Path) -> Path:
    """A copy of ``db`` whose dossiers have the steps of a real book (reused while newer than ``db``)."""
    STEPS_DATA.mkdir(parents=True, exist_ok=True)
    copy = STEPS_DATA / "motcua.db"
    if copy.exists() and copy.stat().st_mtime > db.stat().st_mtime:
        return copy
    shutil.copyfile(db, copy)
    rng = random.Random(20261207)
    columns = ", ".join(("id", "device_id", "device_seq", "type", "dossier_uid", "base_version", "officer_id",
                         "officer_name", "occurred_at", "hlc", "payload"))  # fmt: skip
    with sqlite3.connect(copy) as con:
        device, seq = con.execute("SELECT device_id, max(device_seq) FROM event").fetchone()
        events: list[tuple[object, ...]] = []

        def new_id() -> str:
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))

        def add(kind: str, uid: str, at: datetime, payload: dict[str, object]) -> None:
            nonlocal seq
            seq += 1
            hlc = f"{int(at.timestamp() * 1000)}:00000:{device}"
            events.append((new_id(), device, seq, kind, uid, 0, "bench", "Nguyễn Thị Thuỳ Dương",
                           f"{at:%Y-%m-%d %H:%M:%S}", hlc, json.dumps(payload)))  # fmt: skip

        dossiers = con.execute(
            "SELECT uid, code, unit_code, received_at, due_at, department_code, department_name FROM dossier"
            " WHERE code IS NOT NULL"
        ).fetchall()
        for uid, code, unit, received, due, department, department_name in dossiers:
            if rng.random() > 0.85:
                continue  # still at the counter
            sent = datetime.fromisoformat(received) + timedelta(hours=rng.randint(1, 20))
            to = {"kind": "department", "code": department, "name": department_name}
            add("custody.sent", uid, sent, {
                "batch_id": new_id(), "unit_code": unit, "counter_name": "Quầy số 01", "code": code,
                "from": {"kind": "counter", "code": "Q01", "name": "Quầy số 01"}, "to": to,
                "parent_event_id": new_id(), "sent_at": sent.isoformat(timespec="seconds"), "batch_size": 12,
            })  # fmt: skip
            if rng.random() < 0.05:
                add("dossier.department_supplement_requested", uid, sent + timedelta(days=1),
                    {"unit_code": unit, "items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ"})  # fmt: skip
            if rng.random() < 0.05:
                new_due = datetime.fromisoformat(due) + timedelta(days=5)
                add("dossier.due_extended", uid, sent + timedelta(days=2), {
                    "unit_code": unit, "reason": "Cần xác minh thêm tại địa phương",
                    "old_due_at": due.replace(" ", "T"), "new_due_at": new_due.isoformat(timespec="minutes"),
                })  # fmt: skip
            if rng.random() > 0.88:
                continue  # still at the department
            result = sent + timedelta(days=rng.randint(1, 6))
            recorded = result.isoformat(timespec="seconds")
            add("dossier.result_recorded", uid, result,
                {"unit_code": unit, "result": "Giấy chứng nhận", "recorded_at": recorded})  # fmt: skip
            if rng.random() > 0.9:
                continue  # result not collected yet
            returned = result + timedelta(days=rng.randint(0, 5), hours=2)
            kind = "representative" if rng.random() < 0.2 else "applicant"
            collector = {"kind": kind, "personal_id": "022185379108", "full_name": "Trần Thị Bình",
                         "authorisation_ref": "Giấy ủy quyền số 12" if kind == "representative" else ""}  # fmt: skip
            add("dossier.returned", uid, returned, {"unit_code": unit, "collector": collector, "code": code,
                "returned_at": returned.isoformat(timespec="seconds"), "counter_name": "Quầy số 01"})  # fmt: skip
        con.executemany(f"INSERT INTO event ({columns}) VALUES ({', '.join('?' * 11)})", events)
        con.execute("ANALYZE")
    print(f"{len(events):,} step events added to {copy}")
    return copy


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


def _command(data: Path, start: date, end: date, kind: str, folder: Path) -> float:
    """Seconds for ``motcua report register --from … --to … --out FILE.<kind>`` on the data folder ``data``."""
    from app.cli_report_files import run

    out = folder / f"so-theo-doi.{kind}"
    t0 = time.perf_counter()
    code = run(["register", "--from", f"{start}", "--to", f"{end}", "--out", str(out)], data)
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
    parser.add_argument("--steps", action="store_true", help="a book with its steps (sent, result, returned…)")
    args = parser.parse_args()
    db = _make(args.rows)
    if args.steps:
        db = _with_steps(db)
    start, end = _span(db)
    times: dict[str, list[float]] = {}
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _command(db.parent, start, end, "xlsx", folder)  # warm-up: imports, the page cache
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            rows = _bare(db, start, end)
            times.setdefault("baseline: bare sqlite3 read of the register's rows", []).append(time.perf_counter() - t0)
            times.setdefault("motcua report register … --out FILE.xlsx", []).append(
                _command(db.parent, start, end, "xlsx", folder)
            )
            read, write, n = _stages(db, start, end, "xlsx")
            times.setdefault("  of which build_register", []).append(read)
            times.setdefault("  of which writing the .xlsx", []).append(write)
            assert n == rows, (n, rows)
        if not args.no_pdf:
            times["motcua report register … --out FILE.pdf (once, no target)"] = [
                _command(db.parent, start, end, "pdf", folder)
            ]
    load = os.getloadavg()[0]
    base = statistics.median(times["baseline: bare sqlite3 read of the register's rows"])
    steps = " with their steps" if args.steps else ""
    print(f"register of {rows:,} dossiers{steps} ({start:%d/%m/%Y} – {end:%d/%m/%Y}), {args.rounds} rounds"
          f" after a warm-up, load average {load:.2f}; times in s")  # fmt: skip
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
