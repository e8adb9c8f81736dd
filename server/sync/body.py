"""Reading a pushed body safely, and the bounded excerpt kept of a refused event.

``read_json`` never raises past its caller with anything but :class:`BodyError`: NaN and
Infinity become a :class:`NonFinite` marker (the contracts refuse it, so the event holding it
is rejected on its own), lone surrogates stay in the strings for the contracts to refuse, and a
body nested deeper than Python's parser can go is refused whole.
"""

from __future__ import annotations

import json
import re
from typing import Any

EXCERPT_MAX_BYTES = 1024
_EXCERPT_DEPTH = 6
_EXCERPT_ITEMS = 8
_EXCERPT_STRING = 80
_DIGIT_RUN = re.compile(r"(?<!\d)\d{9,12}(?!\d)")


class BodyError(ValueError):
    """The body cannot be read as JSON at all; ``message`` is Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NonFinite:
    """Stands for a NaN / Infinity / -Infinity constant of the body (JSON has none)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def read_json(raw: bytes) -> Any:
    """Parse a request body.

    Raises:
        BodyError: Not UTF-8 JSON, or nested too deep for the parser.
    """
    try:
        return json.loads(raw, parse_constant=NonFinite)
    except RecursionError:
        raise BodyError("Dữ liệu gửi lên lồng nhau quá sâu; máy chủ không đọc được.") from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        raise BodyError("Dữ liệu gửi lên không phải JSON hợp lệ.") from None


def excerpt(value: Any) -> str:
    """At most 1 KiB of ``value`` as JSON-like text, for support: strings cut short, depth and
    lists bounded, NUL and lone surrogates dropped, runs of 9–12 digits (ID numbers) masked."""
    parts: list[str] = []
    _render(value, parts, 0, [EXCERPT_MAX_BYTES + 64])
    text = "".join(parts).encode("utf-8")[:EXCERPT_MAX_BYTES].decode("utf-8", "ignore")
    return _DIGIT_RUN.sub(lambda m: "#" * len(m.group()), text)


def _text(value: str) -> str:
    short = value[:_EXCERPT_STRING].replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    more = "…" if len(value) > _EXCERPT_STRING else ""
    return json.dumps(short + more, ensure_ascii=False)


def _render(value: Any, out: list[str], depth: int, budget: list[int]) -> None:
    """Append ``value``'s text to ``out`` until ``budget[0]`` characters are spent (no deep recursion:
    below ``_EXCERPT_DEPTH`` a container is written as an ellipsis)."""
    if budget[0] <= 0:
        return
    if isinstance(value, dict):
        if depth >= _EXCERPT_DEPTH:
            piece = "{…}"
        else:
            out.append("{")
            for n, (key, item) in enumerate(value.items()):
                if budget[0] <= 0 or n >= _EXCERPT_ITEMS * 4:
                    out.append("…")
                    break
                out.append(("," if n else "") + _text(str(key)) + ":")
                budget[0] -= len(out[-1])
                _render(item, out, depth + 1, budget)
            piece = "}"
    elif isinstance(value, list):
        if depth >= _EXCERPT_DEPTH:
            piece = "[…]"
        else:
            out.append("[")
            for n, item in enumerate(value):
                if budget[0] <= 0 or n >= _EXCERPT_ITEMS:
                    out.append(",…")
                    break
                if n:
                    out.append(",")
                _render(item, out, depth + 1, budget)
            piece = "]"
    elif isinstance(value, str):
        piece = _text(value)
    elif value is None or isinstance(value, bool):
        piece = json.dumps(value)
    elif isinstance(value, int):
        digits = str(value) if value.bit_length() < 200 else "…"
        piece = digits
    else:
        piece = repr(value)[:_EXCERPT_STRING]
    out.append(piece)
    budget[0] -= len(piece)
