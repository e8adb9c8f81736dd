"""Content-addressed file store of attachments on this PC: ``<root>/<sha[:2]>/<sha>``.

A file is written to a temporary file in its final folder, flushed and fsynced, renamed into
place, and the folder fsynced: after :meth:`BlobStore.put` returns, the bytes survive a power
cut, and a crash before that leaves at most a ``*.tmp`` file that is never read. The name is
the SHA-256 of the content, so writing the same content again is a no-op and two dossiers that
attach the same PDF share one file.

Files are written before the event that names them commits (app.services.attachments), so a
crash between the two leaves an orphan file and no event: harmless, it takes some disk space
and nothing refers to it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from app.errors import UserFacingError

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_READ = 1024 * 1024


class BlobCorruptError(UserFacingError):
    """A stored file no longer matches its SHA-256 name (disk fault, edited by hand)."""

    def __init__(self, sha256: str) -> None:
        super().__init__(
            f"Tệp đính kèm {sha256[:12]}… trên máy này bị hỏng (nội dung không khớp mã băm). "
            "Hãy tải lại tệp từ máy chủ hoặc báo bộ phận CNTT."
        )
        self.sha256 = sha256


class BlobMissingError(UserFacingError):
    """The file is not in this PC's store."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"Máy này chưa có tệp đính kèm {sha256[:12]}….")
        self.sha256 = sha256


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    import hashlib  # imported on first use: the store is created before the first window paints

    return hashlib.sha256(data).hexdigest()


def is_sha256(value: str) -> bool:
    """Whether ``value`` is 64 lower-case hex digits."""
    return bool(_SHA_RE.match(value))


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":  # Windows cannot open a folder for fsync; NTFS journals the rename
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    """Attachments by SHA-256 under ``root``.

    Args:
        root: The store's folder (``<data_dir>/attachments``); created when first written.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha: str) -> Path:
        """Where the file of ``sha`` lives (whether or not it is there)."""
        if not is_sha256(sha):
            raise ValueError(f"not a SHA-256: {sha!r}")
        return self.root / sha[:2] / sha

    def has(self, sha: str) -> bool:
        """Whether the file is stored here (its content is not checked: see :meth:`verify`)."""
        return is_sha256(sha) and self.path(sha).is_file()

    def size(self, sha: str) -> int:
        """Bytes of the stored file (0 when missing)."""
        try:
            return self.path(sha).stat().st_size
        except FileNotFoundError:
            return 0

    def put(self, data: bytes) -> str:
        """Store ``data`` durably; returns its SHA-256. Storing existing content is a no-op."""
        sha = sha256_hex(data)
        self._write(sha, data)
        return sha

    def put_file(self, path: Path) -> str:
        """Store a file's content durably; returns its SHA-256."""
        return self.put(path.read_bytes())

    def put_verified(self, sha: str, data: bytes) -> None:
        """Store ``data`` under ``sha`` only if it hashes to it (a downloaded file).

        Raises:
            BlobCorruptError: the content does not match ``sha``; nothing is written.
        """
        if sha256_hex(data) != sha:
            raise BlobCorruptError(sha)
        self._write(sha, data)

    def _write(self, sha: str, data: bytes) -> None:
        final = self.path(sha)
        if final.is_file() and final.stat().st_size == len(data) and self.verify(sha):
            return  # already there and sound (a damaged copy is replaced)
        folder = final.parent
        folder.mkdir(parents=True, exist_ok=True)
        import secrets

        tmp = folder / f"{sha}.{secrets.token_hex(4)}.tmp"
        try:
            with tmp.open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(folder)

    def read(self, sha: str) -> bytes:
        """The file's bytes, checked against its name.

        Raises:
            BlobMissingError: not stored here.
            BlobCorruptError: the content no longer matches ``sha``.
        """
        try:
            data = self.path(sha).read_bytes()
        except FileNotFoundError:
            raise BlobMissingError(sha) from None
        if sha256_hex(data) != sha:
            raise BlobCorruptError(sha)
        return data

    def read_range(self, sha: str, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` (for chunked uploads; not checked).

        Raises:
            BlobMissingError: not stored here.
        """
        try:
            with self.path(sha).open("rb") as f:
                f.seek(offset)
                return f.read(length)
        except FileNotFoundError:
            raise BlobMissingError(sha) from None

    def verify(self, sha: str) -> bool:
        """Whether the stored file exists and hashes to ``sha`` (read in 1 MiB blocks)."""
        import hashlib

        digest = hashlib.sha256()
        try:
            with self.path(sha).open("rb") as f:
                while block := f.read(_READ):
                    digest.update(block)
        except FileNotFoundError:
            return False
        return digest.hexdigest() == sha
