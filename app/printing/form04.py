"""Form 04: apology and new appointment (Phiếu xin lỗi và hẹn lại ngày trả kết quả; since Circular
03/2025 "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"), A5."""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, Spacer

from app.printing.common import Output, build, esc, field, header_block, para, signature_block, title_block
from app.printing.custody_forms_config import CustodyForm
from app.printing.data import ApologySlip, vn_date_words, vn_datetime_words, vn_place_date
from app.text import nfc

TITLE = CustodyForm.APOLOGY.heading


def _story(data: ApologySlip) -> list[Flowable]:
    # The header is the agency's letterhead; the text names it once, then speaks as "chúng tôi".
    agency = esc(data.agency_name) or "Cơ quan giải quyết hồ sơ"
    name = esc(data.applicant.full_name)
    return [
        header_block(data.header, vn_place_date(data.header.place_name, data.issued_at)),
        *title_block(nfc(data.title) or TITLE),
        Spacer(1, 4),
        para(f"Kính gửi: Ông/Bà <b>{name}</b>"),
        Spacer(1, 2),
        para(
            f"Ngày {esc(vn_date_words(data.received_at).removeprefix('ngày '))}, {agency} tiếp nhận giải quyết"
            f" hồ sơ của Ông/Bà, mã hồ sơ: <b>{esc(data.dossier_code)}</b>."
        ),
        field("Nội dung yêu cầu giải quyết", data.procedure_name),
        para(f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {esc(vn_datetime_words(data.original_due_at))}."),
        para("Tuy nhiên đến nay, chúng tôi chưa trả kết quả giải quyết hồ sơ của Ông/Bà đúng hẹn."),
        field("Lý do", data.reason),
        para(
            "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. Chúng tôi xin lỗi Ông/Bà và hẹn trả kết quả"
            f" giải quyết hồ sơ vào <b>{esc(vn_datetime_words(data.new_due_at))}</b>."
        ),
        para("Mong nhận được sự thông cảm của Ông/Bà./."),
        Spacer(1, 8),
        KeepTogether(
            [
                signature_block(
                    None,
                    (nfc(data.signer_title) or "THỦ TRƯỞNG CƠ QUAN", data.signer_name),
                    space=40,
                )
            ]
        ),
    ]


def render(data: ApologySlip, out: Output) -> None:
    """Render form 04 (one copy) on A5, signed by the head of the handling agency.

    Args:
        data: The apology and the new appointment.
        out: A file path or a binary file object to write the PDF to.
    """
    build(
        _story(data),
        out,
        title=nfc(data.title) or TITLE,
        form_number=data.form_number,
        demo=data.demo,
        subject=f"Mã hồ sơ: {nfc(data.dossier_code)}",
    )
