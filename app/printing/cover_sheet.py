"""Cover sheet (tờ phân cách hồ sơ): an A4 page put in front of a dossier's papers in a batch scan.

The sheet carries the dossier code three times:

* a large QR code of the plain code (what a handheld 2D scanner reads to open the dossier),
* a Code128 of the plain code under it (for 1D scanners, and for the page analysis when the
  QR code is damaged),
* a smaller **marker** QR code, top right, whose text is :data:`COVER_PREFIX` + code
  (``TPC-000.01.00.H49-261122-0007``). The page analysis (app/scanning/analysis.py) recognises
  a cover sheet by this marker; a page with the plain code only is taken for a receipt slip or a
  label. ``TPC`` (tờ phân cách) is capitals without vowels, so a Vietnamese input method left on
  cannot mangle it (HARDWARE.md).

The output is deterministic (reportlab ``invariant``): the same data gives the same bytes.
"""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from app.printing.fonts import SERIF, SERIF_BOLD, SERIF_ITALIC, register_fonts, use_fixed_subsets
from app.printing.labels import draw_qr
from app.text import nfc

COVER_PREFIX = "TPC-"
"""Text before the dossier code in the cover sheet's marker QR code."""

TITLE = "TỜ PHÂN CÁCH HỒ SƠ"
PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
MAIN_QR = 70 * mm
MARKER_QR = 32 * mm
BAR_MODULE = 0.42 * mm
BAR_HEIGHT = 22 * mm


def cover_marker_text(code: str) -> str:
    """The marker QR code's text for dossier ``code``: ``TPC-<code>``."""
    return COVER_PREFIX + nfc(code)


def _centred_lines(canv: Canvas, text: str, font: str, size: float, y: float, max_lines: int = 3) -> float:
    """Draw ``text`` centred, wrapped to the content width; return the baseline under the last line."""
    lines = simpleSplit(nfc(text), font, size, CONTENT_W) or [""]
    canv.setFont(font, size)
    for line in lines[:max_lines]:
        canv.drawCentredString(PAGE_W / 2, y, line)
        y -= size * 1.3
    return y


def render_cover_sheet(
    code: str,
    applicant_name: str,
    procedure_name: str,
    office_name: str,
    *,
    printed_at: datetime | None = None,
) -> bytes:
    """Render the cover sheet of one dossier as a one-page A4 PDF.

    Args:
        code: The dossier code (e.g. ``000.01.00.H49-261122-0007``).
        applicant_name: Applicant (person or organisation).
        procedure_name: The administrative procedure.
        office_name: Issuing office, printed at the top (e.g. "Trung tâm Phục vụ hành chính công").
        printed_at: Printed at the bottom as "In lúc …" when given (left out by default so the
            bytes depend on the dossier only).

    Returns:
        The PDF.
    """
    register_fonts()
    code = nfc(code)
    buffer = io.BytesIO()
    canv = Canvas(buffer, pagesize=A4, initialFontName=SERIF, invariant=True)
    use_fixed_subsets(canv._doc)
    canv.setTitle(f"{TITLE} {code}")
    canv.setAuthor("MotCua Desk")
    canv.setCreator("MotCua Desk")
    canv.setSubject(f"Mã hồ sơ: {code}")

    top = PAGE_H - MARGIN
    # Office name (top left, small capitals) and the marker QR code (top right).
    canv.setFont(SERIF_BOLD, 11)
    office_lines = simpleSplit(nfc(office_name).upper(), SERIF_BOLD, 11, CONTENT_W - MARKER_QR - 6 * mm)
    y = top - 11
    for line in office_lines[:3]:
        canv.drawString(MARGIN, y, line)
        y -= 14
    draw_qr(canv, cover_marker_text(code), PAGE_W - MARGIN - MARKER_QR, top - MARKER_QR, MARKER_QR)
    canv.setFont(SERIF_ITALIC, 8)
    canv.drawCentredString(PAGE_W - MARGIN - MARKER_QR / 2, top - MARKER_QR - 9, "Mã nhận dạng tờ phân cách")

    # Title.
    y = top - MARKER_QR - 22 * mm
    canv.setFont(SERIF_BOLD, 30)
    canv.drawCentredString(PAGE_W / 2, y, TITLE)
    y -= 12 * mm
    canv.setFont(SERIF_BOLD, 20)
    canv.drawCentredString(PAGE_W / 2, y, f"Mã hồ sơ: {code}")

    # The big QR code, then the Code128.
    y -= 6 * mm + MAIN_QR
    draw_qr(canv, code, (PAGE_W - MAIN_QR) / 2, y, MAIN_QR)
    bars = Code128(code, barWidth=BAR_MODULE, barHeight=BAR_HEIGHT, quiet=1, humanReadable=0)
    y -= 6 * mm + BAR_HEIGHT
    bars.drawOn(canv, (PAGE_W - bars.width) / 2, y)
    canv.setFont(SERIF, 12)
    canv.drawCentredString(PAGE_W / 2, y - 14, code)

    # Applicant and procedure.
    y -= 16 * mm
    canv.setFont(SERIF, 13)
    canv.drawCentredString(PAGE_W / 2, y, "Người nộp hồ sơ:")
    y = _centred_lines(canv, applicant_name or "…", SERIF_BOLD, 17, y - 22, max_lines=2)
    y -= 6
    canv.setFont(SERIF, 13)
    canv.drawCentredString(PAGE_W / 2, y, "Thủ tục:")
    y = _centred_lines(canv, procedure_name or "…", SERIF_BOLD, 15, y - 20, max_lines=3)

    # Instructions in a frame at the bottom.
    box_h = 26 * mm
    canv.setStrokeColor(colors.black)
    canv.setLineWidth(0.8)
    canv.rect(MARGIN, MARGIN, CONTENT_W, box_h)
    canv.setFont(SERIF_BOLD, 11)
    canv.drawString(MARGIN + 4 * mm, MARGIN + box_h - 7 * mm, "Hướng dẫn:")
    canv.setFont(SERIF, 11)
    notes = (
        "Đặt tờ này lên trước các giấy tờ của hồ sơ khi quét cả chồng qua khay nạp giấy.",
        "Phần mềm tự nhận ra tờ này, tách hồ sơ và không đưa tờ này vào bản điện tử.",
    )
    for i, note in enumerate(notes):
        canv.drawString(MARGIN + 4 * mm, MARGIN + box_h - 13 * mm - i * 5.5 * mm, f"• {note}")
    if printed_at is not None:
        canv.setFont(SERIF_ITALIC, 8)
        canv.drawRightString(PAGE_W - MARGIN, MARGIN - 10, f"In lúc {printed_at:%H:%M ngày %d/%m/%Y}")
    canv.showPage()
    canv.save()
    return buffer.getvalue()
