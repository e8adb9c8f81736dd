"""Tests for the procedure catalog: the shipped data, validation and accent-blind search."""

from __future__ import annotations

import copy
import json
import re
import time as clock
import unicodedata
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.catalog import (
    AdminLevel,
    Catalog,
    CatalogError,
    DocumentForm,
    Procedure,
    default_catalog_path,
    load_catalog,
)
from app.domain.durations import DurationUnit
from app.errors import UserFacingError
from app.text import fold

SHIPPED = Path(__file__).resolve().parents[2] / "resources" / "catalog" / "procedures.json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _minimal() -> dict[str, Any]:
    return {
        "version": "test",
        "legal_note": "",
        "departments": [{"code": "XA-TP", "name": "Bộ phận Tư pháp - Hộ tịch (UBND xã)", "level": "xa"}],
        "procedures": [
            {
                "code": "2.000815",
                "name": "Chứng thực bản sao từ bản chính",
                "field": "Chứng thực",
                "level": "xa",
                "processing": {"value": 0, "unit": "working_days", "cutoff": "15:00"},
                "fee": {"amount": 2000, "text": "2.000 đồng/trang"},
                "department": "XA-TP",
                "documents": [{"name": "Bản chính giấy tờ", "form": "ban_chinh", "copies": 1, "required": True}],
                "legal_basis": "Nghị định 23/2015/NĐ-CP",
                "verified": True,
                "note": "",
            }
        ],
    }


def _codes(procedures: list[Procedure]) -> list[str]:
    return [p.code for p in procedures]


# --- the shipped file ---------------------------------------------------------------------------


def test_default_path_is_the_shipped_file() -> None:
    assert default_catalog_path() == SHIPPED


def test_shipped_catalog_is_big_and_varied_enough(catalog: Catalog) -> None:
    assert len(catalog.procedures) >= 28
    assert len(catalog.fields) >= 5
    assert {p.level for p in catalog.procedures} == {AdminLevel.TINH, AdminLevel.XA}
    department_codes = {d.code for d in catalog.departments}
    for procedure in catalog.procedures:
        assert procedure.documents, procedure.code
        assert procedure.department.code in department_codes
        assert procedure.fee_text and procedure.legal_basis
        if not procedure.verified:
            assert procedure.note, f"{procedure.code}: say what was not verified"


def test_shipped_file_is_utf8_nfc() -> None:
    text = SHIPPED.read_bytes().decode("utf-8")
    assert unicodedata.is_normalized("NFC", text)


def test_same_day_procedures_carry_the_15h_cutoff(catalog: Catalog) -> None:
    for code in ("2.000815", "2.000884", "2.000635"):
        procedure = catalog.get(code)
        assert procedure is not None
        assert procedure.processing.value == 0
        assert procedure.processing.cutoff == time(15, 0)


def test_certified_copy_fee_and_labels(catalog: Catalog) -> None:
    procedure = catalog.get("2.000815")
    assert procedure is not None
    assert procedure.fee_amount == 2000
    assert procedure.fee_text.startswith("2.000 đồng/trang")
    assert procedure.level_label == "Cấp xã"
    assert procedure.department.code == "XA-TP"
    lltp = catalog.search("ly lich tu phap")[0]
    assert lltp.level_label == "Cấp tỉnh"


def test_procedures_that_need_a_declaration_list_it(catalog: Catalog) -> None:
    birth = catalog.get("1.001193")
    assert birth is not None
    assert any(d.form is DocumentForm.TO_KHAI for d in birth.documents)


def test_document_form_labels() -> None:
    assert [f.label for f in DocumentForm] == [
        "Bản chính",
        "Bản sao",
        "Bản sao có chứng thực",
        "Bản chính hoặc bản sao",
        "Bản chính (tờ khai)",
    ]


def test_get_ignores_case_and_spaces(catalog: Catalog) -> None:
    assert catalog.get(" 2.000815 ") is catalog.get("2.000815")
    assert catalog.get("9.999999") is None


# --- search ---------------------------------------------------------------------------------------


def test_search_without_accents_finds_copy_extract(catalog: Catalog) -> None:
    names = [p.name for p in catalog.search("cap ban sao")]
    assert "Cấp bản sao trích lục hộ tịch" in names
    # names that start with the query rank before those that merely contain the words
    assert all(n.startswith("Cấp bản sao") for n in names[:3])


def test_search_chung_thuc_finds_every_certification(catalog: Catalog) -> None:
    found = set(_codes(catalog.search("chung thuc")))
    expected = {p.code for p in catalog.procedures if p.field == "Chứng thực" or "Chứng thực" in p.name}
    assert expected <= found
    assert {"2.000815", "2.000884"} <= found


def test_search_khai_sinh_puts_the_registration_first(catalog: Catalog) -> None:
    results = catalog.search("khai sinh")
    assert results[0].name == "Đăng ký khai sinh"
    assert catalog.search("Đăng ký khai sinh")[0].code == "1.001193"


def test_search_by_code_and_code_prefix(catalog: Catalog) -> None:
    assert _codes(catalog.search("2.000815")) == ["2.000815"]
    prefixed = _codes(catalog.search("2.0008"))
    assert "2.000815" in prefixed
    assert all(code.startswith("2.0008") for code in prefixed)


def test_exact_code_ranks_first_even_when_other_texts_match(catalog: Catalog) -> None:
    assert catalog.search("1.001193")[0].code == "1.001193"


def test_every_token_must_match(catalog: Catalog) -> None:
    assert catalog.search("khai sinh xyzzy") == []
    # short tokens only match word starts: "ai" is inside "khai" but starts no word of birth registration
    assert "1.001193" not in _codes(catalog.search("ai sinh"))


