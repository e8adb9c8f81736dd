"""Attachments in a folder: ``<root>/u-<unit>/<sha[:2]>/<sha>`` once verified, ``<same>.part``
while uploading.

The bytes on disk are the truth for an upload's offset (a chunk is appended and fsynced before
its offset is acknowledged), so server processes that share the folder (one machine, or a
network file system) share uploads. Completion renames the part into place on the same file
system. Only the server's account may read anything: files 0600, folders 0700.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700
_BLOCK = 1024 * 1024
_PART = ".part"


def _fsync_dir(path: Path) -> None:
    if os.name == "posix":
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True, slots=True)
class _Staged:
    part: Path
    final: Path
    sha256: str
    size: int

    def keep(self) -> None:
        os.replace(self.part, self.final)
        _fsync_dir(self.final.parent)

    def drop(self) -> None:
        """Nothing was prepared beside the part file itself."""


class FolderStore:
    """Attachment files under ``root`` (``MOTCUA_SERVER_ATTACHMENT_DIR``, default
    ``<data_dir>/attachments``).

    Args:
        root: The folder; created 0700 on first upload. An existing one is narrowed to 0700
            (files of older versions were 0644: with the folder closed nobody else reaches them).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        if root.is_dir():
            with contextlib.suppress(OSError):  # not ours to change (a mount point): leave it
                os.chmod(root, DIR_MODE)

    def path(self, key: str) -> Path:
        """Where the verified file of ``key`` is."""
        return self.root / key

    def _part(self, key: str) -> Path:
        return self.root / (key + _PART)

    def _mkdirs(self, folder: Path) -> None:
        missing: list[Path] = []
        at = folder
        while not at.is_dir():
            missing.append(at)
            at = at.parent
        for level in reversed(missing):
            with contextlib.suppress(FileExistsError):  # another process made it meanwhile
                level.mkdir(mode=DIR_MODE)
                os.chmod(level, DIR_MODE)  # mkdir's mode passes through the umask

    def offset(self, key: str) -> int:
        try:
            return self._part(key).stat().st_size
        except FileNotFoundError:
            return 0

    def append(self, key: str, offset: int, chunk: bytes) -> None:
        part = self._part(key)
        self._mkdirs(part.parent)
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0), FILE_MODE)
        try:
            _write_all(fd, chunk)
            os.fsync(fd)
        finally:
            os.close(fd)
        if offset == 0:
            _fsync_dir(part.parent)

    def stage(self, key: str) -> _Staged:
        part = self._part(key)
        digest = hashlib.sha256()
        size = 0
        try:
            with part.open("rb") as f:
                while block := f.read(_BLOCK):
                    digest.update(block)
                    size += len(block)
        except FileNotFoundError:
            pass
        return _Staged(part, self.path(key), digest.hexdigest(), size)

    def discard(self, key: str) -> None:
        self._part(key).unlink(missing_ok=True)

    def open(self, key: str) -> Iterator[bytes] | None:
        try:
            f = self.path(key).open("rb")
        except FileNotFoundError:
            return None
        return _blocks(f)

    def uploads(self) -> Iterator[tuple[str, datetime]]:
        for folder, _dirs, files in os.walk(self.root):
            for name in files:
                if not name.endswith(_PART):
                    continue
                path = Path(folder, name)
                try:
                    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                except FileNotFoundError:  # completed or dropped meanwhile
                    continue
                yield path.relative_to(self.root).as_posix().removesuffix(_PART), modified


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _blocks(f: BinaryIO) -> Iterator[bytes]:
    try:
        while block := f.read(_BLOCK):
            yield block
    finally:
        f.close()
