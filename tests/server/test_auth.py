"""/auth: enrolment, login, rate limit, refresh rotation with grace and theft detection, logout."""

from __future__ import annotations

import jwt
from sqlalchemy import select

from app.sync.wire import OfflineGrant, Session
from server.models import Device, EnrolmentCode, LoginFailure, RefreshToken
from server.security import decode_access_token, sha256_hex, verify_offline_grant
from tests.server.conftest import PASSWORD, UNIT_A, Srv, World, bearer, login_body

# --- enrolment ----------------------------------------------------------------------------------


def test_enrol_gives_a_device_with_a_secret_kept_only_as_sha256(srv: Srv) -> None:
    srv.office(UNIT_A)
    first, second = srv.device(UNIT_A, "Quầy số 01"), srv.device(UNIT_A, "Quầy số 02")
    assert (first.slot, second.slot) == (0, 1)
    assert first.unit_code == UNIT_A and first.office_name.endswith(UNIT_A)
    assert len(first.device_secret) >= 43 and first.device_secret != second.device_secret
    with srv.session() as s:
        row = s.get(Device, first.device_id)
        assert row is not None and row.counter_name == "Quầy số 01"
        assert row.secret_sha256 == sha256_hex(first.device_secret)
        assert first.device_secret not in str([row.secret_sha256, row.counter_name])


def test_an_enrolment_code_works_once(srv: Srv) -> None:
    srv.office(UNIT_A)
    code = srv.enrol_code(UNIT_A)
    ok = srv.client.post("/auth/enrol", json={"code": code.lower().replace("-", " "), "counter_name": "Quầy 1"})
    assert ok.status_code == 200, ok.text
    again = srv.client.post("/auth/enrol", json={"code": code, "counter_name": "Quầy 2"})
    assert again.status_code == 409
    assert again.json()["detail"]["code"] == "enrol_code_used"
    assert "đã được dùng" in again.json()["detail"]["message"]
    with srv.session() as s:
        assert s.scalars(select(Device)).all().__len__() == 1
        stored = s.scalars(select(EnrolmentCode)).one()
        assert stored.code_sha256 != code and stored.device_id == ok.json()["device_id"]


def test_an_expired_or_unknown_enrolment_code_is_refused(srv: Srv) -> None:
    srv.office(UNIT_A)
    code = srv.enrol_code(UNIT_A, hours=1)
    srv.clock.advance(hours=1, seconds=1)
    expired = srv.client.post("/auth/enrol", json={"code": code, "counter_name": "Quầy 1"})
    assert (expired.status_code, expired.json()["detail"]["code"]) == (410, "enrol_code_expired")
    unknown = srv.client.post("/auth/enrol", json={"code": "ABCD-EFGH-JKMN", "counter_name": "Quầy 1"})
    assert (unknown.status_code, unknown.json()["detail"]["code"]) == (401, "enrol_code_invalid")


# --- login --------------------------------------------------------------------------------------


def test_login_opens_a_session_with_signed_tokens_and_an_offline_grant(world: World) -> None:
    srv, device = world.srv, world.device_a
    body = srv.login("CanBo.A ", device)  # user names are case- and space-insensitive
    session = Session.model_validate(body)
    assert session.officer.username == "canbo.a" and session.officer.role == "officer"
    assert session.officer.unit_code == UNIT_A
    claims = decode_access_token(srv.ctx.signing_key, session.access_token, srv.clock())
    assert claims is not None
    assert (claims.officer_id, claims.unit_code, claims.device_id) == (session.officer.id, UNIT_A, device.device_id)
    assert claims.expires_at == session.access_expires_at
    assert 14 * 60 <= (session.access_expires_at - srv.clock()).total_seconds() <= 15 * 60
    assert session.server_time == srv.clock()
    grant = session.offline_grant
    assert (grant.officer_id, grant.device_id) == (session.officer.id, device.device_id)
    assert (grant.expires_at - grant.issued_at).total_seconds() == 72 * 3600
    assert verify_offline_grant(srv.ctx.signing_key, grant)
    forged = OfflineGrant.model_validate({**grant.model_dump(), "expires_at": grant.expires_at.replace(year=2099)})
    assert not verify_offline_grant(srv.ctx.signing_key, forged)
    with srv.session() as s:  # only the digest of the refresh token is stored
        assert s.scalars(select(RefreshToken.token_sha256)).one() == sha256_hex(session.refresh_token)


def test_wrong_password_and_unknown_user_get_the_same_answer(world: World) -> None:
    srv = world.srv
    wrong = srv.client.post("/auth/login", json=login_body("canbo.a", world.device_a, "sai-mat-khau"))
    unknown = srv.client.post("/auth/login", json=login_body("khongco", world.device_a, PASSWORD))
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert answer.json() == {
            "detail": {"code": "invalid_credentials", "message": "Sai tên đăng nhập hoặc mật khẩu."}
        }
    with srv.session() as s:  # both failures were kept although the requests failed
        assert len(s.scalars(select(LoginFailure)).all()) == 2