def test_search_is_case_and_accent_insensitive(catalog: Catalog) -> None:
    assert _codes(catalog.search("KHAI TỬ")) == _codes(catalog.search("khai tu"))


def test_empty_query_lists_all_sorted_by_field_then_name(catalog: Catalog) -> None:
    results = catalog.search("   ", limit=1000)
    assert len(results) == len(catalog.procedures)
    # names compare by their folded words, so punctuation ("thay đổi, cải chính") does not matter
    keys = [(fold(p.field), " ".join(re.findall(r"\w+", fold(p.name)))) for p in results]
    assert keys == sorted(keys)


def test_limit(catalog: Catalog) -> None:
    assert len(catalog.search("", limit=3)) == 3
    assert catalog.search("khai", limit=0) == []


_SHARED = load_catalog()  # hypothesis tests cannot take function-scoped fixtures


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_search_never_raises(query: str) -> None:
    results = _SHARED.search(query, limit=10)
    assert len(results) <= 10


def test_search_is_fast_over_thousands_of_procedures(catalog: Catalog) -> None:
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    base = data["procedures"]
    procedures = []
    for i in range(3000):
        item = copy.deepcopy(base[i % len(base)])
        item["code"] = f"1.{100000 + i:06d}"
        procedures.append(item)
    data["procedures"] = procedures
    big = Catalog.from_dicts(data)
    queries = ["cap ban sao", "chung thuc", "khai sinh", "1.1000", "giay phep xay dung", "đất", "x"]
    start = clock.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for query in queries:
            big.search(query)
    per_query = (clock.perf_counter() - start) / (rounds * len(queries))
    assert per_query < 0.005  # generous for slow CI; typically well under 1 ms


# --- validation -----------------------------------------------------------------------------------


def test_minimal_catalog_loads_and_normalises_text() -> None:
    data = _minimal()
    data["procedures"][0]["name"] = unicodedata.normalize("NFD", "  Chứng thực   bản sao ")
    catalog = Catalog.from_dicts(data)
    procedure = catalog.procedures[0]
    assert procedure.name == "Chứng thực bản sao"
    assert procedure.processing.unit is DurationUnit.WORKING_DAYS
    assert procedure.documents[0].form is DocumentForm.BAN_CHINH
    assert catalog.search("chung thuc ban sao") == [procedure]


def _error_for(data: dict[str, Any]) -> CatalogError:
    with pytest.raises(CatalogError) as info:
        Catalog.from_dicts(data)
    assert isinstance(info.value, UserFacingError)
    return info.value


def test_unknown_department_is_rejected() -> None:
    data = _minimal()
    data["procedures"][0]["department"] = "SO-MA"
    error = _error_for(data)
    assert "2.000815" in error.message
    assert "cơ quan giải quyết" in error.message and "SO-MA" in error.message
    assert error.procedure == "2.000815" and error.field == "department"


def test_negative_processing_time_is_rejected() -> None:
    data = _minimal()
    data["procedures"][0]["processing"]["value"] = -1
    error = _error_for(data)
    assert "thời hạn giải quyết" in error.message and "không được âm" in error.message
    assert error.field == "processing.value"


def test_bad_unit_is_rejected() -> None:
    data = _minimal()
    data["procedures"][0]["processing"]["unit"] = "weeks"
    error = _error_for(data)
    assert "đơn vị tính thời hạn" in error.message and "weeks" in error.message


def test_bad_cutoff_is_rejected() -> None:
    data = _minimal()
    data["procedures"][0]["processing"]["cutoff"] = "3pm"
    assert "giờ chốt" in _error_for(data).message


def test_duplicate_code_is_rejected() -> None:
    data = _minimal()
    data["procedures"].append(copy.deepcopy(data["procedures"][0]))
    error = _error_for(data)
    assert "bị trùng" in error.message and "2.000815" in error.message


def test_duplicate_department_is_rejected() -> None:
    data = _minimal()
    data["departments"].append(dict(data["departments"][0]))
    assert "bị trùng" in _error_for(data).message


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda p: p.pop("name"), "tên"),
        (lambda p: p.update(code="ABC"), "mã"),
        (lambda p: p.update(level="huyen"), "cấp thực hiện"),
        (lambda p: p.update(documents=[]), "thành phần hồ sơ"),
        (lambda p: p["documents"][0].update(form="photo"), "hình thức giấy tờ"),
        (lambda p: p["documents"][0].update(copies=0), "số lượng bản"),
        (lambda p: p["fee"].update(amount="2000"), "mức phí"),
        (lambda p: p.update(verified="yes"), "kiểm chứng"),
        (lambda p: p.pop("processing"), "thời hạn giải quyết"),
        (lambda p: p["processing"].update(value=float("nan")), "phải là một số"),
        (lambda p: p["processing"].update(value=True), "phải là một số"),
    ],
)
def test_missing_or_malformed_fields_name_the_field(mutate: Any, expected: str) -> None:
    data = _minimal()
    mutate(data["procedures"][0])
    message = _error_for(data).message
    assert expected in message
    assert message.startswith("Danh mục thủ tục không hợp lệ")


def test_non_json_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "procedures.json"
    path.write_text("{ không phải json", encoding="utf-8")
    with pytest.raises(CatalogError, match="không đúng định dạng JSON"):
        load_catalog(path)


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="Không tìm thấy tệp danh mục"):
        load_catalog(tmp_path / "missing.json")


def test_json_that_is_not_an_object_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "procedures.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(CatalogError, match="đối tượng JSON"):
        load_catalog(path)
