"""Dossier queries: list and search (diacritic-insensitive, indexed), detail with history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from app.domain.codes import parse_dossier_code
from app.domain.events import EventType
from app.store.models import Dossier, Event
from app.text import fold

_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class DossierRow:
    """One line of the dossier list."""

    uid: str
    code: str | None
    status: int
    applicant_name: str
    personal_id: str
    phone: str
    procedure_name: str
    received_at: datetime
    due_at: datetime | None
    officer_name: str
    channel: int = 1  # app.domain.indicators.Channel: 1 direct, 2 online, 3 postal (issue 16)


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One event in a dossier's history."""

    event_id: str
    kind: str
    label: str
    officer_name: str
    device_id: str
    occurred_at: datetime
    detail: str


@dataclass(frozen=True, slots=True)
class DossierDetail:
    """Everything the detail view shows."""

    uid: str
    code: str | None
    status: int
    applicant_name: str
    personal_id: str
    birth_date: date | None
    sex: str
    address: str
    phone: str
    email: str
    procedure_code: str
    procedure_name: str
    department_name: str
    received_at: datetime
    due_at: datetime | None
    officer_name: str
    data: dict[str, Any]
    history: tuple[HistoryItem, ...]


def _row(d: Dossier) -> DossierRow:
    return DossierRow(
        d.uid, d.code, d.status, d.applicant_name, d.personal_id, d.phone, d.procedure_name,
        d.received_at, d.due_at, d.officer_name, d.channel,
    )  # fmt: skip


def fts_query(query: str, *, phrase: bool = False) -> str:
    """FTS5 MATCH expression over the folded tokens of ``query``.

    ``phrase``: the tokens in the typed order with a prefix on the last ("nguyen van a" finds
    "Nguyễn Văn An"); otherwise every token as a prefix term anywhere, all required.
    """
    tokens = _TOKEN.findall(fold(query))
    if phrase and tokens:
        return '"' + " ".join(tokens) + '"*'
    return " ".join(f'"{t}"*' for t in tokens)


_ROW_COLUMNS = (
    Dossier.uid, Dossier.code, Dossier.status, Dossier.applicant_name, Dossier.personal_id, Dossier.phone,
    Dossier.procedure_name, Dossier.received_at, Dossier.due_at, Dossier.officer_name, Dossier.channel,
)  # fmt: skip
_fts = table("dossier_fts", column("rowid"), column("dossier_fts"))


def search(session: Session, query: str = "", status: int | None = None, limit: int = 200) -> list[DossierRow]:
    """Newest first. ``query`` matches code, name, ID number, phone or procedure, accents ignored.

    Several words are first matched as a phrase in the typed order (what an officer types is a
    name: fast and precise); only when that finds nothing are they matched anywhere, in any order.
    """
    if len(_TOKEN.findall(fold(query))) > 1:
        rows = _search(session, fts_query(query, phrase=True), query, status, limit)
        if rows:
            return rows
    return _search(session, fts_query(query), query, status, limit)


_WINDOW = 20_000
"""With a status filter, the newest FTS hits looked at first (see :func:`_search`)."""


