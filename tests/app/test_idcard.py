"""Citizen ID card QR text and the 12-digit personal ID."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.idcard import (
    PROVINCE_CODES,
    IdCardData,
    IdCardQrError,
    looks_like_id_qr,
    normalise_sex,
    parse_id_qr,
    validate_personal_id,
)
from app.errors import UserFacingError

SEVEN = (
    "022090123456|123456789|Nguyễn Văn An|01021990|Nam|Tổ 5, Khu 3, Phường Hồng Gai, TP. Hạ Long, Quảng Ninh|15042021"
)


# -- province codes ---------------------------------------------------------------------------


def test_province_codes() -> None:
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["001"] == "Hà Nội"
    assert PROVINCE_CODES["022"] == "Quảng Ninh"
    assert PROVINCE_CODES["031"] == "Hải Phòng"
    assert PROVINCE_CODES["048"] == "Đà Nẵng"
    assert PROVINCE_CODES["079"] == "TP Hồ Chí Minh"
    assert PROVINCE_CODES["096"] == "Cà Mau"
    assert all(len(code) == 3 and code.isdigit() for code in PROVINCE_CODES)
    assert all(unicodedata.is_normalized("NFC", name) for name in PROVINCE_CODES.values())
    assert len(set(PROVINCE_CODES.values())) == 63


# -- personal id ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "birth", "sex"),
    [
        ("022090123456", date(1990, 2, 1), "Nam"),
        ("001199000001", date(1999, 12, 31), "Nữ"),
        ("079205000001", date(2005, 1, 1), "nam"),
        ("079305000001", date(2005, 1, 1), "NỮ"),
        (" 031285000001 ", None, None),
        ("048999000001", date(1899, 1, 1), "Nữ"),
        ("048899000001", date(1899, 1, 1), "Nam"),
    ],
)
def test_valid_personal_ids(value: str, birth: date | None, sex: str | None) -> None:
    assert validate_personal_id(value, birth, sex) is None


@pytest.mark.parametrize(
    ("value", "birth", "sex", "fragment"),
    [
        ("02209012345", None, None, "12 chữ số"),
        ("02209012345a", None, None, "12 chữ số"),
        ("０２２０９０１２３４５６", None, None, "12 chữ số"),  # full-width digits
        ("003090123456", None, None, "mã tỉnh"),
        ("022090123456", date(2090, 1, 1), None, "năm 1900–1999"),
        ("022290123456", date(1990, 1, 1), None, "năm 2000–2099"),
        ("022091123456", date(1990, 1, 1), None, "hai số cuối năm sinh"),
        ("022090123456", None, "Nữ", "giới tính Nam"),
        ("022190123456", date(1990, 5, 5), "Nam", "giới tính Nữ"),
    ],
)
def test_invalid_personal_ids(value: str, birth: date | None, sex: str | None, fragment: str) -> None:
    message = validate_personal_id(value, birth, sex)
    assert message is not None
    assert fragment in message


def test_normalise_sex() -> None:
    assert normalise_sex("NỮ") == "Nữ"
    assert normalise_sex("nu") == "Nữ"
    assert normalise_sex(unicodedata.normalize("NFD", "Nữ")) == "Nữ"
    assert normalise_sex(" nam ") == "Nam"
    assert normalise_sex("khác") == ""
    assert normalise_sex(None) == ""


# -- QR parsing -------------------------------------------------------------------------------


def test_seven_fields() -> None:
    data = parse_id_qr(SEVEN + "\r\n")
    assert data == IdCardData(
        personal_id="022090123456",
        old_id="123456789",
        full_name="Nguyễn Văn An",
        birth_date=date(1990, 2, 1),
        sex="Nam",
        address="Tổ 5, Khu 3, Phường Hồng Gai, TP. Hạ Long, Quảng Ninh",
        issue_date=date(2021, 4, 15),
        extra=(),
        raw=SEVEN,
        warnings=(),
    )


def test_empty_old_id() -> None:
    data = parse_id_qr("001301012345||Trần Thị Bình|05062001|Nữ|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|20112022\n")
    assert data.old_id == ""
    assert data.sex == "Nữ"
    assert data.birth_date == date(2001, 6, 5)
    assert data.issue_date == date(2022, 11, 20)
    assert data.warnings == ()


def test_six_fields_without_issue_date() -> None:
    data = parse_id_qr("022090123456|123456789|Nguyễn Văn An|01021990|Nam|Hạ Long")
    assert data.old_id == "123456789"
    assert data.address == "Hạ Long"
    assert data.issue_date is None
    assert data.warnings == ("Mã QR không có ngày cấp thẻ.",)


def test_six_fields_without_old_id() -> None:
    data = parse_id_qr("022090123456|Nguyễn Văn An|01021990|nam|Hạ Long|15042021")
    assert data.old_id == ""
    assert data.full_name == "Nguyễn Văn An"
    assert data.sex == "Nam"
    assert data.address == "Hạ Long"
    assert data.issue_date == date(2021, 4, 15)
    assert data.warnings == ()


def test_eight_and_more_fields_kept_in_extra() -> None:
    data = parse_id_qr(SEVEN + "|Nguyễn Văn Bố|Lê Thị Mẹ|")
    assert data.issue_date == date(2021, 4, 15)
    assert data.extra == ("Nguyễn Văn Bố", "Lê Thị Mẹ", "")
    assert data.warnings == ()


def test_nfd_input_comes_out_nfc() -> None:
    data = parse_id_qr(unicodedata.normalize("NFD", SEVEN))
    assert data.full_name == "Nguyễn Văn An"
    assert unicodedata.is_normalized("NFC", data.full_name)
    assert unicodedata.is_normalized("NFC", data.address)
    assert unicodedata.is_normalized("NFC", data.raw)
    assert data.sex == "Nam"


def test_unreadable_fields_give_warnings() -> None:
    data = parse_id_qr("022090123456|12345|  Nguyễn   Văn An |31021990|X|Hạ Long|99999999")
    assert data.full_name == "Nguyễn Văn An"
    assert data.birth_date is None
    assert data.sex == ""
    assert data.issue_date is None
    assert "Ngày sinh trong mã QR không đọc được (“31021990”); nhập ngày sinh theo thẻ." in data.warnings
    assert any("Giới tính" in w for w in data.warnings)
    assert any("Ngày cấp" in w for w in data.warnings)
    assert any("CMND" in w for w in data.warnings)


def test_id_disagreeing_with_birth_date_is_a_warning() -> None:
    data = parse_id_qr("022090123456|123456789|Nguyễn Văn An|01021991|Nữ|Hạ Long|15042021")
    assert len(data.warnings) == 1
    assert "hai số cuối năm sinh" in data.warnings[0]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n",
        "022090123456",
        "hello world",
        "022090123456|123456789|Nguyễn Văn An|01021990|Nam",
        "02209012345|123456789|Nguyễn Văn An|01021990|Nam|Hạ Long|15042021",
        "abc|def|ghi|jkl|mno|pqr|stu",
        "000.01.00.H49-260213-0001",
    ],
)
def test_garbage_raises_user_facing_error(text: str) -> None:
    with pytest.raises(IdCardQrError) as info:
        parse_id_qr(text)
    assert isinstance(info.value, UserFacingError)
    assert info.value.message


def test_looks_like_id_qr() -> None:
    assert looks_like_id_qr(SEVEN)
    assert looks_like_id_qr("022090123456||a|b|c|d")
    assert not looks_like_id_qr("022090123456|a|b|c|d")
    assert not looks_like_id_qr("02209012345|1|a|b|c|d")
    assert not looks_like_id_qr("000.01.00.H49-260213-0001")


_field = st.text(alphabet=st.characters(blacklist_characters="|"), max_size=12)


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(),
        st.lists(
            st.one_of(_field, st.sampled_from(["Nam", "Nữ", "01021990", "022090123456"])),
            min_size=0,
            max_size=10,
        ).map("|".join),
    )
)
def test_parse_only_returns_or_raises_qr_error(text: str) -> None:
    try:
        data = parse_id_qr(text)
    except IdCardQrError as error:
        assert error.message
        return
    assert isinstance(data, IdCardData)
    assert len(data.personal_id) == 12
    assert data.sex in ("Nam", "Nữ", "")


@given(
    old=st.sampled_from(["", "123456789"]),
    name=st.text(alphabet=st.characters(blacklist_characters="|"), max_size=20),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    female=st.booleans(),
    extra=st.lists(st.text(alphabet="abc XYZ", max_size=5), max_size=3),
)
def test_round_trip_realistic(old: str, name: str, birth: date, female: bool, extra: list[str]) -> None:
    digit = (0 if birth.year < 2000 else 2) + int(female)
    personal_id = f"022{digit}{birth.year % 100:02d}000123"
    sex = "Nữ" if female else "Nam"
    text = "|".join([personal_id, old, name, f"{birth:%d%m%Y}", sex, "Hạ Long", "15042021", *extra])
    data = parse_id_qr(text)
    assert data.birth_date == birth
    assert data.sex == sex
    assert data.old_id == old
    assert data.issue_date == date(2021, 4, 15)
    assert data.warnings == (() if data.full_name else ("Mã QR không có họ tên; nhập họ tên theo thẻ.",))
