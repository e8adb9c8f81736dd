"""Changing one's own password (issue 15 item 11), through app.services.password.

A standalone PC changes the local account; an enrolled PC changes it at the REAL central server
(uvicorn on loopback, SQLite) and renews its offline login: afterwards, with the server down, the
new password logs in offline and the old one is refused. Offline, the change is refused with a
clear message.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.errors import UserFacingError, ValidationError
from app.services.auth import LoginError, login
from app.services.context import Actor
from app.services.password import NEEDS_SERVER, change_password, check_change
from app.services.seed import DEMO_ACCOUNTS
from app.store.db import transaction
from app.store.models import Officer, OfflineCredential
from app.sync.offline import OfflineLoginError
from tests.conftest import NOW
from tests.password_support import NEW, PASSWORD, LiveServer, live_office
from tests.sync_support import Counter

# --- the rules, before anything is sent ---------------------------------------------------------


def test_each_field_gets_its_own_message() -> None:
    with pytest.raises(ValidationError) as caught:
        check_change("canbo", "", "ngan", "khac")
    assert caught.value.fields == {
        "old": "Hãy nhập mật khẩu hiện tại.",
        "new": "Mật khẩu mới phải có ít nhất 8 ký tự (đang có 4).",
        "confirm": "Mật khẩu nhập lại không khớp với mật khẩu mới. Hãy gõ lại.",
    }
    with pytest.raises(ValidationError) as caught:
        check_change("nguyen.van.an", "cu-12345", " Nguyen.Van.An ", "")
    assert set(caught.value.fields) == {"new", "confirm"} and "tên đăng nhập" in caught.value.fields["new"]
    with pytest.raises(ValidationError, match="phải khác mật khẩu hiện tại"):
        check_change("canbo", "cu-12345", "cu-12345", "cu-12345")
    check_change("canbo", "cu-12345", NEW, NEW)


# --- a standalone PC ----------------------------------------------------------------------------


def _hash(factory: sessionmaker[Session], actor: Actor) -> str:
    with factory() as s:
        officer = s.get(Officer, actor.officer_id)
        assert officer is not None
        return officer.password_hash


def test_a_standalone_pc_changes_the_local_account(factory: sessionmaker[Session], actor: Actor) -> None:
    old = DEMO_ACCOUNTS[0][1]
    before = _hash(factory, actor)
    with pytest.raises(ValidationError):
        change_password(factory, actor, old, "ngan", "ngan", transport=None, now=lambda: NOW)
    assert _hash(factory, actor) == before  # refused before anything was written

    assert change_password(factory, actor, old, NEW, NEW, transport=None, now=lambda: NOW).on_server is False

    with transaction(factory) as s:
        assert login(s, "canbo", NEW, actor.device_id, NOW).officer_id == actor.officer_id
    with pytest.raises(LoginError, match="Sai tên đăng nhập hoặc mật khẩu"), transaction(factory) as s:
        login(s, "canbo", old, actor.device_id, NOW)


def test_a_wrong_current_password_counts_towards_the_local_lock_out(
    factory: sessionmaker[Session], actor: Actor
) -> None:
    old = DEMO_ACCOUNTS[0][1]
    for _ in range(5):
        with pytest.raises(ValidationError) as caught:
            change_password(factory, actor, "khong-dung-1", NEW, NEW, transport=None, now=lambda: NOW)
        assert caught.value.fields == {"old": "Mật khẩu hiện tại không đúng. Hãy nhập lại (chú ý chữ hoa, bộ gõ"
                                              " tiếng Việt)."}  # fmt: skip
    with pytest.raises(UserFacingError, match=r"Đăng nhập sai quá 5 lần. Hãy thử lại sau \d+ phút"):
        change_password(factory, actor, old, NEW, NEW, transport=None, now=lambda: NOW)
    with pytest.raises(LoginError, match="thử lại sau"), transaction(factory) as s:
        login(s, "canbo", old, actor.device_id, NOW)  # the count is the login's own
    later = NOW + timedelta(minutes=6)
    change_password(factory, actor, old, NEW, NEW, transport=None, now=lambda: later)
    with transaction(factory) as s:
        login(s, "canbo", NEW, actor.device_id, later)


# --- an enrolled PC against the real server -----------------------------------------------------


@pytest.fixture
def live(tmp_path: Path, template_db: Path) -> Iterator[LiveServer]:
    with live_office(tmp_path, template_db) as world:
        yield world


def _verifier(pc: Counter, username: str) -> str:
    with pc.factory() as s:
        return str(s.scalars(select(OfflineCredential.verifier).where(OfflineCredential.username == username)).one())


def test_an_enrolled_pc_changes_it_at_the_server_and_offline_only_the_new_one_works(live: LiveServer) -> None:
    pc = live.counter("quay-1")
    before = _verifier(pc, "canbo")

    changed = change_password(pc.factory, pc.actor, PASSWORD, NEW, NEW, transport=pc.client.transport)

    assert changed.on_server
    assert _verifier(pc, "canbo") != before
    with pytest.raises(UserFacingError, match="Sai tên đăng nhập hoặc mật khẩu"):
        pc.client.login(pc.factory, "canbo", PASSWORD)  # online: the server refuses the old one
    other_pc = live.counter("quay-2", "lanhdao")
    assert other_pc.client.login(other_pc.factory, "canbo", NEW)[1]  # every PC takes the new one online

    live.stop()
    with pytest.raises(OfflineLoginError, match="Sai tên đăng nhập hoặc mật khẩu"):
        pc.client.login(pc.factory, "canbo", PASSWORD)
    actor, online = pc.client.login(pc.factory, "canbo", NEW)
    assert not online and actor.officer_id == pc.actor.officer_id

    with pytest.raises(UserFacingError) as caught:  # offline: no change, and it says why
        change_password(pc.factory, pc.actor, NEW, "Mot-mat-khau-khac", "Mot-mat-khau-khac",
                        transport=pc.client.transport)  # fmt: skip
    assert caught.value.message.startswith(NEEDS_SERVER) and not isinstance(caught.value, ValidationError)
    actor, online = pc.client.login(pc.factory, "canbo", NEW)
    assert not online


def test_the_server_refusals_land_at_their_field(live: LiveServer) -> None:
    pc = live.counter("quay-1")
    with pytest.raises(ValidationError) as caught:
        change_password(pc.factory, pc.actor, "khong-dung-1", NEW, NEW, transport=pc.client.transport)
    assert set(caught.value.fields) == {"old"} and caught.value.message.startswith("Mật khẩu hiện tại không đúng")
    pc.client.login(pc.factory, "canbo", PASSWORD)  # unchanged


def test_a_session_another_officer_left_on_the_pc_changes_nothing(live: LiveServer) -> None:
    pc = live.counter("quay-1")  # canbo logged in online here (offline credential kept)
    pc.client.login(pc.factory, "lanhdao", PASSWORD)  # then lanhdao: the PC's server session is theirs
    with pytest.raises(UserFacingError, match="tài khoản khác"):
        change_password(pc.factory, pc.actor, PASSWORD, NEW, NEW, transport=pc.client.transport)
    assert pc.client.login(pc.factory, "canbo", PASSWORD)[1]
    assert pc.client.login(pc.factory, "lanhdao", PASSWORD)[1]


def test_an_enrolled_pc_without_a_connection_object_asks_for_the_server(live: LiveServer) -> None:
    pc = live.counter("quay-1")
    with pytest.raises(UserFacingError, match=r"^Cần kết nối máy chủ để đổi mật khẩu"):
        change_password(pc.factory, pc.actor, PASSWORD, NEW, NEW, transport=None)
    with pc.factory() as s:
        officer = s.get(Officer, pc.actor.officer_id)
        assert officer is not None and officer.password_hash == ""  # never a local hash on an enrolled PC
