"""Reference data from a real server (uvicorn, SQLite and PostgreSQL) to an enrolled counter.

An admin's change to the catalog, calendar, office hours, departments or officers puts a
``"reference"`` change on the office's feed: a counter long-polling sees it within seconds and
fetches ``GET /reference`` at once, instead of at its 15-minute check.
"""

from __future__ import annotations

import contextlib
import copy
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from app.domain.catalog import Catalog, default_catalog_path
from app.store.boot import current_catalog
from app.store.models import CalendarEntryRow, Dossier, Setting
from app.sync.engine import SyncReport
from tests.sync_processes import fresh_pg_database
from tests.sync_support import Counter, MemoryKeyring, keyring_backend

UNIT = "000.01.00.H49"
PASSWORD = "matkhau-2026"


@dataclass
class Live:
    url: str
    app: Any
    backend: str

    def tx(self) -> Any:
        from server.db import transaction

        return transaction(self.app.state.ctx.factory)


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


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Live]:
    from server import admin
    from server.app import create_app
    from server.config import Settings

    with contextlib.ExitStack() as stack:
        url = ""
        if request.param == "postgresql":
            try:
                url = stack.enter_context(fresh_pg_database("motcua_ref"))
            except ConnectionError as exc:
                pytest.skip(str(exc))
        settings = Settings(data_dir=tmp_path / "server", **({"database_url": url} if url else {}))
        app = create_app(settings)
        stack.callback(app.state.ctx.engine.dispose)
        live = Live("", app, request.param)
        with live.tx() as s:
            now = datetime.now(UTC)
            admin.create_office(s, now, unit_code=UNIT, name="Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
                                governing_body="UBND TỈNH QUẢNG NINH", place_name="Quảng Ninh")  # fmt: skip
            admin.create_officer(s, now, UNIT, username="canbo", full_name="Nguyễn Thị Thuỳ Dương", role="officer",
                                 password=PASSWORD)  # fmt: skip
        server, thread, live.url = _serve(app)

        def stop() -> None:
            server.should_exit = True
            thread.join(timeout=20)

        stack.callback(stop)
        stack.enter_context(keyring_backend(MemoryKeyring()))
        yield live


@pytest.fixture
def counter(live: Live, tmp_path: Path, template_db: Path) -> Iterator[Callable[[str], Counter]]:
    from server import admin

    made: list[Counter] = []

    def make(name: str) -> Counter:
        with live.tx() as s:
            code = admin.create_enrolment_code(s, datetime.now(UTC), UNIT, hours=1).code
        made.append(Counter.enrol(tmp_path / name, template_db, code, name, server_url=live.url))
        return made[-1]

    yield make
    for c in made:
        c.close()


def _catalog_with(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_catalog_path().read_text("utf-8-sig"))
    data = copy.deepcopy(data)
    for p in data["procedures"]:
        if p["code"] == "2.000635":
            p["name"] = name
    return data


def test_an_imported_catalog_reaches_the_counter_through_the_feed(
    live: Live, counter: Callable[[str], Counter]
) -> None:
    from server import admin

    a = counter("Quầy số 01")
    engine = a.engine()
    assert engine.run_once().ok  # first pass of the session: reference fetched, catalog cached
    db = a.folder / "motcua.db"
    with a.factory() as s:
        assert s.get(Setting, "catalog") is None  # the server holds no catalog yet: the bundled one stays
    with live.tx() as s:
        admin.import_catalog(s, datetime.now(UTC), _catalog_with("Cấp bản sao trích lục hộ tịch (tỉnh cập nhật)"))
    report = engine.run_once()  # same session, long before the 15-minute check: only the feed can tell
    assert report.ok and "reference" in report.notes
    catalog = current_catalog(db)
    procedure = catalog.get("2.000635")
    assert procedure is not None and procedure.name == "Cấp bản sao trích lục hộ tịch (tỉnh cập nhật)"
    received = a.receive(catalog)  # the counter works with it
    with a.factory() as s:
        dossier = s.scalars(select(Dossier).where(Dossier.uid == received.uid)).one()
        assert dossier.procedure_name == "Cấp bản sao trích lục hộ tịch (tỉnh cập nhật)"


def test_a_calendar_edit_reaches_a_long_polling_counter_within_seconds(
    live: Live, counter: Callable[[str], Counter], catalog: Catalog
) -> None:
    from server import admin

    a = counter("Quầy số 01")
    engine = a.engine()
    assert engine.run_once().ok
    result: list[SyncReport] = []
    poller = threading.Thread(target=lambda: result.append(engine.poll(wait=20)))
    poller.start()
    time.sleep(0.5)  # the long-poll is waiting at the server
    changed_at = time.monotonic()
    with live.tx() as s:
        admin.add_calendar_entry(s, datetime.now(UTC), UNIT, day=date(2026, 12, 31), kind="holiday",
                                 name="Nghỉ bù Tết Dương lịch", legal_ref="Thông báo 12/TB-UBND")  # fmt: skip
    poller.join(timeout=30)
    took = time.monotonic() - changed_at
    assert result and "reference" in result[0].notes
    # PostgreSQL: NOTIFY wakes the waiting pull at commit; SQLite: it looks again every 5 s
    assert took < (3.0 if live.backend == "postgresql" else 8.0), took
    with a.factory() as s:
        entry = s.get(CalendarEntryRow, date(2026, 12, 31))
        assert entry is not None and entry.legal_ref == "Thông báo 12/TB-UBND"


def test_a_calendar_pulled_from_the_server_brings_the_stored_processing_times_up_to_date(
    live: Live, counter: Callable[[str], Counter], catalog: Catalog
) -> None:
    """A holiday added on the server changes the counter's calendar: the processing times stored on the old
    one are worked out again after the pull (app.store.processing_refresh), so the reports stay on their fast
    path instead of redoing them on every run."""
    from datetime import timedelta

    from app.domain.indicators import calendar_fingerprint
    from app.services.office import load_calendar
    from app.services.returns import record_result
    from app.store.db import transaction
    from server import admin

    a = counter("Quầy số 01")
    engine = a.engine()
    assert engine.run_once().ok
    received = a.receive(catalog)
    with transaction(a.factory) as s:
        record_result(s, a.actor, received.uid, "Bản sao trích lục", received.received_at + timedelta(hours=2))
        old = calendar_fingerprint(load_calendar(s))
    with a.factory() as s:
        assert s.scalars(select(Dossier.processing_calendar).where(Dossier.uid == received.uid)).one() == old
    with live.tx() as s:
        admin.add_calendar_entry(s, datetime.now(UTC), UNIT, day=date(2026, 12, 30), kind="holiday",
                                 name="Nghỉ bù", legal_ref="Thông báo 13/TB-UBND")  # fmt: skip
    engine.reference_changed = True  # as the feed's "reference" change sets it (the test above)
    report = engine.run_once()
    assert report.ok and "processing times: 1" in report.notes, report.notes
    with a.factory() as s:
        new = calendar_fingerprint(load_calendar(s))
        assert new != old
        assert s.scalars(select(Dossier.processing_calendar).where(Dossier.uid == received.uid)).one() == new
