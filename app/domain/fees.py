"""Fees and charges (phí, lệ phí) of a procedure: fee lines, exemptions, amounts in figures and words.

A procedure's catalog entry may list ``fee_lines`` — each a name, an amount in đồng (an integer
≥ 0) and when it is paid: ``before`` (at reception) or ``after`` (when the result is returned) —
and ``fee_exemptions``, each a named ground (e.g. "Người có công với cách mạng") that makes some
lines free. A procedure without lines keeps the old single ``fee`` {amount, text} and charges
nothing through the counter (as before).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MAX_AMOUNT = 10_000_000_000
"""The largest amount of one line, in đồng (ten thousand million: above any fee the counter takes)."""


class PayWhen(StrEnum):
    """When a fee line is paid."""

    BEFORE = "before"
    AFTER = "after"

    @property
    def label(self) -> str:
        return "Nộp khi tiếp nhận hồ sơ" if self is PayWhen.BEFORE else "Nộp khi nhận kết quả"


class PayMethod(StrEnum):
    """How a fee was paid."""

    CASH = "cash"
    TRANSFER = "transfer"
    ONLINE = "online"

    @property
    def label(self) -> str:
        return {"cash": "Tiền mặt", "transfer": "Chuyển khoản", "online": "Thanh toán trực tuyến"}[self.value]


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One fee or charge of a procedure (``id`` is unique within the procedure)."""

    id: str
    name: str
    amount: int
    when: PayWhen


@dataclass(frozen=True, slots=True)
class Exemption:
    """A ground on which some lines are free (``lines``: their ids)."""

    id: str
    name: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """The fee lines and exemptions of one procedure (both empty: nothing charged at the counter)."""

    lines: tuple[FeeLine, ...] = ()
    exemptions: tuple[Exemption, ...] = ()

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    def exemption(self, exemption_id: str) -> Exemption | None:
        return next((e for e in self.exemptions if e.id == exemption_id), None)


EMPTY_SCHEDULE = FeeSchedule()


