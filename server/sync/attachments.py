"""Attachments: content-addressed files uploaded in resumable chunks, kept per office.

The bytes live in an :class:`~server.storage.AttachmentStore` (a folder, or S3-compatible
object storage) under ``u-<unit>/<sha[:2]>/<sha>``; the ``attachments`` table says which office
holds which file and whether it was verified. The store is the truth for an upload's offset (a
chunk is durable before its offset is acknowledged), so any server process continues an upload
another one started. Completion hashes the whole upload outside any database transaction, then
keeps it if it matches its name.

Writers of one file are serialised by a lock per (unit, hash) in the process and, on
PostgreSQL, by a transaction advisory lock (several server processes), taken before the store
is touched; neither assigns a transaction id, so the pull horizon is not held back.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.events import EventType
from server.storage import AttachmentStore, Staged
from server.sync import dialect
from server.sync.models import Attachment, ServerDossier, ServerEvent
from server.sync.push import lock_keys

CHUNK_MAX = 4 * 1024 * 1024
SIZE_MAX = 2_000_000_000
UPLOAD_EXPIRY_HOURS = 72  # server/config.py upload_expiry_hours

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


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


def key_of(unit_code: str, sha256: str) -> str:
    """The store key of an office's file (also its ``stored_path``)."""
    return f"u-{unit_code}/{sha256[:2]}/{sha256}"


def _parse_key(key: str) -> tuple[str, str] | None:
    unit, _prefix, sha = key.split("/", 2) if key.count("/") == 2 else ("", "", "")
    if not unit.startswith("u-") or len(sha) != 64:
        return None
    return unit[2:], sha


@contextlib.contextmanager
def _locked(session: Session, unit_code: str, sha256: str) -> Iterator[None]:
    """Hold the writers' locks of one file; the advisory lock ends with the session's
    transaction (committed inside, or rolled back here)."""
    key = key_of(unit_code, sha256)
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        try:
            if dialect.is_postgres(session):
                lock_keys(session, [f"attachment:{unit_code}:{sha256}"])
            yield
        finally:
            session.rollback()


def _row(session: Session, unit_code: str, sha256: str) -> Attachment | None:
    return session.scalars(
        select(Attachment)
        .where(Attachment.unit_code == unit_code, Attachment.sha256 == sha256)
        .execution_options(populate_existing=True)
    ).one_or_none()


