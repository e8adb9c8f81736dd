"""The device secret and the refresh token, kept in the OS keyring and nowhere else.

Both values are small (≤ 256 characters; Windows Credential Manager refuses more than 2,560
bytes). Entries live under the service name ``MotCuaDesk`` with a user name that names the data
folder and the device, so two data folders on one PC (a demo copy, a test) never share a secret.
When the machine has no usable keyring backend the store fails closed with a message for IT;
it never writes a file instead (keyrings.alt's file backend is plaintext).
"""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum
from pathlib import Path

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from app.errors import UserFacingError

SERVICE = "MotCuaDesk"
MAX_SECRET_CHARS = 1000  # well under Credential Manager's 2,560-byte limit, far above our values

NO_KEYRING_MESSAGE = (
    "Máy tính này chưa có kho lưu khoá an toàn của hệ điều hành (keyring) nên không lưu được khoá"
    " máy trạm và phiên đăng nhập đồng bộ. Bộ phận CNTT cần: trên Windows bật dịch vụ Credential"
    " Manager (Trình quản lý thông tin xác thực); trên Linux cài gnome-keyring (hoặc KWallet) và"
    " chạy chương trình trong phiên đăng nhập có D-Bus (Secret Service). Không dùng tệp văn bản"
    " thường để thay thế."
)


class SecretName(StrEnum):
    """What is stored: the device's enrolment secret and the current refresh token."""

    DEVICE_SECRET = "device_secret"
    REFRESH_TOKEN = "refresh_token"


class KeyringUnavailableError(UserFacingError):
    """No usable OS keyring backend, or the keyring refused to store or read a value."""


def _usable(backend: KeyringBackend) -> bool:
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(_usable(b) for b in backend.backends)
    module = type(backend).__module__
    # keyrings.alt: plaintext or password-prompting files; keyring's null backend stores nothing.
    return not (module.startswith("keyrings.alt") or module == "keyring.backends.null")


def check_backend() -> KeyringBackend:
    """The active keyring backend, if it can keep secrets.

    Raises:
        KeyringUnavailableError: with a message telling IT what to install.
    """
    backend = keyring.get_keyring()
    if not _usable(backend):
        raise KeyringUnavailableError(NO_KEYRING_MESSAGE)
    return backend


def check_writable(data_dir: Path) -> None:
    """Write, read back and delete a throwaway value, so that a keyring that will refuse the device
    secret is found *before* the one-time enrolment code is spent.

    A Secret Service without an unlocked collection (no "login" keyring, and no desktop to show the
    prompt that would create one) passes :func:`check_backend` but refuses the first real write; found
    only after the server redeemed the code, the code was lost and IT had to issue another.

    Raises:
        KeyringUnavailableError: the keyring cannot keep a value (message for IT).
    """
    backend = check_backend()
    user = f"{scope_for(data_dir, 'probe')}/{secrets.token_hex(6)}"
    value = secrets.token_hex(16)
    try:
        backend.set_password(SERVICE, user, value)
        kept = backend.get_password(SERVICE, user)
        backend.delete_password(SERVICE, user)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(f"Không ghi được khoá vào kho keyring: {exc}. {NO_KEYRING_MESSAGE}") from exc
    if kept != value:
        raise KeyringUnavailableError(f"Kho keyring không giữ được khoá vừa ghi. {NO_KEYRING_MESSAGE}")


def scope_for(data_dir: Path, device_id: str) -> str:
    """The keyring user-name prefix of one data folder and device."""
    folder = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return f"{folder}/{device_id}"


class SecretStore:
    """Reads and writes this device's secrets in the OS keyring."""

    def __init__(self, data_dir: Path, device_id: str) -> None:
        """Args: data_dir: the data folder of this installation; device_id: the enrolled device."""
        self._scope = scope_for(data_dir, device_id)

    def _key(self, name: SecretName) -> str:
        return f"{self._scope}/{name}"

    def get(self, name: SecretName) -> str | None:
        """The stored value, or None when nothing is stored."""
        backend = check_backend()
        try:
            return backend.get_password(SERVICE, self._key(name))
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailableError(f"Không đọc được khoá từ kho keyring: {exc}. {NO_KEYRING_MESSAGE}") from exc

    def set(self, name: SecretName, value: str) -> None:
        """Store ``value`` (replacing what was there)."""
        if not value or len(value) > MAX_SECRET_CHARS:
            raise ValueError(f"{name} must be 1…{MAX_SECRET_CHARS} characters, got {len(value)}")
        backend = check_backend()
        try:
            backend.set_password(SERVICE, self._key(name), value)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailableError(f"Không ghi được khoá vào kho keyring: {exc}. {NO_KEYRING_MESSAGE}") from exc

    def delete(self, name: SecretName) -> None:
        """Remove the value; nothing happens when none is stored."""
        backend = check_backend()
        try:
            backend.delete_password(SERVICE, self._key(name))
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailableError(f"Không xoá được khoá trong kho keyring: {exc}.") from exc

    def require(self, name: SecretName) -> str:
        """The stored value.

        Raises:
            KeyringUnavailableError: nothing is stored (e.g. the keyring was reset by IT).
        """
        value = self.get(name)
        if value is None:
            what = "khoá máy trạm" if name is SecretName.DEVICE_SECRET else "phiên đăng nhập đồng bộ"
            raise KeyringUnavailableError(
                f"Không tìm thấy {what} trong kho keyring của máy. "
                + (
                    "Bộ phận CNTT cần đăng ký lại máy trạm (Hệ thống → Đăng ký máy trạm)."
                    if name is SecretName.DEVICE_SECRET
                    else "Hãy đăng nhập lại khi có kết nối máy chủ."
                )
            )
        return value
