"""A real central server on loopback for the password-change tests (service and dialog)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.app.test_sync_conflicts_client import _serve
from tests.sync_support import Counter, MemoryKeyring, keyring_backend

UNIT = "000.01.00.H49"
PASSWORD = "matkhau-2026"
NEW = "Mat-khau-moi-2027"


@dataclass
class LiveServer:
    """The real central server on loopback with one office and the accounts canbo and lanhdao."""

    url: str
    app: Any
    server: Any
    thread: Any
    tmp: Path
    template_db: Path
    made: list[Counter]

    def counter(self, name: str, username: str = "canbo") -> Counter:
        from server import admin
        from server.db import transaction as server_tx

        with server_tx(self.app.state.ctx.factory) as s:
            code = str(admin.create_enrolment_code(s, datetime.now(UTC), UNIT, hours=1).code)
        made = Counter.enrol(self.tmp / name, self.template_db, code, name, server_url=self.url, username=username,
                             password=PASSWORD)  # fmt: skip
        self.made.append(made)
        return made

    def stop(self) -> None:
        """Take the server off the network (the PCs' requests then fail to connect)."""
        self.server.should_exit = True
        self.thread.join(timeout=20)


@contextmanager
def live_office(tmp_path: Path, template_db: Path) -> Iterator[LiveServer]:
    """The real server (SQLite) serving one office with canbo and lanhdao, and an in-memory keyring."""
    from server import admin
    from server.app import create_app
    from server.config import Settings
    from server.db import transaction as server_tx

    app = create_app(Settings(data_dir=tmp_path / "server"))
    with server_tx(app.state.ctx.factory) as s:
        now = datetime.now(UTC)
        admin.create_office(s, now, unit_code=UNIT, name="UBND phường Hồng Gai", governing_body="UBND TỈNH QUẢNG NINH",
                            place_name="Quảng Ninh")  # fmt: skip
        admin.create_officer(s, now, UNIT, username="canbo", full_name="Nguyễn Thị Thuỳ Dương", role="officer",
                             password=PASSWORD)  # fmt: skip
        admin.create_officer(s, now, UNIT, username="lanhdao", full_name="Phạm Quang Huy", role="supervisor",
                             password=PASSWORD)  # fmt: skip
    server, thread, url = _serve(app)
    world = LiveServer(url, app, server, thread, tmp_path, template_db, [])
    try:
        with keyring_backend(MemoryKeyring()):
            yield world
    finally:
        for c in world.made:
            c.close()
        world.stop()
        app.state.ctx.engine.dispose()
