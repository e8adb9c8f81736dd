"""Both dossier-code formats (2018 ``…-YYMMDD-XXXX`` and 2025 ``MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX``)
are read wherever a code is parsed, scanned (printed, label, input-method mangled), searched,
handed over and printed (issue 16, DOMAIN.md §9)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.codes import (
    DOSSIER_CODE_2025_RE,
    MAX_SEQUENCE_DIGITS_2025,
    CodeFormat,
    DossierCode,
    format_dossier_code,
    format_dossier_code_2025,
    parse_dossier_code,
)
from app.domain.contracts import parse_payload
from app.domain.scan import LABEL_CODE_RE, ScanKind, classify, ends_a_code, expand_label_code
from app.errors import UserFacingError
from app.printing import form01, labels
from app.printing.cover_sheet import render_cover_sheet
from app.printing.data import A4_3X8, THERMAL_50X30, LabelData, LabelPrintJob
from app.services import reception
from app.services.dossiers import get_by_code, search
from app.services.handover import ScanReason, add_scan, counter_place, department_place, open_batch, scanned_code
from app.store.db import transaction
from app.store.models import Event
from tests.app.test_printing import receipt
from tests.app.test_reception import draft, receive
from tests.pdf_tools import decode_barcodes

NEW = "H49.001.01-261123-AB00731"
"""A 2025-format code (5-digit sequence), received on the tests' day NOW (23/11/2026)."""

AGENCIES = st.from_regex(r"\A[A-Z][0-9]{2}\.[0-9]{3}\.[0-9]{2}\Z")
UNITS = st.from_regex(r"\A[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}\Z")
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def codes_2025(draw: st.DrawFn) -> DossierCode:
    digits = draw(st.integers(min_value=4, max_value=MAX_SEQUENCE_DIGITS_2025))
    seq = draw(st.integers(min_value=1, max_value=10**digits - 1))
    series = draw(st.from_regex(r"\A[A-Z]{2}\Z"))
    return DossierCode(draw(AGENCIES), draw(DAYS), seq, series, digits)


@st.composite
def codes_2018(draw: st.DrawFn) -> DossierCode:
    return DossierCode(draw(UNITS), draw(DAYS), draw(st.integers(min_value=1, max_value=9999)))


ANY_CODE = st.one_of(codes_2018(), codes_2025())


# --- parse and format ----------------------------------------------------------------------------


@given(codes_2025())
def test_2025_format_round_trips(code: DossierCode) -> None:
    text = format_dossier_code_2025(code.unit_code.lower(), code.day, code.series.lower(), code.seq, code.digits)
    assert text == code.text and DOSSIER_CODE_2025_RE.match(text)
    assert parse_dossier_code(text) == code and code.format is CodeFormat.CENTRAL_2025
    assert parse_dossier_code(f"  {text.lower()}\r\n") == code


@given(ANY_CODE)
def test_both_formats_round_trip_parse_print_and_label(code: DossierCode) -> None:
    if code.format is CodeFormat.UNIT_2018:
        assert format_dossier_code(code.unit_code, code.day, code.seq) == code.text
    assert parse_dossier_code(code.text) == code
    compact = labels.label_barcode_text(code.text)
    assert "." not in compact and "-" not in compact and LABEL_CODE_RE.match(compact)  # page analysis too
    assert expand_label_code(compact) == labels.expand_label_barcode(compact.lower()) == code.text
    scan = classify(compact)
    assert scan.kind is ScanKind.DOSSIER and scan.dossier == code and scan.value == code.text


@pytest.mark.parametrize(
    "text",
    [
        "H49.001.01-261123-AB073",  # sequence under 4 digits
        "H49.001.01-261123-AB0000",  # sequence 0
        "H49.001.01-261123-AB12345678901",  # 11 digits
        "H49.001.01-261123-A100731",  # AA: two letters
        "H49.001.01-261123-00731",  # AA missing
        "H49.01.001-261123-AB00731",  # agency levels the other way round
        "000.01.00.H49-261123-AB0731",  # a 2018 unit with a 2025 tail
        "H49.001.01-261131-AB00731",  # 31 November
    ],
)
def test_what_is_not_a_2025_code(text: str) -> None:
    assert parse_dossier_code(text) is None
    assert classify(text).kind is ScanKind.UNKNOWN


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("000.01.00.H49", "AB", 1, 4), "H49.001.01"),
        (("H49.001.01", "A1", 1, 4), "hai chữ cái"),
        (("H49.001.01", "AB", 1, 3), "từ 4 đến 10 chữ số"),
        (("H49.001.01", "AB", 10000, 4), "không viết được bằng 4 chữ số"),
        (("H49.001.01", "AB", 0, 4), "phải từ 1"),
    ],
)
def test_format_2025_refuses_in_vietnamese(args: tuple[str, str, int, int], needle: str) -> None:
    agency, series, seq, digits = args
    with pytest.raises(UserFacingError) as info:
        format_dossier_code_2025(agency, date(2026, 11, 23), series, seq, digits)
    assert needle in info.value.message


