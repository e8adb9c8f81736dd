"""Push never sticks on size: batches bounded in bytes, a 413 halves the batch, an event too large
to ever send is set aside (rejected here, with a Vietnamese reason) and the rest drains.

Against the REAL central server (uvicorn on loopback, in a thread, SQLite), with its default
push body limit (8 MiB) and with a lower one (1 MiB, as an admin may set): before this, a batch
of large events over the limit was answered 413 and sent again, unchanged, at every pass.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.domain.catalog import Catalog
from app.domain.events import EventType, new_id, next_hlc
from app.services.drafts import DocumentCheck, ReceptionDraft
from app.services.reception import refuse
from app.store.db import transaction
from app.store.models import Device, Event, Outbox, OutboxState
from app.sync import wire
from tests.app.test_reception import APPLICANT, PROCEDURE
from tests.sync_processes import CODES_DAYS_BACK
from tests.sync_support import Counter, MemoryKeyring, keyring_backend
from tests.test_sync_e2e import PASSWORD, UNIT, LiveServer, _serve

NOW = datetime(2026, 11, 23, 9, 15)
MIB = 2**20


def _live(tmp_path: Path, push_limit: int) -> Iterator[LiveServer]:
    from server import admin
    from server.app import create_app
    from server.config import Settings

    settings = Settings(data_dir=tmp_path / "server", codes_days_back=CODES_DAYS_BACK, push_body_max_bytes=push_limit)
    live = LiveServer("", create_app(settings))
    with live.tx() as s:
        now = datetime.now(UTC)
        admin.create_office(s, now, unit_code=UNIT, name="Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
                            governing_body="UBND TỈNH QUẢNG NINH", place_name="Quảng Ninh")  # fmt: skip
        admin.create_officer(s, now, UNIT, username="canbo", full_name="Nguyễn Thị Thuỳ Dương", role="officer",
                             password=PASSWORD)  # fmt: skip
    server, thread, live.url = _serve(live.app)
    try:
        with keyring_backend(MemoryKeyring()):
            yield live
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _large_refusal(counter: Counter, catalog: Catalog, n: int) -> None:
    """A refusal listing 200 papers with long names: about 290 KB of JSON, within its contract."""
    papers = tuple(DocumentCheck(f"{n:03d} " + "Bản sao giấy tờ đất đai " * 41, "", 1, False, True) for _ in range(200))
    draft = ReceptionDraft(procedure_code=PROCEDURE, applicant=APPLICANT, documents=papers)
    with transaction(counter.factory) as s:
        refuse(s, counter.actor, catalog, draft, f"Không thuộc thẩm quyền ({n})", NOW)


def _legacy_giant(counter: Counter, dossier_uid: str) -> str:
    """An event an older version wrote before payloads had contracts: a 9 MiB print record,
    larger than any push body the server takes."""
    with transaction(counter.factory) as s:
        device = s.get(Device, counter.actor.device_id)
        assert device is not None
        device.last_seq += 1
        device.last_hlc = next_hlc(device.last_hlc, int(datetime.now(UTC).timestamp() * 1000), device.id)
        event = Event(
            id=new_id(), device_id=device.id, device_seq=device.last_seq, type=str(EventType.FORM_PRINTED),
            dossier_uid=dossier_uid, base_version=0, officer_id=counter.actor.officer_id,
            officer_name=counter.actor.full_name, occurred_at=NOW, hlc=device.last_hlc,
            payload={"form": "receipt", "output": "x" * (9 * MIB)},
        )  # fmt: skip
        s.add(event)
        s.add(Outbox(event_id=event.id, device_seq=event.device_seq))
        return event.id


@pytest.mark.parametrize("push_limit", [8 * MIB, 1 * MIB], ids=["server-8MiB", "server-1MiB"])
def test_a_queue_with_one_oversized_event_and_many_large_ones_drains(
    tmp_path: Path, template_db: Path, catalog: Catalog, push_limit: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.sync.engine")
    for live in _live(tmp_path, push_limit):
        counter = Counter.enrol(tmp_path / "pc", template_db, live.enrol_code(), "Quầy số 01", server_url=live.url)
        try:
            for n in range(18):
                _large_refusal(counter, catalog, n)
            with counter.factory() as s:
                first = s.scalars(select(Event).order_by(Event.device_seq)).first()
                assert first is not None
            giant = _legacy_giant(counter, first.dossier_uid)
            for n in range(18, 36):
                _large_refusal(counter, catalog, n)
            with counter.factory() as s:
                sizes = [len(str(e.payload).encode()) for e in s.scalars(select(Event)) if e.id != giant]
            assert sum(sizes) > push_limit  # without the giant, still too much for one batch bounded by count

            reports = [counter.engine().run_once(force=True) for _ in range(3)]
            assert reports[0].ok, reports[0].error
            assert (reports[0].accepted, reports[0].rejected) == (36, 1)
            with counter.factory() as s:
                rows = s.scalars(select(Outbox)).all()
                assert [(r.event_id, r.state) for r in rows] == [(giant, OutboxState.REJECTED)]
                assert rows[0].last_error.startswith("Sự kiện quá lớn (9.0 MiB), máy chủ không nhận")
                assert "Hãy báo bộ phận CNTT" in rows[0].last_error
                statuses = dict(s.execute(select(Event.sync_status, func.count()).group_by(Event.sync_status)).all())
                assert statuses == {"accepted": 36, "rejected": 1}
            assert all(r.ok and r.pushed == 0 for r in reports[1:])  # nothing resent, nothing stuck
            halved = [r for r in caplog.records if "too large for the server; trying" in r.getMessage()]
            # Batches of at most wire.MAX_PUSH_BYTES: only a server set below it answers 413 to one.
            assert bool(halved) is (push_limit < wire.MAX_PUSH_BYTES)
            with live.tx() as s:
                from server.sync.models import ServerEvent

                assert s.scalar(select(func.count()).select_from(ServerEvent)) == 36
        finally:
            counter.close()
