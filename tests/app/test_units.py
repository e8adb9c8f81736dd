"""The province's units in the catalog and receiving for another unit (issue 16)."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.catalog import Catalog, CatalogError, default_catalog_path
from app.domain.units import NO_UNITS, Handling, code_unit, units_received_for
from app.errors import ValidationError
from app.services.context import Actor
from app.store.models import Dossier, Event
from app.sync import wire
from app.sync.reference import catalog_document
from tests.app.test_reception import draft, receive

CENTRE = "000.01.00.H49"  # the demo office: the province's centre
POLICE = "000.00.13.H49"
HA_LONG, BAI_CHAY = "000.01.21.H49", "000.02.21.H49"
PROVINCE_PROCEDURE = "3.000333"  # Phiếu lý lịch tư pháp: Công an tỉnh decides
COMMUNE_PROCEDURE = "2.000635"  # Cấp bản sao trích lục hộ tịch: a commune decides
CENTRE_ONLY = "1.002804"  # Đổi giấy phép lái xe: received at the province's centre only


@pytest.fixture(scope="module")
def bundled() -> dict[str, Any]:
    return json.loads(default_catalog_path().read_text("utf-8"))


def _without_units(data: dict[str, Any]) -> dict[str, Any]:
    old = copy.deepcopy(data)
    old.pop("units")
    for p in old["procedures"]:
        p.pop("handling", None)
        p.pop("receive_at", None)
    return old


def _fails(data: dict[str, Any]) -> str:
    with pytest.raises(CatalogError) as caught:
        Catalog.from_dicts(data)
    return caught.value.message


# --- the catalog ----------------------------------------------------------------------------


def test_the_demo_province_has_its_centre_departments_and_communes_with_2025_successors(catalog: Catalog) -> None:
    units = catalog.unit_by_code
    assert all(u.demo for u in catalog.units)
    assert units[CENTRE].name.startswith("Trung tâm Phục vụ hành chính công tỉnh")
    names = {u.name for u in catalog.units}
    assert {"Sở Tư pháp tỉnh Quảng Ninh (DEMO)", "Sở Tài chính tỉnh Quảng Ninh (DEMO)"} <= names
    assert "Công an tỉnh Quảng Ninh (DEMO)" in names
    ended = [u for u in catalog.units if u.effective_to is not None]
    assert len(ended) == 2 and all(u.effective_to == date(2025, 6, 30) and u.level == "huyen" for u in ended)
    for old in ended:
        successor = units[old.successor]
        assert successor.level == "xa" and successor.effective_from == date(2025, 7, 1)
        assert not old.active_on(date(2025, 7, 1)) and successor.active_on(date(2025, 7, 1))
    police = catalog.get(PROVINCE_PROCEDURE)
    assert police is not None and police.units.handling == (Handling(POLICE, "CAT"),)
    assert police.units.may_receive(HA_LONG) and police.units.may_receive(CENTRE)
    commune = catalog.get(COMMUNE_PROCEDURE)
    assert commune is not None and {h.unit for h in commune.units.handling} >= {HA_LONG, BAI_CHAY}
    licence = catalog.get(CENTRE_ONLY)
    assert licence is not None and licence.units.receive_at == (CENTRE,) and not licence.units.may_receive(HA_LONG)


def test_an_old_catalog_without_units_still_loads_and_the_office_decides(bundled: dict[str, Any]) -> None:
    old = Catalog.from_dicts(_without_units(bundled))
    assert old.units == () and len(old) == len(bundled["procedures"])
    assert all(p.units is NO_UNITS for p in old)


def test_units_are_validated_with_vietnamese_messages(bundled: dict[str, Any]) -> None:
    data = copy.deepcopy(bundled)
    data["units"][6]["successor"] = "000.09.21.H49"
    message = _fails(data)
    assert "000.00.21.H49" in message and "đơn vị kế thừa 000.09.21.H49" in message
    assert "không có trong danh sách đơn vị" in message

    data = copy.deepcopy(bundled)
    data["units"].append({**data["units"][8], "name": "Phường Hạ Long (trùng)", "effective_from": "2026-01-01"})
    assert "thời gian hiệu lực chồng lên nhau" in _fails(data)

    data = copy.deepcopy(bundled)
    data["units"][8]["effective_to"] = "2025-01-01"
    assert "trước ngày bắt đầu 01/07/2025" in _fails(data)

    data = copy.deepcopy(bundled)
    data["units"][8]["effective_from"] = "2025-08-01"  # Hạ Long's successor starts a month late
    assert "không có hiệu lực từ ngày 01/07/2025" in _fails(data)

    data = copy.deepcopy(bundled)
    data["units"][1]["code"] = "STP"
    assert "không đúng dạng mã định danh đơn vị" in _fails(data)


def test_a_procedure_naming_an_unknown_or_ended_unit_is_refused(bundled: dict[str, Any]) -> None:
    data = copy.deepcopy(bundled)
    police = next(p for p in data["procedures"] if p["code"] == PROVINCE_PROCEDURE)
    police["handling"] = [{"unit": "000.00.99.H49", "department": "CAT"}]
    message = _fails(data)
    assert "thủ tục 3.000333" in message and "000.00.99.H49" in message and "không có trong danh sách" in message

    data = copy.deepcopy(bundled)
    commune = next(p for p in data["procedures"] if p["code"] == COMMUNE_PROCEDURE)
    commune["handling"] = [{"unit": "000.00.21.H49", "department": "XA-TP"}]
    message = _fails(data)
    assert "đã hết hiệu lực từ ngày 01/07/2025" in message and "đơn vị kế thừa 000.01.21.H49" in message

    data = copy.deepcopy(bundled)
    commune = next(p for p in data["procedures"] if p["code"] == COMMUNE_PROCEDURE)
    commune["handling"] = [{"unit": POLICE, "department": "XA-TP"}]
    assert "thủ tục cấp xã nhưng đơn vị giải quyết 000.00.13.H49" in _fails(data)

    data = copy.deepcopy(bundled)
    commune = next(p for p in data["procedures"] if p["code"] == COMMUNE_PROCEDURE)
    commune["receive_at"] = ["000.00.22.H49"]
    assert "nơi tiếp nhận 000.00.22.H49" in _fails(data)


def test_the_server_distributes_the_units_with_the_catalog(bundled: dict[str, Any]) -> None:
    ref = wire.Reference(
        version="3",
        office=wire.OfficeWire(unit_code=CENTRE, name="Trung tâm", governing_body="UBND TỈNH", place_name="Hạ Long"),
        departments=[wire.DepartmentInfo(**d) for d in bundled["departments"]],
        officers=[],
        catalog=bundled["procedures"],
        calendar_entries=[],
        office_hours=[("07:00", "11:30")],
        units=bundled["units"],
    )
    document = catalog_document(ref)
    kept = Catalog.from_dicts(document)
    assert [u.code for u in kept.units] == [u["code"] for u in bundled["units"]]
    assert kept.get(PROVINCE_PROCEDURE).units.handling == (Handling(POLICE, "CAT"),)  # type: ignore[union-attr]
    older = catalog_document(ref.model_copy(update={"units": []}))
    assert "units" not in older  # a server before issue 16: the document it always made
    assert units_received_for(CENTRE, [p.units for p in kept]) == sorted(
        {"000.00.12.H49", POLICE, "000.00.14.H49", "000.00.15.H49", HA_LONG, BAI_CHAY, "000.01.22.H49",
         "000.01.23.H49"}
    )  # fmt: skip
    assert CENTRE not in units_received_for(HA_LONG, [p.units for p in kept])


# --- reception --------------------------------------------------------------------------------


def test_a_province_procedure_received_at_the_centre_records_the_handling_unit(factory, actor, catalog) -> None:
    summary = receive(factory, actor, catalog, draft(catalog, PROVINCE_PROCEDURE))
    # The code carries the RECEIVING unit's identifier (app.domain.units: Circular 01/2018 art. 19).
    assert summary.code == f"{CENTRE}-261123-0001" and code_unit(CENTRE, POLICE) == CENTRE
    with factory() as s:
        dossier = s.scalars(select(Dossier)).one()
        event = s.scalars(select(Event)).one()
    assert dossier.handling_unit == POLICE
    assert event.payload["procedure"]["handling_unit"] == POLICE
    assert event.payload["procedure"]["handling_unit_name"] == "Công an tỉnh Quảng Ninh (DEMO)"
    assert event.payload["procedure"]["department_code"] == "CAT"


def test_the_officer_picks_the_commune_that_decides(factory, actor, catalog) -> None:
    first = receive(factory, actor, catalog, draft(catalog, COMMUNE_PROCEDURE))
    picked = receive(factory, actor, catalog, replace(draft(catalog, COMMUNE_PROCEDURE), handling_unit=BAI_CHAY))
    with factory() as s:
        by_uid = {d.uid: d.handling_unit for d in s.scalars(select(Dossier))}
    assert by_uid == {first.uid: HA_LONG, picked.uid: BAI_CHAY}  # default: the first listed (the centre cannot)
    assert picked.code == f"{CENTRE}-261123-0002"
    with pytest.raises(ValidationError) as caught:
        receive(factory, actor, catalog, replace(draft(catalog, COMMUNE_PROCEDURE), handling_unit=POLICE))
    assert caught.value.fields["handling_unit"] == (
        "Đơn vị Công an tỉnh Quảng Ninh (DEMO) (000.00.13.H49) không giải quyết thủ tục này. Hãy chọn một đơn vị"
        " trong danh sách."
    )


def test_a_commune_receives_its_own_procedure_for_itself_and_not_a_centre_only_one(factory, actor, catalog) -> None:
    commune: Actor = replace(actor, unit_code=HA_LONG)
    own = receive(factory, commune, catalog, draft(catalog, COMMUNE_PROCEDURE))
    assert own.code == f"{HA_LONG}-261123-0001"
    with factory() as s:
        assert s.scalars(select(Dossier.handling_unit)).one() == ""  # the office itself
        assert "handling_unit" not in s.scalars(select(Event)).one().payload["procedure"]
    with pytest.raises(ValidationError) as caught:
        receive(factory, commune, catalog, draft(catalog, CENTRE_ONLY))
    assert caught.value.fields["handling_unit"].startswith(
        f"Thủ tục này chỉ được tiếp nhận tại: Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh (DEMO) ({CENTRE})."
    )


def test_an_old_catalog_receives_as_before(factory, actor, bundled) -> None:
    old = Catalog.from_dicts(_without_units(bundled))
    summary = receive(factory, actor, old, draft(old, PROVINCE_PROCEDURE))
    assert summary.code == f"{CENTRE}-261123-0001"
    with factory() as s:
        assert s.scalars(select(Dossier.handling_unit)).one() == ""
