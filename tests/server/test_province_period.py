"""Biểu II.06a on the server (SQLite and PostgreSQL): ``GET /reports/period`` and
server/sync/period_report.py, checked against hand-counted rows of the cases of
test_province_indicators.py (office A's department "TP" is commune level, office B has none of its
own and takes the catalog's, province level)."""

from __future__ import annotations

from typing import Any

import pytest

from app.sync.wire import PeriodReportResponse, PeriodRowWire
from server.models import GLOBAL_SCOPE, Department
from server.sync.period_report import province_period_report
from tests.server.conftest import UNIT_A, UNIT_B, World, bearer
from tests.server.sync_helpers import Counter
from tests.server.test_province_indicators import A_CASES, B_CASES, PERIOD, _push

pytestmark = pytest.mark.usefixtures("on_sync_day")

# received total / online / direct+postal / carried | resolved total / early / on time / late | open total / in / late
A_ROW = (5, 0, 4, 1, 4, 2, 1, 1, 1, 0, 1)
B_ROW = (3, 0, 3, 0, 2, 0, 1, 1, 1, 1, 0)
TOTAL = (8, 0, 7, 1, 6, 2, 2, 2, 2, 1, 1)


def counts(row: Any) -> tuple[int, ...]:
    return (row.received_total, row.received_online, row.received_direct_postal, row.carried_over,
            row.resolved_total, row.resolved_early, row.resolved_on_time, row.resolved_late,
            row.in_progress_total, row.in_progress_on_time, row.in_progress_late)  # fmt: skip


def _world(world: World, levels: bool = True) -> None:
    if levels:
        with world.srv.tx() as s:
            s.add(Department(scope=UNIT_A, code="TP", name="Phòng Tư pháp", level="xa"))
            s.add(Department(scope=GLOBAL_SCOPE, code="TP", name="Sở Tư pháp", level="tinh"))
    _push(Counter(world.srv, world.device_a, "canbo.a"), A_CASES, "Hộ tịch", 1)
    _push(Counter(world.srv, world.device_b, "canbo.b"), B_CASES, "Đất đai", 1)


def test_the_rows_by_level_and_field(world: World) -> None:
    _world(world)
    with world.srv.session() as s:
        report = province_period_report(s, PERIOD)
        only_a = province_period_report(s, PERIOD, [UNIT_A])

    assert [(g.level, g.level_label) for g in report.groups] == [("tinh", "Cấp tỉnh"), ("xa", "Cấp xã")]
    tinh, xa = report.groups
    assert [(r.field, counts(r)) for r in tinh.rows] == [("Đất đai", B_ROW)]
    assert [(r.field, counts(r)) for r in xa.rows] == [("Hộ tịch", A_ROW)]
    assert counts(tinh.subtotal) == B_ROW and counts(xa.subtotal) == A_ROW
    assert counts(report.total) == TOTAL
    # the header of the province: its people's committee is the governing body of the offices
    assert (report.unit_code, report.unit_name) == ("", "Toàn tỉnh Quảng Ninh")
    assert report.governing_body == "UBND TỈNH QUẢNG NINH"

    assert [g.level for g in only_a.groups] == ["xa"] and counts(only_a.total) == A_ROW
    assert only_a.unit_code == UNIT_A and only_a.unit_name.endswith(UNIT_A)


def test_departments_the_server_does_not_know_have_no_level(world: World) -> None:
    _world(world, levels=False)
    with world.srv.session() as s:
        report = province_period_report(s, PERIOD)
    assert [(g.level, g.level_label) for g in report.groups] == [("", "Chưa xác định cấp")]
    assert [(r.field, counts(r)) for r in report.groups[0].rows] == [("Hộ tịch", A_ROW), ("Đất đai", B_ROW)]
    assert counts(report.total) == TOTAL


def _period(world: World, username: str, **params: str) -> Any:
    device = world.device_b if username.endswith(".b") else world.device_a
    headers = bearer(world.srv.login(username, device))
    query = {"from": "2026-11-01", "to": "2026-11-22"} | params
    return world.srv.client.get("/reports/period", params=query, headers=headers)


def test_the_period_route_by_role_and_scope(world: World) -> None:
    _world(world)
    answer = _period(world, "quantri.a", scope="province")
    assert answer.status_code == 200, answer.text
    province = PeriodReportResponse.model_validate(answer.json())
    assert province.scope == "province" and province.unit_name == "Toàn tỉnh Quảng Ninh"
    assert [g.level for g in province.groups] == ["tinh", "xa"]
    assert counts(province.total) == TOTAL and isinstance(province.total, PeriodRowWire)
    assert counts(province.groups[1].rows[0]) == A_ROW and province.groups[1].rows[0].field == "Hộ tịch"

    office = PeriodReportResponse.model_validate(_period(world, "giamsat.b").json())
    assert office.scope == "office" and office.unit_code == UNIT_B and office.unit_name.endswith(UNIT_B)
    assert [g.level_label for g in office.groups] == ["Cấp tỉnh"] and counts(office.total) == B_ROW
    assert office.governing_body == "UBND TỈNH QUẢNG NINH" and office.place_name == "Quảng Ninh"

    refused = _period(world, "giamsat.b", scope="province")
    assert refused.status_code == 403 and "toàn tỉnh" in refused.json()["detail"]["message"]
    assert _period(world, "canbo.a").status_code == 403
    bad = _period(world, "giamsat.a", **{"from": "2026-11-30", "to": "2026-11-01"})
    assert bad.status_code == 422 and "sau ngày kết thúc" in bad.json()["detail"]["message"]
    assert _period(world, "giamsat.a", scope="country").status_code == 422


def test_an_empty_period(world: World) -> None:
    _world(world)
    answer = _period(world, "giamsat.a", **{"from": "2025-01-01", "to": "2025-01-31"})
    report = PeriodReportResponse.model_validate(answer.json())
    assert report.groups == [] and counts(report.total) == (0,) * 11
