"""The cover sheet: A4, Vietnamese text, readable codes and the marker the page analysis recognises."""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime

from pypdf import PdfReader

from app.printing.cover_sheet import COVER_PREFIX, TITLE, cover_marker_text, render_cover_sheet
from app.scanning.analysis import SeparatorKind, read_page_codes
from tests import scan_pages as sp
from tests.pdf_tools import decode_barcodes, pdf_text

CODE = "000.01.00.H49-261122-0042"
NAME = "Nguyễn Thị Thuỳ Dương"
PROCEDURE = "Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu"
OFFICE = "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh"


def _render(**kwargs: object) -> bytes:
    nfd = unicodedata.normalize("NFD", NAME)
    return render_cover_sheet(CODE, nfd, PROCEDURE, OFFICE, **kwargs)  # type: ignore[arg-type]


def test_one_a4_page_with_vietnamese_text() -> None:
    data = _render(printed_at=datetime(2026, 11, 22, 9, 5))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = unicodedata.normalize("NFC", pdf_text(data)[0])
    for expected in (TITLE, f"Mã hồ sơ: {CODE}", NAME, "Cấp giấy chứng nhận quyền sử dụng đất", OFFICE.upper()):
        assert expected in text.replace("\n", " "), expected
    assert "In lúc 09:05 ngày 22/11/2026" in text


def test_codes_decode_plain_and_marker() -> None:
    (found,) = decode_barcodes(_render(), dpi=200)
    assert sorted(found) == sorted([("Code128", CODE), ("QRCode", CODE), ("QRCode", COVER_PREFIX + CODE)])
    assert cover_marker_text(CODE) == "TPC-" + CODE


def test_analysis_recognises_the_scanned_sheet_as_a_cover() -> None:
    for rotation, bw in ((0, True), (180, False), (-8, True)):
        page = sp.scan(sp.rasterise(_render()), rotation=rotation, bw=bw)
        found = read_page_codes(page)
        assert found is not None and (found.code, found.kind) == (CODE, SeparatorKind.COVER)


def test_same_data_same_bytes() -> None:
    assert _render() == _render()
    assert _render() != render_cover_sheet(CODE.replace("0042", "0043"), NAME, PROCEDURE, OFFICE)
