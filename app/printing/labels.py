"""Barcode labels for paper folders: Code128 and QR of the dossier code, applicant, procedure, due date.

Labels are drawn straight onto a reportlab canvas (no platypus): a sheet of 24 is a few hundred
canvas operations, and every label has the same fixed layout, computed once per stock. Text that
does not fit is ellipsized ("…") or, for the code and the due date (which must never be cut),
set smaller: nothing ever runs past a label's edge.

The Code128 spans the label's width (its quiet zone lies in the label's side padding) because a
25-character dossier code needs about 288 modules; the QR code beside it stays readable when the
folder is scanned at an angle, where Code128 fails (HARDWARE.md).
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, BinaryIO

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.domain.codes import DOSSIER_CODE_2025_RE, DOSSIER_CODE_RE
from app.domain.scan import expand_label_code
from app.errors import ValidationError
from app.printing.data import LABEL_STOCKS, LabelData, LabelPrintJob, LabelStock
from app.printing.fonts import SERIF, SERIF_BOLD, register_fonts, use_fixed_subsets
from app.text import nfc

Output = str | os.PathLike[str] | BinaryIO

ELLIPSIS = "…"
MAX_OFFSET_MM = 15.0
MAX_CODE_LENGTH = 40
MIN_FONT = 5.0
# Code128 module width cap: wider bars only make a short code look odd, they do not read better.
MAX_MODULE_MM = 0.38
# Code128 can encode printable ASCII; dossier codes use digits, capitals, "." and "-".
_CODE_OK = re.compile(r"^[\x21-\x7e]+$")


def label_barcode_text(code: str) -> str:
    """What the label's Code128 encodes: a dossier code of either format without its "." and "-".

    ``000.01.00.H49-261122-0007`` needs 288 Code128 modules; a scanner (and zxing-cpp on a
    200-dpi page) needs modules of at least 0.23 mm, so the full code would need 66 mm of bars
    plus quiet zones: more than a 70 mm or 50 mm label. Without separators it is 20 characters,
    mostly digit pairs (Code128 set C): 178 modules, 0.25 mm wide on a 50 mm label. A 2025 code
    (``H49.001.01-261122-AB0007``, 277 modules in full) becomes ``H4900101261122AB0007``: 200
    modules, 0.227 mm on a 50 mm label (zxing-cpp reads it at 200 dpi); each further sequence
    digit adds about 5.5 modules, and from 5 digits the roll's Code128 reads at 300 dpi only (up
    to 6 digits), while a 70 mm label reads every length. The QR code beside it carries the code
    as printed, at any length. :func:`expand_label_barcode` turns a scan back.
    Other codes (not matching either national pattern) are encoded unchanged.
    """
    code = nfc(code)
    if DOSSIER_CODE_RE.match(code) or DOSSIER_CODE_2025_RE.match(code):
        return code.replace(".", "").replace("-", "")
    return code


def expand_label_barcode(text: str) -> str | None:
    """The dossier code of a scanned label Code128 (``0000100H492611220007``), or None if it is not one."""
    return expand_label_code(text)  # the pattern lives in app/domain/scan.py


_RUN = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")


def _mask_penalty(rows: list[int], n: int) -> int:
    """ISO 18004 mask penalty (rules 1-4) of an ``n``×``n`` QR matrix given as row bitmasks."""
    lines = [format(r, f"0{n}b") for r in rows]
    lines += ["".join(col) for col in zip(*lines, strict=True)]
    text = "2".join(lines)  # "2" keeps runs from crossing line ends
    runs = _RUN.findall(text)
    score = sum(map(len, runs)) - 2 * len(runs)  # 3 for 5 in a row, +1 for each more
    score += 40 * len(_FINDER_LIKE.findall(text))
    full = (1 << n) - 1
    for a, b in itertools.pairwise(rows):
        dark, light = a & b, full & ~a & ~b
        score += 3 * ((dark & (dark >> 1)).bit_count() + (light & (light >> 1)).bit_count())
    dark_count = sum(r.bit_count() for r in rows)
    return score + 10 * (abs(dark_count * 100 // (n * n) - 50) // 5)


@dataclass(frozen=True, slots=True)
class _QrTemplate:
    """What every symbol of one QR version shares, as row bitmasks (bit n-1-col is column col)."""

    size: int
    function_rows: tuple[int, ...]  # finder, timing, alignment patterns; format areas light
    positions: tuple[tuple[int, int], ...]  # (col, row) of the data bits, in placement order
    mask_rows: tuple[tuple[int, ...], ...]  # per mask pattern: the data modules it flips


def _bits_to_rows(modules: list[list[bool]]) -> list[int]:
    return [int("".join("1" if m else "0" for m in row), 2) for row in modules]


@lru_cache(maxsize=8)
def _template(version: int) -> _QrTemplate:
    """Lay out an empty symbol of ``version`` once with reportlab and keep its parts."""
    qr = qrencoder.QRCode(version, qrencoder.QRErrorCorrectLevel.M)
    qr.dataCache = []
    qr.makeImpl(True, 0)  # data modules then hold mask 0 alone
    n = qr.moduleCount
    positions = tuple(qr.dataPosIterator())
    masks = []
    for k in range(8):
        flips = qrencoder.QRUtil.getMask(k)
        rows = [0] * n
        for col, row in positions:
            if flips(row, col):
                rows[row] |= 1 << (n - 1 - col)
        masks.append(tuple(rows))
    function_rows = tuple(r ^ m for r, m in zip(_bits_to_rows(qr.modules), masks[0], strict=True))
    return _QrTemplate(n, function_rows, positions, tuple(masks))


def _gf_tables() -> tuple[list[int], list[int]]:
    """Exponent and logarithm tables of GF(256) with QR's polynomial x^8+x^4+x^3+x^2+1."""
    exp, log = [0] * 512, [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x <<= 1
        if x & 0x100:
            x ^= 0x11D
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _gf_tables()


@lru_cache(maxsize=32)
def _generator_logs(degree: int) -> tuple[int, ...]:
    """Logs of the Reed-Solomon generator's coefficients (after the leading 1) for ``degree`` EC codewords."""
    poly = [1]
    for i in range(degree):  # multiply by (x - α^i)
        nxt = [0] * (len(poly) + 1)
        for j, c in enumerate(poly):
            nxt[j] ^= c
            if c:
                nxt[j + 1] ^= _EXP[_LOG[c] + i]
        poly = nxt
    return tuple(_LOG[c] for c in poly[1:])


def _ec_codewords(data: list[int], degree: int) -> list[int]:
    """Reed-Solomon error correction codewords of one block (polynomial division remainder)."""
    gen = _generator_logs(degree)
    rem = [0] * degree
    for byte in data:
        factor = byte ^ rem[0]
        rem = [*rem[1:], 0]
        if factor:
            lf = _LOG[factor]
            rem = [r ^ _EXP[g + lf] for r, g in zip(rem, gen, strict=True)]
    return rem


def _codewords(version: int, level: int, data_list: list[Any]) -> list[int]:
    """The interleaved data and EC codewords, as reportlab's ``QRCode.createData`` computes them.

    reportlab builds the generator polynomial anew for every block with list-based polynomials
    (about 5 ms per code); here it is cached per degree and the remainder computed with tables.
    """
    blocks = qrencoder.QRRSBlock.getRSBlocks(version, level)
    buffer = qrencoder.QRBitBuffer()
    for data in data_list:
        data.write(buffer, version)
    capacity = sum(b.dataCount for b in blocks) * 8
    if buffer.getLengthInBits() > capacity:
        raise ValueError(f"QR code overflow ({buffer.getLengthInBits()} > {capacity} bits)")
    if buffer.getLengthInBits() + 4 <= capacity:
        buffer.put(0, 4)
    while buffer.getLengthInBits() % 8:
        buffer.putBit(False)
    pads = itertools.cycle((qrencoder.QRCode.PAD0, qrencoder.QRCode.PAD1))
    while buffer.getLengthInBits() < capacity:
        buffer.put(next(pads), 8)
    dc: list[list[int]] = []
    ec: list[list[int]] = []
    offset = 0
    for block in blocks:
        dc.append(list(buffer.buffer[offset : offset + block.dataCount]))
        offset += block.dataCount
        ec.append(_ec_codewords(dc[-1], block.totalCount - block.dataCount))
    return [
        d
        for group in itertools.chain(itertools.zip_longest(*dc), itertools.zip_longest(*ec))
        for d in group
        if d is not None
    ]


class _QrMatrix(qrencoder.QRCode):  # type: ignore[misc]  # reportlab is untyped
    """reportlab's QR encoder, faster: same codewords, same mask rules, one layout per version.

    reportlab lays each symbol out nine times (eight trial masks and the chosen one) and scores
    the masks with list-heavy code: about 15 ms per code, 360 ms for a sheet of 24 labels. Here
    the data bits are placed once into row bitmasks over a cached template of the version; each
    mask is an XOR, scored on strings with regular expressions.
    """

    def make(self) -> None:
        """Compute ``self.modules`` with the mask pattern of lowest penalty."""
        preset: int | None = self.__dict__.get("version")  # reportlab's attribute, None: smallest that fits
        version: int = self.calculate_version() if preset is None else preset
        self.version = version
        codewords = _codewords(version, self.errorCorrectLevel, self.dataList)
        t = _template(version)
        n = t.size
        rows = list(t.function_rows)
        bits = ((byte >> shift) & 1 for byte in codewords for shift in range(7, -1, -1))
        for (col, row), bit in zip(t.positions, bits, strict=False):
            if bit:
                rows[row] |= 1 << (n - 1 - col)
        candidates = [[r ^ m for r, m in zip(rows, mask, strict=True)] for mask in t.mask_rows]
        scores = [_mask_penalty(c, n) for c in candidates]
        best = scores.index(min(scores))
        self.moduleCount = n
        self.modules = [[bool(r >> (n - 1 - col) & 1) for col in range(n)] for r in candidates[best]]
        self.setupTypeInfo(False, best)
        self.modules[n - 8][8] = True  # the always-dark module (makeImpl's "not test")
        if version >= 7:
            self.setupTypeNumber(False)


def qr_modules(text: str) -> list[list[bool]]:
    """The QR symbol of ``text`` (error correction level M, smallest version), dark modules True."""
    qr = _QrMatrix(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(text)
    qr.make()
    return [[bool(m) for m in row] for row in qr.modules]


def draw_qr(canv: Canvas, text: str, x: float, y: float, size: float, border: int = 2) -> None:
    """Draw the QR code of ``text`` as one filled path, ``size`` wide including a ``border``-module margin."""
    modules = qr_modules(text)
    n = len(modules)
    cell = size / (n + 2 * border)
    path = canv.beginPath()
    for r, row in enumerate(modules):
        top = y + size - (r + border) * cell
        c = 0
        for dark, group in itertools.groupby(row):
            count = len(list(group))
            if dark:
                # 5 % taller rows overlap so no hairline shows between them (as reportlab's widget does)
                path.rect(x + (c + border) * cell, top - cell * 1.05, count * cell, cell * 1.05)
            c += count
    canv.drawPath(path, stroke=0, fill=1)


@dataclass(frozen=True, slots=True)
class LabelLayout:
    """Where things go inside one label, in points from the label's bottom-left corner.

    Attributes:
        width: Label width.
        height: Label height.
        left: Left edge of the content (the side padding).
        content_w: Content width.
        unit_y: Baseline of the unit line (None: the label is too small for it).
        unit_size: Font size of the unit line.
        bar_y: Bottom of the Code128 bars.
        bar_h: Height of the bars.
        qr_x: Left of the QR code.
        qr_y: Bottom of the QR code.
        qr_size: Side of the QR code (including its 2-module border).
        text_x: Left of the text block beside the QR code.
        text_w: Width of the text block.
        text_top: Top of the text block.
        line: Leading of the text block's five lines (code, name, procedure ×2, due date).
        font: Largest font size for the text block.
    """

    width: float
    height: float
    left: float
    content_w: float
    unit_y: float | None
    unit_size: float
    bar_y: float
    bar_h: float
    qr_x: float
    qr_y: float
    qr_size: float
    text_x: float
    text_w: float
    text_top: float
    line: float
    font: float


@lru_cache(maxsize=16)
def layout_for(stock: LabelStock) -> LabelLayout:
    """Compute the layout of one label of ``stock`` (cached: stocks are frozen and few).

    Top to bottom: the issuing unit (small, left out on labels under 20 mm of content height),
    the Code128 across the content width, then the QR code on the left with five text lines on
    its right.
    """
    width, height = stock.label_w_mm * mm, stock.label_h_mm * mm
    pad_x, pad_y = stock.pad_x_mm * mm, stock.pad_y_mm * mm
    content_w, content_h = width - 2 * pad_x, height - 2 * pad_y
    top = height - pad_y
    unit_size = 6.0
    unit_y: float | None = None
    if content_h >= 20 * mm:
        unit_y = top - unit_size * 0.8
        top -= unit_size * 1.25
    bar_h = min(0.27 * content_h, 12 * mm)
    bar_y = top - bar_h
    gap = max(0.03 * content_h, 0.8 * mm)
    rest = bar_y - gap - pad_y
    qr_size = min(rest, 0.32 * content_w, 20 * mm)
    qr_y = pad_y + (rest - qr_size)
    text_x = pad_x + qr_size + 1.5 * mm
    line = rest / 5
    return LabelLayout(
        width=width,
        height=height,
        left=pad_x,
        content_w=content_w,
        unit_y=unit_y,
        unit_size=unit_size,
        bar_y=bar_y,
        bar_h=bar_h,
        qr_x=pad_x,
        qr_y=qr_y,
        qr_size=qr_size,
        text_x=text_x,
        text_w=width - pad_x - text_x,
        text_top=bar_y - gap,
        line=line,
        font=min(9.0, line / 1.18),
    )


def ellipsize(text: str, font: str, size: float, width: float) -> str:
    """Return ``text``, or its longest prefix plus "…" that fits in ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix whose ellipsized form fits
        mid = (lo + hi + 1) // 2
        if stringWidth(text[:mid].rstrip() + ELLIPSIS, font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS if lo else ""


def wrap_lines(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Wrap ``text`` into at most ``max_lines`` lines of ``width``; the last one ellipsized if cut."""
    lines = simpleSplit(text, font, size, width)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], ellipsize(" ".join(lines[max_lines - 1 :]) + ELLIPSIS, font, size, width)]
    # A single word wider than the line is not broken by simpleSplit: cut it too.
    return [ellipsize(line, font, size, width) for line in lines]


