"""Printed numbers of the custody forms (04, 05/06) and the return receipt: defaults and overrides.

Form numbers are configuration, not constants (DOMAIN.md §3): Circular 03/2025/TT-VPCP numbers
the process control slip "Mẫu số 06" where Circular 01/2018 had "Mẫu số 05". Each dossier prints
the numbers of its own legal basis (app.domain.legal_basis). An office may override any of them
through the same "form_numbers" setting as forms 01-03 (a JSON object keyed by :class:`CustodyForm`
value: flat for the 2025 set, or per basis ``{"2018": {"control": …}}``; the rules are in
app.domain.legal_basis).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from app.domain.legal_basis import Form, LegalBasis, configured_number, form_spec


class CustodyForm(StrEnum):
    """The forms printed along the chain of custody."""

    APOLOGY = "apology"
    CONTROL = "control"
    RETURN_RECEIPT = "return_receipt"
    HANDOVER = "handover"

    @property
    def heading(self) -> str:
        """Title, as printed."""
        return {
            "apology": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            "control": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
            "return_receipt": "BIÊN NHẬN TRẢ KẾT QUẢ GIẢI QUYẾT HỒ SƠ",
            "handover": "BIÊN BẢN BÀN GIAO HỒ SƠ",
        }[self.value]


# Circular 03/2025/TT-VPCP numbering. The return receipt and the handover record have no number
# in the circulars ("" prints none).
DEFAULT_CUSTODY_FORM_NUMBERS: dict[str, str] = {
    CustodyForm.APOLOGY: "Mẫu số 04",
    CustodyForm.CONTROL: "Mẫu số 06",
    CustodyForm.RETURN_RECEIPT: "",
    CustodyForm.HANDOVER: "",
}
# Circular 01/2018/TT-VPCP numbering, for offices still printing the old forms.
CIRCULAR_2018_CUSTODY_FORM_NUMBERS: dict[str, str] = {
    **DEFAULT_CUSTODY_FORM_NUMBERS,
    CustodyForm.CONTROL: "Mẫu số 05",
}


def custody_form_number(
    kind: CustodyForm, overrides: Mapping[str, object] | None = None, basis: LegalBasis = LegalBasis.L2025
) -> str:
    """The number printed on ``kind`` for a dossier of ``basis``: the office's override if it set one
    (a string; ``overrides`` = the "form_numbers" setting), else the basis's number."""
    if kind.value in Form._value2member_map_:
        default = form_spec(Form(kind.value), basis).number
    else:
        default = DEFAULT_CUSTODY_FORM_NUMBERS[kind]  # no number in either circular
    return configured_number(kind.value, basis, overrides, default)


def custody_form_title(kind: CustodyForm, basis: LegalBasis = LegalBasis.L2025) -> str:
    """The title printed on ``kind`` for a dossier of ``basis`` (form 04's changed in 2025)."""
    if kind.value in Form._value2member_map_:
        return form_spec(Form(kind.value), basis).title
    return kind.heading
