"""Barcode labels: every barcode decodes back (zxing-cpp, 200 dpi), text fits, calibration moves content."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace
from datetime import datetime

import pytest
import zxingcpp
from pypdf import PdfReader
from reportlab.graphics.barcode import qrencoder

from app.errors import ValidationError
from app.printing import labels
from app.printing.data import A4_2X7, A4_3X8, THERMAL_50X30, LabelData, LabelPrintJob, LabelStock
from tests.pdf_tools import decode_barcodes, pdf_text, render_pages

MM = 72 / 25.4
LONG_NAME = "Công ty TNHH Thương mại và Dịch vụ Xuất nhập khẩu Hạ Long Xanh Quảng Ninh"
LONG_PROC = (
    "Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu"
    " cho hộ gia đình, cá nhân"
)


def code(i: int) -> str:
    return f"000.01.00.H49-261122-{i:04d}"


def label(i: int, name: str = "Nguyễn Thị Thuỳ Dương", proc: str = "Đăng ký thành lập hộ kinh doanh") -> LabelData:
    # Decomposed on purpose: the renderer must NFC-normalise.
    return LabelData(
        code(i),
        unicodedata.normalize("NFD", name),
        proc,
        datetime(2026, 11, 25, 16, 30),
        "Trung tâm Phục vụ hành chính công",
    )


def render(job: LabelPrintJob, **kw: bool) -> bytes:
    out = io.BytesIO()
    labels.render(job, out, **kw)
    return out.getvalue()


def decoded(page: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(dossier codes from Code128, from QR) of one page; the label Code128 expanded back."""
    bars = sorted(labels.expand_label_barcode(t) or f"?{t}" for f, t in page if f == "Code128")
    qrs = sorted(t for f, t in page if f == "QRCode")
    return bars, qrs


def test_full_a4_sheet_every_label_decodes_both_barcodes() -> None:
    items = tuple(
        label(i, LONG_NAME if i % 3 == 0 else "Lê Ánh", LONG_PROC if i % 2 else "Chứng thực") for i in range(1, 25)
    )
    data = render(LabelPrintJob(items, A4_3X8))
    pages = decode_barcodes(data, dpi=200)
    assert len(pages) == 1
    bars, qrs = decoded(pages[0])
    expected = sorted(code(i) for i in range(1, 25))
    assert bars == expected
    assert qrs == expected
    reader = PdfReader(io.BytesIO(data))
    assert [round(float(v) / MM) for v in reader.pages[0].mediabox[2:]] == [210, 297]


def test_roll_one_label_per_page_decodes() -> None:
    items = tuple(label(i, LONG_NAME, LONG_PROC) for i in range(1, 4))
    data = render(LabelPrintJob(items, THERMAL_50X30, start_position=5))  # ignored on a roll
    pages = decode_barcodes(data, dpi=200)
    assert [decoded(p) for p in pages] == [([code(i)], [code(i)]) for i in range(1, 4)]
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box[2]) / MM), round(float(box[3]) / MM)) == (50, 30)


def test_2x7_sheet_and_overflow_onto_a_second_sheet() -> None:
    items = tuple(label(i) for i in range(1, 17))
    pages = decode_barcodes(render(LabelPrintJob(items, A4_2X7)), dpi=200)
    assert [len(decoded(p)[0]) for p in pages] == [14, 2]
    assert decoded(pages[1]) == ([code(15), code(16)], [code(15), code(16)])


def test_text_with_diacritics_and_long_text_ellipsized() -> None:
    data = render(LabelPrintJob((label(7, LONG_NAME, LONG_PROC),), A4_3X8))
    text = pdf_text(data)[0]
    assert "Hẹn trả: 25/11/2026 16:30" in text
    assert code(7) in text
    assert "Công ty TNHH Thương" in text and "Quảng Ninh" not in text  # cut, with an ellipsis
    assert "…" in text
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" in text


@pytest.mark.parametrize("stock", [A4_3X8, THERMAL_50X30, A4_2X7], ids=lambda s: s.key)
def test_text_never_overflows_the_label(stock: LabelStock) -> None:
    very_long = "Nguyễn" + "ễ" * 60 + " " + "Trường" * 20
    job = LabelPrintJob((label(1, very_long, "X" * 300), label(2, LONG_NAME, LONG_PROC)), stock)
    lay = labels.layout_for(stock)
    for item in job.labels:
        text_w = lay.text_w
        name = labels.ellipsize(unicodedata.normalize("NFC", item.applicant_short), labels.SERIF_BOLD, lay.font, text_w)
        assert labels.stringWidth(name, labels.SERIF_BOLD, lay.font) <= text_w
        for line in labels.wrap_lines(item.procedure_short, labels.SERIF, lay.font * 0.88, text_w, 2):
            assert labels.stringWidth(line, labels.SERIF, lay.font * 0.88) <= text_w
    # And on the page: no ink right of the first label's right edge within its row band.
    image = render_pages(render(job), dpi=100)[0].convert("L")
    x0, y0 = labels.slot_origin(stock, 0)
    right = int((x0 + lay.width) / 72 * 100) + 1
    top = int((stock.page_h_mm * MM - (y0 + lay.height)) / 72 * 100) + 1
    bottom = int((stock.page_h_mm * MM - y0) / 72 * 100) - 1
    if stock.columns > 1:  # the gap up to the next label stays white
        next_x, _ = labels.slot_origin(stock, 1)
        gap_end = int((next_x + lay.left) / 72 * 100) - 1
        strip = image.crop((right, top, max(gap_end, right + 1), bottom))
        assert strip.getextrema()[0] > 200, "something was drawn past the label's right edge"


