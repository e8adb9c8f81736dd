"""Biên lai thu phí, lệ phí, A5: the numbered receipt of one payment, two copies.

Laid out like forms 01–05 (national header, title), then the series symbol and number, the payer,
the dossier, the lines with the total in figures and in words, how it was paid, and the signatures
of the payer and the officer who collected. "Liên 1: Lưu" stays with the office, "Liên 2: Giao người
nộp tiền" goes to the payer. The Ministry of Finance's own template was not at hand [unconfirmed].
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from app.domain.fees import format_vnd
from app.printing.common import (
    CONTENT_WIDTH,
    Output,
    build,
    esc,
    field,
    header_block,
    para,
    ruled_style,
    signature_block,
    title_block,
)
from app.printing.data import vn_datetime_words, vn_place_date
from app.services.fee_documents import RECEIPT_TITLE, ReceiptDocument

COPIES = ("Liên 1: Lưu", "Liên 2: Giao người nộp tiền")
FORM_NUMBER = "Biên lai thu phí, lệ phí"


def _lines(data: ReceiptDocument) -> Table:
    rows: list[list[Any]] = [[para("STT", "th"), para("Nội dung thu", "th"), para("Số tiền (đồng)", "th")]]
    for n, (name, amount) in enumerate(data.lines, start=1):
        rows.append([para(str(n), "cell_c"), para(esc(name), "cell"), para(format_vnd(amount), "cell_c")])
    rows.append(["", para("<b>Tổng cộng</b>", "cell"), para(f"<b>{format_vnd(data.amount)}</b>", "cell_c")])
    table = Table(rows, colWidths=[32, CONTENT_WIDTH - 32 - 86, 86], repeatRows=1)
    table.setStyle(ruled_style(top=2, bottom=3))
    return table


def _story(data: ReceiptDocument) -> list[Flowable]:
    payer = esc(data.payer_name) + (f" – Số định danh: {esc(data.payer_id)}" if data.payer_id else "")
    return [
        header_block(data.header, vn_place_date(data.header.place_name, data.paid_at.date())),
        *title_block(RECEIPT_TITLE, copy_label=True),
        para(f"Ký hiệu: <b>{esc(data.series)}</b>&nbsp;&nbsp;&nbsp;&nbsp;Số: <b>{esc(data.number)}</b>", "subtitle"),
        Spacer(1, 4),
        field("Đơn vị thu", data.unit_name),
        para(f"Họ tên người nộp tiền: <b>{payer}</b>"),
        *([field("Địa chỉ", data.payer_address)] if data.payer_address else []),
        *([field("Mã hồ sơ", data.dossier_code)] if data.dossier_code else []),
        *([field("Nội dung yêu cầu giải quyết", data.procedure_name)] if data.procedure_name else []),
        Spacer(1, 3),
        _lines(data),
        Spacer(1, 3),
        para(f"Tổng số tiền: <b>{format_vnd(data.amount)} đồng</b>"),
        para(f"Bằng chữ: <i>{esc(data.amount_words)}</i>"),
        field("Hình thức thanh toán", data.method.label),
        field("Thời điểm thu", vn_datetime_words(data.paid_at)),
        Spacer(1, 8),
        KeepTogether(
            [signature_block(("NGƯỜI NỘP TIỀN", data.payer_name), ("NGƯỜI THU TIỀN", data.officer_name), space=34)]
        ),
    ]


def render(data: ReceiptDocument, out: Output) -> None:
    """Render the receipt, two copies (Liên 1, Liên 2), on A5.

    Args:
        data: The payment as recorded (app.services.fee_documents.build_receipt).
        out: A file path or a binary file object to write the PDF to.
    """
    build(
        _story(data), out, title=RECEIPT_TITLE, form_number=FORM_NUMBER, demo=data.demo,
        subject=f"Ký hiệu {data.series} số {data.number}", copies=COPIES,
    )  # fmt: skip
