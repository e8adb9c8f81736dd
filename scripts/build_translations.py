"""Compile resources/i18n/*.ts to the .qm files the app loads (pyside6-lrelease), or check them.

    .venv/bin/python scripts/build_translations.py          # rewrite every .qm from its .ts
    .venv/bin/python scripts/build_translations.py --check  # exit 1 if a .qm is missing or stale

Edit the .ts (Qt Linguist, or any editor), run this, and commit both files; the test suite runs
``--check`` (tests/ui/test_vietnamese_dialogs.py).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "resources" / "i18n"


def lrelease() -> str:
    """The pyside6-lrelease next to this Python (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "pyside6-lrelease"
    found = str(beside) if beside.exists() else shutil.which("pyside6-lrelease")
    if not found:
        raise SystemExit("pyside6-lrelease not found: install PySide6 in this Python")
    return found


def compile_ts(ts: Path, qm: Path) -> None:
    """Compile ``ts`` to ``qm``; every message must be translated (no unfinished ones)."""
    result = subprocess.run([lrelease(), str(ts), "-qm", str(qm)], capture_output=True, text=True, check=False)
    if result.returncode != 0 or "0 unfinished" not in result.stdout:
        raise SystemExit(f"{ts.name}: lrelease failed or left messages unfinished:\n{result.stdout}{result.stderr}")


def main(argv: list[str] | None = None) -> int:
    """Build or check every resources/i18n/*.ts; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that each .qm matches its .ts")
    args = parser.parse_args(argv)
    stale: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for ts in sorted(I18N.glob("*.ts")):
            qm = ts.with_suffix(".qm")
            fresh = Path(tmp) / qm.name
            compile_ts(ts, fresh)
            if not qm.exists() or qm.read_bytes() != fresh.read_bytes():
                stale.append(qm.name)
                if not args.check:
                    shutil.copyfile(fresh, qm)
    if args.check and stale:
        print(f"out of date (run scripts/build_translations.py): {', '.join(stale)}")
        return 1
    print(f"{'rebuilt' if stale else 'up to date'}: {', '.join(stale) or 'all .qm files'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
