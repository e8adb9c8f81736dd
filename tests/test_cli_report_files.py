"""`motcua report register|period --out FILE`: .pdf or .xlsx by the suffix; bad input is a Vietnamese message."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.app.test_reception import draft, receive
from tests.app.test_register import _many
from ui.cli import main


def _cli(data_dir, *args: str) -> int:
    return main(["--data-dir", str(data_dir), "report", *args])


@pytest.mark.parametrize("suffix", [".pdf", ".xlsx", ".PDF"])
def test_cli_writes_both_kinds_by_suffix(factory, actor, catalog, db_path, tmp_path, capsys, suffix):
    _many(factory, actor, catalog, 3)
    reg_out, period_out = tmp_path / f"so{suffix}", tmp_path / f"bieu{suffix}"
    assert _cli(db_path.parent, "register", "--year", "2026", "--out", str(reg_out)) == 0
    assert _cli(db_path.parent, "period", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(period_out)) == 0
    assert "Đã ghi" in capsys.readouterr().out
    for path in (reg_out, period_out):
        data = path.read_bytes()
        assert data.startswith(b"%PDF") if suffix.lower() == ".pdf" else data.startswith(b"PK")
    if suffix == ".xlsx":
        ws = load_workbook(reg_out).active
        assert ws.max_row == 7 + 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["register", "--year", "2026", "--out", "so.docx"], "phải có đuôi .pdf"),
        (["register", "--year", "hai nghìn", "--out", "so.pdf"], "Năm “hai nghìn” không hợp lệ"),
        (["register", "--year", "1800", "--out", "so.pdf"], "Năm 1800 không hợp lệ"),
        (["register", "--out", "so.pdf"], "--year 2026"),
        (["register", "--year", "2025", "--out", "so.pdf"], "Không có hồ sơ nào vào sổ"),
        (["period", "--from", "2026-12-01", "--to", "2026-11-01", "--out", "b.pdf"], "sau ngày kết thúc"),
        (["period", "--from", "1/11/2026", "--to", "2026-11-30", "--out", "b.xlsx"], "không đúng dạng YYYY-MM-DD"),
        (["period", "--from", "2025-01-01", "--to", "2025-01-31", "--out", "b.xlsx"], "không có hồ sơ nào"),
    ],
)
def test_cli_bad_input_is_a_vietnamese_message_and_exit_2(factory, actor, catalog, db_path, tmp_path, capsys,
                                                          monkeypatch, args, message):  # fmt: skip
    receive(factory, actor, catalog, draft(catalog))
    monkeypatch.chdir(tmp_path)
    assert _cli(db_path.parent, *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.glob("so.*")) and not list(tmp_path.glob("b.*"))


def test_cli_unwritable_file_is_a_message_and_exit_1(factory, actor, catalog, db_path, tmp_path, capsys):
    receive(factory, actor, catalog, draft(catalog))
    out = tmp_path / "no-such-folder" / "so.pdf"
    assert _cli(db_path.parent, "register", "--year", "2026", "--out", str(out)) == 1
    assert "Không ghi được tệp" in capsys.readouterr().err
