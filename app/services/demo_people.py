"""Made-up people for demo data: Vietnamese names, Quảng Ninh addresses and valid personal IDs.

Everything here is invented from a seeded ``random.Random``; the IDs follow the 12-digit rules
of app.domain.idcard (birth-registration province, century and sex digit, birth year) so every
applicant passes the same checks as one typed at the counter. E-mail addresses use the reserved
``example.com`` domain, phone numbers are random: none is meant to reach a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.idcard import PROVINCE_CODES
from app.services.applicant import ApplicantDraft
from app.text import fold

# The most common family names, with rough weights (Nguyễn alone is about a third).
SURNAMES = (
    ("Nguyễn", 31), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Vũ", 4), ("Phan", 4), ("Đặng", 2),
    ("Bùi", 2), ("Đỗ", 2), ("Hồ", 1), ("Ngô", 1), ("Dương", 1), ("Lý", 1), ("Đinh", 1), ("Đào", 1), ("Lương", 1),
    ("Trịnh", 1), ("Mai", 1), ("Tạ", 1),
)  # fmt: skip
MIDDLE = {
    "Nam": ("Văn", "Đức", "Minh", "Quang", "Thành", "Hữu", "Công", "Xuân", "Tiến", "Mạnh", "Ngọc", "Trung"),
    "Nữ": ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Hồng", "Kim", "Bích", "Thuỳ"),
}
GIVEN = {
    "Nam": (
        "Anh", "Bảo", "Cường", "Dũng", "Duy", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khánh", "Khoa",
        "Kiên", "Long", "Lâm", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Thắng",
        "Thành", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ",
    ),
    "Nữ": (
        "An", "Anh", "Châu", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng", "Huyền", "Hương",
        "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh",
        "Thảo", "Thu", "Thuý", "Trang", "Uyên", "Vân", "Yến",
    ),
}  # fmt: skip
# Wards and communes of Quảng Ninh (after the 2025 reorganisation), for addresses.
PLACES = (
    "phường Hồng Gai", "phường Hạ Long", "phường Bãi Cháy", "phường Cao Xanh", "phường Hà Tu", "phường Hoành Bồ",
    "phường Việt Hưng", "phường Tuần Châu", "phường Cẩm Phả", "phường Cửa Ông", "phường Mông Dương",
    "phường Uông Bí", "phường Vàng Danh", "phường Yên Tử", "phường Đông Triều", "phường Mạo Khê",
    "phường Quảng Yên", "phường Móng Cái 1", "xã Tiên Yên", "xã Vân Đồn", "xã Hải Hà", "xã Đầm Hà",
    "xã Bình Liêu", "xã Ba Chẽ", "đặc khu Cô Tô",
)  # fmt: skip
STREETS = (
    "Lê Thánh Tông", "Nguyễn Văn Cừ", "Trần Hưng Đạo", "Lê Lợi", "Hạ Long", "Bến Đoan", "Cao Thắng",
    "Trần Phú", "Quang Trung", "Nguyễn Văn Linh", "Hoàng Quốc Việt", "Bạch Đằng",
)  # fmt: skip
PHONE_PREFIXES = ("091", "094", "088", "098", "097", "096", "086", "090", "093", "089", "070", "079", "083", "085")
# Quảng Ninh-born applicants are most of a Quảng Ninh office's visitors.
HOME_PROVINCE = "022"
OTHER_PROVINCES = tuple(sorted(code for code in PROVINCE_CODES if code != HOME_PROVINCE))
_CENTURY_DIGIT = {(1900, "Nam"): "0", (1900, "Nữ"): "1", (2000, "Nam"): "2", (2000, "Nữ"): "3"}


def personal_id(rng: random.Random, birth: date, sex: str, province: str | None = None) -> str:
    """A 12-digit personal ID ``PPP G YY RRRRRR`` that matches ``birth`` and ``sex`` (1900–2099)."""
    if province is None:
        province = HOME_PROVINCE if rng.random() < 0.8 else rng.choice(OTHER_PROVINCES)
    century = _CENTURY_DIGIT[(birth.year // 100 * 100, sex)]
    return f"{province}{century}{birth.year % 100:02d}{rng.randrange(1_000_000):06d}"


@dataclass(frozen=True, slots=True)
class Person:
    """A made-up citizen."""

    full_name: str
    sex: str
    birth_date: date
    personal_id: str
    address: str
    phone: str
    email: str

    def as_applicant(self) -> ApplicantDraft:
        return ApplicantDraft(self.full_name, self.personal_id, self.birth_date, self.sex, self.address,
                              self.phone, self.email)  # fmt: skip


_SURNAME_NAMES = tuple(name for name, _ in SURNAMES)
_SURNAME_WEIGHTS = tuple(float(weight) for _, weight in SURNAMES)


def full_name(rng: random.Random, sex: str) -> str:
    """Family name, middle name and given name, e.g. "Nguyễn Thị Thu Hương"."""
    surname = rng.choices(_SURNAME_NAMES, _SURNAME_WEIGHTS)[0]
    middle = rng.choice(MIDDLE[sex])
    if sex == "Nữ" and middle == "Thị" and rng.random() < 0.3:
        middle += " " + rng.choice(("Thu", "Minh", "Ngọc", "Thanh"))
    return f"{surname} {middle} {rng.choice(GIVEN[sex])}"


def person(rng: random.Random, today: date) -> Person:
    """A citizen aged 18 to 80 on ``today``, living in Quảng Ninh."""
    sex = "Nam" if rng.random() < 0.5 else "Nữ"
    birth = today - timedelta(days=rng.randrange(18 * 366, 80 * 365))
    name = full_name(rng, sex)
    place = rng.choice(PLACES)
    if rng.random() < 0.5:
        address = f"Số {rng.randrange(1, 300)}, đường {rng.choice(STREETS)}, {place}, tỉnh Quảng Ninh"
    else:
        address = f"Tổ {rng.randrange(1, 40)}, khu {rng.randrange(1, 12)}, {place}, tỉnh Quảng Ninh"
    phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"
    email = ""
    if rng.random() < 0.3:
        given = fold(name.rsplit(" ", 1)[-1]).replace(" ", "")
        email = f"{given}{birth.year % 100:02d}{rng.randrange(100):02d}@example.com"
    return Person(name, sex, birth, personal_id(rng, birth, sex), address, phone, email)
