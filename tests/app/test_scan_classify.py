"""Classifying scanned text: dossier codes, ID-card QR, handover batch ids, and everything else."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.scan import (
    BATCH_PREFIX,
    SHOWN_MAX,
    Scan,
    ScanKind,
    ScannerSettings,
    classify,
    validate_settings,
)

QR = "001099012345|012345678|Nguyễn Văn An|01011999|Nam|12 Hàng Bạc, Hoàn Kiếm, Hà Nội|15082021"


def test_dossier_code_is_normalised() -> None:
    scan = classify("  000.00.00.h49-260213-0001\r\n")
    assert scan.kind is ScanKind.DOSSIER
    assert scan.value == "000.00.00.H49-260213-0001"
    assert scan.dossier is not None and scan.dossier.day == date(2026, 2, 13) and scan.dossier.seq == 1
    assert scan.ok and not scan.repaired
    assert "000.00.00.H49-260213-0001" in scan.message


def test_prefix_and_suffix_control_characters_are_dropped() -> None:
    scan = classify("\x02000.00.00.H49-260213-0042\x03\t")
    assert scan.kind is ScanKind.DOSSIER and scan.value == "000.00.00.H49-260213-0042"
    assert scan.raw == "000.00.00.H49-260213-0042"


def test_id_card_qr() -> None:
    scan = classify(QR + "\n")
    assert scan.kind is ScanKind.ID_CARD
    assert scan.value == "001099012345"
    assert scan.id_card is not None and scan.id_card.full_name == "Nguyễn Văn An"
    assert "Nguyễn Văn An" in scan.message and "001099012345" in scan.message


def test_decomposed_qr_is_stored_nfc() -> None:
    scan = classify(unicodedata.normalize("NFD", QR))
    assert scan.id_card is not None
    assert scan.id_card.full_name == "Nguyễn Văn An"
    assert unicodedata.is_normalized("NFC", scan.raw)


def test_broken_qr_says_why() -> None:
    scan = classify("001099012345|Nguyễn Văn An|01011999")
    assert scan.kind is ScanKind.UNKNOWN
    assert "ít nhất 6" in scan.message


def test_batch_id() -> None:
    scan = classify(f"{BATCH_PREFIX}20261123-0007")
    assert scan.kind is ScanKind.BATCH
    assert scan.value == "20261123-0007"
    assert "BG-20261123-0007" in scan.message


def test_label_code128_without_separators_is_a_dossier_code() -> None:
    # The folder label's Code128 drops "." and "-" to fit 50 mm (app/printing/labels.py).
    scan = classify("0000100H492611220007")
    assert scan.kind is ScanKind.DOSSIER and scan.value == "000.01.00.H49-261122-0007"
    assert classify("0000100H492613220007").kind is ScanKind.UNKNOWN  # month 13


def test_batch_uuid_keeps_its_lower_case_id() -> None:
    batch_id = "0190a3c2-7b1e-7a2b-8c3d-0123456789ab"
    for text in (f"BG-{batch_id}", f"bg-{batch_id.upper()}"):
        scan = classify(text)
        assert scan.kind is ScanKind.BATCH and scan.value == batch_id


@pytest.mark.parametrize("text", ["BG-", "BG-12/3", "BG--1", "BG-" + "9" * 70])
def test_bad_batch_ids(text: str) -> None:
    scan = classify(text)
    assert scan.kind is ScanKind.UNKNOWN
    assert "biên bản bàn giao" in scan.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("000.00.00.H49-261332-0001", "ngày nhận hoặc số thứ tự không hợp lệ"),  # 32 Dec
        ("000.00.00.H49-260213-0000", "ngày nhận hoặc số thứ tự không hợp lệ"),
        ("000.00.00.H49-260213-001", "thiếu hoặc thừa chữ số"),
        ("001099012345", "số định danh cá nhân"),
        ("8934567890123", "không phải mã hồ sơ"),  # an EAN-13 off a product
        ("", "không gửi ký tự nào"),
        ("\r\n", "không gửi ký tự nào"),
    ],
)
def test_unknown_scans_say_what_and_what_to_do(text: str, expected: str) -> None:
    scan = classify(text)
    assert scan.kind is ScanKind.UNKNOWN and not scan.ok
    assert expected in scan.message
    assert "Quét" in scan.message or "quét" in scan.message


def test_unknown_message_quotes_the_scan_shortened() -> None:
    long = "X" * 200
    scan = classify(long)
    assert "“" + "X" * (SHOWN_MAX - 1) + "…”" in scan.message
    assert scan.raw == long


def test_telex_w_becomes_u_horn_and_is_repaired() -> None:
    # Unit letter W typed with Telex on: "W" → "Ư".
    scan = classify("000.00.00.Ư12-260213-0005")
    assert scan.kind is ScanKind.DOSSIER
    assert scan.value == "000.00.00.W12-260213-0005"
    assert scan.repaired
    assert "bộ gõ tiếng Việt" in scan.message


def test_vni_tone_on_unit_letter_is_repaired() -> None:
    # VNI: "A1" → "Á", so 000.00.00.A12 arrives as 000.00.00.Á2.
    scan = classify("000.00.00.Á2-260213-0005")
    assert scan.kind is ScanKind.DOSSIER and scan.value == "000.00.00.A12-260213-0005"
    assert scan.repaired


def test_ambiguous_mangling_is_refused_not_guessed() -> None:
    # "Đ" is "DD" in Telex but "D9" in VNI: both would be valid batch ids, so neither is taken.
    scan = classify("BG-Đ2025")
    assert scan.kind is ScanKind.UNKNOWN and not scan.repaired
    assert "bộ gõ tiếng Việt" in scan.message and "quét lại" in scan.message


def test_mangled_text_that_fits_nothing_advises_switching_the_input_method_off() -> None:
    scan = classify("Hồ sơ số 5")
    assert scan.kind is ScanKind.UNKNOWN
    assert "bộ gõ tiếng Việt" in scan.message and "quét lại" in scan.message


@given(st.text(max_size=120))
def test_classify_never_raises(text: str) -> None:
    scan = classify(text)
    assert isinstance(scan, Scan)
    assert scan.message
    assert unicodedata.is_normalized("NFC", scan.message)


@given(
    st.sampled_from(["000.00.00.H49", "000.12.34.K01", "001.00.00.A99"]),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(min_value=1, max_value=9999),
)
def test_every_valid_code_round_trips(unit: str, day: date, seq: int) -> None:
    code = f"{unit}-{day:%y%m%d}-{seq:04d}"
    scan = classify(code.lower())
    assert scan.kind is ScanKind.DOSSIER and scan.value == code


def test_settings_defaults_are_valid_and_bad_values_are_explained() -> None:
    assert validate_settings(ScannerSettings()) == {}
    errors = validate_settings(
        ScannerSettings(prefix="F1", suffix="Esc", max_gap_ms=1, min_length=1, serial_port="COM 3", baud_rate=123)
    )
    assert set(errors) == {"prefix", "suffix", "max_gap_ms", "min_length", "serial_port", "baud_rate"}
    assert all(message.endswith(")") or message.endswith(".") for message in errors.values())
