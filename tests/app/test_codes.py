"""Unit identifiers and dossier codes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.codes import (
    DOSSIER_CODE_RE,
    MAX_DAILY_SEQUENCE,
    UNIT_CODE_RE,
    DossierCode,
    format_dossier_code,
    is_dossier_code,
    parse_dossier_code,
    validate_unit_code,
)
from app.errors import UserFacingError


def test_patterns() -> None:
    assert UNIT_CODE_RE.match("000.00.00.H49")
    assert not UNIT_CODE_RE.match("000.00.00.h49")
    assert DOSSIER_CODE_RE.match("000.01.00.H49-260213-0001")
    assert not DOSSIER_CODE_RE.match("000.01.00.H49-260213-001")
    assert not UNIT_CODE_RE.match("٠٠٠.00.00.H49")  # Arabic-Indic digits are not digits here
    assert MAX_DAILY_SEQUENCE == 9999


def test_validate_unit_code_normalises() -> None:
    assert validate_unit_code("  000.00.00.h49 ") == "000.00.00.H49"


@pytest.mark.parametrize("bad", ["", "H49", "000.00.00.H4", "000-00-00-H49", "1.001234", "000.00.00.H49-"])
def test_validate_unit_code_rejects(bad: str) -> None:
    with pytest.raises(UserFacingError, match=r"000\.00\.00\.H49"):
        validate_unit_code(bad)


def test_format_dossier_code() -> None:
    assert format_dossier_code("000.01.00.H49", date(2026, 2, 13), 1) == "000.01.00.H49-260213-0001"
    assert format_dossier_code("000.01.00.h49", date(2026, 2, 13), 9999) == "000.01.00.H49-260213-9999"


def test_format_dossier_code_used_up() -> None:
    with pytest.raises(UserFacingError) as info:
        format_dossier_code("000.01.00.H49", date(2026, 2, 13), 10000)
    assert "9.999" in info.value.message
    assert "13/02/2026" in info.value.message
    assert "dùng hết" in info.value.message


@pytest.mark.parametrize("seq", [0, -1])
def test_format_dossier_code_rejects_low_sequence(seq: int) -> None:
    with pytest.raises(UserFacingError):
        format_dossier_code("000.01.00.H49", date(2026, 2, 13), seq)


def test_parse_dossier_code_tolerant() -> None:
    expected = DossierCode("000.01.00.H49", date(2026, 2, 13), 42)
    assert parse_dossier_code("000.01.00.H49-260213-0042") == expected
    assert parse_dossier_code("  000.01.00.h49-260213-0042\r\n") == expected
    assert str(expected) == "000.01.00.H49-260213-0042"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "000.01.00.H49-261313-0001",
        "000.01.00.H49-260230-0001",
        "000.01.00.H49-260213-0000",
        "000.01.00.H49-260213-00001",
        "1.001234",
    ],
)
def test_parse_dossier_code_rejects(text: str) -> None:
    assert parse_dossier_code(text) is None
    assert not is_dossier_code(text)


@given(
    unit=st.from_regex(r"\A[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}\Z"),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    seq=st.integers(min_value=1, max_value=MAX_DAILY_SEQUENCE),
)
def test_round_trip(unit: str, day: date, seq: int) -> None:
    code = format_dossier_code(unit, day, seq)
    assert DOSSIER_CODE_RE.match(code)
    assert parse_dossier_code(code) == DossierCode(unit, day, seq)


@given(st.text())
def test_parse_never_raises(text: str) -> None:
    result = parse_dossier_code(text)
    assert result is None or isinstance(result, DossierCode)
