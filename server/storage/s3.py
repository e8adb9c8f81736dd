"""Attachments in S3-compatible object storage (MinIO, a provider's offer) through boto3.

Keys under ``MOTCUA_SERVER_S3_PREFIX``: ``u-<unit>/<sha[:2]>/<sha>`` once verified, and while
uploading each acknowledged chunk as an object of its own, ``uploads/<same>/<offset>`` (chunks
are ≤ 4 MiB and S3 multipart parts must be ≥ 5 MiB, so chunks cannot be parts). A chunk is
acknowledged only after its PUT succeeded, and a PUT is atomic: the upload's offset is the end
of the chain of chunk objects starting at 0, read from the bucket by whichever process asks.

Completion reads the chunks in order, hashing them and writing the final object as a multipart
upload of 8 MiB parts, invisible until completed: a wrong hash aborts it and nothing was ever
readable. A file under one part is written with one PUT instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from server.storage import StoreUnavailableError

if TYPE_CHECKING:
    from server.config import Settings

log = logging.getLogger(__name__)

PART_SIZE = 8 * 1024 * 1024  # parts of the final object (S3: at least 5 MiB except the last)
_BLOCK = 1024 * 1024
_UPLOADS = "uploads/"
T = TypeVar("T")


def _call(what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(...)``, with boto3's errors turned into :class:`StoreUnavailableError`."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(*args, **kwargs)
    except (BotoCoreError, ClientError) as exc:
        log.error("object storage: %s failed: %s", what, exc)
        raise StoreUnavailableError(f"{what}: {exc}") from exc


def _missing(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return False
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


@dataclass
class _Staged:
    store: S3Store
    key: str
    sha256: str = ""
    size: int = 0
    upload_id: str = ""  # the multipart upload holding the bytes ("" : the bytes are in ``data``)
    parts: list[dict[str, Any]] = field(default_factory=list)
    data: bytes = b""

    def keep(self) -> None:
        s = self.store
        name = s.final_key(self.key)
        if self.upload_id:
            _call("complete_multipart_upload", s.client.complete_multipart_upload, Bucket=s.bucket, Key=name,
                  UploadId=self.upload_id, MultipartUpload={"Parts": self.parts})  # fmt: skip
            self.upload_id = ""
        else:
            _call("put_object", s.client.put_object, Bucket=s.bucket, Key=name, Body=self.data)
        s.discard(self.key)

    def drop(self) -> None:
        if self.upload_id:
            s = self.store
            # on failure the bucket's lifecycle rule for incomplete multipart uploads removes it
            with contextlib.suppress(StoreUnavailableError):
                _call("abort_multipart_upload", s.client.abort_multipart_upload, Bucket=s.bucket,
                      Key=s.final_key(self.key), UploadId=self.upload_id)  # fmt: skip
            self.upload_id = ""


class S3Store:
    """Attachment objects in one bucket.

    Args:
        client: A boto3 S3 client (thread-safe; one per store).
        bucket: The bucket (made by the administrator beforehand).
        prefix: Prepended to every key (``motcua/``: several uses share a bucket).
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        """The store of ``MOTCUA_SERVER_S3_*``; credentials left empty come from boto3's usual
        places (environment, ``~/.aws``, an instance role)."""
        if not settings.s3_bucket:
            raise StoreUnavailableError("MOTCUA_SERVER_ATTACHMENT_STORE=s3 needs MOTCUA_SERVER_S3_BUCKET")
        import boto3
        from botocore.config import Config

        config = Config(
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 4, "mode": "standard"},
            # checksums only where S3 requires them: several S3-compatible servers refuse the
            # newer default ones (every file is checked against its SHA-256 on completion anyway)
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path"} if settings.s3_endpoint_url else {},
        )
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region or None,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key or None,
            config=config,
        )
        return cls(client, settings.s3_bucket, settings.s3_prefix)

    def final_key(self, key: str) -> str:
        """The object name of the verified file of ``key``."""
        return self.prefix + key

    def _upload_prefix(self, key: str) -> str:
        return f"{self.prefix}{_UPLOADS}{key}/"

    def _list(self, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = _call("list_objects_v2", lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=prefix)))
        for page in pages:
            yield from page.get("Contents", [])

    def _chain(self, key: str) -> list[tuple[str, int]]:
        """The chunk objects of the upload in order (object name, size), from offset 0 on."""
        prefix = self._upload_prefix(key)
        found: dict[int, tuple[str, int]] = {}
        for item in self._list(prefix):
            name = str(item["Key"])
            tail = name[len(prefix) :]
            if tail.isdigit() and int(item["Size"]) > 0:
                found[int(tail)] = (name, int(item["Size"]))
        chain: list[tuple[str, int]] = []
        at = 0
        while at in found:
            chain.append(found[at])
            at += found[at][1]
        return chain

    def offset(self, key: str) -> int:
        return sum(size for _name, size in self._chain(key))

    def append(self, key: str, offset: int, chunk: bytes) -> None:
        if chunk:
            name = f"{self._upload_prefix(key)}{offset:015d}"
            _call("put_object", self.client.put_object, Bucket=self.bucket, Key=name, Body=chunk)

    def _read(self, name: str) -> bytes:
        body = _call("get_object", self.client.get_object, Bucket=self.bucket, Key=name)["Body"]
        try:
            data: bytes = _call("get_object", body.read)
        finally:
            body.close()
        return data

    def stage(self, key: str) -> _Staged:
        staged = _Staged(self, key)
        digest = hashlib.sha256()
        buffer = bytearray()
        try:
            for name, _size in self._chain(key):
                data = self._read(name)
                digest.update(data)
                staged.size += len(data)
                buffer += data
                while len(buffer) >= PART_SIZE:
                    self._upload_part(staged, bytes(buffer[:PART_SIZE]))
                    del buffer[:PART_SIZE]
            if staged.upload_id and buffer:
                self._upload_part(staged, bytes(buffer))
            elif not staged.upload_id:
                staged.data = bytes(buffer)
        except BaseException:
            staged.drop()
            raise
        staged.sha256 = digest.hexdigest()
        return staged

    def _upload_part(self, staged: _Staged, data: bytes) -> None:
        name = self.final_key(staged.key)
        if not staged.upload_id:
            created = _call("create_multipart_upload", self.client.create_multipart_upload, Bucket=self.bucket,
                            Key=name, ContentType="application/octet-stream")  # fmt: skip
            staged.upload_id = str(created["UploadId"])
        number = len(staged.parts) + 1
        answer = _call("upload_part", self.client.upload_part, Bucket=self.bucket, Key=name,
                       UploadId=staged.upload_id, PartNumber=number, Body=data)  # fmt: skip
        staged.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def discard(self, key: str) -> None:
        names = [{"Key": str(item["Key"])} for item in self._list(self._upload_prefix(key))]
        for start in range(0, len(names), 1000):
            _call("delete_objects", self.client.delete_objects, Bucket=self.bucket,
                  Delete={"Objects": names[start : start + 1000], "Quiet": True})  # fmt: skip

    def open(self, key: str) -> Iterator[bytes] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.final_key(key))
        except (BotoCoreError, ClientError) as exc:
            if _missing(exc):
                return None
            log.error("object storage: get_object failed: %s", exc)
            raise StoreUnavailableError(f"get_object: {exc}") from exc
        return _blocks(answer["Body"])

    def uploads(self) -> Iterator[tuple[str, datetime]]:
        prefix = self.prefix + _UPLOADS
        latest: dict[str, datetime] = {}
        for item in self._list(prefix):
            key, _sep, _offset = str(item["Key"])[len(prefix) :].rpartition("/")
            modified: datetime = item["LastModified"]
            if modified.tzinfo is None:
                modified = modified.replace(tzinfo=UTC)
            if key and (key not in latest or modified > latest[key]):
                latest[key] = modified
        yield from latest.items()


def _blocks(body: Any) -> Iterator[bytes]:
    try:
        for block in body.iter_chunks(_BLOCK):
            yield bytes(block)
    finally:
        body.close()
