"""Custody and processing steps on the server (SQLite and PostgreSQL): validation, state, and the
same paper folder handed over twice offline."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.events import new_id
from server.sync.models import Conflict, RejectedEvent, ServerDossier, ServerEvent
from tests.server.conftest import UNIT_A, World
from tests.server.sync_helpers import Counter, statuses

pytestmark = pytest.mark.usefixtures("on_sync_day")  # codes are reserved for DAY: the server's today

DEPT = {"kind": "department", "code": "TP", "name": "Phòng Tư pháp"}


def _counter_place(c: Counter) -> dict[str, str]:
    return {"kind": "counter", "code": c.unit, "name": "Trung tâm Phục vụ hành chính công"}


def _handover(
    c: Counter, kind: str, uid: str, parent: str, batch: str, source: Any, dest: Any, **extra: Any
) -> dict[str, Any]:
    payload = {"batch_id": batch, "unit_code": c.unit, "counter_name": "Quầy số 01", "from": source, "to": dest,
               "code": "", "parent_event_id": parent, **extra}  # fmt: skip
    return c.event(kind, payload, uid)


def _sent(c: Counter, uid: str, parent: str, batch: str | None = None, *, back: bool = False) -> dict[str, Any]:
    source, dest = (DEPT, _counter_place(c)) if back else (_counter_place(c), DEPT)
    return _handover(c, "custody.sent", uid, parent, batch or new_id(), source, dest, sent_at="2026-11-23T10:00:00")


def _received(c: Counter, sent: dict[str, Any]) -> dict[str, Any]:
    p = sent["payload"]
    return _handover(c, "custody.received", sent["dossier_uid"], sent["id"], p["batch_id"], p["from"], p["to"])


def _dossier(world: World, uid: str) -> ServerDossier:
    with world.srv.session() as s:
        row = s.get(ServerDossier, uid)
        assert row is not None
        return row


def _conflicts(world: World) -> list[Conflict]:
    with world.srv.session() as s:
        return list(s.scalars(select(Conflict).where(Conflict.unit_code == UNIT_A).order_by(Conflict.opened_at)))


def _reception(c: Counter) -> dict[str, Any]:
    first = c.reserve([date(2026, 11, 23)], 10).json()["blocks"][0]["first"]
    return c.received(first)


def test_a_whole_chain_moves_status_and_custody(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    rec = _reception(c)
    uid = rec["dossier_uid"]
    sent = _sent(c, uid, rec["id"])
    got = _received(c, sent)
    assert statuses(c.push([rec, sent])) == ["accepted", "accepted"]
    moving = _dossier(world, uid)
    assert (moving.custody_place, moving.custody_in_transit, moving.status) == ("department:TP", True, 2)
    assert statuses(c.push([got])) == ["accepted"]
    there = _dossier(world, uid)
    assert (there.custody_place, there.custody_in_transit, there.status) == ("department:TP", False, 4)
    back = _sent(c, uid, got["id"], back=True)
    home = _received(c, back)
    result = c.event("dossier.result_recorded", {"unit_code": c.unit, "result": "Trích lục khai sinh"}, uid)
    collector = {
        "kind": "applicant",
        "personal_id": "001090012345",
        "full_name": "Nguyễn Văn An",
        "authorisation_ref": "",
    }
    returned = c.event("dossier.returned", {"unit_code": c.unit, "collector": collector}, uid)
    assert statuses(c.push([back, home, result, returned])) == ["accepted"] * 4
    done = _dossier(world, uid)
    assert (done.status, done.custody_place, done.custody_disputed) == (10, "citizen:001090012345", False)
    assert _conflicts(world) == []


def test_two_counters_hand_over_the_same_folder_offline(world: World) -> None:
    one = Counter(world.srv, world.device_a, "canbo.a")
    two = Counter(world.srv, world.srv.device(UNIT_A, "Quầy số 02"), "canbo.a")
    rec = _reception(one)
    uid = rec["dossier_uid"]
    assert statuses(one.push([rec])) == ["accepted"]
    # Both counters pulled the reception, went offline, and both sent the folder.
    first, second = _sent(one, uid, rec["id"]), _sent(two, uid, rec["id"])
    assert statuses(one.push([first])) == ["accepted"]
    result = two.push([second])[0]
    assert result["status"] == "flagged" and len(result["conflict_ids"]) == 1
    assert result["flags"] == ["double_handover"]  # the counter learns the kind at once
    assert "bàn giao hai lần" in result["reason"]
    again = two.push([second])[0]  # a resend (answer lost) gets the stored result, kind included
    assert (again["status"], again["conflict_ids"], again["flags"]) == ("duplicate", result["conflict_ids"],
                                                                         ["double_handover"])  # fmt: skip
    (conflict,) = _conflicts(world)
    assert conflict.kind == "double_handover" and conflict.dossier_uid == uid
    assert conflict.event_ids == [second["id"], first["id"]]
    assert conflict.details["parent_event_id"] == rec["id"]
    assert _dossier(world, uid).custody_disputed
    with world.srv.session() as s:  # both kept: nothing dropped
        assert {e.id for e in s.scalars(select(ServerEvent).where(ServerEvent.dossier_uid == uid))} == {
            rec["id"], first["id"], second["id"]
        }  # fmt: skip
    # The other counter sees the flagged event in the feed.
    changes, _ = one.pull_all()
    assert second["id"] in {ch["event"]["id"] for ch in changes if ch["kind"] == "event"}


def test_a_send_by_someone_who_no_longer_holds_the_folder_is_flagged(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    rec = _reception(c)
    uid = rec["dossier_uid"]
    sent = _sent(c, uid, rec["id"])
    assert statuses(c.push([rec, sent, _received(c, sent)])) == ["accepted"] * 3
    stale = _sent(c, uid, rec["id"])  # still believes the folder is at the counter
    assert statuses(c.push([stale])) == ["flagged"]
    assert [k.kind for k in _conflicts(world)] == ["double_handover"]


def test_illegal_steps_and_a_second_apology_are_flagged_not_dropped(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    rec = _reception(c)
    uid = rec["dossier_uid"]
    collector = {"kind": "applicant", "personal_id": "001090012345", "full_name": "Nguyễn Văn An"}
    early_return = c.event("dossier.returned", {"unit_code": c.unit, "collector": collector}, uid)
    apology = {"unit_code": c.unit, "reason": "Chờ xác minh", "new_due_at": "2026-12-01T16:00"}
    first, second = c.event("dossier.due_extended", apology, uid), c.event("dossier.due_extended", apology, uid)
    assert statuses(c.push([rec, early_return, first, second])) == ["accepted", "flagged", "accepted", "flagged"]
    assert [k.kind for k in _conflicts(world)] == ["illegal_transition", "due_extended_twice"]
    row = _dossier(world, uid)
    assert row.status == 2 and row.due_extended and str(row.due_at) == "2026-12-01 16:00:00"


def test_malformed_steps_are_rejected_with_a_reason(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    rec = _reception(c)
    uid = rec["dossier_uid"]
    no_parent = _sent(c, uid, "")
    to_citizen = _handover(
        c, "custody.sent", uid, rec["id"], new_id(), _counter_place(c), {"kind": "citizen", "code": "x"}
    )
    bad_id = c.event(
        "dossier.returned",
        {"unit_code": c.unit, "collector": {"kind": "applicant", "personal_id": "12ab", "full_name": "A"}},
        uid,
    )
    rep = c.event(
        "dossier.returned",
        {"unit_code": c.unit, "collector": {"kind": "representative", "personal_id": "001090012345", "full_name": "B"}},
        uid,
    )
    no_items = c.event(
        "dossier.department_supplement_requested", {"unit_code": c.unit, "items": [], "reason": "x"}, uid
    )
    discrepancy = _handover(c, "custody.discrepancy", uid, "", new_id(), _counter_place(c), DEPT, discrepancy="lost")
    results = c.push([rec, no_parent, to_citizen, bad_id, rep, no_items, discrepancy])
    assert statuses(results) == ["accepted"] + ["rejected"] * 6
    reasons = [r["reason"] for r in results[1:]]
    assert "parent_event_id" in reasons[0] and "to.kind" in reasons[1] and "personal_id" in reasons[2]
    assert "authorisation_ref" in reasons[3] and "items" in reasons[4] and "discrepancy" in reasons[5]
    with world.srv.session() as s:
        assert s.query(RejectedEvent).count() == 6
    assert _dossier(world, uid).custody_place == f"counter:{c.unit}"
