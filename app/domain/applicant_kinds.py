"""Who may submit a dossier: citizens, foreigners, organisations, representatives, and their identifiers.

Pure rules (no store, no Qt): the kinds a procedure accepts, and one validator per identifier that
returns a Vietnamese message saying what is wrong and what to do, or None when the value is right.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from app.resources import resource_path


class ApplicantKind(StrEnum):
    """Who the dossier is for ("Tiếp nhận hồ sơ của"), as stored in the received event."""

    CITIZEN = "citizen"
    FOREIGNER = "foreigner"
    ORGANISATION = "organisation"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


REPRESENTATIVE = "representative"
"""In a procedure's ``applicant_kinds``: a person may submit on behalf of the applicant."""

_KIND_LABELS = {
    ApplicantKind.CITIZEN: "Công dân Việt Nam",
    ApplicantKind.FOREIGNER: "Người nước ngoài",
    ApplicantKind.ORGANISATION: "Tổ chức, doanh nghiệp",
}


@dataclass(frozen=True, slots=True)
class ApplicantPolicy:
    """Which applicants a procedure accepts (catalog ``applicant_kinds`` and ``old_id_allowed``).

    Attributes:
        kinds: The applicant kinds accepted, the first being the procedure's default.
        representative: Whether a person may submit on behalf of the applicant (with an authorisation).
        old_id: Whether the old 9-digit ID card number (CMND) is still accepted for a citizen.
    """

    kinds: tuple[ApplicantKind, ...] = (ApplicantKind.CITIZEN,)
    representative: bool = True
    old_id: bool = False

    @property
    def default_kind(self) -> ApplicantKind:
        return self.kinds[0]

    def accepts(self, kind: str) -> bool:
        return kind in self.kinds

    @classmethod
    def from_names(cls, names: Iterable[str], *, old_id: bool = False) -> ApplicantPolicy:
        """Build from catalog names ("citizen", "foreigner", "organisation", "representative").

        Raises:
            ValueError: an unknown name, or no applicant kind at all.
        """
        names = list(names)
        unknown = [n for n in names if n != REPRESENTATIVE and n not in ApplicantKind.__members__.values()]
        if unknown:
            raise ValueError(", ".join(unknown))
        kinds = tuple(dict.fromkeys(ApplicantKind(n) for n in names if n != REPRESENTATIVE))
        if not kinds:
            raise ValueError("no applicant kind")
        return cls(kinds, REPRESENTATIVE in names, old_id)


DEFAULT_POLICY = ApplicantPolicy()
"""A procedure that says nothing: Vietnamese citizens, in person or through a representative."""

# --- names ------------------------------------------------------------------------------------------

# Between the words of a name: a space, a hyphen, an apostrophe (straight or typographic: H'Hen Niê,
# Y-Moan Ênuôl) or a dot (an initial).
_NAME_SEPARATORS = " -'’."
_ORG_EXTRA = set(" -'’.,&()/+:;\"“”–")


def _is_letter(ch: str) -> bool:
    # Letters and the combining marks of decomposed text (NFD tone marks) both count.
    return unicodedata.category(ch)[0] in "LM"


def _name_shape_ok(name: str) -> bool:
    if not name or name[0] in _NAME_SEPARATORS or name[-1] in _NAME_SEPARATORS.replace(".", ""):
        return False
    previous = ""
    for ch in name:
        if ch in _NAME_SEPARATORS:
            if previous in _NAME_SEPARATORS and not (previous == "." and ch == " "):
                return False
        elif not _is_letter(ch):
            return False
        previous = ch
    return True


def person_name_problem(name: str, *, max_length: int = 100) -> str | None:
    """A Vietnamese message when ``name`` is not a person's name, else None.

    Every letter Vietnamese and the ethnic-minority languages use is accepted (Unicode letters
    and marks), with spaces, hyphens and apostrophes between the words (H'Hen Niê, Y-Moan).
    """
    if len(name) > max_length:
        return f"Họ và tên quá dài (tối đa {max_length} ký tự)."
    if not _name_shape_ok(name):
        return (
            "Họ và tên chỉ gồm chữ cái, dấu cách, dấu gạch nối và dấu nháy đơn (ví dụ H'Hen Niê),"
            " không có chữ số hay ký hiệu khác."
        )
    return None


def latin_name_problem(name: str, *, max_length: int = 100) -> str | None:
    """As :func:`person_name_problem`, and every letter Latin (a foreigner's name as in the passport)."""
    problem = person_name_problem(name, max_length=max_length)
    if problem:
        return problem
    base = unicodedata.normalize("NFD", name)
    if any(unicodedata.category(ch)[0] == "L" and not unicodedata.name(ch, "").startswith("LATIN") for ch in base):
        return "Họ và tên người nước ngoài ghi bằng chữ cái La-tinh như trên hộ chiếu (ví dụ John Smith)."
    return None


