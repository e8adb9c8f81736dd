"""Applicant details as typed or scanned at the counter, and their validation per applicant kind."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from app.domain.applicant_kinds import (
    DEFAULT_POLICY,
    ApplicantKind,
    ApplicantPolicy,
    is_old_id,
    latin_name_problem,
    nationality_problem,
    organisation_name_problem,
    passport_problem,
    person_name_problem,
    tax_code_problem,
)
from app.domain.contracts import ApplicantPart, RepresentativePart
from app.domain.idcard import IdCardData, validate_personal_id
from app.text import nfc

_PHONE = re.compile(r"^(?:0\d{9,10})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _number(text: str) -> str:
    """An identifier as typed: NFC, no spaces, capitals (passport numbers are printed in capitals)."""
    return re.sub(r"\s", "", nfc(text)).upper()


def _phone(text: str) -> str:
    phone = re.sub(r"[\s.\-()]", "", nfc(text))
    return "0" + phone[3:] if phone.startswith("+84") else phone


@dataclass(frozen=True, slots=True)
class RepresentativeDraft:
    """The person submitting on behalf of the applicant, and the authorisation they hold.

    A Vietnamese citizen is identified by ``personal_id``; a foreigner by ``passport_no`` and
    ``nationality`` (ISO 3166-1 alpha-2): ``by_passport`` says the officer chose a passport (so an
    empty passport number is reported as such, not as a missing personal ID).
    """

    full_name: str = ""
    personal_id: str = ""
    authorisation_ref: str = ""
    phone: str = ""
    passport_no: str = ""
    nationality: str = ""
    by_passport: bool = False

    @property
    def foreign(self) -> bool:
        """Identified by a passport rather than a Vietnamese personal ID."""
        return self.by_passport or bool(self.passport_no.strip() or self.nationality.strip())

    def normalised(self) -> RepresentativeDraft:
        return RepresentativeDraft(
            nfc(self.full_name), _number(self.personal_id), nfc(self.authorisation_ref), _phone(self.phone),
            _number(self.passport_no), _number(self.nationality), self.by_passport,
        )  # fmt: skip

    def has_input(self) -> bool:
        return any(x.strip() for x in (self.full_name, self.personal_id, self.authorisation_ref, self.passport_no))


@dataclass(frozen=True, slots=True)
class ApplicantDraft:
    """What the officer typed (or the ID-card QR filled in) about the applicant.

    ``kind`` says which identifier counts: ``personal_id`` for a citizen, ``passport_no`` and
    ``nationality`` (ISO 3166-1 alpha-2) for a foreigner, ``tax_code`` (with the
    ``legal_representative``) for an organisation; ``representative`` is set when someone else
    submits on the applicant's behalf.
    """

    full_name: str = ""
    personal_id: str = ""
    birth_date: date | None = None
    sex: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    kind: str = ApplicantKind.CITIZEN.value
    passport_no: str = ""
    nationality: str = ""
    tax_code: str = ""
    legal_representative: str = ""
    representative: RepresentativeDraft | None = None

    def normalised(self) -> ApplicantDraft:
        """NFC, trimmed, phone without spaces/dots, ID numbers without spaces (passport in capitals)."""
        return replace(
            self,
            full_name=nfc(self.full_name),
            personal_id=re.sub(r"\s", "", nfc(self.personal_id)),
            sex=nfc(self.sex),
            address=nfc(self.address),
            phone=_phone(self.phone),
            email=nfc(self.email).lower(),
            passport_no=_number(self.passport_no),
            nationality=_number(self.nationality),
            tax_code=_number(self.tax_code),
            legal_representative=nfc(self.legal_representative),
            representative=self.representative.normalised() if self.representative else None,
        )

    @classmethod
    def from_id_card(cls, card: IdCardData) -> ApplicantDraft:
        """Fill a citizen's identity fields from a scanned ID card (phone and e-mail stay empty)."""
        return cls(
            full_name=card.full_name,
            personal_id=card.personal_id,
            birth_date=card.birth_date,
            sex=card.sex,
            address=card.address,
        )

    @property
    def identifier(self) -> str:
        """The number the applicant is known by: ID number, passport number or tax code."""
        if self.kind == ApplicantKind.FOREIGNER:
            return self.passport_no
        if self.kind == ApplicantKind.ORGANISATION:
            return self.tax_code
        return self.personal_id

    def as_payload(self) -> ApplicantPart:
        """The applicant part of a reception event's payload.

        Only the keys the kind uses are set: a citizen submitting in person is written exactly as
        before applicant kinds existed, so every counter and server version reads it.

        Raises:
            pydantic.ValidationError: a field breaks the contract (build it inside
                ``app.services.recorder.building``).
        """
        values: dict[str, Any] = {
            "full_name": self.full_name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else "",
            "sex": self.sex,
            "address": self.address,
            "phone": self.phone,
            "email": self.email,
        }
        if self.kind == ApplicantKind.CITIZEN:
            values["personal_id"] = self.personal_id
        elif self.kind == ApplicantKind.FOREIGNER:
            values.update(kind=self.kind, passport_no=self.passport_no, nationality=self.nationality)
        else:
            values.update(kind=self.kind, tax_code=self.tax_code, birth_date="", sex="")
            if self.legal_representative:
                values["legal_representative"] = self.legal_representative
        r = self.representative
        if r is not None:
            rep: dict[str, Any] = {"full_name": r.full_name, "authorisation_ref": r.authorisation_ref}
            if r.foreign:
                rep.update(passport_no=r.passport_no, nationality=r.nationality)
            else:
                rep["personal_id"] = r.personal_id
            if r.phone:
                rep["phone"] = r.phone
            values["representative"] = RepresentativePart(**rep)
        return ApplicantPart(**values)


