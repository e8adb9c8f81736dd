"""Excel (.xlsx) export of the register, Biểu II.06a and the late-dossier list.

The register (a year: 50,000 rows) is written with XlsxWriter, the small reports with openpyxl.
Headings are merged as on paper, dates are real Excel dates ("dd/mm/yyyy hh:mm"), the sheets print
A4 landscape with the headings repeated.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.errors import UserFacingError
from app.printing import period_report as period_pdf
from app.printing import register as register_pdf
from app.services.register import TITLE, Register
from app.services.report_documents import PeriodDocument

DATE_FORMAT = "dd/mm/yyyy hh:mm"
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEAD_FONT = Font(name="Times New Roman", bold=True, size=11)
TITLE_FONT = Font(name="Times New Roman", bold=True, size=14)
ITALIC_FONT = Font(name="Times New Roman", italic=True, size=11)
HEAD_FILL = PatternFill("solid", fgColor="EDEDED")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
REGISTER_WIDTHS = (6, 28, 40, 9, 24, 32, 24, 16, 16, 16, 16, 16, 12, 30)


def _set_print(ws: Any, title_rows: str) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.oddFooter.right.text = "Trang &P/&N"


def save_register(data: Register, out: str | os.PathLike[str] | BinaryIO) -> None:
    """Write the register as a one-sheet workbook to a path or a binary file (XlsxWriter).

    Rows 1–3: unit, title, period; rows 5–7: the two-level headings and the column numbers (the
    date columns under one merged "Thời gian" cell, the others merged over two rows); one row
    per dossier from row 8, numbered as in the PDF. XlsxWriter rather than openpyxl for this one
    sheet: a year of 50,000 dossiers is 700,000 cells, which openpyxl's write-only mode writes
    one lxml element at a time (bench/bench_register.py).

    Raises:
        UserFacingError: The file cannot be written (folder missing, file open in Excel…).
    """
    import xlsxwriter  # only when exporting: not at start-up
    from xlsxwriter.exceptions import XlsxWriterException

    target = os.fspath(out) if isinstance(out, str | os.PathLike) else out
    try:
        wb = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_numbers": False})
        _register_sheet(wb, data)
        wb.close()
    except (OSError, XlsxWriterException) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UserFacingError(
            f"Không ghi được tệp {out}: {reason}. Hãy đóng tệp nếu đang mở trong Excel, hoặc chọn thư mục khác."
        ) from exc


def _register_sheet(wb: Any, data: Register) -> None:
    ws = wb.add_worksheet("Sổ theo dõi hồ sơ")
    font = {"font_name": "Times New Roman", "font_size": 11}
    centre = {"align": "center", "valign": "vcenter", "text_wrap": True}
    head = wb.add_format({**font, **centre, "bold": True, "border": 1, "bg_color": "#EDEDED"})
    numbers = wb.add_format({**font, **centre, "italic": True, "border": 1})
    unit = wb.add_format({**font, "bold": True})
    title = wb.add_format({**font, **centre, "bold": True, "font_size": 14})
    italic = wb.add_format({**font, **centre, "italic": True})
    when = wb.add_format({"num_format": DATE_FORMAT})
    n = len(register_pdf.COLUMNS)
    for i, width in enumerate(REGISTER_WIDTHS):
        ws.set_column(i, i, width)
    ws.merge_range(0, 0, 0, n - 1, data.header.unit_name, unit)
    ws.merge_range(1, 0, 1, n - 1, TITLE, title)
    ws.merge_range(2, 0, 2, n - 1, f"{data.period_text} – tổng số {len(data.rows)} hồ sơ", italic)
    dates = range(register_pdf.DATE_FIRST, register_pdf.DATE_LAST + 1)
    for i, text in enumerate(register_pdf.COLUMNS):
        if i in dates:
            ws.write(5, i, text, head)
        else:
            ws.merge_range(4, i, 5, i, text, head)
        ws.write(6, i, f"({i + 1})", numbers)
    ws.merge_range(4, dates[0], 4, dates[-1], register_pdf.DATE_GROUP, head)
    ws.freeze_panes(7, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(4, 6)
    ws.set_footer("&RTrang &P/&N")
    # Each cell by its own writer: write_row() would check every text for a number, URL or formula
    # (900,000 regular-expression searches a year) and dispatch the empty cells too.
    write_string, write_number, write_datetime = ws.write_string, ws.write_number, ws.write_datetime
    for r, row in enumerate(data.rows, start=7):
        for c, value in enumerate(register_pdf.row_values(row)):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                write_string(r, c, value)
            elif isinstance(value, datetime):
                write_datetime(r, c, value, when)
            else:
                write_number(r, c, value)


def save(workbook: Workbook, out: str | os.PathLike[str] | BinaryIO) -> None:
    """Write ``workbook`` to a path or a binary file.

    Raises:
        UserFacingError: The file cannot be written (folder missing, file open in Excel…).
    """
    try:
        workbook.save(out if not isinstance(out, os.PathLike) else os.fspath(out))
    except OSError as exc:
        raise UserFacingError(
            f"Không ghi được tệp {out}: {exc.strerror or exc}. Hãy đóng tệp nếu đang mở trong Excel, "
            "hoặc chọn thư mục khác."
        ) from exc


def merge_heading(ws: Worksheet, ranges: Sequence[str]) -> None:
    """Merge the heading ``ranges`` of a normal-mode sheet, keeping the border on every merged cell."""
    for ref in ranges:
        ws.merge_cells(ref)
        for row in ws[ref]:
            for c in row:
                c.border = BORDER


def _heading_cell(ws: Worksheet, row: int, col: int, value: Any) -> None:
    c = ws.cell(row=row, column=col, value=value)
    c.font, c.fill, c.border, c.alignment = HEAD_FONT, HEAD_FILL, BORDER, CENTER


def _title_rows(ws: Worksheet, lines: Sequence[tuple[str, Font]], last_col: int) -> None:
    for r, (text, font) in enumerate(lines, start=1):
        c = ws.cell(row=r, column=1, value=text)
        c.font, c.alignment = font, CENTER
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last_col)


def _ii06a_sheet(ws: Worksheet, data: PeriodDocument) -> None:
    n = len(period_pdf.COLUMNS)
    _title_rows(
        ws,
        [
            (data.header.unit_name, HEAD_FONT),
            (period_pdf.unit_title(data), TITLE_FONT),
            (f"Kỳ báo cáo: {data.period_text.lower()}", ITALIC_FONT),
            ("Đơn vị tính: hồ sơ", ITALIC_FONT),
        ],
        n,
    )
    top = 6
    for col, text in enumerate(period_pdf.COLUMNS, start=1):
        _heading_cell(ws, top + 1, col, text if col > 2 else None)
        _heading_cell(ws, top, col, text if col <= 2 else None)
        ws.cell(row=top + 2, column=col, value=f"({col})").border = BORDER
        ws.cell(row=top + 2, column=col).alignment = CENTER
    ranges = [f"A{top}:A{top + 1}", f"B{top}:B{top + 1}"]
    for text, first, last in period_pdf.GROUPS:
        ws.cell(row=top, column=first + 1, value=text)
        ranges.append(f"{get_column_letter(first + 1)}{top}:{get_column_letter(last + 1)}{top}")
    merge_heading(ws, ranges)
    r = top + 3
    for tt, name, figures, kind in period_pdf.table_rows(data):
        bold = kind != "field"
        values: list[Any] = ["TỔNG CỘNG" if kind == "total" else tt, "" if kind == "total" else name, *figures]
        for col, value in enumerate(values, start=1):
            c = ws.cell(row=r, column=col, value=value)
            c.border = BORDER
            c.font = Font(name="Times New Roman", bold=bold, size=11)
            c.alignment = Alignment(horizontal="left" if col == 2 else "center", vertical="center", wrap_text=True)
        if kind == "total":
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        r += 1
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 44
    for col in range(3, n + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    ws.freeze_panes = f"C{top + 3}"
    _set_print(ws, f"{top}:{top + 2}")


def _late_sheet(ws: Worksheet, data: PeriodDocument) -> None:
    n = len(period_pdf.LATE_COLUMNS)
    _title_rows(
        ws,
        [
            (period_pdf.LATE_TITLE, TITLE_FONT),
            (f"Kỳ báo cáo: {data.period_text.lower()} – {len(data.late)} hồ sơ", ITALIC_FONT),
        ],
        n,
    )
    top = 4
    for col, text in enumerate(period_pdf.LATE_COLUMNS, start=1):
        _heading_cell(ws, top, col, text)
    for i, d in enumerate(data.late, start=1):
        for col, value in enumerate(period_pdf.late_values(i, d), start=1):
            c = ws.cell(row=top + i, column=col, value=value)
            c.border = BORDER
            c.alignment = Alignment(vertical="center", wrap_text=True)
            if isinstance(value, datetime):
                c.number_format = DATE_FORMAT
    for col, width in enumerate((6, 28, 24, 44, 17, 17, 20, 30, 24), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"A{top + 1}"
    _set_print(ws, f"{top}:{top}")


def period_workbook(data: PeriodDocument) -> Workbook:
    """Biểu II.06a (first sheet, headings merged as on paper) and the late-dossier list (second sheet)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Biểu II.06a"
    _ii06a_sheet(ws, data)
    if data.late_listed:
        _late_sheet(wb.create_sheet("Hồ sơ quá hạn"), data)
    return wb
