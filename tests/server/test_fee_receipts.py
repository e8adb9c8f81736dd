"""POST /fees/receipts/reserve: blocks of fee receipt numbers per unit and year, issued in order, never
overlapping (eight racing sessions, on SQLite and PostgreSQL), idempotent by request id, only for this
year or the next, and only to the caller's own device."""

from __future__ import annotations

import threading

import pytest

from app.domain.events import new_id
from app.sync.fee_wire import FeeReceiptReserveRequest, FeeReceiptReserveResponse
from tests.server.conftest import UNIT_A, UNIT_B, World
from tests.server.sync_helpers import Counter

pytestmark = pytest.mark.usefixtures("on_sync_day")  # the server's today is 2026-11-23


def _reserve(c: Counter, year: int, size: int, request_id: str | None = None, device_id: str | None = None):
    body = {"request_id": request_id or new_id(), "device_id": device_id or c.device.device_id, "year": year,
            "size": size}  # fmt: skip
    return c.srv.client.post("/fees/receipts/reserve", json=body, headers=c.headers)


def test_blocks_run_from_one_per_unit_and_year_idempotently(world: World) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    b = Counter(world.srv, world.device_b, "canbo.b")
    request_id = new_id()
    first = _reserve(a, 2026, 100, request_id)
    assert first.status_code == 200, first.text
    blocks = FeeReceiptReserveResponse.model_validate(first.json()).blocks
    assert [(x.unit_code, x.year, x.first, x.last) for x in blocks] == [(UNIT_A, 2026, 1, 100)]
    assert _reserve(a, 2026, 100, request_id).json() == first.json()  # a retried request: the same block
    assert _reserve(a, 2026, 5).json()["blocks"][0]["first"] == 101
    assert _reserve(a, 2027, 5).json()["blocks"][0]["first"] == 1  # a new year starts again at 1
    assert _reserve(b, 2026, 5).json()["blocks"][0] == {"unit_code": UNIT_B, "year": 2026, "first": 1, "last": 5}


def test_bad_requests_get_a_reason(world: World) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    answer = _reserve(a, 2025, 10)
    assert answer.status_code == 422 and "năm 2026 và 2027" in answer.json()["detail"]["message"]
    request_id = new_id()
    assert _reserve(a, 2026, 10, request_id).status_code == 200
    reused = _reserve(a, 2027, 10, request_id)
    assert reused.status_code == 409 and reused.json()["detail"]["code"] == "request_reused"
    other = _reserve(a, 2026, 10, device_id=world.device_b.device_id)
    assert other.status_code == 403


def test_eight_racing_sessions_never_share_a_number(world: World) -> None:
    from server.sync.fee_receipts import reserve

    srv = world.srv
    device_ids = [srv.device(UNIT_A, f"Quầy {i:02d}").device_id for i in range(8)]
    barrier = threading.Barrier(len(device_ids))
    found: list[tuple[int, int]] = []
    lock = threading.Lock()

    def run(device_id: str) -> None:
        barrier.wait()
        for _ in range(10):
            request = FeeReceiptReserveRequest(request_id=new_id(), device_id=device_id, year=2026, size=3)
            with srv.tx() as session:
                blocks = reserve(session, UNIT_A, request, srv.clock()).blocks
            with lock:
                found.extend((x.first, x.last) for x in blocks)

    threads = [threading.Thread(target=run, args=(d,)) for d in device_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = [n for first, last in found for n in range(first, last + 1)]
    assert sorted(numbers) == list(range(1, 8 * 10 * 3 + 1))
