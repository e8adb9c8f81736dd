"""Scanned pages to PDF: one document per required paper, small, lossless where it can be, reproducible.

* A black-and-white page (image mode "1", or colour mode BW) is stored as CCITT Group 4 (lone
  black pixels, scanner noise, removed first at 200 dpi and more): Pillow writes a one-strip G4
  TIFF and its data goes into the PDF unchanged (``/CCITTFaxDecode``), as img2pdf does. A grey
  image in BW mode is binarised first with Otsu's threshold on its histogram (kept between 64
  and 192, so a page of bare paper does not turn half black).
* A grey or colour page is stored as JPEG (quality :data:`JPEG_QUALITY`, ``/DCTDecode``).
* The page size comes from the image's resolution (A4 at 300 dpi gives 210 × 297 mm).
* ``page.rotation`` (clockwise) turns the pixels of an image page; an imported PDF page is copied
  unchanged from its file with pikepdf, and the rotation is added to its ``/Rotate``.
* The file has no dates and a fixed ``/ID`` derived from its content: the same pages give the
  same bytes, so the SHA-256 content address of an attachment is stable.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image, TiffImagePlugin

from app.scanning.model import CancelToken, ColorMode, Page, ScanError, ScanErrorKind

JPEG_QUALITY = 72
DEFAULT_DPI = 300
OTSU_MIN, OTSU_MAX = 64, 192


@dataclass(frozen=True)
class ComposedDocument:
    """One PDF made of scanned pages.

    Attributes:
        name: The document's name (e.g. the required paper's name).
        requirement_index: Index of the procedure's required paper it stands for, None if none.
        pdf: The PDF bytes.
        pages: Its page count.
    """

    name: str
    requirement_index: int | None
    pdf: bytes
    pages: int


def otsu_threshold(grey: Image.Image) -> int:
    """Otsu's threshold of an 8-bit grey image, kept between 64 and 192."""
    hist = np.asarray(grey.histogram()[:256], dtype=np.float64)
    total = hist.sum()
    if total <= 0:
        return 128
    levels = np.arange(256, dtype=np.float64)
    weight_dark = np.cumsum(hist)
    weight_bright = total - weight_dark
    sum_dark = np.cumsum(hist * levels)
    mean_dark = sum_dark / np.maximum(weight_dark, 1)
    mean_bright = (sum_dark[-1] - sum_dark) / np.maximum(weight_bright, 1)
    between = weight_dark * weight_bright * (mean_dark - mean_bright) ** 2
    threshold = int(np.argmax(between))
    return min(OTSU_MAX, max(OTSU_MIN, threshold))


def binarise(image: Image.Image) -> Image.Image:
    """``image`` as 1-bit black and white (Otsu on its grey levels); a "1" image is returned as is."""
    if image.mode == "1":
        return image
    grey = image if image.mode == "L" else image.convert("L")
    threshold = otsu_threshold(grey)
    return grey.point([255 if v > threshold else 0 for v in range(256)], mode="1")


def despeckle(image: Image.Image) -> Image.Image:
    """A 1-bit ``image`` without isolated black pixels (no black neighbour up, down, left or right).

    At 200 dpi and more a lone pixel is scanner noise, never print or handwriting, and each one
    costs G4 several bits: a noisy page shrinks by a quarter. (On one byte per pixel: Pillow
    packs and unpacks 1-bit rows slower than numpy works on the unpacked array.)
    """
    black = ~np.asarray(image)
    padded = np.pad(black, 1)
    neighbours = padded[:-2, 1:-1] | padded[2:, 1:-1] | padded[1:-1, :-2] | padded[1:-1, 2:]
    return Image.fromarray(~(black & neighbours))


