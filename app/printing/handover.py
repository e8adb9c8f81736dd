"""Handover record (Biên bản bàn giao hồ sơ), A4 portrait: the folders of one batch, signed by both sides.

The batch number (``BG-`` and 13 digits, :func:`app.domain.batch_number.batch_number`, the same
as on screen) is printed as Code128 and QR, so the receiving side can scan the record and then
each folder. The table
runs over as many pages as needed with its header repeated; every page carries the batch number and
"Trang x/y".
"""

from __future__ import annotations

import os
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Spacer, Table, TableStyle

from app.domain.batch_number import batch_number
from app.printing.common import Output, esc, header_block, para, signature_block, title_block
from app.printing.custody_forms_config import CustodyForm
from app.printing.data import HandoverRecord, vn_datetime_words, vn_place_date
from app.printing.fonts import SERIF, SERIF_BOLD, register_fonts
from app.printing.labels import draw_qr
from app.printing.paged import PagedCanvas, PageFurniture
from app.text import nfc

TITLE = CustodyForm.HANDOVER.heading
PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 15 * mm
MARGIN_BOTTOM = 15 * mm
WIDTH = PAGE_W - 2 * MARGIN_X
HEADINGS = ("STT", "Mã hồ sơ", "Tổ chức, cá nhân", "Thủ tục hành chính", "Hạn trả kết quả", "Ghi chú")
COL_WIDTHS = (24.0, 128.0, 100.0, 0.0, 56.0, 54.0)


class BatchCodes(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """ "Số biên bản: BG-…" with its Code128 (text beneath) and QR code on the right."""

    QR_SIZE = 56.0
    BAR_WIDTH = 0.9
    BAR_HEIGHT = 24.0

    def __init__(self, text: str, width: float) -> None:
        """Args: text: what to encode; width: the block's width."""
        super().__init__()
        self.text = text
        self.width = width
        self.height = self.QR_SIZE

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        """Full width, as tall as the QR code."""
        return self.width, self.height

    def draw(self) -> None:
        """Label, Code128 (with the text beneath) and QR code."""
        canv = self.canv
        canv.setFont(SERIF, 11)
        canv.drawString(0, self.height - 11, "Số biên bản: ")
        canv.setFont(SERIF_BOLD, 11)
        canv.drawString(canv.stringWidth("Số biên bản: ", SERIF, 11), self.height - 11, self.text)
        modules = Code128(self.text, barWidth=1.0, quiet=0, humanReadable=0).width
        # A long id (test data, older ids) gets narrower bars, never under the QR code.
        bar_width = min(self.BAR_WIDTH, (self.width - self.QR_SIZE - 8) / (modules + 10))
        Code128(
            self.text,
            barWidth=bar_width,
            barHeight=self.BAR_HEIGHT,
            humanReadable=1,
            fontName=SERIF,
            fontSize=9,
            quiet=1,
            lquiet=10 * bar_width,
            rquiet=10 * bar_width,
        ).drawOn(canv, -10 * bar_width, 2)
        draw_qr(canv, self.text, self.width - self.QR_SIZE, 0, self.QR_SIZE)


def _due(row_due: Any) -> str:
    return f"{row_due:%H:%M}\n{row_due:%d/%m/%Y}" if row_due is not None else ""


def _rows_table(data: HandoverRecord) -> Table:
    widths = list(COL_WIDTHS)
    widths[3] = WIDTH - sum(widths)
    rows: list[list[Any]] = [[para(h, "th") for h in HEADINGS]]
    for n, row in enumerate(data.rows, start=1):
        rows.append(
            [
                para(str(n), "cell_c"),
                para(esc(row.dossier_code), "cell"),
                para(esc(row.applicant_name), "cell"),
                para(esc(row.procedure_name), "cell"),
                para(esc(_due(row.due_at)).replace("\n", "<br/>"), "cell_c"),
                para(esc(row.note), "cell"),
            ]
        )
    if not data.rows:
        rows.append([""] * len(HEADINGS))
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), SERIF),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _story(data: HandoverRecord, code_text: str) -> list[Flowable]:
    count = len(data.rows)
    receiver = esc(data.receiver_name) or "." * 50
    story: list[Flowable] = [
        header_block(data.header, vn_place_date(data.header.place_name, data.handed_at), width=WIDTH),
        *title_block(TITLE),
        Spacer(1, 4),
        BatchCodes(code_text, WIDTH),
        Spacer(1, 6),
        para(f"Hôm nay, vào lúc {esc(vn_datetime_words(data.handed_at))}, chúng tôi gồm:"),
        para(f"<b>BÊN GIAO:</b> {esc(data.from_unit)}"),
        para(f"Ông/Bà: <b>{esc(data.giver_name)}</b>", "hang"),
        para(f"<b>BÊN NHẬN:</b> {esc(data.to_unit)}"),
        para(f"Ông/Bà: <b>{receiver}</b>", "hang"),
        para("Đã tiến hành bàn giao các hồ sơ (kèm bản giấy) sau đây:"),
        Spacer(1, 3),
        _rows_table(data),
        Spacer(1, 4),
    ]
    closing: list[Flowable] = [para(f"Tổng số hồ sơ bàn giao: <b>{count:02d}</b> hồ sơ.")]
    if nfc(data.note):
        closing.append(para(f"Ghi chú: {esc(data.note)}"))
    closing += [
        para("Bên nhận đã kiểm tra, nhận đủ các hồ sơ nêu trên. Biên bản được lập thành 02 bản, mỗi bên giữ 01 bản./."),
        Spacer(1, 8),
        signature_block(("BÊN GIAO", data.giver_name), ("BÊN NHẬN", data.receiver_name), space=48, width=WIDTH),
    ]
    story.append(KeepTogether(closing))  # never a signature page without the total above it
    return story


def render(data: HandoverRecord, out: Output) -> None:
    """Render the handover record on A4 portrait, as many pages as the list needs.

    Args:
        data: The batch.
        out: A file path or a binary file object to write the PDF to.
    """
    register_fonts()
    code_text = batch_number(data.batch_id)
    footer = f"Biên bản bàn giao {code_text}: {nfc(data.from_unit)} → {nfc(data.to_unit)}"
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    doc = BaseDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=TITLE,
        subject=code_text,
        author="MotCua Desk",
        creator="MotCua Desk",
        initialFontName=SERIF,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, WIDTH, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, 0, 0, 0, 0, id="body")
    doc.addPageTemplates([PageTemplate(id="a4", frames=[frame])])

    furniture = PageFurniture(
        PAGE_W, PAGE_H, MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM, footer, footer_drop=18, demo=data.demo
    )

    def make_canvas(*args: Any, **kwargs: Any) -> PagedCanvas:
        return PagedCanvas(*args, furniture=furniture, **kwargs)

    doc.build(_story(data, code_text), canvasmaker=make_canvas)
