"""Identity use cases: enrol a PC, log in, refresh a session (rotating tokens), log out, change one's password.

Each function takes the request's session and the server context, and raises
:class:`server.errors.ApiError` with a Vietnamese message on any expected failure.

A *session* is one refresh-token family (``RefreshToken.family_id``), opened by a login; its
access tokens carry its id (``sid``) and are refused as soon as it ends (server/deps.py).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import cast

from sqlalchemy.orm import Session

from app.domain.events import new_id
from app.domain.password_rules import new_password_problem
from app.sync.wire import (
    EnrolRequest,
    EnrolResponse,
    LoginRequest,
    OfficerInfo,
    PasswordChanged,
    PasswordChangeRequest,
    RefreshRequest,
    Role,
)
from app.sync.wire import Session as SessionWire
from app.text import nfc
from server.context import ServerContext
from server.deps import ACCOUNT_DISABLED, DEVICE_REVOKED, Principal
from server.errors import SESSION_EXPIRED, ApiError, forbidden, unauthenticated
from server.models import Device, Officer, RefreshToken
from server.repositories import identity, reference
from server.security import (
    decode_access_token,
    encode_access_token,
    hash_password,
    needs_rehash,
    new_device_secret,
    new_refresh_token,
    normalise_enrolment_code,
    same_digest,
    sha256_hex,
    sign_offline_grant,
    successor_refresh_token,
    verify_password,
)

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Sai tên đăng nhập hoặc mật khẩu."
MAX_SLOTS = 100
# Refresh tokens that expired (or were revoked) longer ago than this are deleted; a login does it
# at most once per PRUNE_EVERY per server process and database.
REFRESH_RETENTION = timedelta(days=30)
PRUNE_EVERY = timedelta(hours=1)
_pruned_at: dict[str, datetime] = {}
_prune_lock = threading.Lock()


def normalise_username(username: str) -> str:
    """User names are compared in NFC lower case without surrounding spaces (as on the client)."""
    return nfc(username).lower()


# --- enrolment ----------------------------------------------------------------------------------


def enrol(session: Session, ctx: ServerContext, request: EnrolRequest) -> EnrolResponse:
    """Register a PC with a one-time enrolment code; returns its id, secret and slot.

    Raises:
        ApiError: 401 unknown code, 409 code already used or no free slot, 410 code expired.
    """
    now = ctx.clock()
    digest = sha256_hex(normalise_enrolment_code(request.code))
    code = identity.enrolment_code(session, digest)
    if code is None:
        raise ApiError(401, "enrol_code_invalid", "Mã đăng ký máy trạm không đúng. Hãy kiểm tra lại mã được cấp.")
    if code.used_at is not None:
        raise ApiError(409, "enrol_code_used", "Mã đăng ký máy trạm này đã được dùng. Hãy xin quản trị một mã mới.")
    if code.expires_at <= now:
        raise ApiError(410, "enrol_code_expired", "Mã đăng ký máy trạm đã hết hạn. Hãy xin quản trị một mã mới.")
    office = reference.office(session, code.unit_code)
    if office is None:  # the foreign key makes this impossible; kept for a clear message
        raise ApiError(409, "office_unknown", "Đơn vị của mã đăng ký không còn tồn tại.")
    free = sorted(set(range(MAX_SLOTS)) - identity.used_slots(session, office.unit_code))
    if not free:
        raise ApiError(
            409,
            "no_free_slot",
            f"Đơn vị đã có đủ {MAX_SLOTS} máy trạm. Hãy liên hệ quản trị để thu hồi máy không dùng.",
        )
    device_id = new_id()
    if not identity.claim_enrolment_code(session, digest, device_id, now):
        raise ApiError(409, "enrol_code_used", "Mã đăng ký máy trạm này đã được dùng. Hãy xin quản trị một mã mới.")
    secret = new_device_secret()
    session.add(
        Device(
            id=device_id,
            unit_code=office.unit_code,
            counter_name=nfc(request.counter_name),
            slot=free[0],
            secret_sha256=sha256_hex(secret),
            enrolled_at=now,
        )
    )
    session.flush()  # a concurrent enrolment that took the same slot fails here, not after the answer
    return EnrolResponse(
        device_id=device_id, device_secret=secret, unit_code=office.unit_code, office_name=office.name, slot=free[0]
    )


# --- login --------------------------------------------------------------------------------------


def _retry_after(failures: list[datetime], limit: int, window: timedelta, now: datetime) -> int | None:
    """Seconds until fewer than ``limit`` failures remain in the window; None if not limited."""
    if len(failures) < limit:
        return None
    frees_at = failures[len(failures) - limit] + window
    return max(1, math.ceil((frees_at - now).total_seconds()))


def _too_many(wait: int, message: str) -> ApiError:
    minutes = max(1, math.ceil(wait / 60))
    return ApiError(429, "too_many_attempts", message.format(minutes=minutes), headers={"Retry-After": str(wait)})


def _check_rate(session: Session, ctx: ServerContext, username: str, device_id: str, address: str,
                now: datetime) -> None:  # fmt: skip
    """429 when the user name failed too often on this device, or the client address too often.

    The user-name limit counts one device's failures only: a PC that guesses (or mistypes) an
    officer's password is the one slowed down, and the officer still logs in at their own PC.
    """
    settings = ctx.settings
    window = timedelta(minutes=settings.login_window_minutes)
    since = now - window
    wait = _retry_after(identity.failures_since(session, username=username, device_id=device_id, since=since),
                        settings.login_failures_per_user, window, now)  # fmt: skip
    if wait is not None:
        raise _too_many(wait, "Đăng nhập sai quá nhiều lần với tài khoản này trên máy trạm này. "
                              "Hãy thử lại sau {minutes} phút.")  # fmt: skip
    wait = _retry_after(identity.failures_since(session, address=address, since=since),
                        settings.login_failures_per_address, window, now)  # fmt: skip
    if wait is not None:
        raise _too_many(wait, "Đăng nhập sai quá nhiều lần từ địa chỉ mạng này. Hãy thử lại sau {minutes} phút.")


Network = IPv4Network | IPv6Network


def _ip(text: str) -> IPv4Address | IPv6Address | None:
    try:
        found = ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(found, IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped  # ::ffff:10.0.0.5 is 10.0.0.5
    return found


def client_address(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client address the per-address login limit counts.

    ``peer`` (the TCP peer), unless it is one of the ``trusted`` proxies: then the right-most
    address of ``X-Forwarded-For`` (``forwarded_for``: every such header, in order) that is not a
    trusted proxy. Everything left of it was written by the client and may be forged. When every
    hop is trusted, the left-most; when the header is missing or a hop is not an address, the
    last trusted hop.
    """
    last = _ip(peer)
    if last is None or not any(last in network for network in trusted):
        return peer
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        found = _ip(hop)
        if found is None:
            break
        last = found
        if not any(found in network for network in trusted):
            break
    return str(last)


