"""Return receipt (Biên nhận trả kết quả giải quyết hồ sơ), A5: who collected the result, when, on what basis."""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, Spacer

from app.printing.common import Output, build, esc, field, header_block, para, signature_block, title_block
from app.printing.custody_forms_config import CustodyForm
from app.printing.data import ReturnReceipt, vn_datetime_words, vn_place_date
from app.text import nfc

TITLE = CustodyForm.RETURN_RECEIPT.heading


def _collector_lines(data: ReturnReceipt) -> list[Flowable]:
    """The collector: the applicant in person, or a representative with the authorisation."""
    lines = [
        para(f"Người nhận kết quả: <b>{esc(data.collector_name)}</b>"),
        field("Số định danh cá nhân/Hộ chiếu", data.collector_id),
    ]
    if data.is_applicant:
        lines.append(para("Là người nộp hồ sơ, trực tiếp nhận kết quả."))
    else:
        relation = f" – quan hệ: {esc(data.relation)}" if nfc(data.relation) else ""
        lines.append(para(f"Là người được ủy quyền của: <b>{esc(data.applicant_name)}</b>{relation}"))
        lines.append(field("Văn bản ủy quyền", data.authorisation_ref))
    return lines


def _story(data: ReturnReceipt) -> list[Flowable]:
    return [
        header_block(data.header, vn_place_date(data.header.place_name, data.returned_at)),
        *title_block(TITLE),
        Spacer(1, 4),
        para(f"Mã hồ sơ: <b>{esc(data.dossier_code)}</b>"),
        field("Tên tổ chức, cá nhân", data.applicant_name),
        field("Nội dung yêu cầu giải quyết", data.procedure_name),
        para(f"1. Thời gian nhận hồ sơ: {esc(vn_datetime_words(data.received_at))}", "hang"),
        para(f"2. Thời gian hẹn trả kết quả: {esc(vn_datetime_words(data.due_at))}", "hang"),
        para(f"3. Thời gian trả kết quả: <b>{esc(vn_datetime_words(data.returned_at))}</b>", "hang"),
        para(f"4. Kết quả giải quyết hồ sơ: <b>{esc(data.timeliness.label)}</b>", "hang"),
        field("5. Kết quả trả gồm", data.result_description, "hang"),
        Spacer(1, 3),
        *_collector_lines(data),
        Spacer(1, 3),
        para("Người nhận đã kiểm tra, nhận đủ kết quả nêu trên./."),
        Spacer(1, 6),
        KeepTogether(
            [
                signature_block(
                    ("NGƯỜI NHẬN KẾT QUẢ", data.collector_name),
                    ("NGƯỜI TRẢ KẾT QUẢ", data.officer_name),
                    space=34,
                )
            ]
        ),
    ]


def render(data: ReturnReceipt, out: Output) -> None:
    """Render the return receipt (one copy) on A5.

    Args:
        data: The hand-over of the result.
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
