"""Citizen ID card (CCCD / thẻ căn cước): the 12-digit personal ID and the card's QR text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from app.errors import UserFacingError
from app.text import fold, nfc

PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "TP Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}
"""Birth-registration province codes (Circular 07/2016/TT-BCA, 59/2021/TT-BCA): the first three
digits of a personal ID. Still valid after the 2025 province mergers: they record where the
birth was registered, under the provinces of that time."""

# Fourth digit → (century, sex). Even = male, odd = female.
_CENTURY_SEX: dict[str, tuple[int, str]] = {
    "0": (1900, "Nam"),
    "1": (1900, "Nữ"),
    "2": (2000, "Nam"),
    "3": (2000, "Nữ"),
    "4": (2100, "Nam"),
    "5": (2100, "Nữ"),
    "6": (2200, "Nam"),
    "7": (2200, "Nữ"),
    "8": (1800, "Nam"),
    "9": (1800, "Nữ"),
}

_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
_LOOKS_LIKE_QR = re.compile(r"\s*[0-9]{12}\|")
_DATE_SEPARATORS = re.compile(r"[/.\-\s]")
_SEX_WORDS = {"nam": "Nam", "male": "Nam", "m": "Nam", "nu": "Nữ", "female": "Nữ", "f": "Nữ"}


def normalise_sex(value: str | None) -> str:
    """ "Nam" or "Nữ" from any spelling ("nam", "NỮ", "nu", "Female" …); "" when unknown."""
    return _SEX_WORDS.get(fold(value), "")


def validate_personal_id(value: str, birth_date: date | None = None, sex: str | None = None) -> str | None:
    """Check a 12-digit personal ID (PPP G YY RRRRRR), optionally against birth date and sex.

    Args:
        value: The personal ID as typed or scanned.
        birth_date: When given, the century digit and YY must match its year.
        sex: "Nam" or "Nữ" (any spelling); when given, must match the sex digit.

    Returns:
        None when valid, else a Vietnamese message saying what is wrong.
    """
    text = nfc(value)
    if not _TWELVE_DIGITS.fullmatch(text):
        return f"Số định danh cá nhân phải gồm đúng 12 chữ số (đang nhập “{text}”). Kiểm tra lại trên thẻ."
    province = text[:3]
    if province not in PROVINCE_CODES:
        return (
            f"Ba chữ số đầu “{province}” của số định danh không phải mã tỉnh nơi đăng ký khai sinh."
            " Kiểm tra lại số trên thẻ."
        )
    century, encoded_sex = _CENTURY_SEX[text[3]]
    if birth_date is not None:
        if birth_date.year // 100 * 100 != century:
            return (
                f"Chữ số thứ tư “{text[3]}” của số định danh ứng với người sinh năm {century}–{century + 99},"
                f" nhưng ngày sinh là {birth_date:%d/%m/%Y}. Kiểm tra lại số định danh hoặc ngày sinh."
            )
        if int(text[4:6]) != birth_date.year % 100:
            return (
                f"Chữ số thứ năm và sáu “{text[4:6]}” của số định danh phải là hai số cuối năm sinh"
                f" ({birth_date.year % 100:02d}). Kiểm tra lại số định danh hoặc ngày sinh."
            )
    given_sex = normalise_sex(sex)
    if given_sex and given_sex != encoded_sex:
        return (
            f"Chữ số thứ tư “{text[3]}” của số định danh ứng với giới tính {encoded_sex},"
            f" nhưng giới tính đã nhập là {given_sex}. Kiểm tra lại số định danh hoặc giới tính."
        )
    return None


class IdCardQrError(UserFacingError):
    """The scanned text is not the QR code of a citizen ID card."""


@dataclass(frozen=True, slots=True)
class IdCardData:
    """What a citizen ID card's QR code says.

    Attributes:
        personal_id: 12-digit personal ID.
        old_id: Old 9-digit ID (CMND), "" when absent.
        full_name: Full name, NFC.
        birth_date: Birth date, None when unreadable.
        sex: "Nam", "Nữ" or "" when unreadable.
        address: Permanent address.
        issue_date: Card issue date, None when absent or unreadable.
        extra: Fields after the issue date (newer cards may add some), in order.
        raw: The scanned text, NFC, without surrounding whitespace.
        warnings: Vietnamese notes about fields that could not be read or do not agree.
    """

    personal_id: str
    old_id: str
    full_name: str
    birth_date: date | None
    sex: str
    address: str
    issue_date: date | None
    extra: tuple[str, ...]
    raw: str
    warnings: tuple[str, ...]


def looks_like_id_qr(text: str) -> bool:
    """Cheap check: 12 digits then "|", and at least five "|" in all."""
    return bool(_LOOKS_LIKE_QR.match(text)) and text.count("|") >= 5


def _parse_date(value: str) -> date | None:
    digits = _DATE_SEPARATORS.sub("", value)
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        return None
    try:
        return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        return None


def _sex_position(fields: list[str]) -> int:
    """Index of the sex field: the first "Nam"/"Nữ" right after a date, at 3 or 4; else 4."""
    for index in (4, 3):
        if index < len(fields) and normalise_sex(fields[index]) and _parse_date(fields[index - 1]):
            return index
    return 4


def parse_id_qr(text: str) -> IdCardData:
    """Parse the text a scanner reads from a citizen ID card's QR code (DOMAIN.md §6).

    The usual layout is ``ID12|OldID|Name|DDMMYYYY|Nam/Nữ|Address|DDMMYYYY``; the old ID may be
    empty or missing (six fields), the issue date may be missing, and fields after it are kept
    in ``extra``. Unreadable dates or sex become None/"" with a warning; an ID that disagrees
    with the birth date or sex gives a warning too.

    Raises:
        IdCardQrError: The text is not an ID card QR (no "|", fewer than six fields, or the
            first field is not 12 digits). No other exception is raised.
    """
    if not isinstance(text, str):
        raise IdCardQrError("Không đọc được dữ liệu từ máy quét. Quét lại mã QR trên thẻ căn cước.")
    raw = unicodedata.normalize("NFC", text).strip().lstrip("\ufeff").strip()
    if "|" not in raw:
        raise IdCardQrError(
            "Đây không phải mã QR trên thẻ căn cước (không có dấu “|” ngăn cách các thông tin)."
            " Quét lại mã QR trên thẻ hoặc nhập tay."
        )
    fields = [nfc(part) for part in raw.split("|")]
    if len(fields) < 6:
        raise IdCardQrError(
            f"Mã QR chỉ có {len(fields)} thông tin, mã trên thẻ căn cước có ít nhất 6."
            " Quét lại cho trọn mã hoặc nhập tay."
        )
    personal_id = fields[0]
    if not _TWELVE_DIGITS.fullmatch(personal_id):
        raise IdCardQrError(
            "Thông tin đầu tiên trong mã QR không phải số định danh 12 chữ số."
            " Quét lại mã QR trên thẻ căn cước hoặc nhập tay."
        )

    sex_at = _sex_position(fields)
    old_id = fields[sex_at - 3] if sex_at == 4 else ""
    full_name = fields[sex_at - 2]
    birth_text = fields[sex_at - 1]
    sex_text = fields[sex_at]
    address = fields[sex_at + 1] if sex_at + 1 < len(fields) else ""
    issue_text = fields[sex_at + 2] if sex_at + 2 < len(fields) else ""
    extra = tuple(fields[sex_at + 3 :])

    warnings: list[str] = []
    if old_id and not (old_id.isascii() and old_id.isdigit() and len(old_id) in (9, 12)):
        warnings.append(f"Số CMND cũ trong mã QR không hợp lệ (“{old_id}”).")
    if not full_name:
        warnings.append("Mã QR không có họ tên; nhập họ tên theo thẻ.")
    birth_date = _parse_date(birth_text)
    if birth_date is None:
        warnings.append(f"Ngày sinh trong mã QR không đọc được (“{birth_text}”); nhập ngày sinh theo thẻ.")
    sex = normalise_sex(sex_text)
    if not sex:
        warnings.append(f"Giới tính trong mã QR không đọc được (“{sex_text}”); chọn giới tính theo thẻ.")
    if not address:
        warnings.append("Mã QR không có địa chỉ; nhập địa chỉ theo thẻ.")
    issue_date = _parse_date(issue_text) if issue_text else None
    if issue_text and issue_date is None:
        warnings.append(f"Ngày cấp thẻ trong mã QR không đọc được (“{issue_text}”).")
    elif not issue_text:
        warnings.append("Mã QR không có ngày cấp thẻ.")
    problem = validate_personal_id(personal_id, birth_date, sex or None)
    if problem:
        warnings.append(problem)

    return IdCardData(
        personal_id=personal_id,
        old_id=old_id,
        full_name=full_name,
        birth_date=birth_date,
        sex=sex,
        address=address,
        issue_date=issue_date,
        extra=extra,
        raw=raw,
        warnings=tuple(warnings),
    )
