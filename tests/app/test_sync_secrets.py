"""Device secret and refresh token in the OS keyring: real backends, fail closed without one."""

from __future__ import annotations

from pathlib import Path

import keyring.errors
import pytest
from keyring.backends import chainer, fail

from app.errors import UserFacingError
from app.sync.secrets import SERVICE, KeyringUnavailableError, SecretName, SecretStore, check_backend, scope_for
from tests.sync_support import MemoryKeyring, keyring_backend

DEVICE = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"


def test_values_round_trip_under_the_service_name(tmp_path: Path) -> None:
    with keyring_backend(MemoryKeyring()) as backend:
        store = SecretStore(tmp_path, DEVICE)
        assert store.get(SecretName.REFRESH_TOKEN) is None
        store.set(SecretName.DEVICE_SECRET, "s" * 43)
        store.set(SecretName.REFRESH_TOKEN, "r1" * 20)
        store.set(SecretName.REFRESH_TOKEN, "r2" * 20)  # rotation replaces
        assert store.get(SecretName.DEVICE_SECRET) == "s" * 43
        assert store.require(SecretName.REFRESH_TOKEN) == "r2" * 20
        assert {service for service, _ in backend.values} == {SERVICE}  # type: ignore[attr-defined]
        store.delete(SecretName.REFRESH_TOKEN)
        store.delete(SecretName.REFRESH_TOKEN)  # deleting nothing is fine
        assert store.get(SecretName.REFRESH_TOKEN) is None


def test_two_data_folders_never_share_a_secret(tmp_path: Path) -> None:
    with keyring_backend(MemoryKeyring()):
        a, b = SecretStore(tmp_path / "a", DEVICE), SecretStore(tmp_path / "b", DEVICE)
        a.set(SecretName.DEVICE_SECRET, "x" * 40)
        assert b.get(SecretName.DEVICE_SECRET) is None


def test_missing_secret_names_what_to_do(tmp_path: Path) -> None:
    with keyring_backend(MemoryKeyring()), pytest.raises(UserFacingError, match="đăng ký lại máy trạm"):
        SecretStore(tmp_path, DEVICE).require(SecretName.DEVICE_SECRET)


@pytest.mark.parametrize("backend", [fail.Keyring(), chainer.ChainerBackend()], ids=["fail", "empty-chainer"])
def test_no_usable_backend_fails_closed_with_a_message_for_it(tmp_path: Path, backend: object) -> None:
    with keyring_backend(backend):  # type: ignore[arg-type]
        if isinstance(backend, chainer.ChainerBackend):
            assert not [b for b in backend.backends if not isinstance(b, fail.Keyring)]
        with pytest.raises(KeyringUnavailableError) as caught:
            SecretStore(tmp_path, DEVICE).set(SecretName.DEVICE_SECRET, "s" * 43)
        assert "gnome-keyring" in caught.value.message and "Credential" in caught.value.message
        with pytest.raises(KeyringUnavailableError):
            check_backend()
    assert not list(tmp_path.iterdir())  # nothing written to a file instead


def test_a_plaintext_file_backend_is_refused(tmp_path: Path) -> None:
    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    with keyring_backend(PlaintextKeyring()), pytest.raises(KeyringUnavailableError):
        SecretStore(tmp_path, DEVICE).set(SecretName.DEVICE_SECRET, "s" * 43)


def test_a_backend_error_becomes_a_user_facing_error(tmp_path: Path) -> None:
    class LockedKeyring(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("locked")

    with keyring_backend(LockedKeyring()), pytest.raises(KeyringUnavailableError, match="Không đọc được"):
        SecretStore(tmp_path, DEVICE).get(SecretName.REFRESH_TOKEN)


def test_oversized_values_are_refused(tmp_path: Path) -> None:
    with keyring_backend(MemoryKeyring()), pytest.raises(ValueError):
        SecretStore(tmp_path, DEVICE).set(SecretName.REFRESH_TOKEN, "x" * 3000)


def test_a_keyring_that_refuses_writes_stops_enrolment_before_the_code_is_spent(tmp_path: Path) -> None:
    """Seen on a Debian server session: GNOME Keyring answers on D-Bus but has no "login" collection and
    no desktop to prompt for one, so the first real write fails. The one-time code must still be unspent."""
    from app.store.db import open_database, session_factory
    from app.sync.client import enrol_this_pc
    from tests.sync_support import FakeServer

    class NoCollectionKeyring(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.PasswordSetError("Failed to create the collection: Prompt dismissed..")

    server = FakeServer()
    code = server.new_enrol_code()
    factory = session_factory(open_database(tmp_path / "motcua.db"))
    with keyring_backend(NoCollectionKeyring()), pytest.raises(KeyringUnavailableError) as caught:
        enrol_this_pc(tmp_path, factory, "http://motcua.test", code, "Quầy số 02", http=server.transport())
    assert "Prompt dismissed" in caught.value.message and "gnome-keyring" in caught.value.message
    assert server.requests == [] and code in server.enrol_codes  # nothing asked, the code still good
    with keyring_backend(MemoryKeyring()) as backend:
        office = enrol_this_pc(tmp_path, factory, "http://motcua.test", code, "Quầy số 02", http=server.transport())
        assert office.device_id in server.devices
        users = [user for _, user in backend.values]  # type: ignore[attr-defined]
        assert users == [f"{scope_for(tmp_path, office.device_id)}/device_secret"]  # the probe left nothing behind
