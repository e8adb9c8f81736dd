"""What a barcode scan is: a dossier code, an ID-card QR, a handover batch id, or nothing we know.

Scanners deliver plain text (through the keyboard or a serial port). :func:`classify` turns it
into a :class:`Scan` with a Vietnamese message saying what was read, or what is wrong and what
to do, so that a counter officer scanning a stack never has to guess.

A Vietnamese input method (Unikey/EVKey, Telex or VNI) left switched on mangles what a
keyboard-mode scanner types: Telex turns ``DD`` into ``Đ`` and ``W`` into ``Ư``; VNI turns
``A1`` into ``Á``. Our codes are kept to digits, capitals, ``.`` and ``-`` (HARDWARE.md), so a
mangled scan is recognisable: when undoing the input method gives exactly one valid code, that
code is used and the message says to switch the input method off; otherwise the scan is
rejected with that advice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from app.domain.batch_number import BATCH_PREFIX as BATCH_PREFIX  # re-exported: scanners import it here
from app.domain.batch_number import batch_ref
from app.domain.codes import DOSSIER_CODE_2025_RE, DOSSIER_CODE_RE, CodeFormat, DossierCode, parse_dossier_code
from app.domain.idcard import IdCardData, IdCardQrError, parse_id_qr

BATCH_ID_RE = re.compile(r"^[0-9A-Z](?:[0-9A-Z.\-]{0,62}[0-9A-Z])?$", re.ASCII)
"""A batch id as scanned (after :data:`BATCH_PREFIX`): digits, capitals, ``.`` and ``-``.

Digits are safest: a Vietnamese input method left on changes letter pairs (``AA`` → ``Â``)."""

_LABEL_2018 = r"(\d{3})(\d{2})(\d{2})([A-Z]\d{2})(\d{6})(\d{4})"
_LABEL_2025 = r"([A-Z]\d{2})(\d{3})(\d{2})(\d{6})([A-Z]{2}\d{4,10})"
LABEL_CODE_RE = re.compile(rf"^(?:{_LABEL_2018}|{_LABEL_2025})$", re.ASCII)
"""A dossier code without its "." and "-", as the folder label's Code128 carries it (it would not
fit a 50 mm label otherwise; app/printing/labels.py): ``0000100H492611220007`` (2018 format) or
``H4900101261122AB0007`` (2025 format; app/domain/codes.py). The two never overlap: a 2018 label
starts with a digit, a 2025 one with a capital. The one definition: the label printer, the
handover screens and the scan classifier all read it through :func:`expand_label_code`."""


def expand_label_code(text: str) -> str | None:
    """The dossier code as printed (``000.01.00.H49-261122-0007``, ``H49.001.01-261122-AB0007``) of a
    label Code128's text (``0000100H492611220007``, ``H4900101261122AB0007``; any letter case,
    spaces around ignored), or None if it is not one."""
    m = LABEL_CODE_RE.match(unicodedata.normalize("NFC", text).strip().upper())
    if m is None:
        return None
    if m.group(1) is not None:
        unit1, unit2, unit3, province, day, seq = m.groups()[:6]
        return f"{unit1}.{unit2}.{unit3}.{province}-{day}-{seq}"
    province, level2, level3, day, tail = m.groups()[6:]
    return f"{province}.{level2}.{level3}-{day}-{tail}"


SHOWN_MAX = 60
"""A scan is quoted in messages up to this many characters."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TWELVE_DIGITS = re.compile(r"^\d{12}$", re.ASCII)
_CODE_SHAPE = re.compile(r"^(?:\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}\.\d{3}\.\d{2})-\d+-[A-Z]*\d+$", re.ASCII)
_CODE_FORMS = "000.00.00.H49-260213-0001 hoặc, mẫu 2025, H49.001.01-260213-AB0001"

# Input-method mangling undone: each composed letter and what may have been typed for it.
_BASE_LETTERS = {
    "Đ": ("DD", "D9"),
    "Â": ("AA", "A6"),
    "Ê": ("EE", "E6"),
    "Ô": ("OO", "O6"),
    "Ă": ("AW", "A8"),
    "Ơ": ("OW", "O7"),
    "Ư": ("W", "UW", "U7"),
}
_TONES = {  # combining mark → (Telex key, VNI key)
    "\u0301": ("S", "1"),
    "\u0300": ("F", "2"),
    "\u0309": ("R", "3"),
    "\u0303": ("X", "4"),
    "\u0323": ("J", "5"),
}


