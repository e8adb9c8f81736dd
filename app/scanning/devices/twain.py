"""TWAIN scanners on Windows through pytwain (imported inside functions: it only works on Windows).

pytwain's ``Source.acquire_natively`` blocks and calls back once per page, and TWAIN wants the
whole session (source manager, source, transfers) on one thread, so a worker thread runs the
session and hands pages over a queue; the generator yields them as they come. Cancel sets a flag
that the per-page callback turns into pytwain's ``CancelAll``.
"""

from __future__ import annotations

import logging
import os
import queue
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from PIL import Image

from app.scanning.devices import scan_error, to_mode
from app.scanning.model import (
    CancelToken,
    ColorMode,
    DeviceInfo,
    Page,
    PaperSource,
    ScanError,
    ScanErrorKind,
    ScanSettings,
)

log = logging.getLogger(__name__)

DOUBLE_FEED_MESSAGE = "Máy quét kéo nhiều tờ cùng lúc. Gỡ các tờ ra, xếp lại cho thẳng rồi bấm Quét tiếp."
# pytwain exception class name -> (kind, message or None for the standard one)
_ERRORS: dict[str, tuple[ScanErrorKind, str | None]] = {
    "PaperJam": (ScanErrorKind.JAM, None),
    "PaperDoubleFeedError": (ScanErrorKind.JAM, DOUBLE_FEED_MESSAGE),
    "DSTransferCancelled": (ScanErrorKind.CANCELLED, None),
    "CheckDeviceOnlineError": (ScanErrorKind.DEVICE_GONE, None),
    "NoDataSourceError": (ScanErrorKind.DEVICE_GONE, None),
    "SMOpenFailed": (ScanErrorKind.DEVICE_GONE, None),
    "MaxConnectionsError": (ScanErrorKind.BUSY, None),
    "DeniedError": (ScanErrorKind.BUSY, None),
    "SMLoadFileFailed": (
        ScanErrorKind.UNSUPPORTED,
        "Máy tính chưa cài trình điều khiển TWAIN của máy quét. Cài phần mềm đi kèm máy quét rồi thử lại.",
    ),
}
_OPTIONAL_CAP_ERRORS = ("CapUnsupported", "BadCapability", "CheckStatus", "CapBadOperation", "CapSeqError")


def import_twain() -> ModuleType:
    """The pytwain module.

    Raises:
        ScanError: UNSUPPORTED when pytwain is missing.
    """
    try:
        import twain  # Windows only (pytwain)
    except ImportError as exc:
        raise scan_error(
            ScanErrorKind.UNSUPPORTED, f"pytwain: {exc}", "Máy quét TWAIN chỉ dùng được trên Windows có cài pytwain."
        ) from exc
    module: ModuleType = twain
    return module


def twain_error(exc: BaseException) -> ScanError:
    """The ScanError for an exception raised by pytwain (matched by class name across versions)."""
    if isinstance(exc, ScanError):
        return exc
    name = type(exc).__name__
    kind, message = _ERRORS.get(name, (ScanErrorKind.OTHER, None))
    if kind is ScanErrorKind.OTHER:
        log.error("TWAIN error %s", name, exc_info=exc)
    return scan_error(kind, f"TWAIN {name}: {exc}", message)


def _set(twain: ModuleType, source: Any, cap: str, type_name: str, value: object, *, required: bool) -> None:
    constants = twain.constants
    try:
        source.set_capability(getattr(constants, cap), getattr(constants, type_name), value)
    except Exception as exc:
        if type(exc).__name__ not in _OPTIONAL_CAP_ERRORS:
            raise
        if required:
            raise scan_error(
                ScanErrorKind.UNSUPPORTED,
                f"TWAIN {cap}={value}: {type(exc).__name__}",
                "Máy quét không hỗ trợ nguồn giấy đã chọn. Chọn nguồn giấy khác rồi bấm Quét lại.",
            ) from exc
        log.info("TWAIN %s=%s not accepted (%s)", cap, value, type(exc).__name__)


def configure(twain: ModuleType, source: Any, settings: ScanSettings) -> None:
    """Set pixel type, resolution, feeder and duplex on an open source.

    Raises:
        ScanError: UNSUPPORTED when the feeder or duplex cannot be switched on; NO_PAPER when the
            feeder reports it is empty.
    """
    c = twain.constants
    pixel = {ColorMode.BW: c.TWPT_BW, ColorMode.GRAY: c.TWPT_GRAY, ColorMode.COLOR: c.TWPT_RGB}[settings.color_mode]
    _set(twain, source, "ICAP_PIXELTYPE", "TWTY_UINT16", pixel, required=False)
    _set(twain, source, "ICAP_UNITS", "TWTY_UINT16", c.TWUN_INCHES, required=False)
    for cap in ("ICAP_XRESOLUTION", "ICAP_YRESOLUTION"):
        _set(twain, source, cap, "TWTY_FIX32", float(settings.resolution), required=False)
    feeder = settings.source is not PaperSource.FLATBED
    _set(twain, source, "CAP_FEEDERENABLED", "TWTY_BOOL", feeder, required=feeder)
    if feeder:
        _set(twain, source, "CAP_AUTOFEED", "TWTY_BOOL", True, required=False)
        duplex = settings.source is PaperSource.FEEDER_DUPLEX
        _set(twain, source, "CAP_DUPLEXENABLED", "TWTY_BOOL", duplex, required=duplex)
        if _feeder_loaded(twain, source) is False:
            raise scan_error(ScanErrorKind.NO_PAPER, "TWAIN CAP_FEEDERLOADED is false")