# --- scanning -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [NEW, NEW.lower(), f"\x02{NEW}\r\n", "H4900101261123AB00731", "TPC-" + NEW])
def test_a_2025_code_scans_printed_on_a_label_or_a_cover_sheet(text: str) -> None:
    scan = classify(text.removeprefix("TPC-"))
    assert scan.kind is ScanKind.DOSSIER and scan.value == NEW and not scan.repaired
    assert scan.dossier == DossierCode("H49.001.01", date(2026, 11, 23), 731, "AB", 5)


@pytest.mark.parametrize(
    ("mangled", "code"),
    [
        ("H49.001.01-261123-Á00731", "H49.001.01-261123-AS00731"),  # Telex: AS → Á
        ("H49.001.01-261123-Đ00731", "H49.001.01-261123-DD00731"),  # Telex DD (VNI D9 leaves one letter)
        ("H49.001.01-261123-BÉ0731", "H49.001.01-261123-BE10731"),  # VNI: E1 → É, the digit eaten
        ("H49.001.01-261123-Ă00731", "H49.001.01-261123-AW00731"),  # Telex: AW → Ă
        ("h4900101261123đ00731", "H49.001.01-261123-DD00731"),  # the label's Code128, mangled
    ],
)
def test_a_2025_code_mangled_by_a_vietnamese_input_method_is_repaired(mangled: str, code: str) -> None:
    scan = classify(mangled)
    assert scan.kind is ScanKind.DOSSIER and scan.value == code and scan.repaired
    assert "bộ gõ tiếng Việt" in scan.message


def test_an_ambiguous_2025_mangling_is_refused_not_guessed() -> None:
    # "Ư" is Telex "W" or "UW" or VNI "U7": AW + 0731 and AU + 70731 would both be codes.
    scan = classify("H49.001.01-261123-AƯ0731")
    assert scan.kind is ScanKind.UNKNOWN and not scan.repaired
    assert "bộ gõ tiếng Việt" in scan.message


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("H49.001.01-261123-AB073", "thiếu hoặc thừa chữ số"),
        ("H49.001.01-261131-AB00731", "ngày nhận hoặc số thứ tự không hợp lệ"),
        ("xyz", "H49.001.01-260213-AB0001"),
    ],
)
def test_unknown_scans_name_the_2025_form_too(text: str, needle: str) -> None:
    scan = classify(text)
    assert scan.kind is ScanKind.UNKNOWN and needle in scan.message
    assert "000.00.00.H49-260213-0001" in scan.message or needle in scan.message


def test_only_a_2018_code_ends_a_keyboard_scan_early() -> None:
    # The wedge's early end (ui/scanner/wedge.py): "…AB1234" may be the start of "…AB12345".
    assert ends_a_code("000.01.00.H49-261123-0001") and ends_a_code("0000100H492611230001")
    assert not ends_a_code("H49.001.01-261123-AB12345")  # 25 characters, yet may go on
    assert not ends_a_code("H4900101261123AB1234")  # 20 characters, yet may go on
    assert not ends_a_code("000.01.00.H49-261123-000")


# --- stored, searched, handed over ----------------------------------------------------------------


def _receive_2025(factory, actor, catalog, monkeypatch, code: str = NEW):  # type: ignore[no-untyped-def]
    """A dossier that carries a 2025 code, recorded through the real service and recorder.

    The counter does not issue 2025 codes yet; an imported dossier arrives with one. The code
    generator is the one thing replaced.
    """
    monkeypatch.setattr(reception, "format_dossier_code", lambda unit, day, seq: code)
    summary = receive(factory, actor, catalog, draft(catalog))
    monkeypatch.undo()
    return summary


