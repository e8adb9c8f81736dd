"""Conflicts on the counter side, against the REAL central server (uvicorn on loopback, SQLite).

Two counters hand the same paper folder over while offline; the server opens ``double_handover``.
Both counters learn it (one from its push result, the other from the pulled flags), a supervisor
fetches and caches the list, resolves it, and the ``conflict.resolved`` event clears the dossier
on every counter — also on a counter that pulls the flag and its resolution in one page.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from app.domain.catalog import Catalog
from app.errors import UserFacingError, ValidationError
from app.store.db import transaction
from app.store.models import Event, SyncConflict
from app.sync import conflicts
from app.sync.transport import OfflineError, ServerError
from tests.conftest import NOW
from tests.sync_support import Counter, MemoryKeyring, keyring_backend

UNIT = "000.01.00.H49"
PASSWORD = "matkhau-2026"
DEPARTMENT = "XA-TP"  # handles 2.000635, the procedure Counter.receive uses


@dataclass
class LiveOffice:
    """The real server on a loopback port, with an officer and a supervisor account."""

    url: str
    app: Any

    def tx(self) -> Any:
        from server.db import transaction as server_tx

        return server_tx(self.app.state.ctx.factory)

    def enrol_code(self) -> str:
        from server import admin

        with self.tx() as s:
            return str(admin.create_enrolment_code(s, datetime.now(UTC), UNIT, hours=1).code)


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveOffice]:
    from server import admin
    from server.app import create_app
    from server.config import Settings

    app = create_app(Settings(data_dir=tmp_path / "server"))
    office = LiveOffice("", app)
    with office.tx() as s:
        now = datetime.now(UTC)
        admin.create_office(s, now, unit_code=UNIT, name="Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
                            governing_body="UBND TỈNH QUẢNG NINH", place_name="Quảng Ninh")  # fmt: skip
        admin.create_department(s, now, UNIT, code=DEPARTMENT, name="Bộ phận Tư pháp - Hộ tịch", level="xa")
        admin.create_officer(s, now, UNIT, username="canbo", full_name="Nguyễn Thị Thuỳ Dương", role="officer",
                             password=PASSWORD)  # fmt: skip
        admin.create_officer(s, now, UNIT, username="lanhdao", full_name="Phạm Quang Huy", role="supervisor",
                             password=PASSWORD)  # fmt: skip
    server, thread, office.url = _serve(app)
    try:
        with keyring_backend(MemoryKeyring()):
            yield office
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        app.state.ctx.engine.dispose()


@pytest.fixture
def counter(live: LiveOffice, tmp_path: Path, template_db: Path) -> Iterator[Callable[..., Counter]]:
    """Enrols a PC and logs ``username`` in (closed at the end of the test)."""
    made: list[Counter] = []

    def make(name: str, username: str = "canbo") -> Counter:
        made.append(
            Counter.enrol(
                tmp_path / name,
                template_db,
                live.enrol_code(),
                name,
                server_url=live.url,
                username=username,
                password=PASSWORD,
            )
        )
        return made[-1]

    yield make
    for c in made:
        c.close()


def hand_over(c: Counter, code: str, at: datetime) -> str:
    """Hand the folder ``code`` from the counter to the department (app.services.handover); its event id."""
    from app.services.handover import add_scan, counter_place, department_place, open_batch, send_batch

    with transaction(c.factory) as s:
        batch = open_batch(counter_place(c.actor), department_place(s, DEPARTMENT))
        batch, verdict = add_scan(s, batch, code)
        assert verdict.ok, verdict.message
        send_batch(s, c.actor, batch, at)
    with c.factory() as s:
        return str(
            s.scalars(select(Event.id).where(Event.type == "custody.sent").order_by(Event.device_seq.desc())).first()
        )


def double_handover(counter: Callable[..., Counter], catalog: Catalog) -> tuple[Counter, Counter, str, str]:
    """Counters A and B both hold dossier X, go offline, hand it over; then both sync.

    Returns A, B, the dossier uid and B's (flagged) handover event id.
    """
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    a.engine().run_once()
    summary = a.receive(catalog)
    assert a.engine().run_once().error == ""
    assert b.engine().run_once().applied >= 1  # B now holds the folder state too
    # Offline from here: nobody syncs. Both hand the same folder over to the department.
    hand_over(a, summary.code, NOW + timedelta(minutes=30))
    flagged = hand_over(b, summary.code, NOW + timedelta(minutes=31))
    assert a.engine().run_once().accepted == 1
    report = b.engine().run_once()
    assert (report.flagged, report.error) == (1, "")
    assert a.engine().run_once().applied >= 1  # A pulls B's flagged handover
    return a, b, summary.uid, flagged


def test_both_counters_see_a_double_handover_and_a_resolution_clears_it(
    counter: Callable[..., Counter], catalog: Catalog
) -> None:
    a, b, uid, flagged = double_handover(counter, catalog)
    with a.factory() as s:
        (seen,) = conflicts.open_conflicts_of(s, uid)
        assert (seen.kind, seen.conflict_id, seen.kind_label) == (
            "double_handover",
            None,
            "Hồ sơ giấy bị bàn giao hai lần",
        )
        # Both handovers from the same state are listed: who, at which counter, when, what.
        assert sorted(e.counter_name for e in seen.events) == ["Quầy số 01", "Quầy số 02"]
        assert {e.officer_name for e in seen.events} == {"Nguyễn Thị Thuỳ Dương"}
        assert all(e.what.startswith("Bàn giao hồ sơ giấy → Bộ phận Tư pháp") for e in seen.events)
    with b.factory() as s:
        (own,) = conflicts.open_conflicts_of(s, uid)
        # its own push brings the conflict's id and (PushResult.flags) its kind at once
        assert own.conflict_id is not None and own.kind == "double_handover"
        assert "bàn giao hai lần" in own.description
        assert own.can_resolve  # a supervisor at this PC could resolve it

    sup = counter("Quầy lãnh đạo", username="lanhdao")
    sup.engine().run_once()
    conflicts.fetch(sup.factory, sup.client.transport)
    with sup.factory() as s:
        listed = conflicts.list_conflicts(s, "open")
        assert listed.fetched_at is not None
        (item,) = listed.items
        assert (item.kind, item.dossier_uid, item.applicant_name) == ("double_handover", uid, "Nguyễn Văn An")
        assert flagged in {e.event_id for e in item.events}
        assert conflicts.open_count(s) == 1
    assert item.conflict_id == own.conflict_id

    with pytest.raises(ValidationError, match="Hãy ghi cách giải quyết"):
        conflicts.resolve(sup.factory, sup.client.transport, item.conflict_id, "   ")
    text = "Hồ sơ giấy đang ở Bộ phận Tư pháp; phiếu bàn giao của Quầy số 02 huỷ."
    conflicts.resolve(sup.factory, sup.client.transport, item.conflict_id, text)
    with sup.factory() as s:
        (done,) = conflicts.list_conflicts(s, "resolved").items
        assert (done.resolution, done.resolved_by) == (text, "Phạm Quang Huy")
        assert conflicts.open_count(s) == 0

    for c in (a, b):
        assert c.engine().run_once().applied == 1  # the conflict.resolved event
        with c.factory() as s:
            assert conflicts.open_conflicts_of(s, uid) == ()
            (closed,) = conflicts.list_conflicts(s).items
            assert (closed.kind, closed.resolution, closed.resolved_by) == ("double_handover", text, "Phạm Quang Huy")
            assert s.scalars(select(Event.type).where(Event.type == conflicts.RESOLVED)).all() == [conflicts.RESOLVED]

    # A PC enrolled afterwards pulls the flag and its resolution in one page: nothing stays open.
    late = counter("Quầy số 03")
    assert late.engine().run_once().error == ""
    with late.factory() as s:
        rows = s.scalars(select(SyncConflict)).all()
        assert [(r.kind, r.resolved_at is not None) for r in rows] == [("double_handover", True)]


def test_a_counter_officer_cannot_fetch_the_list_and_keeps_the_cache(
    counter: Callable[..., Counter], catalog: Catalog, live: LiveOffice
) -> None:
    a, _b, uid, _flagged = double_handover(counter, catalog)
    with pytest.raises(ServerError) as refused:
        conflicts.fetch(a.factory, a.client.transport)
    assert refused.value.status == 403
    with a.factory() as s:
        assert len(conflicts.open_conflicts_of(s, uid)) == 1  # what sync taught it stays
        assert conflicts.fetched_at(s) is None
    with pytest.raises(UserFacingError, match="Chưa có mã xung đột"):
        conflicts.resolve(a.factory, a.client.transport, None, "Đã kiểm tra.")


def test_offline_the_supervisor_keeps_the_last_list(counter: Callable[..., Counter], catalog: Catalog) -> None:
    double_handover(counter, catalog)
    sup = counter("Quầy lãnh đạo", username="lanhdao")
    conflicts.fetch(sup.factory, sup.client.transport)
    with sup.factory() as s:
        before = conflicts.list_conflicts(s)
    cut = sup.restart(http=_Down())  # the network cable is out
    try:
        with pytest.raises(OfflineError):
            conflicts.fetch(cut.factory, cut.client.transport)
        with pytest.raises(OfflineError):
            conflicts.resolve(cut.factory, cut.client.transport, before.items[0].conflict_id, "Đã kiểm tra hồ sơ.")
    finally:
        cut.close()
    with sup.factory() as s:
        after = conflicts.list_conflicts(s)
    assert after == before and len(after.items) == 1 and after.fetched_at is not None


class _Down(httpx.BaseTransport):
    """An httpx transport whose every request fails to connect."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


def test_resolution_text_is_checked_before_anything_is_sent() -> None:
    assert conflicts.check_resolution("  Đã xác minh.\n") == "Đã xác minh."
    with pytest.raises(ValidationError, match="tối đa 2000"):
        conflicts.check_resolution("x" * 2001)
    decomposed = "Ho\u0302\u0300 so\u031b"  # "Hồ sơ" typed with combining marks
    assert conflicts.check_resolution(decomposed) == "Hồ sơ"


def test_the_wire_model_matches_the_servers_answer() -> None:
    from app.sync.wire import ConflictWire
    from server.sync.conflicts import ConflictOut

    assert set(ConflictWire.model_fields) == set(ConflictOut.model_fields)
