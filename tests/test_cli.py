"""The `motcua` command as IT staff run it: smoke test and calendar tools over the office database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def motcua(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "ui.cli", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)  # fmt: skip


def test_smoke_test_builds_the_main_window_on_a_first_run(tmp_path):
    result = motcua("--smoke-test", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    assert (tmp_path / "motcua.db").exists()


def test_calendar_due_uses_admin_entries_of_the_office(tmp_path):
    due = motcua("calendar", "due", "--from", "2026-12-30 16:00", "--working-days", "1", data_dir=tmp_path)
    assert due.returncode == 0 and due.stdout.splitlines()[-1] == "2026-12-31 16:00"
    add = motcua("calendar", "add", "--date", "2026-12-31", "--kind", "holiday", "--name", "Nghỉ bù",
                 "--ref", "Thông báo 1/TB-VPCP", data_dir=tmp_path)  # fmt: skip
    assert add.returncode == 0, add.stderr
    due = motcua("calendar", "due", "--from", "2026-12-30 16:00", "--working-days", "1", data_dir=tmp_path)
    assert due.stdout.splitlines()[-1] == "2027-01-04 16:00"  # 31/12 off, 1/1 holiday, weekend
    show = motcua("calendar", "show", "2026", data_dir=tmp_path)
    assert "Thông báo 1/TB-VPCP" in show.stdout and "2026-08-22" in show.stdout  # make-up Saturday
    no_ref = motcua("calendar", "add", "--date", "2026-12-24", "--kind", "holiday", "--name", "X", "--ref", " ",
                    data_dir=tmp_path)  # fmt: skip
    assert no_ref.returncode == 2 and "căn cứ pháp lý" in no_ref.stderr


def test_bad_input_is_a_vietnamese_message_not_a_traceback(tmp_path):
    result = motcua("calendar", "due", "--from", "hôm qua", "--working-days", "2", data_dir=tmp_path)
    assert result.returncode == 2
    assert "không đúng định dạng" in result.stderr and "Traceback" not in result.stderr
