"""Attachment files between counters and a real server (uvicorn; SQLite and PostgreSQL).

Upload in chunks after the events, resume from the server's offset, start again after the server
refused the hash, an event that reaches another counter before its file, download on demand
(checked against its SHA-256) and a clear message when the server cannot be reached.
"""

# ruff: noqa: F811 - the tests take the imported fixtures live and counter by name

from __future__ import annotations

import io
import os
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import select, update

from app.errors import UserFacingError
from app.scanning.blobs import BlobStore, sha256_hex
from app.services.attachments import attach_documents, list_attachments
from app.store.db import transaction
from app.store.models import BlobUpload
from app.sync.attachments import Uploader, download_blob, pending_uploads
from app.sync.engine import SyncEngine
from app.sync.secrets import SecretStore
from app.sync.transport import Transport, make_client
from tests.app.test_attachments import Doc

# The live server (SQLite and PostgreSQL) and counter fixtures of the reference tests.
from tests.app.test_sync_reference_live import UNIT, Live, counter, live  # noqa: F401 - fixtures
from tests.conftest import NOW
from tests.sync_support import Counter

CHUNK = 256 * 1024  # test scale: a 700 KB file goes up in three chunks


def big_pdf(size: int, seed: str = "") -> bytes:
    """A valid one-page PDF of about ``size`` bytes (a stream of random bytes inside)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.Root.Padding = pikepdf.Stream(pdf, os.urandom(size))
    pdf.docinfo["/Title"] = seed or "ban dien tu"
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def server_file(live: Live, sha: str) -> Path:
    return live.app.state.ctx.settings.data_dir / "attachments" / f"u-{UNIT}" / sha[:2] / sha


def attach(c: Counter, catalog, pdf: bytes, name: str = "Tờ khai") -> tuple[str, str]:
    """A receipt at counter ``c`` with one attachment; (dossier uid, sha256)."""
    d = c.receive(catalog)
    with transaction(c.factory) as s:
        attach_documents(s, c.actor, BlobStore(c.folder / "attachments"), d.uid, [Doc(name, 0, pdf, 1)],
                         occurred_at=NOW)  # fmt: skip
    return d.uid, sha256_hex(pdf)


def uploader(c: Counter, blobs: BlobStore | None = None) -> Uploader:
    return Uploader(c.factory, c.client.transport, blobs or BlobStore(c.folder / "attachments"),
                    lambda: c.clock[0], chunk_size=CHUNK)  # fmt: skip


def test_a_sync_pass_pushes_the_event_then_uploads_the_file(live: Live, counter, catalog) -> None:
    a = counter("Quầy số 01")
    pdf = big_pdf(2_300_000)  # three chunks of 1 MiB
    uid, sha = attach(a, catalog, pdf)
    with a.factory() as s:
        assert pending_uploads(s) == 1
    report = a.engine().run_once()
    assert report.ok and report.uploaded == 1, report
    assert sha256_hex(server_file(live, sha).read_bytes()) == sha
    assert a.client.transport.upload_offset(sha) == (len(pdf), True)
    with a.factory() as s:
        row = s.get(BlobUpload, sha)
        assert row is not None and (row.state, row.offset, row.attempts) == ("done", len(pdf), 1)
        assert pending_uploads(s) == 0
        assert [(x.local, x.upload_pending) for x in list_attachments(s, BlobStore(a.folder / "attachments"), uid)] == [
            (True, False)]  # fmt: skip
    assert a.engine().run_once().uploaded == 0  # nothing sent twice


def test_an_interrupted_upload_resumes_from_the_servers_offset(live: Live, counter, catalog) -> None:
    a = counter("Quầy số 01")
    pdf = big_pdf(700_000)
    _uid, sha = attach(a, catalog, pdf)
    transport = a.client.transport
    # a previous attempt got one chunk across and died before noting it (local offset still 0)
    assert transport.upload_chunk(sha, 0, pdf[:CHUNK]) == CHUNK
    tally = uploader(a).run()
    assert (tally.uploaded, tally.bytes_sent) == (1, len(pdf) - CHUNK)  # the first chunk not sent again
    assert server_file(live, sha).read_bytes() == pdf


def test_a_damaged_upload_at_the_server_is_started_again_from_zero(live: Live, counter, catalog) -> None:
    a = counter("Quầy số 01")
    pdf = big_pdf(600_000)
    _uid, sha = attach(a, catalog, pdf)
    a.client.transport.upload_chunk(sha, 0, b"\0" * CHUNK)  # wrong bytes at the server
    tally = uploader(a).run()
    assert tally.uploaded == 1
    assert tally.bytes_sent == (len(pdf) - CHUNK) + len(pdf)  # rest, refused (hash_mismatch), all again
    assert server_file(live, sha).read_bytes() == pdf


def test_an_event_reaches_another_counter_before_its_file(live: Live, counter, catalog, tmp_path) -> None:
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    pdf = big_pdf(400_000)
    uid, sha = attach(a, catalog, pdf, "Giấy chứng sinh")
    # A's pass sends the event but not the file: it is missing from the store this engine looks in
    # (a file lost on A): the row is marked failed and does not block the pass.
    empty = BlobStore(tmp_path / "empty")
    report = SyncEngine(a.factory, a.client.transport, clock=lambda: a.clock[0], blobs=empty).run_once()
    assert report.ok and report.uploaded == 0
    with a.factory() as s:
        row = s.get(BlobUpload, sha)
        assert row is not None and row.state == "failed" and "mất hoặc hỏng" in row.last_error
    assert b.engine().run_once().ok  # B pulls the receipt and the attachment event
    b_blobs = BlobStore(b.folder / "attachments")
    with b.factory() as s:
        listed = list_attachments(s, b_blobs, uid)
    assert [(x.name, x.local, x.upload_pending, x.size) for x in listed] == [
        ("Giấy chứng sinh", False, False, len(pdf))
    ]
    with pytest.raises(UserFacingError, match="chưa nhận được tệp"):
        download_blob(b.client.transport, b_blobs, sha)
    # the file is found again on A: queued again, uploaded by A's next ordinary pass
    with transaction(a.factory) as s:
        s.execute(update(BlobUpload).where(BlobUpload.sha256 == sha).values(state="pending", last_error=""))
    assert a.engine().run_once().uploaded == 1
    path = download_blob(b.client.transport, b_blobs, sha)
    assert path.read_bytes() == pdf and b_blobs.verify(sha)
    with b.factory() as s:
        assert [x.local for x in list_attachments(s, b_blobs, uid)] == [True]
        assert s.scalar(select(BlobUpload.sha256)) is None  # B never uploads what it downloaded


def test_download_while_the_server_is_unreachable_says_so_in_vietnamese(live: Live, counter, catalog) -> None:
    b = counter("Quầy số 02")
    transport = Transport(make_client("http://127.0.0.1:9"), b.client.transport.device_id,
                          SecretStore(b.folder, b.client.transport.device_id))  # fmt: skip
    with pytest.raises(UserFacingError) as info:
        download_blob(transport, BlobStore(b.folder / "attachments"), "ab" * 32)
    assert "mất kết nối máy chủ" in info.value.message and "Hãy thử lại khi có mạng" in info.value.message
    transport.close()


def test_an_offline_pass_keeps_the_file_queued(live: Live, counter, catalog) -> None:
    a = counter("Quầy số 01")
    _uid, sha = attach(a, catalog, big_pdf(300_000))
    offline = Transport(make_client("http://127.0.0.1:9"), a.client.transport.device_id,
                        SecretStore(a.folder, a.client.transport.device_id))  # fmt: skip
    with pytest.raises(UserFacingError, match="Mất kết nối"):
        Uploader(a.factory, offline, BlobStore(a.folder / "attachments"), lambda: a.clock[0]).run()
    offline.close()
    with a.factory() as s:
        row = s.get(BlobUpload, sha)
        assert row is not None and row.state == "pending" and "Mất kết nối" in row.last_error
    assert a.engine().run_once().uploaded == 1
