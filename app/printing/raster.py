"""Rasterise a rendered PDF into page images (print preview, printing, barcode checks)."""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium


@dataclass(frozen=True, slots=True)
class PageImage:
    """One page as tightly packed 24-bit RGB on white."""

    width: int
    height: int
    rgb: bytes
    width_pt: float
    height_pt: float


def rasterise(pdf: bytes, dpi: float) -> list[PageImage]:
    """Render every page of ``pdf`` at ``dpi`` onto a white background."""
    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            width_pt, height_pt = page.get_size()
            bitmap = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255), rev_byteorder=True)
            # rev_byteorder gives RGB order; stride may pad rows, so repack tightly.
            w, h, stride = bitmap.width, bitmap.height, bitmap.stride
            raw = bytes(bitmap.buffer)
            row = w * 3
            rgb = raw if stride == row else b"".join(raw[y * stride : y * stride + row] for y in range(h))
            pages.append(PageImage(w, h, rgb, width_pt, height_pt))
            page.close()
        return pages
    finally:
        document.close()
