"""Expected API errors: an HTTP status, a machine code and a Vietnamese message (``wire.ErrorBody``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.sync.wire import ErrorBody, ErrorDetail


class ApiError(Exception):
    """An expected failure answered as ``{"detail": {"code", "message"}}`` with ``status``.

    Args:
        status: HTTP status code.
        code: Stable machine-readable code (``invalid_credentials``, ``refresh_reused`` …).
        message: Vietnamese sentence shown to the user as is.
        headers: Extra response headers (``Retry-After``, ``WWW-Authenticate``).
        keep_changes: Commit the request's session even though the request fails, e.g. to record
            a failed login or to revoke a stolen token family.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        keep_changes: bool = False,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.keep_changes = keep_changes

    def keep(self) -> ApiError:
        """Mark the request's changes to be committed although it fails; returns ``self``."""
        self.keep_changes = True
        return self

    def body(self) -> dict[str, Any]:
        """The JSON body, validated against ``wire.ErrorBody``."""
        return error_body(self.code, self.message)


def error_body(code: str, message: str) -> dict[str, Any]:
    """``{"detail": {"code": code, "message": message}}`` as a plain dict."""
    return ErrorBody(detail=ErrorDetail(code=code, message=message)).model_dump()


SESSION_EXPIRED = "Phiên đăng nhập đã hết hạn, hãy đăng nhập lại."
_BEARER = {"WWW-Authenticate": "Bearer"}


def unauthenticated(code: str = "not_authenticated", message: str = SESSION_EXPIRED) -> ApiError:
    """401 with ``WWW-Authenticate: Bearer``."""
    return ApiError(401, code, message, headers=_BEARER)


NO_PERMISSION = "Tài khoản của bạn không có quyền thực hiện thao tác này."


def forbidden(code: str = "forbidden", message: str = NO_PERMISSION) -> ApiError:
    """403: the caller is known but may not do this."""
    return ApiError(403, code, message)


def not_found(message: str = "Không tìm thấy dữ liệu yêu cầu.") -> ApiError:
    """404 (also for another office's data, so its existence is not revealed)."""
    return ApiError(404, "not_found", message)
