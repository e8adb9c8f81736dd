"""Form 01: receipt and appointment slip (Giấy tiếp nhận hồ sơ và hẹn trả kết quả), two copies on A5."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from app.printing.applicant_block import applicant_lines
from app.printing.common import (
    CONTENT_WIDTH,
    DossierCodes,
    Output,
    build,
    esc,
    field,
    header_block,
    para,
    signature_block,
    title_block,
)
from app.printing.data import ReceiptSlip, vn_datetime_words, vn_place_date
from app.printing.fonts import SERIF, SERIF_BOLD
from app.text import nfc

TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
COPIES = ("Liên 1: Lưu", "Liên 2: Giao khách hàng")
CELL_SIZE = 9.5
CELL_LEADING = 10.6


def _lines(text: str, font: str, width: float) -> str:
    # Pre-wrapped plain-string cells draw far faster than Paragraph cells (see bench/).
    return "\n".join(simpleSplit(nfc(text), font, CELL_SIZE, width)) or " "


def _documents_table(data: ReceiptSlip) -> Table:
    col_w = [25.0, 0.0, 68.0, 36.0]
    col_w[1] = CONTENT_WIDTH - sum(col_w)
    pad = 3.0
    rows: list[list[str]] = [["STT", "Tên giấy tờ", "Bản chính/\nBản sao", "Số\nlượng"]]
    for i, doc in enumerate(data.documents, start=1):
        rows.append(
            [
                str(i),
                _lines(doc.name, SERIF, col_w[1] - 2 * pad),
                _lines(doc.form_label, SERIF, col_w[2] - 2 * pad),
                f"{doc.copies:02d}",
            ]
        )
    if not data.documents:
        rows.append(["", "", "", ""])
    table = Table(rows, colWidths=col_w, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), SERIF),
                ("FONTNAME", (0, 0), (-1, 0), SERIF_BOLD),
                ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
                ("LEADING", (0, 0), (-1, -1), CELL_LEADING),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("ALIGN", (1, 1), (1, -1), "LEFT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                ("TOPPADDING", (0, 0), (-1, -1), 0.6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
            ]
        )
    )
    return table


def _story(data: ReceiptSlip) -> list[Flowable]:
    procedure = esc(data.procedure_name)
    if nfc(data.procedure_code):
        procedure += f" (Mã thủ tục: {esc(data.procedure_code)})"
    fee = nfc(data.fee_text) or "Không"
    story: list[Flowable] = [
        header_block(data.header, vn_place_date(data.header.place_name, data.received_at)),
        *title_block(TITLE, copy_label=True),
        DossierCodes(data.dossier_code),
        Spacer(1, 2),
        field("Bộ phận tiếp nhận và trả kết quả", data.receiving_unit),
        *applicant_lines(data.applicant),
        para(f"Nội dung yêu cầu giải quyết: <b>{procedure}</b>"),
        para("1. Thành phần hồ sơ nộp gồm:", "item"),
        Spacer(1, 2),
        _documents_table(data),
        Spacer(1, 2),
        para(f"2. Số lượng hồ sơ: {data.sets:02d} (bộ)", "item"),
        field("3. Thời gian giải quyết hồ sơ theo quy định", data.processing_time_text, "hang"),
        para(f"4. Thời gian nhận hồ sơ: {esc(vn_datetime_words(data.received_at))}", "hang"),
        para(f"5. Thời gian trả kết quả giải quyết hồ sơ: <b>{esc(vn_datetime_words(data.due_at))}</b>", "hang"),
        field("6. Đăng ký nhận kết quả tại", data.return_place, "hang"),
        para(f"Phí, lệ phí: {esc(fee)}"),
        para(
            f"Vào Sổ theo dõi hồ sơ, Quyển số: {esc(data.register_book) or '.' * 10}"
            f"&nbsp;&nbsp;Số thứ tự: {esc(data.register_number) or '.' * 10}"
        ),
        Spacer(1, 4),
        KeepTogether(
            [signature_block(("NGƯỜI NỘP HỒ SƠ", ""), ("NGƯỜI TIẾP NHẬN HỒ SƠ", data.officer_name), space=25)]
        ),
    ]
    return story


def render(data: ReceiptSlip, out: Output) -> None:
    """Render form 01 in two copies: "(Liên 1: Lưu)" then "(Liên 2: Giao khách hàng)".

    Each copy starts on a new A5 page; a long document list flows onto further pages, with the
    table header repeated.

    Args:
        data: The slip.
        out: A file path or a binary file object to write the PDF to.
    """
    build(
        _story(data),
        out,
        copies=COPIES,
        title=TITLE,
        form_number=data.form_number,
        demo=data.demo,
        subject=f"Mã hồ sơ: {nfc(data.dossier_code)}",
    )
