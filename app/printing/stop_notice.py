"""Form 05 of Circular 03/2025: stop notice (Thông báo dừng giải quyết hồ sơ), A5.

Issued by the counter that received the dossier when the citizen asks to stop processing or to
withdraw the dossier before any decision (DOMAIN.md §9). The circular's own wording was not at
hand [unconfirmed]: the layout follows forms 03 and 04 (letterhead, title, addressee, dossier,
request, reason, the notice itself, signatures of the requester and the receiving officer).
(app/printing/form05.py is the 2018-numbered form 05, the process control slip.)

A dossier received under the 2018 basis (before 1 July 2025, app.domain.legal_basis) keeps the 2018
numbers on its other forms, but Circular 01/2018 has no stop notice. Whenever such a dossier is
stopped or withdrawn (before or after the cutover), it gets this form, the only stop notice there is,
numbered "Mẫu số 05 (TT 03/2025)": the circular is named because that dossier's control slip is also
"Mẫu số 05", of Circular 01/2018, and the two must not be taken for one another in its folder (short,
to fit at the head right beside the demo mark). An office may print something else through the "form_numbers" setting
(``{"2018": {"stop_notice": …}}``). A 2025-basis dossier prints plain "Mẫu số 05".
"""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, Spacer

from app.printing.common import (
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
from app.printing.data import StopNotice, vn_date_words, vn_datetime_words, vn_place_date
from app.text import nfc

TITLE = "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"


def _request_text(data: StopNotice) -> str:
    what = "rút hồ sơ" if data.withdrawn else "dừng giải quyết hồ sơ"
    ref = f" ({esc(data.request_ref)})" if nfc(data.request_ref) else ""
    return (
        f"{esc(vn_datetime_words(data.requested_at)).capitalize()}, Ông/Bà <b>{esc(data.requester_name)}</b>"
        f" đề nghị {what}{ref}."
    )


def _notice_text(data: StopNotice, unit: str) -> str:
    moment = esc(vn_datetime_words(data.issued_at))
    if data.withdrawn:
        return (
            f"{unit} thông báo dừng giải quyết hồ sơ nêu trên kể từ {moment} và trả lại hồ sơ cho Ông/Bà."
            " Ông/Bà nhận lại hồ sơ giấy tại Bộ phận tiếp nhận và trả kết quả."
        )
    return f"{unit} thông báo dừng giải quyết hồ sơ nêu trên kể từ {moment}."


def _story(data: StopNotice) -> list[Flowable]:
    unit = esc(data.receiving_unit) or "Bộ phận tiếp nhận và trả kết quả"
    return [
        header_block(data.header, vn_place_date(data.header.place_name, data.issued_at)),
        *title_block(TITLE),
        Spacer(1, 4),
        para(f"Kính gửi: Ông/Bà <b>{esc(data.applicant.full_name)}</b>"),
        Spacer(1, 2),
        para(f"Ngày {esc(vn_date_words(data.received_at).removeprefix('ngày '))}, {unit} tiếp nhận hồ sơ của Ông/Bà:"),
        DossierCodes(data.dossier_code),  # "Mã hồ sơ: …" with its barcodes: the notice is filed by scanning
        field("Nội dung yêu cầu giải quyết", data.procedure_name),
        para(_request_text(data)),
        field("Lý do", data.reason),
        para(f"Tại thời điểm đề nghị, hồ sơ ở trạng thái “{esc(data.status_label)}”, chưa có kết quả giải quyết."),
        para(_notice_text(data, unit)),
        para("Xin thông báo để Ông/Bà được biết./."),
        Spacer(1, 8),
        KeepTogether(
            [signature_block(("NGƯỜI ĐỀ NGHỊ", data.requester_name), ("NGƯỜI TIẾP NHẬN", data.officer_name), space=36)]
        ),
    ]


def render(data: StopNotice, out: Output) -> None:
    """Render form 05 (one copy) on A5.

    Args:
        data: The stop or withdrawal as recorded.
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
