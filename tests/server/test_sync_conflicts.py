"""GET /conflicts and POST /conflicts/{id}/resolve: supervisors only, per office, resolution is an event."""

from __future__ import annotations

from typing import Any

from app.domain.events import new_id
from app.sync.wire import EventWire
from server.sync.conflicts import server_device_id
from tests.server.conftest import UNIT_A, UNIT_B, World
from tests.server.sync_helpers import Counter


def flagged(world: World, c: Counter, number: int = 4321) -> dict[str, Any]:
    """Push an event with a code the server never issued: one conflict."""
    (result,) = c.push([c.received(number)])
    assert result["status"] == "flagged"
    return result


def test_only_supervisors_and_admins_of_the_office_see_its_conflicts(world: World) -> None:
    officer = Counter(world.srv, world.device_a, "canbo.a")
    result = flagged(world, officer)
    forbidden = world.srv.client.get("/conflicts", headers=officer.headers)
    assert forbidden.status_code == 403
    for username in ("giamsat.a", "quantri.a"):
        boss = Counter(world.srv, world.device_a, username)
        answer = world.srv.client.get("/conflicts", headers=boss.headers)
        assert answer.status_code == 200, answer.text
        (conflict,) = answer.json()["conflicts"]
        assert conflict["id"] == result["conflict_ids"][0] and conflict["kind"] == "code_not_issued"
        assert conflict["unit_code"] == UNIT_A and conflict["resolved_at"] is None
    other = Counter(world.srv, world.device_b, "giamsat.b")
    assert world.srv.client.get("/conflicts", headers=other.headers).json()["conflicts"] == []


def test_resolving_records_the_decision_and_feeds_a_conflict_resolved_event(world: World) -> None:
    officer = Counter(world.srv, world.device_a, "canbo.a")
    supervisor = Counter(world.srv, world.device_a, "giamsat.a")
    cid = flagged(world, officer)["conflict_ids"][0]
    _, cursor = officer.pull_all()
    url = f"/conflicts/{cid}/resolve"
    decision = {"resolution": "Đã kiểm tra: mã do máy trạm cấp khi mất mạng, giữ nguyên."}
    answer = world.srv.client.post(url, json=decision, headers=supervisor.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["resolution"] == decision["resolution"] and body["resolved_by"] == supervisor.session["officer"]["id"]
    assert body["resolved_at"] is not None and body["resolution_event_id"]
    # every counter of the office receives it
    (change,) = officer.pull(cursor)["changes"]
    assert change["kind"] == "conflict.resolved"
    event = EventWire.model_validate(change["event"])
    assert event.id == body["resolution_event_id"] and event.type == "conflict.resolved"
    assert event.device_id == server_device_id(UNIT_A) and event.device_seq == 1
    assert event.payload["conflict_id"] == cid and event.payload["resolution"] == decision["resolution"]
    assert event.officer_id == supervisor.session["officer"]["id"] and event.officer_name == "Cán bộ giamsat.a"
    # the same resolution again is harmless; another one is refused
    again = world.srv.client.post(url, json=decision, headers=supervisor.headers)
    assert again.status_code == 200 and again.json() == body
    other = world.srv.client.post(url, json={"resolution": "Khác"}, headers=supervisor.headers)
    assert other.status_code == 409 and other.json()["detail"]["code"] == "already_resolved"
    assert officer.pull(officer.pull(cursor)["cursor"])["changes"] == []
    listing = world.srv.client.get("/conflicts", params={"state": "resolved"}, headers=supervisor.headers).json()
    assert [c["id"] for c in listing["conflicts"]] == [cid]
    assert world.srv.client.get("/conflicts", headers=supervisor.headers).json()["conflicts"] == []
    # a second resolution event of the office takes the next sequence number
    cid2 = flagged(world, officer, 4322)["conflict_ids"][0]
    second = world.srv.client.post(f"/conflicts/{cid2}/resolve", json=decision, headers=supervisor.headers).json()
    changes = officer.pull_all(cursor)[0]
    assert [c["event"]["device_seq"] for c in changes if c["kind"] == "conflict.resolved"] == [1, 2]
    assert changes[-1]["event"]["id"] == second["resolution_event_id"]


def test_another_office_cannot_resolve(world: World) -> None:
    officer = Counter(world.srv, world.device_a, "canbo.a")
    cid = flagged(world, officer)["conflict_ids"][0]
    stranger = Counter(world.srv, world.device_b, "giamsat.b")
    answer = world.srv.client.post(f"/conflicts/{cid}/resolve", json={"resolution": "x"}, headers=stranger.headers)
    assert answer.status_code == 404
    missing = world.srv.client.post(
        f"/conflicts/{new_id()}/resolve", json={"resolution": "x"}, headers=stranger.headers
    )
    assert missing.status_code == 404
    officer_try = world.srv.client.post(f"/conflicts/{cid}/resolve", json={"resolution": "x"}, headers=officer.headers)
    assert officer_try.status_code == 403
    assert stranger.device.unit_code == UNIT_B
