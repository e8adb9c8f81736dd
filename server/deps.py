"""Request-scoped dependencies shared by every router: database session and the caller.

Use them through the ``Annotated`` aliases::

    @router.get("/things")
    def things(session: DbSession, principal: CurrentPrincipal) -> ...

    @router.post("/admin/things", dependencies=[Depends(require_role("admin"))])

``DbSession`` commits when the route returns and *before* the response is sent (so a client
never sees a success that was not committed); it rolls back on any exception, except an
:class:`server.errors.ApiError` raised with ``keep_changes=True``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from server.context import ServerContext
from server.errors import ApiError, forbidden, unauthenticated
from server.repositories import identity
from server.security import decode_access_token

Role = Literal["officer", "supervisor", "admin"]

# How stale a device's last_seen_at may get before an authenticated request rewrites it.
LAST_SEEN_RESOLUTION = timedelta(seconds=30)
ACCOUNT_DISABLED = "Tài khoản đã bị khoá. Hãy liên hệ quản trị hệ thống."
DEVICE_REVOKED = "Máy trạm này đã bị thu hồi quyền kết nối. Hãy liên hệ bộ phận CNTT để đăng ký lại."
SESSION_ENDED = "Phiên đăng nhập đã kết thúc. Hãy đăng nhập lại."


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, from a verified access token (server/auth.py builds it).

    Every router checks ``unit_code`` against the office of what it reads or writes, and
    ``role`` against what the endpoint allows; ``device_id`` against the body's device id.
    """

    officer_id: str
    username: str
    role: Role
    unit_code: str
    device_id: str
    province_reports: bool = False  # may read the province's reports (a supervisor granted it; admins always)


def get_context(request: Request) -> ServerContext:
    """The server's :class:`ServerContext` (``app.state.ctx``)."""
    ctx: ServerContext = request.app.state.ctx
    return ctx


Context = Annotated[ServerContext, Depends(get_context)]


def get_session(ctx: Context) -> Iterator[Session]:
    """One SQLAlchemy session per request, committed when the route succeeds."""
    session = ctx.factory()
    try:
        yield session
        session.commit()
    except ApiError as exc:
        if exc.keep_changes:
            session.commit()
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/login or /auth/refresh.")


def require_principal(
    ctx: Context,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller; 401 without a valid, unexpired token of an active officer and device
    whose session is still open.

    One query per request reads the officer, the device and whether the token's session
    (refresh-token family) is still open, so a logout, a deactivation, a new password or a
    revoked device takes effect on the very next request, in every server process; the role and
    office come from the database, not from the token. Also records that the device was seen
    (at most every :data:`LAST_SEEN_RESOLUTION`).
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthenticated("not_authenticated", "Chưa đăng nhập. Hãy đăng nhập để tiếp tục.")
    now = ctx.clock()
    claims = decode_access_token(ctx.signing_key, credentials.credentials, now)
    if claims is None:
        raise unauthenticated("token_invalid")
    rows = identity.principal_rows(session, claims.officer_id, claims.device_id, claims.session_id)
    if rows is None:
        raise unauthenticated("token_invalid")
    officer, device, session_open = rows
    if not officer.active:
        raise unauthenticated("account_disabled", ACCOUNT_DISABLED)
    if device.revoked_at is not None:
        raise unauthenticated("device_revoked", DEVICE_REVOKED)
    if not session_open:
        raise unauthenticated("session_ended", SESSION_ENDED)
    if officer.unit_code != claims.unit_code or device.unit_code != officer.unit_code:
        raise unauthenticated("token_invalid")  # moved to another office since login
    stale = now - LAST_SEEN_RESOLUTION
    if device.last_seen_at is None or device.last_seen_at < stale:  # most requests write nothing
        identity.touch_device(session, device.id, now, stale)
    role = cast(Role, officer.role)  # the CHECK constraint keeps it one of the three
    return Principal(
        officer_id=officer.id, username=officer.username, role=role, unit_code=officer.unit_code, device_id=device.id,
        province_reports=bool(officer.province_reports),
    )  # fmt: skip


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]


def require_role(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only ``roles`` through (403 ``forbidden`` otherwise)."""
    allowed = frozenset(roles)

    def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise forbidden()
        return principal

    return check


def check_device(principal: Principal, device_id: str) -> None:
    """403 ``device_mismatch`` when a body names another device than the caller's token."""
    if device_id != principal.device_id:
        raise forbidden("device_mismatch", "Yêu cầu ghi tên một máy trạm khác với máy đang đăng nhập.")
