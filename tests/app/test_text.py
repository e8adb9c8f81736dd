"""app.text.nfc: NFC, stripped, every whitespace run one space (its fast pattern is the plain one's twin)."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from app.text import nfc


def _plain(value: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value)).strip() if value else ""


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aăâ Đđ\t\n\r\u00a0\u2003\u0300\u0301xyz ")) | st.characters()))
def test_nfc_equals_the_plain_rule(value: str) -> None:
    assert nfc(value) == _plain(value)


def test_examples() -> None:
    assert nfc("  Nguye\u0302\u0303n  Văn\tAn\n") == "Nguyễn Văn An"
    assert nfc("a\u00a0b") == "a b" and nfc(None) == "" and nfc("   ") == ""