def test_search_finds_a_dossier_by_either_format_and_its_parts(factory, actor, catalog, monkeypatch):
    old = receive(factory, actor, catalog, draft(catalog))
    new = _receive_2025(factory, actor, catalog, monkeypatch)
    with factory() as s:
        stored = s.query(Event).filter(Event.dossier_uid == new.uid).one()
        assert parse_payload(stored.type, stored.payload).code == NEW  # type: ignore[union-attr]
        for query in (NEW, f" {NEW.lower()}\n", "AB00731", "ab00731", "00731", "261123-AB00731", "h49.001.01",
                      "AB 00731", "261123 00731"):  # fmt: skip
            assert [r.uid for r in search(s, query)] == [new.uid], query
        for query in (old.code, old.code.rsplit("-", 1)[1]):
            assert [r.uid for r in search(s, query)] == [old.uid], query
        assert [r.uid for r in search(s, "261123")] == [new.uid, old.uid]
        found = get_by_code(s, NEW.lower())
        assert found is not None and found.uid == new.uid and found.code == NEW


def test_handover_scan_of_a_2025_label(factory, actor, catalog, monkeypatch):
    new = _receive_2025(factory, actor, catalog, monkeypatch)
    compact = labels.label_barcode_text(NEW)
    assert compact == "H4900101261123AB00731"
    parsed = scanned_code(compact)
    assert parsed is not None and parsed.text == NEW
    with transaction(factory) as s:
        batch = open_batch(counter_place(actor), department_place(s, "XA-TP"))
        batch, verdict = add_scan(s, batch, f" {compact.lower()}\n")
        assert verdict.ok and verdict.dossier is not None and verdict.dossier.uid == new.uid
        batch, again = add_scan(s, batch, NEW)  # the QR of the same folder
        assert again.reason is ScanReason.DUPLICATE and [i.code for i in batch.items] == [NEW]


# --- printed ----------------------------------------------------------------------------------------


def _label_pdf(code: str) -> bytes:
    out = io.BytesIO()
    item = LabelData(
        code, "Nguyễn Thị Thuỳ Dương", "Đăng ký thành lập hộ kinh doanh", datetime(2026, 11, 25, 16, 30), ""
    )
    labels.render(LabelPrintJob([item], THERMAL_50X30), out)
    return out.getvalue()


def _read(page: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted((f, labels.expand_label_barcode(t) or t) for f, t in page)


def test_a_2025_label_on_the_50x30_roll_decodes_both_symbols() -> None:
    code = "H49.001.01-261123-AB0731"  # 4-digit sequence: 200 Code128 modules, 0.227 mm
    assert _read(decode_barcodes(_label_pdf(code), dpi=200)[0]) == [("Code128", code), ("QRCode", code)]


@pytest.mark.parametrize("digits", [5, 6, 7, 8, MAX_SEQUENCE_DIGITS_2025])
def test_a_longer_2025_sequence_still_prints_readably(digits: int) -> None:
    # On the 50 mm roll the Code128 modules narrow to 0.216 mm (5-6 digits) and 0.197 mm (10):
    # the QR reads at 200 dpi, the Code128 at 300 dpi up to 6 digits; on a 70 mm A4 label both
    # read at 200 dpi whatever the length.
    code = f"H49.001.01-261123-AB{731:0{digits}d}"
    roll = _label_pdf(code)
    assert ("QRCode", code) in _read(decode_barcodes(roll, dpi=200)[0])
    if digits <= 6:
        assert _read(decode_barcodes(roll, dpi=300)[0]) == [("Code128", code), ("QRCode", code)]
    out = io.BytesIO()
    labels.render(LabelPrintJob([LabelData(code, "Nguyễn Văn An", "Đăng ký khai sinh", None, "")], A4_3X8), out)
    assert _read(decode_barcodes(out.getvalue(), dpi=200)[0]) == [("Code128", code), ("QRCode", code)]


@pytest.mark.parametrize("code", [NEW, f"H49.001.01-261123-AB{731:0{MAX_SEQUENCE_DIGITS_2025}d}"])
def test_the_receipt_slip_and_cover_sheet_carry_a_2025_code(code: str) -> None:
    out = io.BytesIO()
    form01.render(replace(receipt(), dossier_code=code), out)
    for page in decode_barcodes(out.getvalue()):
        assert sorted(page) == [("Code128", code), ("QRCode", code)]
    cover = render_cover_sheet(code, "Nguyễn Văn An", "Đăng ký khai sinh", "Trung tâm")
    (found,) = decode_barcodes(cover, dpi=200)
    assert {t for _, t in found} == {code, "TPC-" + code}
