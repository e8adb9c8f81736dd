"""GET /sync/pull: complete ordered feed, resumable cursor, office isolation, long-poll wake-up."""

from __future__ import annotations

import base64
import random
import string
import threading
import time
from typing import Any

import pytest

from app.sync.wire import PullResponse
from server.app import create_app
from tests.server.conftest import UNIT_A, UNIT_B, TestClient, World
from tests.server.sync_helpers import Counter, statuses


def counters(world: World) -> tuple[Counter, Counter, Counter]:
    """Two counters of office A (two PCs) and one of office B."""
    a1 = Counter(world.srv, world.device_a, "canbo.a")
    a2 = Counter(world.srv, world.srv.device(UNIT_A, "Quầy số 02"), "giamsat.a")
    b = Counter(world.srv, world.device_b, "canbo.b")
    return a1, a2, b


def event_ids(changes: list[dict[str, Any]]) -> list[str]:
    return [c["event"]["id"] for c in changes if c["kind"] == "event"]


def test_pull_returns_everything_in_order_and_the_cursor_resumes(world: World) -> None:
    a1, a2, _ = counters(world)
    pushed: list[str] = []
    for i in range(5):  # interleaved batches of both counters
        c = a1 if i % 2 == 0 else a2
        batch = [c.not_received("dossier.refused", personal_id=f"0010900{i:02d}{j:03d}") for j in range(7)]
        assert set(statuses(c.push(batch))) == {"accepted"}
        pushed += [e["id"] for e in batch]
    changes, cursor = a1.pull_all(limit=500)
    assert event_ids(changes) == pushed
    first = next(c for c in changes if c["kind"] == "event")  # the office set-up put "reference" ones first
    assert first["server_received_at"] and first["flags"] == []
    assert all(c.event is not None for c in PullResponse.model_validate(a1.pull()).changes if c.kind == "event")
    # small pages: the same events, none twice, in order
    paged: list[str] = []
    page_sizes = []
    cursor2 = ""
    while True:
        page = a2.pull(cursor2, limit=3)
        paged += event_ids(page["changes"])
        page_sizes.append(len(event_ids(page["changes"])))
        cursor2 = page["cursor"]
        if not page["more"]:
            break
    assert paged == pushed
    assert max(page_sizes) <= 3
    # resume: nothing new after the final cursor, then exactly the new events
    assert a1.pull(cursor)["changes"] == []
    later = [a2.not_received("dossier.refused", personal_id="001099999999")]
    a2.push(later)
    page = a1.pull(cursor)
    assert event_ids(page["changes"]) == [later[0]["id"]] and not page["more"]
    assert a1.pull(page["cursor"])["changes"] == []


def test_pull_event_is_the_pushed_event(world: World) -> None:
    a1, _, _ = counters(world)
    event = a1.not_received("dossier.supplement_requested")
    event["clock_offset_seconds"] = -42  # what the client sends (EventWire writes every field)
    older = a1.not_received("dossier.refused")  # a client before clock_offset_seconds: none sent
    a1.push([event, older])
    change, later = [c for c in a1.pull()["changes"] if c["kind"] == "event"]
    assert change["event"] == event
    # the feed writes every field of EventWire: one not sent comes as its default, null
    assert later["event"] == {**older, "clock_offset_seconds": None}


def test_offices_see_only_their_own_feed(world: World) -> None:
    a1, _, b = counters(world)
    mine = [a1.not_received("dossier.refused") for _ in range(3)]
    theirs = [b.not_received("dossier.refused") for _ in range(2)]
    a1.push(mine)
    b.push(theirs)
    assert event_ids(a1.pull_all()[0]) == [e["id"] for e in mine]
    assert event_ids(b.pull_all()[0]) == [e["id"] for e in theirs]
    assert a1.device.unit_code == UNIT_A and b.device.unit_code == UNIT_B


