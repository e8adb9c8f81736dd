"""Sessions end at once: after logout, deactivation or device revocation the access token is refused
on the very next request, on every route (the sync routes included) and in every server process."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from server import admin
from server.db import session_factory, transaction
from tests.server.conftest import UNIT_A, World, bearer
from tests.sync_processes import (
    PASSWORD,
    ServerProcess,
    create_office,
    enrol_code,
    fresh_pg_database,
    server_engine,
)

PULL = "/sync/pull?cursor=&limit=10"


def test_an_access_token_is_refused_right_after_logout(world: World) -> None:
    srv = world.srv
    second_pc = srv.device(UNIT_A, "Quầy số 02")
    session, elsewhere = srv.login("canbo.a", world.device_a), srv.login("canbo.a", second_pc)
    assert srv.client.get(PULL, headers=bearer(session)).status_code == 200  # the sync routes have seen it
    assert srv.client.post("/auth/logout", headers=bearer(session)).status_code == 204
    for path in (PULL, "/reference", "/conflicts"):
        answer = srv.client.get(path, headers=bearer(session))
        assert (answer.status_code, answer.json()["detail"]["code"]) == (401, "session_ended"), path
        assert answer.json()["detail"]["message"] == "Phiên đăng nhập đã kết thúc. Hãy đăng nhập lại."
    assert srv.client.post("/auth/logout", headers=bearer(session)).status_code == 401
    # the same officer's session on another PC goes on
    assert srv.client.get(PULL, headers=bearer(elsewhere)).status_code == 200


def test_a_stolen_refresh_token_reused_ends_the_access_token_of_its_family(world: World) -> None:
    srv = world.srv
    first = srv.login("canbo.a", world.device_a)
    body = {"refresh_token": first["refresh_token"], "device_id": world.device_a.device_id,
            "device_secret": world.device_a.device_secret}  # fmt: skip
    second = srv.client.post("/auth/refresh", json=body).json()
    srv.clock.advance(seconds=121)
    assert srv.client.post("/auth/refresh", json=body).status_code == 401  # reuse: the family is revoked
    assert srv.client.get(PULL, headers=bearer(second)).status_code == 401


def test_deactivation_and_device_revocation_stop_the_sync_routes_at_once(world: World) -> None:
    srv = world.srv
    officer, admin_session = srv.login("canbo.a", world.device_a), srv.login("quantri.a", world.device_a)
    assert srv.client.get(PULL, headers=bearer(officer)).status_code == 200
    assert srv.client.get(PULL, headers=bearer(admin_session)).status_code == 200
    off = srv.client.patch(f"/admin/officers/{officer['officer']['id']}", json={"active": False},
                           headers=bearer(admin_session))  # fmt: skip
    assert off.status_code == 200
    answer = srv.client.get(PULL, headers=bearer(officer))
    assert answer.status_code == 401 and answer.json()["detail"]["code"] in ("account_disabled", "session_ended")

    other_pc = srv.device(UNIT_A, "Quầy số 02")
    officer2 = srv.login("giamsat.a", other_pc)
    assert srv.client.get(PULL, headers=bearer(officer2)).status_code == 200
    revoked = srv.client.post(f"/admin/devices/{other_pc.device_id}/revoke", headers=bearer(admin_session))
    assert revoked.status_code == 204
    answer = srv.client.get(PULL, headers=bearer(officer2))
    assert answer.status_code == 401 and answer.json()["detail"]["code"] in ("device_revoked", "session_ended")


def test_a_new_password_ends_the_officers_access_tokens(world: World) -> None:
    srv = world.srv
    officer, admin_session = srv.login("canbo.a", world.device_a), srv.login("quantri.a", world.device_a)
    changed = srv.client.patch(f"/admin/officers/{officer['officer']['id']}", json={"password": "mat-khau-moi-2027"},
                               headers=bearer(admin_session))  # fmt: skip
    assert changed.status_code == 200
    assert srv.client.get("/reference", headers=bearer(officer)).status_code == 401
    assert srv.client.get("/reference", headers=bearer(admin_session)).status_code == 200


# --- two server processes on one PostgreSQL ---------------------------------------------------


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess, str]]:
    """Two ``motcua-server`` processes on one fresh PostgreSQL database, as behind a proxy."""
    try:
        with fresh_pg_database("motcua_sessions") as url:
            engine = server_engine(url)
            engine.dispose()
            first = ServerProcess(tmp_path / "p1", url)
            second = ServerProcess(tmp_path / "p2", url)
            try:
                first.start()
                second.start()
                yield first, second, url
            finally:
                first.stop()
                second.stop()
    except ConnectionError as exc:
        pytest.skip(str(exc))


def _office(url: str) -> str:
    """Office A with canbo.a and quantri.a; returns a one-time enrolment code."""
    engine = server_engine(url)
    try:
        create_office(engine, UNIT_A, "canbo.a")
        with transaction(session_factory(engine)) as s:
            admin.create_officer(s, datetime.now(UTC), UNIT_A, username="quantri.a", full_name="Quản trị A",
                                 role="admin", password=PASSWORD)  # fmt: skip
        return enrol_code(engine, UNIT_A)
    finally:
        engine.dispose()


def _body(device: dict[str, Any], username: str) -> dict[str, str]:
    return {"username": username, "password": PASSWORD, "device_id": device["device_id"],
            "device_secret": device["device_secret"]}  # fmt: skip


def _login(server: ServerProcess, device: dict[str, Any], username: str) -> dict[str, Any]:
    answer = httpx.post(server.url + "/auth/login", json=_body(device, username), timeout=10)
    assert answer.status_code == 200, answer.text
    session: dict[str, Any] = answer.json()
    return session


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="starts server processes")
def test_logout_or_deactivation_in_one_process_stops_the_token_in_another(
    two_servers: tuple[ServerProcess, ServerProcess, str],
) -> None:
    first, second, url = two_servers
    code = _office(url)
    enrolled = httpx.post(first.url + "/auth/enrol", json={"code": code, "counter_name": "Quầy số 01"}, timeout=10)
    assert enrolled.status_code == 200, enrolled.text
    device = enrolled.json()

    session = _login(first, device, "canbo.a")
    for _ in range(3):  # the second process has verified the token (and may remember it)
        assert httpx.get(second.url + PULL, headers=bearer(session), timeout=10).status_code == 200
    assert httpx.post(first.url + "/auth/logout", headers=bearer(session), timeout=10).status_code == 204
    answer = httpx.get(second.url + PULL, headers=bearer(session), timeout=10)
    assert answer.status_code == 401, answer.text
    assert httpx.get(second.url + "/reference", headers=bearer(session), timeout=10).status_code == 401

    session = _login(first, device, "canbo.a")
    admin_session = _login(first, device, "quantri.a")
    assert httpx.get(second.url + PULL, headers=bearer(session), timeout=10).status_code == 200
    off = httpx.patch(first.url + f"/admin/officers/{session['officer']['id']}", json={"active": False},
                      headers=bearer(admin_session), timeout=10)  # fmt: skip
    assert off.status_code == 200, off.text
    answer = httpx.get(second.url + PULL, headers=bearer(session), timeout=10)
    assert answer.status_code == 401, answer.text
    assert httpx.post(second.url + "/auth/login", json=_body(device, "canbo.a"), timeout=10).status_code == 403
