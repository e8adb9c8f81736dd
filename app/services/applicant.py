"""Applicant details as typed or scanned at the counter, and their validation."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from app.domain.contracts import ApplicantPart
from app.domain.idcard import IdCardData, validate_personal_id
from app.text import nfc

_PHONE = re.compile(r"^(?:0\d{9,10})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*$")


@dataclass(frozen=True, slots=True)
class ApplicantDraft:
    """What the officer typed (or the ID-card QR filled in) about the applicant."""

    full_name: str = ""
    personal_id: str = ""
    birth_date: date | None = None
    sex: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""

    def normalised(self) -> ApplicantDraft:
        """NFC, trimmed, phone without spaces/dots, ID number without spaces."""
        phone = re.sub(r"[\s.\-()]", "", nfc(self.phone))
        if phone.startswith("+84"):
            phone = "0" + phone[3:]
        return replace(
            self,
            full_name=nfc(self.full_name),
            personal_id=re.sub(r"\s", "", nfc(self.personal_id)),
            sex=nfc(self.sex),
            address=nfc(self.address),
            phone=phone,
            email=nfc(self.email).lower(),
        )

    @classmethod
    def from_id_card(cls, card: IdCardData) -> ApplicantDraft:
        """Fill the identity fields from a scanned ID card (phone and e-mail stay empty)."""
        return cls(
            full_name=card.full_name,
            personal_id=card.personal_id,
            birth_date=card.birth_date,
            sex=card.sex,
            address=card.address,
        )

    def as_payload(self) -> ApplicantPart:
        """The applicant part of a reception event's payload.

        Raises:
            pydantic.ValidationError: a field breaks the contract (build it inside
                ``app.services.recorder.building``).
        """
        return ApplicantPart(
            full_name=self.full_name,
            personal_id=self.personal_id,
            birth_date=self.birth_date.isoformat() if self.birth_date else "",
            sex=self.sex,
            address=self.address,
            phone=self.phone,
            email=self.email,
        )


def validate_applicant(draft: ApplicantDraft, today: date) -> dict[str, str]:
    """Field name → Vietnamese message for every field that is wrong; empty when all is well."""
    a = draft.normalised()
    errors: dict[str, str] = {}
    if not a.full_name:
        errors["full_name"] = "Chưa nhập họ và tên người nộp hồ sơ."
    elif len(a.full_name) > 100 or not _NAME.match(a.full_name):
        errors["full_name"] = "Họ và tên chỉ gồm chữ cái và dấu cách (tối đa 100 ký tự)."
    if a.birth_date is not None:
        if a.birth_date > today:
            errors["birth_date"] = "Ngày sinh không thể sau ngày hôm nay."
        elif a.birth_date.year < today.year - 130:
            errors["birth_date"] = "Ngày sinh quá xa, hãy kiểm tra lại năm sinh."
    if a.sex not in ("", "Nam", "Nữ"):
        errors["sex"] = "Giới tính phải là Nam hoặc Nữ."
    if not a.personal_id:
        errors["personal_id"] = "Chưa nhập số định danh cá nhân (12 chữ số trên thẻ căn cước)."
    else:
        message = validate_personal_id(
            a.personal_id,
            a.birth_date if "birth_date" not in errors else None,
            a.sex or None,
        )
        if message:
            errors["personal_id"] = message
    if not a.address:
        errors["address"] = "Chưa nhập địa chỉ của người nộp hồ sơ."
    elif len(a.address) > 300:
        errors["address"] = "Địa chỉ quá dài (tối đa 300 ký tự)."
    if a.phone and not _PHONE.match(a.phone):
        errors["phone"] = "Số điện thoại gồm 10 hoặc 11 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."
    if a.email and (len(a.email) > 200 or not _EMAIL.match(a.email)):
        errors["email"] = "Địa chỉ thư điện tử không hợp lệ (ví dụ ten@example.com)."
    return errors