def _authenticate_device(session: Session, device_id: str, secret: str) -> Device:
    device = identity.device(session, device_id)
    if device is None or not same_digest(secret, device.secret_sha256):
        raise unauthenticated(
            "device_unknown",
            "Máy trạm chưa được đăng ký với máy chủ hoặc khoá máy không đúng. Hãy liên hệ bộ phận CNTT.",
        )
    if device.revoked_at is not None:
        raise unauthenticated("device_revoked", DEVICE_REVOKED)
    return device


def login(session: Session, ctx: ServerContext, request: LoginRequest, address: str) -> SessionWire:
    """Check device and credentials and open a session (access + refresh token, offline grant).

    A wrong password is recorded (and committed although the request fails) for the rate limits
    within 15 minutes: 5 failures of one user name on one device lock that user name on that
    device; 20 failures from one client address (:func:`client_address`) lock that address.

    Raises:
        ApiError: 429 too many failures, 401 wrong device or credentials, 403 account disabled
            or of another office than the device.
    """
    now = ctx.clock()
    username = normalise_username(request.username)
    device = _authenticate_device(session, request.device_id, request.device_secret)
    _check_rate(session, ctx, username, device.id, address, now)
    officer = identity.officer_by_username(session, username)
    if not verify_password(officer.password_hash if officer else None, request.password) or officer is None:
        window = timedelta(minutes=ctx.settings.login_window_minutes)
        identity.forget_failures(session, before=now - window)
        identity.add_failure(session, username=username, device_id=device.id, address=address, now=now)
        raise unauthenticated("invalid_credentials", WRONG_CREDENTIALS).keep()
    if not officer.active:
        raise forbidden("account_disabled", ACCOUNT_DISABLED)
    if officer.unit_code != device.unit_code:
        raise forbidden("wrong_office", "Tài khoản này không thuộc đơn vị của máy trạm. Hãy dùng tài khoản của đơn vị.")
    identity.forget_failures(session, username=username, device_id=device.id)
    prune_refresh_tokens(session, ctx, now)
    if needs_rehash(officer.password_hash):
        officer.password_hash = hash_password(request.password)
    token = new_refresh_token()
    row = _new_refresh_row(ctx, token, new_id(), officer.id, device.id, now)
    session.add(row)
    device.last_seen_at = now
    return _session(ctx, officer, device, token, row.family_id, now)


