"""Benchmark: cold start of MotCua Desk against a bare PySide6 window, in the same run.

Usage::

    .venv/bin/python bench/bench_startup.py [--runs 7] [--importtime] [--big-db]

Each measurement starts a whole new process, offscreen, and times (``time.perf_counter`` in
this process) from just before the launch until the child prints its "ready" line:

* bare:      ``python -c`` that creates a QApplication, shows a QMainWindow, processes events
             once (so the window is painted), then prints "ready";
* app:       ``motcua --smoke-test --data-dir DIR`` on a data folder prepared beforehand, so the
             first-run seeding is not measured. It prints "smoke test: window ready" once the
             main window (header, menus, reception screen with the 37 procedures listed and the
             search box focused) is shown and painted: the officer can type. The store
             (SQLAlchemy) then opens on a background thread; the smoke test waits for it and runs
             one query through the worker path before it exits;
* first run: the same on an empty data folder (migration + demo seeding before the window);
* app 1M:    (``--big-db``) the same on a data folder whose database is bench/data/bench.db;
* reference: bench/startup_reference.py, a plain PySide6 window with about as many widgets as the
             main window and none of the application's code: what Qt alone costs for such a
             window (reported, not part of the target).

The application's own modules are byte-compiled first (``compileall``), as they are in an
installed package or the PyInstaller bundle; otherwise a machine with PYTHONDONTWRITEBYTECODE
set would parse every module from source at every start.

"Usable main window" is the ready line. The time to the process's exit — which includes the
store opening in the background and the query — is printed beside it ("exit" columns).

The variants alternate run by run so that the machine's noise hits them alike; one untimed run
of each warms the OS file cache first ("cold" here means a new process, not an empty disk cache).
Target (issue): median(app) ≤ 1.5 × median(bare). Exits 1 when missed.
``--importtime`` adds a ``python -X importtime`` breakdown of the smoke test (median of 3 runs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from ready_exit import BARE  # the bare PySide6 window (bench/ready_exit.py counts it with valgrind)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
VENV_BIN = Path(sys.executable).parent
PYTHON = str(VENV_BIN / "python")
MOTCUA = str(VENV_BIN / "motcua")
TARGET = 1.5


def _env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("MOTCUA_DATA_DIR", None)
    return env


def timed(cmd: list[str]) -> tuple[float, float]:
    """(ms until the child printed a line containing "ready", ms until it exited)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready = None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if ready is None and "ready" in line:
            ready = time.perf_counter() - t0
    code = proc.wait()
    ended = time.perf_counter() - t0
    err = proc.stderr.read() if proc.stderr else ""
    if code != 0 or ready is None:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}, ready line {'seen' if ready else 'missing'}):\n"
                         f"{''.join(lines)}\n{err}")  # fmt: skip
    return ready * 1000, ended * 1000


def app_cmd(data_dir: Path) -> list[str]:
    return [MOTCUA, "--smoke-test", "--data-dir", str(data_dir)]


def prepare(data_dir: Path) -> None:
    """A data folder that has been through its first run already."""
    shutil.rmtree(data_dir, ignore_errors=True)
    timed(app_cmd(data_dir))


def big_db_dir() -> Path | None:
    db = DATA / "bench.db"
    if not db.exists():
        print("no bench/data/bench.db (run bench/make_dossiers.py); skipping the 1M variant")
        return None
    d = DATA / "startup-1m"
    d.mkdir(parents=True, exist_ok=True)
    link = d / "motcua.db"
    if not link.exists():
        link.symlink_to(db)
    return d


def importtime(data_dir: Path, runs: int = 3, top: int = 30) -> None:
    """Median cumulative import time per module over ``runs`` smoke tests, biggest first."""
    per_module: dict[str, list[int]] = defaultdict(list)
    depth: dict[str, int] = {}
    for _ in range(runs):
        cmd = [PYTHON, "-X", "importtime", "-m", "ui.cli", "--smoke-test", "--data-dir", str(data_dir)]
        proc = subprocess.run(cmd, env=_env(), capture_output=True, text=True, cwd=ROOT)
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            _self_us, cum_us, name = line[len("import time:") :].split("|")
            module = name.strip()
            depth[module] = (len(name) - len(name.lstrip()) - 1) // 2
            per_module[module].append(int(cum_us))
    rows = sorted(((statistics.median(v), m) for m, v in per_module.items()), reverse=True)
    total = sum(statistics.median(per_module[m]) for m in per_module if depth[m] == 0)
    print(f"\n== python -X importtime, smoke test, median of {runs} runs ==")
    print(f"sum of top-level imports: {total / 1000:.0f} ms")
    print(f"{'cumulative ms':>13}  depth  module   (depth ≤ 2 only: what the start-up path asks for)")
    for cum, module in [r for r in rows if depth[r[1]] <= 2][:top]:
        print(f"{cum / 1000:13.1f}  {depth[module]:5d}  {'  ' * depth[module]}{module}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--big-db", action="store_true", help="also start on the 1,000,000-dossier database")
    args = parser.parse_args()
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "app"), str(ROOT / "ui")], check=True)
    prepared = DATA / "startup"
    prepare(prepared)
    variants: dict[str, list[str] | None] = {
        "bare PySide6 window": [PYTHON, "-c", BARE],
        "reference: plain Qt, same widgets": [PYTHON, str(ROOT / "bench" / "startup_reference.py")],
        "motcua --smoke-test (prepared)": app_cmd(prepared),
        "motcua --smoke-test (first run)": None,  # a fresh folder each time
    }
    if args.big_db and (big := big_db_dir()) is not None:
        variants["motcua --smoke-test (1M dossiers)"] = app_cmd(big)
    times: dict[str, list[float]] = {k: [] for k in variants}
    exits: dict[str, list[float]] = {k: [] for k in variants}
    first = DATA / "startup-first"
    for i in range(args.runs + 1):  # run 0 warms the file cache and is not counted
        for name, cmd in variants.items():
            if cmd is None:
                shutil.rmtree(first, ignore_errors=True)
                cmd_now = app_cmd(first)
            else:
                cmd_now = cmd
            ms, end_ms = timed(cmd_now)
            if i:
                times[name].append(ms)
                exits[name].append(end_ms)
    shutil.rmtree(first, ignore_errors=True)
    bare = statistics.median(times["bare PySide6 window"])
    bare_exit = statistics.median(exits["bare PySide6 window"])
    print(f"\n{args.runs} runs each, alternating, wall ms from launch (QT_QPA_PLATFORM=offscreen)")
    print(f"{'variant':38} {'ready':>8} {'min':>8} {'max':>8} {'÷bare':>7}   {'exit':>8} {'÷bare':>7}")
    for name, ts in times.items():
        med = statistics.median(ts)
        ex = statistics.median(exits[name])
        print(f"{name:38} {med:8.0f} {min(ts):8.0f} {max(ts):8.0f} {med / bare:7.2f}   {ex:8.0f} {ex / bare_exit:7.2f}")
    ratio = statistics.median(times["motcua --smoke-test (prepared)"]) / bare
    ok = ratio <= TARGET
    print(
        f"\nstart-up ratio app/bare, launch → window ready = {ratio:.2f} (target ≤ {TARGET}) {'PASS' if ok else 'FAIL'}"
    )
    if args.importtime or not ok:
        importtime(prepared)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
