"""An in-process scanner for GUI tests: pages drawn with Pillow, a delay per page, a jam after page N,
cancel honoured. The real devices (SANE, eSCL, folder) are tested in tests/app/scanning."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from app.scanning.model import (
    CancelToken,
    ColorMode,
    DeviceInfo,
    Page,
    PaperSource,
    ScanBackend,
    ScanError,
    ScanErrorKind,
    ScanSettings,
)

DPI = 100
A4 = (827, 1169)  # A4 at 100 dpi
FAKE_DEVICE = DeviceInfo(
    "fake:may-quet-thu",
    "Máy quét thử (giả lập)",
    "fake",
    (PaperSource.FLATBED, PaperSource.FEEDER, PaperSource.FEEDER_DUPLEX),
    (100, 150, 200, 300),
)
_FONT_PATHS = (
    "resources/fonts/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def text_page(title: str, lines: int = 18, size: tuple[int, int] = A4) -> Image.Image:
    """A grey page that looks like a filled-in form: a heading and lines of text."""
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    draw.text((size[0] // 2, 70), "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", fill=0, font=_font(26), anchor="mm")
    draw.text((size[0] // 2, 105), "Độc lập - Tự do - Hạnh phúc", fill=0, font=_font(22), anchor="mm")
    draw.text((size[0] // 2, 190), title, fill=0, font=_font(34), anchor="mm")
    body = _font(18)
    for i in range(lines):
        y = 260 + i * 44
        draw.text((80, y), f"{i + 1}. Nội dung dòng {i + 1}: ", fill=40, font=body)
        draw.line((300, y + 20, size[0] - 80, y + 20), fill=120, width=1)
    return img


def blank_page(size: tuple[int, int] = A4) -> Image.Image:
    """A white sheet with a little scanner noise (a few dark specks)."""
    img = Image.new("L", size, 250)
    draw = ImageDraw.Draw(img)
    for x, y in ((100, 200), (600, 900), (400, 40)):
        draw.point((x, y), fill=90)
    return img


def separator_page(code: str, size: tuple[int, int] = A4, *, cover: bool = True) -> Image.Image:
    """A separator sheet: the dossier code as a QR (with the cover sheet's marker when ``cover``)
    and as text."""
    img = Image.new("L", size, 255)
    text = code
    if cover:
        from app.printing.cover_sheet import cover_marker_text

        text = cover_marker_text(code)
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    qr = Image.fromarray(zxingcpp.write_barcode_to_image(barcode, scale=8)).convert("L")
    img.paste(qr, ((size[0] - qr.width) // 2, 280))
    draw = ImageDraw.Draw(img)
    draw.text((size[0] // 2, 200), "TỜ PHÂN CÁCH HỒ SƠ", fill=0, font=_font(34), anchor="mm")
    draw.text((size[0] // 2, 680), code, fill=0, font=_font(30), anchor="mm")
    return img


@dataclass
class Sheet:
    """One sheet fed to the fake scanner: an image and an origin text."""

    image: Image.Image
    label: str


def sheets(*titles: str) -> list[Sheet]:
    """Text pages with the given titles; "" gives a blank page; "#CODE" a separator for CODE."""
    out = []
    for t in titles:
        if t == "":
            out.append(Sheet(blank_page(), "trang trắng"))
        elif t.startswith("#"):
            out.append(Sheet(separator_page(t[1:]), f"tờ phân cách {t[1:]}"))
        else:
            out.append(Sheet(text_page(t), t))
    return out


@dataclass
class FakeScanner:
    """A ScanBackend delivering ``pages`` from its feeder.

    Args:
        pages: the sheets in the feeder, in order; a new scan starts again from the first.
        delay: seconds per page (waits on the cancel token, so Cancel is prompt).
        jam_after: raise a JAM after delivering this many pages.
        gone: the device is unplugged: scan raises DEVICE_GONE before any page.
    """

    pages: Sequence[Sheet] = ()
    delay: float = 0.0
    jam_after: int | None = None
    gone: bool = False
    name: str = "fake"
    scans: list[ScanSettings] = field(default_factory=list)

    def list_devices(self) -> list[DeviceInfo]:
        return [FAKE_DEVICE]

    def scan(self, device: DeviceInfo, settings: ScanSettings, cancel: CancelToken) -> Iterator[Page]:
        self.scans.append(settings)
        if self.gone:
            raise ScanError(ScanErrorKind.DEVICE_GONE, "Không tìm thấy máy quét. Kiểm tra dây cáp và nguồn điện.")
        for number, sheet in enumerate(self.pages, start=1):
            if cancel.wait(self.delay) if self.delay else cancel.cancelled:
                raise ScanError(ScanErrorKind.CANCELLED, "Đã huỷ quét.")
            if self.jam_after is not None and number > self.jam_after:
                raise ScanError(ScanErrorKind.JAM, "Kẹt giấy trong khay nạp. Gỡ tờ bị kẹt rồi quét tiếp.")
            image = sheet.image
            if settings.color_mode is ColorMode.BW:
                image = image.point(lambda v: 255 if v > 160 else 0).convert("1")
            yield Page(image, DPI, settings.color_mode, origin=f"{device.name} tờ {number} ({sheet.label})")


class FakeDevices:
    """The dialogs' device catalogue (ui.scanning.worker.DeviceCatalog) over fake backends."""

    def __init__(self, backend: ScanBackend, slow_listing: float = 0.0) -> None:
        self.backend = backend
        self._slow = slow_listing

    def list_devices(self) -> list[DeviceInfo]:
        time.sleep(self._slow)
        return self.backend.list_devices()

    def backend_for(self, device: DeviceInfo) -> ScanBackend:
        return self.backend