class ScanKind(StrEnum):
    """What a scanned text turned out to be."""

    DOSSIER = "dossier"
    ID_CARD = "id_card"
    BATCH = "batch"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Scan:
    """One classified scan.

    Attributes:
        kind: What was recognised.
        raw: The text as received, NFC, without control characters or surrounding spaces.
        value: The normalised value: the dossier code; for a handover record the batch id when
            the record carries it whole (older records) or else its 13-digit number, without
            ``BG-`` (``app.services.handover.find_batch`` takes either); the personal ID of an
            ID card; or ``raw`` for an unknown scan.
        message: Vietnamese, for the officer: what was read, or what is wrong and what to do.
        dossier: The parsed dossier code (kind DOSSIER).
        id_card: What the ID card's QR says (kind ID_CARD).
        repaired: The text had been mangled by a Vietnamese input method and was put right.
    """

    kind: ScanKind
    raw: str
    value: str
    message: str
    dossier: DossierCode | None = None
    id_card: IdCardData | None = None
    repaired: bool = False

    @property
    def ok(self) -> bool:
        """Whether the scan is something the application knows."""
        return self.kind is not ScanKind.UNKNOWN


@dataclass(frozen=True, slots=True)
class ScannerSettings:
    """How this PC's barcode scanners talk to the application (per PC, not per office).

    Attributes:
        prefix: Key the scanner sends before each code: "" (none), "F12", "F13" or "Ctrl+B"
            (STX, which a keyboard-mode scanner sends as Ctrl+B).
        suffix: Key sent after each code: "Enter", "Tab" or "" (none).
        timing_fallback: Also recognise scans without prefix/suffix by their speed.
        max_gap_ms: Longest pause between two keys of one scan (scanners: 5–15 ms; people
            rarely type two keys within 60 ms, and never six in a row).
        min_length: Fewer keys than this in a fast burst are ordinary typing.
        serial_port: Serial scanner's port, typed by hand (``COM3``, ``/dev/ttyACM0``); "" = none.
        baud_rate: Serial speed.
    """

    prefix: str = ""
    suffix: str = "Enter"
    timing_fallback: bool = True
    max_gap_ms: int = 30
    min_length: int = 6
    serial_port: str = ""
    baud_rate: int = 9600


PREFIX_CHOICES = ("", "F12", "F13", "Ctrl+B")
SUFFIX_CHOICES = ("Enter", "Tab", "")
BAUD_CHOICES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


def validate_settings(settings: ScannerSettings) -> dict[str, str]:
    """Vietnamese messages for settings that cannot work, keyed by field name; empty when fine."""
    errors: dict[str, str] = {}
    if settings.prefix not in PREFIX_CHOICES:
        errors["prefix"] = f"Ký tự đầu “{settings.prefix}” không được hỗ trợ; chọn một trong danh sách."
    if settings.suffix not in SUFFIX_CHOICES:
        errors["suffix"] = f"Ký tự cuối “{settings.suffix}” không được hỗ trợ; chọn Enter, Tab hoặc Không có."
    if not 5 <= settings.max_gap_ms <= 200:
        errors["max_gap_ms"] = "Khoảng cách tối đa giữa hai phím phải từ 5 đến 200 mili giây (thường là 30)."
    if not 3 <= settings.min_length <= 40:
        errors["min_length"] = "Độ dài tối thiểu của một lần quét phải từ 3 đến 40 ký tự (thường là 6)."
    if settings.baud_rate not in BAUD_CHOICES:
        errors["baud_rate"] = f"Tốc độ {settings.baud_rate} không hợp lệ; máy quét thường dùng 9600."
    port = settings.serial_port
    if port != port.strip() or any(ch.isspace() or ord(ch) < 32 for ch in port):
        errors["serial_port"] = "Tên cổng không được có dấu cách, ví dụ COM3 hoặc /dev/ttyACM0."
    return errors


def shown(text: str) -> str:
    """``text`` as quoted to the officer: control characters made visible, long text cut."""
    visible = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return visible if len(visible) <= SHOWN_MAX else visible[: SHOWN_MAX - 1] + "…"


