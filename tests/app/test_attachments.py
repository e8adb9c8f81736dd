"""BlobStore (content-addressed, durable, corruption detected) and attaching documents to a dossier."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import func, select

from app.domain.events import EventType
from app.errors import UserFacingError, ValidationError
from app.scanning.blobs import BlobCorruptError, BlobMissingError, BlobStore, sha256_hex
from app.services.attachments import attach_documents, list_attachments
from app.services.dossiers import get_detail, search
from app.services.outbox import pending_count
from app.services.reception import refuse
from app.store.db import transaction
from app.store.models import Attachment, BlobUpload, Event, Outbox
from tests.app.test_reception import draft, receive
from tests.conftest import NOW


@dataclass(frozen=True)
class Doc:
    """Shaped like app.scanning.output.ComposedDocument."""

    name: str
    requirement_index: int | None
    pdf: bytes
    pages: int


def make_pdf(pages: int = 1, marker: str = "") -> bytes:
    """A real PDF of ``pages`` blank A4 pages (``marker`` makes the bytes differ)."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.docinfo["/Title"] = marker or "tai lieu"
    out = io.BytesIO()
    pdf.save(out, static_id=True)
    return out.getvalue()


# --- BlobStore --------------------------------------------------------------------------------------


def test_put_is_content_addressed_idempotent_and_leaves_no_temp_file(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "attachments")
    data = make_pdf(2)
    sha = store.put(data)
    assert sha == sha256_hex(data)
    assert store.path(sha) == tmp_path / "attachments" / sha[:2] / sha
    assert store.has(sha) and store.read(sha) == data and store.verify(sha)
    mtime = store.path(sha).stat().st_mtime_ns
    assert store.put(data) == sha  # the same content again: nothing rewritten
    assert store.path(sha).stat().st_mtime_ns == mtime
    assert [p.name for p in (tmp_path / "attachments").rglob("*") if p.is_file()] == [sha]
    other = tmp_path / "scan.pdf"
    other.write_bytes(make_pdf(1, "khac"))
    assert store.put_file(other) == sha256_hex(other.read_bytes()) != sha


