"""POST /sync/push: idempotency, per-event results, rejected events never block, flags open conflicts."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.events import new_id
from app.sync.wire import fallback_range
from server.models import Device
from server.sync.models import ChangeRow, Conflict, DeviceSync, RejectedEvent, ServerDossier, ServerEvent
from tests.server.conftest import UNIT_A, UNIT_B, Srv, World, bearer
from tests.server.sync_helpers import DAY, Counter, statuses

pytestmark = pytest.mark.usefixtures("on_sync_day")  # codes are reserved for DAY: the server's today


def counter(world: World, unit: str = UNIT_A, username: str = "canbo.a", *, new_device: bool = False) -> Counter:
    device = world.device_a if unit == UNIT_A else world.device_b
    if new_device:
        device = world.srv.device(unit, "Quầy số 02")
    return Counter(world.srv, device, username)


def blocks(c: Counter, size: int = 100, day: date = DAY) -> tuple[int, int]:
    answer = c.reserve([day], size)
    assert answer.status_code == 200, answer.text
    block = answer.json()["blocks"][0]
    return block["first"], block["last"]


def conflicts_of(srv: Srv, unit: str = UNIT_A) -> list[Conflict]:
    with srv.session() as s:
        return list(s.scalars(select(Conflict).where(Conflict.unit_code == unit).order_by(Conflict.opened_at)))


# --- idempotency ----------------------------------------------------------------------------


def test_accepted_then_a_resend_is_a_duplicate_with_the_original_result(world: World) -> None:
    c = counter(world)
    first, _ = blocks(c)
    events = [c.received(first), c.received(first + 1, personal_id="001090099999")]
    events.append(c.printed(events[0]["dossier_uid"]))
    assert statuses(c.push(events)) == ["accepted"] * 3
    again = c.push(events)
    assert statuses(again) == ["duplicate"] * 3
    assert all(r["conflict_ids"] == [] for r in again)
    # a later batch that overlaps the first (a lost response) is just as harmless
    more = [c.received(first + 2, personal_id="001090077777")]
    assert statuses(c.push(events[1:] + more)) == ["duplicate", "duplicate", "accepted"]
    with world.srv.session() as s:
        assert s.query(ServerEvent).count() == 4
        assert s.query(ChangeRow).filter(ChangeRow.kind == "event").count() == 4  # (+ "reference" ones)
        assert s.query(ServerDossier).count() == 3
        state = s.get(DeviceSync, c.device.device_id)
        assert state is not None and state.max_seq == 4 and state.last_push_at is not None


def test_a_flagged_event_resent_returns_its_conflicts_again(world: World) -> None:
    c = counter(world)
    event = c.received(1234)  # no block issued: outside what the server gave this device
    result = c.push([event])[0]
    assert result["status"] == "flagged" and len(result["conflict_ids"]) == 1
    again = c.push([event])[0]
    assert again["status"] == "duplicate"
    assert again["conflict_ids"] == result["conflict_ids"] and again["reason"] == result["reason"]
    assert len(conflicts_of(world.srv)) == 1


def test_same_sequence_with_another_event_id_is_rejected(world: World) -> None:
    c = counter(world)
    first, _ = blocks(c)
    original = c.received(first)
    assert statuses(c.push([original])) == ["accepted"]
    impostor = dict(c.received(first + 1, personal_id="001090055555"), device_seq=original["device_seq"])
    result = c.push([impostor])[0]
    assert result["status"] == "rejected" and "đã được dùng" in result["reason"]
    # final: the same answer on a resend, and the original is untouched
    assert c.push([impostor])[0]["status"] == "rejected"
    assert statuses(c.push([original])) == ["duplicate"]
    with world.srv.session() as s:
        assert s.get(RejectedEvent, impostor["id"]) is not None
        assert s.get(ServerEvent, impostor["id"]) is None


def test_an_event_id_reused_at_another_sequence_is_rejected(world: World) -> None:
    c = counter(world)
    first, _ = blocks(c)
    event = c.received(first)
    c.push([event])
    moved = dict(event, device_seq=c.seq + 1)
    c.seq += 1
    assert c.push([moved])[0]["status"] == "rejected"


# --- rejected events never block --------------------------------------------------------------


def test_rejected_events_do_not_block_the_rest_of_the_batch(world: World) -> None:
    c = counter(world)
    first, _ = blocks(c)
    good_1 = c.received(first)
    bad_shape = c.received(first + 1, personal_id="001090011111")
    del bad_shape["payload"]["applicant"]
    unknown = c.event("dossier.teleported", {"unit_code": UNIT_A})
    other_unit = c.received(first + 2, personal_id="001090022222")
    other_unit["payload"]["unit_code"] = UNIT_B
    bad_wire = c.received(first + 3, personal_id="001090033333")
    bad_wire["hlc"] = "not a clock"
    bad_code = c.received(first + 4, personal_id="001090044444")
    bad_code["payload"]["code"] = "KHÔNG-PHẢI-MÃ"
    nul = c.received(first + 5, personal_id="001090066666")
    nul["payload"]["note"] = "a\x00b"
    aware = c.received(first + 6, personal_id="001090088888")
    aware["occurred_at"] = "2026-11-23T09:15:00+07:00"
    too_long = c.received(first + 7, personal_id="001090012121")
    too_long["payload"]["applicant"]["personal_id"] = "9" * 21
    good_2 = c.received(first + 8, personal_id="001090077777")
    batch = [good_1, bad_shape, unknown, other_unit, bad_wire, bad_code, nul, aware, too_long, good_2]
    results = c.push(batch)
    assert statuses(results) == ["accepted"] + ["rejected"] * 8 + ["accepted"]
    assert all(r["reason"] for r in results[1:-1])
    assert "dossier.teleported" in results[2]["reason"]
    with world.srv.session() as s:
        codes = dict(s.execute(select(RejectedEvent.id, RejectedEvent.code)).all())
    assert codes[unknown["id"]] == "unknown_type" and codes[other_unit["id"]] == "other_unit"
    assert codes[bad_shape["id"]] == "malformed" and codes[bad_wire["id"]] == "malformed"
    # the queue moves on: later events of the device are accepted, rejected ones stay rejected
    assert statuses(c.push([bad_shape, c.received(first + 9, personal_id="001090010101")])) == ["rejected", "accepted"]


def test_a_body_that_is_not_a_batch_is_refused_whole(world: World) -> None:
    c = counter(world)
    a, b = c.received(1), c.received(2)
    out_of_order = c.push_raw([b, a])
    assert out_of_order.status_code == 422 and out_of_order.json()["detail"]["code"] == "invalid_batch"
    bad_id = dict(a, id="nope")
    assert c.push_raw([bad_id]).status_code == 422
    assert c.push_raw([]).status_code == 422
    not_json = world.srv.client.post("/sync/push", content=b"{", headers=c.headers)
    assert not_json.status_code == 422


def test_push_for_another_device_or_office_is_forbidden(world: World) -> None:
    c = counter(world)
    b = counter(world, UNIT_B, "canbo.b")
    event = c.received(1)
    foreign = world.srv.client.post(
        "/sync/push", json={"device_id": b.device.device_id, "events": [dict(event, device_id=b.device.device_id)]},
        headers=c.headers,
    )  # fmt: skip
    assert foreign.status_code == 403 and foreign.json()["detail"]["code"] == "device_mismatch"
    assert (
        world.srv.client.post("/sync/push", json={"device_id": c.device.device_id, "events": [event]}).status_code
        == 401
    )


# --- flags ----------------------------------------------------------------------------------


def test_code_outside_issued_blocks_and_partition_is_flagged(world: World) -> None:
    c = counter(world)
    first, last = blocks(c, size=10)
    slot = c.device.slot
    inside_block = c.received(last, personal_id="001090000001")
    inside_partition = c.received(fallback_range(slot)[0], personal_id="001090000002")
    other_partition = c.received(fallback_range(slot + 1)[0], personal_id="001090000003")
    beyond_block = c.received(last + 1, personal_id="001090000004")
    other_day = c.received(first, personal_id="001090000005", day=DAY + timedelta(days=1))
    results = c.push([inside_block, inside_partition, other_partition, beyond_block, other_day])
    assert statuses(results) == ["accepted", "accepted", "flagged", "flagged", "flagged"]
    opened = conflicts_of(world.srv)
    assert [k.kind for k in opened] == ["code_not_issued"] * 3
    assert {k.id for k in opened} == {cid for r in results[2:] for cid in r["conflict_ids"]}
    assert opened[0].event_ids == [other_partition["id"]]


def test_duplicate_code_is_flagged_and_never_renumbered(world: World) -> None:
    c1 = counter(world)
    c2 = counter(world, username="giamsat.a", new_device=True)
    first, _ = blocks(c1)
    original = c1.received(first, personal_id="001090000011")
    assert statuses(c1.push([original])) == ["accepted"]
    clash = c2.received(first, personal_id="001090000022")  # c2 printed the same number
    result = c2.push([clash])[0]
    assert result["status"] == "flagged"
    kinds = sorted(k.kind for k in conflicts_of(world.srv))
    assert kinds == ["code_not_issued", "duplicate_code"]
    with world.srv.session() as s:
        holder = s.get(ServerDossier, original["dossier_uid"])
        second = s.get(ServerDossier, clash["dossier_uid"])
        assert holder is not None and second is not None
        assert holder.code == original["payload"]["code"]
        assert second.code is None and second.printed_code == original["payload"]["code"]
        stored = s.get(ServerEvent, clash["id"])
        assert stored is not None and stored.payload["code"] == original["payload"]["code"]
    duplicate = next(k for k in conflicts_of(world.srv) if k.kind == "duplicate_code")
    assert duplicate.event_ids == [clash["id"], original["id"]]
    assert duplicate.details["other_dossier_uid"] == original["dossier_uid"]


def test_possible_duplicate_dossier_at_two_counters_is_flagged(world: World) -> None:
    c1 = counter(world)
    c2 = counter(world, username="giamsat.a", new_device=True)
    n1, _ = blocks(c1)
    n2, _ = blocks(c2)
    assert statuses(c1.push([c1.received(n1, personal_id="001090012345")])) == ["accepted"]
    same_person = c2.received(n2, personal_id="001090012345")
    other_procedure = c2.received(n2 + 1, personal_id="001090012345", procedure_code="2.000001")
    other_day = c2.received(n2 + 2, personal_id="001090012345", day=DAY + timedelta(days=1))
    blocks(c2, day=DAY + timedelta(days=1))
    results = c2.push([same_person, other_procedure, other_day])
    assert statuses(results) == ["flagged", "accepted", "flagged"]  # other day: only its code is off-block
    dup = [k for k in conflicts_of(world.srv) if k.kind == "possible_duplicate"]
    assert len(dup) == 1 and dup[0].id in results[0]["conflict_ids"]
    assert dup[0].details["personal_id"] == "001090012345"
    # the same device twice is not flagged (the officer sees their own list), nor a refusal
    mine = [c1.received(n1 + i, personal_id="001090099999") for i in (1, 2)]
    assert statuses(c1.push(mine[:1])) == ["accepted"]
    assert statuses(c1.push(mine[1:])) == ["accepted"]
    c3 = counter(world, username="quantri.a", new_device=True)
    n3, _ = blocks(c3)
    refused = c3.not_received("dossier.refused", personal_id="001090054321")
    assert statuses(c3.push([refused])) == ["accepted"]
    after_refusal = c1.received(n1 + 3, personal_id="001090054321")
    assert statuses(c1.push([after_refusal])) == ["accepted"]
    assert n3 > 0


def test_illegal_status_transition_is_stored_flagged_and_state_kept(world: World) -> None:
    c = counter(world)
    first, _ = blocks(c)
    refused = c.not_received("dossier.refused")
    uid = refused["dossier_uid"]
    supplement = c.not_received("dossier.supplement_requested", personal_id="001090000777")
    back = c.received(first, dossier_uid=supplement["dossier_uid"], personal_id="001090000777")
    after_refusal = c.received(first + 1, dossier_uid=uid)
    results = c.push([refused, supplement, back, after_refusal])
    assert statuses(results) == ["accepted", "accepted", "accepted", "flagged"]
    assert "Không thể chuyển" in results[3]["reason"]
    with world.srv.session() as s:
        assert s.get(ServerEvent, after_refusal["id"]) is not None
        dossier = s.get(ServerDossier, uid)
        assert dossier is not None and dossier.status == 3 and dossier.version == 1
        resumed = s.get(ServerDossier, supplement["dossier_uid"])
        assert resumed is not None and resumed.status == 2 and resumed.version == 2
        assert resumed.code == back["payload"]["code"]
    (conflict,) = conflicts_of(world.srv)
    assert conflict.kind == "illegal_transition" and conflict.details == {"from": 3, "to": 2, "dossier_version": 1}


def test_an_event_on_another_offices_dossier_is_rejected(world: World) -> None:
    a = counter(world)
    b = counter(world, UNIT_B, "canbo.b")
    nb, _ = blocks(b)
    theirs = b.received(nb)
    b.push([theirs])
    mine = a.received(1, dossier_uid=theirs["dossier_uid"])
    assert statuses(a.push([mine])) == ["rejected"]


# --- the client's own events ----------------------------------------------------------------


def test_an_event_written_by_the_client_reception_service_is_accepted(
    world: World, factory: Any, actor: Any, catalog: Any
) -> None:
    """Payload compatibility: a real dossier.received from app.services.reception."""
    from app.domain.calendar import WorkingCalendar
    from app.services.applicant import ApplicantDraft
    from app.services.drafts import ReceptionDraft, checklist
    from app.services.reception import receive_dossier
    from app.store.db import transaction
    from app.store.models import Event
    from tests.conftest import NOW

    c = counter(world)
    assert c.reserve([NOW.date()], 20).json()["blocks"][0]["first"] == 1
    proc = catalog.get("2.000635")
    draft = ReceptionDraft(
        procedure_code=proc.code,
        applicant=ApplicantDraft(
            full_name="Trần Thị Bình",
            personal_id="001190012345",
            birth_date=date(1990, 1, 1),
            sex="Nữ",
            address="Phường Hồng Gai, Quảng Ninh",
            phone="0987654321",
        ),
        documents=tuple(replace(d, submitted=True) for d in checklist(proc)),
    )
    with transaction(factory) as session:
        summary, _ = receive_dossier(session, actor, catalog, WorkingCalendar(), draft, NOW)
        row = session.get(Event, summary.event_id)
        assert row is not None
        wire = {
            "id": row.id,
            "device_id": c.device.device_id,  # the local store's device stands for the enrolled PC
            "device_seq": row.device_seq,
            "type": row.type,
            "dossier_uid": row.dossier_uid,
            "base_version": row.base_version,
            "officer_id": c.session["officer"]["id"],
            "officer_name": row.officer_name,
            "occurred_at": row.occurred_at.isoformat(),
            "hlc": row.hlc.rsplit(":", 1)[0] + ":" + c.device.device_id,
            "payload": dict(row.payload, unit_code=UNIT_A, code=row.payload["code"].replace(actor.unit_code, UNIT_A)),
        }
    result = c.push([wire])[0]
    assert result["status"] == "accepted", result
    with world.srv.session() as s:
        dossier = s.get(ServerDossier, wire["dossier_uid"])
        assert dossier is not None and dossier.applicant_name == "Trần Thị Bình" and dossier.status == 2
        assert dossier.received_at == datetime.fromisoformat(wire["payload"]["received_at"])


# --- concurrency (both backends; real races on PostgreSQL) ------------------------------------


def test_two_devices_pushing_the_same_code_at_once_give_one_holder(world: World) -> None:
    c1 = counter(world)
    c2 = counter(world, username="giamsat.a", new_device=True)
    first, _ = blocks(c1)
    rounds = 6
    pairs = [
        (c1.received(first + i, personal_id=f"00109100{i:04d}"), c2.received(first + i, personal_id=f"00109200{i:04d}"))
        for i in range(rounds)
    ]
    barrier = threading.Barrier(2)
    results: dict[str, list[str]] = {}

    def run(c: Counter, events: list[dict[str, Any]]) -> None:
        for event in events:
            barrier.wait()
            results.setdefault(c.device.device_id, []).extend(statuses(c.push([event])))

    threads = [
        threading.Thread(target=run, args=(c1, [p[0] for p in pairs])),
        threading.Thread(target=run, args=(c2, [p[1] for p in pairs])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with world.srv.session() as s:
        rows = s.scalars(select(ServerDossier)).all()
        assert len(rows) == 2 * rounds
        held = [r.code for r in rows if r.code is not None]
        assert len(held) == len(set(held)) == rounds
    dup = [k for k in conflicts_of(world.srv) if k.kind == "duplicate_code"]
    assert len(dup) == rounds


def test_a_revoked_device_cannot_push(world: World) -> None:
    c = counter(world)
    with world.srv.tx() as s:
        device = s.get(Device, c.device.device_id)
        assert device is not None
        device.revoked_at = world.srv.clock()
    assert c.push_raw([c.received(1)]).status_code in (401, 403)


@pytest.mark.parametrize("kind", ["dossier.supplement_requested", "dossier.refused"])
def test_decisions_without_a_code_are_accepted(world: World, kind: str) -> None:
    c = counter(world)
    event = c.not_received(kind)
    assert statuses(c.push([event])) == ["accepted"]
    with world.srv.session() as s:
        dossier = s.get(ServerDossier, event["dossier_uid"])
        assert dossier is not None and dossier.code is None and dossier.printed_code is None
    assert bearer(c.session)


def test_server_received_at_and_pushed_events_keep_their_fields(world: World) -> None:
    c = counter(world)
    first, _ = blocks(c)
    event = c.received(first)
    c.push([event])
    with world.srv.session() as s:
        row = s.get(ServerEvent, event["id"])
        assert row is not None
        assert row.payload == event["payload"] and row.hlc == event["hlc"]
        assert row.occurred_at == datetime.fromisoformat(event["occurred_at"])
        assert row.server_received_at == world.srv.clock()
        assert row.officer_id == event["officer_id"] and row.status == "accepted"
    assert new_id() != event["id"]
