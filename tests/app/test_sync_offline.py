"""Offline login on an enrolled PC: local Argon2id verifier + the server's grant, clock checks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from keyring.backends import fail
from sqlalchemy import select

from app.store.models import Officer, OfflineCredential
from app.sync.offline import OfflineLoginError
from app.sync.state import utc_now
from app.sync.transport import AuthRequiredError
from tests.sync_support import Counter, FakeServer, MemoryKeyring, keyring_backend

PASSWORD = "matkhau-2026"


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[None]:
    with keyring_backend(MemoryKeyring()):
        yield


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def pc(server: FakeServer, tmp_path: Path, template_db: Path) -> Counter:
    return Counter.enrol(tmp_path / "pc", template_db, server.new_enrol_code(), "Quầy số 01", http=server.transport())


def credential(pc: Counter) -> OfflineCredential:
    with pc.factory() as s:
        return s.scalars(select(OfflineCredential)).one()


def test_online_login_keeps_a_verifier_and_the_grant_not_the_password(pc: Counter, server: FakeServer) -> None:
    cred = credential(pc)
    assert cred.verifier.startswith("$argon2id$") and PASSWORD not in cred.verifier
    assert cred.grant_expires_at - cred.grant_issued_at == timedelta(hours=72)
    assert cred.officer_id == server.officers["canbo"].id == pc.actor.officer_id
    with pc.factory() as s:
        officer = s.get(Officer, pc.actor.officer_id)
        assert officer is not None and officer.password_hash == ""  # no local password for server accounts
        assert s.scalars(select(Officer.username)).all() == ["canbo"]  # the demo accounts went at enrolment


def test_offline_login_works_until_the_grant_expires(pc: Counter, server: FakeServer) -> None:
    server.offline = True
    actor, online = pc.client.login(pc.factory, "CanBo", PASSWORD)
    assert not online and actor == pc.actor
    expires = credential(pc).grant_expires_at
    with pytest.raises(OfflineLoginError, match="đã hết hạn"):
        pc.client.login(pc.factory, "canbo", PASSWORD, now_utc=lambda: expires + timedelta(seconds=1))
    actor, _ = pc.client.login(pc.factory, "canbo", PASSWORD, now_utc=lambda: expires - timedelta(minutes=1))
    assert actor.officer_id == pc.actor.officer_id


def test_a_clock_set_back_before_the_last_server_time_is_refused(pc: Counter, server: FakeServer) -> None:
    server.offline = True
    seen = credential(pc).last_server_time
    with pytest.raises(OfflineLoginError, match=r"Đồng hồ của máy tính .* chậm hơn"):
        pc.client.login(pc.factory, "canbo", PASSWORD, now_utc=lambda: seen - timedelta(hours=3))
    actor, _ = pc.client.login(pc.factory, "canbo", PASSWORD, now_utc=lambda: seen - timedelta(seconds=30))
    assert actor.username == "canbo"  # a PC clock a few seconds behind the server is not "set back"


def test_wrong_passwords_offline_are_counted_and_lock(pc: Counter, server: FakeServer) -> None:
    server.offline = True
    for _ in range(5):
        with pytest.raises(OfflineLoginError, match="Sai tên đăng nhập hoặc mật khẩu"):
            pc.client.login(pc.factory, "canbo", "sai-mat-khau")
    with pytest.raises(OfflineLoginError, match="thử lại sau"):
        pc.client.login(pc.factory, "canbo", PASSWORD)
    assert credential(pc).locked_until is not None
    later = utc_now() + timedelta(minutes=6)
    assert pc.client.login(pc.factory, "canbo", PASSWORD, now_utc=lambda: later)[0].username == "canbo"


def test_an_officer_who_never_logged_in_here_cannot_log_in_offline(pc: Counter, server: FakeServer) -> None:
    server.add_officer("giamsat", "giamsat-2026", "Trần Văn Hùng", "supervisor")
    server.offline = True
    with pytest.raises(OfflineLoginError, match="chưa từng đăng nhập trực tuyến"):
        pc.client.login(pc.factory, "giamsat", "giamsat-2026")


def test_a_refusal_by_the_server_is_not_retried_offline(pc: Counter) -> None:
    with pytest.raises(AuthRequiredError, match="Sai tên đăng nhập"):
        pc.client.login(pc.factory, "canbo", "sai-mat-khau")
    assert credential(pc).failed_logins == 0  # the offline verifier was not consulted


def test_without_a_keyring_the_counter_can_still_log_in_offline(pc: Counter) -> None:
    with keyring_backend(fail.Keyring()):
        actor, online = pc.restart().client.login(pc.factory, "canbo", PASSWORD)
    assert not online and actor.username == "canbo"
