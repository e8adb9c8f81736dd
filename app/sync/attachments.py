"""Attachment files and the server: the upload queue (resumable chunks) and download on demand.

Upload (a step of every sync pass, after the events are pushed): for each queued file, ask the
server how much it holds (``HEAD``: the server's bytes on disk are the truth), send the rest in
chunks of :data:`CHUNK_SIZE` with ``Upload-Offset``, then ``POST …/complete``; the server hashes
the whole file and keeps it only if it matches. After a crash, a lost answer or a restart the
next pass asks again and goes on from the server's offset: nothing is sent twice or lost.

* ``offset_mismatch`` (another attempt moved the server's offset): ask again, go on from there;
* ``hash_mismatch`` (the server dropped a bad upload): start again from 0, once per pass;
* unreachable server, expired session: the pass ends, the file stays queued;
* the file gone or damaged on this PC: the row is marked failed with a Vietnamese reason and the
  queue goes on with the next file (one bad item never blocks the rest).

Download: a file named by an attachment event (this PC's or another counter's) that is not in
the local store is fetched with ``GET`` when someone opens it, checked against its SHA-256
before it is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import UserFacingError
from app.scanning.blobs import BlobCorruptError, BlobStore
from app.store.models import BlobUpload, UploadState
from app.sync.crashpoint import crash_point
from app.sync.transport import AuthRequiredError, OfflineError, RateLimitedError, ServerError, Transport

log = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024  # the server takes up to 4 MiB a request
MAX_ROUNDS_PER_FILE = 50  # offset mismatches followed within one pass before giving up for now

SessionSource = Callable[[], Session]


@dataclass(slots=True)
class UploadTally:
    """What one upload step did."""

    uploaded: int = 0  # files the server verified in this step
    bytes_sent: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)


def default_blob_store(factory: SessionSource) -> BlobStore | None:
    """``<folder of the local database>/attachments`` (where ui.main keeps it); None in memory."""
    with factory() as session:
        bind = session.get_bind()
        database = bind.engine.url.database
    if not database or database == ":memory:":
        return None
    return BlobStore(Path(database).resolve().parent / "attachments")


def pending_uploads(session: Session) -> int:
    """Files still to upload (the outbox shows them beside the events)."""
    query = select(func.count()).select_from(BlobUpload).where(BlobUpload.state == UploadState.PENDING)
    return int(session.scalar(query) or 0)


class Uploader:
    """Drains the upload queue of one PC.

    Args:
        factory: sessions on the local store (each write is its own short transaction).
        transport: the authenticated client.
        blobs: this PC's file store.
        clock: now in naive UTC.
        chunk_size: bytes per PATCH.
    """

    def __init__(
        self,
        factory: SessionSource,
        transport: Transport,
        blobs: BlobStore,
        clock: Callable[[], datetime],
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self._factory = factory
        self._transport = transport
        self._blobs = blobs
        self._clock = clock
        self.chunk_size = chunk_size

    def _queue(self) -> list[tuple[str, int]]:
        with self._factory() as s:
            rows = s.execute(
                select(BlobUpload.sha256, BlobUpload.size)
                .where(BlobUpload.state == UploadState.PENDING)
                .order_by(BlobUpload.created_at, BlobUpload.sha256)
            ).all()
        return [(sha, size) for sha, size in rows]

    def _update(self, sha: str, **values: object) -> None:
        with self._factory() as s, s.begin():
            row = s.get(BlobUpload, sha)
            if row is None:
                return
            for key, value in values.items():
                setattr(row, key, value)

    def run(self) -> UploadTally:
        """Upload every pending file.

        Raises:
            OfflineError, AuthRequiredError, RateLimitedError: the pass must end; files stay queued.
        """
        tally = UploadTally()
        for sha, size in self._queue():
            with self._factory() as s, s.begin():
                row = s.get(BlobUpload, sha)
                if row is None:
                    continue
                row.attempts += 1
                row.last_attempt_at = self._clock()
            try:
                self._upload(sha, size, tally)
            except (OfflineError, AuthRequiredError, RateLimitedError) as exc:
                self._update(sha, last_error=exc.message)
                raise
            except UserFacingError as exc:  # refused by the server: noted, the next file goes on
                log.warning("upload of %s refused: %s", sha, exc.message)
                self._update(sha, last_error=exc.message)
                tally.notes.append(f"upload {sha[:12]}: {exc.message}")
        return tally

    def _upload(self, sha: str, size: int, tally: UploadTally) -> None:
        if not self._blobs.verify(sha):
            message = (
                "Tệp đính kèm trên máy này bị mất hoặc hỏng, không tải lên được. Hãy quét hoặc đính kèm lại tài liệu."
            )
            self._update(sha, state=UploadState.FAILED, last_error=message)
            tally.failed += 1
            return
        restarted = False
        for _ in range(MAX_ROUNDS_PER_FILE):
            held = self._transport.upload_offset(sha)
            offset = 0 if held is None else held[0]
            if held is not None and held[1]:
                self._done(sha, size, tally)
                return
            self._update(sha, offset=offset)
            try:
                offset = self._send_from(sha, size, offset, tally)
                self._transport.complete_upload(sha, size)
            except ServerError as exc:
                if exc.code in ("offset_mismatch", "already_complete"):
                    continue  # ask the server where it stands and go on from there
                if exc.code == "hash_mismatch" and not restarted:
                    restarted = True  # the server dropped what it had: once more from 0
                    log.warning("server refused the hash of %s; uploading again from 0", sha)
                    continue
                if exc.code == "hash_mismatch":
                    self._update(sha, offset=0)
                raise
            self._done(sha, size, tally)
            return
        raise UserFacingError("Máy chủ liên tục báo sai vị trí tải lên; sẽ thử lại ở lần đồng bộ sau.")

    def _send_from(self, sha: str, size: int, offset: int, tally: UploadTally) -> int:
        while offset < size:
            chunk = self._blobs.read_range(sha, offset, self.chunk_size)
            if not chunk:
                raise BlobCorruptError(sha)  # shorter than queued: changed under us
            offset = self._transport.upload_chunk(sha, offset, chunk)
            tally.bytes_sent += len(chunk)
            crash_point("after_chunk_sent")  # the server holds the chunk; this PC has not noted it
            self._update(sha, offset=offset)
        return offset

    def _done(self, sha: str, size: int, tally: UploadTally) -> None:
        self._update(sha, state=UploadState.DONE, offset=size, last_error="")
        tally.uploaded += 1


def download_blob(transport: Transport, blobs: BlobStore, sha: str) -> Path:
    """The file of ``sha`` in the local store, fetched from the server if missing (or damaged).

    Raises:
        UserFacingError: offline (a clear Vietnamese message), the server does not have it
            (yet), or what came is not the file named.
    """
    if blobs.verify(sha):
        return blobs.path(sha)
    try:
        data = transport.download(sha)
    except OfflineError as exc:
        raise UserFacingError(
            "Máy này chưa có bản điện tử của tài liệu và đang mất kết nối máy chủ, nên chưa tải về được. "
            "Hãy thử lại khi có mạng."
        ) from exc
    except ServerError as exc:
        if exc.status == 404:
            raise UserFacingError(
                "Máy chủ chưa nhận được tệp này (quầy đính kèm chưa tải lên xong). Hãy thử lại sau."
            ) from exc
        raise
    try:
        blobs.put_verified(sha, data)
    except BlobCorruptError as exc:
        raise UserFacingError(
            "Tệp tải về từ máy chủ không khớp mã băm SHA-256, không được lưu. Hãy thử lại hoặc báo bộ phận CNTT."
        ) from exc
    return blobs.path(sha)
