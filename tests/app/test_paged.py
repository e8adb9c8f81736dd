"""Page furniture: the running footer never runs into "Trang x/y" (issue 15 item 9, the A4 footer)."""

from __future__ import annotations

import io
import uuid
from dataclasses import replace

import pypdfium2 as pdfium

from app.printing import handover
from app.printing.fonts import SERIF_ITALIC, register_fonts
from app.printing.paged import fitted
from tests.app.test_custody_forms import record


def _boxes(data: bytes) -> list[tuple[tuple[float, float, float, float], tuple[float, float, float, float]]]:
    """Per page: the box of the footer line's text left of "Trang" and the box of "Trang x/y"."""
    out = []
    pdf = pdfium.PdfDocument(data)
    try:
        for page in pdf:
            text = page.get_textpage()
            n = text.count_chars()
            chars = [(text.get_text_range(i, 1), text.get_charbox(i)) for i in range(n)]
            start = text.get_text_range(0, n).rfind("Trang ")
            assert start >= 0
            trang = chars[start][1]
            line = [box for ch, box in chars[:start] if ch.strip() and abs(box[1] - trang[1]) < 2]
            assert line, "no footer text on the page number's line"
            left, bottom = min(b[0] for b in line), min(b[1] for b in line)
            footer = (left, bottom, max(b[2] for b in line), max(b[3] for b in line))
            out.append((footer, trang))
            text.close()
            page.close()
    finally:
        pdf.close()
    return out


def _render(render, data) -> bytes:
    buf = io.BytesIO()
    render(data, buf)
    return buf.getvalue()


def test_handover_footer_with_a_uuid_batch_and_long_units_stops_before_the_page_number() -> None:
    long = replace(
        record(30),
        batch_id=str(uuid.UUID("01a24fe9-0000-4000-8000-00000000abcd")),
        from_unit="Bộ phận Tiếp nhận và Trả kết quả - Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh - Quầy số 01",
        to_unit="Phòng Kinh tế, Hạ tầng và Đô thị (UBND phường Hồng Gai)",
    )
    pages = _boxes(_render(handover.render, long))
    assert len(pages) >= 2
    for footer, trang in pages:
        assert footer[2] < trang[0] - 6, (footer, trang)


def test_fitted_shrinks_then_cuts() -> None:
    register_fonts()
    text, size = fitted("Biên bản bàn giao", SERIF_ITALIC, 9, 1000)
    assert (text, size) == ("Biên bản bàn giao", 9)
    text, size = fitted("Biên bản bàn giao " * 20, SERIF_ITALIC, 9, 200)
    assert size == 7 and text.endswith("…")