_TRANSPOSE = {
    90: Image.Transpose.ROTATE_270,  # PIL turns counter-clockwise; page.rotation is clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def _rotation(page: Page) -> int:
    return (int(page.rotation) // 90 * 90) % 360


def _prepared(page: Page) -> tuple[Image.Image, bool]:
    """The page's image, turned and in the mode it is stored in; True for G4, False for JPEG."""
    image = page.image
    bw = image.mode == "1" or page.color_mode is ColorMode.BW
    if bw:
        image = binarise(image)
        if page.dpi >= 200:
            image = despeckle(image)
    elif page.color_mode is ColorMode.GRAY or image.mode in ("L", "LA", "I", "I;16", "F"):
        image = image.convert("L")
    else:
        image = image.convert("RGB")
    turn = _TRANSPOSE.get(_rotation(page))
    if turn is not None:
        image = image.transpose(turn)
    return image, bw


def _g4_stream(pdf: pikepdf.Pdf, image: Image.Image, dpi: int) -> pikepdf.Stream:
    """The 1-bit ``image`` as a CCITT G4 image XObject (Pillow's G4 TIFF data, not re-encoded)."""
    encoded = io.BytesIO()
    # One strip: its data is exactly the G4 stream a PDF holds.
    image.save(encoded, format="TIFF", compression="group4", dpi=(dpi, dpi), strip_size=1 << 30)
    tiff = Image.open(encoded)
    assert isinstance(tiff, TiffImagePlugin.TiffImageFile)
    tags = tiff.tag_v2
    offsets, counts = tags.get(TiffImagePlugin.STRIPOFFSETS), tags.get(TiffImagePlugin.STRIPBYTECOUNTS)
    width, height = image.size
    if offsets is None or counts is None or len(offsets) != 1 or len(counts) != 1 or tags.get(266, 1) != 1:
        # Not one MSB-first strip (never seen with Pillow): store the bits losslessly with Flate.
        bits = image.tobytes()
        return pikepdf.Stream(
            pdf,
            zlib.compress(bits, 6),
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Image,
            Width=width,
            Height=height,
            ColorSpace=pikepdf.Name.DeviceGray,
            BitsPerComponent=1,
            Filter=pikepdf.Name.FlateDecode,
        )
    data = encoded.getvalue()[offsets[0] : offsets[0] + counts[0]]
    black_is_1 = tags.get(TiffImagePlugin.PHOTOMETRIC_INTERPRETATION, 0) == 1
    stream = pikepdf.Stream(pdf, data)
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width = width
    stream.Height = height
    stream.ColorSpace = pikepdf.Name.DeviceGray
    stream.BitsPerComponent = 1
    stream.Filter = pikepdf.Array([pikepdf.Name.CCITTFaxDecode])
    stream.DecodeParms = pikepdf.Array([pikepdf.Dictionary(K=-1, Columns=width, Rows=height, BlackIs1=black_is_1)])
    return stream


def _jpeg_stream(pdf: pikepdf.Pdf, image: Image.Image, dpi: int) -> pikepdf.Stream:
    """The grey or RGB ``image`` as a JPEG image XObject."""
    encoded = io.BytesIO()
    image.save(encoded, format="JPEG", quality=JPEG_QUALITY, optimize=True, dpi=(dpi, dpi))
    stream = pikepdf.Stream(pdf, encoded.getvalue())
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width, stream.Height = image.size
    stream.ColorSpace = pikepdf.Name.DeviceGray if image.mode == "L" else pikepdf.Name.DeviceRGB
    stream.BitsPerComponent = 8
    stream.Filter = pikepdf.Name.DCTDecode
    return stream


def add_image_page(pdf: pikepdf.Pdf, page: Page) -> None:
    """Append ``page`` (an image page) to ``pdf``: G4 or JPEG, sized by its resolution."""
    dpi = page.dpi if 50 <= page.dpi <= 2400 else DEFAULT_DPI
    image, bw = _prepared(page)
    xobject = _g4_stream(pdf, image, dpi) if bw else _jpeg_stream(pdf, image, dpi)
    width_pt = round(image.size[0] * 72 / dpi, 3)
    height_pt = round(image.size[1] * 72 / dpi, 3)
    content = f"q {width_pt} 0 0 {height_pt} 0 0 cm /Im0 Do Q".encode("ascii")
    new = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=pikepdf.Array([0, 0, width_pt, height_pt]),
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject)),
        Contents=pikepdf.Stream(pdf, content),
    )
    pdf.pages.append(pikepdf.Page(pdf.make_indirect(new)))


def _inherited(obj: pikepdf.Dictionary, key: str) -> pikepdf.Object | None:
    """A page attribute, looked up through the page tree (``/Rotate``, ``/MediaBox`` … inherit)."""
    node: pikepdf.Dictionary | None = obj
    for _ in range(64):  # a malformed tree may loop
        if node is None:
            return None
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent if isinstance(parent, pikepdf.Dictionary) else None
    return None


