"""The folder label's Code128 pattern (a dossier code without "." and "-") is defined once, in
app/domain/scan.py, and the label printer, the handover check and the scan classifier agree on it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.domain.scan import LABEL_CODE_RE, ScanKind, classify, expand_label_code
from app.printing.labels import expand_label_barcode, label_barcode_text
from app.services.handover import scanned_code

ROOT = Path(__file__).resolve().parents[2]
CODE = "000.01.00.H49-261122-0007"


def test_the_pattern_is_written_once() -> None:
    literal = re.compile(re.escape(r"(\d{3})(\d{2})(\d{2})([A-Z]\d{2})(\d{6})(\d{4})"))
    holders = sorted(
        str(p.relative_to(ROOT))
        for top in ("app", "ui", "server")
        for p in (ROOT / top).rglob("*.py")
        if literal.search(p.read_text(encoding="utf-8"))
    )
    assert holders == ["app/domain/scan.py"]


@pytest.mark.parametrize("text", ["0000100H492611220007", "0000100h492611220007", " 0000100H492611220007 "])
def test_printer_handover_and_scanner_read_a_label_alike(text: str) -> None:
    assert label_barcode_text(CODE) == "0000100H492611220007" and LABEL_CODE_RE.match(label_barcode_text(CODE))
    assert expand_label_code(text) == expand_label_barcode(text) == CODE
    parsed = scanned_code(text)
    assert parsed is not None and parsed.text == CODE
    scan = classify(text)
    assert scan.kind is ScanKind.DOSSIER and scan.value == CODE


@pytest.mark.parametrize("text", ["022190012345", "0000100H49261122000", "BG-0001", ""])
def test_what_is_not_a_label_code(text: str) -> None:
    assert expand_label_code(text) is None and expand_label_barcode(text) is None
