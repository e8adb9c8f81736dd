"""Handover record (Biên bản bàn giao hồ sơ), A4 portrait: the folders of one batch, signed by both sides.

The batch number (``BG-`` and 13 digits, :func:`app.domain.batch_number.batch_number`, the same
as on screen) is printed as Code128 and QR, so the receiving side can scan the record and then
each folder. The table
runs over as many pages as needed with its header repeated; every page carries the batch number and
"Trang x/y" (the layout shared with the postal batch record: app/printing/a4_record.py).
"""

from __future__ import annotations

from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.platypus import Flowable, Spacer, Table

from app.domain.batch_number import batch_number
from app.printing import a4_record
from app.printing.a4_record import WIDTH, RecordText, Side
from app.printing.common import Output, esc, para
from app.printing.custody_forms_config import CustodyForm
from app.printing.data import HandoverRecord
from app.printing.fonts import SERIF, SERIF_BOLD
from app.printing.labels import draw_qr
from app.text import nfc

TITLE = CustodyForm.HANDOVER.heading
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
    rows: list[list[Any]] = [
        [
            para(str(n), "cell_c"),
            para(esc(row.dossier_code), "cell"),
            para(esc(row.applicant_name), "cell"),
            para(esc(row.procedure_name), "cell"),
            para(esc(_due(row.due_at)).replace("\n", "<br/>"), "cell_c"),
            para(esc(row.note), "cell"),
        ]
        for n, row in enumerate(data.rows, start=1)
    ]
    if not data.rows:
        rows.append([""] * len(HEADINGS))
    return a4_record.rows_table(HEADINGS, COL_WIDTHS, rows, top=2, bottom=3)


def _text(data: HandoverRecord, code_text: str) -> RecordText:
    return RecordText(
        header=data.header,
        title=TITLE,
        at=data.handed_at,
        number=[Spacer(1, 4), BatchCodes(code_text, WIDTH)],
        giver=Side("BÊN GIAO", data.from_unit, esc(data.giver_name)),
        receiver=Side("BÊN NHẬN", data.to_unit, esc(data.receiver_name) or "." * 50),
        intro="Đã tiến hành bàn giao các hồ sơ (kèm bản giấy) sau đây:",
        total=f"Tổng số hồ sơ bàn giao: <b>{len(data.rows):02d}</b> hồ sơ.",
        note=data.note,
        closing="Bên nhận đã kiểm tra, nhận đủ các hồ sơ nêu trên."
        " Biên bản được lập thành 02 bản, mỗi bên giữ 01 bản./.",
        signers=(("BÊN GIAO", data.giver_name), ("BÊN NHẬN", data.receiver_name)),
    )


def render(data: HandoverRecord, out: Output) -> None:
    """Render the handover record on A4 portrait, as many pages as the list needs.

    Args:
        data: The batch.
        out: A file path or a binary file object to write the PDF to.
    """
    code_text = batch_number(data.batch_id)
    a4_record.build(
        _text(data, code_text), _rows_table(data), out,
        footer=f"Biên bản bàn giao {code_text}: {nfc(data.from_unit)} → {nfc(data.to_unit)}",
        subject=code_text, demo=data.demo,
    )  # fmt: skip
