"""What a new password must be: one rule for the change-password dialog, the client service and the server."""

from __future__ import annotations

import unicodedata

MIN_LENGTH = 8
"""The same minimum the server's admin commands ask of a new account (server/admin.py MIN_PASSWORD)."""
MAX_LENGTH = 256
"""The wire's limit on a password (app.sync.wire.LoginRequest)."""


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def new_password_problem(new: str, *, username: str, old: str) -> str | None:
    """Why ``new`` cannot replace ``old`` as ``username``'s password, in Vietnamese; None when it can.

    ``new`` needs :data:`MIN_LENGTH` to :data:`MAX_LENGTH` characters, no broken Unicode (it is
    hashed as UTF-8), and must differ from the user name (ignoring case and surrounding spaces)
    and from the current password.
    """
    if not new:
        return "Hãy nhập mật khẩu mới."
    if len(new) < MIN_LENGTH:
        return f"Mật khẩu mới phải có ít nhất {MIN_LENGTH} ký tự (đang có {len(new)})."
    if len(new) > MAX_LENGTH:
        return f"Mật khẩu mới dài tối đa {MAX_LENGTH} ký tự (đang có {len(new)})."
    try:
        new.encode()
    except UnicodeEncodeError:
        return "Mật khẩu mới chứa mã Unicode hỏng. Hãy gõ lại mật khẩu."
    if _folded(new) == _folded(username):
        return "Mật khẩu mới không được trùng với tên đăng nhập. Hãy chọn mật khẩu khác."
    if new == old:
        return "Mật khẩu mới phải khác mật khẩu hiện tại."
    return None