def test_a_cursor_that_is_not_ours_is_refused(world: World) -> None:
    a1, _, _ = counters(world)
    for bad in ("garbage!", "cDox", "aTp4"):  # junk, "p:1" (malformed), "i:x"
        answer = world.srv.client.get("/sync/pull", params={"cursor": bad}, headers=a1.headers)
        assert answer.status_code == 422 and answer.json()["detail"]["code"] == "cursor_invalid"
    assert world.srv.client.get("/sync/pull").status_code == 401


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "raw",
    [
        "i:" + "9" * 20,  # 20 digits: past a 64-bit row id (was a 500 on both databases)
        f"i:{2**63}",
        "s:" + "9" * 20,
        "p:1:" + "9" * 20,
        "i:-1",
        "i:",
        "i:5\n",
        "i:1:2",
        "i:١٢",  # Arabic-Indic digits: \d matches them, int() reads them
    ],
)
def test_a_cursor_that_decodes_to_no_sane_row_id_is_422(world: World, raw: str) -> None:
    a1, _, _ = counters(world)
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    answer = world.srv.client.get("/sync/pull", params={"cursor": cursor}, headers=a1.headers)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail["code"] == "cursor_invalid" and "Con trỏ đồng bộ không hợp lệ" in detail["message"]


def test_garbage_cursors_are_422_never_500(world: World) -> None:
    a1, _, _ = counters(world)
    rng = random.Random(13)
    cursors = ["é", "====", "a", "%%%", "\x00", _b64("\xff\xfe"), "-" * 200]
    cursors += ["".join(rng.choice(string.printable) for _ in range(rng.randint(1, 60))) for _ in range(40)]
    cursors += [_b64(f"i:{rng.randint(2**63, 10**20 - 1)}") for _ in range(10)]
    for cursor in cursors:
        answer = world.srv.client.get("/sync/pull", params={"cursor": cursor}, headers=a1.headers)
        assert answer.status_code == 422, (cursor, answer.text)
    top = world.srv.client.get("/sync/pull", params={"cursor": _b64(f"i:{2**63 - 1}")}, headers=a1.headers)
    assert top.status_code == 200 and top.json()["changes"] == []  # the largest id is still a cursor


def test_long_poll_returns_empty_after_wait(world: World) -> None:
    a1, _, _ = counters(world)
    _, cursor = a1.pull_all()  # past the office set-up's "reference" changes
    start = time.monotonic()
    page = a1.pull(cursor, wait=1)
    assert page["changes"] == [] and page["cursor"] == cursor and not page["more"]
    assert 0.9 <= time.monotonic() - start < 5


def test_long_poll_wakes_within_two_seconds_of_a_push_from_another_device(world: World) -> None:
    a1, a2, b = counters(world)
    a1.push([a1.not_received("dossier.refused")])
    _, cursor = a1.pull_all()
    for _round in range(2):
        got: dict[str, Any] = {}

        def wait_for_change(cur: str = cursor, out: dict[str, Any] = got) -> None:
            out["page"] = a1.pull(cur, wait=20)
            out["at"] = time.monotonic()

        waiter = threading.Thread(target=wait_for_change)
        waiter.start()
        time.sleep(0.5)  # the pull is waiting
        b.push([b.not_received("dossier.refused")])  # another office: must not wake it with data
        time.sleep(0.3)
        assert waiter.is_alive()
        event = a2.not_received("dossier.refused")
        pushed_at = time.monotonic()
        a2.push([event])
        waiter.join(10)
        assert not waiter.is_alive()
        assert event_ids(got["page"]["changes"]) == [event["id"]]
        assert got["at"] - pushed_at < 2.0, got["at"] - pushed_at
        cursor = got["page"]["cursor"]


@pytest.mark.parametrize("srv", ["postgresql"], indirect=True)  # SQLite runs one server process
def test_long_poll_wakes_on_a_commit_made_by_another_server_process(world: World) -> None:
    """PostgreSQL: a second app instance (another worker) pushes; LISTEN/NOTIFY wakes the first."""
    a1, a2, _ = counters(world)
    other = create_app(world.srv.ctx.settings, run_migrations=False)
    _, start = a1.pull_all()  # past the office set-up's "reference" changes
    with TestClient(other) as client2:
        got: dict[str, Any] = {}

        def wait_for_change() -> None:
            got["page"] = a1.pull(start, wait=20)
            got["at"] = time.monotonic()

        waiter = threading.Thread(target=wait_for_change)
        waiter.start()
        time.sleep(0.5)
        event = a2.not_received("dossier.refused")
        pushed_at = time.monotonic()
        answer = client2.post(
            "/sync/push", json={"device_id": a2.device.device_id, "events": [event]}, headers=a2.headers
        )
        assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "accepted"
        waiter.join(10)
        assert not waiter.is_alive()
        assert event_ids(got["page"]["changes"]) == [event["id"]]
        assert got["at"] - pushed_at < 2.0