def fitting_size(text: str, font: str, size: float, width: float) -> float:
    """Largest font size ≤ ``size`` (in 0.25 pt steps, at least MIN_FONT) at which ``text`` fits."""
    natural = float(stringWidth(text, font, 1.0))
    if natural * size <= width:
        return size
    return max(MIN_FONT, math.floor(width / natural * 4) / 4)


def due_text(label: LabelData) -> str:
    """ "Hẹn trả: 25/11/2026 16:30", or "" without a due date."""
    if label.due_at is None:
        return ""
    return f"Hẹn trả: {label.due_at:%d/%m/%Y %H:%M}"


def check_job(job: LabelPrintJob) -> None:
    """Validate a print job before anything is drawn.

    Raises:
        ValidationError: No labels, a code that cannot be printed as a barcode, a start position
            outside the sheet, calibration offsets out of range or a stock whose labels do not
            fit its page; each message says what to correct.
    """
    errors: dict[str, str] = {}
    if not job.labels:
        errors["labels"] = "Chưa có nhãn nào để in. Hãy chọn hoặc quét ít nhất một hồ sơ."
    for label in job.labels:
        code = nfc(label.dossier_code)
        if not code or len(code) > MAX_CODE_LENGTH or not _CODE_OK.match(code):
            errors["dossier_code"] = (
                f"Mã hồ sơ “{code}” không in được thành mã vạch: mã phải gồm chữ số, chữ cái không dấu, "
                f"dấu chấm hoặc gạch nối, tối đa {MAX_CODE_LENGTH} ký tự. Hãy kiểm tra lại mã hồ sơ."
            )
            break
    stock = job.stock
    errors.update(_stock_errors(stock))
    if stock.per_page > 1 and not 1 <= job.start_position <= stock.per_page:
        errors["start_position"] = (
            f"Vị trí bắt đầu {job.start_position} không có trên tờ nhãn {stock.name}: "
            f"hãy nhập một số từ 1 đến {stock.per_page} (1 là nhãn trên cùng bên trái)."
        )
    for name, value, axis in (("offset_x_mm", job.offset_x_mm, "ngang"), ("offset_y_mm", job.offset_y_mm, "dọc")):
        if not math.isfinite(value) or abs(value) > MAX_OFFSET_MM:
            errors[name] = (
                f"Độ lệch căn chỉnh {axis} {value:g} mm quá lớn: hãy nhập một giá trị từ "
                f"-{MAX_OFFSET_MM:g} đến {MAX_OFFSET_MM:g} mm."
            )
    if errors:
        raise ValidationError(errors)


