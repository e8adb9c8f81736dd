"""Local accounts: Argon2id password hashes, login with a short lock-out after repeated failures, and
changing one's own password on a standalone PC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.errors import UserFacingError
from app.services.context import Actor, Role
from app.store.models import Device, Office, Officer

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=5)
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
T = TypeVar("T")
WRONG_CURRENT_PASSWORD = "Mật khẩu hiện tại không đúng. Hãy nhập lại (chú ý chữ hoa, bộ gõ tiếng Việt)."


class LoginError(UserFacingError):
    """Wrong credentials, inactive or locked account."""


class WrongPasswordError(LoginError):
    """The current password given to change it is wrong (counted like a failed login)."""


def hash_password(password: str) -> str:
    """Salted Argon2id hash (PHC string) of ``password``."""
    return _hasher.hash(password)


def login(session: Session, username: str, password: str, device_id: str, now: datetime) -> Actor:
    """Check the credentials and return who is now acting at this device.

    Raises:
        LoginError: with a message that does not reveal whether the user name exists.
    """
    officer = session.scalars(select(Officer).where(Officer.username == username.strip().lower())).one_or_none()
    wrong = LoginError("Sai tên đăng nhập hoặc mật khẩu. Hãy kiểm tra lại (chú ý chữ hoa, bộ gõ tiếng Việt).")
    if officer is None:
        _hasher.hash(password)  # same cost as a real check, so timing reveals nothing
        raise wrong
    if not officer.active:
        raise LoginError("Tài khoản đã bị khoá. Hãy liên hệ quản trị hệ thống.")
    _check_counting(officer, password, now, wrong)
    if _hasher.check_needs_rehash(officer.password_hash):
        officer.password_hash = _hasher.hash(password)
    device = session.get(Device, device_id)
    office = session.get(Office, officer.unit_code)
    if device is None or office is None:
        raise LoginError("Máy trạm chưa được cấu hình cho đơn vị này. Hãy liên hệ bộ phận CNTT.")
    if device.unit_code != officer.unit_code:
        raise LoginError("Tài khoản này không thuộc đơn vị của máy trạm. Hãy dùng tài khoản của đơn vị.")
    return Actor(
        officer_id=officer.id,
        username=officer.username,
        full_name=officer.full_name,
        role=Role(officer.role),
        device_id=device.id,
        counter_name=device.counter_name,
        unit_code=office.unit_code,
        office_name=office.name,
    )


def _check_counting(officer: Officer, password: str, now: datetime, wrong: LoginError) -> None:
    """Check ``password`` against a local account that is not locked; count a failure.

    Raises:
        LoginError: the account is locked for now, or ``wrong`` (after counting the failure; the
            fifth in a row locks the account for :data:`LOCK_FOR`).
    """
    if officer.locked_until and officer.locked_until > now:
        minutes = max(1, int((officer.locked_until - now).total_seconds() // 60) + 1)
        raise LoginError(f"Đăng nhập sai quá {MAX_FAILURES} lần. Hãy thử lại sau {minutes} phút.")
    try:
        _hasher.verify(officer.password_hash, password)
    except (VerificationError, InvalidHashError):
        officer.failed_logins += 1
        if officer.failed_logins >= MAX_FAILURES:
            officer.locked_until = now + LOCK_FOR
            officer.failed_logins = 0
        raise wrong from None
    officer.failed_logins = 0
    officer.locked_until = None


def change_local_password(session: Session, officer_id: str, old: str, new: str, now: datetime) -> None:
    """A standalone PC's officer replaces their own password, in the caller's transaction.

    ``new`` must already satisfy :func:`app.domain.password_rules.new_password_problem`. A wrong
    ``old`` counts towards the lock-out like a failed login (run it through :func:`attempt_login`
    so the count is committed).

    Raises:
        WrongPasswordError: ``old`` is not the current password.
        LoginError: the account is gone, deactivated or locked for now.
    """
    officer = session.get(Officer, officer_id)
    if officer is None or not officer.active:
        raise LoginError("Tài khoản đã bị khoá. Hãy liên hệ quản trị hệ thống.")
    _check_counting(officer, old, now, WrongPasswordError(WRONG_CURRENT_PASSWORD))
    officer.password_hash = _hasher.hash(new)


def attempt_login(factory: sessionmaker[Session] | Callable[[], Session], attempt: Callable[[Session], T]) -> T:
    """Run ``attempt(session)`` in its own transaction; a refused login still commits.

    The failure count and lock-out that :func:`login` (and the offline login) write must survive
    the refusal, or the lock-out after repeated wrong passwords never takes effect.

    Raises:
        LoginError: as raised by ``attempt``, after its bookkeeping was committed.
    """
    refused: LoginError | None = None
    with factory() as session:
        with session.begin():
            try:
                return attempt(session)
            except LoginError as exc:
                refused = exc
        raise refused
