"""Expected errors: each carries a Vietnamese message a counter officer can act on."""

from __future__ import annotations

from collections.abc import Mapping


class UserFacingError(Exception):
    """An expected failure whose message (Vietnamese) is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(UserFacingError):
    """Input failed validation; ``fields`` maps a field name to its message."""

    def __init__(self, fields: Mapping[str, str], message: str | None = None) -> None:
        self.fields = dict(fields)
        super().__init__(message or "Thông tin chưa hợp lệ: " + "; ".join(self.fields.values()))