def _stock_errors(stock: LabelStock) -> dict[str, str]:
    """Geometry problems of a (possibly office-defined) stock."""
    dims = (stock.page_w_mm, stock.page_h_mm, stock.label_w_mm, stock.label_h_mm)
    if stock.columns < 1 or stock.rows < 1 or not all(math.isfinite(d) and d > 0 for d in dims):
        return {"stock": f"Khổ nhãn “{stock.name}” có kích thước không hợp lệ. Hãy sửa khổ nhãn trong Cài đặt."}
    used_w = stock.margin_left_mm + stock.columns * stock.label_w_mm + (stock.columns - 1) * stock.gap_x_mm
    used_h = stock.margin_top_mm + stock.rows * stock.label_h_mm + (stock.rows - 1) * stock.gap_y_mm
    if used_w > stock.page_w_mm + 0.01 or used_h > stock.page_h_mm + 0.01:
        return {
            "stock": f"Các nhãn của khổ “{stock.name}” vượt ra ngoài trang giấy. Hãy sửa lề, khoảng cách hoặc số nhãn."
        }
    if stock.label_w_mm < 30 or stock.label_h_mm < 18:
        return {
            "stock": f"Nhãn của khổ “{stock.name}” quá nhỏ để in mã vạch (tối thiểu 30 × 18 mm). Hãy chọn khổ lớn hơn."
        }
    return {}