def prune_refresh_tokens(session: Session, ctx: ServerContext, now: datetime, *, force: bool = False) -> int:
    """Delete refresh-token rows past :data:`REFRESH_RETENTION` (see :func:`identity.prune_refresh_tokens`).

    Without ``force`` it runs at most once per :data:`PRUNE_EVERY` per process and database, so
    logins stay cheap (and a clock set back simply prunes again). Returns the rows deleted.
    """
    key = str(ctx.engine.url)
    with _prune_lock:
        last = _pruned_at.get(key)
        if not force and last is not None and last <= now < last + PRUNE_EVERY:
            return 0
        _pruned_at[key] = now
    deleted = identity.prune_refresh_tokens(session, now - REFRESH_RETENTION)
    if deleted:
        log.info("pruned %d refresh tokens expired or revoked before %s", deleted, now - REFRESH_RETENTION)
    return deleted


def _new_refresh_row(
    ctx: ServerContext, token: str, family_id: str, officer_id: str, device_id: str, now: datetime
) -> RefreshToken:
    return RefreshToken(
        id=new_id(),
        family_id=family_id,
        token_sha256=sha256_hex(token),
        officer_id=officer_id,
        device_id=device_id,
        issued_at=now,
        expires_at=now + timedelta(days=ctx.settings.refresh_days),
    )


def officer_info(officer: Officer) -> OfficerInfo:
    """The wire form of an officer (never the password hash)."""
    return OfficerInfo(
        id=officer.id,
        username=officer.username,
        full_name=officer.full_name,
        role=cast(Role, officer.role),
        unit_code=officer.unit_code,
        active=officer.active,
    )


def _session(ctx: ServerContext, officer: Officer, device: Device, refresh_token: str, session_id: str,
             now: datetime) -> SessionWire:  # fmt: skip
    settings = ctx.settings
    access, expires = encode_access_token(
        ctx.signing_key,
        officer_id=officer.id,
        username=officer.username,
        role=officer.role,
        unit_code=officer.unit_code,
        device_id=device.id,
        session_id=session_id,
        now=now,
        lifetime=timedelta(minutes=settings.access_minutes),
    )
    grant = sign_offline_grant(
        ctx.signing_key, officer.id, device.id, now, timedelta(hours=settings.offline_grant_hours)
    )
    return SessionWire(
        access_token=access,
        access_expires_at=expires,
        refresh_token=refresh_token,
        officer=officer_info(officer),
        server_time=now,
        offline_grant=grant,
    )


# --- refresh and logout -------------------------------------------------------------------------


def refresh(session: Session, ctx: ServerContext, request: RefreshRequest) -> SessionWire:
    """Exchange a refresh token for a new session and a new refresh token (rotation).

    A retry with the previous token within ``refresh_grace_seconds`` of its rotation returns the
    same successor; a later reuse revokes the whole family (401 ``refresh_reused``).

    Raises:
        ApiError: 401 unknown, expired, revoked or reused token, or unknown device; 403 when
            the token belongs to another device.
    """
    now = ctx.clock()
    device = _authenticate_device(session, request.device_id, request.device_secret)
    row = identity.refresh_token(session, sha256_hex(request.refresh_token))
    if row is None:
        raise unauthenticated("refresh_invalid", SESSION_EXPIRED)
    if row.device_id != device.id:
        raise forbidden("device_mismatch", "Phiên đăng nhập này thuộc một máy trạm khác. Hãy đăng nhập lại.")
    if row.revoked:
        raise unauthenticated("refresh_revoked", SESSION_EXPIRED)
    if row.expires_at <= now:
        raise unauthenticated("refresh_expired", SESSION_EXPIRED)
    officer = session.get(Officer, row.officer_id)
    if officer is None or not officer.active:
        raise unauthenticated("account_disabled", ACCOUNT_DISABLED)
    if officer.unit_code != device.unit_code:
        raise unauthenticated("wrong_office", SESSION_EXPIRED)
    successor = successor_refresh_token(ctx.signing_key, request.refresh_token)
    if row.rotated_at is None:
        new_row = _new_refresh_row(ctx, successor, row.family_id, officer.id, device.id, now)
        session.add(new_row)
        session.flush()  # a concurrent rotation of the same token collides here (unique digest)
        row.rotated_at = now
        row.successor_id = new_row.id
    else:
        grace = timedelta(seconds=ctx.settings.refresh_grace_seconds)
        later = identity.refresh_token_by_id(session, row.successor_id) if row.successor_id else None
        if now - row.rotated_at > grace or later is None or later.rotated_at is not None or later.revoked:
            identity.revoke_family(session, row.family_id)
            raise unauthenticated(
                "refresh_reused",
                "Phiên đăng nhập đã bị dùng lại từ nơi khác nên đã được đóng để bảo vệ tài khoản. Hãy đăng nhập lại.",
            ).keep()
    device.last_seen_at = now
    return _session(ctx, officer, device, successor, row.family_id, now)