def test_a_damaged_file_is_detected_and_repaired_by_putting_it_again(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    data = make_pdf()
    sha = store.put(data)
    damaged = bytearray(data)
    damaged[len(damaged) // 2] ^= 0xFF
    store.path(sha).write_bytes(bytes(damaged))
    assert store.has(sha) and not store.verify(sha)
    with pytest.raises(BlobCorruptError) as info:
        store.read(sha)
    assert "bị hỏng" in info.value.message
    store.put(data)  # same size, wrong content: replaced
    assert store.verify(sha) and store.read(sha) == data


def test_missing_and_wrong_content_are_refused(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    sha = sha256_hex(b"x")
    assert not store.has(sha) and not store.verify(sha)
    with pytest.raises(BlobMissingError):
        store.read(sha)
    with pytest.raises(BlobCorruptError):
        store.put_verified(sha, b"y")
    assert not store.has(sha)
    store.put_verified(sha, b"x")
    assert store.read(sha) == b"x"
    assert not store.has("../etc/passwd")
    with pytest.raises(ValueError):
        store.path("../../x")


# --- attach_documents ---------------------------------------------------------------------------------


def test_attach_writes_files_then_one_event_per_document_and_queues_uploads(factory, actor, catalog, tmp_path):
    d = receive(factory, actor, catalog, draft(catalog))
    blobs = BlobStore(tmp_path / "attachments")
    docs = [Doc("Tờ khai đăng ký khai sinh", 0, make_pdf(1, "a"), 1), Doc("Giấy chứng sinh", 1, make_pdf(3, "b"), 3)]
    outbox_before = 0
    with factory() as s:
        outbox_before = pending_count(s)
    with transaction(factory) as s:
        ids = attach_documents(s, actor, blobs, d.uid, docs, occurred_at=NOW + timedelta(minutes=5))
    assert len(ids) == 2
    with factory() as s:
        events = s.scalars(select(Event).where(Event.id.in_(ids)).order_by(Event.device_seq)).all()
        assert [e.type for e in events] == [EventType.ATTACHMENT_ADDED] * 2
        p = events[1].payload
        assert p["sha256"] == sha256_hex(docs[1].pdf) and p["size"] == len(docs[1].pdf)
        assert (p["pages"], p["name"], p["requirement_index"], p["mime"]) == (3, "Giấy chứng sinh", 1,
                                                                             "application/pdf")  # fmt: skip
        assert p["unit_code"] == actor.unit_code and p["dossier_code"] == d.code
        assert pending_count(s) == outbox_before + 2
        uploads = s.scalars(select(BlobUpload).order_by(BlobUpload.size)).all()
        assert [(u.sha256, u.state, u.offset) for u in uploads] == [
            (sha256_hex(docs[0].pdf), "pending", 0), (sha256_hex(docs[1].pdf), "pending", 0)]  # fmt: skip
        from app.sync.state import read_status

        assert read_status(s).uploads == 2  # the status bar: "… 2 tệp chờ tải lên"
        listed = list_attachments(s, blobs, d.uid)
        assert [(a.name, a.pages, a.local, a.upload_pending) for a in listed] == [
            ("Tờ khai đăng ký khai sinh", 1, True, True), ("Giấy chứng sinh", 3, True, True)]  # fmt: skip
        assert listed[0].officer_name == actor.full_name and listed[0].attached_at == NOW + timedelta(minutes=5)
        detail = get_detail(s, d.uid)
        assert detail is not None
        line = [h for h in detail.history if h.kind == EventType.ATTACHMENT_ADDED][1]
        assert line.label == "Đính kèm bản điện tử" and line.detail.startswith("Giấy chứng sinh (3 trang, ")
        assert [r.uid for r in search(s, d.code)] == [d.uid]  # list and search unaffected
    for doc in docs:
        assert blobs.read(sha256_hex(doc.pdf)) == doc.pdf


def test_the_same_file_twice_is_stored_and_queued_once(factory, actor, catalog, tmp_path):
    d = receive(factory, actor, catalog, draft(catalog))
    blobs = BlobStore(tmp_path)
    pdf = make_pdf()
    with transaction(factory) as s:
        attach_documents(s, actor, blobs, d.uid, [Doc("Bản 1", None, pdf, 1)], occurred_at=NOW)
    with transaction(factory) as s:
        attach_documents(s, actor, blobs, d.uid, [Doc("Bản 2", None, pdf, 1)], occurred_at=NOW)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(BlobUpload)) == 1
        assert s.scalar(select(func.count()).select_from(Attachment)) == 2


@pytest.mark.parametrize(
    ("doc", "field", "words"),
    [
        (Doc("   ", None, make_pdf(), 1), "name1", "chưa có tên"),
        (Doc("Ảnh chụp", None, b"\x89PNG\r\n", 1), "pdf1", "không phải tệp PDF"),
        (Doc("Tờ khai", None, make_pdf(), 0), "pages1", "từ 1 đến"),
        (Doc("x" * 301, None, make_pdf(), 1), "name1", "dài quá"),
        (Doc("Tờ khai", -1, make_pdf(), 1), "index1", "không hợp lệ"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_written(factory, actor, catalog, tmp_path, doc, field, words):
    d = receive(factory, actor, catalog, draft(catalog))
    blobs = BlobStore(tmp_path / "attachments")
    good = Doc("Tờ khai", 0, make_pdf(1, "tốt"), 1)
    with pytest.raises(ValidationError) as info, transaction(factory) as s:
        attach_documents(s, actor, blobs, d.uid, [good, doc], occurred_at=NOW)
    assert words in info.value.fields[field.replace("1", "2")]
    assert not (tmp_path / "attachments").exists()  # checked before any file is written
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0
        assert s.scalar(select(func.count()).select_from(BlobUpload)) == 0


def test_unknown_or_refused_dossier_and_nothing_to_attach(factory, actor, catalog, tmp_path):
    blobs = BlobStore(tmp_path)
    doc = Doc("Tờ khai", 0, make_pdf(), 1)
    with pytest.raises(UserFacingError, match="Không tìm thấy hồ sơ"), transaction(factory) as s:
        attach_documents(s, actor, blobs, "khong-co", [doc], occurred_at=NOW)
    with transaction(factory) as s:
        refused, _ = refuse(s, actor, catalog, draft(catalog), "Hồ sơ không thuộc thẩm quyền", NOW)
    with pytest.raises(UserFacingError, match="từ chối tiếp nhận"), transaction(factory) as s:
        attach_documents(s, actor, blobs, refused.uid, [doc], occurred_at=NOW)
    d = receive(factory, actor, catalog, draft(catalog))
    with pytest.raises(UserFacingError, match="Chưa có tài liệu"), transaction(factory) as s:
        attach_documents(s, actor, blobs, d.uid, [], occurred_at=NOW)


def test_a_failure_after_the_files_leaves_orphans_and_no_event(factory, actor, catalog, tmp_path, monkeypatch):
    d = receive(factory, actor, catalog, draft(catalog))
    blobs = BlobStore(tmp_path)
    docs = [Doc("Một", 0, make_pdf(1, "1"), 1), Doc("Hai", 1, make_pdf(1, "2"), 1)]
    with factory() as s:
        events_before = s.scalar(select(func.count()).select_from(Event))
        outbox_before = s.scalar(select(func.count()).select_from(Outbox))
    import app.services.attachments as service

    calls = []
    real = service.record

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")  # the second event cannot be written
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "record", failing)
    with pytest.raises(OSError), transaction(factory) as s:
        attach_documents(s, actor, blobs, d.uid, docs, occurred_at=NOW)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == events_before
        assert s.scalar(select(func.count()).select_from(Outbox)) == outbox_before
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0
        assert s.scalar(select(func.count()).select_from(BlobUpload)) == 0
    assert all(blobs.verify(sha256_hex(doc.pdf)) for doc in docs)  # orphans: harmless, never uploaded


def test_the_fold_is_idempotent_and_keeps_an_attachment_whose_dossier_is_unknown(factory, actor, tmp_path):
    from app.store.projection import apply_event

    event = Event(id="e-1", device_id="other", device_seq=1, type=str(EventType.ATTACHMENT_ADDED),
                  dossier_uid="not-here-yet", base_version=0, officer_id="o", officer_name="Trần Văn Bình",
                  occurred_at=NOW, hlc="x", payload={"unit_code": actor.unit_code, "sha256": "a" * 64, "size": 10,
                                                     "pages": 2, "name": "Tờ khai", "requirement_index": None},
                  )  # fmt: skip
    with transaction(factory) as s:
        s.add(event)
        s.flush()
        apply_event(s, event)
        s.flush()
        apply_event(s, event)
    with factory() as s:
        listed = list_attachments(s, BlobStore(tmp_path), "not-here-yet")
        assert [(a.name, a.local, a.upload_pending, a.officer_name) for a in listed] == [
            ("Tờ khai", False, False, "Trần Văn Bình")]  # fmt: skip


def test_put_survives_a_sigkill_right_after_it_returns(tmp_path: Path) -> None:
    """The file is complete on disk once put() returned, even if the process dies at once."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    code = (
        "import os, signal, sys; from pathlib import Path; from app.scanning.blobs import BlobStore;"
        "sha = BlobStore(Path(sys.argv[1])).put(b'%PDF-1.7 ' * 100000); print(sha, flush=True);"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=60)  # fmt: skip
    sha = done.stdout.strip()
    assert done.returncode == -9 and len(sha) == 64
    assert BlobStore(tmp_path).verify(sha)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [sha]