def slot_origin(stock: LabelStock, slot: int) -> tuple[float, float]:
    """Bottom-left corner (points, before calibration) of label ``slot`` (0-based) on a page."""
    col, row = slot % stock.columns, slot // stock.columns
    x = (stock.margin_left_mm + col * (stock.label_w_mm + stock.gap_x_mm)) * mm
    top = (stock.page_h_mm - stock.margin_top_mm - row * (stock.label_h_mm + stock.gap_y_mm)) * mm
    return x, top - stock.label_h_mm * mm


def page_slots(job: LabelPrintJob) -> list[list[int]]:
    """The label slots used on each page: the first sheet starts at ``start_position``."""
    per_page = job.stock.per_page
    first = job.start_position - 1 if per_page > 1 else 0
    pages: list[list[int]] = []
    slot = first
    for _ in job.labels:
        if not pages or slot == per_page:
            if pages:
                slot = 0
            pages.append([])
        pages[-1].append(slot)
        slot += 1
    return pages


def _draw_code128(canv: Canvas, code: str, lay: LabelLayout) -> None:
    code = label_barcode_text(code)
    probe = Code128(code, barWidth=1.0, quiet=0, humanReadable=0)
    modules = probe.width
    # Module width: fill the content width, but keep 10 modules of quiet zone inside the label.
    bar_w = min(MAX_MODULE_MM * mm, lay.content_w / modules, lay.width / (modules + 20))
    bars = Code128(code, barWidth=bar_w, barHeight=lay.bar_h, quiet=0, humanReadable=0)
    bars.drawOn(canv, (lay.width - modules * bar_w) / 2, lay.bar_y)


