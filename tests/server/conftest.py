"""Server fixtures: a migrated server on SQLite (a copied template file) and on PostgreSQL.

PostgreSQL: one fresh database per test session (``motcua_srv_<random>``, created through the
``test`` database at 127.0.0.1:5432 as user postgres, dropped at the end), tables truncated
between tests. When PostgreSQL is unreachable the PostgreSQL variants are skipped with the
reason (CI sets MOTCUA_NO_SKIP=1, which turns the skip into a failure).

Argon2 runs with minimal parameters here (the real ones cost ~50 ms a hash); one test checks
the production parameters separately.
"""

from __future__ import annotations

import os
import secrets
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

import server.security
from app.sync.wire import EnrolResponse, OfficerInfo
from server import admin
from server.app import create_app
from server.config import Settings
from server.context import ServerContext
from server.db import Base, make_engine, migrate, transaction

with warnings.catch_warnings():  # starlette deprecates its httpx-based client in favour of httpx2
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient as TestClient

PG_ADMIN_URL = os.environ.get("MOTCUA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "test-secret-key-" + "k" * 40
PASSWORD = "matkhau-2026"
UNIT_A = "000.01.00.H49"
UNIT_B = "000.02.00.H49"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", autouse=True)
def _fast_argon2() -> Iterator[None]:
    real = server.security._hasher
    server.security._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    server.security._DUMMY_HASH = server.security._hasher.hash("dummy")
    yield
    server.security._hasher = real


class FakeClock:
    """A clock the test moves by hand (aware UTC)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


# --- databases ----------------------------------------------------------------------------------


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite server database of its own (test_announcer.py overrides it with PostgreSQL)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("srv-template") / "server.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """URL of a fresh, migrated PostgreSQL database for this test session."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover
        pytest.skip(f"psycopg not installed: {exc}")
    conninfo = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"motcua_srv_{secrets.token_hex(4)}"
    try:
        admin_conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable at {conninfo}: {exc}".strip())
    with admin_conn:
        admin_conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        engine = make_engine(url, pool_size=2)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        try:
            yield url
        finally:
            admin_conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_pg(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


# --- the server under test ----------------------------------------------------------------------


@dataclass
class Srv:
    """A running test server with helpers to set up offices, officers and devices."""

    client: TestClient
    ctx: ServerContext
    clock: FakeClock
    backend: str
    devices: dict[str, EnrolResponse] = field(default_factory=dict)

    def tx(self) -> Any:
        """A committed session on the server's database."""
        return transaction(self.ctx.factory)

    def office(self, unit_code: str, name: str = "Trung tâm Phục vụ hành chính công") -> None:
        with self.tx() as s:
            admin.create_office(s, self.clock(), unit_code=unit_code, name=f"{name} {unit_code}",
                                governing_body="UBND TỈNH QUẢNG NINH", place_name="Quảng Ninh")  # fmt: skip

    def officer(self, unit_code: str, username: str, role: str = "officer", password: str = PASSWORD) -> OfficerInfo:
        with self.tx() as s:
            return admin.create_officer(s, self.clock(), unit_code, username=username,
                                        full_name=f"Cán bộ {username}", role=role, password=password)  # fmt: skip

    def enrol_code(self, unit_code: str, hours: int = 24) -> str:
        with self.tx() as s:
            return admin.create_enrolment_code(s, self.clock(), unit_code, hours=hours).code

    def device(self, unit_code: str, counter: str = "Quầy số 01") -> EnrolResponse:
        answer = self.client.post("/auth/enrol", json={"code": self.enrol_code(unit_code), "counter_name": counter})
        assert answer.status_code == 200, answer.text
        return EnrolResponse.model_validate(answer.json())

    def login(self, username: str, device: EnrolResponse, password: str = PASSWORD) -> dict[str, Any]:
        answer = self.client.post("/auth/login", json=login_body(username, device, password))
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def session(self) -> Session:
        return self.ctx.factory()


def login_body(username: str, device: EnrolResponse, password: str = PASSWORD) -> dict[str, str]:
    return {"username": username, "password": password, "device_id": device.device_id,
            "device_secret": device.device_secret}  # fmt: skip


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


def _server(database_url: str, tmp_path: Path, backend: str) -> Iterator[Srv]:
    settings = Settings(database_url=database_url, data_dir=tmp_path / "data", secret_key=SECRET)
    app = create_app(settings)
    clock = FakeClock()
    app.state.ctx = replace(app.state.ctx, clock=clock)
    with TestClient(app) as client:
        yield Srv(client=client, ctx=app.state.ctx, clock=clock, backend=backend)


@pytest.fixture(params=BACKENDS)
def srv(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Srv]:
    """The server on SQLite and on PostgreSQL (empty database)."""
    url = _database(request, tmp_path)
    yield from _server(url, tmp_path, request.param)


@pytest.fixture
def srv_sqlite(tmp_path: Path, sqlite_template: Path) -> Iterator[Srv]:
    """The server on SQLite only (for tests about HTTP shape, not storage)."""
    path = tmp_path / "server.db"
    shutil.copy(sqlite_template, path)
    yield from _server(f"sqlite:///{path}", tmp_path, "sqlite")


def _database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "server.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


@dataclass
class World:
    """Two offices A and B, each with an officer, a supervisor, an admin and one enrolled PC."""

    srv: Srv
    device_a: EnrolResponse
    device_b: EnrolResponse


# 2026-11-23 (sync_helpers.DAY, tests/conftest.py NOW) at 23:00 in the office (UTC+7): the day the
# sync tests reserve dossier numbers for is the server's today, the last moment of it (events
# stamped that day are never ahead of the server's clock).
SYNC_DAY_CLOCK = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


@pytest.fixture
def on_sync_day(srv: Srv) -> None:
    """Set the server's clock to :data:`SYNC_DAY_CLOCK` (POST /codes/reserve serves days near today only)."""
    srv.clock.now = SYNC_DAY_CLOCK


@pytest.fixture
def world(srv: Srv) -> World:
    for unit, suffix in ((UNIT_A, "a"), (UNIT_B, "b")):
        srv.office(unit)
        srv.officer(unit, f"canbo.{suffix}")
        srv.officer(unit, f"giamsat.{suffix}", role="supervisor")
        srv.officer(unit, f"quantri.{suffix}", role="admin")
    return World(srv=srv, device_a=srv.device(UNIT_A), device_b=srv.device(UNIT_B))
