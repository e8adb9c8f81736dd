"""Custody papers: form 04, form 05/06, handover record, return receipt (text, pages, barcodes)."""

from __future__ import annotations

import io
import unicodedata
import uuid
from datetime import datetime, timedelta

from pypdf import PdfReader

from app.domain.batch_number import batch_number
from app.domain.scan import ScanKind, classify
from app.printing import form04, form05, handover, return_receipt
from app.printing.custody_forms_config import (
    CIRCULAR_2018_CUSTODY_FORM_NUMBERS,
    CustodyForm,
    custody_form_number,
)
from app.printing.data import (
    ApologySlip,
    Applicant,
    ControlSlip,
    ControlStep,
    HandoverRecord,
    HandoverRow,
    OfficeHeader,
    ReturnReceipt,
    Timeliness,
)
from tests.pdf_tools import decode_barcodes, pdf_text

A5_W, A5_H = 419.53, 595.28
A4_W, A4_H = 595.28, 841.89
CODE = "000.01.00.H49-261122-0007"
NAME = "Nguyễn Thị Thuỳ Dương"
NAME_NFD = unicodedata.normalize("NFD", NAME)
HEADER = OfficeHeader("UBND TỈNH QUẢNG NINH", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "Quảng Ninh")
T0 = datetime(2026, 11, 22, 9, 5)
DUE = datetime(2026, 11, 25, 16, 30)
UNITS = ("Bộ phận Một cửa – Quầy số 3", "Phòng Tài chính - Kế hoạch", "Ủy ban nhân dân phường Hồng Gai")


def pdf(render: object, data: object) -> bytes:
    out = io.BytesIO()
    render(data, out)  # type: ignore[operator]
    return out.getvalue()


def sizes(data: bytes) -> list[tuple[float, float]]:
    return [
        (round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2))
        for p in PdfReader(io.BytesIO(data)).pages
    ]


def texts(data: bytes) -> list[str]:
    """Each page's text with line breaks and runs of spaces collapsed (wrapped lines join up)."""
    return [" ".join(page.split()) for page in pdf_text(data)]


def steps(n: int) -> tuple[ControlStep, ...]:
    judgements = (Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE, None)
    return tuple(
        ControlStep(
            UNITS[i % 3],
            UNITS[(i + 1) % 3],
            T0 + timedelta(hours=3 * i, minutes=i),
            judgements[i % 4],
            f"Ghi chú bước {i + 1}",
            "Trần Văn Hưởng",
            "Lê Thị Mai",
        )
        for i in range(n)
    )


def control(n: int, number: str = "Mẫu số 06") -> ControlSlip:
    return ControlSlip(
        HEADER, number, CODE, NAME_NFD, "Đăng ký thành lập hộ kinh doanh", T0, DUE, UNITS[1], UNITS[2], steps(n)
    )


def test_form05_blocks_judgements_and_readable_codes() -> None:
    data = pdf(form05.render, control(3))
    text = "\n".join(texts(data))
    assert sizes(data) == [(A5_W, A5_H)]
    for needle in (
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "Mẫu số 06",
        NAME,
        "TÊN CƠ QUAN",
        "THỜI GIAN GIAO, NHẬN HỒ SƠ",
        "Trước hạn",
        "Đúng hạn",
        "Quá hạn",
        "1. Giao:",
        "2. Nhận:",
        "Người giao",
        "Người nhận",
        "09 giờ 05 phút, ngày 22 tháng 11 năm 2026",
        "Cơ quan phối hợp giải quyết hồ sơ: Ủy ban nhân dân phường Hồng Gai",
    ):
        assert needle in text, needle
    assert sorted(decode_barcodes(data)[0]) == [("Code128", CODE), ("QRCode", CODE)]


def test_form05_many_steps_run_over_pages_without_losing_a_block() -> None:
    data = pdf(form05.render, control(14))
    pages = texts(data)
    assert len(pages) >= 3
    assert all(size == (A5_W, A5_H) for size in sizes(data))
    text = "\n".join(pages)
    for i in range(1, 15):
        assert f"Ghi chú bước {i}" in text
        assert f"Bước {i}" in text
    assert all("TÊN CƠ QUAN" in page for page in pages)  # header row repeated
    assert ("Code128", CODE) in decode_barcodes(data)[0]


def test_form05_without_steps_prints_blank_blocks_and_2018_number() -> None:
    number = CIRCULAR_2018_CUSTODY_FORM_NUMBERS[CustodyForm.CONTROL]
    text = texts(pdf(form05.render, control(0, number)))[0]
    assert "Mẫu số 05" in text
    assert "giờ ... phút" in text


def test_form04_apology() -> None:
    slip = ApologySlip(
        HEADER,
        custody_form_number(CustodyForm.APOLOGY),
        CODE,
        Applicant(NAME_NFD, "022190012345", "Hạ Long", "0912 345 678", ""),
        "Đăng ký thành lập hộ kinh doanh",
        T0,
        DUE,
        "Cần xác minh địa điểm kinh doanh tại phường.",
        datetime(2026, 11, 30, 10, 0),
        "Phòng Tài chính - Kế hoạch",
        "TRƯỞNG PHÒNG",
        "Phạm Minh Đức",
        datetime(2026, 11, 25, 15, 0),
    )
    data = pdf(form04.render, slip)
    text = "\n".join(texts(data))
    assert sizes(data) == [(A5_W, A5_H)]
    for needle in (
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Mẫu số 04",
        f"Kính gửi: Ông/Bà {NAME}",
        CODE,
        "16 giờ 30 phút, ngày 25 tháng 11 năm 2026",
        "10 giờ 00 phút, ngày 30 tháng 11 năm 2026",
        "Lý do: Cần xác minh địa điểm kinh doanh tại phường.",
        "TRƯỞNG PHÒNG",
        "Phạm Minh Đức",
        "Quảng Ninh, ngày 25 tháng 11 năm 2026",
    ):
        assert needle in text, needle


