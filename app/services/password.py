"""Change one's own password: at the central server on an enrolled PC, in the local account on a standalone one.

On an enrolled PC the server is the authority: the change needs it (no offline change), and the
PC then renews its offline login so that, while the server cannot be reached, the new password
works here and the old one no longer does. A standalone PC changes the local account's hash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.domain.password_rules import MAX_LENGTH, new_password_problem
from app.errors import UserFacingError, ValidationError
from app.services.auth import WrongPasswordError, attempt_login, change_local_password
from app.services.context import Actor
from app.store.models import SyncState
from app.sync.boot import STATE_ID

if TYPE_CHECKING:
    from app.sync import wire
    from app.sync.transport import Transport

OLD, NEW, CONFIRM = "old", "new", "confirm"
"""Keys of :attr:`app.errors.ValidationError.fields`: the dialog shows each message at its field."""
NEEDS_SERVER = "Cần kết nối máy chủ để đổi mật khẩu. Hãy thử lại khi máy trạm kết nối được máy chủ."
SESSION_GONE = (
    "Phiên kết nối máy chủ của máy này đã hết hạn. Hãy đăng xuất, đăng nhập lại khi có mạng rồi đổi mật khẩu."
)


@dataclass(frozen=True, slots=True)
class PasswordChanged:
    """A password was changed; ``on_server``: at the central server (an enrolled PC)."""

    on_server: bool


def check_change(username: str, old: str, new: str, confirm: str) -> None:
    """Check what the officer typed before anything is sent or written.

    Raises:
        ValidationError: ``fields`` holds a Vietnamese message per wrong field (:data:`OLD`,
            :data:`NEW`, :data:`CONFIRM`); its message is the first of them.
    """
    problems: dict[str, str] = {}
    if not old:
        problems[OLD] = "Hãy nhập mật khẩu hiện tại."
    elif len(old) > MAX_LENGTH:
        problems[OLD] = f"Mật khẩu hiện tại dài tối đa {MAX_LENGTH} ký tự. Hãy kiểm tra lại."
    new_problem = new_password_problem(new, username=username, old=old)
    if new_problem is not None:
        problems[NEW] = new_problem
    if not confirm:
        problems[CONFIRM] = "Hãy nhập lại mật khẩu mới để xác nhận."
    elif confirm != new:
        problems[CONFIRM] = "Mật khẩu nhập lại không khớp với mật khẩu mới. Hãy gõ lại."
    if problems:
        raise ValidationError(problems, next(iter(problems.values())))


def is_enrolled(session: Session) -> bool:
    """Whether this PC is enrolled with a central server (its accounts are the server's)."""
    state = session.get(SyncState, STATE_ID)
    return state is not None and state.enrolled


def change_password(
    factory: Callable[[], Session],
    actor: Actor,
    old: str,
    new: str,
    confirm: str,
    *,
    transport: Transport | None,
    now: Callable[[], datetime] = datetime.now,
) -> PasswordChanged:
    """Change ``actor``'s password; runs on a worker (it may wait for the network).

    Args:
        factory: sessions of the local database (each step opens its own transaction).
        actor: the signed-in officer.
        old, new, confirm: what the officer typed (checked by :func:`check_change` first).
        transport: the enrolled PC's connection to the server (None on a standalone PC).
        now: the local clock (a standalone account's lock-out).

    Raises:
        ValidationError: a field is wrong (the current password included), message per field.
        UserFacingError: the server cannot be reached (:data:`NEEDS_SERVER`), refused, or the
            account is locked for now.
    """
    check_change(actor.username, old, new, confirm)
    with factory() as session:
        enrolled = is_enrolled(session)
    if enrolled:
        answer = _change_on_server(transport, actor, old, new)
        from app.sync.offline import renew_offline_login

        with factory() as session, session.begin():
            renew_offline_login(session, answer, new, actor.device_id)
        return PasswordChanged(on_server=True)
    try:
        attempt_login(factory, lambda s: change_local_password(s, actor.officer_id, old, new, now()))
    except WrongPasswordError as exc:
        raise ValidationError({OLD: exc.message}, exc.message) from exc
    return PasswordChanged(on_server=False)


def _change_on_server(transport: Transport | None, actor: Actor, old: str, new: str) -> wire.PasswordChanged:
    """``POST /auth/password``, its refusals turned into messages at the field they concern."""
    from app.sync.transport import AuthRequiredError, OfflineError, RateLimitedError, ServerError

    if transport is None:
        raise UserFacingError(NEEDS_SERVER)
    try:
        return transport.change_password(actor.officer_id, old, new)
    except OfflineError as exc:
        raise UserFacingError(f"{NEEDS_SERVER} ({exc.message.rstrip('.')})") from exc
    except AuthRequiredError as exc:
        raise UserFacingError(SESSION_GONE) from exc
    except RateLimitedError:
        raise
    except ServerError as exc:
        field = {"wrong_password": OLD, "weak_password": NEW}.get(exc.code)
        if field is None:
            raise
        raise ValidationError({field: exc.message}, exc.message) from exc