def _citizen_id_problem(
    number: str, birth: date | None, sex: str, policy: ApplicantPolicy, *, whose: str = ""
) -> str | None:
    if not number:
        return f"Chưa nhập số định danh cá nhân{whose} (12 chữ số trên thẻ căn cước)."
    if is_old_id(number):
        if policy.old_id:
            return None
        return (
            "Số chứng minh nhân dân cũ (9 chữ số) không dùng được cho thủ tục này: hãy nhập số định danh"
            " cá nhân 12 chữ số trên thẻ căn cước."
        )
    problem = validate_personal_id(number, birth, sex or None)
    if problem and not whose:
        if any(ch.isalpha() for ch in number) and passport_problem(number) is None:
            problem += " Nếu người nộp là người nước ngoài, hãy chọn loại “Người nước ngoài” và nhập số hộ chiếu."
        elif tax_code_problem(number) is None:
            problem += " Nếu là hồ sơ của tổ chức, hãy chọn loại “Tổ chức, doanh nghiệp” và nhập mã số thuế."
    return problem


def _validate_identity(a: ApplicantDraft, policy: ApplicantPolicy, errors: dict[str, str]) -> None:
    """The name and identifier rules of ``a.kind``."""
    if a.kind == ApplicantKind.ORGANISATION:
        if not a.full_name:
            errors["full_name"] = "Chưa nhập tên tổ chức (như trên Giấy chứng nhận đăng ký doanh nghiệp)."
        elif problem := organisation_name_problem(a.full_name):
            errors["full_name"] = problem
        if not a.tax_code:
            errors["tax_code"] = "Chưa nhập mã số doanh nghiệp/mã số thuế của tổ chức (10 chữ số)."
        elif problem := tax_code_problem(a.tax_code):
            errors["tax_code"] = problem
        if a.legal_representative and (problem := person_name_problem(a.legal_representative)):
            errors["legal_representative"] = "Người đại diện theo pháp luật: " + problem[0].lower() + problem[1:]
        return
    if not a.full_name:
        errors["full_name"] = "Chưa nhập họ và tên người nộp hồ sơ."
    elif a.kind == ApplicantKind.FOREIGNER:
        if problem := latin_name_problem(a.full_name):
            errors["full_name"] = problem
    elif problem := person_name_problem(a.full_name):
        errors["full_name"] = problem
    if a.kind == ApplicantKind.FOREIGNER:
        if not a.passport_no:
            errors["passport_no"] = "Chưa nhập số hộ chiếu (hoặc giấy tờ có giá trị đi lại quốc tế)."
        elif problem := passport_problem(a.passport_no):
            errors["passport_no"] = problem
        if problem := nationality_problem(a.nationality):
            errors["nationality"] = problem
        return
    birth = a.birth_date if "birth_date" not in errors else None
    if problem := _citizen_id_problem(a.personal_id, birth, a.sex, policy):
        errors["personal_id"] = problem


