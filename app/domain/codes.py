"""Unit identifiers and dossier codes (Circular 01/2018 art. 19, Circular 04/2025, QCVN 102:2016).

Two dossier-code formats are in force and both are read everywhere a code is scanned, typed,
searched or synced (DOMAIN.md §4 and §9):

* **2018** (Circular 01/2018 art. 19): ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`` — the receiving
  unit's identifier (levels 4.3.2.1), the receipt date, a 4-digit daily sequence. The counter
  issues these (:func:`format_dossier_code`), with its own unit's identifier also for a dossier
  another unit decides (issue 16; the rule and its source: :mod:`app.domain.units`).
* **2025** (Circular 04/2025, effective 25/01/2026, for procedures run by central agencies):
  ``MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX`` — the agency part top level first (``MX1X2`` a capital and
  two digits, e.g. ``H49``; ``Y1Y2Y3`` three digits; ``Z1Z2`` two digits), the receipt date,
  ``AA`` and a sequence of at least 4 digits. Our only source is a single secondary copy of the
  circular (DOMAIN.md §9), which does not say what ``AA`` holds; we read it as two capital
  letters, as the notation's other letters (``M``) are letters and its digits are written
  X/Y/Z — :data:`DOSSIER_CODE_2025_RE` is the one place to widen if a real code shows digits
  there. The sequence is bounded at :data:`MAX_SEQUENCE_DIGITS_2025` digits (30 characters in
  all, within every 40-character code column and wire field). On the 50 mm label roll the
  Code128 reads at 200 dpi only with a 4-digit sequence (app/printing/labels.py); the QR beside
  it carries every length. The counter does not issue these
  yet (it needs the province catalog, issue 16); they arrive with imported dossiers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.errors import UserFacingError
from app.text import nfc

UNIT_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$", re.ASCII)
"""Unit identifier, e.g. ``000.00.00.H49`` (levels 4.3.2.1)."""

DOSSIER_CODE_RE = re.compile(r"^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(\d{6})-(\d{4})$", re.ASCII)
"""Dossier code, e.g. ``000.00.00.H49-260213-0001`` (unit, YYMMDD, daily sequence)."""

AGENCY_CODE_RE = re.compile(r"^[A-Z]\d{2}\.\d{3}\.\d{2}$", re.ASCII)
"""The agency part of a 2025-format dossier code, e.g. ``H49.001.01`` (MX1X2.Y1Y2Y3.Z1Z2)."""

MIN_SEQUENCE_DIGITS_2025 = 4
MAX_SEQUENCE_DIGITS_2025 = 10
"""A 2025 code's sequence has at least 4 digits (the law); 10 is our bound: 30 characters in all."""

DOSSIER_CODE_2025_RE = re.compile(r"^([A-Z]\d{2}\.\d{3}\.\d{2})-(\d{6})-([A-Z]{2})(\d{4,10})$", re.ASCII)
"""Dossier code in the 2025 format, e.g. ``H49.001.01-260213-AB0001`` (agency, YYMMDD, AA, sequence)."""


MAX_DAILY_SEQUENCE = 9999
"""Only four digits: at most 9,999 dossiers per unit per day."""


_MAX_TEXT = f"{MAX_DAILY_SEQUENCE:,}".replace(",", ".")  # Vietnamese thousands separator


class CodeError(UserFacingError):
    """A unit identifier or dossier code cannot be used."""


class CodeFormat(StrEnum):
    """Which of the two dossier-code formats a code follows."""

    UNIT_2018 = "2018"
    """``000.00.00.H49-260213-0001`` (Circular 01/2018 art. 19)."""
    CENTRAL_2025 = "2025"
    """``H49.001.01-260213-AB0001`` (Circular 04/2025)."""