def _rotate_of(page: pikepdf.Page) -> int:
    """The page's own or inherited ``/Rotate`` (0 when missing or malformed)."""
    value = _inherited(page.obj, "/Rotate")
    try:
        return (int(value) // 90 * 90) % 360 if value is not None else 0
    except (TypeError, ValueError):
        return 0


class _Sources:
    """Imported PDFs opened once each, kept open until the output is saved."""

    def __init__(self) -> None:
        self._open: dict[Path, pikepdf.Pdf] = {}

    def page(self, path: Path, index: int) -> pikepdf.Page:
        pdf = self._open.get(path)
        if pdf is None:
            try:
                pdf = pikepdf.open(path)
            except pikepdf.PasswordError as exc:
                raise ScanError(
                    ScanErrorKind.CORRUPT_FILE,
                    f"Tệp “{path.name}” có mật khẩu nên không chép được trang. Hãy nhập bản không đặt mật khẩu.",
                    str(exc),
                ) from exc
            except (OSError, pikepdf.PdfError) as exc:
                raise ScanError(
                    ScanErrorKind.CORRUPT_FILE,
                    f"Không mở được tệp “{path.name}” (tệp đã bị xoá, di chuyển hoặc bị hỏng). Hãy nhập lại tệp.",
                    str(exc),
                ) from exc
            self._open[path] = pdf
        if not 0 <= index < len(pdf.pages):
            raise ScanError(
                ScanErrorKind.CORRUPT_FILE,
                f"Tệp “{path.name}” không còn trang {index + 1} (tệp đã thay đổi sau khi nhập). Hãy nhập lại tệp.",
            )
        return pdf.pages[index]

    def close(self) -> None:
        for pdf in self._open.values():
            pdf.close()
        self._open.clear()


def _cancelled() -> ScanError:
    return ScanError(ScanErrorKind.CANCELLED, "Đã huỷ việc tạo tệp PDF.")


def _compose(pages: Sequence[Page], cancel: CancelToken | None, on_page: Callable[[], None] | None) -> bytes:
    if not pages:
        raise ScanError(ScanErrorKind.OTHER, "Không có trang nào để tạo tệp PDF. Hãy quét hoặc chọn ít nhất một trang.")
    out = pikepdf.new()
    sources = _Sources()
    try:
        for page in pages:
            if cancel is not None and cancel.cancelled:
                raise _cancelled()
            if page.pdf_page is not None:
                source = sources.page(Path(page.pdf_page.path), page.pdf_page.index)
                rotate = _rotate_of(source)
                media_box = _inherited(source.obj, "/MediaBox")
                resources = _inherited(source.obj, "/Resources")
                out.pages.append(source)
                copied = out.pages[-1]
                if "/MediaBox" not in copied.obj and media_box is not None:
                    copied.obj.MediaBox = out.copy_foreign(media_box)
                if "/Resources" not in copied.obj and resources is not None:
                    copied.obj.Resources = out.copy_foreign(resources)
                turned = (rotate + _rotation(page)) % 360
                if turned or "/Rotate" in copied.obj:
                    copied.obj.Rotate = turned
            else:
                try:
                    add_image_page(out, page)
                except (OSError, ValueError) as exc:
                    raise ScanError(
                        ScanErrorKind.OTHER,
                        f"Không ghi được trang {page.origin or ''} vào tệp PDF (ảnh hỏng). Hãy quét lại trang này.",
                        repr(exc),
                    ) from exc
            if on_page is not None:
                on_page()
        if cancel is not None and cancel.cancelled:
            raise _cancelled()
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True, fix_metadata_version=False)
        return buffer.getvalue()
    finally:
        sources.close()
        out.close()


def compose_pdf(pages: Sequence[Page]) -> bytes:
    """One PDF of ``pages`` in order (see the module docstring for how each page is stored).

    Raises:
        ScanError: No pages (OTHER), an imported file gone or changed (CORRUPT_FILE), an image
            that cannot be encoded (OTHER); the message is Vietnamese.
    """
    return _compose(pages, None, None)


def compose_documents(
    parts: Sequence[tuple[str, int | None, Sequence[Page]]],
    *,
    cancel: CancelToken | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[ComposedDocument]:
    """One PDF per part: ``(name, requirement_index, pages)``.

    Args:
        parts: The documents to make, in order.
        cancel: Checked before every page.
        progress: Called after every page with (pages done, pages in all parts).

    Raises:
        ScanError: CANCELLED when ``cancel`` was set, or as :func:`compose_pdf`.
    """
    total = sum(len(pages) for _, _, pages in parts)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    documents: list[ComposedDocument] = []
    for name, requirement_index, pages in parts:
        if not pages:
            raise ScanError(
                ScanErrorKind.OTHER, f"Giấy tờ “{name}” chưa có trang nào. Hãy thêm trang hoặc bỏ giấy tờ này ra."
            )
        pdf = _compose(pages, cancel, step)
        documents.append(ComposedDocument(name, requirement_index, pdf, len(pages)))
    return documents
