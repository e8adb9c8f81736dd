"""A dossier received for another unit (issue 16): it reaches the handling unit's feed, that unit may push
its steps, and nothing else of another office gets in (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from server.sync.models import ChangeRow, RejectedEvent, ServerDossier
from tests.server.conftest import UNIT_A, UNIT_B, World
from tests.server.sync_helpers import DAY, Counter, statuses

pytestmark = pytest.mark.usefixtures("on_sync_day")


def _pair(world: World) -> tuple[Counter, Counter]:
    a, b = Counter(world.srv, world.device_a, "canbo.a"), Counter(world.srv, world.device_b, "canbo.b")
    for c in (a, b):  # numbers 1… of the day, so that the codes below were issued
        assert c.reserve([DAY], 10).status_code == 200
    return a, b


def _received_for(a: Counter, handling_unit: str) -> dict[str, Any]:
    event = a.received(1)
    if handling_unit:
        event["payload"]["procedure"] |= {"handling_unit": handling_unit, "handling_unit_name": "Đơn vị B"}
    return event


def _result(b: Counter, dossier_uid: str, unit_code: str) -> dict[str, Any]:
    payload = {"unit_code": unit_code, "result": "Phiếu lý lịch tư pháp số 12", "recorded_at": "2026-11-24T10:00:00"}
    return b.event("dossier.result_recorded", payload, dossier_uid)


def _event_ids(changes: list[dict[str, Any]]) -> list[str]:
    return [c["event"]["id"] for c in changes if c.get("event")]


def test_the_handling_unit_sees_the_dossier_and_pushes_its_result_back(world: World) -> None:
    a, b = _pair(world)
    received = _received_for(a, UNIT_B)
    assert statuses(a.push([received])) == ["accepted"]
    with world.srv.session() as s:
        row = s.scalars(select(ServerDossier)).one()
        assert (row.unit_code, row.handling_unit) == (UNIT_A, UNIT_B)
    b_changes, b_cursor = b.pull_all()
    assert _event_ids(b_changes) == [received["id"]]  # in the handling unit's feed

    result = _result(b, received["dossier_uid"], UNIT_A)
    assert statuses(b.push([result])) == ["accepted"]
    with world.srv.session() as s:
        assert s.scalars(select(ServerDossier.status)).one() == 9
        feeds = sorted((c.unit_code, c.event_id) for c in s.scalars(select(ChangeRow).where(ChangeRow.kind == "event")))
    assert feeds == sorted([(UNIT_A, received["id"]), (UNIT_B, received["id"]), (UNIT_A, result["id"]),
                            (UNIT_B, result["id"])])  # fmt: skip
    a_changes, _ = a.pull_all()
    assert _event_ids(a_changes) == [received["id"], result["id"]]  # back at the place of receipt
    assert _event_ids(b.pull_all(b_cursor)[0]) == [result["id"]]


def test_another_office_may_not_step_a_dossier_it_does_not_handle(world: World) -> None:
    a, b = _pair(world)
    kept = _received_for(a, "")  # the office decides it itself
    assert statuses(a.push([kept])) == ["accepted"]
    assert _event_ids(b.pull_all()[0]) == []
    as_a = _result(b, kept["dossier_uid"], UNIT_A)
    as_b = _result(b, kept["dossier_uid"], UNIT_B)
    assert statuses(b.push([as_a, as_b])) == ["rejected", "rejected"]
    with world.srv.session() as s:
        assert s.scalars(select(ServerDossier.status)).one() == 2
        reasons = [r.reason for r in s.scalars(select(RejectedEvent).order_by(RejectedEvent.device_seq))]
    assert reasons == [
        f"Sự kiện ghi đơn vị “{UNIT_A}”, không phải đơn vị {UNIT_B} của máy trạm này.",
        "Hồ sơ của sự kiện thuộc đơn vị khác; máy chủ không nhận.",
    ]


def test_the_handling_unit_may_not_write_a_reception_decision_for_the_office(world: World) -> None:
    a, b = _pair(world)
    received = _received_for(a, UNIT_B)
    assert statuses(a.push([received])) == ["accepted"]
    forged = b.received(2)
    forged["payload"]["unit_code"] = UNIT_A
    forged["payload"]["code"] = f"{UNIT_A}-261123-0002"
    assert statuses(b.push([forged])) == ["rejected"]
