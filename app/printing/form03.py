"""Form 03: refusal to receive the dossier (Phiếu từ chối tiếp nhận giải quyết hồ sơ), A5."""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, Spacer

from app.printing.applicant_block import applicant_lines
from app.printing.common import (
    Output,
    build,
    esc,
    field,
    header_block,
    para,
    signature_block,
    title_block,
)
from app.printing.data import RefusalSlip, vn_place_date
from app.text import nfc

TITLE = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"


def render(data: RefusalSlip, out: Output) -> None:
    """Render form 03 (one copy) on A5.

    Args:
        data: The refusal.
        out: A file path or a binary file object to write the PDF to.
    """
    unit = esc(data.receiving_unit) or "Bộ phận tiếp nhận và trả kết quả"
    story: list[Flowable] = [
        header_block(data.header, vn_place_date(data.header.place_name, data.issued_at)),
        *title_block(TITLE),
        Spacer(1, 4),
    ]
    if nfc(data.dossier_ref):
        story.append(para(f"Mã hồ sơ: <b>{esc(data.dossier_ref)}</b>"))
    story += [
        field("Bộ phận tiếp nhận và trả kết quả", data.receiving_unit),
        *applicant_lines(data.applicant),
        para(f"Nội dung yêu cầu giải quyết: <b>{esc(data.procedure_name)}</b>"),
        Spacer(1, 3),
        para(
            f"Sau khi nghiên cứu, đối chiếu với các quy định hiện hành, {unit} thông báo không tiếp nhận, "
            "giải quyết hồ sơ này với lý do cụ thể như sau:"
        ),
        para(esc(data.reason) or "." * 60),
        Spacer(1, 3),
        para("Xin thông báo cho Ông/Bà được biết và thực hiện./."),
        Spacer(1, 8),
        KeepTogether([signature_block(None, ("NGƯỜI TIẾP NHẬN HỒ SƠ", data.officer_name), space=36)]),
    ]
    build(
        story,
        out,
        title=TITLE,
        form_number=data.form_number,
        demo=data.demo,
        subject=nfc(data.applicant.full_name),
    )