def clean(text: str) -> str:
    """NFC, control characters (CR, LF, Tab, STX…) and surrounding spaces removed."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def _undo_input_method(text: str) -> set[str]:
    """Every ASCII text an input method could have turned into ``text`` (small: codes are short)."""
    options: list[tuple[str, ...]] = []
    for ch in text:
        if ch.isascii():
            options.append((ch,))
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        marks = [c for c in decomposed if c in _TONES]
        bases = _BASE_LETTERS.get(base, (base,) if base.isascii() else ())
        if not bases or len(marks) > 1:
            return set()
        tones = _TONES[marks[0]] if marks else ("",)
        options.append(tuple(b + t for b in bases for t in tones))
    results = {""}
    for choice in options:
        results = {r + c for r in results for c in choice}
        if len(results) > 256:
            return set()
    return results


def _repair(compact: str) -> Scan | None:
    """A dossier code or batch id that an input method mangled, when exactly one fits."""
    if compact.isascii():
        return None
    found: dict[str, Scan] = {}
    for candidate in _undo_input_method(compact):
        scan = _classify_compact(candidate, candidate)
        if scan is not None:
            found[scan.value] = scan
    if len(found) != 1:
        return None
    (scan,) = found.values()
    note = (
        f" (máy quét gửi “{shown(compact)}” vì bộ gõ tiếng Việt đang bật; đã tự sửa."
        " Nên tắt bộ gõ hoặc chuyển sang chế độ gõ tiếng Anh khi quét.)"
    )
    return Scan(scan.kind, compact, scan.value, scan.message + note, scan.dossier, repaired=True)


def _classify_compact(compact: str, raw: str) -> Scan | None:
    compact = expand_label_code(compact) or compact
    dossier = parse_dossier_code(compact)
    if dossier is not None:
        return Scan(ScanKind.DOSSIER, raw, dossier.text, f"Mã hồ sơ {dossier.text}", dossier)
    if compact.startswith(BATCH_PREFIX) and BATCH_ID_RE.match(compact[len(BATCH_PREFIX) :]):
        # The short number (app.domain.batch_number), or an older record's UUID or 39-digit number.
        ref = batch_ref(compact)
        value = ref.batch_id or ref.number.removeprefix(BATCH_PREFIX)
        return Scan(ScanKind.BATCH, raw, value, f"Biên bản bàn giao {ref.number}")
    return None


def _unknown_message(raw: str, compact: str) -> str:
    quoted = f"“{shown(raw)}”"
    if DOSSIER_CODE_RE.match(compact) or DOSSIER_CODE_2025_RE.match(compact):
        return (
            f"Mã {quoted} có dạng mã hồ sơ nhưng ngày nhận hoặc số thứ tự không hợp lệ."
            " Quét lại mã vạch trên nhãn hoặc phiếu hẹn; nếu vẫn lỗi, nhãn có thể in sai."
        )
    if _CODE_SHAPE.match(compact):
        return (
            f"Mã {quoted} thiếu hoặc thừa chữ số (mã hồ sơ có dạng {_CODE_FORMS})."
            " Mã vạch có thể bị mờ hoặc đọc thiếu: quét lại, hoặc quét mã QR bên cạnh."
        )
    if not compact.isascii():
        return (
            f"Mã {quoted} có chữ có dấu: bộ gõ tiếng Việt (Unikey, EVKey…) đang bật nên làm sai ký tự."
            " Tắt bộ gõ hoặc chuyển sang chế độ gõ tiếng Anh, rồi quét lại."
        )
    if compact.startswith(BATCH_PREFIX):
        return (
            f"Mã {quoted} bắt đầu bằng {BATCH_PREFIX} nhưng số biên bản bàn giao không hợp lệ"
            " (chỉ gồm chữ số, chữ in hoa, dấu chấm, dấu gạch). Quét lại mã trên biên bản."
        )
    if _TWELVE_DIGITS.match(compact):
        return (
            f"Mã {quoted} là số định danh cá nhân (12 chữ số), không phải mã hồ sơ."
            " Hãy quét mã QR trên thẻ căn cước, hoặc mã vạch trên nhãn hay phiếu hẹn."
        )
    return (
        f"Mã vừa quét {quoted} không phải mã hồ sơ (dạng {_CODE_FORMS}), mã QR thẻ căn cước"
        f" hay mã biên bản bàn giao ({BATCH_PREFIX}…). Quét mã vạch trên nhãn hồ sơ hoặc phiếu hẹn."
    )


def ends_a_code(text: str) -> bool:
    """Whether ``text`` is a whole dossier code that no further character could extend.

    A keyboard scanner configured without a suffix key may end its burst there at once (the wedge,
    ui/scanner/wedge.py). True only for the 2018 format (25 characters as printed, 20 on a label):
    a 2025 code's sequence has 4 digits or more, so ``…-AB1234`` may still be the start of
    ``…-AB12345`` and its scan ends with the suffix key or the pause after the burst.
    """
    scan = classify(text)
    return scan.dossier is not None and scan.dossier.format is CodeFormat.UNIT_2018


def classify(text: str) -> Scan:
    """Say what a scanned text is. Never raises: anything unreadable is an UNKNOWN scan.

    Args:
        text: What the scanner sent, possibly with its prefix/suffix control characters.

    Returns:
        A :class:`Scan` whose ``message`` is ready to show.
    """
    raw = clean(text) if isinstance(text, str) else ""
    if not raw:
        return Scan(ScanKind.UNKNOWN, "", "", "Máy quét không gửi ký tự nào. Quét lại, giữ mã vạch trong khung ngắm.")
    if "|" in raw:
        try:
            card = parse_id_qr(raw)
        except IdCardQrError as exc:
            return Scan(ScanKind.UNKNOWN, raw, raw, exc.message)
        return Scan(
            ScanKind.ID_CARD,
            raw,
            card.personal_id,
            f"Thẻ căn cước: {card.full_name or 'không rõ họ tên'} – số định danh {card.personal_id}",
            id_card=card,
        )
    compact = raw.replace(" ", "").upper()
    scan = _classify_compact(compact, raw) or _repair(compact)
    return scan or Scan(ScanKind.UNKNOWN, raw, raw, _unknown_message(raw, compact))
