"""Biểu II.06a and the late-dossier list printed (PDF) and exported (.xlsx); the `motcua report` file commands."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from app.printing import period_report as period_pdf
from app.printing.xlsx import period_workbook
from app.services.report_documents import build_period_document
from app.services.returns import record_result
from app.store.db import transaction
from tests.app.test_reception import APPLICANT, draft, receive
from tests.app.test_returns import THREE_DAYS, _at_department
from tests.conftest import NOW
from tests.pdf_tools import pdf_text

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def late_pair(factory, actor, catalog):
    """One dossier resolved late, one still open past its due date at the end of November."""
    done = _at_department(factory, actor, catalog)  # 3 working days: due Friday 27/11 09:15
    with transaction(factory) as s:
        record_result(s, actor, done.uid, "Giấy chứng nhận", datetime(2026, 11, 30, 10, 0))
    open_ = receive(factory, actor, catalog, draft(catalog, THREE_DAYS), NOW + timedelta(minutes=10))
    return done, open_


def _document(factory):
    with factory() as s:
        return build_period_document(s, *NOVEMBER, NOW)


def test_pdf_has_the_title_the_two_level_headings_the_totals_and_the_late_list(factory, late_pair):
    doc = _document(factory)
    total = doc.report.total
    assert (total.received_total, total.resolved_late, total.in_progress_late) == (2, 1, 1)
    out = io.BytesIO()
    period_pdf.render(doc, out)
    pages = pdf_text(out.getvalue())
    first = " ".join(pages[0].split())
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" in first
    assert "từ ngày 01/11/2026 đến ngày 30/11/2026" in first
    for heading in ("Tiếp nhận", "Đã giải quyết", "Đang giải quyết", "Trực tuyến", "Từ kỳ trước", "Trước hạn",
                    "Trong hạn", "TỔNG CỘNG", "Đơn vị tính: hồ sơ"):  # fmt: skip
        assert heading in first, heading
    # The total row: TỔNG CỘNG then the eleven figures in column order.
    figures = first.split("TỔNG CỘNG", 1)[1].split()[:11]
    assert figures == [str(v) for v in period_pdf.counts(total)]
    late_page = " ".join(pages[-1].split())
    assert "DANH SÁCH HỒ SƠ QUÁ HẠN" in late_page and "2 hồ sơ" in late_page
    assert "chưa xong" in late_page  # the open one has no end
    for d in doc.late:
        assert d.delay_text in late_page and d.code.split("-", 1)[1] in late_page
    assert f"Trang {len(pages)}/{len(pages)}" in late_page
    assert APPLICANT.full_name in late_page


def test_xlsx_merges_the_headings_and_lists_the_late_dossiers(factory, late_pair):
    doc = _document(factory)
    out = io.BytesIO()
    period_workbook(doc).save(out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    ws = wb["Biểu II.06a"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A6:A7", "B6:B7", "C6:F6", "G6:J6", "K6:M6"} <= merged
    assert [ws.cell(row=6, column=c).value for c in (3, 7, 11)] == ["Tiếp nhận", "Đã giải quyết", "Đang giải quyết"]
    assert ws.cell(row=7, column=5).value == "Trực tiếp, dịch vụ bưu chính"
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI" in ws["A2"].value
    last = ws.max_row
    assert ws.cell(row=last, column=1).value == "TỔNG CỘNG" and f"A{last}:B{last}" in merged
    assert [ws.cell(row=last, column=c).value for c in range(3, 14)] == period_pdf.counts(doc.report.total)
    late = wb["Hồ sơ quá hạn"]
    rows = [[c.value for c in r] for r in late.iter_rows(min_row=5, max_row=late.max_row)]
    assert len(rows) == 2 == len(doc.late)
    assert {r[1] for r in rows} == {d.code for d in doc.late}
    assert "chưa xong" in [r[5] for r in rows]
    assert any(isinstance(r[5], datetime) for r in rows)
