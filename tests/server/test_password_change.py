"""``POST /auth/password``: an officer changes their own password (issue 15 item 11).

The current password is checked (a wrong one counts as a failed login for the lock-out), the new
one follows app.domain.password_rules, the officer's other sessions end at once while the one
that changed it goes on, and the answer carries a fresh offline grant. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from app.sync.wire import PasswordChanged
from server.security import verify_offline_grant
from tests.server.conftest import PASSWORD, UNIT_A, World, bearer, login_body

PULL = "/sync/pull?cursor=&limit=10"
NEW = "Mat-khau-moi-2027"


def _change(world: World, session: dict[str, Any], old: str, new: str, officer_id: str | None = None) -> Any:
    body = {"officer_id": officer_id or session["officer"]["id"], "old_password": old, "new_password": new}
    return world.srv.client.post("/auth/password", json=body, headers=bearer(session))


def _refresh(world: World, session: dict[str, Any], device: Any) -> int:
    body = {"refresh_token": session["refresh_token"], "device_id": device.device_id,
            "device_secret": device.device_secret}  # fmt: skip
    return int(world.srv.client.post("/auth/refresh", json=body).status_code)


def test_the_new_password_works_the_old_does_not_and_only_this_session_goes_on(world: World) -> None:
    srv = world.srv
    second_pc = srv.device(UNIT_A, "Quầy số 02")
    here, elsewhere = srv.login("canbo.a", world.device_a), srv.login("canbo.a", second_pc)
    colleague = srv.login("giamsat.a", world.device_a)

    answer = _change(world, here, PASSWORD, NEW)

    assert answer.status_code == 200, answer.text
    changed = PasswordChanged.model_validate(answer.json())
    assert changed.officer.username == "canbo.a" and changed.offline_grant.device_id == world.device_a.device_id
    assert verify_offline_grant(srv.ctx.signing_key, changed.offline_grant)
    assert changed.offline_grant.issued_at == srv.clock().replace(microsecond=0)
    old_login = srv.client.post("/auth/login", json=login_body("canbo.a", world.device_a, PASSWORD))
    assert old_login.status_code == 401
    srv.login("canbo.a", world.device_a, NEW)
    # this session goes on (access and refresh); the one on the other PC ends at once
    assert srv.client.get(PULL, headers=bearer(here)).status_code == 200
    ended = srv.client.get(PULL, headers=bearer(elsewhere))
    assert (ended.status_code, ended.json()["detail"]["code"]) == (401, "session_ended")
    assert _refresh(world, elsewhere, second_pc) == 401
    assert _refresh(world, here, world.device_a) == 200
    # another officer's session is not touched
    assert srv.client.get(PULL, headers=bearer(colleague)).status_code == 200


def test_a_wrong_current_password_is_refused_and_counts_towards_the_lock_out(world: World) -> None:
    srv = world.srv
    here = srv.login("canbo.a", world.device_a)
    for _ in range(5):
        wrong = _change(world, here, "khong-phai-mat-khau", NEW)
        assert (wrong.status_code, wrong.json()["detail"]["code"]) == (403, "wrong_password")
        assert wrong.json()["detail"]["message"].startswith("Mật khẩu hiện tại không đúng.")
    locked = _change(world, here, PASSWORD, NEW)  # even the right one now waits
    assert locked.status_code == 429 and "thử lại sau" in locked.json()["detail"]["message"]
    login = srv.client.post("/auth/login", json=login_body("canbo.a", world.device_a))
    assert login.status_code == 429  # the same limit as five wrong logins on this PC
    srv.clock.advance(minutes=16)
    srv.login("canbo.a", world.device_a)  # the password did not change
    assert _refresh(world, here, world.device_a) == 200  # and the session was kept


def test_the_new_password_rules_each_say_what_is_wrong(world: World) -> None:
    srv = world.srv
    here = srv.login("canbo.a", world.device_a)
    cases = {
        "ngan": "ít nhất 8 ký tự (đang có 4)",
        " CANBO.A ": "trùng với tên đăng nhập",
        PASSWORD: "phải khác mật khẩu hiện tại",
    }
    for new, reason in cases.items():
        answer = _change(world, here, PASSWORD, new)
        assert (answer.status_code, answer.json()["detail"]["code"]) == (422, "weak_password"), new
        assert reason in answer.json()["detail"]["message"]
    too_long = _change(world, here, PASSWORD, "x" * 257)
    assert too_long.status_code == 422 and "quá dài" in too_long.json()["detail"]["message"]
    srv.login("canbo.a", world.device_a)  # nothing changed


def test_a_session_of_another_officer_cannot_change_this_officers_password(world: World) -> None:
    srv = world.srv
    left_behind = srv.login("giamsat.a", world.device_a)  # the session a shared PC still holds
    me = srv.login("canbo.a", world.device_a)
    answer = _change(world, left_behind, PASSWORD, NEW, officer_id=me["officer"]["id"])
    assert (answer.status_code, answer.json()["detail"]["code"]) == (403, "officer_mismatch")
    assert "tài khoản khác" in answer.json()["detail"]["message"]
    srv.login("canbo.a", world.device_a)
    srv.login("giamsat.a", world.device_a)


def test_without_a_session_nothing_changes(world: World) -> None:
    srv = world.srv
    me = srv.login("canbo.a", world.device_a)
    body = {"officer_id": me["officer"]["id"], "old_password": PASSWORD, "new_password": NEW}
    assert srv.client.post("/auth/password", json=body).status_code == 401
    assert srv.client.post("/auth/logout", headers=bearer(me)).status_code == 204
    ended = srv.client.post("/auth/password", json=body, headers=bearer(me))
    assert (ended.status_code, ended.json()["detail"]["code"]) == (401, "session_ended")
    srv.login("canbo.a", world.device_a)
