"""Form 02: request to supplement the dossier (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ), A5."""

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
from app.printing.data import SupplementSlip, vn_place_date
from app.text import nfc

TITLE = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"


def render(data: SupplementSlip, out: Output) -> None:
    """Render form 02 (one copy) on A5; a long list of items flows onto further pages.

    Args:
        data: The supplement request.
        out: A file path or a binary file object to write the PDF to.
    """
    items = [nfc(i) for i in data.items if nfc(i)]
    contact = esc(data.contact) or "." * 40
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
        para("Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung như sau:"),
        *(para(f"{n}. {esc(item)}", "hang") for n, item in enumerate(items, start=1)),
        Spacer(1, 3),
        field("Lý do", data.reason),
        para(f"Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà liên hệ {contact} để được hướng dẫn./."),
        Spacer(1, 8),
        KeepTogether([signature_block(None, ("NGƯỜI HƯỚNG DẪN", data.officer_name), space=36)]),
    ]
    build(
        story,
        out,
        title=TITLE,
        form_number=data.form_number,
        demo=data.demo,
        subject=nfc(data.applicant.full_name),
    )