def _feeder_loaded(twain: ModuleType, source: Any) -> bool | None:
    try:
        _type, value = source.get_capability_current(twain.constants.CAP_FEEDERLOADED)
    except Exception as exc:
        log.info("TWAIN CAP_FEEDERLOADED unreadable: %s", type(exc).__name__)
        return None
    return bool(value)


def image_from_twain(native: Any, mode: ColorMode) -> Image.Image:
    """Pixels of a pytwain native image (saved as BMP to a temporary file, which is removed)."""
    handle, name = tempfile.mkstemp(prefix="motcua-twain-", suffix=".bmp")
    os.close(handle)
    path = Path(name)
    try:
        native.save(str(path))
        with Image.open(path) as opened:
            opened.load()
            image = opened.copy()
    finally:
        native.close()
        path.unlink(missing_ok=True)
    return to_mode(image, mode)


class TwainBackend:
    """TWAIN data sources (Windows scanner drivers)."""

    name = "twain"

    def __init__(self, parent_window: object | None = None) -> None:
        """``parent_window``: the window handle (HWND) TWAIN attaches to; None for none."""
        self.parent_window = parent_window

    def list_devices(self) -> list[DeviceInfo]:
        """TWAIN sources by product name (sources and modes are only known once opened)."""
        twain = import_twain()
        try:
            manager = twain.SourceManager(self.parent_window)
        except Exception as exc:
            raise twain_error(exc) from exc
        try:
            names = list(manager.source_list)
        finally:
            manager.close()
        return [DeviceInfo(id=f"twain:{n}", name=n, backend="twain", sources=tuple(PaperSource)) for n in names]

    def scan(self, device: DeviceInfo, settings: ScanSettings, cancel: CancelToken) -> Iterator[Page]:
        """Yield pages as the driver transfers them.

        Raises:
            ScanError: JAM, NO_PAPER, DEVICE_GONE, BUSY, UNSUPPORTED, CANCELLED, OTHER.
        """
        twain = import_twain()
        session = _Session(twain, self.parent_window, device.id.removeprefix("twain:"), settings)
        worker = threading.Thread(target=session.run, daemon=True, name="twain-session")
        worker.start()
        count = 0
        try:
            while True:
                if cancel.cancelled:
                    raise scan_error(ScanErrorKind.CANCELLED, f"TWAIN scan cancelled after {count} pages")
                try:
                    kind, value = session.events.get(timeout=0.05)
                except queue.Empty:
                    continue
                if kind == "done":
                    return
                if isinstance(value, ScanError):
                    raise value
                if isinstance(value, Image.Image):
                    count += 1
                    yield Page(value, settings.resolution, settings.color_mode, origin=_origin(device, settings, count))
        finally:
            session.stop.set()
            worker.join(timeout=10)


def _origin(device: DeviceInfo, settings: ScanSettings, count: int) -> str:
    if settings.source is PaperSource.FEEDER_DUPLEX:
        side = "mặt trước" if count % 2 == 1 else "mặt sau"
        return f"{device.id} tờ {(count + 1) // 2} {side}"
    return f"{device.id} tờ {count}"


class _Session:
    """Everything TWAIN, on the worker thread: open, configure, acquire, close."""

    def __init__(self, twain: ModuleType, parent_window: object | None, name: str, settings: ScanSettings) -> None:
        self.twain = twain
        self.parent_window = parent_window
        self.name = name
        self.settings = settings
        self.events: queue.Queue[tuple[str, Image.Image | ScanError | None]] = queue.Queue()
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            manager = self.twain.SourceManager(self.parent_window)
            try:
                self._acquire(manager)
            finally:
                manager.close()
        except Exception as exc:
            self.events.put(("error", twain_error(exc)))
        else:
            self.events.put(("done", None))

    def _acquire(self, manager: Any) -> None:
        source = manager.open_source(self.name)
        if source is None:
            raise scan_error(ScanErrorKind.CANCELLED, "TWAIN source selection cancelled")
        try:
            configure(self.twain, source, self.settings)
            source.acquire_natively(after=self._after, show_ui=False, modal=False)
        finally:
            source.close()

    def _after(self, native: Any, more: int) -> None:
        self.events.put(("page", image_from_twain(native, self.settings.color_mode)))
        if self.stop.is_set() and more:
            raise self.twain.exceptions.CancelAll()
