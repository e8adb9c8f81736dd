"""`motcua self-check`: every native part of the scanning and printing pipeline, for IT staff."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app import selfcheck

ROOT = Path(__file__).resolve().parents[1]


def test_every_required_part_works_here(tmp_path: Path) -> None:
    results = selfcheck.run_checks(tmp_path)
    text, code = selfcheck.report(results)
    assert code == 0, text
    names = [r.name for r in results if r.required]
    assert names == ["In phiếu (reportlab, phông chữ)", "Đọc mã vạch trên trang quét", "Nén trang quét vào PDF",
                     "Lưu tệp đính kèm"]  # fmt: skip
    assert "CCITT G4" in text and "Kết quả: mọi bộ phận cần thiết hoạt động." in text
    assert list(tmp_path.iterdir()) == []  # the storage check leaves nothing behind


def test_a_broken_part_is_named_and_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import app.scanning.analysis as analysis

    monkeypatch.setattr(analysis, "find_dossier_code", lambda image, dpi=None: None)
    text, code = selfcheck.report(selfcheck.run_checks(tmp_path))
    assert code == 1
    assert "[LỖI ] Đọc mã vạch trên trang quét: RuntimeError: đọc được None" in text
    assert "Kết quả: 1 bộ phận lỗi" in text


def test_command_line(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "ui.cli", "--data-dir", str(tmp_path), "self-check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("[ĐẠT ]") >= 4