def test_five_failures_lock_the_user_name_for_fifteen_minutes(world: World) -> None:
    srv = world.srv
    for _ in range(5):
        assert srv.client.post("/auth/login", json=login_body("canbo.a", world.device_a, "sai")).status_code == 401
    locked = srv.client.post("/auth/login", json=login_body("canbo.a", world.device_a))
    assert locked.status_code == 429
    assert locked.json()["detail"]["code"] == "too_many_attempts"
    assert "thử lại sau 15 phút" in locked.json()["detail"]["message"]
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    # another user name from the same address is not affected
    assert srv.client.post("/auth/login", json=login_body("giamsat.a", world.device_a)).status_code == 200
    srv.clock.advance(minutes=15, seconds=1)
    assert srv.client.post("/auth/login", json=login_body("canbo.a", world.device_a)).status_code == 200


def test_twenty_failures_from_one_address_lock_the_address(world: World) -> None:
    srv = world.srv
    for i in range(20):
        answer = srv.client.post("/auth/login", json=login_body(f"doan{i}", world.device_a, "sai"))
        assert answer.status_code == 401
    locked = srv.client.post("/auth/login", json=login_body("canbo.a", world.device_a))
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


def test_login_needs_a_device_of_the_officers_office(world: World) -> None:
    srv = world.srv
    other_office = srv.client.post("/auth/login", json=login_body("canbo.a", world.device_b))
    assert (other_office.status_code, other_office.json()["detail"]["code"]) == (403, "wrong_office")
    wrong_secret = login_body("canbo.a", world.device_a) | {"device_secret": "x" * 43}
    answer = srv.client.post("/auth/login", json=wrong_secret)
    assert (answer.status_code, answer.json()["detail"]["code"]) == (401, "device_unknown")
    unknown_device = login_body("canbo.a", world.device_a) | {"device_id": "0190c1d2-0000-7000-8000-000000000000"}
    assert srv.client.post("/auth/login", json=unknown_device).status_code == 401


# --- refresh ------------------------------------------------------------------------------------


def _refresh(srv: Srv, world: World, token: str, device: str = "a") -> tuple[int, dict[str, object]]:
    dev = world.device_a if device == "a" else world.device_b
    body = {"refresh_token": token, "device_id": dev.device_id, "device_secret": dev.device_secret}
    answer = srv.client.post("/auth/refresh", json=body)
    return answer.status_code, answer.json()


def test_refresh_rotates_and_a_retry_within_grace_gets_the_same_successor(world: World) -> None:
    srv = world.srv
    r0 = srv.login("canbo.a", world.device_a)["refresh_token"]
    status, first = _refresh(srv, world, r0)
    assert status == 200 and first["refresh_token"] != r0
    srv.clock.advance(seconds=90)  # the client crashed before saving r1 and retries with r0
    status, retry = _refresh(srv, world, r0)
    assert status == 200 and retry["refresh_token"] == first["refresh_token"]
    assert retry["access_token"] != first["access_token"]
    status, second = _refresh(srv, world, str(first["refresh_token"]))
    assert status == 200 and second["refresh_token"] not in (r0, first["refresh_token"])


def test_reuse_after_the_grace_period_revokes_the_whole_family(world: World) -> None:
    srv = world.srv
    r0 = srv.login("canbo.a", world.device_a)["refresh_token"]
    _, first = _refresh(srv, world, r0)
    srv.clock.advance(seconds=121)
    status, body = _refresh(srv, world, r0)  # a stolen copy of r0
    assert (status, body["detail"]["code"]) == (401, "refresh_reused")  # type: ignore[index]
    status, body = _refresh(srv, world, str(first["refresh_token"]))  # the legitimate successor is dead too
    assert (status, body["detail"]["code"]) == (401, "refresh_revoked")  # type: ignore[index]
    assert body["detail"]["message"] == "Phiên đăng nhập đã hết hạn, hãy đăng nhập lại."  # type: ignore[index]
    # another session of the same officer (another family) is unaffected
    other = srv.login("canbo.a", world.device_a)["refresh_token"]
    assert _refresh(srv, world, other)[0] == 200


def test_reuse_of_a_token_whose_successor_was_already_used_revokes_the_family(world: World) -> None:
    srv = world.srv
    r0 = srv.login("canbo.a", world.device_a)["refresh_token"]
    _, first = _refresh(srv, world, r0)
    _, second = _refresh(srv, world, str(first["refresh_token"]))
    status, body = _refresh(srv, world, r0)  # inside the grace period, but r1 was already rotated
    assert (status, body["detail"]["code"]) == (401, "refresh_reused")  # type: ignore[index]
    assert _refresh(srv, world, str(second["refresh_token"]))[0] == 401


