"""Biên bản giao nhận hồ sơ qua dịch vụ bưu chính công ích, A4 portrait (Decision 45/2016/QĐ-TTg).

Signed by the postal worker who hands the items over and the officer who receives them; its
signing time is the legal receipt time of every dossier it lists (DOMAIN.md §9). The table lists
each item's postal number (S10) and, once the item has been received through the reception form,
its dossier code (a reprint fills them in); an item sent back for a supplement or refused says so
under "Ghi chú". Laid out as the handover record (app/printing/a4_record.py): office letterhead,
title, the batch number, both parties, the table with its header repeated, the total, signatures;
"Trang x/y" and the batch number at every page's foot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.platypus import Spacer, Table

from app.printing import a4_record
from app.printing.a4_record import RecordText, Side
from app.printing.common import Output, esc, para
from app.printing.data import OfficeHeader
from app.text import nfc

TITLE = "BIÊN BẢN GIAO NHẬN HỒ SƠ QUA DỊCH VỤ BƯU CHÍNH CÔNG ÍCH"
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
    rows: list[list[Any]] = [
        [para(str(n), "cell_c"), para(esc(row.item_no), "cell"), para(esc(row.dossier_code), "cell"),
         para(esc(row.note), "cell")]
        for n, row in enumerate(data.rows, start=1)
    ]  # fmt: skip
    return a4_record.rows_table(HEADINGS, COL_WIDTHS, rows, top=3, bottom=4)


def _text(data: PostalBatchRecord) -> RecordText:
    phone = f"&nbsp;&nbsp;&nbsp;&nbsp;Điện thoại: {esc(data.worker_phone)}" if nfc(data.worker_phone) else ""
    return RecordText(
        header=data.header,
        title=TITLE,
        at=data.signed_at,
        number=[para(f"Số biên bản: <b>{esc(data.number)}</b>", "subtitle") if data.number else Spacer(1, 1)],
        giver=Side("BÊN GIAO (đơn vị bưu chính)", data.postal_unit, esc(data.worker_name), phone),
        receiver=Side("BÊN NHẬN", data.receiving_unit, esc(data.officer_name)),
        intro="Đã tiến hành giao nhận các hồ sơ thủ tục hành chính gửi qua dịch vụ bưu chính công ích sau đây"
        " (thời điểm ký biên bản này là thời điểm tiếp nhận hồ sơ):",
        total=f"Tổng số bưu gửi giao nhận: <b>{len(data.rows):02d}</b> bưu gửi.",
        note=data.note,
        closing="Biên bản được lập thành 02 bản, bên giao giữ 01 bản, bên nhận giữ 01 bản./.",
        signers=(("NHÂN VIÊN BƯU CHÍNH", data.worker_name), ("NGƯỜI TIẾP NHẬN HỒ SƠ", data.officer_name)),
    )


def render(data: PostalBatchRecord, out: Output) -> None:
    """Render the batch record on A4 portrait, as many pages as the list needs.

    Args:
        data: The batch.
        out: A file path or a binary file object to write the PDF to.
    """
    a4_record.build(
        _text(data), _rows_table(data), out,
        footer=f"Biên bản giao nhận bưu chính {nfc(data.number)}: {nfc(data.postal_unit)}",
        subject=nfc(data.number), form_number=data.form_number, demo=data.demo,
    )  # fmt: skip