def logout(session: Session, principal: Principal) -> None:
    """End every session of the caller on the caller's device: its refresh tokens and, from the
    next request on, in every server process, its access tokens."""
    identity.revoke_sessions(session, officer_id=principal.officer_id, device_id=principal.device_id)


# --- change one's password ----------------------------------------------------------------------

WRONG_OLD_PASSWORD = "Mật khẩu hiện tại không đúng. Hãy nhập lại (chú ý chữ hoa, bộ gõ tiếng Việt)."
OTHER_OFFICERS_SESSION = (
    "Phiên kết nối máy chủ trên máy này là của một tài khoản khác. Hãy đăng xuất, đăng nhập lại khi có"
    " mạng rồi đổi mật khẩu."
)


def session_of(ctx: ServerContext, authorization: str) -> str:
    """The session (refresh-token family) of the bearer token in an ``Authorization`` header.

    Raises:
        ApiError: 401 when the header holds no valid access token.
    """
    scheme, _, token = authorization.partition(" ")
    claims = decode_access_token(ctx.signing_key, token.strip(), ctx.clock()) if scheme.lower() == "bearer" else None
    if claims is None:
        raise unauthenticated("token_invalid")
    return claims.session_id


def change_password(session: Session, ctx: ServerContext, principal: Principal, session_id: str,
                    request: PasswordChangeRequest, address: str) -> PasswordChanged:  # fmt: skip
    """The caller replaces their own password; every other session of theirs ends, this one goes on.

    A wrong current password counts as a failed login of the caller's user name on the caller's
    device and address (the same limits as :func:`login`, committed although the request fails).
    The new password follows :func:`app.domain.password_rules.new_password_problem`. The answer
    carries a fresh offline grant for this device (the client renews its offline verifier with it).

    Raises:
        ApiError: 403 ``officer_mismatch`` (the session is another officer's) or ``wrong_password``;
            422 ``weak_password``; 429 too many failures.
    """
    now = ctx.clock()
    if request.officer_id != principal.officer_id:
        raise forbidden("officer_mismatch", OTHER_OFFICERS_SESSION)
    _check_rate(session, ctx, principal.username, principal.device_id, address, now)
    officer = session.get(Officer, principal.officer_id)
    device = identity.device(session, principal.device_id)
    if officer is None or device is None:  # the principal was read in this very request
        raise unauthenticated("token_invalid")
    if not verify_password(officer.password_hash, request.old_password):
        identity.forget_failures(session, before=now - timedelta(minutes=ctx.settings.login_window_minutes))
        identity.add_failure(session, username=officer.username, device_id=device.id, address=address, now=now)
        raise forbidden("wrong_password", WRONG_OLD_PASSWORD).keep()
    problem = new_password_problem(request.new_password, username=officer.username, old=request.old_password)
    if problem is not None:
        raise ApiError(422, "weak_password", problem)
    identity.forget_failures(session, username=officer.username, device_id=device.id)
    officer.password_hash = hash_password(request.new_password)
    identity.revoke_sessions(session, officer_id=officer.id, keep_family=session_id)
    # The server keeps no audit table; the log is the record (never the password).
    log.info("officer %s changed their password on device %s; their other sessions ended", officer.username,
             device.id)  # fmt: skip
    grant = sign_offline_grant(
        ctx.signing_key, officer.id, device.id, now, timedelta(hours=ctx.settings.offline_grant_hours)
    )
    return PasswordChanged(officer=officer_info(officer), server_time=now, offline_grant=grant)
