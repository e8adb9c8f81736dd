"""Offline login on an enrolled PC: a local Argon2id verifier plus the server's signed grant.

After each online login the PC stores an Argon2id hash of the password (computed here, salted)
and the server's offline grant. While the server cannot be reached the officer may log in with
the same password until the grant expires, and never while the PC clock reads earlier than the
latest server time this PC has seen (a clock set back to stretch the grant).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.auth import LOCK_FOR, MAX_FAILURES, LoginError
from app.services.context import Actor, Role
from app.store.models import Device, Office, Officer, OfflineCredential, SyncState
from app.sync import wire
from app.sync.boot import STATE_ID
from app.sync.state import as_utc_naive

_hasher = PasswordHasher()
# A PC clock a little behind the server's must not lock the counter out right after a sync; the
# status bar warns beyond this (app.sync.state.CLOCK_WARNING) so IT can fix the clock.
CLOCK_TOLERANCE = timedelta(minutes=2)


class OfflineLoginError(LoginError):
    """Offline login refused (no grant, grant expired, clock set back, wrong password)."""


def _fmt(value: datetime) -> str:
    """A stored (naive UTC) time as the PC's local time, the way a counter officer reads it."""
    return value.replace(tzinfo=UTC).astimezone().strftime("%H:%M %d/%m/%Y")


def remember_login(session: Session, answer: wire.Session, password: str, device_id: str) -> Actor:
    """After an online login: keep the officer, the verifier and the grant; return the Actor.

    Runs in the caller's transaction. The officer row gets no local password (the server is the
    authority); only the verifier here allows an offline login.
    """
    officer = answer.officer
    grant = answer.offline_grant
    device = session.get(Device, device_id)
    if device is None or grant.device_id != device_id or grant.officer_id != officer.id:
        raise LoginError("Máy chủ cấp phiên đăng nhập không khớp với máy trạm này. Hãy báo bộ phận CNTT.")
    office = session.get(Office, device.unit_code)
    if office is None or officer.unit_code != device.unit_code:
        raise LoginError("Tài khoản này không thuộc đơn vị của máy trạm. Hãy dùng tài khoản của đơn vị.")
    row = session.get(Officer, officer.id)
    clash = session.scalars(select(Officer).where(Officer.username == officer.username, Officer.id != officer.id))
    for other in clash:  # a user name moved to another person at the server
        session.delete(other)
    session.flush()
    if row is None:
        row = Officer(id=officer.id, password_hash="", unit_code=officer.unit_code)
        session.add(row)
    row.username, row.full_name, row.role, row.active = officer.username, officer.full_name, officer.role, True
    row.failed_logins, row.locked_until = 0, None
    _keep_credential(session, officer, grant, answer.server_time, password)
    return _actor(officer.id, officer.username, officer.full_name, officer.role, device, office)


def _keep_credential(
    session: Session, officer: wire.OfficerInfo, grant: wire.OfflineGrant, server_time: datetime, password: str
) -> None:
    """Store the verifier of ``password`` and the grant as the officer's offline credential."""
    server_time = as_utc_naive(server_time)
    for stale in session.scalars(
        select(OfflineCredential).where(
            OfflineCredential.username == officer.username, OfflineCredential.officer_id != officer.id
        )
    ):
        session.delete(stale)
    session.flush()
    cred = session.get(OfflineCredential, officer.id)
    if cred is None:
        cred = OfflineCredential(officer_id=officer.id)
        session.add(cred)
    cred.username, cred.full_name, cred.role, cred.unit_code = (
        officer.username, officer.full_name, officer.role, officer.unit_code,
    )  # fmt: skip
    cred.verifier = _hasher.hash(password)
    cred.grant_issued_at = as_utc_naive(grant.issued_at)
    cred.grant_expires_at = as_utc_naive(grant.expires_at)
    cred.grant_signature = grant.signature
    cred.last_server_time = server_time
    cred.failed_logins, cred.locked_until = 0, None
    state = session.get(SyncState, STATE_ID)
    if state is not None and (state.last_server_time is None or server_time > state.last_server_time):
        state.last_server_time = server_time


