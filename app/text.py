"""Text normalisation: NFC for storage and printing, accent folding for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# What nfc() must replace: a run of two or more whitespace characters, or one that is not a plain
# space. Same result as replacing every \s+ run with " ", but a normal text has no match at all,
# so nothing is rebuilt (the register reads five fields of 50,000 dossiers through nfc).
_ODD_SPACES = re.compile(r"\s{2,}|[^\S ]")
# đ/Đ are letters of their own in Unicode, not d + a combining mark, so NFD does not fold them.
_EXTRA_FOLD = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(value: str | None) -> str:
    """NFC-normalise, strip and collapse internal whitespace; None becomes ''."""
    if not value:
        return ""
    return _ODD_SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str | None) -> str:
    """Lower-case and strip Vietnamese diacritics: "Cấp bản sao Đăng ký" -> "cap ban sao dang ky"."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", value.translate(_EXTRA_FOLD))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()
