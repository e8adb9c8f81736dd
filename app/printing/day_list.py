"""Danh sách hồ sơ tiếp nhận trong ngày, A4: code, applicant, procedure, due date and the total.

Laid out like the register (A4 landscape, repeated headings, "Trang x/y"), signed by the officer
who received the dossiers.
"""

from __future__ import annotations

from datetime import datetime

from reportlab.platypus import Flowable, Spacer, Table

from app.printing.common import Output, esc, signature_block
from app.printing.landscape import WIDTH, build, list_table, lpara, opening
from app.services.day_list import TITLE, DayList

COLUMNS = ("STT", "Mã hồ sơ", "Người nộp hồ sơ", "Tên thủ tục hành chính", "Giờ nhận", "Hẹn trả kết quả", "Cán bộ nhận")
_WIDTHS = [26.0, 130.0, 150.0, 0.0, 52.0, 80.0, 110.0]
_WIDTHS[3] = WIDTH - sum(_WIDTHS)


def _when(value: datetime | None) -> str:
    return f"{value:%d/%m/%Y %H:%M}" if value is not None else ""


def _table(data: DayList) -> Table:
    body = [
        [
            lpara(str(r.number), "cell_c"),
            lpara(esc(r.code)),
            lpara(esc(r.applicant_name)),
            lpara(esc(r.procedure_name)),
            lpara(f"{r.received_at:%H:%M}", "cell_c"),
            lpara(esc(_when(r.due_at)), "cell_c"),
            lpara(esc(r.officer_name)),
        ]
        for r in data.rows
    ]
    return list_table(COLUMNS, _WIDTHS, body, "Không có hồ sơ nào được tiếp nhận trong ngày.")


def running_line(data: DayList) -> str:
    """The line at the head and foot of the pages."""
    return f"{data.header.unit_name} – Danh sách hồ sơ tiếp nhận ngày {data.day:%d/%m/%Y}"


def render(data: DayList, out: Output) -> None:
    """Render the day's list on A4 pages.

    Args:
        data: The list (app.services.day_list.build_day_list).
        out: A file path or a binary file object to write the PDF to.
    """
    signer = data.officer_name or ""
    story: list[Flowable] = [
        *opening(data.header, data.made_at.date(), TITLE, esc(f"Ngày {data.day:%d/%m/%Y} · {data.scope_text}")),
        Spacer(1, 6),
        _table(data),
        Spacer(1, 6),
        lpara(f"<b>Tổng số: {len(data.rows)} hồ sơ</b>", "body"),
        Spacer(1, 10),
        signature_block(None, ("CÁN BỘ TIẾP NHẬN" if signer else "NGƯỜI LẬP DANH SÁCH", signer), width=WIDTH),
    ]
    build(
        story,
        out,
        title=f"Danh sách hồ sơ tiếp nhận ngày {data.day:%d/%m/%Y}",
        running=running_line(data),
        form_number="",
        demo=data.demo,
    )