def test_refresh_is_bound_to_its_device_and_expires(world: World) -> None:
    srv = world.srv
    r0 = srv.login("canbo.a", world.device_a)["refresh_token"]
    status, body = _refresh(srv, world, r0, device="b")
    assert (status, body["detail"]["code"]) == (403, "device_mismatch")  # type: ignore[index]
    assert _refresh(srv, world, "x" * 43)[0] == 401
    srv.clock.advance(days=30, seconds=1)
    status, body = _refresh(srv, world, r0)
    assert (status, body["detail"]["code"]) == (401, "refresh_expired")  # type: ignore[index]


def test_logout_ends_the_session_on_this_device(world: World) -> None:
    srv = world.srv
    session = srv.login("canbo.a", world.device_a)
    assert srv.client.post("/auth/logout", headers=bearer(session)).status_code == 204
    status, body = _refresh(srv, world, session["refresh_token"])
    assert (status, body["detail"]["code"]) == (401, "refresh_revoked")  # type: ignore[index]
    assert srv.client.post("/auth/logout").status_code == 401


# --- access tokens ------------------------------------------------------------------------------


def test_an_expired_access_token_is_refused(world: World) -> None:
    srv = world.srv
    session = srv.login("canbo.a", world.device_a)
    assert srv.client.get("/reference", headers=bearer(session)).status_code == 200
    srv.clock.advance(minutes=15)
    answer = srv.client.get("/reference", headers=bearer(session))
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
    assert answer.json()["detail"]["message"] == "Phiên đăng nhập đã hết hạn, hãy đăng nhập lại."


def test_forged_tokens_are_refused(world: World) -> None:
    srv = world.srv
    session = srv.login("canbo.a", world.device_a)
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    admin = srv.login("quantri.a", world.device_a)
    admin_claims = jwt.decode(admin["access_token"], options={"verify_signature": False})
    forgeries = [
        jwt.encode(claims | {"role": "admin"}, "another-secret-of-at-least-32-chars!!", algorithm="HS256"),
        jwt.encode(claims, "", algorithm="none"),  # alg=none
        jwt.encode(claims | {"exp": claims["exp"] + 3600}, srv.ctx.signing_key + b"x", algorithm="HS256"),
        session["access_token"][:-4] + ("AAAA" if not session["access_token"].endswith("AAAA") else "BBBB"),
        "not-a-token",
    ]
    for token in forgeries:
        answer = srv.client.get("/reference", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, token
        assert answer.json()["detail"]["code"] == "token_invalid"
    # the role comes from the database, not from the token
    upgraded = jwt.encode(claims | {"role": "admin"}, srv.ctx.signing_key, algorithm="HS256")
    assert srv.client.get("/admin/devices", headers={"Authorization": f"Bearer {upgraded}"}).status_code == 403
    assert admin_claims["role"] == "admin"


def test_a_token_naming_a_device_of_another_office_is_refused(world: World) -> None:
    srv = world.srv
    session = srv.login("canbo.a", world.device_a)
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    for device_id in (world.device_b.device_id, "0190c1d2-0000-7000-8000-000000000000"):
        token = jwt.encode(claims | {"dev": device_id}, srv.ctx.signing_key, algorithm="HS256")
        assert srv.client.get("/reference", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_deactivated_officer_or_a_revoked_device_is_refused_at_once(world: World) -> None:
    srv = world.srv
    officer = srv.login("canbo.a", world.device_a)
    admin = srv.login("quantri.a", world.device_a)
    off = srv.client.patch(f"/admin/officers/{officer['officer']['id']}", json={"active": False}, headers=bearer(admin))
    assert off.status_code == 200 and off.json()["active"] is False
    answer = srv.client.get("/reference", headers=bearer(officer))
    assert (answer.status_code, answer.json()["detail"]["code"]) == (401, "account_disabled")
    assert _refresh(srv, world, officer["refresh_token"])[0] == 401
    login = srv.client.post("/auth/login", json=login_body("canbo.a", world.device_a))
    assert (login.status_code, login.json()["detail"]["code"]) == (403, "account_disabled")

    revoked = srv.client.post(f"/admin/devices/{world.device_a.device_id}/revoke", headers=bearer(admin))
    assert revoked.status_code == 204
    answer = srv.client.get("/reference", headers=bearer(admin))
    assert (answer.status_code, answer.json()["detail"]["code"]) == (401, "device_revoked")
    login = srv.client.post("/auth/login", json=login_body("quantri.a", world.device_a))
    assert (login.status_code, login.json()["detail"]["code"]) == (401, "device_revoked")


def test_authenticated_calls_record_when_the_device_was_last_seen(world: World) -> None:
    srv = world.srv
    session = srv.login("canbo.a", world.device_a)
    with srv.session() as s:
        logged_in_at = s.get(Device, world.device_a.device_id).last_seen_at  # type: ignore[union-attr]
    assert logged_in_at == srv.clock()
    srv.clock.advance(minutes=5)
    assert srv.client.get("/reference", headers=bearer(session)).status_code == 200
    with srv.session() as s:
        assert s.get(Device, world.device_a.device_id).last_seen_at == srv.clock()  # type: ignore[union-attr]
