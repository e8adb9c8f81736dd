"""The attachment stores behind one contract: the folder and S3-compatible object storage (an
S3-protocol server on loopback), each with the server's database on SQLite and PostgreSQL.

Upload in chunks, resume through another instance of the store (another server process), keep
a verified file, refuse a wrong hash, refuse a chunk that arrives while the upload is hashed,
expire unfinished uploads; folder files 0600 in folders 0700; the routes answer 503 in
Vietnamese when the object storage does not answer.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server.app import create_app
from server.config import Settings
from server.db import make_engine, session_factory
from server.storage import AttachmentStore, Staged, open_store
from server.storage.folder import FolderStore
from server.storage.s3 import PART_SIZE
from server.sync import attachments
from server.sync.attachments import CHUNK_MAX, UploadError, expire_uploads, key_of
from server.sync.models import Attachment
from tests.s3_support import ACCESS_KEY, REGION, SECRET_KEY, S3Server, s3_server
from tests.server.conftest import BACKENDS, SECRET, UNIT_A, FakeClock, Srv, TestClient, _database
from tests.server.sync_helpers import Counter

OFFICER = str(uuid.uuid4())
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


def _s3_settings(s3: S3Server, tmp_path: Path, prefix: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", attachment_store="s3", s3_endpoint_url=s3.endpoint_url,
                    s3_bucket=s3.bucket, s3_region=REGION, s3_access_key_id=ACCESS_KEY,
                    s3_secret_access_key=SECRET_KEY, s3_prefix=prefix)  # fmt: skip


@pytest.fixture(params=["folder", "s3"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], AttachmentStore]:
    """Opens the store under test anew each call, as another server process would."""
    if request.param == "folder":
        settings = Settings(data_dir=tmp_path / "data", attachment_dir=tmp_path / "shared")
    else:
        settings = _s3_settings(request.getfixturevalue("s3"), tmp_path, f"t-{secrets.token_hex(4)}/")
    return lambda: open_store(settings)


@pytest.fixture(params=BACKENDS)
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = _database(request, tmp_path)
    engine = make_engine(url, pool_size=2) if url.startswith("postgresql") else make_engine(url)
    yield session_factory(engine)
    engine.dispose()


NOW = datetime.now(UTC).replace(microsecond=0)


def _send(factory: sessionmaker[Session], store: AttachmentStore, sha: str, offset: int, chunk: bytes) -> int:
    with factory() as s:
        return attachments.append(s, store, UNIT_A, sha, offset, chunk, OFFICER, NOW)


def _complete(factory: sessionmaker[Session], store: AttachmentStore, sha: str, size: int) -> int | None:
    with factory() as s:
        return attachments.complete(s, store, UNIT_A, sha, size, NOW)


def _state(factory: sessionmaker[Session], store: AttachmentStore, sha: str) -> attachments.UploadState | None:
    with factory() as s:
        return attachments.state(s, store, UNIT_A, sha)


def _download(factory: sessionmaker[Session], store: AttachmentStore, sha: str) -> bytes | None:
    with factory() as s:
        found = attachments.download(s, store, UNIT_A, sha)
    if found is None:
        return None
    size, blocks = found
    data = b"".join(blocks)
    assert len(data) == size
    return data


@pytest.mark.parametrize("size", [3 * MiB + 12_345, PART_SIZE + CHUNK_MAX + 7])
def test_upload_in_chunks_resume_elsewhere_complete_download(
    opener: Callable[[], AttachmentStore], factory: sessionmaker[Session], size: int
) -> None:
    data = os.urandom(size)
    sha = hashlib.sha256(data).hexdigest()
    first = opener()
    assert _state(factory, first, sha) is None
    assert _send(factory, first, sha, 0, data[:MiB]) == MiB
    # another process picks the upload up: it learns the offset from the store, not from memory
    second = opener()
    assert _state(factory, second, sha) == attachments.UploadState(MiB, False)
    with pytest.raises(UploadError) as wrong:
        _send(factory, second, sha, 10, data[10:MiB])
    assert (wrong.value.code, wrong.value.offset) == ("offset_mismatch", MiB)
    offset = MiB
    while offset < size:
        chunk = data[offset : offset + CHUNK_MAX]
        assert _send(factory, second, sha, offset, chunk) == offset + len(chunk)
        offset += len(chunk)
    assert _download(factory, first, sha) is None  # not before it is verified
    assert _complete(factory, second, sha, size) == size
    assert _complete(factory, first, sha, size) == size  # again: answered from the row
    assert _state(factory, first, sha) == attachments.UploadState(size, True)
    assert _download(factory, first, sha) == data
    assert list(first.uploads()) == []  # the chunks are gone
    with pytest.raises(UploadError) as late:
        _send(factory, first, sha, size, b"more")
    assert late.value.code == "complete"


def test_a_wrong_hash_is_refused_and_the_upload_dropped(
    opener: Callable[[], AttachmentStore], factory: sessionmaker[Session]
) -> None:
    store = opener()
    data = os.urandom(2 * MiB)
    sha = hashlib.sha256(b"something else").hexdigest()
    _send(factory, store, sha, 0, data[:MiB])
    _send(factory, store, sha, MiB, data[MiB:])
    with pytest.raises(UploadError) as refused:
        _complete(factory, store, sha, len(data))
    assert refused.value.code == "hash_mismatch"
    assert _state(factory, store, sha) is None and _download(factory, store, sha) is None
    assert store.offset(key_of(UNIT_A, sha)) == 0 and list(store.uploads()) == []
    assert store.open(key_of(UNIT_A, sha)) is None
    # right bytes, but fewer than announced: refused the same way
    good = os.urandom(1000)
    good_sha = hashlib.sha256(good).hexdigest()
    _send(factory, store, good_sha, 0, good[:400])
    with pytest.raises(UploadError) as short:
        _complete(factory, store, good_sha, len(good))
    assert short.value.code == "hash_mismatch"
    # and it starts again from 0
    assert _send(factory, store, good_sha, 0, good) == len(good)
    assert _complete(factory, store, good_sha, len(good)) == len(good)
    assert _download(factory, store, good_sha) == good


class _ChunkWhileHashing:
    """The store under test, with a chunk arriving (through another process) right after the
    upload was hashed and before it is kept."""

    def __init__(self, store: AttachmentStore, late: Callable[[], None]) -> None:
        self._store = store
        self._late = late

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def stage(self, key: str) -> Staged:
        staged = self._store.stage(key)
        self._late()
        return staged


def test_a_chunk_arriving_while_hashing_is_not_lost(
    opener: Callable[[], AttachmentStore], factory: sessionmaker[Session]
) -> None:
    store = opener()
    data = os.urandom(MiB + 500)
    sha = hashlib.sha256(data).hexdigest()
    _send(factory, store, sha, 0, data[:MiB])
    racing = _ChunkWhileHashing(store, lambda: _send(factory, opener(), sha, MiB, data[MiB:]))
    with pytest.raises(UploadError) as moved:
        _complete(factory, racing, sha, len(data))  # type: ignore[arg-type]
    assert (moved.value.code, moved.value.offset) == ("offset_mismatch", len(data))
    assert _complete(factory, store, sha, len(data)) == len(data)
    assert _download(factory, store, sha) == data


def test_unfinished_uploads_expire(opener: Callable[[], AttachmentStore], factory: sessionmaker[Session]) -> None:
    store = opener()
    old, young, done, orphan = (os.urandom(2000 + i) for i in range(4))
    sha = {name: hashlib.sha256(d).hexdigest() for name, d in (("old", old), ("young", young), ("done", done))}
    with factory() as s:
        attachments.append(s, store, UNIT_A, sha["old"], 0, old[:1000], OFFICER, NOW - timedelta(hours=73))
    with factory() as s:
        attachments.append(s, store, UNIT_A, sha["young"], 0, young[:1000], OFFICER, NOW - timedelta(hours=71))
    with factory() as s:
        attachments.append(s, store, UNIT_A, sha["done"], 0, done, OFFICER, NOW - timedelta(hours=200))
    assert _complete(factory, store, sha["done"], len(done)) == len(done)
    # bytes no row knows of (a process died between the store and its commit)
    orphan_key = key_of(UNIT_A, hashlib.sha256(orphan).hexdigest())
    store.append(orphan_key, 0, orphan)
    real_now = datetime.now(UTC)  # the store dates the orphan by the real clock
    with factory() as s:
        assert expire_uploads(s, store, NOW) == 1  # the orphan is younger than 72 h
    assert _state(factory, store, sha["old"]) is None and store.offset(key_of(UNIT_A, sha["old"])) == 0
    assert _state(factory, store, sha["young"]) == attachments.UploadState(1000, False)
    assert store.offset(orphan_key) == len(orphan)
    with factory() as s:
        assert expire_uploads(s, store, real_now + timedelta(hours=72, minutes=1)) == 2  # young and orphan
    assert _state(factory, store, sha["young"]) is None and list(store.uploads()) == []
    assert _download(factory, store, sha["done"]) == done  # verified files never expire
    with factory() as s:
        assert s.scalars(select(Attachment.sha256)).all() == [sha["done"]]
        assert expire_uploads(s, store, real_now + timedelta(days=30)) == 0
    # the counter that comes back starts again from 0
    assert _send(factory, store, sha["old"], 0, old) == len(old)


# --- folder only ------------------------------------------------------------------------------


def test_folder_files_are_0600_in_folders_0700(srv_sqlite: Srv) -> None:
    """Through the routes, with the usual umask (022): only the server's account reads the files."""
    srv = srv_sqlite
    srv.office(UNIT_A)
    srv.officer(UNIT_A, "canbo.a")
    c = Counter(srv, srv.device(UNIT_A), "canbo.a")
    data = os.urandom(5000)
    sha = hashlib.sha256(data).hexdigest()
    before = os.umask(0o022)
    try:
        headers = c.headers | {"Upload-Offset": "0", "Content-Type": "application/octet-stream"}
        assert srv.client.patch(f"/attachments/{sha}", content=data, headers=headers).status_code == 204
        root = srv.ctx.settings.data_dir / "attachments"
        part = root / f"u-{UNIT_A}" / sha[:2] / f"{sha}.part"
        assert stat.S_IMODE(part.stat().st_mode) == 0o600
        done = srv.client.post(f"/attachments/{sha}/complete", json={"size": len(data)}, headers=c.headers)
        assert done.status_code == 200, done.text
    finally:
        os.umask(before)
    final = root / f"u-{UNIT_A}" / sha[:2] / sha
    assert stat.S_IMODE(final.stat().st_mode) == 0o600
    for folder in (root, final.parent.parent, final.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_an_existing_open_folder_is_closed(tmp_path: Path) -> None:
    """Files of older versions were 0644 in 0755 folders: opening the store closes the root."""
    root = tmp_path / "attachments"
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    FolderStore(root)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700


# --- S3 only ----------------------------------------------------------------------------------


def test_s3_down_is_a_503_in_vietnamese(tmp_path: Path, sqlite_template: Path) -> None:
    """The object storage does not answer: the routes say so (503), the upload stays resumable."""
    import shutil

    from tests.sync_processes import free_port

    dead = S3Server(f"http://127.0.0.1:{free_port()}", "motcua-none")
    path = tmp_path / "server.db"
    shutil.copy(sqlite_template, path)
    settings = _s3_settings(dead, tmp_path, "")
    settings = Settings(**(settings.model_dump() | {"database_url": f"sqlite:///{path}", "secret_key": SECRET}))
    app = create_app(settings)
    clock = FakeClock()
    app.state.ctx = replace(app.state.ctx, clock=clock)
    with TestClient(app) as client:
        srv = Srv(client=client, ctx=app.state.ctx, clock=clock, backend="sqlite")
        srv.office(UNIT_A)
        srv.officer(UNIT_A, "canbo.a")
        c = Counter(srv, srv.device(UNIT_A), "canbo.a")
        headers = c.headers | {"Upload-Offset": "0", "Content-Type": "application/octet-stream"}
        answer = client.patch(f"/attachments/{'ab' * 32}", content=b"x" * 100, headers=headers)
    assert answer.status_code == 503
    detail = answer.json()["detail"]
    assert detail["code"] == "storage_unavailable"
    assert "thử lại sau" in detail["message"]


def test_the_hourly_prune_expires_unfinished_uploads(srv: Srv) -> None:
    """server/sync/retention.py's prune (start-up, hourly, ``admin prune``) drops an upload left
    unfinished for ``upload_expiry_hours``; the counter then starts it again from 0."""
    from server.sync.retention import prune

    srv.office(UNIT_A)
    srv.officer(UNIT_A, "canbo.a")
    c = Counter(srv, srv.device(UNIT_A), "canbo.a")
    data = os.urandom(3000)
    sha = hashlib.sha256(data).hexdigest()
    headers = c.headers | {"Upload-Offset": "0", "Content-Type": "application/octet-stream"}
    assert srv.client.patch(f"/attachments/{sha}", content=data[:1000], headers=headers).status_code == 204
    settings = srv.ctx.settings
    assert settings.upload_expiry_hours == 72
    with srv.tx() as s:
        assert prune(s, settings, srv.clock() + timedelta(hours=71))["attachment_uploads"] == 0
    srv.clock.advance(hours=73)
    with srv.tx() as s:
        assert prune(s, settings, srv.clock())["attachment_uploads"] == 1
    c = Counter(srv, c.device, "canbo.a")  # a new login: the old token expired
    assert srv.client.head(f"/attachments/{sha}", headers=c.headers).status_code == 404
    assert not list(settings.resolved_attachment_dir().rglob("*.part"))
    headers = c.headers | {"Upload-Offset": "0", "Content-Type": "application/octet-stream"}
    assert srv.client.patch(f"/attachments/{sha}", content=data, headers=headers).status_code == 204
    done = srv.client.post(f"/attachments/{sha}/complete", json={"size": len(data)}, headers=c.headers)
    assert done.status_code == 200, done.text
