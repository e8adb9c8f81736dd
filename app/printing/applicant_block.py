"""The applicant lines of forms 01–03: who the dossier is for, their identifier, who submitted it."""

from __future__ import annotations

from reportlab.platypus import Flowable

from app.printing.common import esc, field, para
from app.printing.data import Applicant
from app.text import nfc


def identifier_line(a: Applicant) -> tuple[str, str]:
    """(label, value) of the identifier line for the applicant's kind.

    A citizen: "Số định danh cá nhân" (or "Số chứng minh nhân dân" for an old 9-digit number); a
    foreigner: "Hộ chiếu số" with the nationality; an organisation: "Mã số doanh nghiệp/MST".
    """
    if a.kind == "organisation":
        return "Mã số doanh nghiệp/MST", a.tax_code or a.personal_id
    if a.kind == "foreigner":
        number = a.passport_no or a.personal_id
        return "Hộ chiếu số", f"{number} (quốc tịch {a.nationality})" if nfc(a.nationality) else number
    if len(nfc(a.personal_id)) == 9:
        return "Số chứng minh nhân dân", a.personal_id
    return "Số định danh cá nhân", a.personal_id


def _on_behalf(a: Applicant) -> str:
    """The "who submitted it" line as markup.

    A citizen: "Người nộp thay: <b>Trần Văn B</b> (Số định danh cá nhân 022…) theo Giấy ủy quyền …";
    a foreigner, whose passport number alone does not identify them:
    "Người nộp thay: <b>John Smith</b>, hộ chiếu số C7654321 (quốc tịch Hoa Kỳ) theo Giấy ủy quyền …".
    """
    rest = ""
    number = nfc(a.representative_id)
    if nfc(a.representative_nationality):  # only a passport holder has one (RepresentativePart)
        rest += f", hộ chiếu số {esc(number)} (quốc tịch {esc(a.representative_nationality)})"
    elif number:
        label = "Số định danh cá nhân" if number.isdigit() else "Hộ chiếu số"
        rest += f" ({label} {esc(number)})"
    if nfc(a.authorisation_ref):
        rest += f" theo {esc(a.authorisation_ref)}"
    return f"Người nộp thay: <b>{esc(a.representative_name)}</b>{rest}"


def applicant_lines(applicant: Applicant) -> list[Flowable]:
    """The applicant lines: "Tiếp nhận hồ sơ của" (bold), the identifier line, the organisation's
    legal representative, who submitted on the applicant's behalf, address, phone and e-mail."""
    a = applicant
    label, value = identifier_line(a)
    lines: list[Flowable] = [para(f"Tiếp nhận hồ sơ của: <b>{esc(a.full_name)}</b>"), field(label, value)]
    if a.kind == "organisation" and nfc(a.legal_representative):
        lines.append(field("Người đại diện theo pháp luật", a.legal_representative))
    if nfc(a.representative_name):
        lines.append(para(_on_behalf(a)))
    lines += [
        field("Địa chỉ trụ sở" if a.kind == "organisation" else "Địa chỉ", a.address),
        para(f"Số điện thoại: {esc(a.phone) or '.' * 20}&nbsp;&nbsp;&nbsp;&nbsp;Email: {esc(a.email) or '.' * 30}"),
    ]
    return lines