def _draw_text(canv: Canvas, label: LabelData, lay: LabelLayout) -> None:
    x, w, line = lay.text_x, lay.text_w, lay.line
    y = lay.text_top - line * 0.82
    code = nfc(label.dossier_code)
    size = fitting_size(code, SERIF_BOLD, min(lay.font, 8.5), w)
    canv.setFont(SERIF_BOLD, size)
    canv.drawString(x, y, code)
    y -= line
    canv.setFont(SERIF_BOLD, lay.font)
    canv.drawString(x, y, ellipsize(nfc(label.applicant_short), SERIF_BOLD, lay.font, w))
    y -= line
    proc_size = lay.font * 0.88
    canv.setFont(SERIF, proc_size)
    for text in wrap_lines(nfc(label.procedure_short), SERIF, proc_size, w, 2):
        canv.drawString(x, y, text)
        y -= line * 0.9
    due = due_text(label)
    if due:
        size = fitting_size(due, SERIF_BOLD, min(lay.font, 8.5), w)
        canv.setFont(SERIF_BOLD, size)
        canv.drawString(x, lay.qr_y + 0.15 * line, due)


def draw_label(canv: Canvas, label: LabelData, lay: LabelLayout) -> None:
    """Draw one label with its bottom-left corner at the canvas origin."""
    code = nfc(label.dossier_code)
    unit = nfc(label.unit_name)
    if unit and lay.unit_y is not None:
        canv.setFont(SERIF, lay.unit_size)
        canv.drawString(lay.left, lay.unit_y, ellipsize(unit.upper(), SERIF, lay.unit_size, lay.content_w))
    _draw_code128(canv, code, lay)
    draw_qr(canv, code, lay.qr_x, lay.qr_y, lay.qr_size)
    _draw_text(canv, label, lay)


