"""The core never imports Qt (import-linter contract), and importing it loads no PySide6."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contract_holds():
    exe = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout  # pyproject.toml [tool.importlinter]


def test_importing_every_core_module_loads_no_qt():
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "app").rglob("*.py")
        if "migrations" not in p.parts and p.name != "__init__.py"
    )
    code = f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
    code += "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'ui'))]\nassert not bad, bad\n"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(modules) > 20


def test_ruff_is_clean():
    exe = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(exe), "check", "app", "ui", "server", "tests", "bench", "scripts"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout


def test_mypy_strict_on_core():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout
