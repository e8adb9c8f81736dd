"""Attachments: resumable chunked upload, whole-file hash check, office-scoped access."""

from __future__ import annotations

import hashlib
import os

import httpx

from server.sync.attachments import CHUNK_MAX
from tests.server.conftest import World
from tests.server.sync_helpers import Counter


def _patch(c: Counter, sha: str, offset: int, chunk: bytes) -> httpx.Response:
    headers = c.headers | {"Upload-Offset": str(offset), "Content-Type": "application/octet-stream"}
    return c.srv.client.patch(f"/attachments/{sha}", content=chunk, headers=headers)


def test_upload_half_ask_the_offset_then_finish(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    data = os.urandom(300_000)
    sha = hashlib.sha256(data).hexdigest()
    client = world.srv.client
    assert client.head(f"/attachments/{sha}", headers=c.headers).status_code == 404
    half = len(data) // 2
    first = _patch(c, sha, 0, data[:half])
    assert first.status_code == 204 and first.headers["Upload-Offset"] == str(half)
    # the client crashed: ask where to resume
    head = client.head(f"/attachments/{sha}", headers=c.headers)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(half)
    assert head.headers["Upload-Complete"] == "0"
    # a chunk at the wrong offset is refused with the right one
    wrong = _patch(c, sha, 10, data[10:half])
    assert wrong.status_code == 409 and wrong.headers["Upload-Offset"] == str(half)
    assert _patch(c, sha, half, data[half:]).status_code == 204
    # not downloadable before it is verified
    assert client.get(f"/attachments/{sha}", headers=c.headers).status_code == 404
    done = client.post(f"/attachments/{sha}/complete", json={"size": len(data)}, headers=c.headers)
    assert done.status_code == 200, done.text
    assert done.json() == {"sha256": sha, "size": len(data)}
    again = client.post(f"/attachments/{sha}/complete", json={"size": len(data)}, headers=c.headers)
    assert again.status_code == 200
    head = client.head(f"/attachments/{sha}", headers=c.headers)
    assert head.headers["Upload-Offset"] == str(len(data)) and head.headers["Upload-Complete"] == "1"
    got = client.get(f"/attachments/{sha}", headers=c.headers)
    assert got.status_code == 200 and got.content == data
    late = _patch(c, sha, len(data), b"more")
    assert late.status_code == 409
    stored = world.srv.ctx.settings.data_dir / "attachments"
    assert [p.name for p in stored.rglob("*") if p.is_file()] == [sha]


def test_a_wrong_hash_is_refused_and_the_upload_dropped(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    data = b"noi dung that" * 1000
    sha = hashlib.sha256(b"something else").hexdigest()
    assert _patch(c, sha, 0, data).status_code == 204
    answer = world.srv.client.post(f"/attachments/{sha}/complete", json={"size": len(data)}, headers=c.headers)
    assert answer.status_code == 422 and answer.json()["detail"]["code"] == "hash_mismatch"
    assert world.srv.client.head(f"/attachments/{sha}", headers=c.headers).status_code == 404
    assert world.srv.client.get(f"/attachments/{sha}", headers=c.headers).status_code == 404
    # a truncated upload (size says more than arrived) is refused the same way
    good = b"abc" * 100
    sha_good = hashlib.sha256(good).hexdigest()
    assert _patch(c, sha_good, 0, good[:100]).status_code == 204
    short = world.srv.client.post(f"/attachments/{sha_good}/complete", json={"size": len(good)}, headers=c.headers)
    assert short.status_code == 422
    complete_unknown = world.srv.client.post(f"/attachments/{'0' * 64}/complete", json={"size": 1}, headers=c.headers)
    assert complete_unknown.status_code == 404


def test_attachments_belong_to_their_office(world: World) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    b = Counter(world.srv, world.device_b, "canbo.b")
    data = b"giay to cua van phong A"
    sha = hashlib.sha256(data).hexdigest()
    _patch(a, sha, 0, data)
    assert (
        world.srv.client.post(f"/attachments/{sha}/complete", json={"size": len(data)}, headers=a.headers).status_code
        == 200
    )
    assert world.srv.client.get(f"/attachments/{sha}", headers=b.headers).status_code == 404
    assert world.srv.client.head(f"/attachments/{sha}", headers=b.headers).status_code == 404
    assert world.srv.client.get(f"/attachments/{sha}").status_code == 401
    # office B may upload its own copy of the same bytes
    assert _patch(b, sha, 0, data).status_code == 204
    assert (
        world.srv.client.post(f"/attachments/{sha}/complete", json={"size": len(data)}, headers=b.headers).status_code
        == 200
    )
    assert world.srv.client.get(f"/attachments/{sha}", headers=b.headers).content == data


def test_oversized_chunks_and_bad_names_are_refused(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    sha = "a" * 64
    too_big = _patch(c, sha, 0, b"x" * (CHUNK_MAX + 1))
    assert too_big.status_code == 413 and "tối đa 4 MiB" in too_big.json()["detail"]["message"]
    assert world.srv.client.head("/attachments/NOT-A-HASH", headers=c.headers).status_code == 422
    no_offset = world.srv.client.patch(f"/attachments/{sha}", content=b"x", headers=c.headers)
    assert no_offset.status_code == 422
