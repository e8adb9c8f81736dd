"""Attachments: content-addressed files uploaded in resumable chunks, kept per office.

Layout under ``<data_dir>/attachments``: ``u-<unit>/<sha[:2]>/<sha>`` once verified, and
``<same>.part`` while uploading. The bytes on disk are the truth for the upload offset (a chunk
is appended and fsynced before its offset is acknowledged). Completion hashes the whole file
outside any database transaction, then renames it into place.

Writers of one file are serialised by a lock per (unit, hash) in the process and, on
PostgreSQL, by a transaction advisory lock (several server processes), taken before the file
is touched; neither assigns a transaction id, so the pull horizon is not held back.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.sync import dialect
from server.sync.models import Attachment
from server.sync.push import lock_keys

CHUNK_MAX = 4 * 1024 * 1024
SIZE_MAX = 2_000_000_000
_READ = 1024 * 1024


class UploadError(Exception):
    """An upload request that cannot be honoured; ``offset`` is what the server holds."""

    def __init__(self, code: str, offset: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.offset = offset


@dataclass(frozen=True, slots=True)
class UploadState:
    """How far an upload got."""

    offset: int
    complete: bool


class AttachmentStore:
    """Where one server keeps attachment files.

    Args:
        root: ``<data_dir>/attachments``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def relative(self, unit_code: str, sha256: str) -> str:
        """Path of the verified file, relative to :attr:`root`."""
        return f"u-{unit_code}/{sha256[:2]}/{sha256}"

    def final_path(self, unit_code: str, sha256: str) -> Path:
        return self.root / self.relative(unit_code, sha256)

    def part_path(self, unit_code: str, sha256: str) -> Path:
        return self.root / (self.relative(unit_code, sha256) + ".part")

    def lock(self, unit_code: str, sha256: str) -> threading.Lock:
        """The in-process lock of one file."""
        with self._guard:
            return self._locks.setdefault((unit_code, sha256), threading.Lock())


def _row(session: Session, unit_code: str, sha256: str) -> Attachment | None:
    return session.scalars(
        select(Attachment)
        .where(Attachment.unit_code == unit_code, Attachment.sha256 == sha256)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def state(session: Session, store: AttachmentStore, unit_code: str, sha256: str) -> UploadState | None:
    """The upload's offset, or None when the office has nothing under this hash."""
    row = _row(session, unit_code, sha256)
    if row is None:
        return None
    if row.complete:
        return UploadState(row.size, True)
    return UploadState(_size(store.part_path(unit_code, sha256)), False)


def _fsync_dir(path: Path) -> None:
    if os.name == "posix":
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def append(
    session: Session,
    store: AttachmentStore,
    unit_code: str,
    sha256: str,
    offset: int,
    chunk: bytes,
    officer_id: str,
    now: datetime,
) -> int:
    """Append ``chunk`` at ``offset`` and commit; returns the new offset.

    Raises:
        UploadError: ``offset_mismatch`` (offset is not where the file ends), ``complete``
            (already verified), ``too_large``.
    """
    if len(chunk) > CHUNK_MAX or offset + len(chunk) > SIZE_MAX:
        raise UploadError("too_large")
    with store.lock(unit_code, sha256):
        if dialect.is_postgres(session):
            lock_keys(session, [f"attachment:{unit_code}:{sha256}"])
        row = _row(session, unit_code, sha256)
        if row is not None and row.complete:
            raise UploadError("complete", row.size)
        part = store.part_path(unit_code, sha256)
        current = _size(part)
        if offset != current:
            raise UploadError("offset_mismatch", current)
        part.parent.mkdir(parents=True, exist_ok=True)
        with part.open("ab") as f:
            f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        if current == 0:
            _fsync_dir(part.parent)
        new_offset = current + len(chunk)
        stmt = dialect.upsert(session, Attachment).values(
            unit_code=unit_code,
            sha256=sha256,
            size=new_offset,
            stored_path=store.relative(unit_code, sha256),
            complete=False,
            uploaded_by=officer_id,
            created_at=now,
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[Attachment.unit_code, Attachment.sha256], set_={"size": stmt.excluded.size}
            )
        )
        session.commit()
    return new_offset


def _hash(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while block := f.read(_READ):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def complete(
    session: Session, store: AttachmentStore, unit_code: str, sha256: str, size: int, now: datetime
) -> int | None:
    """Verify the whole file against its name and keep it; commits. Returns the size.

    Returns:
        The file's size, or None when the office has no upload under this hash.

    Raises:
        UploadError: ``hash_mismatch`` (the upload is dropped: start again from 0).
    """
    row = _row(session, unit_code, sha256)
    session.commit()  # no transaction while the file is hashed
    if row is None:
        return None
    if row.complete:
        if row.size != size:
            raise UploadError("size_mismatch", row.size)
        return row.size
    part = store.part_path(unit_code, sha256)
    digest, actual = _hash(part) if part.exists() else (hashlib.sha256().hexdigest(), 0)
    with store.lock(unit_code, sha256):
        if dialect.is_postgres(session):
            lock_keys(session, [f"attachment:{unit_code}:{sha256}"])
        row = _row(session, unit_code, sha256)
        if row is None:
            return None
        if row.complete:
            return row.size
        if _size(part) != actual:
            raise UploadError("offset_mismatch", _size(part))  # a chunk arrived meanwhile
        if digest != sha256 or actual != size:
            part.unlink(missing_ok=True)
            session.delete(row)
            session.commit()
            raise UploadError("hash_mismatch")
        final = store.final_path(unit_code, sha256)
        os.replace(part, final)
        _fsync_dir(final.parent)
        session.execute(
            update(Attachment)
            .where(Attachment.unit_code == unit_code, Attachment.sha256 == sha256)
            .values(complete=True, size=actual, completed_at=now)
        )
        session.commit()
    return actual


def download_path(session: Session, store: AttachmentStore, unit_code: str, sha256: str) -> Path | None:
    """The verified file of this office, or None."""
    row = _row(session, unit_code, sha256)
    if row is None or not row.complete:
        return None
    path = store.root / row.stored_path
    return path if path.exists() else None