@dataclass(frozen=True, slots=True)
class DossierCode:
    """A parsed dossier code, of either format.

    Attributes:
        unit_code: Receiving unit's identifier, e.g. ``000.00.00.H49``; for a 2025 code the
            agency part, e.g. ``H49.001.01``.
        day: Receipt date.
        seq: Sequence number of that unit on that day, 1..9999 (2025: up to 10 digits).
        series: The two capitals ``AA`` before a 2025 code's sequence; "" for a 2018 code.
        digits: How many digits the sequence is written with: 4 (2025: as written, 4..10).
    """

    unit_code: str
    day: date
    seq: int
    series: str = ""
    digits: int = 4

    @property
    def format(self) -> CodeFormat:
        """The format this code follows."""
        return CodeFormat.CENTRAL_2025 if self.series else CodeFormat.UNIT_2018

    @property
    def text(self) -> str:
        """The code as printed: ``000.00.00.H49-260213-0001`` or ``H49.001.01-260213-AB0001``."""
        return f"{self.unit_code}-{self.day:%y%m%d}-{self.series}{self.seq:0{self.digits}d}"

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


def format_dossier_code_2025(agency_code: str, day: date, series: str, seq: int, digits: int = 4) -> str:
    """Build a 2025-format dossier code ``<agency>-YYMMDD-AA<sequence>`` (Circular 04/2025).

    Raises:
        CodeError: Invalid agency part or ``AA``, or a sequence that does not fit ``digits``.
    """
    agency, letters = _clean(agency_code), _clean(series)
    if not AGENCY_CODE_RE.match(agency):
        raise CodeError(
            f"Mã cơ quan “{nfc(agency_code)}” không đúng định dạng của mã hồ sơ mẫu 2025. Mã đúng có dạng"
            " H49.001.01 (một chữ in hoa và hai chữ số, ba chữ số, hai chữ số, cách nhau bằng dấu chấm)."
        )
    if not re.fullmatch(r"[A-Z]{2}", letters, re.ASCII):
        raise CodeError(f"Phần ký hiệu “{nfc(series)}” của mã hồ sơ mẫu 2025 phải là hai chữ cái in hoa không dấu.")
    if not MIN_SEQUENCE_DIGITS_2025 <= digits <= MAX_SEQUENCE_DIGITS_2025:
        raise CodeError(
            f"Số thứ tự của mã hồ sơ mẫu 2025 có từ {MIN_SEQUENCE_DIGITS_2025} đến"
            f" {MAX_SEQUENCE_DIGITS_2025} chữ số, không phải {digits}."
        )
    if not 1 <= seq < 10**digits:
        raise CodeError(f"Số thứ tự hồ sơ {seq} không viết được bằng {digits} chữ số (phải từ 1 đến {10**digits - 1}).")
    return DossierCode(agency, day, seq, letters, digits).text


def parse_dossier_code(text: str) -> DossierCode | None:
    """Parse a dossier code of either format; None when ``text`` is not one.

    Tolerates surrounding whitespace and lower case (barcode scanners). A code with an
    impossible date or an all-zero sequence is not a dossier code.
    """
    cleaned = nfc(text).upper()
    if m := DOSSIER_CODE_RE.fullmatch(cleaned):
        (unit, yymmdd, seq_text), series = m.groups(), ""
    elif m := DOSSIER_CODE_2025_RE.fullmatch(cleaned):
        unit, yymmdd, series, seq_text = m.groups()
    else:
        return None
    try:
        day = date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return None
    seq = int(seq_text)
    if seq < 1:
        return None
    return DossierCode(unit, day, seq, series, len(seq_text))


def code_search_terms(code: str | None) -> str:
    """Extra words the search index keeps for ``code``: a 2025 code's ``AA`` and sequence apart.

    The index splits a code at "." and "-", so a 2018 code's sequence (``0007``) is a word of its
    own; a 2025 code's ``AB0007`` is one word, and ``0007`` alone would not find it. "" for
    anything else.
    """
    parsed = parse_dossier_code(code) if code else None
    if parsed is None or parsed.format is CodeFormat.UNIT_2018:
        return ""
    return f"{parsed.series} {parsed.seq:0{parsed.digits}d}"


def is_dossier_code(text: str) -> bool:
    """Whether ``text`` parses as a dossier code (either format)."""
    return parse_dossier_code(text) is not None