class FeeDataError(ValueError):
    """A fee line or exemption of the catalog is wrong: ``key`` (dotted) and ``problem`` (Vietnamese)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem

    @property
    def label(self) -> str:
        """Where, in words: "khoản phí, lệ phí thứ 2, mức thu"."""
        head, _, field = self.key.partition(".")
        name, _, index = head.partition("[")
        what = "khoản phí, lệ phí" if name == "fee_lines" else "đối tượng miễn phí, lệ phí"
        text = f"{what} thứ {index.rstrip(']')}" if index else f"danh sách {what}"
        return f"{text}, {_KEY_LABELS[field]}" if field in _KEY_LABELS else text


_KEY_LABELS = {"id": "mã", "name": "tên", "amount": "mức thu", "when": "thời điểm nộp", "lines": "khoản được miễn"}


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FeeDataError(f"{where}.{key}", "phải là chuỗi ký tự, không để trống")
    return value.strip()


def _amount(data: Mapping[str, Any], where: str) -> int:
    value = data.get("amount")
    if value is None:
        raise FeeDataError(f"{where}.amount", "bị thiếu (mức thu, đồng)")
    if isinstance(value, bool) or not isinstance(value, int):
        raise FeeDataError(f"{where}.amount", "phải là số nguyên đồng (không có phần thập phân)")
    if value < 0:
        raise FeeDataError(f"{where}.amount", "không được âm")
    if value > MAX_AMOUNT:
        raise FeeDataError(f"{where}.amount", f"không được lớn hơn {format_vnd(MAX_AMOUNT)} đồng")
    return value


def parse_schedule(lines: object, exemptions: object) -> FeeSchedule:
    """Validate the catalog's ``fee_lines`` and ``fee_exemptions`` (either may be None: absent).

    Raises:
        FeeDataError: naming the key (``fee_lines[1].amount``) and what is wrong, in Vietnamese.
    """
    if lines is None and exemptions is None:
        return EMPTY_SCHEDULE
    if lines is None:
        lines = []
    if not isinstance(lines, list):
        raise FeeDataError("fee_lines", "phải là danh sách")
    parsed: list[FeeLine] = []
    for i, item in enumerate(lines):
        where = f"fee_lines[{i + 1}]"
        if not isinstance(item, Mapping):
            raise FeeDataError(where, "phải là một đối tượng JSON")
        line_id, name, amount = _text(item, "id", where), _text(item, "name", where), _amount(item, where)
        try:
            when = PayWhen(str(item.get("when")))
        except ValueError:
            raise FeeDataError(
                f"{where}.when", "phải là “before” (nộp khi tiếp nhận) hoặc “after” (khi trả kết quả)"
            ) from None
        if any(p.id == line_id for p in parsed):
            raise FeeDataError(f"{where}.id", f"mã khoản thu “{line_id}” bị trùng")
        parsed.append(FeeLine(line_id, name, amount, when))
    ids = {line.id for line in parsed}
    found: list[Exemption] = []
    if exemptions is None:
        exemptions = []
    if not isinstance(exemptions, list):
        raise FeeDataError("fee_exemptions", "phải là danh sách")
    for i, item in enumerate(exemptions):
        where = f"fee_exemptions[{i + 1}]"
        if not isinstance(item, Mapping):
            raise FeeDataError(where, "phải là một đối tượng JSON")
        ex_id, name = _text(item, "id", where), _text(item, "name", where)
        freed = item.get("lines")
        if not isinstance(freed, list) or not freed or not all(isinstance(x, str) for x in freed):
            raise FeeDataError(f"{where}.lines", "phải là danh sách mã khoản thu được miễn (ít nhất một)")
        unknown = [x for x in freed if x not in ids]
        if unknown:
            raise FeeDataError(f"{where}.lines", f"nêu khoản thu “{unknown[0]}” không có trong fee_lines")
        if any(e.id == ex_id for e in found):
            raise FeeDataError(f"{where}.id", f"mã đối tượng miễn “{ex_id}” bị trùng")
        found.append(Exemption(ex_id, name, tuple(freed)))
    return FeeSchedule(tuple(parsed), tuple(found))


@dataclass(frozen=True, slots=True)
class AssessedLine:
    """A fee line as charged to this applicant: ``due`` is 0 when the exemption frees it."""

    id: str
    name: str
    amount: int
    when: PayWhen
    exempt: bool

    @property
    def due(self) -> int:
        return 0 if self.exempt else self.amount


def assess(schedule: FeeSchedule, exemption_id: str = "") -> tuple[AssessedLine, ...]:
    """The lines charged, the exemption's lines marked free ("" = no exemption).

    Raises:
        KeyError: the procedure has no such exemption.
    """
    freed: tuple[str, ...] = ()
    if exemption_id:
        exemption = schedule.exemption(exemption_id)
        if exemption is None:
            raise KeyError(exemption_id)
        freed = exemption.lines
    return tuple(AssessedLine(x.id, x.name, x.amount, x.when, x.id in freed) for x in schedule.lines)


def total_due(lines: Sequence[AssessedLine], when: PayWhen | None = None) -> int:
    """What is to be paid, for one moment (``when``) or in all."""
    return sum(x.due for x in lines if when is None or x.when is when)


def format_vnd(amount: int) -> str:
    """50000 → "50.000" (Vietnamese thousands separator)."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,}".replace(",", ".")


_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", " nghìn", " triệu", " tỷ")


def _three(n: int, full: bool) -> str:
    """Words of 0 < n < 1000; ``full``: a group after a higher one ("không trăm linh năm")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and (hundreds or full):
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens >= 2:
            words.append("mốt")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        elif units == 4 and tens >= 2:
            words.append("tư")
        else:
            words.append(_DIGITS[units])
    return " ".join(words)


def _number_words(n: int) -> str:
    if n == 0:
        return "không"
    if n >= 1_000_000_000:
        high, low = divmod(n, 1_000_000_000)
        rest = _number_words(low) if low else ""
        if rest and low < 100_000_000 and not rest.startswith("không"):
            rest = _groups(low, full=True)
        return f"{_number_words(high)} tỷ" + (f" {rest}" if rest else "")
    return _groups(n, full=False)


def _groups(n: int, full: bool) -> str:
    """Words of n < 10^9 by groups of three digits; ``full``: pad the highest group too."""
    parts: list[str] = []
    groups = [(n // 1000**i) % 1000 for i in range(3)]
    top = max((i for i, g in enumerate(groups) if g), default=0)
    for i in range(top, -1, -1):
        g = groups[i]
        if g:
            parts.append(_three(g, full or i < top) + _GROUPS[i])
    return " ".join(parts)


def amount_in_words(amount: int) -> str:
    """The amount in Vietnamese words, capitalised, with "đồng": 50000 → "Năm mươi nghìn đồng"."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    words = f"{_number_words(amount)} đồng"
    return words[0].upper() + words[1:]
