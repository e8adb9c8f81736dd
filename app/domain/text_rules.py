"""The one rule for text that is stored or sent: which characters are refused.

Shared by the event contracts (app/domain/contracts.py: every string of an event payload) and
the wire types (app/sync/wire.py ``CleanText``: names, user names, codes a person types), so the
server, the counters and the command line refuse the same characters.

Refused: U+0000 (PostgreSQL text and JSONB cannot hold it), the other C0 control characters
except tab, line feed and carriage return (BEL, ESC, form feed… come from a pasted terminal
line or a misconfigured barcode scanner, never from a person writing a note), DEL and the C1
controls U+0080–U+009F (mojibake of Windows-1252 text), and lone surrogates (not UTF-8: no
database driver can encode them, e.g. ``"\\udcff"`` from a command line of non-UTF-8 bytes).
Tab and line breaks stay: a multi-line note or a pasted list of missing papers is legitimate.
"""

from __future__ import annotations

import re

from pydantic_core import PydanticCustomError

FORBIDDEN_CHAR = "text_forbidden_char"
"""Pydantic error type of :func:`clean_text` and :func:`encodable` (server/api/errors.py words it)."""

FORBIDDEN_CHAR_MESSAGE = "có ký tự không được phép (NUL, ký tự điều khiển hoặc mã Unicode hỏng)"
"""The reason, in Vietnamese, as :func:`app.domain.contracts.describe` shows it after the field."""

_FORBIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def has_forbidden_chars(value: str) -> bool:
    """True if :func:`clean_text` refuses ``value`` (server/admin.py checks the CLI's input with it)."""
    return _FORBIDDEN_CHARS.search(value) is not None


def clean_text(value: str) -> str:
    """``value`` unchanged, for a pydantic ``AfterValidator``.

    Raises:
        PydanticCustomError: ``text_forbidden_char``, the text holds a refused character.
    """
    if _FORBIDDEN_CHARS.search(value) is not None:
        raise PydanticCustomError(FORBIDDEN_CHAR, FORBIDDEN_CHAR_MESSAGE)
    return value


def encodable(value: str) -> str:
    """``value`` unchanged if it has no lone surrogate: for text hashed, never stored (a password).

    Raises:
        PydanticCustomError: ``text_forbidden_char``, the text holds a lone surrogate.
    """
    if _SURROGATES.search(value) is not None:
        raise PydanticCustomError(FORBIDDEN_CHAR, "có mã Unicode hỏng (surrogate), không mã hóa UTF-8 được")
    return value
