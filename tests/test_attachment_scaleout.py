"""Attachments when the server scales out: two real server processes (uvicorn on loopback, each
with a data folder of its own) on one PostgreSQL. An upload started through process 1 is
continued and completed through process 2 and downloaded through process 1, byte for byte —
(a) with the files in S3-compatible object storage (an S3-protocol server on loopback), (b) in
a folder both processes share (``MOTCUA_SERVER_ATTACHMENT_DIR``).

Before the storage settings existed each process kept its files in its own data folder: process
2 knew the upload (PostgreSQL) but not its bytes, and the chunk sent there was refused (409).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.s3_support import S3Server, s3_server
from tests.sync_processes import (
    PASSWORD,
    ServerProcess,
    create_office,
    enrol_code,
    fresh_pg_database,
    server_engine,
)

pytestmark = pytest.mark.slow

UNIT = "000.07.00.H49"
USERNAME = "canbo.mo_rong"
CHUNK = 4 * 1024 * 1024
SIZE = 2 * CHUNK + 1_500_000  # three chunks; more than one 8 MiB part of the final S3 object


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database (dropped at the end)."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(fresh_pg_database("motcua_scaleout"))
        except ConnectionError as exc:
            pytest.skip(str(exc))
        yield url


@pytest.fixture
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@contextlib.contextmanager
def two_processes(tmp_path: Path, pg_url: str) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two server processes on ``pg_url``, each with its own data folder; stopped at the end."""
    engine = server_engine(pg_url)
    try:
        create_office(engine, UNIT, USERNAME)
        code = enrol_code(engine, UNIT)
    finally:
        engine.dispose()
    first, second = ServerProcess(tmp_path / "p1", pg_url), ServerProcess(tmp_path / "p2", pg_url)
    try:
        first.start()
        second.start()
        first.code = code  # type: ignore[attr-defined]
        yield first, second
    finally:
        first.stop()
        second.stop()


def _headers(server: ServerProcess) -> dict[str, str]:
    enrolled = httpx.post(server.url + "/auth/enrol", json={"code": server.code, "counter_name": "Quầy số 01"})  # type: ignore[attr-defined]
    assert enrolled.status_code == 200, enrolled.text
    device = enrolled.json()
    login = httpx.post(
        server.url + "/auth/login",
        json={"username": USERNAME, "password": PASSWORD, "device_id": device["device_id"],
              "device_secret": device["device_secret"]},
    )  # fmt: skip
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _chunk(server: ServerProcess, auth: dict[str, str], sha: str, offset: int, data: bytes) -> httpx.Response:
    headers = auth | {"Upload-Offset": str(offset), "Content-Type": "application/octet-stream"}
    return httpx.patch(f"{server.url}/attachments/{sha}", content=data, headers=headers, timeout=30)


def upload_across(first: ServerProcess, second: ServerProcess) -> tuple[str, bytes]:
    """Chunk 1 through ``first``; the rest and completion through ``second``; the download
    through ``first`` is the same bytes. Returns (sha256, data)."""
    data = os.urandom(SIZE)
    sha = hashlib.sha256(data).hexdigest()
    auth = _headers(first)
    sent = _chunk(first, auth, sha, 0, data[:CHUNK])
    assert sent.status_code == 204 and sent.headers["Upload-Offset"] == str(CHUNK), sent.text
    # the counter's next request lands on the other process: it asks how far the upload got
    head = httpx.head(f"{second.url}/attachments/{sha}", headers=auth)
    assert head.status_code == 200, second.log_tail()
    assert (head.headers["Upload-Offset"], head.headers["Upload-Complete"]) == (str(CHUNK), "0")
    for offset in range(CHUNK, SIZE, CHUNK):
        sent = _chunk(second, auth, sha, offset, data[offset : offset + CHUNK])
        assert sent.status_code == 204, sent.text
        assert sent.headers["Upload-Offset"] == str(min(offset + CHUNK, SIZE))
    done = httpx.post(f"{second.url}/attachments/{sha}/complete", json={"size": SIZE}, headers=auth, timeout=60)
    assert done.status_code == 200, done.text + second.log_tail()
    assert done.json() == {"sha256": sha, "size": SIZE}
    head = httpx.head(f"{first.url}/attachments/{sha}", headers=auth)
    assert (head.headers["Upload-Offset"], head.headers["Upload-Complete"]) == (str(SIZE), "1")
    got = httpx.get(f"{first.url}/attachments/{sha}", headers=auth, timeout=60)
    assert got.status_code == 200, first.log_tail()
    assert got.headers["content-length"] == str(SIZE)
    assert hashlib.sha256(got.content).hexdigest() == sha and got.content == data
    return sha, data


def test_s3_an_upload_goes_on_through_another_process(
    tmp_path: Path, pg_url: str, s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in s3.env(prefix="motcua/").items():
        monkeypatch.setenv(name, value)
    with two_processes(tmp_path, pg_url) as (first, second):
        sha, data = upload_across(first, second)
    # one verified object; the chunk objects are gone; nothing in either data folder
    assert s3.keys() == [f"motcua/u-{UNIT}/{sha[:2]}/{sha}"]
    assert s3.read(s3.keys()[0]) == data
    assert not (tmp_path / "p1" / "attachments").exists() and not (tmp_path / "p2" / "attachments").exists()


def test_shared_folder_an_upload_goes_on_through_another_process(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared-attachments"
    monkeypatch.setenv("MOTCUA_SERVER_ATTACHMENT_DIR", str(shared))
    with two_processes(tmp_path, pg_url) as (first, second):
        sha, data = upload_across(first, second)
    final = shared / f"u-{UNIT}" / sha[:2] / sha
    assert final.read_bytes() == data
    assert [p.name for p in shared.rglob("*") if p.is_file()] == [sha]  # the .part is gone
    # only the server's own account may read the files (no other user on the machine)
    assert stat.S_IMODE(final.stat().st_mode) == 0o600
    for folder in (shared, final.parent.parent, final.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
