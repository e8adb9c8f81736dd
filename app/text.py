"""Text normalisation: NFC for storage and printing, accent folding for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ are letters of their own in Unicode, not d + a combining mark, so NFD does not fold them.
_EXTRA_FOLD = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(value: str | None) -> str:
    """NFC-normalise, strip and collapse internal whitespace; None becomes ''."""
    if not value:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str | None) -> str:
    """Lower-case and strip Vietnamese diacritics: "Cấp bản sao Đăng ký" -> "cap ban sao dang ky"."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", value.translate(_EXTRA_FOLD))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()
