"""Postal channel rules (Decision 45/2016/QĐ-TTg; DOMAIN.md §9): item numbers, the batch record, its number.

Dossiers sent by post reach the office in batches handed over by a postal worker. The legal
receipt time of every dossier of a batch is the signing of the batch record ("Biên bản giao nhận
hồ sơ qua dịch vụ bưu chính công ích"), which lists each item's postal number; results and
originals go back by post with a tracking number.

**Item numbers** are UPU S10 identifiers, as Vietnam Post prints them under the barcode of every
item: 2 letters (the service), 8 digits (the serial), 1 check digit, "VN" (the country):
``RR123456785VN``. The check digit weights the 8 digits by 8 6 4 2 3 5 9 7; 11 minus the sum
modulo 11 is the digit, except 10 → 0 and 11 → 5 (UPU standard S10). Typed or scanned text is
normalised (spaces and dashes dropped, upper case, accents an input method may have added
removed) before it is checked.

**The signing time** is "now" by default and may be set back to earlier the same day (the record
was signed at the door, the officer keys it in later), never into the future nor to another day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.domain.batch_number import NUMBER_DIGITS, id_bits
from app.errors import UserFacingError
from app.text import fold

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
COUNTRY = "VN"
MAX_ITEMS = 500
"""Items one batch record may list (the contract's bound)."""

BATCH_PREFIX = "BC-"
"""Printed before a postal batch number (handover records use ``BG-``)."""

CLOCK_SLACK = timedelta(minutes=2)
"""A signing time this far past the PC clock is still "now" (the dialog was opened a moment ago)."""

_SHAPE = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$", re.ASCII)
_DROP = re.compile(r"[\s\-.]")


class PostalNumberError(UserFacingError):
    """A postal item number that is not a valid S10 number (the message says what is wrong)."""


def s10_check_digit(serial: str) -> int:
    """The S10 check digit of an 8-digit serial.

    Raises:
        ValueError: ``serial`` is not 8 digits.
    """
    if len(serial) != 8 or not serial.isascii() or not serial.isdigit():
        raise ValueError("serial must be 8 digits")
    total = sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def normalise_item_number(text: str) -> str:
    """``text`` without spaces, dashes and dots, accents removed, upper case (not yet checked)."""
    return _DROP.sub("", fold(text or "")).upper()


def item_number_problem(text: str) -> str | None:
    """What is wrong with a postal item number, in Vietnamese; None when it is a valid S10 number of VN."""
    value = normalise_item_number(text)
    if not value:
        return "Chưa nhập số hiệu bưu gửi."
    if not _SHAPE.match(value):
        return (
            f"Số hiệu bưu gửi “{value[:20]}” sai định dạng: phải gồm 13 ký tự – 2 chữ cái, 9 chữ số và “VN”"
            " (ví dụ RR123456785VN). Quét mã vạch trên phiếu gửi hoặc nhập lại."
        )
    if value[-2:] != COUNTRY:
        return (
            f"Số hiệu bưu gửi {value} không phải của Bưu điện Việt Nam: phải kết thúc bằng “VN”."
            " Đối chiếu lại với phiếu gửi."
        )
    if s10_check_digit(value[2:10]) != int(value[10]):
        return (
            f"Số hiệu bưu gửi {value} sai chữ số kiểm tra (chữ số thứ 9): có thể đã nhập nhầm hoặc đảo chỗ một"
            " chữ số. Quét lại mã vạch hoặc đối chiếu với phiếu gửi."
        )
    return None


def parse_item_number(text: str) -> str:
    """The normalised S10 number of ``text``.

    Raises:
        PostalNumberError: not a valid S10 number of Vietnam Post (the message says why).
    """
    problem = item_number_problem(text)
    if problem is not None:
        raise PostalNumberError(problem)
    return normalise_item_number(text)


def is_item_number(text: str) -> bool:
    """Whether ``text`` is exactly a valid S10 number (as stored: normalised)."""
    return text == normalise_item_number(text) and item_number_problem(text) is None


def signing_time_problem(signed_at: datetime, now: datetime) -> str | None:
    """What is wrong with the signing time of a batch record; None when it is earlier today (or now)."""
    if signed_at > now + CLOCK_SLACK:
        return (
            f"Giờ ký biên bản ({signed_at:%H:%M %d/%m/%Y}) muộn hơn giờ hiện tại ({now:%H:%M}). Hãy nhập đúng giờ"
            " đã ký với nhân viên bưu chính."
        )
    if signed_at.date() != now.date():
        return (
            f"Giờ ký biên bản phải trong hôm nay ({now:%d/%m/%Y}); đã nhập ngày {signed_at:%d/%m/%Y}. Biên bản"
            " của ngày khác không lập lại được trên máy."
        )
    return None


def duplicate_items(items: Sequence[str]) -> dict[str, list[int]]:
    """Item numbers listed more than once, with their line numbers (from 1)."""
    lines: dict[str, list[int]] = {}
    for n, item in enumerate(items, start=1):
        lines.setdefault(item, []).append(n)
    return {item: found for item, found in lines.items() if len(found) > 1}


@dataclass(frozen=True, slots=True)
class PostalBatchDraft:
    """What the officer enters for a batch record: who handed it over, when, which items."""

    postal_unit: str
    worker_name: str
    signed_at: datetime
    items: tuple[str, ...]
    worker_phone: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class PostalItem:
    """One item of a signed batch, as the reception screen receives it (postal mode)."""

    batch_id: str
    item_no: str


def postal_batch_number(batch_id: str) -> str:
    """The number of a postal batch record as shown and printed: ``BC-`` and 13 digits (from its UUID)."""
    bits = id_bits(batch_id)
    if bits is None:
        return BATCH_PREFIX + batch_id.strip()
    return f"{BATCH_PREFIX}{bits:0{NUMBER_DIGITS}d}"


_CHANNEL_TEXT = {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Qua dịch vụ bưu chính công ích"}


def channel_text(decision: Mapping[str, Any]) -> str:
    """How a dossier reached the office, from its decision payload (absent channel: direct), with the
    postal item number when it came by post: "Qua dịch vụ bưu chính công ích (bưu gửi RR123456785VN)"."""
    text = _CHANNEL_TEXT.get(str(decision.get("channel") or "direct"), "Trực tiếp")
    postal = decision.get("postal")
    if isinstance(postal, Mapping) and postal.get("item_no"):
        text += f" (bưu gửi {postal['item_no']})"
    return text
