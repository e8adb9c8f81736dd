"""Sync transport: bearer auth with one refresh on 401, errors mapped, every answer validated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from app.errors import UserFacingError
from app.sync import wire
from app.sync.secrets import SecretName, SecretStore
from app.sync.transport import (
    AuthRequiredError,
    OfflineError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    Transport,
    enrol,
    make_client,
)
from tests.sync_support import FakeServer, MemoryKeyring, keyring_backend


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def enrolled(server: FakeServer, tmp_path: Path) -> Iterator[Transport]:
    with keyring_backend(MemoryKeyring()):
        answer = enrol(server.client(), server.new_enrol_code(), "Quầy số 03")
        secrets = SecretStore(tmp_path, answer.device_id)
        secrets.set(SecretName.DEVICE_SECRET, answer.device_secret)
        yield Transport(server.client(), answer.device_id, secrets)


def test_enrol_with_a_wrong_code_shows_the_servers_message(server: FakeServer) -> None:
    with pytest.raises(ServerError, match="Mã đăng ký máy trạm không đúng") as caught:
        enrol(server.client(), "WRONG-CODE", "Quầy số 03")
    assert caught.value.status == 400 and caught.value.code == "bad_code"


def test_login_keeps_the_refresh_token_in_the_keyring_only(enrolled: Transport, server: FakeServer) -> None:
    session = enrolled.login("CanBo ", "matkhau-2026")
    assert session.officer.full_name == "Nguyễn Thị Thuỳ Dương"
    assert enrolled._secrets.get(SecretName.REFRESH_TOKEN) == session.refresh_token
    enrolled.pull("")
    assert server.requests[-1].headers["Authorization"] == f"Bearer {session.access_token}"


def test_wrong_password_is_the_servers_vietnamese_message(enrolled: Transport) -> None:
    with pytest.raises(AuthRequiredError, match="Sai tên đăng nhập hoặc mật khẩu"):
        enrolled.login("canbo", "sai")


def test_an_expired_access_token_is_refreshed_once_and_the_request_repeated(
    enrolled: Transport, server: FakeServer
) -> None:
    first = enrolled.login("canbo", "matkhau-2026")
    server.expire_access_tokens()
    enrolled.pull("")
    assert server.paths()[-3:] == ["GET /sync/pull", "POST /auth/refresh", "GET /sync/pull"]
    rotated = enrolled._secrets.get(SecretName.REFRESH_TOKEN)
    assert rotated and rotated != first.refresh_token


def test_a_fresh_process_starts_from_the_stored_refresh_token(enrolled: Transport, server: FakeServer) -> None:
    enrolled.login("canbo", "matkhau-2026")
    again = Transport(server.client(), enrolled.device_id, enrolled._secrets)  # restart: no access token in memory
    again.pull("")
    assert server.paths()[-2:] == ["POST /auth/refresh", "GET /sync/pull"]


def test_a_revoked_refresh_token_asks_for_an_online_login_and_is_forgotten(
    enrolled: Transport, server: FakeServer
) -> None:
    enrolled.login("canbo", "matkhau-2026")
    server.refresh.clear()
    server.expire_access_tokens()
    with pytest.raises(AuthRequiredError, match="đăng nhập lại"):
        enrolled.pull("")
    assert enrolled._secrets.get(SecretName.REFRESH_TOKEN) is None
    assert not enrolled.has_session
    with pytest.raises(AuthRequiredError):
        enrolled.pull("")  # no token at all: no request is made
    assert server.paths()[-1] == "POST /auth/refresh"


def test_connection_failures_are_offline(enrolled: Transport, server: FakeServer) -> None:
    enrolled.login("canbo", "matkhau-2026")
    server.offline = True
    with pytest.raises(OfflineError, match="Mất kết nối máy chủ"):
        enrolled.pull("")
    server.offline = False
    server.lose_next_response = True
    with pytest.raises(OfflineError, match="ReadTimeout"):
        enrolled.pull("")


def test_a_refused_connection_is_offline_for_real() -> None:
    with pytest.raises(OfflineError):  # nothing listens on port 9 of loopback
        enrol(make_client("http://127.0.0.1:9"), "ABCDEF", "Quầy số 01")


def _answering(status: int, body: bytes, headers: dict[str, str] | None = None) -> httpx.Client:
    return make_client("http://x.test", httpx.MockTransport(lambda r: httpx.Response(status, content=body,
                                                                                      headers=headers)))  # fmt: skip


def test_error_statuses_map_to_their_kinds() -> None:
    body = '{"detail": {"code": "too_many_attempts", "message": "Đăng nhập sai quá nhiều lần."}}'.encode()
    with pytest.raises(RateLimitedError, match="sai quá nhiều lần") as caught:
        enrol(_answering(429, body, {"Retry-After": "120"}), "ABCDEF", "Quầy")
    assert caught.value.retry_after_s == 120
    with pytest.raises(OfflineError, match="503"):
        enrol(_answering(503, b"Service Unavailable"), "ABCDEF", "Quầy")
    with pytest.raises(ServerError, match="mã 422"):
        enrol(_answering(422, b'{"detail": [{"loc": ["body"], "msg": "bad"}]}'), "ABCDEF", "Quầy")


@pytest.mark.parametrize(
    "body",
    [b"<html>captive portal</html>", b'{"device_id": "not-a-uuid"}', b"[]", b""],
    ids=["html", "schema", "list", "empty"],
)
def test_answers_off_the_protocol_are_a_clear_error_not_a_crash(body: bytes) -> None:
    with pytest.raises(ProtocolError, match="không đúng giao thức") as caught:
        enrol(_answering(200, body), "ABCDEF", "Quầy")
    assert isinstance(caught.value, UserFacingError)


def test_push_results_must_match_the_events_sent(enrolled: Transport, server: FakeServer) -> None:
    enrolled.login("canbo", "matkhau-2026")
    real = server.handle

    def swapped(request: httpx.Request) -> httpx.Response:
        response = real(request)
        if request.url.path == "/sync/push":
            data = wire.PushResponse.model_validate_json(response.read())
            return httpx.Response(200, json={**data.model_dump(mode="json"), "results": []})
        return response

    enrolled.client._transport = httpx.MockTransport(swapped)
    event = wire.EventWire(
        id="0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", device_id=enrolled.device_id, device_seq=1,
        type="dossier.received", dossier_uid="0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
        officer_id="0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d", officer_name="Cán bộ",
        occurred_at="2026-11-23T09:15:00", hlc=f"{1:013d}:{0:05d}:{enrolled.device_id}", payload={},
    )  # fmt: skip
    with pytest.raises(ProtocolError, match="không khớp"):
        enrolled.push([event])


def test_reserve_is_idempotent_by_request_id(enrolled: Transport) -> None:
    enrolled.login("canbo", "matkhau-2026")
    a = enrolled.reserve("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", [date(2026, 11, 23)], 100)
    b = enrolled.reserve("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", [date(2026, 11, 23)], 100)
    assert a == b and (a.blocks[0].first, a.blocks[0].last) == (1, 100)
