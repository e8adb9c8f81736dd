"""Routes ``/auth/*``: enrol a PC, log in, refresh a session, log out, change one's password
(docs/SYNC-PROTOCOL.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Request, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.sync.wire import (
    EnrolRequest,
    EnrolResponse,
    LoginRequest,
    PasswordChanged,
    PasswordChangeRequest,
    RefreshRequest,
)
from app.sync.wire import Session as SessionWire
from server import auth
from server.api.errors import responses
from server.deps import Context, CurrentPrincipal, DbSession

router = APIRouter(prefix="/auth", tags=["auth"])
ATTEMPTS = 5
T = TypeVar("T")


def _retrying(session: Session, work: Callable[[], T]) -> T:
    """Run ``work``; when a concurrent request wins a race (unique key, SQLite busy snapshot), roll
    back and run it again, so it sees the winner's committed rows (next free slot, grace path)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            result = work()
            session.flush()
            return result
        except (IntegrityError, OperationalError):
            session.rollback()
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


@router.post("/enrol", responses=responses(401, 409, 410))
def enrol(body: EnrolRequest, session: DbSession, ctx: Context) -> EnrolResponse:
    """Enrol this PC with a one-time code from an admin; keep the secret in the OS keyring."""
    return _retrying(session, lambda: auth.enrol(session, ctx, body))  # a concurrent enrolment took the slot


def _address(request: Request, ctx: Context) -> str:
    """The client address the login limits count (:func:`server.auth.client_address`)."""
    peer = request.client.host if request.client else "unknown"
    return auth.client_address(peer, request.headers.getlist("x-forwarded-for"), ctx.settings.trusted_proxies)


@router.post("/login", responses=responses(401, 403, 429))
def login(body: LoginRequest, request: Request, session: DbSession, ctx: Context) -> SessionWire:
    """Log an officer in on an enrolled PC of their office."""
    return auth.login(session, ctx, body, _address(request, ctx))


@router.post("/refresh", responses=responses(401, 403))
def refresh(body: RefreshRequest, session: DbSession, ctx: Context) -> SessionWire:
    """Exchange the refresh token for a new session (the old token is retired)."""
    return _retrying(session, lambda: auth.refresh(session, ctx, body))  # a concurrent refresh rotated it first


@router.post("/logout", status_code=204, responses=responses(401))
def logout(principal: CurrentPrincipal, session: DbSession) -> Response:
    """End the caller's sessions on this PC: its refresh and access tokens stop working at once."""
    auth.logout(session, principal)
    return Response(status_code=204)


@router.post("/password", responses=responses(401, 403, 422, 429))
def change_password(body: PasswordChangeRequest, request: Request, principal: CurrentPrincipal, session: DbSession,
                    ctx: Context) -> PasswordChanged:  # fmt: skip
    """Change the caller's own password: checks the current one (a wrong one counts as a failed
    login), ends the caller's other sessions, keeps this one and answers a fresh offline grant."""
    session_id = auth.session_of(ctx, request.headers.get("authorization", ""))
    return auth.change_password(session, ctx, principal, session_id, body, _address(request, ctx))