def _ink_box(data: bytes) -> tuple[int, int, int, int]:
    image = render_pages(data, dpi=200)[0].convert("L").point(lambda v: 255 if v < 128 else 0)
    box = image.getbbox()
    assert box is not None
    return box


def test_calibration_offsets_move_everything_by_that_many_millimetres() -> None:
    items = (label(1),)
    base = _ink_box(render(LabelPrintJob(items, A4_3X8)))
    moved = _ink_box(render(LabelPrintJob(items, A4_3X8, offset_x_mm=3.0, offset_y_mm=-2.0)))
    px_per_mm = 200 / 25.4
    assert moved[0] - base[0] == pytest.approx(3.0 * px_per_mm, abs=1.5)
    assert moved[1] - base[1] == pytest.approx(-2.0 * px_per_mm, abs=1.5)
    # and the moved label still decodes
    bars, qrs = decoded(decode_barcodes(render(LabelPrintJob(items, A4_3X8, offset_x_mm=3.0)))[0])
    assert bars == qrs == [code(1)]


def test_start_position_uses_a_partly_used_sheet() -> None:
    data = render(LabelPrintJob((label(1), label(2)), A4_3X8, start_position=23))
    pages = decode_barcodes(data)
    assert [decoded(p)[1] for p in pages] == [[code(1), code(2)]]
    image = render_pages(data, dpi=100)[0]
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    positions = {r.text: r.position.top_left for r in results}
    # position 23 = last row, middle column; 24 = last row, right column
    assert positions[code(1)].y > image.height * 7 / 8 and image.width / 3 < positions[code(1)].x < image.width * 2 / 3
    assert positions[code(2)].x > image.width * 2 / 3
    # A third label goes to the next sheet's first position
    three = render(LabelPrintJob((label(1), label(2), label(3)), A4_3X8, start_position=23))
    assert [decoded(p)[1] for p in decode_barcodes(three)] == [[code(1), code(2)], [code(3)]]


@pytest.mark.parametrize(
    ("job", "field"),
    [
        (LabelPrintJob((), A4_3X8), "labels"),
        (LabelPrintJob((label(1),), A4_3X8, start_position=25), "start_position"),
        (LabelPrintJob((label(1),), A4_3X8, start_position=0), "start_position"),
        (LabelPrintJob((label(1),), A4_3X8, offset_x_mm=40), "offset_x_mm"),
        (LabelPrintJob((label(1),), A4_3X8, offset_y_mm=float("nan")), "offset_y_mm"),
        (LabelPrintJob((replace(label(1), dossier_code="MÃ HỒ SƠ"),), A4_3X8), "dossier_code"),
        (LabelPrintJob((replace(label(1), dossier_code=""),), A4_3X8), "dossier_code"),
        (LabelPrintJob((label(1),), replace(A4_3X8, columns=4)), "stock"),
        (LabelPrintJob((label(1),), replace(A4_3X8, label_h_mm=10, rows=1)), "stock"),
    ],
)
def test_invalid_jobs_are_refused_in_vietnamese(job: LabelPrintJob, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        render(job)
    assert field in info.value.fields
    assert "Hãy" in info.value.fields[field] or "hãy" in info.value.fields[field]


def test_label_barcode_text_round_trip() -> None:
    assert labels.label_barcode_text(code(7)) == "0000100H492611220007"
    assert labels.expand_label_barcode("0000100H492611220007") == code(7)
    assert labels.expand_label_barcode("0000100h492611220007") == code(7)
    assert labels.expand_label_barcode("022190012345") is None
    assert labels.label_barcode_text("DEMO-1") == "DEMO-1"  # non-standard codes unchanged


def test_fast_qr_matches_reportlab_codewords_and_decodes() -> None:
    for text in [code(i) for i in range(1, 40)] + ["BG-20261122-0003", "https://dichvucong.gov.vn/" + "x" * 300]:
        ref = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        ref.addData(text)
        ref.version = ref.calculate_version()
        assert labels._codewords(ref.version, ref.errorCorrectLevel, ref.dataList) == qrencoder.QRCode.createData(
            ref.version, ref.errorCorrectLevel, ref.dataList
        )
        modules = labels.qr_modules(text)
        matches = []
        for mask in range(8):
            ref.makeImpl(False, mask)
            matches.append([[bool(m) for m in row] for row in ref.modules] == modules)
        assert any(matches), text


def test_stock_by_key() -> None:
    assert labels.stock_by_key("a4_3x8") is A4_3X8
    with pytest.raises(ValidationError):
        labels.stock_by_key("khong-co")
