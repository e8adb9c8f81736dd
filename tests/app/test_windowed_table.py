"""Long books are laid out a page at a time: reportlab never gets more than a window of lines
(one big Table split page by page was quadratic: 2,547 register lines took 29 s, 50,000 hours)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest

from app.printing import landscape
from app.printing import register as register_pdf
from app.services.register import Register, RegisterRow
from tests.app.test_custody_forms import HEADER
from tests.pdf_tools import pdf_text

LINES = 260


def _register(n: int) -> Register:
    start = datetime(2026, 1, 5, 7, 30)
    rows = tuple(
        RegisterRow(
            number=i, code=f"000.01.00.H49-260105-{i:04d}", procedure_name="Đăng ký khai sinh", sets=1,
            applicant_name=f"Nguyễn Văn An {i}", address_phone="Phường Hồng Gai; ĐT: 0912345678",
            department_name="Bộ phận Tư pháp - Hộ tịch", received_at=start + timedelta(minutes=i),
            due_at=start + timedelta(days=3), sent_at=None, result_at=None, returned_at=None, note="",
        )
        for i in range(1, n + 1)
    )  # fmt: skip
    return Register(header=HEADER, unit_code="000.01.00.H49", form_number="Mẫu số 07", start=date(2026, 1, 1),
                    end=date(2026, 12, 31), period_text="Năm 2026", rows=rows, made_at=datetime(2026, 12, 7, 9),
                    demo=False)  # fmt: skip


def test_the_register_gives_reportlab_a_window_not_the_whole_book(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    real = register_pdf.LongTable

    def counting(rows, *args, **kwargs):
        sizes.append(len(rows))
        return real(rows, *args, **kwargs)

    monkeypatch.setattr(register_pdf, "LongTable", counting)
    out = io.BytesIO()
    register_pdf.render(_register(LINES), out)
    assert sizes and max(sizes) <= 3 + 45  # three heading rows and a window of lines, never all 260
    pages = pdf_text(out.getvalue())
    numbers: list[int] = []
    for i, text in enumerate(pages, start=1):
        assert f"Trang {i}/{len(pages)}" in text and "Thời gian (ngày, tháng, năm)" in text  # headings on every page
        numbers += [int(m) for m in re.findall(r"(?m)^\s*(\d+)\s+000\.01\.00\.H49-", text)]
    assert numbers == list(range(1, LINES + 1))  # every line once, in order, across the pages


def test_a_window_that_a_page_could_swallow_is_still_split_without_a_heading_mid_page() -> None:
    # The window must be larger than a page: the flowable says it is taller than the page until the
    # rest fits in one window, so a page never ends early and never starts a heading mid-page.
    table = landscape.WindowedTable([["h"]], [[str(i)] for i in range(500)], lambda rows, n: landscape.LongTable(
        rows, repeatRows=n), window=100)  # fmt: skip
    _width, height = table.wrap(500, 300)
    assert height > 300
    first, rest = table.split(500, 300)
    assert 1 < first._nrows < 101 and isinstance(rest, landscape.WindowedTable)
    assert len(rest.body) == 500 - (first._nrows - 1)
