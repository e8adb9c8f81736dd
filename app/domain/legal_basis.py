"""The legal basis of a dossier: the decree and circular in force when it was received, and their forms.

Decree 61/2018/NĐ-CP with Circular 01/2018/TT-VPCP governed one-stop reception until 30 June 2025;
Decree 118/2025/NĐ-CP with Circular 03/2025/TT-VPCP from 1 July 2025 00:00 (office local time, as
every moment in this program). A dossier keeps the set in force when it was received (DOMAIN.md §9):
its forms print with that set's numbers and titles now and on any reprint (DOMAIN.md §3 table).

The basis is recorded on the reception decision (``legal_basis`` in
:class:`app.domain.contracts.DecisionPayload`) and in the ``dossier.legal_basis`` column; an event
written before it was recorded has none, and its basis is derived from its reception time
(:func:`basis_of`), as client migration 0013 back-filled the column.

Numbers are configuration (DOMAIN.md §3). The office setting ``form_numbers`` (a JSON object) may
override them; :func:`form_number` reads it:

* **per basis**: ``{"2018": {"control": "Mẫu số 05"}, "2025": {"register": "Mẫu số 07"}}`` — the
  number of that form on dossiers of that basis;
* **flat** (the older setting, written before dossiers had a basis, when the program printed the set
  then in force): ``{"control": "Mẫu số 06", "receipt": "Mẫu số 01"}`` — applies to the **2025** set
  only, so a 2018-basis dossier keeps its own numbers;
* a per-basis value wins over a flat one; a value that is not a text is ignored (the default prints).

The keys are :class:`Form` values (``receipt``, ``supplement``, ``refusal``, ``apology``,
``stop_notice``, ``control``, ``register``) plus any printed paper without a number in the
circulars (``return_receipt``, ``handover``), which prints no number unless the office sets one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from app.text import nfc

CUTOVER = datetime(2025, 7, 1)
"""First moment of the 2025 basis (1 July 2025 00:00, office local time)."""


class LegalBasis(StrEnum):
    """The two sets of rules a dossier may be received under; the value is stored and synced."""

    L2018 = "2018"
    L2025 = "2025"

    @property
    def decree(self) -> str:
        return {"2018": "Nghị định 61/2018/NĐ-CP", "2025": "Nghị định 118/2025/NĐ-CP"}[self.value]

    @property
    def circular(self) -> str:
        return {"2018": "Thông tư 01/2018/TT-VPCP", "2025": "Thông tư 03/2025/TT-VPCP"}[self.value]

    @property
    def circular_short(self) -> str:
        """ "TT 03/2025": the circular where a form number names it (it must fit beside the demo mark)."""
        return {"2018": "TT 01/2018", "2025": "TT 03/2025"}[self.value]

    @property
    def citation(self) -> str:
        """ "Nghị định 118/2025/NĐ-CP, Thông tư 03/2025/TT-VPCP": the "Căn cứ" line of the dossier."""
        return f"{self.decree}, {self.circular}"


class Form(StrEnum):
    """The numbered forms of the circulars; the value is the key in the ``form_numbers`` setting."""

    RECEIPT = "receipt"
    SUPPLEMENT = "supplement"
    REFUSAL = "refusal"
    APOLOGY = "apology"
    STOP_NOTICE = "stop_notice"
    CONTROL = "control"
    REGISTER = "register"


@dataclass(frozen=True, slots=True)
class FormSpec:
    """A form of one set: its printed number and title (capitals, as printed)."""

    number: str
    title: str


_RECEIPT = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
_SUPPLEMENT = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
_REFUSAL = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"
_CONTROL = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
_REGISTER = "SỔ THEO DÕI HỒ SƠ"

FORM_SETS: Mapping[LegalBasis, Mapping[Form, FormSpec]] = MappingProxyType(
    {
        LegalBasis.L2018: MappingProxyType(
            {
                Form.RECEIPT: FormSpec("Mẫu số 01", _RECEIPT),
                Form.SUPPLEMENT: FormSpec("Mẫu số 02", _SUPPLEMENT),
                Form.REFUSAL: FormSpec("Mẫu số 03", _REFUSAL),
                Form.APOLOGY: FormSpec("Mẫu số 04", "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"),
                Form.CONTROL: FormSpec("Mẫu số 05", _CONTROL),
                Form.REGISTER: FormSpec("Mẫu số 06", _REGISTER),
            }
        ),
        LegalBasis.L2025: MappingProxyType(
            {
                Form.RECEIPT: FormSpec("Mẫu số 01", _RECEIPT),
                Form.SUPPLEMENT: FormSpec("Mẫu số 02", _SUPPLEMENT),
                Form.REFUSAL: FormSpec("Mẫu số 03", _REFUSAL),
                Form.APOLOGY: FormSpec("Mẫu số 04", "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"),
                Form.STOP_NOTICE: FormSpec("Mẫu số 05", "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"),
                Form.CONTROL: FormSpec("Mẫu số 06", _CONTROL),
                Form.REGISTER: FormSpec("Mẫu số 07", _REGISTER),
            }
        ),
    }
)
"""Each set's forms (DOMAIN.md §3). Circular 01/2018 has no stop notice: see :func:`form_spec`."""


def basis_for(received_at: datetime) -> LegalBasis:
    """The basis in force at ``received_at`` (naive office local time)."""
    return LegalBasis.L2018 if received_at < CUTOVER else LegalBasis.L2025


def basis_of(recorded: object, received_at: datetime) -> LegalBasis:
    """A dossier's basis: the one recorded on it ("2018" or "2025"), else (an older event, a row not
    back-filled, anything else) the one in force at its reception time."""
    if isinstance(recorded, str) and recorded in LegalBasis._value2member_map_:
        return LegalBasis(recorded)
    return basis_for(received_at)


def form_spec(form: Form, basis: LegalBasis) -> FormSpec:
    """The number and title of ``form`` in ``basis``'s set.

    The 2018 set has no stop notice: a 2018-basis dossier gets the only one there is, form 05 of
    Circular 03/2025, its number naming the circular ("Mẫu số 05 (TT 03/2025)") so that it is not
    taken for that dossier's control slip, which is "Mẫu số 05" of Circular 01/2018.
    """
    spec = FORM_SETS[basis].get(form)
    if spec is not None:
        return spec
    current = FORM_SETS[LegalBasis.L2025][form]
    return FormSpec(f"{current.number} ({LegalBasis.L2025.circular_short})", current.title)


def form_title(form: Form, basis: LegalBasis) -> str:
    """The title ``form`` prints under ``basis`` (capitals)."""
    return form_spec(form, basis).title


def configured_number(key: str, basis: LegalBasis, setting: object, default: str) -> str:
    """The number an office configured for paper ``key`` under ``basis`` (``setting`` = the value of
    the ``form_numbers`` setting, any JSON), else ``default``. Rules: the module docstring."""
    if not isinstance(setting, Mapping):
        return default
    per_basis = setting.get(basis.value)
    if isinstance(per_basis, Mapping) and isinstance(per_basis.get(key), str):
        return nfc(per_basis[key])
    flat = setting.get(key)
    if basis is LegalBasis.L2025 and isinstance(flat, str):
        return nfc(flat)
    return default


def form_number(form: Form, basis: LegalBasis, setting: object = None) -> str:
    """The number ``form`` prints on a dossier of ``basis``: the office's override, else the set's."""
    return configured_number(form.value, basis, setting, form_spec(form, basis).number)
