"""Unit identifiers and dossier codes (Circular 01/2018 art. 19, QCVN 102:2016)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.errors import UserFacingError
from app.text import nfc

UNIT_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$", re.ASCII)
"""Unit identifier, e.g. ``000.00.00.H49`` (levels 4.3.2.1)."""

DOSSIER_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$", re.ASCII)
"""Dossier code, e.g. ``000.00.00.H49-260213-0001`` (unit, YYMMDD, daily sequence)."""

MAX_DAILY_SEQUENCE = 9999
"""Only four digits: at most 9,999 dossiers per unit per day."""


_MAX_TEXT = f"{MAX_DAILY_SEQUENCE:,}".replace(",", ".")  # Vietnamese thousands separator


class CodeError(UserFacingError):
    """A unit identifier or dossier code cannot be used."""


@dataclass(frozen=True, slots=True)
class DossierCode:
    """A parsed dossier code.

    Attributes:
        unit_code: Receiving unit's identifier, e.g. ``000.00.00.H49``.
        day: Receipt date.
        seq: Sequence number of that unit on that day, 1..9999.
    """

    unit_code: str
    day: date
    seq: int

    @property
    def text(self) -> str:
        """The code as printed: ``000.00.00.H49-260213-0001``."""
        return f"{self.unit_code}-{self.day:%y%m%d}-{self.seq:04d}"

    def __str__(self) -> str:
        return self.text


def _clean(text: str) -> str:
    # Scanners and hand typing bring spaces and lower case; codes are ASCII capitals only.
    return nfc(text).replace(" ", "").upper()


def validate_unit_code(code: str) -> str:
    """Return the normalised unit identifier (stripped, upper case).

    Raises:
        CodeError: The identifier does not have the form ``000.00.00.H49``.
    """
    cleaned = _clean(code)
    if not UNIT_CODE_RE.match(cleaned):
        raise CodeError(
            f"Mã đơn vị “{nfc(code)}” không đúng định dạng. Mã đúng có dạng 000.00.00.H49"
            " (ba chữ số, hai chữ số, hai chữ số, một chữ in hoa và hai chữ số, cách nhau bằng dấu chấm)."
        )
    return cleaned


def format_dossier_code(unit_code: str, day: date, seq: int) -> str:
    """Build a dossier code ``<unit>-YYMMDD-XXXX``.

    Raises:
        CodeError: Invalid unit identifier, or ``seq`` outside 1..9999 (the day's numbers
            are used up).
    """
    unit = validate_unit_code(unit_code)
    if seq > MAX_DAILY_SEQUENCE:
        raise CodeError(
            f"Đơn vị {unit} đã dùng hết {_MAX_TEXT} số thứ tự hồ sơ của ngày {day:%d/%m/%Y}"
            " nên không cấp thêm được mã hồ sơ trong ngày. Báo quản trị hệ thống để xử lý."
        )
    if seq < 1:
        raise CodeError(f"Số thứ tự hồ sơ phải từ 1 đến {MAX_DAILY_SEQUENCE}, không phải {seq}.")
    return DossierCode(unit, day, seq).text


def parse_dossier_code(text: str) -> DossierCode | None:
    """Parse a dossier code; None when ``text`` is not one.

    Tolerates surrounding whitespace and lower case (barcode scanners). A code with an
    impossible date or sequence 0000 is not a dossier code.
    """
    cleaned = nfc(text).upper()
    if not DOSSIER_CODE_RE.match(cleaned):
        return None
    unit, yymmdd, seq_text = cleaned.split("-")
    try:
        day = date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return None
    seq = int(seq_text)
    if seq < 1:
        return None
    return DossierCode(unit, day, seq)


def is_dossier_code(text: str) -> bool:
    """Whether ``text`` parses as a dossier code."""
    return parse_dossier_code(text) is not None
