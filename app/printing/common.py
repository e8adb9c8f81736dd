"""Shared layout of the A5 slips: styles, the two-column header, barcodes, signatures, page frame."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128Auto
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from app.printing.data import Applicant, OfficeHeader
from app.printing.fonts import SERIF, SERIF_BOLD, SERIF_ITALIC, register_fonts, use_fixed_subsets
from app.printing.textline import TextLine
from app.text import nfc

Output = str | os.PathLike[str] | BinaryIO

PAGE_WIDTH, PAGE_HEIGHT = A5
MARGIN_X = 13 * mm
MARGIN_TOP = 8.5 * mm
MARGIN_BOTTOM = 7 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

FONT_SIZE = 10.0
LEADING = 11.8
HEADER_SIZE = 9.5
DEMO_TEXT = "BẢN DEMO – KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"

_styles: dict[str, ParagraphStyle] = {}


def styles() -> dict[str, ParagraphStyle]:
    """Return the paragraph styles of the slips, built once (fonts are registered first)."""
    if _styles:
        return _styles
    register_fonts()
    body = ParagraphStyle("body", fontName=SERIF, fontSize=FONT_SIZE, leading=LEADING, alignment=TA_JUSTIFY)
    _styles.update(
        body=body,
        item=ParagraphStyle("item", parent=body, leftIndent=0, spaceBefore=1),
        hang=ParagraphStyle("hang", parent=body, leftIndent=14, firstLineIndent=-14),
        cell=ParagraphStyle("cell", parent=body, fontSize=9.5, leading=11, alignment=0),
        cell_c=ParagraphStyle("cell_c", parent=body, fontSize=9.5, leading=11, alignment=TA_CENTER),
        th=ParagraphStyle("th", parent=body, fontName=SERIF_BOLD, fontSize=9.5, leading=11, alignment=TA_CENTER),
        title=ParagraphStyle("title", parent=body, fontName=SERIF_BOLD, fontSize=12, leading=14, alignment=TA_CENTER),
        subtitle=ParagraphStyle(
            "subtitle", parent=body, fontName=SERIF_ITALIC, fontSize=FONT_SIZE, alignment=TA_CENTER
        ),
        head=ParagraphStyle("head", parent=body, fontSize=HEADER_SIZE, leading=HEADER_SIZE + 2, alignment=TA_CENTER),
        head_b=ParagraphStyle(
            "head_b",
            parent=body,
            fontName=SERIF_BOLD,
            fontSize=HEADER_SIZE,
            leading=HEADER_SIZE + 2,
            alignment=TA_CENTER,
        ),
        motto=ParagraphStyle(
            "motto",
            parent=body,
            fontName=SERIF_BOLD,
            fontSize=HEADER_SIZE + 0.5,
            leading=HEADER_SIZE + 2.5,
            alignment=TA_CENTER,
        ),
        head_i=ParagraphStyle(
            "head_i",
            parent=body,
            fontName=SERIF_ITALIC,
            fontSize=HEADER_SIZE + 0.5,
            leading=HEADER_SIZE + 3,
            alignment=TA_CENTER,
        ),
        sign_b=ParagraphStyle("sign_b", parent=body, fontName=SERIF_BOLD, fontSize=10, leading=12, alignment=TA_CENTER),
        sign_i=ParagraphStyle(
            "sign_i", parent=body, fontName=SERIF_ITALIC, fontSize=10, leading=12, alignment=TA_CENTER
        ),
    )
    return _styles


def esc(text: str) -> str:
    """NFC-normalise ``text`` and escape it for platypus paragraph markup."""
    return escape(nfc(text))


def para(markup: str, style: str = "body") -> Flowable:
    """Build a paragraph; ``markup`` must already be escaped (use :func:`esc` on data).

    The result lays out and prints as ``Paragraph(markup, style)``; a line that fits is drawn
    directly, without platypus' parser and line breaker (see :mod:`app.printing.textline`).
    """
    return TextLine(markup, styles()[style])


def field(label: str, value: str, style: str = "body") -> Flowable:
    """Build a "Label: value" line; an empty value prints a dotted blank to fill in by hand."""
    shown = esc(value) if nfc(value) else "." * 40
    return para(f"{esc(label)}: {shown}", style)


def header_block(header: OfficeHeader, place_date: str, *, width: float = CONTENT_WIDTH) -> Table:
    """Build the two-column national header.

    Left: governing body over the unit name (bold) and a short rule. Right: the national title
    and motto (bold), a rule as wide as the motto, then the italic place-and-date line.

    Args:
        header: The issuing office.
        place_date: e.g. "Quảng Ninh, ngày 22 tháng 11 năm 2026".
        width: Content width (an A4 page is wider than the A5 default).

    Returns:
        A full-width table flowable.
    """
    styles()  # registers the fonts measured below
    nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto = "Độc lập - Tự do - Hạnh phúc"
    right_w = stringWidth(nation, SERIF_BOLD, HEADER_SIZE) + 8
    left_w = width - right_w
    motto_w = stringWidth(motto, SERIF_BOLD, HEADER_SIZE + 0.5)
    left: list[Flowable] = [
        para(esc(header.governing_body.upper()), "head"),
        para(esc(header.unit_name.upper()), "head_b"),
        HRFlowable(width=left_w * 0.4, thickness=0.6, color=colors.black, spaceBefore=1.5, spaceAfter=0),
    ]
    right: list[Flowable] = [
        para(esc(nation), "head_b"),
        para(esc(motto), "motto"),
        HRFlowable(width=motto_w, thickness=0.6, color=colors.black, spaceBefore=1.5, spaceAfter=4),
        para(esc(place_date), "head_i"),
    ]
    table = Table([[left, right]], colWidths=[left_w, right_w])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), SERIF),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def title_block(title: str, *, copy_label: bool = False) -> list[Flowable]:
    """Build the centred bold title, with the "(Liên …)" placeholder under it if ``copy_label``."""
    out: list[Flowable] = [Spacer(1, 5), para(esc(title), "title")]
    if copy_label:
        out.append(CopyLabel())
    out.append(Spacer(1, 2))
    return out


def ruled_style(
    *, top: float, bottom: float, side: float | None = None, extra: Sequence[tuple[Any, ...]] = ()
) -> TableStyle:
    """The style of a fully ruled table: 0.5 pt grid, serif, cells centred vertically.

    Args:
        top, bottom: Cell padding above and below the text, in points.
        side: Padding left and right (None keeps reportlab's 6 points).
        extra: More commands (spans, shading), applied after these.
    """
    sides = [] if side is None else [("LEFTPADDING", (0, 0), (-1, -1), side), ("RIGHTPADDING", (0, 0), (-1, -1), side)]
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("FONTNAME", (0, 0), (-1, -1), SERIF),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            *sides,
            ("TOPPADDING", (0, 0), (-1, -1), top),
            ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
            *extra,
        ]
    )


def signature_block(
    left: tuple[str, str] | None, right: tuple[str, str], *, space: float = 40, width: float = CONTENT_WIDTH
) -> Table:
    """Build the signature row.

    Args:
        left: (title, printed name) of the left signer, or None for a single signer on the right.
        right: (title, printed name) of the right signer.
        space: Height left blank for the handwritten signature, in points.
        width: Content width (an A4 page is wider than the A5 default).

    Returns:
        A full-width table flowable.
    """

    def cell(title: str, name: str) -> list[Flowable]:
        return [
            para(esc(title), "sign_b"),
            para("(Ký và ghi rõ họ tên)", "sign_i"),
            Spacer(1, space),
            para(esc(name), "sign_b"),
        ]

    half = width / 2
    row = [cell(*left) if left else "", cell(*right)]
    table = Table([row], colWidths=[half, half])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), SERIF),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    table.keepWithNext = False
    return table


class CopyLabel(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Placeholder for the italic "(Liên …)" line under the title.

    The page is laid out once; each copy then draws its own label where this flowable landed.
    """

    def __init__(self) -> None:
        """Reserve one line."""
        super().__init__()
        self.height = LEADING

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        """Full width, one line."""
        self.width = aW
        return aW, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        """Record the absolute position on the slip canvas instead of drawing."""
        if isinstance(canvas, SlipCanvas):
            canvas.label_slots.append((canvas.recorded_pages, x + self.width / 2, y + 2))


class DossierCodes(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """ "Mã hồ sơ: <code>" with the code as a Code128 (text beneath) and a QR code on the right.

    Both symbols are drawn once into a PDF form XObject and reused for every copy, so the QR
    code is computed once per document and the file stays small.
    """

    QR_SIZE = 50.0
    BAR_WIDTH = 0.85
    BAR_HEIGHT = 21.0

    def __init__(self, code: str) -> None:
        """Args: code: the dossier code (digits, capitals, "." and "-")."""
        super().__init__()
        self.code = nfc(code)
        self.width = CONTENT_WIDTH
        self.height = self.QR_SIZE

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        """Full width, as tall as the QR code."""
        return self.width, self.height

    def _form_name(self) -> str:
        return "dossier-codes"

    def _draw_symbols(self, canv: Canvas) -> None:
        bar = Code128Auto(
            self.code,
            barWidth=self.BAR_WIDTH,
            barHeight=self.BAR_HEIGHT,
            humanReadable=1,
            fontName=SERIF,
            fontSize=8.5,
            quiet=1,
            lquiet=8 * self.BAR_WIDTH,
            rquiet=10 * self.BAR_WIDTH,
        )
        bar.drawOn(canv, 0, 11)
        qr = QrCode(self.code, qrLevel="M", qrBorder=2, width=self.QR_SIZE, height=self.QR_SIZE)
        qr.drawOn(canv, self.width - self.QR_SIZE, 0)

    def draw(self) -> None:
        """Draw the label, and the symbols from the shared form XObject."""
        canv = self.canv
        label = para(f"Mã hồ sơ: <b>{esc(self.code)}</b>")
        _, h = label.wrap(self.width - self.QR_SIZE - 4, self.height)
        label.drawOn(canv, 0, self.height - h)
        name = self._form_name()
        if not canv.hasForm(name):
            canv.beginForm(name, 0, 0, self.width, self.height)
            self._draw_symbols(canv)
            canv.endForm()
        canv.doForm(name)


def _draw_demo(canv: Canvas) -> None:
    canv.saveState()
    canv.setFillColor(colors.Color(0.98, 0.8, 0.8))
    canv.setFont(SERIF_BOLD, 22)
    canv.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canv.rotate(math.degrees(math.atan2(PAGE_HEIGHT, PAGE_WIDTH)))
    canv.drawCentredString(0, -8, DEMO_TEXT)
    canv.restoreState()
    canv.saveState()
    canv.setFillColor(colors.Color(0.75, 0.05, 0.05))
    canv.setFont(SERIF_BOLD, 7.5)
    canv.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - MARGIN_TOP + 9, DEMO_TEXT)
    canv.restoreState()


class SlipCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """Canvas that lays the story out once and prints it once per copy ("Liên").

    Platypus draws each page into a PDF form XObject instead of a page. On save, every copy
    gets one real page per recorded page: the shared form, then the copy's label where the
    :class:`CopyLabel` placeholder landed, and "(<label> – trang n)" on continuation pages. The
    second copy thus costs neither layout nor drawing, and the file stores its content once.
    """

    def __init__(self, *args: Any, copies: Sequence[str] = ("",), **kwargs: Any) -> None:
        """Args: copies: one label per copy ("" for a single copy without a label)."""
        super().__init__(*args, **kwargs)
        use_fixed_subsets(self._doc)
        self.copies = tuple(copies)
        self.recorded_pages = 0
        self.label_slots: list[tuple[int, float, float]] = []

    def begin_page_form(self) -> None:
        """Start recording a page (called by the page template at page start)."""
        self.beginForm(f"slip-page-{self.recorded_pages}")

    def end_page_form(self) -> None:
        """Finish recording a page (called by the page template at page end)."""
        self.endForm()
        self.recorded_pages += 1

    def showPage(self) -> None:
        """Platypus' page break: the content is in a form already, so emit no page."""
        self._startPage()

    def save(self) -> None:
        """Emit the real pages, copy after copy, then write the PDF."""
        for label in self.copies:
            text = nfc(label)
            for page in range(self.recorded_pages):
                self.doForm(f"slip-page-{page}")
                if text:
                    self.setFont(SERIF_ITALIC, FONT_SIZE)
                    for slot_page, x, y in self.label_slots:
                        if slot_page == page:
                            self.drawCentredString(x, y, f"({text})")
                    if page:
                        self.setFont(SERIF_ITALIC, 8.5)
                        self.drawString(MARGIN_X, PAGE_HEIGHT - MARGIN_TOP + 9, f"({text} – trang {page + 1})")
                super().showPage()
        super().save()


def build(
    story: Sequence[Flowable],
    out: Output,
    *,
    title: str,
    form_number: str,
    demo: bool,
    subject: str = "",
    copies: Sequence[str] = ("",),
) -> None:
    """Lay out ``story`` on A5 pages once and write it once per copy.

    Every page gets the form number (top right, small italic) and, with ``demo``, the demo mark.

    Args:
        story: The flowables of one copy.
        out: A file path or a binary file object.
        title: PDF title metadata.
        form_number: e.g. "Mẫu số 01".
        demo: Whether to print the demo mark.
        subject: PDF subject metadata.
        copies: The copy labels, e.g. ("Liên 1: Lưu", "Liên 2: Giao khách hàng"); each copy
            starts on a new page and its label replaces the :class:`CopyLabel` placeholder.
    """
    register_fonts()
    number = nfc(form_number)

    def on_page(canv: Canvas, doc: Any) -> None:
        assert isinstance(canv, SlipCanvas)
        canv.begin_page_form()
        canv.saveState()
        canv.setFont(SERIF_ITALIC, 8.5)
        canv.drawRightString(PAGE_WIDTH - MARGIN_X, PAGE_HEIGHT - MARGIN_TOP + 9, number)
        canv.restoreState()
        if demo:
            _draw_demo(canv)

    def on_page_end(canv: Canvas, doc: Any) -> None:
        assert isinstance(canv, SlipCanvas)
        canv.end_page_form()

    def make_canvas(*args: Any, **kwargs: Any) -> SlipCanvas:
        return SlipCanvas(*args, copies=copies, **kwargs)

    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    doc = BaseDocTemplate(
        target,
        pagesize=A5,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=nfc(title),
        subject=nfc(subject),
        author="MotCua Desk",
        creator="MotCua Desk",
        initialFontName=SERIF,
        initialFontSize=FONT_SIZE,
    )
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        CONTENT_WIDTH,
        PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="slip", frames=[frame], onPage=on_page, onPageEnd=on_page_end)])
    doc.build(list(story), canvasmaker=make_canvas)


def applicant_lines(applicant: Applicant) -> list[Flowable]:
    """Build the applicant lines: name (bold), personal ID/tax code, address, phone and e-mail."""
    a = applicant
    return [
        para(f"Tiếp nhận hồ sơ của: <b>{esc(a.full_name)}</b>"),
        field("Số định danh cá nhân/MST", a.personal_id),
        field("Địa chỉ", a.address),
        para(f"Số điện thoại: {esc(a.phone) or '.' * 20}&nbsp;&nbsp;&nbsp;&nbsp;Email: {esc(a.email) or '.' * 30}"),
    ]
