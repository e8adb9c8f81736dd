"""POST /fees/receipts/reserve: blocks of fee receipt numbers per unit and year, issued in order, never
overlapping (eight racing sessions, on SQLite and PostgreSQL), idempotent by request id, only for this
year or the next, and only to the caller's own device; never a number a pushed payment printed already.
A pushed receipt number already on another payment is flagged ``duplicate_receipt`` (nothing
renumbered), and ``motcua-server admin fee-audit`` lists it."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from app.domain.events import new_id
from app.sync.fee_wire import FeeReceiptReserveRequest, FeeReceiptReserveResponse
from server.cli import admin_main
from server.sync.models import Conflict, ServerEvent
from tests.server.conftest import UNIT_A, UNIT_B, World
from tests.server.sync_helpers import Counter, statuses
from tests.server.test_rejected_migration import _upgrade, fresh  # noqa: F401  (the fixture: an empty database)

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


def _paid(c: Counter, number: int, year: int = 2026) -> dict[str, Any]:
    """A ``fee.paid`` event of ``c`` printing receipt ``number`` of ``year``."""
    payload = {
        "unit_code": c.unit, "code": f"{c.unit}-261123-0001", "counter_name": "Quầy số 01", "receipt_year": year,
        "receipt_series": f"BL{year % 100}", "receipt_no": number,
        "lines": [{"id": "le_phi", "name": "Lệ phí đăng ký", "amount": 8000}], "method": "cash",
        "payer_name": "Nguyễn Văn An", "paid_at": "2026-11-23T09:30:00",
    }  # fmt: skip
    return c.event("fee.paid", payload)


def test_a_block_starts_above_every_number_a_pushed_payment_printed(world: World) -> None:
    """A standalone PC's own book (1 … 57), pushed by its first pass after enrolment: no other counter of the
    unit is ever handed those numbers. Numbers of a device's fallback partition (above the server's
    range) do not move the blocks."""
    a = Counter(world.srv, world.device_a, "canbo.a")
    b = Counter(world.srv, world.srv.device(UNIT_A, "Quầy số 02"), "canbo.a")
    assert statuses(a.push([_paid(a, n) for n in (1, 2, 57)] + [_paid(a, 9_000_001)])) == ["accepted"] * 4
    assert _reserve(b, 2026, 100).json()["blocks"][0]["first"] == 58
    assert _reserve(a, 2026, 10).json()["blocks"][0]["first"] == 158
    assert statuses(b.push([_paid(b, 300)])) == ["accepted"]  # printed above the last block (an older client)
    assert _reserve(a, 2026, 10).json()["blocks"][0]["first"] == 301
    assert _reserve(a, 2027, 10).json()["blocks"][0]["first"] == 1  # another year's book is its own


def test_a_receipt_number_printed_twice_is_flagged_and_kept_as_printed(world: World) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    b = Counter(world.srv, world.srv.device(UNIT_A, "Quầy số 02"), "canbo.a")
    other_unit = Counter(world.srv, world.device_b, "canbo.b")
    first = _paid(a, 5)
    assert statuses(a.push([first])) == ["accepted"]
    assert statuses(other_unit.push([_paid(other_unit, 5)])) == ["accepted"]  # another unit's book
    assert statuses(a.push([_paid(a, 5, year=2027)])) == ["accepted"]  # another year's book
    clash = _paid(b, 5)
    result = b.push([clash])[0]
    assert result["status"] == "flagged" and result["flags"] == ["duplicate_receipt"]
    assert "BL26-0000005" in result["reason"] and "giữ nguyên" in result["reason"]
    assert b.push([clash])[0] == {**result, "status": "duplicate"}  # a resend: the same answer, no new conflict
    twice = [_paid(b, 6), _paid(b, 6)]  # one batch printing one number twice
    assert statuses(b.push(twice)) == ["accepted", "flagged"]
    with world.srv.session() as s:
        found = s.scalars(select(Conflict).where(Conflict.kind == "duplicate_receipt").order_by(Conflict.opened_at))
        conflicts = list(found)
        stored = s.get(ServerEvent, clash["id"])
        assert stored is not None and stored.payload["receipt_no"] == 5  # as printed
    assert [(k.unit_code, k.event_ids) for k in conflicts] == [
        (UNIT_A, [clash["id"], first["id"]]),
        (UNIT_A, [twice[1]["id"], twice[0]["id"]]),
    ]
    assert conflicts[0].details["receipt_no"] == 5 and conflicts[0].details["other_device_id"] == a.device.device_id


def _fee_audit(world: World, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = admin_main(["fee-audit", *args], out=out, err=err, settings_factory=lambda: world.srv.ctx.settings)
    return code, out.getvalue(), err.getvalue()


def test_fee_audit_prints_duplicates_and_numbers_never_issued_and_exits_1(world: World) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    b = Counter(world.srv, world.srv.device(UNIT_A, "Quầy số 02"), "canbo.a")
    assert _fee_audit(world) == (0, "Chưa có biên lai thu phí, lệ phí nào được đồng bộ lên máy chủ.\n", "")
    assert _reserve(a, 2026, 10).status_code == 200  # a: 1 … 10
    assert statuses(a.push([_paid(a, 1), _paid(a, 2)])) == ["accepted", "accepted"]
    code, out, _ = _fee_audit(world, "--unit", UNIT_A, "--year", "2026")
    assert code == 0 and "2 biên lai đã đồng bộ, không có điều cần xem xét" in out
    assert "Không có biên lai trùng số" in out
    assert statuses(b.push([_paid(b, 2), _paid(b, 40)])) == ["flagged", "accepted"]
    code, out, _ = _fee_audit(world, "--unit", UNIT_A.lower())
    assert code == 1, out
    assert "Biên lai BL26-0000002 in 2 lần: Quầy số 01 (hồ sơ" in out and "Quầy số 02 (hồ sơ" in out
    assert "Biên lai BL26-0000040 nằm ngoài các dải số máy chủ đã cấp" in out
    assert "Biên lai BL26-0000002 nằm ngoài" in out  # b was never issued 2 either
    assert "Tìm thấy 3 điều cần xem xét" in out and "không đánh lại số" in out
    assert _fee_audit(world, "--unit", UNIT_B)[:2] == (
        0, f"Chưa có biên lai thu phí, lệ phí nào của đơn vị {UNIT_B} được đồng bộ lên máy chủ.\n"
    )  # fmt: skip
    code, _, err = _fee_audit(world, "--unit", "000.99.00.H49")
    assert code == 1 and "Máy chủ không có đơn vị “000.99.00.H49”" in err
    with pytest.raises(SystemExit) as bad_year:
        _fee_audit(world, "--year", "26")
    assert bad_year.value.code == 2


def test_a_book_begun_on_paper_continues_after_the_last_number_used(world: World) -> None:
    """An office that numbered receipts on paper (or on a standalone PC: a PC with local work cannot be
    enrolled) tells the server where the book got to; blocks are cut after it, never lower."""
    a = Counter(world.srv, world.device_a, "canbo.a")

    def start(*args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = admin_main(["fee-book-start", *args], out=out, err=err, settings_factory=lambda: world.srv.ctx.settings)
        return code, out.getvalue(), err.getvalue()

    code, out, _ = start("--unit", UNIT_A.lower(), "--year", "2026", "--printed-up-to", "350")
    assert code == 0 and f"đơn vị {UNIT_A}: máy chủ cấp tiếp từ số 0000351" in out
    assert _reserve(a, 2026, 10).json()["blocks"][0]["first"] == 351
    assert start("--unit", UNIT_A, "--year", "2026", "--printed-up-to", "20")[:2] == (
        0,
        f"Quyển biên lai năm 2026 của đơn vị {UNIT_A}: máy chủ cấp tiếp từ số 0000361.\n",
    )  # fmt: skip  (never lowered below what was issued)
    assert _reserve(a, 2027, 5).json()["blocks"][0]["first"] == 1  # another year's book is untouched
    code, _, err = start("--unit", "000.99.00.H49", "--year", "2026", "--printed-up-to", "5")
    assert code == 1 and "Máy chủ không có đơn vị “000.99.00.H49”" in err
    for bad in ("0", "9000001", "mười"):
        with pytest.raises(SystemExit) as usage:
            start("--unit", UNIT_A, "--year", "2026", "--printed-up-to", bad)
        assert usage.value.code == 2


def test_migration_0016_back_fills_the_numbers_of_payments_stored_before_it(fresh: Engine) -> None:  # noqa: F811
    """Payments pushed to a server before 0016 count: their numbers are in ``fee_receipts_printed``."""
    _upgrade(fresh, "0015")
    with fresh.begin() as conn:
        for n, (kind, payload) in enumerate(
            [
                ("fee.paid", {"receipt_year": 2026, "receipt_no": 57, "unit_code": UNIT_A}),
                ("fee.paid", {"receipt_year": 2026, "receipt_no": 9_000_001, "unit_code": UNIT_A}),
                ("dossier.received", {"receipt_no": 3}),
            ]
        ):
            conn.execute(
                text(
                    "INSERT INTO events (id, device_id, device_seq, unit_code, type, dossier_uid, base_version,"
                    " officer_id, officer_name, occurred_at, hlc, payload, server_received_at, status, reason,"
                    " conflict_ids, flags) VALUES (:id, :d, :seq, :u, :t, :d, 0, :d, 'Cán bộ', '2026-11-23 09:00:00',"
                    " 'h', :p, '2026-11-23 02:00:00', 'accepted', '', '[]', '[]')"
                ),
                {
                    "id": f"01938a7b-0000-7000-8000-00000000000{n}",
                    "d": "01938a7b-0000-7000-8000-0000000000dd",
                    "seq": n + 1,
                    "u": UNIT_A,
                    "t": kind,
                    "p": json.dumps(payload),
                },
            )
    _upgrade(fresh, "head")
    with fresh.connect() as conn:
        rows = conn.execute(text("SELECT unit_code, year, number FROM fee_receipts_printed ORDER BY number")).all()
    fresh.dispose()
    assert [tuple(r) for r in rows] == [(UNIT_A, 2026, 57), (UNIT_A, 2026, 9_000_001)]
