"""Multi-page documents whose every page carries "Trang x/y": the canvas that holds pages back until
the total is known, with a running footer (and optionally a running header and a form number), and
:func:`build`, which lays a story out on such pages (the A4 records and the landscape books)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from app.printing.common import DEMO_TEXT, Output
from app.printing.fonts import SERIF, SERIF_BOLD, SERIF_ITALIC, register_fonts, use_fixed_subsets

FOOTER_SIZE = 9.0
SMALLEST_FOOTER_SIZE = 7.0
HEADER_SIZE = 8.5
GAP = 12.0
"""Least space between the running text and "Trang x/y"."""


@dataclass(frozen=True, slots=True)
class PageFurniture:
    """What every page carries besides its body.

    ``footer`` is printed at the foot left, "Trang x/y" at the foot right; ``header`` (when not "")
    at the head left of every page but the first (which has the full national header);
    ``form_number`` at the head right of every page; ``demo`` the demo mark above the header line.
    """

    page_w: float
    page_h: float
    margin_x: float
    margin_top: float
    margin_bottom: float
    footer: str
    footer_drop: float = 16.0
    header: str = ""
    form_number: str = ""
    demo: bool = False


def fitted(
    text: str, font: str, size: float, width: float, smallest: float = SMALLEST_FOOTER_SIZE
) -> tuple[str, float]:
    """``text`` and a font size at which it fits ``width``: smaller type first, then cut with "…"."""
    while size > smallest and stringWidth(text, font, size) > width:
        size = max(smallest, size - 0.5)
    if stringWidth(text, font, size) <= width:
        return text, size
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…", size


class PagedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """Holds the pages back until the end to print each page's furniture with the page count."""

    def __init__(self, *args: Any, furniture: PageFurniture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_fixed_subsets(self._doc)
        self.furniture = furniture
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        """Keep the page's state; it is emitted on save."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Emit every page with its furniture, then write the PDF."""
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.saveState()
            self._furnish(number, total)
            self.restoreState()
            super().showPage()
        super().save()

    def _furnish(self, number: int, total: int) -> None:
        f = self.furniture
        left, right = f.margin_x, f.page_w - f.margin_x
        top = f.page_h - f.margin_top + 6
        if f.header or f.form_number:
            self.setFont(SERIF_ITALIC, HEADER_SIZE)
            room = right - left
            if f.form_number:
                self.drawRightString(right, top, f.form_number)
                room -= stringWidth(f.form_number, SERIF_ITALIC, HEADER_SIZE) + GAP
            if f.header and number > 1:
                text, size = fitted(f.header, SERIF_ITALIC, HEADER_SIZE, room)
                self.setFont(SERIF_ITALIC, size)
                self.drawString(left, top, text)
        page = f"Trang {number}/{total}"
        foot = f.margin_bottom - f.footer_drop
        self.setFont(SERIF_ITALIC, FOOTER_SIZE)
        self.drawRightString(right, foot, page)
        room = right - left - stringWidth(page, SERIF_ITALIC, FOOTER_SIZE) - GAP
        text, size = fitted(f.footer, SERIF_ITALIC, FOOTER_SIZE, room)
        self.setFont(SERIF_ITALIC, size)
        self.drawString(left, foot, text)
        if f.demo:
            self.setFillColor(colors.Color(0.75, 0.05, 0.05))
            self.setFont(SERIF_BOLD, 9)
            self.drawCentredString(f.page_w / 2, top + (11 if f.header or f.form_number else 10), DEMO_TEXT)


def build(
    story: Sequence[Flowable], out: Output, furniture: PageFurniture, *, title: str, subject: str | None = None
) -> None:
    """Lay ``story`` out in one frame within the furniture's margins, every page furnished with "Trang x/y".

    Args:
        story: The flowables.
        out: A file path or a binary file object.
        furniture: Page size, margins and what every page carries besides its body.
        title: PDF title metadata.
        subject: PDF subject metadata (None for none).
    """
    register_fonts()
    f = furniture
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    doc = BaseDocTemplate(
        target,
        pagesize=(f.page_w, f.page_h),
        leftMargin=f.margin_x,
        rightMargin=f.margin_x,
        topMargin=f.margin_top,
        bottomMargin=f.margin_bottom,
        title=title,
        subject=subject,
        author="MotCua Desk",
        creator="MotCua Desk",
        initialFontName=SERIF,
    )
    width, height = f.page_w - 2 * f.margin_x, f.page_h - f.margin_top - f.margin_bottom
    frame = Frame(f.margin_x, f.margin_bottom, width, height, 0, 0, 0, 0, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    def make_canvas(*args: Any, **kwargs: Any) -> PagedCanvas:
        return PagedCanvas(*args, furniture=f, **kwargs)

    doc.build(list(story), canvasmaker=make_canvas)
