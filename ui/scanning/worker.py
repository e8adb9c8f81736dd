"""Scanning, importing and composing off the GUI thread: pages come back one by one by signal.

A :class:`PageJob` runs a page source (a backend's ``scan`` generator or ``import_files``) in a
QThread. Each page is analysed there too (blank page, separator code) and gets its thumbnail, so
the window never waits on a device, a PDF renderer or a barcode reader. Cancel sets the
:class:`CancelToken` the source checks between pages; pages already delivered stay valid.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PIL import Image
from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QImage

from app.scanning.model import CancelToken, DeviceInfo, Page, ScanBackend, ScanError, ScanErrorKind

if TYPE_CHECKING:
    from app.scanning.devices import ScannerConfig

log = logging.getLogger(__name__)
THUMB = 200  # longest side of a thumbnail, pixels
PageSource = Callable[[CancelToken], Iterator[Page]]
Analyse = Callable[[Page], None]


class DeviceCatalog(Protocol):
    """Where the dialogs find scanners; the real one reads the PC's scanner config."""

    def list_devices(self) -> list[DeviceInfo]: ...

    def backend_for(self, device: DeviceInfo) -> ScanBackend: ...


class ConfiguredDevices:
    """The PC's devices: SANE / TWAIN, the configured eSCL URLs and watched folders."""

    def __init__(self, config: ScannerConfig) -> None:
        self.config = config

    def list_devices(self) -> list[DeviceInfo]:
        from app.scanning.devices import list_devices

        return list_devices(self.config)

    def backend_for(self, device: DeviceInfo) -> ScanBackend:
        from app.scanning.devices import backend_for

        return backend_for(device, self.config)


def default_analyse(page: Page) -> None:
    """Blank page and separator detection (app.scanning.analysis), imported on the worker."""
    from app.scanning.analysis import analyse_page

    analyse_page(page)


def thumbnail(image: Image.Image, rotation: int = 0, size: int = THUMB) -> QImage:
    """A small QImage of ``image`` turned ``rotation`` degrees clockwise (safe off the GUI thread)."""
    small = image.copy()
    small.thumbnail((size, size))
    if rotation:
        small = small.rotate(-rotation, expand=True)
    rgb = small.convert("RGB")
    data = rgb.tobytes()
    out = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888)
    return out.copy()  # own the pixels: ``data`` goes away with this frame


def scan_error_text(exc: BaseException) -> str:
    """The officer's message for any failure of a page source."""
    if isinstance(exc, ScanError):
        return exc.message
    if isinstance(exc, OSError):
        return f"Không đọc được tệp hoặc thiết bị: {exc.strerror or exc}. Các trang đã nhận vẫn được giữ."
    return "Lỗi ngoài dự kiến khi quét. Các trang đã nhận vẫn được giữ; hãy thử lại hoặc báo bộ phận CNTT."


class PageJob(QThread):
    """Runs one page source; each page is analysed and thumbnailed before it is handed over.

    Args:
        source: called on the worker with the job's cancel token; yields pages.
        total: pages expected (an import knows; a scan does not: 0).
        counter: called on the worker before the first page to learn ``total`` (counting the
            pages of big PDFs takes time too).
        limit: stop after this many pages (rescanning one page).
        analyse: page analysis run on the worker; None leaves pages unanalysed.

    Signals:
        page_arrived(object, object): a Page and its thumbnail QImage.
        progress(int, int): pages delivered so far, pages expected (0: unknown).
        failed(str, object): the officer's message and the exception (ScanError or a bug).
        done(bool): the source ended; False when it was cancelled or failed.
    """

    page_arrived = Signal(object, object)
    progress = Signal(int, int)
    failed = Signal(str, object)
    done = Signal(bool)

    def __init__(
        self,
        source: PageSource,
        *,
        total: int = 0,
        counter: Callable[[], int] | None = None,
        limit: int | None = None,
        analyse: Analyse | None = default_analyse,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source, self._total, self._limit, self._analyse = source, total, limit, analyse
        self._counter = counter
        self.cancel_token = CancelToken()
        self.delivered = 0

    def cancel(self) -> None:
        """Ask the source to stop; it ends with done(False) after the page in progress."""
        self.cancel_token.cancel()

    def run(self) -> None:
        ok = True
        pages: Iterator[Page] | None = None
        try:
            if self._counter is not None:
                self._total = self._counter()
                self.progress.emit(0, self._total)
            pages = self._source(self.cancel_token)
            for page in pages:
                if self._analyse is not None:
                    try:
                        self._analyse(page)
                    except Exception:  # a page the analysis cannot read is still a page
                        log.exception("page analysis failed for %s", page.origin)
                self.delivered += 1
                self.page_arrived.emit(page, thumbnail(page.image, page.rotation))
                self.progress.emit(self.delivered, self._total)
                if self._limit is not None and self.delivered >= self._limit:
                    self.cancel_token.cancel()
                    break
        except ScanError as exc:
            ok = False
            if exc.kind is not ScanErrorKind.CANCELLED:
                log.warning("scan failed: %s (%s)", exc.message, exc.detail)
                self.failed.emit(exc.message, exc)
        except Exception as exc:
            ok = False
            log.exception("page source failed")
            self.failed.emit(scan_error_text(exc), exc)
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                try:
                    close()  # a generator left early (rescan of one page) stops its device now
                except Exception:
                    log.exception("closing the page source failed")
        if self.cancel_token.cancelled and self._limit is None:
            ok = False
        self.done.emit(ok)


def scan_source(backend: ScanBackend, device: DeviceInfo, settings: Any) -> PageSource:
    """A page source that scans from ``device``."""
    return lambda cancel: backend.scan(device, settings, cancel)


def import_source(paths: Sequence[Path], dpi: int = 150) -> PageSource:
    """A page source that imports PDF and image files (app.scanning.importer)."""

    def run(cancel: CancelToken) -> Iterator[Page]:
        from app.scanning.importer import import_files

        return import_files(paths, cancel, dpi=dpi)

    return run


class ComposeJob(QThread):
    """Builds one PDF per document on the worker (app.scanning.output.compose_documents).

    Args:
        parts: (document name, checklist index or None, pages) per document.

    Signals:
        progress(int, int): pages written, pages in all.
        composed(object): the list of ComposedDocument.
        failed(str, object): the officer's message and the exception.
    """

    progress = Signal(int, int)
    composed = Signal(object)
    failed = Signal(str, object)

    def __init__(self, parts: Sequence[tuple[str, int | None, Sequence[Page]]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._parts = [(name, index, list(pages)) for name, index, pages in parts]
        self.cancel_token = CancelToken()

    def run(self) -> None:
        from app.scanning.output import compose_documents

        try:
            docs = compose_documents(self._parts, cancel=self.cancel_token, progress=self.progress.emit)
        except ScanError as exc:
            self.failed.emit(exc.message, exc)
        except Exception as exc:
            log.exception("composing PDFs failed")
            self.failed.emit(
                "Không tạo được tệp PDF từ các trang đã quét. Các trang vẫn được giữ; hãy thử lại hoặc báo"
                " bộ phận CNTT.",
                exc,
            )
        else:
            self.composed.emit(docs)


def import_counter(paths: Sequence[Path]) -> Callable[[], int]:
    """Counts the pages to import (app.scanning.importer.count_pages) on the worker."""

    def run() -> int:
        from app.scanning.importer import count_pages

        return count_pages(paths)

    return run
