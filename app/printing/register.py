"""Sổ theo dõi hồ sơ (the register), A4 landscape: the legal columns, numbered across pages.

The first page carries the national header, the title and the period; every page repeats the
three heading rows (two-level headings and the column numbers) and carries the running line
(unit, register, period) and "Trang x/y".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, overload

from reportlab.platypus import Flowable, LongTable, Spacer

from app.printing.common import Output, esc
from app.printing.landscape import WIDTH, WindowedTable, build, grid_style, lpara, opening
from app.services.register import TITLE, Register, RegisterRow

DATE_GROUP = "Thời gian (ngày, tháng, năm)"
DATE_COLUMNS = (
    "Nhận hồ sơ",
    "Hẹn trả kết quả",
    "Chuyển hồ sơ đến cơ quan giải quyết",
    "Nhận kết quả từ cơ quan giải quyết",
    "Trả kết quả",
)
COLUMNS = (
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Số lượng hồ sơ (bộ)",
    "Tên cá nhân, tổ chức",
    "Địa chỉ, số điện thoại",
    "Cơ quan chủ trì giải quyết",
    *DATE_COLUMNS,
    "Ký nhận",
    "Ghi chú",
)
"""The register's columns in order; columns 7–11 (0-based) sit under :data:`DATE_GROUP`."""
DATE_FIRST, DATE_LAST = 7, 11
# Widths in points; "Ghi chú" takes what is left of the 273 mm line.
_WIDTHS = [22.0, 66.0, 112.0, 30.0, 74.0, 92.0, 66.0, 43.0, 43.0, 46.0, 46.0, 43.0, 38.0, 0.0]
_WIDTHS[-1] = WIDTH - sum(_WIDTHS)


def when(value: datetime | None) -> str:
    """ "dd/mm/yyyy HH:MM" of a step, "" when it has not happened."""
    return f"{value:%d/%m/%Y %H:%M}" if value is not None else ""


def row_values(row: RegisterRow) -> list[Any]:
    """The cells of one line, as the .xlsx export writes them (dates as datetimes)."""
    return [
        row.number, row.code, row.procedure_name, row.sets, row.applicant_name, row.address_phone,
        row.department_name, row.received_at, row.due_at, row.sent_at, row.result_at, row.returned_at, "", row.note,
    ]  # fmt: skip


def _date_cell(value: datetime | None) -> Flowable | str:
    if value is None:
        return ""
    return lpara(f"{value:%d/%m/%Y}<br/>{value:%H:%M}", "cell_c")


def _code_cell(code: str) -> Flowable:
    # Break the code after its unit part so it never overflows: "000.01.00.H49-" / "261123-0001".
    unit, sep, rest = code.partition("-")
    return lpara(f"{esc(unit)}{sep}<br/>{esc(rest)}" if sep else esc(code), "cell")


def _headings() -> list[list[Any]]:
    top: list[Any] = [lpara(esc(c), "th") for c in COLUMNS]
    second: list[Any] = [""] * len(COLUMNS)
    for i in range(DATE_FIRST, DATE_LAST + 1):
        top[i] = ""
        second[i] = lpara(esc(COLUMNS[i]), "th")
    top[DATE_FIRST] = lpara(esc(DATE_GROUP), "th")
    numbers: list[Any] = [lpara(f"({n})", "cell_c") for n in range(1, len(COLUMNS) + 1)]
    return [top, second, numbers]


def _line(r: RegisterRow) -> list[Any]:
    return [
        lpara(str(r.number), "cell_c"),
        _code_cell(r.code),
        lpara(esc(r.procedure_name)),
        lpara(f"{r.sets:02d}", "cell_c"),
        lpara(esc(r.applicant_name)),
        lpara(esc(r.address_phone)),
        lpara(esc(r.department_name)),
        _date_cell(r.received_at),
        _date_cell(r.due_at),
        _date_cell(r.sent_at),
        _date_cell(r.result_at),
        _date_cell(r.returned_at),
        "",
        lpara(esc(r.note)),
    ]


def _styled(rows: list[list[Any]], heading_rows: int, empty: bool = False) -> LongTable:
    spans: list[tuple[Any, ...]] = [("SPAN", (DATE_FIRST, 0), (DATE_LAST, 0))]
    spans += [("SPAN", (i, 0), (i, 1)) for i in range(len(COLUMNS)) if not DATE_FIRST <= i <= DATE_LAST]
    if empty:
        spans.append(("SPAN", (0, 3), (-1, 3)))
    table = LongTable(rows, colWidths=_WIDTHS, repeatRows=heading_rows)
    table.setStyle(grid_style(3, spans))
    return table


def _table(data: Register) -> Flowable:
    """The ruled table, laid out a page at a time (linear in the number of lines)."""
    if not data.rows:
        empty = [lpara("Không có hồ sơ nào trong kỳ.", "cell")] + [""] * (len(COLUMNS) - 1)
        return _styled([*_headings(), empty], 3, empty=True)
    # A page holds at most ~22 lines (two text lines each): 45 always more than a page.
    return WindowedTable(_headings(), _LazyLines(data.rows), _styled, window=45)


class _LazyLines(Sequence[list[Any]]):
    """The register's lines as table rows, each made once, when reportlab first reaches it."""

    def __init__(self, rows: Sequence[RegisterRow], start: int = 0, cache: dict[int, list[Any]] | None = None) -> None:
        self._rows, self._start = rows, start
        self._cache: dict[int, list[Any]] = {} if cache is None else cache

    def __len__(self) -> int:
        return len(self._rows) - self._start

    @overload
    def __getitem__(self, index: int) -> list[Any]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[list[Any]]: ...
    def __getitem__(self, index: int | slice) -> list[Any] | Sequence[list[Any]]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("only contiguous slices")
            if stop == len(self):  # the rest after a page: the lines already placed are not needed again
                for n in [n for n in self._cache if n < self._start + start]:
                    del self._cache[n]
                return _LazyLines(self._rows, self._start + start, self._cache)
            return [self[i] for i in range(start, stop)]
        if not 0 <= index < len(self):
            raise IndexError(index)
        n = self._start + index
        line = self._cache.get(n)
        if line is None:
            line = self._cache[n] = _line(self._rows[n])
        return line


def running_line(data: Register) -> str:
    """The line at the head and foot of the pages: unit, register, period."""
    return f"{data.header.unit_name} – Sổ theo dõi hồ sơ – {data.period_text}"


def render(data: Register, out: Output) -> None:
    """Render the register on A4 landscape pages.

    Args:
        data: The register (app.services.register.build_register).
        out: A file path or a binary file object to write the PDF to.
    """
    story: list[Flowable] = [
        *opening(data.header, data.made_at.date(), TITLE, esc(data.period_text), f"Tổng số: {len(data.rows)} hồ sơ"),
        Spacer(1, 6),
        _table(data),
    ]
    build(
        story,
        out,
        title=f"{TITLE} – {data.period_text}",
        running=running_line(data),
        form_number=data.form_number,
        demo=data.demo,
    )
