"""Danh sách biên lai thu phí, lệ phí trong ngày, A4: every receipt of the day, totals per method.

Laid out like the day's list of received dossiers (app/printing/day_list.py: A4 landscape, repeated
headings, "Trang x/y"), signed by the officer who collected and by the person receiving the money
for the office's account (kế toán / thủ quỹ).
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, Spacer, Table

from app.domain.fees import PayMethod, format_vnd
from app.printing.common import Output, esc, signature_block
from app.printing.landscape import WIDTH, build, grid_style, list_table, lpara, opening
from app.services.fee_documents import LIST_TITLE, FeeList

COLUMNS = (
    "STT",
    "Ký hiệu",
    "Số biên lai",
    "Giờ thu",
    "Mã hồ sơ",
    "Người nộp tiền",
    "Nội dung thu",
    "Hình thức",
    "Số tiền (đồng)",
    "Cán bộ thu",
)
_WIDTHS = [26.0, 40.0, 56.0, 36.0, 122.0, 110.0, 0.0, 76.0, 66.0, 86.0]
_WIDTHS[6] = WIDTH - sum(_WIDTHS)


def _table(data: FeeList) -> Table:
    body = [
        [
            lpara(str(n), "cell_c"),
            lpara(esc(p.series), "cell_c"),
            lpara(p.number_text, "cell_c"),
            lpara(f"{p.paid_at:%H:%M}", "cell_c"),
            lpara(esc(p.code)),
            lpara(esc(p.payer_name)),
            lpara(esc("; ".join(name for _, name, _ in p.lines))),
            lpara(esc(p.method.label)),
            lpara(format_vnd(p.amount), "cell_r"),
            lpara(esc(p.officer_name)),
        ]
        for n, p in enumerate(data.payments, start=1)
    ]
    return list_table(COLUMNS, _WIDTHS, body, "Không có biên lai thu phí, lệ phí nào trong ngày.")


def _totals(data: FeeList) -> Table:
    rows: list[list[Any]] = [
        [
            lpara("<b>Hình thức thanh toán</b>"),
            lpara("<b>Số biên lai</b>", "cell_c"),
            lpara("<b>Số tiền (đồng)</b>", "cell_r"),
        ]
    ]
    for method in PayMethod:
        count = sum(1 for p in data.payments if p.method is method)
        rows.append(
            [lpara(esc(method.label)), lpara(str(count), "cell_c"), lpara(format_vnd(data.total_by(method)), "cell_r")]
        )
    rows.append(
        [
            lpara("<b>Tổng cộng</b>"),
            lpara(f"<b>{len(data.payments)}</b>", "cell_c"),
            lpara(f"<b>{format_vnd(data.total)}</b>", "cell_r"),
        ]
    )
    table = Table(rows, colWidths=[170.0, 80.0, 110.0], hAlign="LEFT")
    table.setStyle(grid_style(1))
    return table


def running_line(data: FeeList) -> str:
    """The line at the head and foot of the pages."""
    return f"{data.header.unit_name} – Danh sách biên lai thu phí, lệ phí ngày {data.day:%d/%m/%Y}"


def render(data: FeeList, out: Output) -> None:
    """Render the day's fee list on A4 pages.

    Args:
        data: The list (app.services.fee_documents.build_fee_list).
        out: A file path or a binary file object to write the PDF to.
    """
    story: list[Flowable] = [
        *opening(data.header, data.made_at.date(), LIST_TITLE, esc(f"Ngày {data.day:%d/%m/%Y} · {data.scope_text}")),
        Spacer(1, 6),
        _table(data),
        Spacer(1, 8),
        _totals(data),
        Spacer(1, 10),
        signature_block(
            ("NGƯỜI NHẬN TIỀN (KẾ TOÁN, THỦ QUỸ)", ""),
            ("CÁN BỘ THU" if data.officer_name else "NGƯỜI LẬP DANH SÁCH", data.officer_name),
            width=WIDTH,
        ),
    ]
    build(
        story,
        out,
        title=f"Danh sách biên lai thu phí, lệ phí ngày {data.day:%d/%m/%Y}",
        running=running_line(data),
        form_number="",
        demo=data.demo,
    )
