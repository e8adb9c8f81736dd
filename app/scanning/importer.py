"""Import PDF and image files (PNG, JPEG, TIFF incl. multi-page, BMP) as pages.

PDF pages keep a reference to the original page (output copies it unchanged) and carry a grey
rendering for thumbnails and barcode detection. A file that cannot be read raises ScanError
CORRUPT_FILE naming the file, in Vietnamese.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError

from app.scanning.devices import scan_error
from app.scanning.model import CancelToken, ColorMode, Page, PdfPageRef, ScanError, ScanErrorKind

PDF_SUFFIXES = frozenset({".pdf"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})
SUPPORTED_SUFFIXES = PDF_SUFFIXES | IMAGE_SUFFIXES
DEFAULT_IMAGE_DPI = 200
WHITE = (255, 255, 255, 255)


def _corrupt(path: Path, why: str, detail: str = "") -> ScanError:
    return scan_error(
        ScanErrorKind.CORRUPT_FILE,
        f"{path}: {detail or why}",
        f"Không nhập được tệp «{path.name}»: {why}. Kiểm tra lại tệp hoặc quét lại giấy tờ.",
    )


def _check_file(path: Path) -> None:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise scan_error(
            ScanErrorKind.UNSUPPORTED,
            f"{path}: suffix {path.suffix!r}",
            f"Không nhập được tệp «{path.name}»: chỉ nhận tệp PDF, PNG, JPEG, TIFF hoặc BMP.",
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _corrupt(path, "không mở được tệp (tệp đã bị xoá hoặc không có quyền đọc)", str(exc)) from exc
    if size == 0:
        raise _corrupt(path, "tệp rỗng (0 byte)")


def _open_pdf(path: Path) -> pdfium.PdfDocument:
    _check_file(path)
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise _corrupt(path, "tệp PDF có mật khẩu; hãy mở khoá tệp rồi nhập lại", str(exc)) from exc
        if _pdf_without_pages(path):  # PDFium refuses such a file like a broken one
            raise _corrupt(path, "tệp PDF không có trang nào", str(exc)) from exc
        raise _corrupt(path, "tệp PDF bị hỏng hoặc không phải PDF", str(exc)) from exc
    except OSError as exc:
        raise _corrupt(path, "không đọc được tệp", str(exc)) from exc
    if len(document) == 0:
        document.close()
        raise _corrupt(path, "tệp PDF không có trang nào")
    return document


def _pdf_without_pages(path: Path) -> bool:
    """True for a well-formed PDF with no page (PDFium's error code for it is not reliable)."""
    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages) == 0
    except (pikepdf.PdfError, OSError, ValueError):
        return False


def _open_image(path: Path) -> Image.Image:
    _check_file(path)
    try:
        image = Image.open(path)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _corrupt(path, "tệp ảnh bị hỏng hoặc không đúng định dạng", str(exc)) from exc
    try:
        image.load()  # reads the first frame: a truncated file fails here, not later
    except (OSError, SyntaxError, ValueError) as exc:
        image.close()
        raise _corrupt(path, "tệp ảnh bị hỏng hoặc không đúng định dạng", str(exc)) from exc
    return image


def _is_pdf(path: Path) -> bool:
    return path.suffix.lower() in PDF_SUFFIXES


def count_pages(paths: Sequence[Path]) -> int:
    """Total number of pages in ``paths``.

    Raises:
        ScanError: CORRUPT_FILE (or UNSUPPORTED) naming the first file that cannot be read.
    """
    total = 0
    for path in paths:
        if _is_pdf(path):
            document = _open_pdf(path)
            total += len(document)
            document.close()
        else:
            with _open_image(path) as image:
                total += getattr(image, "n_frames", 1)
    return total


def import_files(paths: Sequence[Path], cancel: CancelToken, *, dpi: int = 150) -> Iterator[Page]:
    """Yield every page of ``paths`` in order.

    Args:
        paths: PDF and image files.
        cancel: checked between pages.
        dpi: resolution of the grey rendering of PDF pages.

    Raises:
        ScanError: CORRUPT_FILE naming the file; CANCELLED when ``cancel`` was set.
    """
    for path in paths:
        pages = _pdf_pages(path, dpi) if _is_pdf(path) else _image_pages(path)
        for page in pages:
            if cancel.cancelled:
                raise scan_error(ScanErrorKind.CANCELLED, f"import cancelled at {path}")
            yield page


def _pdf_pages(path: Path, dpi: int) -> Iterator[Page]:
    document = _open_pdf(path)
    try:
        for index in range(len(document)):
            yield Page(
                render_pdf_page(document, index, dpi, path),
                dpi,
                ColorMode.GRAY,
                origin=f"nhập tệp {path.name} trang {index + 1}",
                pdf_page=PdfPageRef(path, index),
            )
    finally:
        document.close()


def render_pdf_page(document: pdfium.PdfDocument, index: int, dpi: int, path: Path) -> Image.Image:
    """Page ``index`` rendered grey ("L") at ``dpi`` on white (transparent areas become white)."""
    try:
        page = document[index]
        try:
            bitmap = page.render(scale=dpi / 72, grayscale=True, fill_color=WHITE, may_draw_forms=True)
            image: Image.Image = bitmap.to_pil()
        finally:
            page.close()
    except pdfium.PdfiumError as exc:
        raise _corrupt(path, f"trang {index + 1} bị hỏng", str(exc)) from exc
    return image if image.mode == "L" else image.convert("L")


def _image_pages(path: Path) -> Iterator[Page]:
    image = _open_image(path)
    try:
        frames = getattr(image, "n_frames", 1)
        for index in range(frames):
            try:
                image.seek(index)
                pixels, mode = page_pixels(image)
            except (OSError, ValueError, EOFError) as exc:
                raise _corrupt(path, f"trang {index + 1} bị hỏng", str(exc)) from exc
            origin = f"nhập tệp {path.name}" + (f" trang {index + 1}" if frames > 1 else "")
            yield Page(pixels, image_dpi(image), mode, origin=origin)
    finally:
        image.close()


def page_pixels(image: Image.Image) -> tuple[Image.Image, ColorMode]:
    """A detached copy of the current frame in a page mode ("1", "L" or "RGB") and its colour mode."""
    if image.mode == "1":
        return image.copy(), ColorMode.BW
    if image.mode.startswith(("I", "F")):  # 16-bit or float grey
        return image.convert("I").point(lambda v: v / 256).convert("L"), ColorMode.GRAY
    if image.mode in ("L", "LA"):
        return _on_white(image).convert("L"), ColorMode.GRAY
    return _on_white(image).convert("RGB"), ColorMode.COLOR


def _on_white(image: Image.Image) -> Image.Image:
    """Transparent pixels painted on white (a PNG with alpha would otherwise turn black)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, WHITE)
        background.alpha_composite(rgba)
        return background
    return image


def image_dpi(image: Image.Image) -> int:
    """Resolution stored in the file, or DEFAULT_IMAGE_DPI when missing or absurd."""
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        value = 0
    return value if 50 <= value <= 2400 else DEFAULT_IMAGE_DPI
