"""POST /codes/reserve: idempotent by request id, per day, never overlapping, 1…4999 only, at most
``codes_per_device_day`` a device and day, and only for days near the office's today."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.events import new_id
from app.sync.wire import SERVER_BLOCK_MAX, ReserveResponse
from server.sync.models import CodeBlockRow, CodeCounter
from tests.server.conftest import UNIT_A, UNIT_B, World
from tests.server.sync_helpers import DAY, Counter

pytestmark = pytest.mark.usefixtures("on_sync_day")  # the server's today is DAY


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
    b = Counter(world.srv, world.device_b, "canbo.b")
    assert b.reserve([DAY], 7).json()["blocks"][0]["first"] == 1
    counters = [Counter(world.srv, world.srv.device(UNIT_A, f"Quầy {i:02d}"), "canbo.a") for i in range(11)]
    got = [c.reserve([DAY], 2000).json()["blocks"] for c in counters]  # 500 each (the cap)
    spans = [(g[0]["first"], g[0]["last"]) for g in got[:10]]
    assert spans == [(1 + 500 * i, 500 * (i + 1)) for i in range(9)] + [(4501, SERVER_BLOCK_MAX)]
    assert got[10] == []  # used up: the device falls back to its own partition
    assert b.reserve([DAY], 1).json()["blocks"][0]["first"] == 8
    assert b.device.unit_code == UNIT_B


def test_one_device_cannot_take_the_whole_day(world: World) -> None:
    """Issue 13: three requests of 2,000 took 1…4999 for one counter; now 500 a device and day."""
    a = Counter(world.srv, world.device_a, "canbo.a")
    got = [a.reserve([DAY], 2000) for _ in range(3)]
    assert [g.status_code for g in got] == [200, 200, 200]
    assert [[(b["first"], b["last"]) for b in g.json()["blocks"]] for g in got] == [[(1, 500)], [], []]
    other = Counter(world.srv, world.srv.device(UNIT_A, "Quầy số 02"), "canbo.a")
    assert [(b["first"], b["last"]) for b in other.reserve([DAY], 200).json()["blocks"]] == [(501, 700)]
    # A request past the cap gets what is left under it (a shorter block), then nothing.
    assert [(b["first"], b["last"]) for b in other.reserve([DAY], 400).json()["blocks"]] == [(701, 1000)]
    assert other.reserve([DAY], 1).json()["blocks"] == []
    # The cap is per day: the next day is served as before.
    assert a.reserve([DAY + timedelta(days=1)], 200).json()["blocks"][0]["first"] == 1


def test_the_cap_is_a_setting(world: World) -> None:
    world.srv.ctx.settings.codes_per_device_day = 120
    a = Counter(world.srv, world.device_a, "canbo.a")
    assert [(b["first"], b["last"]) for b in a.reserve([DAY], 200).json()["blocks"]] == [(1, 120)]
    assert a.reserve([DAY], 200).json()["blocks"] == []


def test_the_cap_holds_when_one_device_races_itself(world: World) -> None:
    """Eight requests of one device at once (PostgreSQL: row lock on the counter): 500 in all."""
    a = Counter(world.srv, world.device_a, "canbo.a")
    barrier = threading.Barrier(8)
    sizes: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        answer = a.reserve([DAY], 150)
        with lock:
            sizes.extend(b["last"] - b["first"] + 1 for b in answer.json()["blocks"])

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sizes) == 500 and sorted(sizes) == [50, 150, 150, 150]


@pytest.mark.parametrize("bad", [date(1, 1, 1), date(1970, 1, 1), date(9999, 12, 31), DAY - timedelta(days=2),
                                 DAY + timedelta(days=8)])  # fmt: skip
def test_days_far_from_today_are_refused_with_a_reason(world: World, bad: date) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    answer = a.reserve([bad], 10)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail["code"] == "days_out_of_range"
    assert "từ 22/11/2026 đến 30/11/2026" in detail["message"] and f"{bad:%d/%m/%Y}" in detail["message"]
    assert "ngày giờ của máy trạm" in detail["message"]
    with world.srv.session() as s:
        assert s.scalars(select(CodeBlockRow)).all() == [] and s.scalars(select(CodeCounter)).all() == []


def test_only_the_days_inside_the_window_are_served(world: World) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    days = [date(1, 1, 1), DAY - timedelta(days=1), DAY, DAY + timedelta(days=7), date(9999, 12, 31)]
    answer = a.reserve(days, 10)
    assert answer.status_code == 200, answer.text
    assert [b["day"] for b in answer.json()["blocks"]] == [d.isoformat() for d in days[1:4]]


def test_the_window_follows_the_office_date_not_utc(world: World) -> None:
    world.srv.clock.now = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 00:30 on the 24th in Vietnam
    a = Counter(world.srv, world.device_a, "canbo.a")
    assert a.reserve([DAY + timedelta(days=8)], 5).status_code == 200  # 1 December: the 24th + 7
    assert a.reserve([DAY - timedelta(days=1)], 5).status_code == 422  # the 22nd: two days back there


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
