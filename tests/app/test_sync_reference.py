"""The procedure catalog distributed by the server: validated, cached in the local store, used at start-up."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.catalog import default_catalog_path
from app.store import boot
from app.store.db import transaction
from app.store.models import CalendarEntryRow, Setting
from app.sync import reference, wire

UNIT = "000.01.00.H49"  # the demo office of the seeded test database


def bundled() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_catalog_path().read_text("utf-8-sig"))
    return data


def make_reference(procedures: list[dict[str, Any]], *, version: str = "7", calendar: bool = False) -> wire.Reference:
    depts = bundled()["departments"]
    entries = (
        [wire.CalendarEntryWire(day=date(2026, 12, 31), kind="holiday", name="Nghỉ bù", legal_ref="Thông báo 1/TB")]
        if calendar
        else []
    )
    return wire.Reference(
        version=version,
        office=wire.OfficeWire(
            unit_code=UNIT,
            name="Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh (DEMO)",
            governing_body="UBND TỈNH QUẢNG NINH",
            place_name="Quảng Ninh",
            demo=True,
        ),
        # as the server sends them: the catalog's departments, levels included
        departments=[wire.DepartmentInfo(code=d["code"], name=d["name"], level=d["level"]) for d in depts],
        officers=[],
        catalog=procedures,
        calendar_entries=entries,
        office_hours=[("07:00", "11:30"), ("13:30", "17:00")],
        units=bundled().get("units", []),  # the province's units, as the server sends them with the catalog
    )


def renamed(procedures: list[dict[str, Any]], code: str, name: str) -> list[dict[str, Any]]:
    out = copy.deepcopy(procedures)
    for p in out:
        if p["code"] == code:
            p["name"] = name
    return out


def apply(factory: sessionmaker[Session], ref: wire.Reference) -> list[str]:
    with transaction(factory) as s:
        return reference.apply_reference(s, ref)


def test_a_standalone_pc_uses_the_bundled_catalog(db_path: Path) -> None:
    assert boot.read_cached_catalog(db_path) is None
    assert len(boot.current_catalog(db_path)) == len(bundled()["procedures"])


def test_the_servers_catalog_is_cached_and_used_from_then_on(factory: sessionmaker[Session], db_path: Path) -> None:
    procedures = renamed(bundled()["procedures"], "2.000635", "Cấp bản sao trích lục hộ tịch (bản của máy chủ)")
    del procedures[-1]
    assert apply(factory, make_reference(procedures)) == []
    catalog = boot.current_catalog(db_path)
    assert len(catalog) == len(procedures)
    found = catalog.get("2.000635")
    assert found is not None and found.name == "Cấp bản sao trích lục hộ tịch (bản của máy chủ)"
    assert catalog.search("ban cua may chu")[0].code == "2.000635"  # the search index is the new one
    assert boot.current_catalog(db_path) is catalog  # same text: no parsing again at the next login


def test_the_same_catalog_under_a_new_reference_version_is_not_rewritten(factory: sessionmaker[Session]) -> None:
    procedures = bundled()["procedures"]
    apply(factory, make_reference(procedures, version="3"))
    with factory() as s:
        first = s.get(Setting, reference.CATALOG_KEY)
        assert first is not None
        stored = first.value
    apply(factory, make_reference(procedures, version="4"))  # e.g. an officer changed at the server
    with factory() as s:
        again = s.get(Setting, reference.CATALOG_KEY)
        assert again is not None and again.value == stored


@pytest.mark.parametrize(
    ("spoil", "why"),
    [
        (lambda ps: [{**ps[0], "code": "không-phải-mã"}, *ps[1:]], "không đúng dạng mã thủ tục"),
        (lambda ps: [{**ps[0], "department": "KHONG.CO"}, *ps[1:]], "không có trong danh sách cơ quan"),
        (lambda ps: [ps[0], ps[0]], "bị trùng"),
        (lambda ps: [{k: v for k, v in ps[0].items() if k != "processing"}], "bị thiếu"),
        (lambda ps: [{**ps[0], "fee": {"amount": -5, "text": "x"}}], "không được nhỏ hơn 0"),
    ],
)
def test_a_malformed_catalog_from_the_network_never_replaces_the_good_one(
    factory: sessionmaker[Session], db_path: Path, spoil: Any, why: str
) -> None:
    good = renamed(bundled()["procedures"], "2.000635", "Tên đã cập nhật từ máy chủ")
    apply(factory, make_reference(good))
    notes = apply(factory, make_reference(spoil(copy.deepcopy(good)), version="8", calendar=True))
    assert len(notes) == 1 and "vẫn giữ danh mục cũ" in notes[0] and why in notes[0]
    kept = boot.current_catalog(db_path).get("2.000635")
    assert kept is not None and kept.name == "Tên đã cập nhật từ máy chủ"
    with factory() as s:  # the rest of the reference data is applied all the same
        assert s.get(CalendarEntryRow, date(2026, 12, 31)) is not None


def test_an_empty_catalog_at_the_server_keeps_what_the_pc_has(factory: sessionmaker[Session], db_path: Path) -> None:
    good = renamed(bundled()["procedures"], "2.000635", "Tên đã cập nhật từ máy chủ")
    apply(factory, make_reference(good))
    assert apply(factory, make_reference([])) == []
    kept = boot.current_catalog(db_path).get("2.000635")
    assert kept is not None and kept.name == "Tên đã cập nhật từ máy chủ"


def test_an_office_department_without_a_level_takes_the_level_of_its_procedures(
    factory: sessionmaker[Session], db_path: Path
) -> None:
    procedures = copy.deepcopy(bundled()["procedures"][:1])
    procedures[0]["department"] = "VP.RIENG"
    ref = make_reference(procedures)
    own = wire.DepartmentInfo(code="VP.RIENG", name="Văn phòng riêng")  # created by an admin, no level
    ref = ref.model_copy(update={"departments": [*ref.departments, own]})
    assert apply(factory, ref) == []
    procedure = boot.current_catalog(db_path).get(procedures[0]["code"])
    assert procedure is not None and procedure.department.name == "Văn phòng riêng"
    assert procedure.department.level == procedure.level


def test_a_damaged_cached_catalog_falls_back_to_the_bundled_file(factory: sessionmaker[Session], db_path: Path) -> None:
    apply(factory, make_reference(renamed(bundled()["procedures"], "2.000635", "Tên của máy chủ")))
    with transaction(factory) as s:
        row = s.get(Setting, reference.CATALOG_KEY)
        assert row is not None
        row.value = {"version": "x", "departments": [], "procedures": "hỏng"}
    assert boot.read_cached_catalog(db_path) is None
    fallback = boot.current_catalog(db_path).get("2.000635")
    assert fallback is not None and fallback.name != "Tên của máy chủ"


def test_the_start_up_reader_and_the_sync_writer_use_the_same_key() -> None:
    assert boot.CATALOG_KEY == reference.CATALOG_KEY
