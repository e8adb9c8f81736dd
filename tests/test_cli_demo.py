"""`motcua demo populate` as IT staff run it: a demo folder filled, a real one refused, bad arguments."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.test_cli import motcua

UNTIL = "2026-11-23 15:00"


def _codes(folder: Path) -> list[str]:
    conn = sqlite3.connect(folder / "motcua.db")
    try:
        return [row[0] for row in conn.execute("SELECT code FROM dossier WHERE code IS NOT NULL ORDER BY code")]
    finally:
        conn.close()


def test_populates_a_new_demo_folder_with_progress_and_a_summary(tmp_path):
    result = motcua("demo", "populate", "--dossiers", "40", "--days", "4", "--seed", "5", "--until", UNTIL,
                    data_dir=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Lượt tiếp nhận tại quầy:        40" in result.stdout
    assert "Được tiếp nhận (có mã hồ sơ):" in result.stdout and "Đã trả kết quả:" in result.stdout
    assert "hồ sơ/giây" in result.stdout and "Dừng xử lý, rút hồ sơ:" in result.stdout
    assert (
        "Xin lỗi, hẹn lại ngày trả:" in result.stdout
        and "Cán bộ tiếp nhận:               6 người tại 6 quầy" in result.stdout
    )
    progress = [line for line in result.stderr.splitlines() if line.startswith("Đang tạo dữ liệu minh hoạ:")]
    assert progress and progress[-1] == "Đang tạo dữ liệu minh hoạ: 100 % (40/40 hồ sơ)"
    codes = _codes(tmp_path)
    assert codes and all(code.startswith("000.01.00.H49-2611") for code in codes)
    # The same seed in another new folder gives the same codes.
    again = tmp_path / "again"
    second = motcua("demo", "populate", "--dossiers", "40", "--days", "4", "--seed", "5", "--until", UNTIL,
                    data_dir=again)  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert _codes(again) == codes


def test_a_real_office_folder_is_refused(tmp_path):
    first = motcua("demo", "populate", "--dossiers", "5", "--days", "1", "--until", UNTIL, data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    before = _codes(tmp_path)
    conn = sqlite3.connect(tmp_path / "motcua.db")
    with conn:
        conn.execute("UPDATE office SET demo = 0")
    conn.close()
    result = motcua("demo", "populate", "--dossiers", "5", "--days", "1", "--until", UNTIL, data_dir=tmp_path)
    assert result.returncode == 2
    assert "không phải đơn vị minh hoạ (DEMO)" in result.stderr and "Traceback" not in result.stderr
    assert _codes(tmp_path) == before


def test_bad_arguments_exit_2_with_a_vietnamese_message(tmp_path):
    cases = [
        (["--dossiers", "0", "--days", "5"], "--dossiers phải từ 1 đến 2.000.000"),
        (["--dossiers", "2000001", "--days", "5"], "--dossiers phải từ 1 đến 2.000.000"),
        (["--dossiers", "10", "--days", "3651"], "--days phải từ 1 đến 3650"),
        (["--dossiers", "mười", "--days", "5"], "không phải số nguyên"),
        (["--days", "5"], "Thiếu tham số bắt buộc: --dossiers"),
        (["--dossiers", "10", "--days", "5", "--until", "hôm qua"], "không đúng dạng YYYY-MM-DD HH:MM"),
        (["--dossiers", "90000", "--days", "2"], "9.999 mã hồ sơ mỗi ngày"),
    ]
    for args, message in cases:
        result = motcua("demo", "populate", *args, data_dir=tmp_path / "d")
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    no_command = motcua("demo", data_dir=tmp_path / "d")
    assert no_command.returncode == 2 and "populate" in no_command.stderr
    assert not (tmp_path / "d" / "motcua.db").exists() or _codes(tmp_path / "d") == []


def test_help_lists_the_options():
    result = motcua("demo", "populate", "--help", data_dir=Path("/nonexistent-motcua"))
    assert result.returncode == 0
    assert "--dossiers" in result.stdout and "--seed" in result.stdout and "1 đến 3650" in result.stdout
