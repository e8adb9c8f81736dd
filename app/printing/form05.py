"""Form 05 (2025: 06): process control slip (Phiếu kiểm soát quá trình giải quyết hồ sơ), A5.

The legal chain of custody: one table block per handover ("1. Giao: …" / "2. Nhận: …", the time,
both signatures, the receiver's judgement early / on time / late, a note). A long history flows
onto further pages with the table header repeated; a block is never split across pages.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from app.printing.common import (
    CONTENT_WIDTH,
    DossierCodes,
    Output,
    build,
    esc,
    field,
    header_block,
    para,
    title_block,
)
from app.printing.custody_forms_config import CustodyForm
from app.printing.data import ControlSlip, ControlStep, vn_datetime_words, vn_place_date
from app.printing.fonts import SERIF
from app.text import nfc

TITLE = CustodyForm.CONTROL.heading
HEADINGS = (
    "TÊN CƠ QUAN",
    "THỜI GIAN GIAO, NHẬN HỒ SƠ",
    "KẾT QUẢ GIẢI QUYẾT HỒ SƠ<br/><i>(Trước hạn/ đúng hạn/ quá hạn)</i>",
    "GHI CHÚ",
)
COL_WIDTHS = (98.0, 122.0, 78.0, 0.0)
BLANK_STEPS = 2  # printed for hand-filling when no handover is recorded yet
SIGN_SPACE = 24.0


def _col_widths() -> list[float]:
    widths = list(COL_WIDTHS)
    widths[3] = CONTENT_WIDTH - sum(widths)
    return widths


def _signatures(step: ControlStep | None, width: float) -> Table:
    """ "Người giao" / "Người nhận" side by side, room to sign, printed names."""

    def cell(title: str, name: str) -> list[Flowable]:
        return [para(title, "th"), Spacer(1, SIGN_SPACE), para(esc(name) or "&nbsp;", "cell_c")]

    giver = step.giver_name if step else ""
    receiver = step.receiver_name if step else ""
    table = Table([[cell("Người giao", giver), cell("Người nhận", receiver)]], colWidths=[width / 2, width / 2])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 1),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _block(number: int, step: ControlStep | None, widths: list[float]) -> list[object]:
    """One handover: the row of the table."""
    if step is None:
        units = [para("1. Giao: " + "." * 22, "cell"), para("2. Nhận: " + "." * 22, "cell")]
        when = para("... giờ ... phút, ngày ... tháng ... năm ....", "cell_c")
        judgement, note = "", ""
    else:
        units = [
            para(f"1. Giao: <b>{esc(step.giver_unit)}</b>", "cell"),
            para(f"2. Nhận: <b>{esc(step.receiver_unit)}</b>", "cell"),
        ]
        when = para(esc(vn_datetime_words(step.at)), "cell_c")
        judgement = step.judgement.label if step.judgement else ""
        note = nfc(step.note)
    return [
        [para(f"Bước {number}", "th"), *units],
        [when, _signatures(step, widths[1] - 4)],
        para(esc(judgement), "cell_c"),
        para(esc(note), "cell"),
    ]


def _steps_table(data: ControlSlip) -> Table:
    widths = _col_widths()
    rows: list[list[object]] = [[para(h, "th") for h in HEADINGS]]
    steps: list[ControlStep | None] = list(data.steps) or [None] * BLANK_STEPS
    rows += [_block(n, step, widths) for n, step in enumerate(steps, start=1)]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), SERIF),
                ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
                ("VALIGN", (0, 1), (-1, -1), "TOP"),
                ("VALIGN", (2, 1), (2, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _story(data: ControlSlip) -> list[Flowable]:
    return [
        header_block(data.header, vn_place_date(data.header.place_name, data.received_at)),
        *title_block(TITLE),
        DossierCodes(data.dossier_code),
        Spacer(1, 2),
        field("Tên tổ chức, cá nhân", data.owner_name),
        field("Nội dung yêu cầu giải quyết", data.procedure_name),
        para(f"Thời gian nhận hồ sơ: {esc(vn_datetime_words(data.received_at))}"),
        para(f"Thời gian hẹn trả kết quả: <b>{esc(vn_datetime_words(data.due_at))}</b>"),
        field("Cơ quan (bộ phận) giải quyết hồ sơ", data.handling_agency),
        field("Cơ quan phối hợp giải quyết hồ sơ", data.cooperating_agencies or "Không"),
        Spacer(1, 4),
        _steps_table(data),
    ]


def render(data: ControlSlip, out: Output) -> None:
    """Render form 05 (one copy) on A5; a long history flows onto further pages.

    Args:
        data: The slip, with one step per recorded handover (none: blank blocks to fill by hand).
        out: A file path or a binary file object to write the PDF to.
    """
    build(
        _story(data),
        out,
        title=TITLE,
        form_number=data.form_number,
        demo=data.demo,
        subject=f"Mã hồ sơ: {nfc(data.dossier_code)}",
    )
