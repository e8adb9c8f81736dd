"""Page analysis of scanned batches: blank pages, dossier codes, and splitting a batch into dossiers.

**Blank pages** (:func:`is_blank`): the page is reduced to about 150 dpi (a box average, which
also washes out single-pixel noise), a margin of 8 % on every side is ignored (dark scanner edge
strips, punch holes, staples) together with any dark edge strip reaching further in, and ink is
anything much darker than the paper (less than 60 % of the paper's grey level, so the faint
bleed-through of the back of a printed page is not ink). The content area is cut into cells of
about 8 mm; a cell counts when it holds a connected-looking amount of ink (not a few scattered
specks). A page is blank when fewer than :data:`MIN_INKED_CELLS` cells count: one short
handwritten line or a signature already covers several cells.

**Dossier codes** (:func:`find_dossier_code`, :func:`read_page_codes`): zxing-cpp is told to look
for Code128 and QR only (7–48 ms per page, HARDWARE.md) on a grey copy reduced to about 150 dpi,
first in a quick pass (no 90° turns for Code128, no inverted or downscaled copies: 5–10 ms). A
page where that pass sees no symbol at all, the usual case, is done. When a symbol was seen but
not decoded, the full pass runs, then the full resolution. When a code was read without the
cover marker or a label's Code128, Code128 is looked for again turned by 90° and then turned
upright by the QR code's angle (Code128 fails past ~10° of skew). Every text is put through
:func:`app.domain.scan.classify`, so a label's compact Code128 (``0000100H492611220007``) maps to
the full code. A text :data:`~app.printing.cover_sheet.COVER_PREFIX` + code is the cover sheet's
marker.

**Separator rule** (:func:`analyse_page`, :func:`split_batch`): a page is a separator when a
dossier code is read on it. Its kind says what to do with it:

* ``cover`` (the marker QR code was read): a printed cover sheet; never part of the attachment.
* ``label`` (a label's compact Code128 was read): a folder label page; kept out like a cover.
* ``slip`` (the code was read, without marker or compact Code128: form 01, the receipt slip):
  starts the dossier too, but it is a real document the office may want in the file, so it is
  kept apart in :attr:`BatchGroup.separators` and the review step decides whether to add it.

:func:`split_batch` starts a new group at each separator whose code differs from the current
group's; a separator with the same code (a cover sheet followed by the slip, or the slip's
second copy) joins the current group's separators. Pages before the first separator form a group
with code None. Blank pages stay in their group's ``pages`` with ``page.blank`` set, in scan
order: the review step shows them and leaves them out by default
(:meth:`BatchGroup.content_pages`). A blank page is never a separator (it is not decoded).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import zxingcpp
from numpy.typing import NDArray
from PIL import Image

from app.domain.scan import LABEL_CODE_RE, ScanKind, classify
from app.printing.cover_sheet import COVER_PREFIX
from app.scanning.model import Page

MARGIN_SHARE = 0.08
"""Share of the width (and of the height) ignored on every side by :func:`is_blank`."""
EDGE_BAND_SHARE = 0.18
"""How far in from each side a dark scanner edge strip is looked for."""
INK_RATIO = 0.6
"""Ink is darker than this share of the paper's grey level."""
CELL_MM = 8.0
MIN_CELL_INK = 0.02
"""Share of a cell's pixels that must be ink for the cell to count (an 8 mm cell at 100 dpi has
about 2200 pixels at 150 dpi: 44 dark pixels is a stroke, not a speck)."""
MIN_INKED_CELLS = 3
"""A page with fewer inked cells than this is blank."""
WORK_DPI = 150
"""Blank check and first barcode pass work on a grey copy reduced to about this resolution."""

_FORMATS = zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode])
_CODE128 = zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.Code128])