def organisation_name_problem(name: str, *, max_length: int = 200) -> str | None:
    """A Vietnamese message when ``name`` cannot be an organisation's name, else None.

    Digits and the punctuation of registered names are allowed ("Công ty TNHH Xây dựng số 1 (Hạ
    Long)", "Công ty CP 3T & Cộng sự"); at least one letter is required.
    """
    if len(name) > max_length:
        return f"Tên tổ chức quá dài (tối đa {max_length} ký tự)."
    if not any(_is_letter(ch) for ch in name):
        return "Tên tổ chức phải có chữ cái, ghi như trên Giấy chứng nhận đăng ký doanh nghiệp."
    bad = sorted({ch for ch in name if not (_is_letter(ch) or ch.isdigit() or ch in _ORG_EXTRA)})
    if bad:
        return "Tên tổ chức có ký tự không dùng được: " + " ".join(bad) + ". Hãy ghi như trên giấy đăng ký."
    return None


# --- identifiers ------------------------------------------------------------------------------------

_OLD_ID = re.compile(r"^\d{9}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{6,9}$")
_TAX_CODE = re.compile(r"^(\d{10})(?:-(\d{3}))?$")

# The weights of the tax code's check digit (the 10th digit) over the first nine digits. The rule
# (10 - weighted sum mod 11; a remainder of 0 gives no valid code) is the one of python-stdnum's
# stdnum/vn/mst.py and the npm "stdnum" port (src/vn/mst.ts: weightedSum(..., {modulus: 11,
# weights: [31, 29, 23, 19, 17, 13, 7, 5, 3]}), check = 10 - sum), for
# the 10-digit code of an organisation whose 10th digit is computed from the first nine (the
# PyPI package vn-ident describes the same check: mst_check_digit("010004751") == 6).
TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_code_check_digit(first_nine: str) -> int | None:
    """The 10th digit of a tax code starting with ``first_nine``; None when no code can start so."""
    remainder = sum(int(d) * w for d, w in zip(first_nine, TAX_CODE_WEIGHTS, strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


def tax_code_problem(code: str) -> str | None:
    """A Vietnamese message when ``code`` is not an enterprise/tax code, else None.

    10 digits (the enterprise code is its tax code), or 10 digits, a hyphen and 3 digits for a
    branch or dependent unit (``0100109106-001``); the 10th digit is the check digit.
    """
    match = _TAX_CODE.match(code)
    if match is None:
        return (
            "Mã số doanh nghiệp/mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số"
            " đối với chi nhánh (ví dụ 0100109106 hoặc 0100109106-001)."
        )
    main, branch = match[1], match[2]
    if main[2:9] == "0000000" or branch == "000":
        return "Mã số doanh nghiệp/mã số thuế không hợp lệ. Hãy đối chiếu Giấy chứng nhận đăng ký doanh nghiệp."
    if tax_code_check_digit(main[:9]) != int(main[9]):
        return (
            "Mã số doanh nghiệp/mã số thuế sai chữ số kiểm tra (chữ số thứ 10). Hãy đối chiếu lại"
            " Giấy chứng nhận đăng ký doanh nghiệp."
        )
    return None


def passport_problem(number: str) -> str | None:
    """A Vietnamese message when ``number`` is not a passport/travel document number, else None."""
    if not _PASSPORT.match(number):
        return (
            "Số hộ chiếu (hoặc giấy tờ có giá trị đi lại quốc tế) gồm 6 đến 9 chữ cái in hoa"
            " không dấu và chữ số, ví dụ C1234567."
        )
    return None


def old_id_problem(number: str) -> str | None:
    """A Vietnamese message when ``number`` is not an old 9-digit ID card number (CMND), else None."""
    if not _OLD_ID.match(number):
        return "Số chứng minh nhân dân cũ gồm đúng 9 chữ số."
    return None


def is_old_id(number: str) -> bool:
    return bool(_OLD_ID.match(number))


# --- nationalities ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Nationality:
    """A country of ISO 3166-1 with its Vietnamese name (resources/reference/nationalities.json)."""

    code: str
    alpha3: str
    name_vi: str
    name_en: str

    @property
    def label(self) -> str:
        """ "Hoa Kỳ (US)": what the nationality list shows."""
        return f"{self.name_vi} ({self.code})"


@cache
def nationalities() -> Mapping[str, Nationality]:
    """Every ISO 3166-1 country by alpha-2 code, in the order of their Vietnamese names."""
    data = json.loads(resource_path("reference", "nationalities.json").read_text(encoding="utf-8"))
    items = [Nationality(c["code"], c["alpha3"], c["name_vi"], c["name_en"]) for c in data["countries"]]
    items.sort(key=lambda n: unicodedata.normalize("NFD", n.name_vi).casefold())
    return {n.code: n for n in items}


def nationality_problem(code: str) -> str | None:
    """A Vietnamese message when ``code`` is not an ISO 3166-1 country (or is Viet Nam), else None."""
    if not code:
        return "Chưa chọn quốc tịch của người nước ngoài."
    if code == "VN":
        return "Người có quốc tịch Việt Nam là công dân: hãy chọn loại người nộp “Công dân Việt Nam”."
    if code not in nationalities():
        return "Quốc tịch không có trong danh sách các nước (ISO 3166). Hãy chọn trong danh sách."
    return None


def nationality_name(code: str) -> str:
    """The Vietnamese name of a country code ("US" → "Hoa Kỳ"); the code itself if unknown."""
    found = nationalities().get(code)
    return found.name_vi if found else code
