"""Printed slips (forms 01-03): A5 pages, Vietnamese text, our embedded fonts, readable barcodes."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from pypdf import PdfReader

from app.printing import form01, form02, form03
from app.printing.data import (
    Applicant,
    OfficeHeader,
    ReceiptSlip,
    RefusalSlip,
    SlipDocument,
    SupplementSlip,
    vn_datetime_words,
    vn_place_date,
)
from app.printing.fonts import register_fonts
from tests.pdf_tools import decode_barcodes, pdf_text

A5_W, A5_H = 419.53, 595.28
CODE = "000.01.00.H49-261122-0007"
# Decomposed on purpose: the renderers must NFC-normalise.
NAME = "Nguyễn Thị Thuỳ Dương"
NAME_NFD = unicodedata.normalize("NFD", NAME)
HEADER = OfficeHeader("UBND TỈNH QUẢNG NINH", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "Quảng Ninh")
APPLICANT = Applicant(
    NAME_NFD,
    "022190012345",
    "Phường Hồng Gai, Thành phố Hạ Long, Quảng Ninh",
    "0912 345 678",
    "duong@example.vn",
)


TYPICAL_DOCS = (
    SlipDocument("Giấy đề nghị đăng ký hộ kinh doanh", "Bản chính", 1),
    SlipDocument("Bản sao Căn cước công dân của chủ hộ kinh doanh", "Bản sao có chứng thực", 1),
    SlipDocument("Hợp đồng thuê địa điểm kinh doanh", "Bản sao", 1),
    SlipDocument("Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh", "Bản chính", 1),
    SlipDocument("Giấy ủy quyền cho người đi nộp hồ sơ", "Bản chính", 1),
    SlipDocument("Giấy xác nhận của Ủy ban nhân dân phường về nơi cư trú", "Bản sao", 2),
)


def _docs(n: int) -> tuple[SlipDocument, ...]:
    if n <= len(TYPICAL_DOCS):
        return TYPICAL_DOCS[:n]
    return tuple(
        SlipDocument(f"Giấy tờ số {i:02d}: Giấy xác nhận của Ủy ban nhân dân phường về nơi cư trú", "Bản sao", 1)
        for i in range(1, n + 1)
    )


def receipt(n_docs: int = 6, demo: bool = False) -> ReceiptSlip:
    return ReceiptSlip(
        header=HEADER,
        form_number="Mẫu số 01",
        dossier_code=CODE,
        receiving_unit="Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
        applicant=APPLICANT,
        procedure_name="Đăng ký thành lập hộ kinh doanh",
        procedure_code="2.000720",
        documents=_docs(n_docs),
        sets=1,
        processing_time_text="03 ngày làm việc",
        received_at=datetime(2026, 11, 22, 9, 5),
        due_at=datetime(2026, 11, 25, 16, 30),
        return_place="Quầy số 3",
        fee_text="100.000 ₫",
        register_book="01",
        register_number="1234",
        officer_name="Trần Văn Hưởng",
        demo=demo,
    )


def supplement() -> SupplementSlip:
    return SupplementSlip(
        HEADER,
        "Mẫu số 02",
        "",
        "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
        APPLICANT,
        "Đăng ký thành lập hộ kinh doanh",
        ("Bổ sung hợp đồng thuê địa điểm", "Tờ khai phải có chữ ký của chủ hộ"),
        "Hồ sơ chưa đầy đủ thành phần",
        "Quầy số 3 – 0203 3 656 789",
        "Trần Văn Hưởng",
        datetime(2026, 11, 22, 9, 5),
    )


def refusal() -> RefusalSlip:
    return RefusalSlip(
        HEADER,
        "Mẫu số 03",
        CODE,
        "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
        APPLICANT,
        "Cấp bản sao trích lục hộ tịch",
        "Yêu cầu không thuộc thẩm quyền giải quyết.",
        "Trần Văn Hưởng",
        datetime(2026, 11, 22, 14, 45),
    )


CASES: list[tuple[str, Callable[[Any, Any], None], Callable[[], Any], str]] = [
    ("form01", form01.render, receipt, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
    ("form02", form02.render, supplement, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"),
    ("form03", form03.render, refusal, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"),
]


def _render(render: Callable[[Any, Any], None], data: Any) -> bytes:
    buf = io.BytesIO()
    render(data, buf)
    return buf.getvalue()


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.mark.parametrize(("name", "render", "make", "title"), CASES, ids=[c[0] for c in CASES])
def test_pages_are_a5_with_title_and_nfc_name(
    name: str, render: Callable[[Any, Any], None], make: Callable[[], Any], title: str
) -> None:
    data = _render(render, make())
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A5_W, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(A5_H, abs=0.5)
    first = _flat(pdf_text(data)[0])
    assert title in first
    assert NAME in first
    assert NAME_NFD not in pdf_text(data)[0]


@pytest.mark.parametrize(("name", "render", "make", "title"), CASES, ids=[c[0] for c in CASES])
def test_only_our_embedded_fonts(
    name: str, render: Callable[[Any, Any], None], make: Callable[[], Any], title: str
) -> None:
    reader = PdfReader(io.BytesIO(_render(render, make())))
    fonts: dict[str, Any] = {}

    def collect(resources: Any) -> None:
        if not resources:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
        for xobject in (resources.get("/XObject") or {}).values():
            collect(xobject.get_object().get("/Resources"))

    for page in reader.pages:
        collect(page.get("/Resources"))
    assert fonts
    for base, font in fonts.items():
        assert "Liberation" in base, base
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object(), base


def test_form01_two_copies_with_labels_and_readable_codes() -> None:
    data = _render(form01.render, receipt())
    texts = [_flat(t) for t in pdf_text(data)]
    assert len(texts) == 2
    assert "Liên 1: Lưu" in texts[0]
    assert "Liên 2: Giao khách hàng" in texts[1]
    assert f"Mã hồ sơ: {CODE}" in texts[0]
    assert "09 giờ 05 phút, ngày 22 tháng 11 năm 2026" in texts[0]
    assert "16 giờ 30 phút, ngày 25 tháng 11 năm 2026" in texts[1]
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in texts[1]
    assert "Trần Văn Hưởng" in texts[1]
    for page in decode_barcodes(data):
        assert sorted(page) == [("Code128", CODE), ("QRCode", CODE)]


def test_form01_demo_mark_keeps_codes_readable() -> None:
    data = _render(form01.render, receipt(demo=True))
    assert all("BẢN DEMO – KHÔNG CÓ GIÁ TRỊ PHÁP LÝ" in _flat(t) for t in pdf_text(data))
    for page in decode_barcodes(data):
        assert sorted(page) == [("Code128", CODE), ("QRCode", CODE)]


def test_form01_long_list_flows_without_losing_items() -> None:
    data = _render(form01.render, receipt(n_docs=30))
    texts = [_flat(t) for t in pdf_text(data)]
    assert len(texts) >= 4 and len(texts) % 2 == 0
    half = len(texts) // 2
    copies = [" ".join(texts[:half]), " ".join(texts[half:])]
    for copy in copies:
        for i in range(1, 31):
            assert f"Giấy tờ số {i:02d}:" in copy
        assert "NGƯỜI NỘP HỒ SƠ" in copy
    for text in texts:  # the table header row is repeated on every page that continues the list
        if "Giấy tờ số" in text:
            assert "Tên giấy tờ" in text
    assert "Liên 1: Lưu – trang 2" in texts[1]
    assert "Liên 2: Giao khách hàng" in texts[half]
    pages = decode_barcodes(data)
    assert sorted(pages[0]) == sorted(pages[half]) == [("Code128", CODE), ("QRCode", CODE)]


def test_form02_and_03_content() -> None:
    text02 = _flat(" ".join(pdf_text(_render(form02.render, supplement()))))
    assert "Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung như sau:" in text02
    assert "1. Bổ sung hợp đồng thuê địa điểm" in text02
    assert "Lý do: Hồ sơ chưa đầy đủ thành phần" in text02
    assert "liên hệ Quầy số 3 – 0203 3 656 789 để được hướng dẫn" in text02
    assert "NGƯỜI HƯỚNG DẪN" in text02
    text03 = _flat(" ".join(pdf_text(_render(form03.render, refusal()))))
    assert "thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:" in text03
    assert "Xin thông báo cho Ông/Bà được biết và thực hiện./." in text03
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text03


def test_render_to_path(tmp_path: Any) -> None:
    target = tmp_path / "slip.pdf"
    form03.render(refusal(), target)
    assert target.read_bytes().startswith(b"%PDF")


def test_date_words() -> None:
    assert vn_datetime_words(datetime(2026, 11, 22, 9, 5)) == "09 giờ 05 phút, ngày 22 tháng 11 năm 2026"
    assert vn_place_date("Quảng Ninh", datetime(2026, 11, 22)) == "Quảng Ninh, ngày 22 tháng 11 năm 2026"


def test_register_fonts_is_idempotent() -> None:
    register_fonts()
    register_fonts()
