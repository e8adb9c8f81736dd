"""A province-level supervisor: ``officers.province_reports`` (migration 0011), granted with
``motcua-server admin province-reports`` or at ``create-officer``, lets a supervisor read
``scope=province`` of ``GET /reports/kpi`` and ``/reports/period``; admins always may, officers never;
refusals are Vietnamese. The demo server has such an account (giamsattinh / giamsat2026)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server import admin, demo
from server.errors import ApiError
from tests.server.conftest import SECRET, UNIT_A, UNIT_B, FakeClock, Srv, TestClient, World, bearer
from tests.server.test_cli import Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def _get(world: World, headers: dict[str, str], route: str) -> Any:
    query = {"from": "2026-11-01", "to": "2026-11-22", "scope": "province"}
    return world.srv.client.get(f"/reports/{route}", params=query, headers=headers)


@pytest.mark.usefixtures("on_sync_day")
def test_a_granted_supervisor_sees_the_province(world: World) -> None:
    headers = bearer(world.srv.login("giamsat.b", world.device_b))
    for route in ("kpi", "period"):
        refused = _get(world, headers, route)
        assert refused.status_code == 403, route
        assert refused.json()["detail"]["code"] == "province_forbidden"
        assert "toàn tỉnh" in refused.json()["detail"]["message"]
    with world.srv.tx() as s:
        admin.set_province_reports(s, "giamsat.b", granted=True)
    # the same session: the permission is read from the account on every request
    for route in ("kpi", "period"):
        assert _get(world, headers, route).status_code == 200, route
    assert _get(world, headers, "kpi").json()["scope"] == "province"
    with world.srv.tx() as s:
        admin.set_province_reports(s, "giamsat.b", granted=False)
    assert _get(world, headers, "period").status_code == 403
    # the office's own view never needed it
    assert world.srv.client.get("/reports/period", params={"from": "2026-11-01", "to": "2026-11-22"},
                                headers=headers).status_code == 200  # fmt: skip


@pytest.mark.usefixtures("on_sync_day")
def test_only_supervisors_are_granted_it(world: World) -> None:
    with world.srv.tx() as s:
        for username in ("canbo.a", "quantri.a"):
            with pytest.raises(ApiError) as refused:
                admin.set_province_reports(s, username, granted=True)
            assert refused.value.status == 422 and "giám sát" in refused.value.message
        with pytest.raises(ApiError) as unknown:
            admin.set_province_reports(s, "khongco", granted=True)
        assert unknown.value.status == 404 and "khongco" in unknown.value.message
        with pytest.raises(ApiError):
            admin.create_officer(s, world.srv.clock(), UNIT_A, username="canbo.tinh", full_name="Cán bộ",
                                 role="officer", password="matkhau-2026", province_reports=True)  # fmt: skip
    # an officer with the flag set by hand still gets 403: the role comes first
    with world.srv.tx() as s:
        from server.repositories import identity

        officer = identity.officer_by_username(s, "canbo.a")
        assert officer is not None
        officer.province_reports = True
    answer = _get(world, bearer(world.srv.login("canbo.a", world.device_a)), "kpi")
    assert answer.status_code == 403


def test_the_admin_command(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    office = ["--unit-code", UNIT_B]
    assert cli("create-office", *office, "--name", "Trung tâm", "--governing-body", "UBND TỈNH QUẢNG NINH",
               "--place-name", "Quảng Ninh")[0] == 0  # fmt: skip
    new = ["--username", "giamsat.tinh", "--full-name", "Vũ Thị Hoa", "--role", "supervisor", "--password-stdin"]
    code, out, err = cli("create-officer", *office, *new, "--province-reports", stdin="mat-khau-dai\n")
    assert (code, err) == (0, "") and "được xem số liệu toàn tỉnh" in out
    code, out, _ = cli("province-reports", "--username", "giamsat.tinh", "--revoke")
    assert code == 0 and "Đã thu hồi quyền xem số liệu toàn tỉnh của tài khoản giamsat.tinh" in out
    code, out, _ = cli("province-reports", "--username", "Giamsat.Tinh", "--grant")
    assert code == 0 and "Đã cấp quyền" in out
    assert cli("create-officer", *office, "--username", "canbo.x", "--full-name", "Cán bộ X", "--role", "officer",
               "--password-stdin", stdin="mat-khau-dai\n")[0] == 0  # fmt: skip
    code, _, err = cli("province-reports", "--username", "canbo.x", "--grant")
    assert code == 2 and "Chỉ tài khoản giám sát" in err
    code, _, err = cli("province-reports", "--username", "khongco", "--grant")
    assert code == 1 and "Không tìm thấy tài khoản “khongco”" in err
    code, _, _ = cli("province-reports", "--username", "giamsat.tinh")
    assert code == 2 and "--grant" in capsys.readouterr().err


def test_the_demo_server_has_a_province_supervisor(cli: Cli) -> None:
    code, out, _ = cli("seed-demo")
    assert code == 0 and "giamsattinh / giamsat2026" in out
    lines = out.splitlines()
    enrol_code = next(lines[i + 1] for i, line in enumerate(lines) if "dùng một lần" in line)
    from server.app import create_app

    app = create_app(cli.settings)
    with TestClient(app) as client:
        srv = Srv(client=client, ctx=app.state.ctx, clock=FakeClock(), backend="sqlite")
        device = client.post("/auth/enrol", json={"code": enrol_code.strip(), "counter_name": "Quầy số 01"}).json()
        username, password, _, role = demo.DEMO_PROVINCE_SUPERVISOR
        login = client.post("/auth/login", json={"username": username, "password": password,
                                                 "device_id": device["device_id"],
                                                 "device_secret": device["device_secret"]})  # fmt: skip
        assert login.status_code == 200 and login.json()["officer"]["role"] == role == "supervisor"
        query = {"from": "2026-11-01", "to": "2026-11-30", "scope": "province"}
        for route in ("kpi", "period"):
            answer = srv.client.get(f"/reports/{route}", params=query, headers=bearer(login.json()))
            assert answer.status_code == 200, answer.text
        assert srv.ctx.settings.secret_key == SECRET
