"""Names and secrets with U+0000, other control characters or lone surrogates are refused with a
Vietnamese reason (422 on HTTP, one line and exit 2 from ``motcua-server admin``), never a 500 or a
traceback, on SQLite and on PostgreSQL (which cannot store NUL at all)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from server.cli import USAGE_ERROR, admin_main
from server.config import Settings
from tests.server.conftest import SECRET, UNIT_A, World, bearer, login_body

BAD = ["\x00", "\ud800", "\udcff", "\x07"]  # NUL, lone high and low surrogates, BEL
BAD_IDS = ["nul", "high-surrogate", "low-surrogate", "control"]


def _post(world: World, method: str, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    """Send ``body`` as ASCII JSON (``\\u0000``, ``\\ud800`` escapes), as a hostile client would."""
    content = json.dumps(body)  # ensure_ascii: lone surrogates become \\udXXX escapes
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return world.srv.client.request(method, path, content=content, headers=all_headers)


def _device(world: World) -> dict[str, str]:
    return {"device_id": world.device_a.device_id, "device_secret": world.device_a.device_secret}


def _assert_refused(answer: Any, field: str, reason: str = "ký tự không được phép") -> None:
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail["code"] == "invalid_request"
    assert f"“{field}”" in detail["message"] and reason in detail["message"], detail


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_identity_requests_refuse_bad_characters(world: World, bad: str) -> None:
    device = world.device_a
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/auth/login", login_body(f"canbo{bad}a", device), "username"),
        ("/auth/login", login_body("canbo.a", device, f"matkhau{bad}2026"), "password"),
        ("/auth/login", login_body("canbo.a", device) | {"device_secret": "a" * 40 + bad}, "device_secret"),
        ("/auth/refresh", {"refresh_token": "r" * 40 + bad} | _device(world), "refresh_token"),
        ("/auth/enrol", {"code": world.srv.enrol_code(UNIT_A), "counter_name": f"Quầy {bad}1"}, "counter_name"),
    ]
    for path, body, field in cases:
        if field == "password" and bad in ("\x00", "\x07"):
            continue  # a password is hashed, never stored: only what cannot be encoded is refused
        secret = field in ("device_secret", "refresh_token") and bad in ("\x00", "\x07")
        _assert_refused(_post(world, "POST", path, body), field, "sai định dạng" if secret else "ký tự không được phép")
    # nothing was stored for the refused requests, and the server still works
    assert world.srv.client.post("/auth/login", json=login_body("canbo.a", device)).status_code == 200


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_admin_requests_refuse_bad_characters(world: World, bad: str) -> None:
    srv = world.srv
    admin_session = srv.login("quantri.a", world.device_a)
    officer_id = srv.login("canbo.a", world.device_a)["officer"]["id"]
    auth = bearer(admin_session)
    new_officer = {"username": "moi.a", "full_name": "Cán bộ mới", "role": "officer", "password": "mat-khau-2026"}
    holiday = {"day": "2027-09-02", "kind": "holiday", "name": "Quốc khánh", "legal_ref": "Bộ luật Lao động 2019"}
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("POST", "/admin/officers", new_officer | {"full_name": f"Cán bộ {bad}mới"}, "full_name"),
        ("POST", "/admin/officers", new_officer | {"username": f"moi{bad}a"}, "username"),
        ("PATCH", f"/admin/officers/{officer_id}", {"full_name": f"Tên {bad}mới"}, "full_name"),
        ("POST", "/admin/departments", {"code": "TP", "name": f"Tư pháp {bad}xã"}, "name"),
        ("POST", "/admin/calendar", holiday | {"name": f"Quốc {bad}khánh"}, "name"),
        ("POST", "/admin/calendar", holiday | {"legal_ref": f"Điều {bad}112"}, "legal_ref"),
    ]
    for method, path, body, field in cases:
        _assert_refused(_post(world, method, path, body, auth), field)
    assert srv.client.post("/admin/calendar", json=holiday, headers=auth).status_code == 201


# --- the admin command line ---------------------------------------------------------------------


@pytest.fixture
def settings(world: World) -> Settings:
    """The test server's database (SQLite or PostgreSQL), for ``motcua-server admin``."""
    return Settings(database_url=str(world.srv.ctx.engine.url.render_as_string(hide_password=False)),
                    data_dir=world.srv.ctx.settings.data_dir, secret_key=SECRET)  # fmt: skip


def _cli(settings: Settings, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = admin_main(list(argv), out=out, err=err, stdin=io.StringIO("mat-khau-dai-2026\n"),
                      settings_factory=lambda: settings)  # fmt: skip
    return code, err.getvalue()


# Each command with every option but one; the test adds that one, with a bad character in it.
_COMMANDS = {
    "office": "create-office --unit-code 000.09.00.H49 --place-name Hạ_Long",
    "officer": f"create-officer --unit-code {UNIT_A} --username moi.a --role officer --password-stdin",
    "department": f"create-department --unit-code {UNIT_A} --code TP",
    "calendar": f"calendar-add --unit-code {UNIT_A} --date 2027-09-02 --kind holiday",
}


@pytest.mark.parametrize("bad", BAD, ids=BAD_IDS)
def test_admin_commands_refuse_bad_characters_in_one_vietnamese_line(settings: Settings, bad: str) -> None:
    cases = [
        ("office", ["--name", f"Bộ phận{bad} Một cửa", "--governing-body", "UBND XÃ"], "Tên đơn vị"),
        ("office", ["--name", "Bộ phận Một cửa", "--governing-body", f"UBND{bad}"], "Cơ quan chủ quản"),
        ("officer", ["--full-name", f"Cán bộ {bad}mới"], "Họ và tên"),
        ("department", ["--name", f"Tư pháp{bad}"], "Tên cơ quan"),
        ("calendar", ["--name", f"Quốc {bad}khánh", "--ref", "Bộ luật Lao động"], "Tên ngày"),
        ("calendar", ["--name", "Quốc khánh", "--ref", f"Bộ luật {bad}"], "Căn cứ pháp lý"),
    ]
    for command, options, what in cases:
        code, err = _cli(settings, *_COMMANDS[command].split(), *options)
        assert code == USAGE_ERROR, (command, options, err)
        assert err.count("\n") == 1 and err.startswith(what) and "ký tự không được phép" in err, err
    # nothing was written: the same commands with clean text succeed
    code, err = _cli(settings, *_COMMANDS["office"].split(), "--name", "Bộ phận Một cửa", "--governing-body", "UBND")
    assert (code, err) == (0, "")
    code, err = _cli(settings, *_COMMANDS["calendar"].split(), "--name", "Quốc khánh", "--ref", "Bộ luật Lao động")
    assert (code, err) == (0, "")
