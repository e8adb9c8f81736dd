"""Where attachment bytes live: a folder (embedded default, or shared by several processes) or
S3-compatible object storage, behind one interface chosen by ``MOTCUA_SERVER_ATTACHMENT_STORE``.

A store knows bytes under keys (``u-<unit>/<sha[:2]>/<sha>``), nothing of offices or officers:
server/sync/attachments.py keeps the database rows, checks offsets and hashes, and serialises
the writers of one key (a lock in the process and, on PostgreSQL, an advisory lock across
processes) before it calls :meth:`AttachmentStore.append`, :meth:`~AttachmentStore.discard` or
:meth:`Staged.keep`. Every fact a store answers comes from the storage itself, never from one
process's memory, so any server process can continue an upload another one started.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from server.config import Settings


class StoreUnavailableError(Exception):
    """The storage did not answer or refused the request (object storage down, bucket missing)."""


class Staged(Protocol):
    """An unfinished upload read through once (its hash and size), ready to become the file."""

    @property
    def sha256(self) -> str:
        """SHA-256 (lower-case hex) of the bytes read."""
        ...

    @property
    def size(self) -> int:
        """Bytes read."""
        ...

    def keep(self) -> None:
        """Make these bytes the verified file of the key and remove the unfinished upload."""
        ...

    def drop(self) -> None:
        """Forget what staging prepared (the unfinished upload itself stays)."""
        ...


class AttachmentStore(Protocol):
    """Bytes of verified files and of unfinished uploads, by key."""

    def offset(self, key: str) -> int:
        """Bytes of the unfinished upload of ``key`` (0 when there is none)."""
        ...

    def append(self, key: str, offset: int, chunk: bytes) -> None:
        """Add ``chunk`` at ``offset`` (the caller checked that it is :meth:`offset`); durable on return."""
        ...

    def stage(self, key: str) -> Staged:
        """Read the unfinished upload through once, hashing it (no lock held: it may be long)."""
        ...

    def discard(self, key: str) -> None:
        """Remove the unfinished upload of ``key`` (nothing when there is none)."""
        ...

    def open(self, key: str) -> Iterator[bytes] | None:
        """The verified file in blocks, or None when the store does not have it."""
        ...

    def uploads(self) -> Iterator[tuple[str, datetime]]:
        """Every unfinished upload: its key and when it last grew (aware UTC)."""
        ...


def open_store(settings: Settings) -> AttachmentStore:
    """The store the settings choose (``attachment_store``: ``folder`` or ``s3``)."""
    if settings.attachment_store == "s3":
        from server.storage.s3 import S3Store

        return S3Store.from_settings(settings)
    from server.storage.folder import FolderStore

    return FolderStore(settings.resolved_attachment_dir())
