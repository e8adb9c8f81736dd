"""Excel (.xlsx) export of the register, Biểu II.06a and the late-dossier list.

The register (a year: 50,000 rows) is written with XlsxWriter, its lines added as XML made here
(:func:`save_register`); the small reports with openpyxl.
Headings are merged as on paper, dates are real Excel dates ("dd/mm/yyyy hh:mm"), the sheets print
A4 landscape with the headings repeated.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any, BinaryIO
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.errors import UserFacingError
from app.printing import period_report as period_pdf
from app.printing import register as register_pdf
from app.services.register import TITLE, Register, RegisterRow
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
    """Write the register as a one-sheet workbook to a path or a binary file.

    Rows 1–3: unit, title, period; rows 5–7: the two-level headings and the column numbers (the
    date columns under one merged "Thời gian" cell, the others merged over two rows); one row
    per dossier from row 8, numbered as in the PDF.

    XlsxWriter writes the workbook with the headings and the first line; the other lines are then
    added to its sheet and shared strings as XML made here, cell for cell as XlsxWriter writes
    them (:func:`_add_lines`). A year is 50,000 lines, 450,000 cells: XlsxWriter's own per-cell
    work, even through its private writers or in constant-memory mode, took 3.6–4.0 s of a 5.3 s
    export; openpyxl's write-only mode is slower still (bench/bench_register.py, bench/RESULTS.md).

    Raises:
        UserFacingError: The file cannot be written (folder missing, file open in Excel…).
    """
    import xlsxwriter  # only when exporting: not at start-up
    from xlsxwriter.exceptions import XlsxWriterException

    target = os.fspath(out) if isinstance(out, str | os.PathLike) else out
    try:
        head = io.BytesIO()
        wb = xlsxwriter.Workbook(head, {"in_memory": True, "strings_to_numbers": False})
        _register_sheet(wb, data)
        wb.close()
        _add_lines(head.getvalue(), data.rows[1:], target)
    except (OSError, XlsxWriterException) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UserFacingError(
            f"Không ghi được tệp {out}: {reason}. Hãy đóng tệp nếu đang mở trong Excel, hoặc chọn thư mục khác."
        ) from exc


def _register_sheet(wb: Any, data: Register, lines: int = 1) -> None:
    """The sheet with its headings and its first ``lines`` lines, each cell by XlsxWriter's own writer.

    The export writes one line this way: its date cells give the date style its number in the
    workbook, which :func:`_add_lines` then reads from the sheet (tests write them all, to compare).
    """
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
    for r, row in enumerate(data.rows[:lines], start=FIRST_LINE):
        for c, value in enumerate(register_pdf.row_values(row)):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif isinstance(value, datetime):
                ws.write_datetime(r, c, value, when)
            else:
                ws.write_number(r, c, value)


# The register's lines as XlsxWriter writes them (xlsxwriter/worksheet.py, sharedstrings.py, xmlwriter.py).
FIRST_LINE = 7  # 0-based row of the first line (Excel row 8)
_SHEET, _STRINGS = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_EXCEL_EPOCH = date(1899, 12, 31).toordinal()
_STR_MAX = 32767  # Excel's longest text in a cell, in UTF-16 units
_CHUNK_ROWS = 2048  # rows (or shared strings) of XML handed to the compressing thread at a time
_SI_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")
_UNDERSCORE_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_LEADING_SPACE, _TRAILING_SPACE = re.compile(r"^\s"), re.compile(r"\s$")


def _add_lines(head: bytes, rows: Sequence[RegisterRow], out: str | BinaryIO) -> None:
    """Write the workbook ``head`` (XlsxWriter's, up to the first line) to ``out`` with ``rows`` added.

    The cells are XlsxWriter's: strings in the shared-string table (in order of first use, so
    ``count`` and ``uniqueCount`` as it counts them), numbers and dates as ``%.16G`` numbers, the
    dates with the style XlsxWriter gave the first line's date cells, the ``spans`` of each block
    of 16 rows, the sheet's ``dimension``. The other parts of the file are copied as they are.
    """
    with zipfile.ZipFile(io.BytesIO(head)) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        if not rows:
            for name, content in parts.items():
                zf.writestr(_entry(name), content)
            return
        sheet, strings = parts[_SHEET].decode("utf-8"), parts[_STRINGS].decode("utf-8")
        style = re.search(rf'<c r="H{FIRST_LINE + 1}" s="(\d+)"><v>', sheet)
        sst = re.search(r'<sst [^>]*count="(\d+)" uniqueCount="\d+">', strings)
        order = list(parts)  # the sheet before the shared strings: its lines add to them
        if style is None or sst is None or order.index(_SHEET) > order.index(_STRINGS):
            raise RuntimeError("XlsxWriter's sheet or shared strings changed form: see tests/app/test_register_xlsx.py")
        shared = _SharedStrings(("".join(si.itertext()) for si in ElementTree.fromstring(parts[_STRINGS])), int(sst[1]))
        known = len(shared.index)
        last = f"{_LETTERS[len(register_pdf.COLUMNS) - 1]}{FIRST_LINE + len(rows) + 1}"
        before, after = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', sheet, count=1).split(
            "</sheetData>"
        )
        for name, content in parts.items():
            if name == _SHEET:
                lines = _line_chunks(rows, shared, style[1])
                _write_part(zf, name, itertools.chain([before.encode()], lines, [f"</sheetData>{after}".encode()]))
            elif name == _STRINGS:
                start = f'{strings[: sst.start(1)]}{shared.uses}" uniqueCount="{len(shared.index)}">'
                given, end = strings[sst.end() :].split("</sst>")
                added = _si_chunks(itertools.islice(shared.index, known, None))
                _write_part(zf, name, itertools.chain([f"{start}{given}".encode()], added, [f"</sst>{end}".encode()]))
            else:
                zf.writestr(_entry(name), content)


def _entry(name: str) -> zipfile.ZipInfo:
    """A part of the file, dated and compressed as XlsxWriter does."""
    info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_part(zf: zipfile.ZipFile, name: str, pieces: Iterable[bytes]) -> None:
    """Write one part of ``zf`` from ``pieces``, each compressed on a second thread while the next is made.

    zlib lets go of the GIL: on two cores the 18 MB sheet of a year is compressed (0.5 s) while
    its XML is still being made, not after.
    """
    with zf.open(_entry(name), "w") as part, ThreadPoolExecutor(1) as compressor:
        for done in [compressor.submit(part.write, piece) for piece in pieces]:
            done.result()


class _SharedStrings:
    """XlsxWriter's shared-string table: each text's index, in order of first use, and how many cells use them."""

    def __init__(self, texts: Iterable[str], uses: int) -> None:
        self.index = {text: i for i, text in enumerate(texts)}
        self.uses = uses


def _line_chunks(rows: Sequence[RegisterRow], shared: _SharedStrings, date_style: str) -> Iterator[bytes]:
    """The ``<row>`` elements of ``rows``, the lines after the first, a few thousand at a time.

    ``shared`` gets the new texts and counts the string cells. The rows go by XlsxWriter's blocks
    of 16 (0-based sheet rows 0–15, 16–31…): a row's ``spans`` are the columns its block uses;
    the first block also holds the headings, which span every column.
    """
    serials: dict[datetime, str] = {}
    index = shared.index
    get = index.get

    def cells(row: RegisterRow, r: int) -> tuple[str, int]:
        """A line's cells and the 0-based column of its last one."""
        xml: list[str] = []
        last = 0
        for c, value in enumerate(register_pdf.row_values(row)):
            if value is None or value == "":
                continue
            last = c
            if isinstance(value, str):
                if len(value) > _STR_MAX // 2:
                    value = _truncate(value)
                i = get(value)
                if i is None:
                    i = index[value] = len(index)
                shared.uses += 1
                xml.append(f'<c r="{_LETTERS[c]}{r}" t="s"><v>{i}</v></c>')
            elif isinstance(value, datetime):
                serial = serials.get(value)
                if serial is None:
                    serial = serials[value] = f"{_excel_serial(value):.16G}"
                xml.append(f'<c r="{_LETTERS[c]}{r}" s="{date_style}"><v>{serial}</v></c>')
            else:
                xml.append(f'<c r="{_LETTERS[c]}{r}"><v>{value:.16G}</v></c>')
        return "".join(xml), last

    head_last = len(register_pdf.COLUMNS) - 1
    row0 = FIRST_LINE + 1  # 0-based sheet row of rows[0]
    out: list[str] = []
    k = 0
    while k < len(rows):
        r = row0 + k
        block = [cells(row, r + j + 1) for j, row in enumerate(rows[k : k + 16 - r % 16])]
        span = max(last for _, last in block) if r >= 16 else head_last
        out += [f'<row r="{r + j + 1}" spans="1:{span + 1}">{xml}</row>' for j, (xml, _) in enumerate(block)]
        k += len(block)
        if len(out) >= _CHUNK_ROWS:
            yield "".join(out).encode()
            out = []
    if out:
        yield "".join(out).encode()


