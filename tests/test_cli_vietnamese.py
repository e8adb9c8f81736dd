"""`motcua --help` and `motcua-server --help` as IT staff see them: Vietnamese, argparse's own words too."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from app.cli_vi import ViArgumentParser

ROOT = Path(__file__).resolve().parents[1]
# What argparse prints in English when nobody translates it.
ENGLISH = ("usage:", "positional arguments", "options:", "optional arguments", "show this help message",
           "error:", "the following arguments are required", "invalid choice", "invalid int value",
           "expected one argument", "unrecognized arguments")  # fmt: skip


def run(command: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name(command)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MOTCUA_DATA_DIR": str(tmp_path / "client"),
           "MOTCUA_SERVER_DATA_DIR": str(tmp_path / "server"), "MOTCUA_SERVER_DATABASE_URL": ""}  # fmt: skip
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def assert_vietnamese(text: str) -> None:
    assert text.strip()
    for english in ENGLISH:
        assert english not in text, f"{english!r} in:\n{text}"
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        ("motcua", ["--help"], ["Cách dùng: motcua", "tuỳ chọn:", "-h, --help", "in hướng dẫn này rồi thoát"]),
        ("motcua", ["enrol", "--help"], ["Cách dùng: motcua enrol", "--server SERVER", "mã đăng ký dùng một lần"]),
        ("motcua", ["--data-dir", "/tmp/x", "enrol", "-h"], ["Cách dùng: motcua enrol"]),
        ("motcua-server", ["--help"], ["Cách dùng: motcua-server", "tuỳ chọn:", "in hướng dẫn này rồi thoát"]),
        ("motcua-server", ["admin", "--help"], ["Cách dùng: motcua-server admin", "lệnh:", "import-catalog"]),
        ("motcua-server", ["admin", "calendar-add", "--help"], ["--kind {holiday,workday}", "tuỳ chọn:"]),
    ],
)
def test_help_is_vietnamese(command: str, args: list[str], expected: list[str], tmp_path: Path) -> None:
    result = run(command, *args, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_vietnamese(result.stdout)
    for part in expected:
        assert part in result.stdout


@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        ("motcua-server", ["--port", "abc"], "tham số --port: 'abc' không phải số nguyên"),
        ("motcua-server", ["admin", "frobnicate"], "giá trị 'frobnicate' không hợp lệ (chọn một trong:"),
        ("motcua-server", ["admin", "calendar-add", "--unit-code", "000.01.00.H49"], "Thiếu tham số bắt buộc: --date"),
        ("motcua-server", ["admin", "calendar-add", "--kind", "le"], "tham số --kind: giá trị 'le' không hợp lệ"),
        ("motcua-server", ["--host"], "tham số --host: cần một giá trị"),
        ("motcua", ["enrol", "--server", "http://x", "--code", "ABCDEFGH"], "Thiếu tham số bắt buộc: --counter"),
        ("motcua", ["frobnicate"], "không hiểu tham số: frobnicate"),
    ],
)
def test_bad_arguments_get_a_vietnamese_line_and_exit_2(
    command: str, args: list[str], expected: str, tmp_path: Path
) -> None:
    result = run(command, *args, tmp_path=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert_vietnamese(result.stderr)
    assert expected in result.stderr and "lỗi:" in result.stderr and "Xem hướng dẫn:" in result.stderr
    assert "Traceback" not in result.stderr


def test_other_parsers_in_the_process_keep_their_own_language() -> None:
    ours = ViArgumentParser(prog="motcua")
    theirs = argparse.ArgumentParser(prog="other")
    assert "Cách dùng: motcua" in ours.format_help()
    assert theirs.format_help().startswith("usage: other")
    assert "show this help message and exit" in theirs.format_help()
