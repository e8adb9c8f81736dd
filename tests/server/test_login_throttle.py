"""Login throttling: the client address behind trusted proxies, and user-name locks per device.

The rule (docs/SYNC-PROTOCOL.md, "Giới hạn đăng nhập sai"): a wrong password counts against the
user name *on that device* (5 in 15 minutes lock that user name on that device only) and against
the client's address (20 in 15 minutes). The address is the direct peer's, or, when the peer is
one of ``trusted_proxies``, the right-most address of ``X-Forwarded-For`` that is not a trusted
proxy.
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import ip_network

import pytest
from pydantic import ValidationError

from server.auth import client_address
from server.config import Settings
from tests.server.conftest import UNIT_A, Srv, TestClient, World, login_body


def _trust(srv: Srv, *proxies: str) -> None:
    """Run the test server with ``trusted_proxies`` set as an IT administrator would."""
    settings = srv.ctx.settings.model_copy(update={"trusted_proxies": [ip_network(p) for p in proxies]})
    srv.ctx = replace(srv.ctx, settings=settings)
    srv.client.app.state.ctx = srv.ctx  # type: ignore[attr-defined]


def _from(srv: Srv, peer: str) -> TestClient:
    """A client whose TCP peer address, as the server sees it, is ``peer`` (a proxy, say)."""
    return TestClient(srv.client.app, client=(peer, 40000))


def _fail(client: TestClient, world: World, username: str, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    answer = client.post("/auth/login", json=login_body(username, world.device_a, "sai"), headers=headers)
    return answer.status_code


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(world: World) -> None:
    srv = world.srv
    _trust(srv, "10.0.0.0/8")
    proxy = _from(srv, "10.20.30.40")  # not on 127.0.0.1: the case that locked whole offices out
    for i in range(20):  # twenty clients behind the proxy, one typo each
        assert _fail(proxy, world, f"doan{i}", f"198.51.100.{i}") == 401
    answer = proxy.post("/auth/login", json=login_body("canbo.a", world.device_a),
                        headers={"X-Forwarded-For": "198.51.100.200"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    # One client failing twenty times is limited, even when it writes its own X-Forwarded-For
    # (the proxy appends the real peer on the right; the left part is whatever the client sent).
    for i in range(20):
        assert _fail(proxy, world, f"thu{i}", f"192.0.2.{i}, 198.51.100.77") == 401
    locked = proxy.post("/auth/login", json=login_body("canbo.a", world.device_a),
                        headers={"X-Forwarded-For": "192.0.2.250, 198.51.100.77"})  # fmt: skip
    assert locked.status_code == 429
    others = proxy.post("/auth/login", json=login_body("canbo.a", world.device_a),
                        headers={"X-Forwarded-For": "198.51.100.78"})  # fmt: skip
    assert others.status_code == 200, others.text


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(world: World) -> None:
    srv = world.srv
    _trust(srv, "10.0.0.0/8")
    direct = _from(srv, "203.0.113.9")
    for i in range(20):  # a client that invents a new X-Forwarded-For each time
        assert _fail(direct, world, f"doan{i}", f"198.51.100.{i}") == 401
    locked = direct.post("/auth/login", json=login_body("canbo.a", world.device_a),
                         headers={"X-Forwarded-For": "198.51.100.201"})  # fmt: skip
    assert locked.status_code == 429 and locked.json()["detail"]["code"] == "too_many_attempts"


def test_by_default_only_a_proxy_on_this_machine_is_trusted(world: World) -> None:
    srv = world.srv
    assert [str(network) for network in srv.ctx.settings.trusted_proxies] == ["127.0.0.1/32", "::1/128"]
    local = _from(srv, "127.0.0.1")  # nginx on the same host, as in the README
    for i in range(20):
        assert _fail(local, world, f"doan{i}", f"198.51.100.{i}") == 401
    answer = local.post("/auth/login", json=login_body("canbo.a", world.device_a),
                        headers={"X-Forwarded-For": "198.51.100.200"})  # fmt: skip
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  # untrusted peer: header ignored
        ("10.0.0.5", [], "10.0.0.5"),  # trusted proxy without a header: the proxy itself
        ("10.0.0.5", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.5", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # spoofed left part ignored
        ("10.0.0.5", ["198.51.100.1, 10.0.0.7"], "198.51.100.1"),  # two trusted hops
        ("10.0.0.5", ["198.51.100.1", "10.0.0.7"], "198.51.100.1"),  # the header given twice
        ("10.0.0.5", ["10.0.0.8, 10.0.0.7"], "10.0.0.8"),  # every hop trusted: the left-most
        ("10.0.0.5", [" 2001:DB8::1 "], "2001:db8::1"),
        ("10.0.0.5", ["not-an-address"], "10.0.0.5"),  # a broken header counts as the proxy
        ("::ffff:10.0.0.5", ["198.51.100.1"], "198.51.100.1"),  # IPv4 peer on an IPv6 socket
        ("::1", ["198.51.100.1"], "::1"),  # ::1 is not in 10.0.0.0/8
        ("testclient", ["198.51.100.1"], "testclient"),
    ],
)
def test_client_address_takes_the_right_most_untrusted_hop(peer: str, forwarded: list[str], expected: str) -> None:
    assert client_address(peer, forwarded, [ip_network("10.0.0.0/8")]) == expected


def test_trusted_proxies_are_read_from_the_environment_and_checked_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_SERVER_TRUSTED_PROXIES", '["10.0.0.5", "10.1.0.0/16", "fd00::/8"]')
    assert [str(n) for n in Settings().trusted_proxies] == ["10.0.0.5/32", "10.1.0.0/16", "fd00::/8"]
    monkeypatch.setenv("MOTCUA_SERVER_TRUSTED_PROXIES", '["proxy.example"]')
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings()


def test_a_user_name_locked_on_one_device_still_logs_in_on_another(world: World) -> None:
    srv = world.srv
    attacker = srv.device(UNIT_A, "Quầy số 02")  # any enrolled PC could lock any officer out before
    for _ in range(5):
        assert srv.client.post("/auth/login", json=login_body("canbo.a", attacker, "sai")).status_code == 401
    slowed = srv.client.post("/auth/login", json=login_body("canbo.a", attacker))
    assert slowed.status_code == 429 and "thử lại sau 15 phút" in slowed.json()["detail"]["message"]
    # the officer at their own counter is not affected ...
    assert srv.client.post("/auth/login", json=login_body("canbo.a", world.device_a)).status_code == 200
    # ... and their good login does not give the attacker's device new tries
    assert srv.client.post("/auth/login", json=login_body("canbo.a", attacker, "sai")).status_code == 429
    srv.clock.advance(minutes=15, seconds=1)
    assert srv.client.post("/auth/login", json=login_body("canbo.a", attacker)).status_code == 200