def _search(session: Session, match: str, query: str, status: int | None, limit: int) -> list[DossierRow]:
    """Plans measured on 1,000,000 rows (bench/RESULTS.md): with no status filter the query is driven from
    the FTS index in rowid order, so SQLite stops after ``limit`` hits instead of collecting every match of
    a common word ("nguyen": 40% of rows). With a status filter, the hits are collected first and joined to
    the status index, because walking them in order for a rare status visits almost every match before
    finding ``limit`` rows; but one word with more than :data:`_WINDOW` hits (counting stops there) is first
    tried on its newest :data:`_WINDOW` hits, which are the answer when they hold ``limit`` dossiers of the
    status (a common word with a common status: 30 ms instead of 80–120).
    """
    one_word = len(_TOKEN.findall(fold(query))) == 1  # several words (a name) rarely have that many hits
    if match and status is not None and one_word and parse_dossier_code(query) is None:
        hits = select(_fts.c.rowid).where(_fts.c.dossier_fts.op("MATCH")(match))
        many = select(func.count()).select_from(hits.limit(_WINDOW + 1).subquery())
        if session.execute(many).scalar_one() > _WINDOW:
            window = hits.order_by(_fts.c.rowid.desc()).limit(_WINDOW).scalar_subquery()
            stmt = select(*_ROW_COLUMNS).where(Dossier.id.in_(window), Dossier.status == status)
            stmt = stmt.order_by(Dossier.id.desc()).limit(limit)
            rows = [DossierRow(**r._asdict()) for r in session.execute(stmt)]
            if len(rows) == limit:
                return rows
    stmt = select(*_ROW_COLUMNS)
    code = parse_dossier_code(query)
    if code is not None:
        stmt = stmt.where(Dossier.code == code.text).order_by(Dossier.id.desc())
    elif match and status is None:
        stmt = (
            stmt.select_from(_fts)
            .join(Dossier, Dossier.id == _fts.c.rowid)
            .where(_fts.c.dossier_fts.op("MATCH")(match))
            .order_by(_fts.c.rowid.desc())
        )
    elif match:
        hits = select(_fts.c.rowid).where(_fts.c.dossier_fts.op("MATCH")(match))
        stmt = stmt.where(Dossier.id.in_(hits)).order_by(Dossier.id.desc())
    else:
        stmt = stmt.order_by(Dossier.id.desc())
    if status is not None:
        stmt = stmt.where(Dossier.status == status)
    return [DossierRow(**row._asdict()) for row in session.execute(stmt.limit(limit))]


def get_by_code(session: Session, code: str) -> DossierRow | None:
    """The dossier with exactly this code (as printed or scanned), or None.

    Two counters working offline may have printed the same code (the server flags the pair and
    keeps both); the one stored here first is returned, the list search shows both.
    """
    parsed = parse_dossier_code(code)
    if parsed is None:
        return None
    d = session.scalars(select(Dossier).where(Dossier.code == parsed.text).order_by(Dossier.id).limit(1)).first()
    return _row(d) if d else None


CONFLICT_RESOLVED = "conflict.resolved"  # written by the central server (server.sync.conflicts)


def _when(value: object) -> str:
    try:
        return f"{datetime.fromisoformat(str(value)):%H:%M %d/%m/%Y}"
    except ValueError:
        return ""


def _place(value: object) -> str:
    return str(value.get("name", "")) if isinstance(value, dict) else ""


