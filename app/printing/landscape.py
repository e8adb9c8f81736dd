"""Shared layout of the A4 landscape books and reports: small table styles, running header, "Trang x/y"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, LongTable, Spacer, Table, TableStyle

from app.printing import paged
from app.printing.common import Output, esc, header_block, ruled_style
from app.printing.data import OfficeHeader, vn_place_date
from app.printing.fonts import SERIF, SERIF_BOLD, SERIF_ITALIC, register_fonts
from app.printing.paged import PageFurniture
from app.printing.textline import TextLine
from app.text import nfc

PAGE_W, PAGE_H = landscape(A4)
MARGIN_X = 12 * mm
MARGIN_TOP = 14 * mm
MARGIN_BOTTOM = 13 * mm
WIDTH = PAGE_W - 2 * MARGIN_X
CELL_SIZE = 8.0

_styles: dict[str, ParagraphStyle] = {}


def styles() -> dict[str, ParagraphStyle]:
    """The table styles of the landscape documents (8 pt cells, bold centred headings)."""
    if _styles:
        return _styles
    register_fonts()
    cell = ParagraphStyle("l_cell", fontName=SERIF, fontSize=CELL_SIZE, leading=9.4, alignment=TA_LEFT)
    _styles.update(
        cell=cell,
        cell_c=ParagraphStyle("l_cell_c", parent=cell, alignment=TA_CENTER),
        cell_r=ParagraphStyle("l_cell_r", parent=cell, alignment=TA_RIGHT),
        cell_b=ParagraphStyle("l_cell_b", parent=cell, fontName=SERIF_BOLD),
        cell_bc=ParagraphStyle("l_cell_bc", parent=cell, fontName=SERIF_BOLD, alignment=TA_CENTER),
        th=ParagraphStyle("l_th", parent=cell, fontName=SERIF_BOLD, alignment=TA_CENTER),
        title=ParagraphStyle("l_title", parent=cell, fontName=SERIF_BOLD, fontSize=13, leading=16, alignment=TA_CENTER),
        subtitle=ParagraphStyle(
            "l_subtitle", parent=cell, fontName=SERIF_ITALIC, fontSize=10.5, leading=13, alignment=TA_CENTER
        ),
        body=ParagraphStyle("l_body", parent=cell, fontSize=10, leading=12.5),
    )
    return _styles


def lpara(markup: str, style: str = "cell") -> Flowable:
    """A paragraph in one of :func:`styles`; ``markup`` must already be escaped."""
    return TextLine(markup, styles()[style])


def grid_style(header_rows: int, extra: Sequence[tuple[Any, ...]] = ()) -> TableStyle:
    """The ruled table of the books: full grid, tight padding, headings shaded."""
    shade = ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.Color(0.93, 0.93, 0.93))
    return ruled_style(top=1.5, bottom=2.5, side=2, extra=[shade, *extra])


def opening(header: OfficeHeader, made_on: date, title: str, *subtitles: str) -> list[Flowable]:
    """The top of the first page: the national header dated ``made_on``, the title, the subtitles.

    Args:
        header: The office.
        made_on: The day the document is made (the header's date line).
        title: The title (plain text).
        subtitles: Lines under the title (escaped markup).
    """
    return [
        header_block(header, vn_place_date(header.place_name, made_on), width=WIDTH),
        Spacer(1, 8),
        lpara(esc(title), "title"),
        *(lpara(line, "subtitle") for line in subtitles),
    ]


def list_table(columns: Sequence[str], widths: Sequence[float], body: list[list[Any]], empty: str) -> Table:
    """A list's ruled table: one heading row, repeated on every page; no lines, one line saying ``empty``."""
    rows: list[list[Any]] = [[lpara(esc(c), "th") for c in columns], *body]
    spans: list[tuple[Any, ...]] = []
    if not body:
        rows.append([lpara(esc(empty), "cell")] + [""] * (len(columns) - 1))
        spans.append(("SPAN", (0, 1), (-1, 1)))
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(grid_style(1, spans))
    return table


class WindowedTable(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A long ruled table (the register's 50,000 lines) laid out a page at a time.

    reportlab splits one big Table page by page, and each split works over every row still to
    come (span ranges, cell geometry): quadratic, hours for 50,000 lines. This flowable hands
    reportlab only a window of the next ``window`` body rows, headed by the heading rows; what the
    page takes is kept, the rest becomes a new WindowedTable. The headings repeat on each page.
    """

    def __init__(
        self,
        headings: Sequence[Sequence[Any]],
        body: Sequence[Sequence[Any]],
        make: Callable[[list[list[Any]], int], LongTable],
        window: int = 120,
    ) -> None:
        """Args:
        headings: The heading rows (repeated on every page).
        body: The lines.
        make: Builds the styled table of the given rows; its int is the number of heading rows.
        window: Body rows offered to a page (more than a page holds).
        """
        super().__init__()
        self.headings = [list(r) for r in headings]
        self.body = body
        self.make = make
        self.window = window
        self._table: LongTable | None = None

    def _window_table(self) -> LongTable:
        rows = [*self.headings, *(list(r) for r in self.body[: self.window])]
        return self.make(rows, len(self.headings))

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """The whole table's size when the rest fits the window; taller than the page otherwise (split)."""
        self._table = self._window_table()
        width, height = self._table.wrap(avail_width, avail_height)
        if len(self.body) > self.window:
            height = max(height, avail_height + 1)
        return width, height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        """What this page holds, and a WindowedTable of the rest ([] when not even one line fits)."""
        table = self._window_table()
        parts = table.split(avail_width, avail_height)
        if not parts:
            return []
        placed = parts[0]._nrows - len(self.headings)
        if placed <= 0:
            return []
        first = self.make([*self.headings, *(list(r) for r in self.body[:placed])], len(self.headings))
        rest = self.body[placed:]
        return [first, WindowedTable(self.headings, rest, self.make, self.window)] if rest else [first]

    def draw(self) -> None:
        """Draw the table when it all fitted (wrap kept it)."""
        assert self._table is not None
        self._table.drawOn(self.canv, 0, 0)


def build(story: Sequence[Flowable], out: Output, *, title: str, running: str, form_number: str, demo: bool) -> None:
    """Lay ``story`` out on A4 landscape pages with a running header and "Trang x/y".

    Args:
        story: The flowables.
        out: A file path or a binary file object.
        title: PDF title metadata.
        running: The running line (unit, document, period) printed at the foot of every page and
            at the head of every page but the first.
        form_number: Printed top right of every page ("" for none).
        demo: Print the demo mark on every page.
    """
    furniture = PageFurniture(PAGE_W, PAGE_H, MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM, nfc(running),
                              header=nfc(running), form_number=nfc(form_number), demo=demo)  # fmt: skip
    paged.build(story, out, furniture, title=nfc(title))