class SeparatorKind(StrEnum):
    """What kind of separator page a code was read on (see the module docstring)."""

    COVER = "cover"
    LABEL = "label"
    SLIP = "slip"

    @property
    def label(self) -> str:
        return {
            SeparatorKind.COVER: "Tờ phân cách",
            SeparatorKind.LABEL: "Nhãn hồ sơ",
            SeparatorKind.SLIP: "Giấy tiếp nhận (phiếu hẹn)",
        }[self]

    @property
    def kept_out(self) -> bool:
        """Whether the page is left out of the attachment without asking (cover sheet, label)."""
        return self is not SeparatorKind.SLIP


@dataclass(frozen=True, slots=True)
class PageCodes:
    """The dossier code read on a page and the kind of separator it makes."""

    code: str
    kind: SeparatorKind


def _grey(image: Image.Image) -> Image.Image:
    """``image`` as 8-bit grey; transparency painted onto white."""
    if image.mode == "L":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        array = np.asarray(image, dtype=np.float64)
        top = float(array.max()) or 1.0
        return Image.fromarray((array * (255.0 / top)).clip(0, 255).astype(np.uint8), "L")
    return image.convert("L")


def _dpi_of(image: Image.Image, dpi: int | None) -> float:
    """The image's resolution: given, from its metadata, or guessed from an A4 page's size."""
    if dpi:
        return float(dpi)
    info = image.info.get("dpi")
    if isinstance(info, tuple) and info and isinstance(info[0], (int, float)) and info[0] >= 50:
        return float(info[0])
    return max(image.size) / 11.69  # the long side of an A4 page, in inches


def _reduced(grey: Image.Image, dpi: float, target: float) -> tuple[Image.Image, float]:
    factor = max(1, int(dpi / target + 0.25))
    if factor == 1:
        return grey, dpi
    return grey.reduce(factor), dpi / factor


def _edge_strip(dark: NDArray[np.bool_], axis: int, band: int) -> tuple[int, int]:
    """How many lines from each end (along ``axis``) belong to a dark edge strip.

    A strip touches the image's edge (within a few lines) and runs on without a break: a dark
    printed band further in (a row of barcodes) is content, not a strip.
    """
    share = dark.mean(axis=axis)

    def run(values: NDArray[np.float64]) -> int:
        length = 0
        for i in range(min(band, values.size)):
            if values[i] > 0.35:
                length = i + 1
            elif i - length >= 3:
                break
        return length

    return run(share), run(share[::-1])


def ink_cells(image: Image.Image, *, dpi: int | None = None) -> int:
    """How many ~8 mm cells of the page's content area hold ink (see the module docstring)."""
    small, small_dpi = _reduced(_grey(image), _dpi_of(image, dpi), WORK_DPI)
    return _ink_cells(small, small_dpi)


