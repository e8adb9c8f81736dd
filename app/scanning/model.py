"""Shared types of the scanning pipeline (issue 5): devices produce pages, processing flags and
splits them, output turns them into one PDF per required document.

No Qt here. Pages carry a Pillow image (the pixels as scanned or rendered) and, for pages that
came from an imported PDF, a reference to the original page so output can copy it unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from PIL import Image


class ColorMode(StrEnum):
    """Colour mode of a scan; decides the compression of the page in the PDF."""

    BW = "bw"  # 1-bit: CCITT G4
    GRAY = "gray"  # JPEG
    COLOR = "color"  # JPEG

    @property
    def label(self) -> str:
        return {ColorMode.BW: "Đen trắng", ColorMode.GRAY: "Xám", ColorMode.COLOR: "Màu"}[self]


class PaperSource(StrEnum):
    FLATBED = "flatbed"
    FEEDER = "feeder"  # ADF, one side
    FEEDER_DUPLEX = "duplex"  # ADF, both sides

    @property
    def label(self) -> str:
        return {
            PaperSource.FLATBED: "Mặt kính",
            PaperSource.FEEDER: "Khay nạp giấy (một mặt)",
            PaperSource.FEEDER_DUPLEX: "Khay nạp giấy (hai mặt)",
        }[self]


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """What to ask the device for."""

    resolution: int = 300
    color_mode: ColorMode = ColorMode.BW
    source: PaperSource = PaperSource.FEEDER

    def to_json(self) -> dict[str, object]:
        return {"resolution": self.resolution, "color_mode": str(self.color_mode), "source": str(self.source)}

    @staticmethod
    def from_json(data: dict[str, object]) -> ScanSettings:
        """Tolerant: unknown or bad values fall back to the defaults."""
        try:
            resolution = int(data.get("resolution", 300))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            resolution = 300
        if not 75 <= resolution <= 1200:
            resolution = 300
        try:
            mode = ColorMode(str(data.get("color_mode", "bw")))
        except ValueError:
            mode = ColorMode.BW
        try:
            source = PaperSource(str(data.get("source", "feeder")))
        except ValueError:
            source = PaperSource.FEEDER
        return ScanSettings(resolution, mode, source)


@dataclass(frozen=True, slots=True)
class ScanProfile:
    """A named set of settings for one device, e.g. "Đen trắng 300 dpi hai mặt"."""

    name: str
    device_id: str
    settings: ScanSettings


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A scanner (or folder) the counter can scan from.

    ``id`` is stable across runs, prefixed by the backend: ``sane:test:0``, ``escl:http://…``,
    ``twain:<name>``, ``folder:/path``.
    """

    id: str
    name: str
    backend: str
    sources: tuple[PaperSource, ...] = (PaperSource.FLATBED,)
    resolutions: tuple[int, ...] = (150, 200, 300)
    color_modes: tuple[ColorMode, ...] = (ColorMode.BW, ColorMode.GRAY, ColorMode.COLOR)


class ScanErrorKind(StrEnum):
    JAM = "jam"
    NO_PAPER = "no_paper"
    DEVICE_GONE = "device_gone"
    BUSY = "busy"
    CANCELLED = "cancelled"
    CORRUPT_FILE = "corrupt_file"
    UNSUPPORTED = "unsupported"
    OTHER = "other"


class ScanError(Exception):
    """A scan or import that could not finish. ``message`` is Vietnamese, for the officer:
    what went wrong and what to do. Pages delivered before the error stay valid."""

    def __init__(self, kind: ScanErrorKind, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail  # technical detail for the log


class CancelToken:
    """Set from the UI thread; checked by backends between pages and while waiting."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when cancelled meanwhile."""
        return self._event.wait(seconds)


@dataclass(frozen=True, slots=True)
class PdfPageRef:
    """An original page of an imported PDF, copied unchanged into the output when possible."""

    path: Path
    index: int  # 0-based


@dataclass(slots=True)
class Page:
    """One page image as it arrived. ``image`` mode: "1" (B/W), "L" (grey) or "RGB" (colour)."""

    image: Image.Image
    dpi: int
    color_mode: ColorMode
    origin: str = ""  # e.g. "sane:test:0 tờ 3 mặt trước", "nhập tệp a.pdf trang 2"
    pdf_page: PdfPageRef | None = None
    rotation: int = 0  # degrees clockwise (0/90/180/270) still to apply to ``image``/``pdf_page`` on output
    # Filled by processing (app/scanning/analysis): blank flag, separator dossier code.
    blank: bool | None = None
    separator_code: str | None = None
    meta: dict[str, object] = field(default_factory=dict)


class ScanBackend(Protocol):
    """One kind of device (SANE, eSCL, TWAIN, watched folder)."""

    name: str

    def list_devices(self) -> list[DeviceInfo]: ...

    def scan(self, device: DeviceInfo, settings: ScanSettings, cancel: CancelToken) -> Iterator[Page]:
        """Yield pages as they arrive. Raises ScanError (kind CANCELLED when ``cancel`` was set)."""
        ...