def _detail_text(e: Event) -> str:
    """One line for the history view; a payload this version does not know gives ""."""
    p = e.payload
    if e.type == CONFLICT_RESOLVED:
        from app.sync.conflicts import kind_label

        return f"{kind_label(str(p.get('conflict_kind', '')))}: {p.get('resolution', '')}"
    try:
        kind = EventType(e.type)
    except ValueError:
        return ""
    match kind:
        case EventType.RECEIVED:
            due = datetime.fromisoformat(p["due_at"]) if p.get("due_at") else None
            text = f"Mã hồ sơ {p.get('code')}; hẹn trả {due:%H:%M %d/%m/%Y}" if due else f"Mã hồ sơ {p.get('code')}"
            post = p.get("postal") or {}  # issue 16: received by post, from a batch record
            return f"{text}; qua bưu chính, số hiệu bưu gửi {post.get('item_no', '')}" if post else text
        case EventType.SUPPLEMENT_REQUESTED | EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT:
            return "Cần bổ sung: " + "; ".join(p.get("items", [])) + f". Lý do: {p.get('reason', '')}"
        case EventType.REFUSED:
            return f"Lý do: {p.get('reason', '')}"
        case EventType.FORM_PRINTED:
            action = "Lưu PDF" if p.get("output") == "pdf" else "In"
            again = " (in lại)" if p.get("reprint") else ""
            return f"{action} {p.get('form_title', p.get('form', ''))}{again}"
        case EventType.HANDOVER_SENT | EventType.HANDOVER_RECEIVED:
            return f"Từ {_place(p.get('from'))} đến {_place(p.get('to'))}"
        case EventType.HANDOVER_DISCREPANCY:
            what = (
                "Thiếu (đã gửi, không nhận được)"
                if p.get("discrepancy") == "missing"
                else "Thừa (không có trong phiếu)"
            )
            return f"{what}: từ {_place(p.get('from'))} đến {_place(p.get('to'))}"
        case EventType.RESULT_RECORDED:
            return "; ".join(x for x in (str(p.get("result", "")), str(p.get("note", ""))) if x)
        case EventType.RETURNED if p.get("method") == "postal":  # issue 16: by post, with a tracking number
            return (f"Gửi qua bưu chính, số hiệu bưu gửi {p.get('tracking_no', '')}: {p.get('recipient', '')},"
                    f" {p.get('address', '')}")  # fmt: skip
        case EventType.RETURNED:
            c = p.get("collector") or {}
            who = "Người được ủy quyền" if c.get("kind") == "representative" else "Người nộp hồ sơ"
            return f"{who}: {c.get('full_name', '')} ({c.get('personal_id', '')})"
        case EventType.SUPPLEMENT_RECEIVED:
            return f"Hẹn trả mới {_when(p.get('new_due_at'))}"
        case EventType.DUE_EXTENDED:
            old, new = _when(p.get("old_due_at")), _when(p.get("new_due_at"))
            return f"Hẹn trả từ {old} sang {new}. Lý do: {p.get('reason', '')}"
        case EventType.ATTACHMENT_ADDED:
            kb = f"{int(p.get('size', 0)) / 1024:,.0f}".replace(",", ".")
            return f"{p.get('name', '')} ({p.get('pages', 0)} trang, {kb} KB)"
        case EventType.STOPPED | EventType.WITHDRAWN:
            ref = f" ({p.get('request_ref')})" if p.get("request_ref") else ""
            return f"Người đề nghị: {p.get('requester_name', '')}{ref}. Lý do: {p.get('reason', '')}"
        case EventType.FEE_PAID:  # issue 16: a payment with its numbered receipt
            from app.domain.fees import PayMethod, format_vnd

            amount = sum(int(x.get("amount", 0)) for x in p.get("lines", []))
            method = PayMethod(p["method"]).label.lower() if p.get("method") in set(PayMethod) else ""
            receipt = f"{p.get('receipt_series', '')}-{int(p.get('receipt_no', 0)):07d}"
            return f"Biên lai {receipt}: {format_vnd(amount)} đồng, {method}; người nộp: {p.get('payer_name', '')}"
        case EventType.RATED:
            from app.domain.rating import Rating, RatingSource

            try:
                rating, source = Rating(str(p.get("rating"))), RatingSource(str(p.get("source")))
            except ValueError:
                return ""
            return f"{rating.label} ({source.label})"
    return ""


def _label(kind: str) -> str:
    if kind == CONFLICT_RESOLVED:
        return "Giám sát xử lý xung đột"
    try:
        return EventType(kind).label
    except ValueError:
        return kind  # written by a newer version: shown as it is rather than hidden


def get_detail(session: Session, uid: str) -> DossierDetail | None:
    """Full detail and history (oldest first) of one dossier."""
    d = session.scalars(select(Dossier).where(Dossier.uid == uid)).one_or_none()
    if d is None:
        return None
    events = session.scalars(select(Event).where(Event.dossier_uid == uid).order_by(Event.occurred_at, Event.hlc)).all()
    history = tuple(
        HistoryItem(e.id, e.type, _label(e.type), e.officer_name, e.device_id, e.occurred_at,
                    _detail_text(e))
        for e in events
    )  # fmt: skip
    return DossierDetail(
        d.uid, d.code, d.status, d.applicant_name, d.personal_id, d.birth_date, d.sex, d.address,
        d.phone, d.email, d.procedure_code, d.procedure_name, d.department_name, d.received_at,
        d.due_at, d.officer_name, dict(d.data), history,
    )  # fmt: skip
