"""The number of a handover batch: one short, digits-only number on screen, on paper and in the barcode.

A batch id is a UUIDv7 (:func:`app.domain.events.new_id`). Its first 48 bits are a timestamp in
milliseconds, so its first hex digits are shared by every batch made in the same minute or so
("BG-01a24fe9" named two batches); its last 62 bits are random. The number is the low
:data:`NUMBER_BITS` bits (random) written as :data:`NUMBER_DIGITS` decimal digits after
:data:`BATCH_PREFIX`: ``BG-0412345678901``. Digits, because a keyboard-mode scanner types what it
reads and a Vietnamese input method left on turns letters into accented ones ("aa" → "â").

Reading a number back (:func:`batch_ref`) gives the last 40 bits of the id to look for (or the
exact id for the formats printed before: the UUID itself, or its 39-digit decimal value);
``app.services.handover.find_batch`` does the lookup and says so when two batches share a number
(about one chance in a million for an office's first 1,500 batches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BATCH_PREFIX = "BG-"
"""Printed before a batch number; a scan starting with it is a handover record (``app.domain.scan``)."""

NUMBER_BITS = 40
"""How many low (random) bits of the UUID the number carries."""

NUMBER_DIGITS = 13
"""2**40 - 1 = 1 099 511 627 775: thirteen digits, zero-padded so every number has the same length."""

LEGACY_DIGITS = 39
"""Records printed before the short number carried the whole UUID as a 39-digit decimal."""

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.ASCII)
_NUMBER_RE = re.compile(rf"^\d{{{NUMBER_DIGITS}}}$", re.ASCII)
_LEGACY_RE = re.compile(rf"^\d{{{LEGACY_DIGITS}}}$", re.ASCII)
_SUFFIX_HEX = NUMBER_BITS // 4


@dataclass(frozen=True, slots=True)
class BatchRef:
    """What a scanned or typed batch number designates.

    Attributes:
        number: The batch number as shown everywhere (``BG-`` + 13 digits; a non-UUID id keeps
            its own text).
        batch_id: The exact batch id, when the text carried it (an old record: the UUID, or its
            39-digit number); "" for a short number.
        id_suffix: The last 10 hex digits (lower case) of the id a short number designates; "" otherwise.
    """

    number: str
    batch_id: str = ""
    id_suffix: str = ""


def _is_uuid(text: str) -> bool:
    return _UUID_RE.match(text) is not None


def id_bits(batch_id: str) -> int | None:
    """The low :data:`NUMBER_BITS` bits of a UUID batch id (any case); None for another id."""
    text = batch_id.strip().lower()
    return int(text[-_SUFFIX_HEX:], 16) if _is_uuid(text) else None


def batch_number(batch_id: str) -> str:
    """The number of a batch as the officer sees it on screen, on the record and in its barcodes.

    Args:
        batch_id: The batch id (a UUID), or a number already made by this function.

    Returns:
        ``BG-`` and 13 digits for a UUID id (``BG-0412345678901``); for any other id (test
        data, ids from before UUIDs) ``BG-`` and the id, the prefix never doubled.
    """
    bits = id_bits(batch_id)
    if bits is not None:
        return f"{BATCH_PREFIX}{bits:0{NUMBER_DIGITS}d}"
    text = batch_id.strip()
    return text if text.upper().startswith(BATCH_PREFIX) else BATCH_PREFIX + text


def _legacy_uuid(digits: str) -> str | None:
    value = int(digits)
    if value >= 1 << 128:
        return None
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def batch_ref(text: str) -> BatchRef:
    """Read a batch number back, as scanned or typed (with or without ``BG-``, any case).

    Accepted: the short number (13 digits), the 39-digit number printed on older records, the
    UUID itself ("BG-<uuid>", as older screens showed it), or any other id text (kept as is).

    Args:
        text: The number; the caller has checked it is a batch scan (``app.domain.scan``).

    Returns:
        The :class:`BatchRef` to look up.
    """
    body = text.strip()
    if body.upper().startswith(BATCH_PREFIX):
        body = body[len(BATCH_PREFIX) :]
    if _NUMBER_RE.match(body) and int(body) < 1 << NUMBER_BITS:
        return BatchRef(BATCH_PREFIX + body, id_suffix=f"{int(body):0{_SUFFIX_HEX}x}")
    if _LEGACY_RE.match(body):
        legacy = _legacy_uuid(body)
        if legacy is not None:
            return BatchRef(batch_number(legacy), batch_id=legacy)
    if _is_uuid(body.lower()):
        return BatchRef(batch_number(body), batch_id=body.lower())
    return BatchRef(batch_number(body), batch_id=body)


def matches(batch_id: str, ref: BatchRef) -> bool:
    """Whether the batch ``batch_id`` is the one ``ref`` designates."""
    if ref.batch_id:
        return batch_id == ref.batch_id
    bits = id_bits(batch_id)
    return bits is not None and f"{bits:0{_SUFFIX_HEX}x}" == ref.id_suffix
