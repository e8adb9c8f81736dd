"""Attaching scanned documents (PDF) to a dossier, and listing a dossier's attachments.

Order of writes (SYNC.md, Attachments): every file is written to the BlobStore and fsynced
first; then one ``dossier.attachment_added`` event per document is recorded, with its upload
queue row, in the caller's transaction. If anything fails before the commit there is no event
at all; the files already written are orphans — harmless (content-addressed, nothing refers to
them, a later attach of the same content reuses them) and never uploaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.contracts import AttachmentAddedPayload
from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.errors import UserFacingError, ValidationError
from app.scanning.blobs import BlobStore
from app.services.context import Actor
from app.services.recorder import building, record
from app.store.models import Attachment, BlobUpload, Dossier, UploadState
from app.text import nfc

MIME_PDF: Literal["application/pdf"] = "application/pdf"
NAME_MAX = 300
SIZE_MAX = 2_000_000_000  # the server's limit (server/sync/attachments.py)
PAGES_MAX = 10_000


class DocumentLike(Protocol):
    """What is attached: app.scanning.output.ComposedDocument or anything shaped like it."""

    @property
    def name(self) -> str: ...
    @property
    def requirement_index(self) -> int | None: ...
    @property
    def pdf(self) -> bytes: ...
    @property
    def pages(self) -> int: ...


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    """One attachment of a dossier as the detail view shows it.

    Attributes:
        local: the file is on this PC (else it is fetched from the server when opened).
        upload_pending: this PC still has to upload the file to the server.
    """

    event_id: str
    sha256: str
    name: str
    requirement_index: int | None
    pages: int
    size: int
    attached_at: datetime
    officer_name: str
    local: bool
    upload_pending: bool = False


def _check(session: Session, dossier_uid: str, documents: Sequence[DocumentLike]) -> Dossier:
    dossier = session.scalars(select(Dossier).where(Dossier.uid == dossier_uid)).first()
    if dossier is None:
        raise UserFacingError("Không tìm thấy hồ sơ trên máy này; không đính kèm được bản điện tử.")
    if dossier.status == DossierStatus.REFUSED:
        raise UserFacingError("Hồ sơ đã bị từ chối tiếp nhận; không đính kèm bản điện tử vào hồ sơ này.")
    if not documents:
        raise UserFacingError("Chưa có tài liệu nào để đính kèm.")
    errors: dict[str, str] = {}
    for n, doc in enumerate(documents, 1):
        name = nfc(doc.name).strip()
        if not name:
            errors[f"name{n}"] = f"Tài liệu thứ {n} chưa có tên."
        elif len(name) > NAME_MAX:
            errors[f"name{n}"] = f"Tên tài liệu thứ {n} dài quá {NAME_MAX} ký tự."
        if not doc.pdf.startswith(b"%PDF"):
            errors[f"pdf{n}"] = f"Tài liệu “{name or n}” không phải tệp PDF."
        elif len(doc.pdf) > SIZE_MAX:
            errors[f"pdf{n}"] = f"Tài liệu “{name}” quá lớn (tối đa 2 GB)."
        if not 1 <= doc.pages <= PAGES_MAX:
            errors[f"pages{n}"] = f"Tài liệu “{name or n}” phải có từ 1 đến {PAGES_MAX} trang."
        if doc.requirement_index is not None and doc.requirement_index < 0:
            errors[f"index{n}"] = f"Tài liệu “{name or n}” gắn với thành phần hồ sơ không hợp lệ."
    if errors:
        raise ValidationError(errors)
    return dossier


def attach_documents(
    session: Session,
    actor: Actor,
    blobs: BlobStore,
    dossier_uid: str,
    documents: Sequence[DocumentLike],
    *,
    occurred_at: datetime,
    source: str = "scan",
    now_utc: datetime | None = None,
) -> list[str]:
    """Attach PDFs to a dossier: files first (durable), then one event per document.

    Runs in the caller's transaction (``app.store.db.transaction``): all events and upload
    queue rows commit together or not at all.

    Args:
        source: a short summary of where the pages came from (``scan``, ``import``…), kept in
            the payload for the history.
        now_utc: the queue rows' creation time (naive UTC; default: ``occurred_at``).

    Returns:
        The ids of the events recorded, in the order of ``documents``.

    Raises:
        ValidationError: a document without a name, not a PDF, with no page.
        UserFacingError: unknown or refused dossier, nothing to attach.
    """
    dossier = _check(session, dossier_uid, documents)
    hashes = [blobs.put(doc.pdf) for doc in documents]  # durable before any event names them
    ids: list[str] = []
    queued = now_utc or occurred_at
    for doc, sha in zip(documents, hashes, strict=True):
        with building(EventType.ATTACHMENT_ADDED):
            payload = AttachmentAddedPayload(
                unit_code=dossier.unit_code,
                dossier_code=dossier.code,
                sha256=sha,
                size=len(doc.pdf),
                pages=int(doc.pages),
                name=nfc(doc.name).strip(),
                requirement_index=doc.requirement_index,
                mime=MIME_PDF,
                source=nfc(source).strip()[:100],
            )
        rec, _ = record(session, actor, EventType.ATTACHMENT_ADDED, dossier_uid, payload, occurred_at=occurred_at,
                        base_version=dossier.version)  # fmt: skip
        ids.append(rec.event_id)
        _queue(session, sha, len(doc.pdf), queued)
    return ids


def _queue(session: Session, sha: str, size: int, now: datetime) -> None:
    row = session.get(BlobUpload, sha)
    if row is None:
        session.add(BlobUpload(sha256=sha, size=size, state=UploadState.PENDING, offset=0, attempts=0,
                               last_error="", created_at=now))  # fmt: skip
        session.flush()
    elif row.state == UploadState.FAILED:  # the file is back (attached again): try again
        row.state, row.last_error = UploadState.PENDING, ""


def list_attachments(session: Session, blobs: BlobStore, dossier_uid: str) -> list[AttachmentInfo]:
    """The dossier's attachments, oldest first, with whether each file is here and still to upload."""
    rows = session.scalars(
        select(Attachment)
        .where(Attachment.dossier_uid == dossier_uid)
        .order_by(Attachment.attached_at, Attachment.event_id)
    ).all()
    hashes = {r.sha256 for r in rows}
    pending: set[str] = set()
    if hashes:
        query = select(BlobUpload.sha256).where(BlobUpload.sha256.in_(hashes), BlobUpload.state != UploadState.DONE)
        pending.update(session.scalars(query))
    return [
        AttachmentInfo(
            r.event_id,
            r.sha256,
            r.name,
            r.requirement_index,
            r.pages,
            r.size,
            r.attached_at,
            r.officer_name,
            local=blobs.has(r.sha256),
            upload_pending=r.sha256 in pending,
        )
        for r in rows
    ]