def renew_offline_login(session: Session, answer: wire.PasswordChanged, password: str, device_id: str) -> None:
    """After a password change at the server: the offline login takes the new password, not the old.

    Runs in the caller's transaction. Replaces the verifier with one of ``password`` (the new
    one) and the grant with the fresh one the server answered, and clears failed attempts.

    Raises:
        LoginError: the answer is for another device or officer than this PC expects.
    """
    officer, grant = answer.officer, answer.offline_grant
    if grant.device_id != device_id or grant.officer_id != officer.id:
        raise LoginError("Máy chủ trả lời không khớp với máy trạm này. Hãy báo bộ phận CNTT.")
    _keep_credential(session, officer, grant, answer.server_time, password)


def _actor(officer_id: str, username: str, full_name: str, role: str, device: Device, office: Office) -> Actor:
    return Actor(
        officer_id=officer_id, username=username, full_name=full_name, role=Role(role), device_id=device.id,
        counter_name=device.counter_name, unit_code=office.unit_code, office_name=office.name,
    )  # fmt: skip


def offline_login(session: Session, username: str, password: str, device_id: str, now_utc: datetime) -> Actor:
    """Log in without the server, in the caller's transaction (failures are counted).

    Raises:
        OfflineLoginError: with a Vietnamese message saying why and what to do.
    """
    name = username.strip().lower()
    cred = session.scalars(select(OfflineCredential).where(OfflineCredential.username == name)).one_or_none()
    if cred is None:
        _hasher.hash(password)  # same cost as a real check
        raise OfflineLoginError(
            "Không kết nối được máy chủ, và tài khoản này chưa từng đăng nhập trực tuyến trên máy trạm này"
            " (hoặc sai tên đăng nhập). Hãy đăng nhập khi có mạng, hoặc dùng máy trạm khác."
        )
    state = session.get(SyncState, STATE_ID)
    seen = cred.last_server_time
    if state is not None and state.last_server_time is not None:
        seen = max(seen, state.last_server_time)
    if now_utc < seen - CLOCK_TOLERANCE:
        raise OfflineLoginError(
            f"Đồng hồ của máy tính ({_fmt(now_utc)}) đang chậm hơn thời gian máy chủ đã ghi nhận ({_fmt(seen)})."
            " Không thể đăng nhập ngoại tuyến khi đồng hồ bị lùi. Hãy chỉnh lại ngày giờ của máy hoặc báo"
            " bộ phận CNTT."
        )
    if now_utc >= cred.grant_expires_at:
        raise OfflineLoginError(
            f"Quyền đăng nhập ngoại tuyến đã hết hạn lúc {_fmt(cred.grant_expires_at)}. Hãy kết nối máy chủ"
            " và đăng nhập trực tuyến để được cấp lại."
        )
    if cred.locked_until is not None and cred.locked_until > now_utc:
        minutes = max(1, int((cred.locked_until - now_utc).total_seconds() // 60) + 1)
        raise OfflineLoginError(f"Đăng nhập sai quá {MAX_FAILURES} lần. Hãy thử lại sau {minutes} phút.")
    try:
        _hasher.verify(cred.verifier, password)
    except (VerificationError, InvalidHashError):
        cred.failed_logins += 1
        if cred.failed_logins >= MAX_FAILURES:
            cred.locked_until, cred.failed_logins = now_utc + LOCK_FOR, 0
        raise OfflineLoginError(
            "Sai tên đăng nhập hoặc mật khẩu. Khi mất kết nối, hãy dùng mật khẩu của lần đăng nhập trực"
            " tuyến gần nhất trên máy này."
        ) from None
    cred.failed_logins, cred.locked_until = 0, None
    device = session.get(Device, device_id)
    office = session.get(Office, cred.unit_code)
    if device is None or office is None or device.unit_code != cred.unit_code:
        raise OfflineLoginError("Tài khoản này không thuộc đơn vị của máy trạm. Hãy dùng tài khoản của đơn vị.")
    return _actor(cred.officer_id, cred.username, cred.full_name, cred.role, device, office)