def _ink_cells(small: Image.Image, small_dpi: float) -> int:
    pixels = np.asarray(small, dtype=np.uint8)
    h, w = pixels.shape
    if h < 8 or w < 8:
        return 0
    # Paper level: a bright percentile of the middle of the page (robust to edges and text).
    middle = pixels[h // 4 : h - h // 4, w // 4 : w - w // 4]
    paper = float(np.percentile(middle, 90)) if middle.size else 255.0
    dark = pixels < max(40.0, paper * INK_RATIO)
    # Dark edge strips: lines near a side that are mostly dark are scanner background.
    band_x, band_y = max(1, int(w * EDGE_BAND_SHARE)), max(1, int(h * EDGE_BAND_SHARE))
    left, right = _edge_strip(dark, 0, band_x)
    top, bottom = _edge_strip(dark, 1, band_y)
    mx, my = int(w * MARGIN_SHARE), int(h * MARGIN_SHARE)
    x0, x1 = max(mx, left + 2), w - max(mx, right + 2)
    y0, y1 = max(my, top + 2), h - max(my, bottom + 2)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return 0
    content = dark[y0:y1, x0:x1]
    # Lone dark pixels (noise surviving the reduction) do not count: keep a dark pixel only when
    # a horizontal or vertical neighbour is dark too.
    padded = np.pad(content, 1)
    neighbours = padded[:-2, 1:-1] | padded[2:, 1:-1] | padded[1:-1, :-2] | padded[1:-1, 2:]
    ink = content & neighbours
    cell = max(4, round(small_dpi * CELL_MM / 25.4))
    ch, cw = ink.shape[0] // cell, ink.shape[1] // cell
    if ch == 0 or cw == 0:
        return int(ink.sum() >= MIN_CELL_INK * cell * cell)
    cells = ink[: ch * cell, : cw * cell].reshape(ch, cell, cw, cell).sum(axis=(1, 3))
    return int((cells >= MIN_CELL_INK * cell * cell).sum())


def is_blank(image: Image.Image, *, dpi: int | None = None) -> bool:
    """Whether a scanned page is blank (scanner noise, specks, punch holes and edge strips aside).

    Args:
        image: The page, mode "1", "L" or "RGB" (others are converted).
        dpi: Its resolution, when known (else read from the image or guessed from its size).

    Returns:
        True for a blank page, including the back of a printed page with faint bleed-through;
        False as soon as there is a short handwritten line or a signature.
    """
    try:
        return ink_cells(image, dpi=dpi) < MIN_INKED_CELLS
    except (OSError, ValueError, MemoryError):
        return False  # an unreadable image is kept for the officer to see


def _read(
    grey: Image.Image, formats: zxingcpp.BarcodeFormats = _FORMATS, *, quick: bool = False
) -> tuple[list[Any], bool]:
    """Valid results, and whether some symbol was seen but not decoded.

    ``quick``: no 90° turns for Code128, no inverted or downscaled copies (3–4 times faster).
    """
    try:
        found = zxingcpp.read_barcodes(
            grey,
            formats=formats,
            try_rotate=not quick,
            try_invert=not quick,
            try_downscale=not quick,
            return_errors=True,
        )
    except (RuntimeError, ValueError, TypeError, MemoryError):
        return [], False
    valid = [result for result in found if result.valid]
    return valid, len(valid) < len(found)


def _texts(results: Sequence[Any]) -> list[tuple[str, str]]:
    return [(result.format.name, result.text) for result in results]


def _deskewed_code128(grey: Image.Image, results: Sequence[Any]) -> list[tuple[str, str]]:
    """Code128 read again on ``grey`` turned upright by a QR code's angle (Code128 fails past ~10°)."""
    if any(result.format.name == "Code128" for result in results):
        return []
    angles = [int(result.orientation) for result in results if result.format.name == "QRCode"]
    angle = angles[0] if angles else 0
    if not 3 <= abs(angle) % 90 <= 87:
        return []
    upright = grey.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    found, _ = _read(upright, _CODE128)
    return _texts(found)


def _judge(texts: Sequence[tuple[str, str]]) -> PageCodes | None:
    codes: Counter[str] = Counter()
    cover: str | None = None
    label = False
    for fmt, text in texts:
        marker = text.startswith(COVER_PREFIX)
        scan = classify(text[len(COVER_PREFIX) :] if marker else text)
        if scan.kind is not ScanKind.DOSSIER:
            continue
        codes[scan.value] += 1
        if marker:
            cover = scan.value
        elif fmt == "Code128" and LABEL_CODE_RE.match(text.strip()):
            label = True
    if cover is not None:
        return PageCodes(cover, SeparatorKind.COVER)
    if not codes:
        return None
    code = codes.most_common(1)[0][0]
    return PageCodes(code, SeparatorKind.LABEL if label else SeparatorKind.SLIP)


def _codes(grey: Image.Image, small: Image.Image) -> PageCodes | None:
    # A quick pass first (no 90° turns for Code128, no inverted or downscaled copies): on a page
    # without any symbol, the usual case, nothing more is done.
    results, damaged = _read(small, quick=True)
    if not results and not damaged:
        return None
    if not results:
        results, damaged = _read(small)
        if damaged and small is not grey:
            full, _ = _read(grey)
            if len(full) > len(results):
                results, small = full, grey
    texts = _texts(results)
    found = _judge(texts)
    if found is not None and found.kind is SeparatorKind.SLIP:
        # A label's compact Code128 may be turned 90° or skewed: look again before calling it a slip.
        turned, _ = _read(small, _CODE128)
        texts += _texts(turned)
        found = _judge(texts) or found
        if found.kind is SeparatorKind.SLIP:
            found = _judge(texts + _deskewed_code128(small, results)) or found
    return found


def read_page_codes(image: Image.Image, *, dpi: int | None = None) -> PageCodes | None:
    """The dossier code on a page and what kind of separator it is; None when there is none.

    See the module docstring for the passes. Never raises.
    """
    try:
        grey = _grey(image)
        small, _ = _reduced(grey, _dpi_of(image, dpi), WORK_DPI)
        return _codes(grey, small)
    except (OSError, ValueError, MemoryError):
        return None


def find_dossier_code(image: Image.Image, *, dpi: int | None = None) -> str | None:
    """The canonical dossier code printed on a page (slip, label or cover sheet), or None.

    Args:
        image: The page in any mode and orientation (0/90/180/270° and small skew).
        dpi: Its resolution, when known.

    Returns:
        The code as :func:`app.domain.scan.classify` normalises it. Never raises.
    """
    found = read_page_codes(image, dpi=dpi)
    return found.code if found else None


def analyse_page(page: Page) -> None:
    """Set ``page.blank`` and ``page.separator_code`` (and ``page.meta["separator_kind"]``).

    One grey copy at about 150 dpi serves both the blank check and the first barcode pass.
    Never raises: an image that cannot be read is kept as a page with content and no code.
    """
    page.separator_code = None
    page.meta.pop("separator_kind", None)
    try:
        grey = _grey(page.image)
        small, small_dpi = _reduced(grey, _dpi_of(page.image, page.dpi), WORK_DPI)
        page.blank = _ink_cells(small, small_dpi) < MIN_INKED_CELLS
        found = None if page.blank else _codes(grey, small)
    except (OSError, ValueError, MemoryError):
        page.blank, found = False, None
    if found is not None:
        page.separator_code = found.code
        page.meta["separator_kind"] = str(found.kind)


def separator_kind(page: Page) -> SeparatorKind | None:
    """The kind of separator ``page`` is (after :func:`analyse_page`), or None."""
    if page.separator_code is None:
        return None
    try:
        return SeparatorKind(str(page.meta.get("separator_kind", SeparatorKind.SLIP)))
    except ValueError:
        return SeparatorKind.SLIP


@dataclass
class BatchGroup:
    """One dossier's share of a batch.

    Attributes:
        code: The dossier code of the group's separator, None for pages before the first one.
        pages: The dossier's pages in scan order, blank ones included (``page.blank``).
        separators: The separator pages that started or joined the group (cover sheet, label,
            slip); see :func:`separator_kind`.
    """

    code: str | None
    pages: list[Page] = field(default_factory=list)
    separators: list[Page] = field(default_factory=list)

    def content_pages(self) -> list[Page]:
        """The pages to attach by default: not blank."""
        return [page for page in self.pages if not page.blank]


def split_batch(pages: Sequence[Page]) -> list[BatchGroup]:
    """Split analysed pages (see :func:`analyse_page`) into one group per dossier.

    Pages not analysed yet (``page.blank is None``) are analysed here. Rule: the module docstring.
    """
    groups: list[BatchGroup] = []
    current: BatchGroup | None = None
    for page in pages:
        if page.blank is None:
            analyse_page(page)
        code = page.separator_code
        if code is not None:
            if current is None or current.code != code:
                current = BatchGroup(code)
                groups.append(current)
            current.separators.append(page)
            continue
        if current is None:
            current = BatchGroup(None)
            groups.append(current)
        current.pages.append(page)
    return groups