def state(session: Session, store: AttachmentStore, unit_code: str, sha256: str) -> UploadState | None:
    """The upload's offset, or None when the office has nothing under this hash."""
    row = _row(session, unit_code, sha256)
    session.commit()  # no transaction while the store is asked
    if row is None:
        return None
    if row.complete:
        return UploadState(row.size, True)
    return UploadState(store.offset(key_of(unit_code, sha256)), False)


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
        UploadError: ``offset_mismatch`` (offset is not where the upload ends), ``complete``
            (already verified), ``too_large``.
    """
    if len(chunk) > CHUNK_MAX or offset + len(chunk) > SIZE_MAX:
        raise UploadError("too_large")
    key = key_of(unit_code, sha256)
    with _locked(session, unit_code, sha256):
        row = _row(session, unit_code, sha256)
        if row is not None and row.complete:
            raise UploadError("complete", row.size)
        current = store.offset(key)
        if row is None and offset == 0 and current:
            # bytes without a row: a process died between the store and the commit, or the
            # upload expired; nobody was told of them, so the office starts afresh
            store.discard(key)
            current = 0
        if offset != current:
            raise UploadError("offset_mismatch", current)
        store.append(key, offset, chunk)
        new_offset = current + len(chunk)
        stmt = dialect.upsert(session, Attachment).values(
            unit_code=unit_code,
            sha256=sha256,
            size=new_offset,
            stored_path=key,
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


def complete(
    session: Session, store: AttachmentStore, unit_code: str, sha256: str, size: int, now: datetime
) -> int | None:
    """Verify the whole upload against its name and keep it; commits. Returns the size.

    Returns:
        The file's size, or None when the office has no upload under this hash.

    Raises:
        UploadError: ``hash_mismatch`` (the upload is dropped: start again from 0),
            ``offset_mismatch`` (a chunk arrived while it was hashed), ``size_mismatch``.
    """
    row = _row(session, unit_code, sha256)
    session.commit()  # no transaction while the upload is hashed
    if row is None:
        return None
    if row.complete:
        if row.size != size:
            raise UploadError("size_mismatch", row.size)
        return row.size
    key = key_of(unit_code, sha256)
    staged: Staged = store.stage(key)
    kept = False
    try:
        with _locked(session, unit_code, sha256):
            row = _row(session, unit_code, sha256)
            if row is None:
                return None
            if row.complete:
                return row.size
            current = store.offset(key)
            if current != staged.size:
                raise UploadError("offset_mismatch", current)
            if staged.sha256 != sha256 or staged.size != size:
                store.discard(key)
                session.delete(row)
                session.commit()
                raise UploadError("hash_mismatch")
            staged.keep()
            kept = True
            session.execute(
                update(Attachment)
                .where(Attachment.unit_code == unit_code, Attachment.sha256 == sha256)
                .values(complete=True, size=staged.size, completed_at=now)
            )
            mark_digitised(session, unit_code, sha256)
            session.commit()
    finally:
        if not kept:
            staged.drop()
    return staged.size


def mark_digitised(session: Session, unit_code: str, sha256: str) -> None:
    """4.2: the office's dossiers whose attachment events name this now stored file are digitised
    (an event pushed after the upload is marked by the push's fold)."""
    named = select(ServerEvent.dossier_uid).where(
        ServerEvent.unit_code == unit_code,
        ServerEvent.type == EventType.ATTACHMENT_ADDED.value,
        ServerEvent.payload["sha256"].as_string() == sha256,
    )
    session.execute(
        update(ServerDossier)
        .where(ServerDossier.unit_code == unit_code, ServerDossier.uid.in_(named), ServerDossier.digitised.is_(False))
        .values(digitised=True)
    )


def download(
    session: Session, store: AttachmentStore, unit_code: str, sha256: str
) -> tuple[int, Iterator[bytes]] | None:
    """The verified file of this office: (size, its bytes in blocks), or None."""
    row = _row(session, unit_code, sha256)
    session.commit()
    if row is None or not row.complete:
        return None
    blocks = store.open(row.stored_path)
    return None if blocks is None else (row.size, blocks)


def expire_uploads(session: Session, store: AttachmentStore, now: datetime, hours: float = UPLOAD_EXPIRY_HOURS) -> int:
    """Drop uploads left unfinished for ``hours`` (``upload_expiry_hours``): their rows and their
    bytes, and bytes no row knows of that have not grown for as long. Returns how many uploads.

    A counter that comes back later asks the offset, hears 404 and starts again from 0.
    """
    cutoff = now - timedelta(hours=hours)
    stale = session.execute(
        select(Attachment.unit_code, Attachment.sha256).where(
            Attachment.complete.is_(False), Attachment.created_at < cutoff
        )
    ).all()
    session.commit()
    dropped = 0
    for unit_code, sha256 in stale:
        with _locked(session, unit_code, sha256):
            row = _row(session, unit_code, sha256)
            if row is None or row.complete or row.created_at >= cutoff:
                continue
            store.discard(key_of(unit_code, sha256))
            session.delete(row)
            session.commit()
            dropped += 1
    for key, modified in list(store.uploads()):
        parsed = _parse_key(key)
        if modified >= cutoff or parsed is None:
            continue
        with _locked(session, *parsed):
            row = _row(session, *parsed)
            if row is not None and not row.complete:
                continue  # a live upload (its row is younger than the cutoff)
            store.discard(key)
            dropped += 1
    return dropped
