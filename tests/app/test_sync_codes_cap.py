"""A counter PC against a REAL server (uvicorn on loopback) that caps its dossier numbers a day.

When the server gives a shorter block, then none (``codes_per_device_day``), the sync pass still
succeeds, asks once per pass (no loop), and receptions go on from the device's fallback
partition until that is used up too, which ends in one clear Vietnamese error.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.store.db import transaction
from app.store.models import CodeBlock, CodeRequest, SyncState
from app.sync import wire
from app.sync.codes import FALLBACK, SERVER, CodesExhaustedError, codes_on_hand, take_number
from app.sync.engine import RESERVE_SIZE
from server.sync.conflicts import OFFICE_TZ
from tests.sync_support import Counter, MemoryKeyring, keyring_backend
from tests.test_sync_e2e import _serve

UNIT = "000.01.00.H49"
PASSWORD = "matkhau-2026"
CAP = RESERVE_SIZE + 50  # the second request of a day gets 50, the third nothing


@pytest.fixture
def counter(tmp_path: Path, template_db: Path) -> Iterator[Counter]:
    from server import admin
    from server.app import create_app
    from server.config import Settings
    from server.db import transaction as server_tx

    app = create_app(Settings(data_dir=tmp_path / "server", codes_per_device_day=CAP))
    with server_tx(app.state.ctx.factory) as s:
        now = datetime.now(UTC)
        admin.create_office(s, now, unit_code=UNIT, name="Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
                            governing_body="UBND TỈNH QUẢNG NINH", place_name="Quảng Ninh")  # fmt: skip
        admin.create_officer(s, now, UNIT, username="canbo", full_name="Nguyễn Thị Thuỳ Dương", role="officer",
                             password=PASSWORD)  # fmt: skip
        code = admin.create_enrolment_code(s, now, UNIT, hours=1).code
    server, thread, url = _serve(app)
    try:
        with keyring_backend(MemoryKeyring()):
            c = Counter.enrol(tmp_path / "pc", template_db, code, "Quầy số 01", server_url=url)
            try:
                yield c
            finally:
                c.close()
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        app.state.ctx.engine.dispose()


def _take(c: Counter, day: date, n: int) -> list[int]:
    with transaction(c.factory) as s:
        slot = s.scalars(select(SyncState.device_slot)).one()
        assert slot is not None
        return [take_number(s, UNIT, day, slot) for _ in range(n)]


def test_a_capped_device_falls_back_to_its_partition_without_looping(counter: Counter) -> None:
    today = datetime.now(OFFICE_TZ).date()  # the server's office date: its window is around it
    engine = counter.engine(today)
    first = engine.run_once()
    assert first.ok and first.reserved >= 1, first
    with counter.factory() as s:
        day = s.scalar(select(func.min(CodeBlock.day)).where(CodeBlock.source == SERVER))
        slot = s.scalars(select(SyncState.device_slot)).one()
    assert day is not None and slot is not None
    assert _take(counter, day, RESERVE_SIZE - 40) == list(range(1, RESERVE_SIZE - 39))  # 40 left: below the low water

    second = engine.run_once()  # asks 200 more, the server grants the 50 left under the cap
    assert second.ok and second.reserved == 1 and second.error == "", second
    with counter.factory() as s:
        assert codes_on_hand(s, UNIT, day).server_left == 90

    assert len(_take(counter, day, 90)) == 90
    for _ in range(3):  # at the cap: each pass asks once, gets nothing, and still succeeds
        later = engine.run_once()
        assert later.ok and later.reserved == 0 and later.error == "" and not later.notes, later
    with counter.factory() as s:
        requests = s.scalars(select(CodeRequest)).all()
        assert all(r.done for r in requests) and len(requests) == 5  # one per pass, none left pending
        assert s.scalar(select(func.sum(CodeBlock.last - CodeBlock.first + 1)).where(
            CodeBlock.day == day, CodeBlock.source == SERVER)) == CAP  # fmt: skip

    fallback = wire.fallback_range(slot)
    assert _take(counter, day, wire.FALLBACK_SIZE) == list(fallback)  # receptions go on, unique by construction
    with counter.factory() as s:
        on_hand = codes_on_hand(s, UNIT, day)
        assert (on_hand.server_left, on_hand.fallback_left) == (0, 0)
        assert s.scalars(select(CodeBlock.source).where(CodeBlock.day == day, CodeBlock.source == FALLBACK)).one()
    with pytest.raises(CodesExhaustedError, match="đã dùng hết số hồ sơ"):
        _take(counter, day, 1)
    assert engine.run_once().ok  # and sync keeps working