def render(job: LabelPrintJob, out: Output, *, outline: bool = False) -> int:
    """Render the labels of ``job`` to PDF, one page per sheet (or per label on a roll).

    Args:
        job: Labels, stock, calibration offsets and start position.
        out: A file path or a binary file object to write the PDF to.
        outline: Also draw each label's outline (a calibration test print on plain paper).

    Returns:
        The number of pages (sheets) written.

    Raises:
        ValidationError: The job is not printable (see :func:`check_job`).
    """
    check_job(job)
    register_fonts()
    stock = job.stock
    lay = layout_for(stock)
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    canv = Canvas(target, pagesize=(stock.page_w_mm * mm, stock.page_h_mm * mm), initialFontName=SERIF)
    use_fixed_subsets(canv._doc)
    canv.setTitle(f"Nhãn hồ sơ ({len(job.labels)} nhãn, {nfc(stock.name)})")
    canv.setAuthor("MotCua Desk")
    canv.setCreator("MotCua Desk")
    labels = iter(job.labels)
    pages = page_slots(job)
    for slots in pages:
        for slot in slots:
            x, y = slot_origin(stock, slot)
            canv.saveState()
            canv.translate(x + job.offset_x_mm * mm, y - job.offset_y_mm * mm)
            if outline:
                canv.setStrokeColor(colors.Color(0.6, 0.6, 0.6))
                canv.setLineWidth(0.3)
                canv.rect(0, 0, lay.width, lay.height)
            draw_label(canv, next(labels), lay)
            canv.restoreState()
        canv.showPage()
    canv.save()
    return len(pages)


def stock_by_key(key: str, custom: Sequence[LabelStock] = ()) -> LabelStock:
    """The preset or office-defined stock stored under ``key`` in settings.

    Raises:
        ValidationError: No stock has that key.
    """
    for stock in (*custom, *LABEL_STOCKS.values()):
        if stock.key == key:
            return stock
    names = ", ".join(s.name for s in (*LABEL_STOCKS.values(), *custom))
    raise ValidationError({"stock": f"Không có khổ nhãn “{key}”. Hãy chọn một trong các khổ: {names}."})
