"""Watched folder: a network scanner saves files into a shared folder and the counter imports them.

"Scanning" waits for new files, takes a file once its size and time stayed the same over two polls
at least ``settle_seconds`` apart (temporary and partial names are ignored), moves it into the
``da-nhap`` subfolder and imports it.
Existing files count as new: the officer may press the scanner's button before opening the dialog.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

from app.scanning.devices import scan_error
from app.scanning.importer import SUPPORTED_SUFFIXES, import_files
from app.scanning.model import CancelToken, DeviceInfo, Page, PaperSource, ScanErrorKind, ScanSettings

CONSUMED_FOLDER = "da-nhap"
PARTIAL_SUFFIXES = frozenset({".tmp", ".part", ".partial", ".crdownload", ".download", ".filepart", ".temp"})


def is_candidate(path: Path) -> bool:
    """A finished-looking scan file: supported type, not hidden, temporary or partial."""
    name = path.name
    if name.startswith((".", "~")) or not path.is_file():
        return False
    suffixes = {s.lower() for s in path.suffixes}
    return not (suffixes & PARTIAL_SUFFIXES) and path.suffix.lower() in SUPPORTED_SUFFIXES


def natural_key(path: Path) -> tuple[object, ...]:
    """Sort key so that "scan9" comes before "scan10"."""
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name))


def unique_target(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem-2.ext`` … when that name is taken."""
    target = folder / name
    counter = 2
    while target.exists():
        target = folder / f"{Path(name).stem}-{counter}{Path(name).suffix}"
        counter += 1
    return target


class FolderBackend:
    """One watched folder as a scanner."""

    name = "folder"

    def __init__(
        self,
        folder: Path,
        *,
        poll_seconds: float = 0.5,
        settle_seconds: float = 2.0,
        idle_seconds: float | None = 30.0,
        dpi: int = 150,
    ) -> None:
        """Watch ``folder``.

        Args:
            folder: the shared folder the scanner saves into.
            poll_seconds: how often the folder is listed.
            settle_seconds: a file is taken once its size and time stayed the same over two polls at
                least this long apart (a slow network copy pauses between pieces).
            idle_seconds: stop after this long with no new file once a page arrived (None: until cancel).
            dpi: resolution of the grey rendering of PDF pages.
        """
        self.folder = folder
        self.poll_seconds = poll_seconds
        self.settle_seconds = settle_seconds
        self.idle_seconds = idle_seconds
        self.dpi = dpi

    def device(self) -> DeviceInfo:
        return DeviceInfo(
            id=f"folder:{self.folder}",
            name=f"Thư mục máy quét mạng «{self.folder.name or self.folder}»",
            backend="folder",
            sources=(PaperSource.FEEDER,),
        )

    def list_devices(self) -> list[DeviceInfo]:
        return [self.device()] if self.folder.is_dir() else []

    def scan(self, device: DeviceInfo, settings: ScanSettings, cancel: CancelToken) -> Iterator[Page]:
        """Yield the pages of each new file as it becomes complete.

        Raises:
            ScanError: DEVICE_GONE when the folder is missing, CORRUPT_FILE for a bad file,
                CANCELLED when ``cancel`` is set.
        """
        consumed = self._consumed_folder()
        seen: dict[Path, tuple[int, int, float]] = {}
        pages = 0
        last_activity = time.monotonic()
        while True:
            ready, changing = self._poll(seen)
            if changing:
                last_activity = time.monotonic()
            for path in ready:
                target = self._move(path, consumed)
                for page in import_files([target], cancel, dpi=self.dpi):
                    pages += 1
                    page.meta["source_file"] = str(target)
                    yield page
                last_activity = time.monotonic()
            idle = time.monotonic() - last_activity
            if pages and self.idle_seconds is not None and idle >= self.idle_seconds:
                return
            if cancel.wait(self.poll_seconds):
                raise scan_error(ScanErrorKind.CANCELLED, f"folder scan cancelled after {pages} pages")

    def _consumed_folder(self) -> Path:
        if not self.folder.is_dir():
            raise scan_error(
                ScanErrorKind.DEVICE_GONE,
                f"watched folder {self.folder} missing",
                f"Không thấy thư mục «{self.folder}». Kiểm tra ổ mạng hoặc thư mục máy quét đã kết nối, "
                "rồi bấm Quét lại.",
            )
        consumed = self.folder / CONSUMED_FOLDER
        try:
            consumed.mkdir(exist_ok=True)
        except OSError as exc:
            raise scan_error(
                ScanErrorKind.OTHER,
                f"cannot create {consumed}: {exc}",
                f"Không tạo được thư mục «{CONSUMED_FOLDER}» trong «{self.folder}». Kiểm tra quyền ghi vào thư mục.",
            ) from exc
        return consumed

    def _poll(self, seen: dict[Path, tuple[int, int, float]]) -> tuple[list[Path], bool]:
        """Files stable since an earlier poll (in name order) and whether any file is still on its way.

        ``seen`` maps a file to (size, mtime, when that size and time were first seen).
        """
        try:
            entries = [p for p in self.folder.iterdir() if is_candidate(p)]
        except OSError as exc:
            raise scan_error(ScanErrorKind.DEVICE_GONE, f"watched folder {self.folder} unreadable: {exc}") from exc
        now = time.monotonic()
        ready: list[Path] = []
        changing = False
        current: dict[Path, tuple[int, int, float]] = {}
        for path in entries:
            try:
                stat = path.stat()
            except OSError:
                continue  # moved or deleted meanwhile
            before = seen.get(path)
            signature = (stat.st_size, stat.st_mtime_ns)
            if before is None or before[:2] != signature:
                current[path] = (*signature, now)
                changing = True
                continue
            current[path] = before
            settled = now - before[2] >= self.settle_seconds
            if settled and stat.st_size > 0:
                ready.append(path)
            elif not settled:
                changing = True  # about to be taken; an empty file left behind does not count
        seen.clear()
        seen.update({p: v for p, v in current.items() if p not in ready})
        return sorted(ready, key=natural_key), changing

    @staticmethod
    def _move(path: Path, consumed: Path) -> Path:
        target = unique_target(consumed, path.name)
        try:
            return path.rename(target)
        except OSError as exc:
            raise scan_error(
                ScanErrorKind.OTHER,
                f"cannot move {path} to {target}: {exc}",
                f"Không chuyển được tệp «{path.name}» vào thư mục «{CONSUMED_FOLDER}». Kiểm tra quyền ghi vào thư mục.",
            ) from exc
