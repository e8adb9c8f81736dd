"""Test helpers for PDFs: per-page text (pypdf) and decoded barcodes (pypdfium2 + zxing-cpp)."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image
from pypdf import PdfReader


def pdf_text(data: bytes) -> list[str]:
    """Return the extracted text of each page of the PDF ``data``."""
    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages]


def render_pages(data: bytes, dpi: int = 200) -> list[Image.Image]:
    """Rasterise each page at ``dpi``, painted onto white (RGB)."""
    pdf = pdfium.PdfDocument(data)
    try:
        images = []
        for page in pdf:
            bitmap = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255))
            image = bitmap.to_pil().convert("RGBA")
            white = Image.new("RGBA", image.size, (255, 255, 255, 255))
            images.append(Image.alpha_composite(white, image).convert("RGB"))
            page.close()
        return images
    finally:
        pdf.close()


def decode_barcodes(data: bytes, dpi: int = 200) -> list[list[tuple[str, str]]]:
    """Decode the Code128 and QR codes of each page: a list of (format name, text) per page."""
    formats = [zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode]
    out: list[list[tuple[str, str]]] = []
    for image in render_pages(data, dpi):
        found = zxingcpp.read_barcodes(image, formats=formats)
        out.append(sorted((result.format.name, result.text) for result in found))
    return out
