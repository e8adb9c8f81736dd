"""Biên bản giao nhận hồ sơ qua dịch vụ bưu chính công ích, A4 portrait (Decision 45/2016/QĐ-TTg).

Signed by the postal worker who hands the items over and the officer who receives them; its
signing time is the legal receipt time of every dossier it lists (DOMAIN.md §9). The table lists
each item's postal number (S10) and, once the item has been received through the reception form,
its dossier code (a reprint fills them in); an item sent back for a supplement or refused says so
under "Ghi chú". Layout as the handover record (app/printing/handover.py): office letterhead,
title, the batch number, both parties, the table with its header repeated, the total, signatures;
"Trang x/y" and the batch number at every page's foot.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Spacer, Table, TableStyle

from app.printing.common import Output, esc, header_block, para, signature_block, title_block
from app.printing.data import OfficeHeader, vn_datetime_words, vn_place_date
from app.printing.fonts import SERIF, register_fonts
from app.printing.paged import PagedCanvas, PageFurniture
from app.text import nfc

TITLE = "BIÊN BẢN GIAO NHẬN HỒ SƠ QUA DỊCH VỤ BƯU CHÍNH CÔNG ÍCH"
PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 15 * mm
MARGIN_BOTTOM = 15 * mm
WIDTH = PAGE_W - 2 * MARGIN_X
HEADINGS = ("STT", "Số hiệu bưu gửi", "Mã hồ sơ", "Ghi chú")
COL_WIDTHS = (30.0, 130.0, 170.0, 0.0)


@dataclass(frozen=True, slots=True)
class PostalRow:
    """One item: its postal number, the dossier code once received, a note."""

    item_no: str
    dossier_code: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class PostalBatchRecord:
    """What the record prints (app.services.postal.batch_record builds it)."""

    header: OfficeHeader
    number: str
    signed_at: datetime
    postal_unit: str
    worker_name: str
    worker_phone: str
    receiving_unit: str
    officer_name: str
    rows: tuple[PostalRow, ...]
    note: str = ""
    form_number: str = ""
    demo: bool = False


def _rows_table(data: PostalBatchRecord) -> Table:
    widths = list(COL_WIDTHS)
    widths[3] = WIDTH - sum(widths)
    rows: list[list[Any]] = [[para(h, "th") for h in HEADINGS]]
    for n, row in enumerate(data.rows, start=1):
        rows.append(
            [
                para(str(n), "cell_c"),
                para(esc(row.item_no), "cell"),
                para(esc(row.dossier_code), "cell"),
                para(esc(row.note), "cell"),
            ]
        )
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), SERIF),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _story(data: PostalBatchRecord) -> list[Flowable]:
    phone = f"&nbsp;&nbsp;&nbsp;&nbsp;Điện thoại: {esc(data.worker_phone)}" if nfc(data.worker_phone) else ""
    story: list[Flowable] = [
        header_block(data.header, vn_place_date(data.header.place_name, data.signed_at), width=WIDTH),
        *title_block(TITLE),
        para(f"Số biên bản: <b>{esc(data.number)}</b>", "subtitle") if data.number else Spacer(1, 1),
        Spacer(1, 6),
        para(f"Hôm nay, vào lúc {esc(vn_datetime_words(data.signed_at))}, chúng tôi gồm:"),
        para(f"<b>BÊN GIAO (đơn vị bưu chính):</b> {esc(data.postal_unit)}"),
        para(f"Ông/Bà: <b>{esc(data.worker_name)}</b>{phone}", "hang"),
        para(f"<b>BÊN NHẬN:</b> {esc(data.receiving_unit)}"),
        para(f"Ông/Bà: <b>{esc(data.officer_name)}</b>", "hang"),
        para(
            "Đã tiến hành giao nhận các hồ sơ thủ tục hành chính gửi qua dịch vụ bưu chính công ích sau đây"
            " (thời điểm ký biên bản này là thời điểm tiếp nhận hồ sơ):"
        ),
        Spacer(1, 3),
        _rows_table(data),
        Spacer(1, 4),
    ]
    closing: list[Flowable] = [para(f"Tổng số bưu gửi giao nhận: <b>{len(data.rows):02d}</b> bưu gửi.")]
    if nfc(data.note):
        closing.append(para(f"Ghi chú: {esc(data.note)}"))
    closing += [
        para("Biên bản được lập thành 02 bản, bên giao giữ 01 bản, bên nhận giữ 01 bản./."),
        Spacer(1, 8),
        signature_block(
            ("NHÂN VIÊN BƯU CHÍNH", data.worker_name),
            ("NGƯỜI TIẾP NHẬN HỒ SƠ", data.officer_name),
            space=48,
            width=WIDTH,
        ),
    ]
    story.append(KeepTogether(closing))  # never a signature page without the total above it
    return story


def render(data: PostalBatchRecord, out: Output) -> None:
    """Render the batch record on A4 portrait, as many pages as the list needs.

    Args:
        data: The batch.
        out: A file path or a binary file object to write the PDF to.
    """
    register_fonts()
    footer = f"Biên bản giao nhận bưu chính {nfc(data.number)}: {nfc(data.postal_unit)}"
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    doc = BaseDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=TITLE,
        subject=nfc(data.number),
        author="MotCua Desk",
        creator="MotCua Desk",
        initialFontName=SERIF,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, WIDTH, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, 0, 0, 0, 0, id="body")
    doc.addPageTemplates([PageTemplate(id="a4", frames=[frame])])
    furniture = PageFurniture(
        PAGE_W, PAGE_H, MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM, footer, footer_drop=18,
        form_number=data.form_number, demo=data.demo,
    )  # fmt: skip

    def make_canvas(*args: Any, **kwargs: Any) -> PagedCanvas:
        return PagedCanvas(*args, furniture=furniture, **kwargs)

    doc.build(_story(data), canvasmaker=make_canvas)
