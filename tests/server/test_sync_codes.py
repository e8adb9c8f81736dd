"""POST /codes/reserve: idempotent by request id, per day, never overlapping, 1…4999 only."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta
from typing import Any

from app.domain.events import new_id
from app.sync.wire import SERVER_BLOCK_MAX, ReserveResponse
from tests.server.conftest import UNIT_A, UNIT_B, World
from tests.server.sync_helpers import DAY, Counter


def test_a_reservation_is_idempotent_by_request_id(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    days = [DAY, DAY + timedelta(days=1), DAY]  # a repeated day counts once
    request_id = new_id()
    first = c.reserve(days, 50, request_id)
    assert first.status_code == 200, first.text
    blocks = ReserveResponse.model_validate(first.json()).blocks
    assert [(b.day, b.first, b.last) for b in blocks] == [(DAY, 1, 50), (DAY + timedelta(days=1), 1, 50)]
    assert all(b.unit_code == UNIT_A for b in blocks)
    assert c.reserve(days, 50, request_id).json() == first.json()
    assert c.reserve([DAY], 10).json()["blocks"][0]["first"] == 51  # a new request: the next numbers


def test_a_request_id_of_another_device_is_refused(world: World) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    a2 = Counter(world.srv, world.srv.device(UNIT_A, "Quầy số 02"), "giamsat.a")
    request_id = new_id()
    assert a.reserve([DAY], 5, request_id).status_code == 200
    answer = a2.reserve([DAY], 5, request_id)
    assert answer.status_code == 409 and answer.json()["detail"]["code"] == "request_reused"


def test_reserve_for_another_device_is_forbidden(world: World) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    body = {"request_id": new_id(), "device_id": world.device_b.device_id, "days": [DAY.isoformat()], "size": 5}
    answer = world.srv.client.post("/codes/reserve", json=body, headers=a.headers)
    assert answer.status_code == 403 and answer.json()["detail"]["code"] == "device_mismatch"


def test_units_number_independently_and_the_day_runs_out_at_4999(world: World) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    b = Counter(world.srv, world.device_b, "canbo.b")
    assert b.reserve([DAY], 7).json()["blocks"][0]["first"] == 1
    got = [a.reserve([DAY], 2000).json()["blocks"] for _ in range(4)]
    assert [(g[0]["first"], g[0]["last"]) for g in got[:3]] == [(1, 2000), (2001, 4000), (4001, SERVER_BLOCK_MAX)]
    assert got[3] == []  # used up: the device falls back to its own partition
    assert b.reserve([DAY], 1).json()["blocks"][0]["first"] == 8
    assert b.device.unit_code == UNIT_B


def test_eight_devices_reserving_at_once_never_overlap(world: World) -> None:
    """On PostgreSQL, eight threads race for the same unit and days (row lock on the counter)."""
    devices = [Counter(world.srv, world.srv.device(UNIT_A, f"Quầy {i:02d}"), "canbo.a") for i in range(8)]
    days = [DAY, DAY + timedelta(days=1)]
    per_thread = 6
    barrier = threading.Barrier(len(devices))
    found: list[tuple[str, dict[str, Any], str]] = []
    lock = threading.Lock()
    errors: list[str] = []

    def run(c: Counter) -> None:
        barrier.wait()
        for i in range(per_thread):
            request_id = new_id()
            answer = c.reserve(days, 37 + i, request_id)
            again = c.reserve(days, 37 + i, request_id)  # idempotent under load too
            if answer.status_code != 200 or again.json() != answer.json():
                errors.append(answer.text)
                continue
            with lock:
                found.extend((c.device.device_id, block, request_id) for block in answer.json()["blocks"])

    threads = [threading.Thread(target=run, args=(c,)) for c in devices]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(found) == len(devices) * per_thread * len(days)
    for day in days:
        spans = sorted((b["first"], b["last"]) for _, b, _ in found if b["day"] == day.isoformat())
        assert spans[0][0] == 1
        for (_, last), (first, _) in itertools.pairwise(spans):
            assert first == last + 1  # contiguous and disjoint
        assert spans[-1][1] == sum(37 + i for i in range(per_thread)) * len(devices)


def test_reserve_service_under_eight_racing_sessions(world: World) -> None:
    """The same race below HTTP: eight sessions, each commits its own block as fast as it can."""
    from app.sync.wire import ReserveRequest
    from server.sync.codes import reserve

    srv = world.srv
    device_ids = [srv.device(UNIT_A, f"Quầy {i:02d}").device_id for i in range(8)]
    barrier = threading.Barrier(len(device_ids))
    found: list[tuple[int, int]] = []
    lock = threading.Lock()

    def run(device_id: str) -> None:
        barrier.wait()
        for _ in range(15):
            request = ReserveRequest(request_id=new_id(), device_id=device_id, days=[DAY], size=3)
            with srv.tx() as session:
                blocks = reserve(session, UNIT_A, request, srv.clock()).blocks
            with lock:
                found.extend((b.first, b.last) for b in blocks)

    threads = [threading.Thread(target=run, args=(d,)) for d in device_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = [n for first, last in found for n in range(first, last + 1)]
    assert sorted(numbers) == list(range(1, 8 * 15 * 3 + 1))
