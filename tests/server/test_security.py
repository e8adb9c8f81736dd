"""Signing key file, token decoding edge cases, and concurrent refreshes of one token."""

from __future__ import annotations

import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from argon2 import PasswordHasher

from server.security import (
    SigningKeyError,
    decode_access_token,
    encode_access_token,
    load_secret_key,
    successor_refresh_token,
)
from tests.server.conftest import UNIT_A, World

KEY = b"k" * 40
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_the_signing_key_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    key = load_secret_key("", tmp_path)
    path = tmp_path / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32 and load_secret_key("", tmp_path) == key
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    assert load_secret_key("x" * 32, tmp_path) == b"x" * 32
    with pytest.raises(SigningKeyError, match="quá ngắn"):
        load_secret_key("short", tmp_path)


def test_concurrent_first_starts_share_one_key(tmp_path: Path) -> None:
    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(load_secret_key("", tmp_path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1


def _token(**overrides: object) -> str:
    token, _ = encode_access_token(KEY, officer_id="o", username="u", role="officer", unit_code="U", device_id="d",
                                   session_id="s", now=NOW, lifetime=timedelta(minutes=15))  # fmt: skip
    if not overrides:
        return token
    claims = (
        jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}) | overrides
    )
    return jwt.encode(claims, KEY, algorithm="HS256")


def test_access_tokens_need_type_issuer_role_and_an_unexpired_exp() -> None:
    assert decode_access_token(KEY, _token(), NOW) is not None
    assert decode_access_token(KEY, _token(), NOW + timedelta(minutes=15)) is None
    assert decode_access_token(KEY, _token(), NOW).session_id == "s"  # type: ignore[union-attr]
    for bad in ({"typ": "refresh"}, {"iss": "elsewhere"}, {"role": "root"}, {"unit": 5}, {"exp": "never"},
                {"sid": None}):  # fmt: skip
        assert decode_access_token(KEY, _token(**bad), NOW) is None, bad
    assert decode_access_token(KEY, jwt.encode({"sub": "o"}, b"k" * 64, algorithm="HS512"), NOW) is None


def test_successor_tokens_depend_on_key_and_token() -> None:
    assert successor_refresh_token(KEY, "a") == successor_refresh_token(KEY, "a")
    assert len({successor_refresh_token(KEY, "a"), successor_refresh_token(KEY, "b"),
                successor_refresh_token(b"z" * 40, "a")}) == 3  # fmt: skip


def test_production_password_hashes_are_argon2id() -> None:
    hasher = PasswordHasher()  # what server.security uses outside the tests
    assert hasher.hash("motcua2026").startswith("$argon2id$")


def test_two_concurrent_refreshes_of_one_token_get_the_same_successor(world: World) -> None:
    srv = world.srv
    token = srv.login("canbo.a", world.device_a)["refresh_token"]
    body = {"refresh_token": token, "device_id": world.device_a.device_id,
            "device_secret": world.device_a.device_secret}  # fmt: skip
    barrier = threading.Barrier(4)
    answers: list[tuple[int, str]] = []

    def refresh() -> None:
        barrier.wait()
        answer = srv.client.post("/auth/refresh", json=body)
        answers.append((answer.status_code, answer.json().get("refresh_token", answer.text)))

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [200] * 4, answers
    assert len({successor for _, successor in answers}) == 1


def test_concurrent_enrolments_get_distinct_slots(world: World) -> None:
    srv = world.srv
    codes = [srv.enrol_code(UNIT_A) for _ in range(4)]
    barrier = threading.Barrier(len(codes))
    answers: list[tuple[int, str]] = []

    def enrol(code: str) -> None:
        barrier.wait()
        answer = srv.client.post("/auth/enrol", json={"code": code, "counter_name": "Quầy"})
        answers.append((answer.status_code, str(answer.json().get("slot", answer.text))))

    threads = [threading.Thread(target=enrol, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [(200, "1"), (200, "2"), (200, "3"), (200, "4")], answers  # slot 0: world.device_a