def receipt(is_applicant: bool) -> ReturnReceipt:
    return ReturnReceipt(
        HEADER,
        CODE,
        NAME_NFD,
        "Đăng ký thành lập hộ kinh doanh",
        NAME if is_applicant else "Lê Văn Nam",
        "022190012345" if is_applicant else "022090011111",
        is_applicant,
        "" if is_applicant else "Giấy ủy quyền số 12/GUQ ngày 20/11/2026",
        "" if is_applicant else "Chồng",
        T0,
        DUE,
        datetime(2026, 11, 26, 8, 15),
        "01 Giấy chứng nhận đăng ký hộ kinh doanh",
        Timeliness.LATE,
        "Trần Văn Hưởng",
    )


def test_return_receipt_representative_and_in_person() -> None:
    data = pdf(return_receipt.render, receipt(False))
    text = texts(data)[0]
    assert sizes(data) == [(A5_W, A5_H)]
    for needle in (
        "BIÊN NHẬN TRẢ KẾT QUẢ GIẢI QUYẾT HỒ SƠ",
        "Người nhận kết quả: Lê Văn Nam",
        "022090011111",
        f"Là người được ủy quyền của: {NAME} – quan hệ: Chồng",
        "Giấy ủy quyền số 12/GUQ ngày 20/11/2026",
        "Quá hạn",
        "08 giờ 15 phút, ngày 26 tháng 11 năm 2026",
        "NGƯỜI NHẬN KẾT QUẢ",
        "NGƯỜI TRẢ KẾT QUẢ",
    ):
        assert needle in text, needle
    own = texts(pdf(return_receipt.render, receipt(True)))[0]
    assert "Là người nộp hồ sơ, trực tiếp nhận kết quả." in own
    assert "ủy quyền" not in own


def record(n: int) -> HandoverRecord:
    rows = tuple(
        HandoverRow(
            f"000.01.00.H49-261122-{i:04d}",
            NAME_NFD if i % 2 else "Công ty TNHH Thương mại và Dịch vụ Xuất nhập khẩu Hạ Long Xanh",
            "Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu",
            DUE,
            f"Ghi chú {i}",
        )
        for i in range(1, n + 1)
    )
    return HandoverRecord(
        HEADER, "20261122-0003", UNITS[0], UNITS[1], datetime(2026, 11, 22, 15, 40), "Trần Văn Hưởng", "", rows
    )


def test_handover_record_many_rows_over_pages_with_batch_barcodes() -> None:
    data = pdf(handover.render, record(45))
    pages = texts(data)
    assert len(pages) >= 3
    assert all(size == (A4_W, A4_H) for size in sizes(data))
    text = "\n".join(pages)
    for i in range(1, 46):
        assert f"000.01.00.H49-261122-{i:04d}" in text
        assert f"Ghi chú {i}" in text
    assert all("Mã hồ sơ" in page for page in pages[:-1])  # header row repeated
    assert all(f"Trang {n}/{len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert "Tổng số hồ sơ bàn giao: 45 hồ sơ." in text
    assert "BÊN GIAO" in pages[-1] and "BÊN NHẬN" in pages[-1]
    assert "Tổng số hồ sơ" in pages[-1]  # the signatures never stand alone on a page
    assert NAME in text
    assert sorted(decode_barcodes(data)[0]) == [("Code128", "BG-20261122-0003"), ("QRCode", "BG-20261122-0003")]


def test_handover_batch_prefix_not_doubled_and_demo_mark() -> None:
    data = pdf(handover.render, _with(batch_id="BG-77", demo=True))
    text = texts(data)[0]
    assert "BG-77" in text and "BG-BG-77" not in text
    assert "KHÔNG CÓ GIÁ TRỊ PHÁP LÝ" in text


def test_handover_uuid_batch_id_is_printed_as_the_short_number_shown_on_screen() -> None:
    batch = "0193a5f2-7c1e-7d3a-9b2e-4f5a6b7c8d9e"  # the services' ids are lower-case UUIDs
    printed = batch_number(batch)  # "BG-" + 13 digits: a Vietnamese input method cannot mangle them
    data = pdf(handover.render, _with(batch_id=batch))
    found = sorted(decode_barcodes(data)[0])
    assert found == [("Code128", printed), ("QRCode", printed)] and printed == "BG-0388350381470"
    text = texts(data)[0]
    assert f"Số biên bản: {printed}" in text and batch not in text
    scan = classify(printed)  # the scanner's reading comes back as the number the screen shows
    assert scan.kind is ScanKind.BATCH and f"BG-{scan.value}" == printed
    old = classify(f"BG-{uuid.UUID(batch).int:039d}")  # a record printed before still reads
    assert old.kind is ScanKind.BATCH and old.value == batch


def _with(**changes: object) -> HandoverRecord:
    from dataclasses import replace

    return replace(record(1), **changes)  # type: ignore[arg-type]


def test_form_numbers_are_configuration() -> None:
    assert custody_form_number(CustodyForm.CONTROL) == "Mẫu số 06"
    assert custody_form_number(CustodyForm.CONTROL, {"control": "Mẫu số 05"}) == "Mẫu số 05"
    assert custody_form_number(CustodyForm.APOLOGY, {"apology": 4}) == "Mẫu số 04"  # not a string: default
    assert custody_form_number(CustodyForm.RETURN_RECEIPT) == ""
