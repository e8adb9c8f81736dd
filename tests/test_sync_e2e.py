"""End to end: two client databases against the REAL central server (uvicorn on loopback, SQLite).

The server runs in-process in a thread (``server.app.create_app(Settings(data_dir=tmp))``) on a
free loopback port; the clients talk HTTP to it exactly as counter PCs do.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from app.domain.catalog import Catalog
from app.store.models import Dossier, Event, Outbox, SyncState
from app.sync.state import read_status
from tests.sync_processes import CODES_DAYS_BACK
from tests.sync_support import Counter, MemoryKeyring, keyring_backend

UNIT = "000.01.00.H49"
PASSWORD = "matkhau-2026"


@dataclass
class LiveServer:
    url: str
    app: Any

    def tx(self) -> Any:
        from server.db import transaction

        return transaction(self.app.state.ctx.factory)

    def enrol_code(self) -> str:
        from server import admin

        with self.tx() as s:
            return str(admin.create_enrolment_code(s, datetime.now(UTC), UNIT, hours=1).code)


def _serve(app: Any) -> tuple[Any, threading.Thread, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    from server import admin
    from server.app import create_app
    from server.config import Settings

    app = create_app(Settings(data_dir=tmp_path / "server", codes_days_back=CODES_DAYS_BACK))
    live = LiveServer("", app)
    with live.tx() as s:
        now = datetime.now(UTC)
        admin.create_office(s, now, unit_code=UNIT, name="Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
                            governing_body="UBND TỈNH QUẢNG NINH", place_name="Quảng Ninh")  # fmt: skip
        admin.create_officer(s, now, UNIT, username="canbo", full_name="Nguyễn Thị Thuỳ Dương", role="officer",
                             password=PASSWORD)  # fmt: skip
    server, thread, live.url = _serve(app)
    try:
        with keyring_backend(MemoryKeyring()):
            yield live
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture
def counter(live: LiveServer, tmp_path: Path, template_db: Path) -> Iterator[Callable[[str], Counter]]:
    """Enrols a counter PC against the live server (closed at the end of the test)."""
    made: list[Counter] = []

    def make(name: str) -> Counter:
        made.append(Counter.enrol(tmp_path / name, template_db, live.enrol_code(), name, server_url=live.url))
        return made[-1]

    yield make
    for c in made:
        c.close()


def test_a_dossier_received_at_counter_a_appears_at_counter_b(
    counter: Callable[[str], Counter], catalog: Catalog
) -> None:
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    assert a.engine().run_once().ok and b.engine().run_once().ok  # code blocks for the next days
    first = a.receive(catalog)
    second = b.receive(catalog, "Trần Thị Bình", "022190005678")
    assert first.code != second.code  # distinct blocks from the server: no clash between counters
    pushed = a.engine().run_once()
    assert (pushed.accepted, pushed.rejected, pushed.error) == (1, 0, "")
    pulled = b.engine().run_once()
    assert pulled.ok and pulled.accepted == 1 and pulled.applied == 1
    with b.factory() as s:
        d = s.scalars(select(Dossier).where(Dossier.code == first.code)).one()
        assert (d.applicant_name, d.device_id) == ("Nguyễn Văn An", a.actor.device_id)
    assert a.engine().run_once().applied == 1  # and B's dossier reaches A
    for c in (a, b):
        with c.factory() as s:
            assert set(s.scalars(select(Dossier.code))) == {first.code, second.code}
            assert read_status(s).pending == 0


def test_reference_and_codes_from_the_real_server(counter: Callable[[str], Counter]) -> None:
    a = counter("Quầy số 01")
    ref, etag = a.client.transport.reference()
    assert ref is not None and ref.office.unit_code == UNIT and etag
    assert a.client.transport.reference(etag) == (None, etag)
    report = a.engine().run_once()
    assert report.ok and report.reserved >= 1


class LosingTransport(httpx.HTTPTransport):
    """Real HTTP, except that the answers to chosen paths are lost after the server handled them."""

    def __init__(self) -> None:
        super().__init__()
        self.lose: set[str] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path in self.lose:
            self.lose.discard(request.url.path)
            response.read()
            response.close()
            raise httpx.ReadTimeout("answer lost on the way back", request=request)
        return response


def test_a_lost_push_answer_is_resent_and_stored_once(
    live: LiveServer, tmp_path: Path, template_db: Path, catalog: Catalog
) -> None:
    http = LosingTransport()
    a = Counter.enrol(tmp_path / "a", template_db, live.enrol_code(), "Quầy số 01", server_url=live.url, http=http)
    try:
        a.engine().run_once()
        sent = [a.receive(catalog), a.receive(catalog, "Trần Thị Bình", "022190005678")]
        http.lose.add("/sync/push")
        lost = a.engine().run_once()
        assert lost.offline and lost.pushed == 0
        with a.factory() as s:
            assert [o.attempts for o in s.scalars(select(Outbox))] == [1, 1]
        again = a.engine().run_once(force=True)
        assert (again.duplicate, again.accepted, again.error) == (2, 0, "")
        with a.factory() as s:
            assert s.scalars(select(Outbox)).all() == []
            assert {e.sync_status for e in s.scalars(select(Event))} == {"duplicate"}
        with live.tx() as s:
            from server.sync.models import ServerEvent

            assert sorted(s.scalars(select(ServerEvent.id))) == sorted(r.event_id for r in sent)
    finally:
        a.close()


def test_a_rejected_event_does_not_block_the_events_after_it(counter: Callable[[str], Counter],
                                                              catalog: Catalog) -> None:  # fmt: skip
    a = counter("Quầy số 01")
    a.engine().run_once()
    a.receive(catalog)
    with a.factory() as s, s.begin():  # an event this server does not know (e.g. from a newer client)
        bad = s.scalars(select(Event)).one()
        bad.type = "dossier.teleported"
    after = a.receive(catalog, "Trần Thị Bình", "022190005678")
    report = a.engine().run_once()
    assert (report.rejected, report.accepted) == (1, 1)
    with a.factory() as s:
        rows = {o.event_id: o for o in s.scalars(select(Outbox))}
        assert list(rows) == [bad.id] and rows[bad.id].state == "rejected" and rows[bad.id].last_error
        assert s.get(Event, after.event_id).sync_status == "accepted"  # type: ignore[union-attr]
    later = a.engine().run_once()
    assert later.pushed == 0  # never sent again


def test_the_pull_cursor_survives_a_restart(counter: Callable[[str], Counter], catalog: Catalog) -> None:
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    a.engine().run_once()
    for name, pid in (("Lê Văn Cường", "022090001111"), ("Phạm Thị Dung", "022190002222")):
        a.receive(catalog, name, pid)
    a.engine().run_once()
    assert b.engine().run_once().applied == 2
    with b.factory() as s:
        saved = s.get(SyncState, 1).pull_cursor  # type: ignore[union-attr]
    assert saved
    a.receive(catalog, "Hoàng Văn Em", "022090003333")
    a.engine().run_once()
    restarted = b.restart()
    try:
        report = restarted.engine().run_once()
    finally:
        restarted.close()
    assert (report.pulled, report.applied) == (1, 1)  # only what is new since the saved cursor


def test_codes_come_from_server_blocks_and_the_fallback_partition_when_offline(
    live: LiveServer, tmp_path: Path, template_db: Path, catalog: Catalog
) -> None:
    http = LosingTransport()
    a = Counter.enrol(tmp_path / "a", template_db, live.enrol_code(), "Quầy số 01", server_url=live.url, http=http)
    b = Counter.enrol(tmp_path / "b", template_db, live.enrol_code(), "Quầy số 02", server_url=live.url)
    try:
        assert b.engine().run_once().reserved >= 1
        from_block = b.receive(catalog)
        assert 1 <= int(from_block.code[-4:]) <= 4999
        # A never reached the server after enrolling: no blocks, so its own partition.
        with a.factory() as s:
            slot = s.get(SyncState, 1).device_slot  # type: ignore[union-attr]
        offline = a.receive(catalog, "Trần Thị Bình", "022190005678")
        assert int(offline.code[-4:]) == 5000 + 50 * slot
        report = a.engine().run_once()
        assert (report.accepted, report.flagged, report.rejected) == (1, 0, 0)  # the server knows the partition
        assert b.engine().run_once().ok
        with b.factory() as s:
            assert set(s.scalars(select(Dossier.code))) == {from_block.code, offline.code}
    finally:
        a.close()
        b.close()


def test_long_poll_brings_a_change_as_soon_as_it_is_pushed(counter: Callable[[str], Counter],
                                                           catalog: Catalog) -> None:  # fmt: skip
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    a.engine().run_once()
    assert b.engine().run_once().ok
    a.receive(catalog)
    result: list[Any] = []
    started = time.monotonic()
    poller = threading.Thread(target=lambda: result.append(b.engine().poll(wait=20)))
    poller.start()
    time.sleep(0.5)
    a.engine().run_once()
    poller.join(timeout=30)
    assert result and result[0].applied == 1
    assert time.monotonic() - started < 10


def test_the_same_person_and_procedure_at_two_counters_is_flagged_not_refused(
    counter: Callable[[str], Counter], catalog: Catalog
) -> None:
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    a.engine().run_once()
    b.engine().run_once()
    a.receive(catalog)
    a.engine().run_once()
    twin = b.receive(catalog)  # same personal ID and procedure, same day, another counter
    report = b.engine().run_once()
    assert (report.flagged, report.rejected, report.error) == (1, 0, "")
    with b.factory() as s:
        event = s.get(Event, twin.event_id)
        assert event is not None and event.sync_status == "flagged" and len(event.conflict_ids) == 1
        assert s.scalars(select(Outbox)).all() == []  # flagged is stored: nothing left to send


def test_a_code_printed_twice_reaches_every_counter_without_stalling_the_pull(
    counter: Callable[[str], Counter], catalog: Catalog
) -> None:
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    a.engine().run_once()
    b.engine().run_once()
    first = a.receive(catalog)
    a.engine().run_once()
    clash = b.receive(catalog, "Trần Thị Bình", "022190005678")
    with b.factory() as s, s.begin():  # e.g. a PC restored from an old backup printed A's number again
        event = s.get(Event, clash.event_id)
        assert event is not None
        event.payload = {**event.payload, "code": first.code}
        s.scalars(select(Dossier).where(Dossier.uid == clash.uid)).one().code = first.code
    pushed = b.engine().run_once()
    assert (pushed.flagged, pushed.error) == (1, "")
    pulled = a.engine().run_once()
    assert pulled.ok and pulled.applied == 1
    with a.factory() as s:
        assert s.scalar(select(func.count()).select_from(Dossier).where(Dossier.code == first.code)) == 2


def test_the_gui_of_counter_a_sees_counter_bs_dossier_through_the_long_poll(
    qtbot: Any, counter: Callable[[str], Counter], catalog: Catalog, tmp_path: Path
) -> None:
    from app.services.office import load_calendar, this_device
    from ui.changes import ChangeBus
    from ui.context import UiContext
    from ui.main_window import MainWindow
    from ui.ops import OpRunner
    from ui.prompts import Prompts
    from ui.sync_runner import SyncRunner

    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    b.engine().run_once()
    with a.factory() as s:
        office, calendar = this_device(s), load_calendar(s)
    assert office is not None
    runner = OpRunner(a.factory)
    bus = ChangeBus()
    ctx = UiContext(a.factory, runner, bus, catalog, calendar, office, a.actor, Prompts())
    sync = SyncRunner(a.engine(), a.factory, interval_s=600)  # only the long-poll can bring it in time
    window = MainWindow(ctx, sync)
    qtbot.addWidget(window)
    arrived: list[object] = []
    bus.changed.connect(lambda _c, initiator: arrived.append(initiator))
    sync.start()
    try:
        qtbot.waitUntil(lambda: window.pending.text().startswith("Đã đồng bộ lúc"), timeout=20_000)
        assert "Trực tuyến" in window.online.text()
        qtbot.wait(500)  # the long-poll is waiting at the server now
        sent = b.receive(catalog, "Trần Thị Bình", "022190005678")
        b.engine().run_once()
        qtbot.waitUntil(lambda: sync in arrived, timeout=10_000)
        with a.factory() as s:
            assert s.scalars(select(Dossier.code)).all() == [sent.code]
    finally:
        sync.stop(timeout_s=1)
        runner.wait()


def test_reference_data_updates_the_office_header_calendar_and_offline_rights(
    live: LiveServer, counter: Callable[[str], Counter]
) -> None:
    from datetime import date

    from app.store.models import CalendarEntryRow, Office, OfflineCredential
    from server import admin

    a = counter("Quầy số 01")
    with live.tx() as s:
        boss = admin.create_officer(s, datetime.now(UTC), UNIT, username="giamsat", full_name="Trần Văn Hùng",
                                    role="supervisor", password="giamsat-2026")  # fmt: skip
    a.client.login(a.factory, "giamsat", "giamsat-2026")  # the supervisor once worked at this PC
    a.client.login(a.factory, "canbo", PASSWORD)  # the counter's own officer is logged in now
    assert a.engine().run_once().ok
    with a.factory() as s:
        office = s.get(Office, UNIT)
        assert office is not None and (office.governing_body, office.place_name) == (
            "UBND TỈNH QUẢNG NINH",
            "Quảng Ninh",
        )
        assert s.get(OfflineCredential, boss.id) is not None
    with live.tx() as s:
        now = datetime.now(UTC)
        admin.add_calendar_entry(s, now, UNIT, day=date(2026, 12, 31), kind="holiday", name="Nghỉ bù",
                                 legal_ref="Thông báo 1/TB-UBND")  # fmt: skip
        admin.update_officer(s, now, UNIT, boss.id, active=False)
    assert a.engine().run_once().ok  # a new session checks the reference data at its first pass
    with a.factory() as s:
        assert s.get(CalendarEntryRow, date(2026, 12, 31)) is not None
        assert s.get(OfflineCredential, boss.id) is None  # deactivated: no offline login here any more


def test_a_lost_refresh_answer_does_not_lock_the_counter_out(
    live: LiveServer, tmp_path: Path, template_db: Path, catalog: Catalog
) -> None:
    http = LosingTransport()
    a = Counter.enrol(tmp_path / "a", template_db, live.enrol_code(), "Quầy số 01", server_url=live.url, http=http)
    restarted = a.restart(http=http)  # no access token in memory: the first request refreshes
    try:
        restarted.receive(catalog)
        http.lose.add("/auth/refresh")  # the server rotated the token, the answer never arrived
        assert restarted.engine().run_once().offline
        report = restarted.engine().run_once(force=True)  # retried with the previous token: grace
        assert report.ok and report.accepted == 1
    finally:
        restarted.close()
