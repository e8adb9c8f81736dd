"""Scanner devices behind one interface: SANE (scanimage), eSCL/AirScan, TWAIN (Windows), watched folders.

Each backend yields :class:`~app.scanning.model.Page` objects as the pages arrive and raises
:class:`~app.scanning.model.ScanError` with a Vietnamese message saying what to do. The backend
modules are imported lazily so that a missing optional part (pytwain off Windows) never breaks the rest.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from app.scanning.model import ColorMode, DeviceInfo, ScanBackend, ScanError, ScanErrorKind

log = logging.getLogger(__name__)

MESSAGES: dict[ScanErrorKind, str] = {
    ScanErrorKind.JAM: "Kẹt giấy trong khay nạp. Gỡ tờ bị kẹt, đặt lại các tờ chưa quét rồi bấm Quét tiếp.",
    ScanErrorKind.NO_PAPER: "Khay nạp giấy đang trống. Đặt giấy vào khay nạp rồi bấm Quét lại.",
    ScanErrorKind.DEVICE_GONE: (
        "Không kết nối được với máy quét. Kiểm tra máy đã bật và cáp USB hoặc mạng đã cắm chắc, rồi bấm Quét lại."
    ),
    ScanErrorKind.BUSY: "Máy quét đang bận (có thể máy khác đang quét). Đợi một lát rồi bấm Quét lại.",
    ScanErrorKind.CANCELLED: "Đã dừng quét. Các trang đã quét xong vẫn được giữ.",
    ScanErrorKind.CORRUPT_FILE: "Tệp bị hỏng hoặc không đọc được. Quét lại hoặc chọn tệp khác.",
    ScanErrorKind.UNSUPPORTED: "Máy quét không hỗ trợ thiết lập này. Chọn thiết lập khác rồi bấm Quét lại.",
    ScanErrorKind.OTHER: "Máy quét báo lỗi. Tắt rồi bật lại máy quét, sau đó bấm Quét lại.",
}

COVER_OPEN_MESSAGE = "Nắp máy quét đang mở. Đóng nắp lại rồi bấm Quét tiếp."


def scan_error(kind: ScanErrorKind, detail: str = "", message: str | None = None) -> ScanError:
    """A :class:`ScanError` with the standard Vietnamese message of ``kind`` (or ``message``)."""
    return ScanError(kind, message or MESSAGES[kind], detail)


def page_mode(mode: ColorMode) -> str:
    """Pillow mode of a page in ``mode``: "1", "L" or "RGB"."""
    return {ColorMode.BW: "1", ColorMode.GRAY: "L", ColorMode.COLOR: "RGB"}[mode]


def to_mode(image: Image.Image, mode: ColorMode) -> Image.Image:
    """Convert ``image`` to the page mode of ``mode``; B/W by a fixed threshold (no dithering)."""
    target = page_mode(mode)
    if image.mode == target:
        return image
    if target == "1":
        grey = image.convert("L")
        return grey.point(lambda v: 255 if v >= 128 else 0, mode="1")
    return image.convert(target)


@dataclass(slots=True)
class ScannerConfig:
    """Where to look for scanners besides SANE/TWAIN: eSCL base URLs and watched folders."""

    escl_urls: list[str] = field(default_factory=list)
    watched_folders: list[Path] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"escl_urls": list(self.escl_urls), "watched_folders": [str(p) for p in self.watched_folders]}

    @staticmethod
    def from_json(data: object) -> ScannerConfig:
        """Tolerant: anything that is not a list of non-empty strings is dropped."""
        if not isinstance(data, Mapping):
            return ScannerConfig()
        return ScannerConfig(
            escl_urls=[u.strip().rstrip("/") for u in _strings(data.get("escl_urls"))],
            watched_folders=[Path(p.strip()) for p in _strings(data.get("watched_folders"))],
        )


def _strings(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) and v.strip()]


def backends(config: ScannerConfig) -> list[ScanBackend]:
    """The backends available on this PC for ``config``.

    SANE when ``scanimage`` is installed; eSCL for the configured URLs; TWAIN only on Windows;
    one folder backend per watched folder.
    """
    from app.scanning.devices.escl import EsclBackend
    from app.scanning.devices.folder import FolderBackend
    from app.scanning.devices.sane import SaneBackend

    found: list[ScanBackend] = []
    if SaneBackend.available():
        found.append(SaneBackend())
    if config.escl_urls:
        found.append(EsclBackend(config.escl_urls))
    if sys.platform == "win32":
        from app.scanning.devices.twain import TwainBackend

        found.append(TwainBackend())
    found.extend(FolderBackend(folder) for folder in config.watched_folders)
    return found


def list_devices(config: ScannerConfig) -> list[DeviceInfo]:
    """Every device of every backend. Never raises: a backend that fails is logged and left out."""
    devices: list[DeviceInfo] = []
    try:
        found = backends(config)
    except Exception:
        log.exception("scanner backends could not be set up")
        return devices
    for backend in found:
        try:
            devices.extend(backend.list_devices())
        except Exception:
            log.exception("scanner backend %s failed to list devices", getattr(backend, "name", backend))
    return devices


def backend_for(device: DeviceInfo, config: ScannerConfig) -> ScanBackend:
    """The backend that scans from ``device``.

    Raises:
        ScanError: UNSUPPORTED when the device's backend is not available on this PC.
    """
    from app.scanning.devices.escl import EsclBackend
    from app.scanning.devices.folder import FolderBackend
    from app.scanning.devices.sane import SaneBackend

    if device.backend == "sane":
        return SaneBackend()
    if device.backend == "escl":
        return EsclBackend([device.id.removeprefix("escl:")])
    if device.backend == "folder":
        return FolderBackend(Path(device.id.removeprefix("folder:")))
    if device.backend == "twain" and sys.platform == "win32":
        from app.scanning.devices.twain import TwainBackend

        return TwainBackend()
    raise scan_error(
        ScanErrorKind.UNSUPPORTED,
        f"no backend {device.backend!r} for {device.id}",
        f"Máy quét «{device.name}» không dùng được trên máy tính này. Chọn máy quét khác.",
    )