def _validate_representative(r: RepresentativeDraft, policy: ApplicantPolicy, errors: dict[str, str]) -> None:
    if not r.full_name:
        errors["rep_full_name"] = "Chưa nhập họ và tên người nộp thay."
    elif problem := (latin_name_problem if r.foreign else person_name_problem)(r.full_name):
        errors["rep_full_name"] = problem
    if r.foreign:
        if not r.passport_no:
            errors["rep_passport_no"] = "Chưa nhập số hộ chiếu của người nộp thay."
        elif problem := passport_problem(r.passport_no):
            errors["rep_passport_no"] = problem
        if not r.nationality:
            errors["rep_nationality"] = "Chưa chọn quốc tịch của người nộp thay."
        elif r.nationality == "VN":
            errors["rep_nationality"] = (
                "Người nộp thay có quốc tịch Việt Nam: chọn giấy tờ “Thẻ căn cước” và nhập số định danh cá nhân."
            )
        elif problem := nationality_problem(r.nationality):
            errors["rep_nationality"] = problem
    elif problem := _citizen_id_problem(r.personal_id, None, "", policy, whose=" của người nộp thay"):
        errors["rep_personal_id"] = problem
    if not r.authorisation_ref:
        errors["rep_authorisation"] = (
            "Chưa ghi giấy ủy quyền của người nộp thay (ví dụ: Giấy ủy quyền ngày 20/11/2026)."
        )
    elif len(r.authorisation_ref) > 300:
        errors["rep_authorisation"] = "Thông tin giấy ủy quyền quá dài (tối đa 300 ký tự)."
    if r.phone and not _PHONE.match(r.phone):
        errors["rep_phone"] = "Số điện thoại gồm 10 hoặc 11 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."


def validate_applicant(draft: ApplicantDraft, today: date, policy: ApplicantPolicy = DEFAULT_POLICY) -> dict[str, str]:
    """Field name → Vietnamese message for every field that is wrong; empty when all is well.

    ``policy`` is the procedure's: which applicant kinds it accepts, whether someone may submit
    on the applicant's behalf, whether the old 9-digit ID number still counts.
    """
    a = draft.normalised()
    errors: dict[str, str] = {}
    if a.kind not in ApplicantKind.__members__.values():
        errors["kind"] = "Loại người nộp hồ sơ không hợp lệ. Hãy chọn trong danh sách."
        return errors
    if not policy.accepts(a.kind):
        accepted = ", ".join(k.label.lower() for k in policy.kinds)
        errors["kind"] = f"Thủ tục này chỉ tiếp nhận hồ sơ của: {accepted}. Hãy chọn lại loại người nộp."
    if a.kind != ApplicantKind.ORGANISATION and a.birth_date is not None:
        if a.birth_date > today:
            errors["birth_date"] = "Ngày sinh không thể sau ngày hôm nay."
        elif a.birth_date.year < today.year - 130:
            errors["birth_date"] = "Ngày sinh quá xa, hãy kiểm tra lại năm sinh."
    if a.sex not in ("", "Nam", "Nữ"):
        errors["sex"] = "Giới tính phải là Nam hoặc Nữ."
    _validate_identity(a, policy, errors)
    if not a.address:
        errors["address"] = (
            "Chưa nhập địa chỉ trụ sở của tổ chức." if a.kind == ApplicantKind.ORGANISATION
            else "Chưa nhập địa chỉ của người nộp hồ sơ."
        )  # fmt: skip
    elif len(a.address) > 300:
        errors["address"] = "Địa chỉ quá dài (tối đa 300 ký tự)."
    if a.phone and not _PHONE.match(a.phone):
        errors["phone"] = "Số điện thoại gồm 10 hoặc 11 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."
    if a.email and (len(a.email) > 200 or not _EMAIL.match(a.email)):
        errors["email"] = "Địa chỉ thư điện tử không hợp lệ (ví dụ ten@example.com)."
    if a.representative is not None:
        if not policy.representative:
            errors["rep_full_name"] = "Thủ tục này không nhận hồ sơ nộp thay: người có tên trên hồ sơ phải tự nộp."
        else:
            _validate_representative(a.representative, policy, errors)
    return errors