def _si_chunks(texts: Iterable[str]) -> Iterator[bytes]:
    """The ``<si>`` elements of ``texts``, a few thousand at a time."""
    rest = iter(texts)
    while chunk := list(itertools.islice(rest, _CHUNK_ROWS)):
        yield "".join(map(_si, chunk)).encode()


def _excel_serial(value: datetime) -> float:
    """Excel's number for a date and time, computed as XlsxWriter does (1900 epoch, its leap-year day)."""
    days = value.toordinal() - _EXCEL_EPOCH
    serial = days + (float(value.hour * 3600 + value.minute * 60 + value.second) + value.microsecond / 1e6) / 86400
    return serial + 1 if serial > 59 else serial


def _truncate(text: str) -> str:
    """``text`` cut to Excel's 32,767 UTF-16 units, as XlsxWriter cuts it."""
    length = 0
    for index, char in enumerate(text):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > _STR_MAX:
            return text[:index]
    return text


def _si(text: str) -> str:
    """One shared string as XlsxWriter writes it: control characters as _xHHHH_, &<> escaped."""
    if "_x" not in text and not _SI_SPECIAL.search(text) and not text[0].isspace() and not text[-1].isspace():
        return f"<si><t>{text}</t></si>"  # most texts: nothing to escape (one regex, not four)
    text = _UNDERSCORE_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m[1]):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if _LEADING_SPACE.search(text) or _TRAILING_SPACE.search(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<si><t{space}>{text}</t></si>"


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
