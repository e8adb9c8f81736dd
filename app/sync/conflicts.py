"""Conflicts the central server opened, as this PC knows them: cached, listed, resolved.

The server never drops a conflict and keeps the whole list (``GET /conflicts``, supervisors
only). Every counter still has to see that a dossier is disputed, online or not, so this PC
keeps its own table (``sync_conflict``) filled from three sources:

* the results of its own pushes: ``flagged`` events carry the conflict ids (not their kinds);
* events of other counters pulled from the feed: each change carries its ``flags`` (the kinds);
* a supervisor's ``GET /conflicts``: everything, ids and kinds together.

A conflict is known by its id, or by (flagged event, kind) before its id is known; the server's
``conflict.resolved`` event names both, so it closes the row whichever way it was learnt.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import fee_receipt
from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.errors import UserFacingError, ValidationError
from app.store.models import Device, Dossier, Event, Officer, Setting, SyncConflict
from app.sync import wire
from app.sync.state import as_utc_naive, utc_now
from app.sync.transport import Transport

log = logging.getLogger(__name__)

RESOLVED = "conflict.resolved"
"""Type of the server's event that closes a conflict (server/sync/conflicts.py)."""
FETCHED_KEY = "sync.conflicts_fetched_at"
"""Setting row: when a supervisor's list was last fetched from the server (UTC, ISO)."""
SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})
Listing = Literal["open", "resolved", "all"]

KIND_LABELS = {
    "illegal_transition": "Chuyển trạng thái không hợp lệ",
    "duplicate_code": "Trùng mã hồ sơ",
    "possible_duplicate": "Có thể trùng hồ sơ",
    "code_not_issued": "Mã hồ sơ ngoài dải số được cấp",
    "double_handover": "Hồ sơ giấy bị bàn giao hai lần",
    "due_extended_twice": "Dời ngày hẹn trả lần thứ hai",
    "double_rating": "Hồ sơ được đánh giá hai lần",
    "clock_skew": "Giờ máy trạm sai lệch",
    "unverified_author": "Người thực hiện chưa từng đăng nhập trên máy trạm",
    "duplicate_receipt": "Trùng số biên lai thu phí, lệ phí",
}
UNKNOWN_KIND = "Xung đột khi đồng bộ"


def kind_label(kind: str) -> str:
    """The Vietnamese name of a conflict kind (a kind this version does not know is shown as is)."""
    if not kind:
        return UNKNOWN_KIND
    return KIND_LABELS.get(kind, f"{UNKNOWN_KIND} ({kind})")


# --- what the screens get -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConflictEvent:
    """One event involved in a conflict: what was done, by whom, at which counter, when."""

    event_id: str
    what: str
    officer_name: str
    counter_name: str
    occurred_at: datetime | None  # office local time; None when this PC does not hold the event


@dataclass(frozen=True, slots=True)
class ConflictItem:
    """A conflict with what a person needs to judge it. Times are naive UTC except events'."""

    key: int
    conflict_id: str | None
    kind: str
    dossier_uid: str
    dossier_code: str
    applicant_name: str
    description: str
    events: tuple[ConflictEvent, ...]
    opened_at: datetime
    resolved_at: datetime | None
    resolution: str
    resolved_by: str

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def can_resolve(self) -> bool:
        """Whether the server can be asked to resolve it (its id is known and it is open)."""
        return self.is_open and self.conflict_id is not None


@dataclass(frozen=True, slots=True)
class ConflictList:
    """The cached list and when a supervisor last fetched it from the server (UTC; None: never)."""

    items: tuple[ConflictItem, ...]
    fetched_at: datetime | None


# --- learning conflicts (sync engine, in its transactions) -----------------------------------


def _find(s: Session, conflict_id: str | None, event_id: str, kind: str) -> SyncConflict | None:
    """The row of a conflict known by id, or by (flagged event, kind) while its id was unknown.

    Without an id (a pulled event's flags) any row of that event and kind is the same conflict:
    an event opens at most one conflict of each kind.
    """
    query = select(SyncConflict).where(SyncConflict.event_id == event_id, SyncConflict.kind == kind)
    if conflict_id:
        row = s.scalars(select(SyncConflict).where(SyncConflict.conflict_id == conflict_id)).first()
        if row is not None:
            return row
        query = query.where(SyncConflict.conflict_id.is_(None))
    return s.scalars(query.order_by(SyncConflict.id).limit(1)).first()


def note_push_result(s: Session, event: Event, result: wire.PushResult, now: datetime) -> None:
    """Remember the conflicts the server opened on one of this PC's events (id, kind, reason).

    An older server sends no ``flags``: the kind stays "" until a supervisor's fetch fills it in.
    """
    kinds = list(result.flags) if len(result.flags) == len(result.conflict_ids) else [""] * len(result.conflict_ids)
    for conflict_id, kind in zip(result.conflict_ids, kinds, strict=True):
        if _find(s, conflict_id, event.id, "") is not None:
            continue  # a resend answered "duplicate" with the same ids
        s.add(
            SyncConflict(
                conflict_id=conflict_id, event_id=event.id, kind=kind[:40], dossier_uid=event.dossier_uid,
                event_ids=[event.id], details={}, reason=result.reason, opened_at=now, resolution="",
                resolved_by="", resolution_event_id="",
            )
        )  # fmt: skip


def note_pulled(s: Session, event: Event, flags: list[str]) -> None:
    """Fold what a pulled event says about conflicts: its flags open them, a resolution closes one.

    Called for every new pulled event; a plain event without flags costs nothing. The caller's
    session may be in ``no_autoflush`` (a page folded at once): rows of the same page are flushed
    first so a conflict opened and resolved within one page is found.
    """
    if event.type == RESOLVED:
        s.flush()
        _fold_resolution(s, event)
        return
    if not flags:
        return
    s.flush()
    opened = event.synced_at or utc_now()
    for kind in dict.fromkeys(str(f)[:40] for f in flags):
        if _find(s, None, event.id, kind) is not None:
            continue
        s.add(
            SyncConflict(
                conflict_id=None, event_id=event.id, kind=kind, dossier_uid=event.dossier_uid, event_ids=[event.id],
                details={}, reason="", opened_at=opened, resolution="", resolved_by="", resolution_event_id="",
            )
        )  # fmt: skip


def _fold_resolution(s: Session, event: Event) -> None:
    p = event.payload
    conflict_id, kind = p.get("conflict_id"), p.get("conflict_kind")
    event_ids = [str(e) for e in p.get("event_ids", []) if isinstance(e, str)]
    if not isinstance(conflict_id, str) or not isinstance(kind, str) or not event_ids:
        log.error("conflict.resolved event %s without conflict_id, conflict_kind or event_ids: ignored", event.id)
        return
    resolved_at = event.synced_at or utc_now()
    row = _find(s, conflict_id, event_ids[0], kind) or _find(s, None, event_ids[0], "")
    if row is None:
        row = SyncConflict(
            event_id=event_ids[0], dossier_uid=event.dossier_uid, details={}, reason="", opened_at=resolved_at
        )
        s.add(row)
    row.conflict_id, row.kind, row.event_ids = conflict_id, kind, event_ids
    row.resolved_at, row.resolution = resolved_at, str(p.get("resolution", ""))
    row.resolved_by, row.resolution_event_id = event.officer_name, event.id


def merge_server_list(s: Session, conflicts: list[wire.ConflictWire]) -> None:
    """Store what ``GET /conflicts`` said: it knows everything, so it overwrites what was guessed.

    A conflict this PC already knows as resolved (its resolution event arrived) stays resolved.
    """
    officers: dict[str, str] = {row.id: row.full_name for row in s.execute(select(Officer.id, Officer.full_name))}
    for c in conflicts:
        row = _find(s, c.id, c.event_ids[0] if c.event_ids else "", c.kind)
        if row is None and c.event_ids:
            row = _find(s, None, c.event_ids[0], "")
        if row is None:
            row = SyncConflict(reason="", resolution="", resolved_by="", resolution_event_id="")
            s.add(row)
        row.conflict_id, row.kind, row.dossier_uid = c.id, c.kind, c.dossier_uid
        row.event_id = c.event_ids[0] if c.event_ids else ""
        row.event_ids, row.details, row.opened_at = list(c.event_ids), dict(c.details), as_utc_naive(c.opened_at)
        if c.resolved_at is not None:
            row.resolved_at = as_utc_naive(c.resolved_at)
            row.resolution = c.resolution or ""
            row.resolved_by = officers.get(c.resolved_by or "", c.resolved_by or "")
            row.resolution_event_id = c.resolution_event_id or ""


# --- the supervisor's side: fetch and resolve -----------------------------------------------


def download(transport: Transport) -> list[wire.ConflictWire]:
    """The office's open and recently resolved conflicts from the server (network only, no database).

    Raises:
        OfflineError: the server cannot be reached.
        ServerError: refused, e.g. 403 for a counter officer.
        ProtocolError: the answer does not follow the protocol.
    """
    return [*transport.conflicts("open", 1000).conflicts, *transport.conflicts("resolved", 200).conflicts]


def store(s: Session, answers: list[wire.ConflictWire], at: datetime) -> None:
    """Cache what the server said (in the caller's transaction) and when."""
    merge_server_list(s, answers)
    _set_fetched(s, at)


def fetch(factory: Callable[[], Session], transport: Transport, now: Callable[[], datetime] = utc_now) -> None:
    """:func:`download` and :func:`store` in one go (the cached list stays as it was on failure)."""
    answers = download(transport)
    with factory() as s, s.begin():
        store(s, answers, now())


def _set_fetched(s: Session, at: datetime) -> None:
    row = s.get(Setting, FETCHED_KEY)
    if row is None:
        s.add(Setting(key=FETCHED_KEY, value=at.isoformat()))
    else:
        row.value = at.isoformat()


def check_resolution(text: str) -> str:
    """The resolution as it will be stored: NFC, trimmed, 1…2000 characters.

    Raises:
        ValidationError: empty or too long, with what to write instead.
    """
    clean = unicodedata.normalize("NFC", text).strip()
    if not clean:
        raise ValidationError(
            {"resolution": "Hãy ghi cách giải quyết (ví dụ: hồ sơ giấy đang ở phòng nào, ai giữ, đã làm gì)."}
        )
    if len(clean) > wire.RESOLUTION_MAX:
        raise ValidationError(
            {"resolution": f"Nội dung giải quyết dài {len(clean)} ký tự; tối đa {wire.RESOLUTION_MAX} ký tự."}
        )
    return clean


def resolve(
    factory: Callable[[], Session],
    transport: Transport,
    conflict_id: str | None,
    text: str,
    now: Callable[[], datetime] = utc_now,
) -> None:
    """Send a supervisor's resolution; the server writes ``conflict.resolved`` onto the feed.

    The answer is cached at once (the list shows it resolved); every counter, this one too,
    then receives the resolution event with its next pull.

    Raises:
        ValidationError: the text is empty or too long.
        UserFacingError: the conflict's server id is not known yet (fetch the list first).
        OfflineError, ServerError, ProtocolError: as :meth:`Transport.resolve_conflict`.
    """
    answer = send_resolution(transport, conflict_id, text)
    with factory() as s, s.begin():
        store(s, [answer], now())


def send_resolution(transport: Transport, conflict_id: str | None, text: str) -> wire.ConflictWire:
    """The network half of :func:`resolve`: check the text, POST it, return the server's answer."""
    clean = check_resolution(text)
    if conflict_id is None:
        raise UserFacingError("Chưa có mã xung đột từ máy chủ. Hãy bấm “Làm mới” khi có kết nối rồi giải quyết.")
    return transport.resolve_conflict(conflict_id, clean)


# --- reading (workers of the screens) --------------------------------------------------------


def fetched_at(s: Session) -> datetime | None:
    """When the cached list was last fetched from the server (UTC), None if never."""
    row = s.get(Setting, FETCHED_KEY)
    if row is None or not isinstance(row.value, str):
        return None
    try:
        return datetime.fromisoformat(row.value)
    except ValueError:
        return None


def open_count(s: Session) -> int:
    """How many conflicts this PC knows to be open (the status bar of a supervisor)."""
    return s.scalar(select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))) or 0


def list_conflicts(s: Session, listing: Listing = "all") -> ConflictList:
    """The cached conflicts: open ones first (oldest first), then resolved (newest first)."""
    query = select(SyncConflict)
    if listing == "open":
        query = query.where(SyncConflict.resolved_at.is_(None))
    elif listing == "resolved":
        query = query.where(SyncConflict.resolved_at.is_not(None))
    rows = list(s.scalars(query))
    open_ = sorted((r for r in rows if r.resolved_at is None), key=lambda r: (r.opened_at, r.id))
    closed = sorted((r for r in rows if r.resolved_at is not None), key=lambda r: (r.resolved_at, r.id), reverse=True)
    return ConflictList(_items(s, [*open_, *closed]), fetched_at(s))


def open_conflicts_of(s: Session, dossier_uid: str) -> tuple[ConflictItem, ...]:
    """The open conflicts of one dossier (the banner of the dossier detail)."""
    rows = list(
        s.scalars(
            select(SyncConflict)
            .where(SyncConflict.dossier_uid == dossier_uid, SyncConflict.resolved_at.is_(None))
            .order_by(SyncConflict.opened_at, SyncConflict.id)
        )
    )
    return _items(s, rows)


def _items(s: Session, rows: list[SyncConflict]) -> tuple[ConflictItem, ...]:
    if not rows:
        return ()
    uids = {r.dossier_uid for r in rows}
    dossiers = {d.uid: d for d in s.scalars(select(Dossier).where(Dossier.uid.in_(uids)))}
    device = s.scalars(select(Device)).first()
    own = (device.id, device.counter_name) if device is not None else ("", "")
    return tuple(_item(s, r, dossiers.get(r.dossier_uid), own) for r in rows)


def _item(s: Session, row: SyncConflict, dossier: Dossier | None, own: tuple[str, str]) -> ConflictItem:
    code = (dossier.code if dossier is not None else None) or str(row.details.get("code", "")) or ""
    return ConflictItem(
        key=row.id, conflict_id=row.conflict_id, kind=row.kind, dossier_uid=row.dossier_uid, dossier_code=code,
        applicant_name=dossier.applicant_name if dossier is not None else "",
        description=row.reason or describe(row.kind, row.details, code), events=_events(s, row, own),
        opened_at=row.opened_at, resolved_at=row.resolved_at, resolution=row.resolution, resolved_by=row.resolved_by,
    )  # fmt: skip


def _events(s: Session, row: SyncConflict, own: tuple[str, str]) -> tuple[ConflictEvent, ...]:
    """The events named by the conflict, and for a double handover every handover from the same state."""
    ids = [str(e) for e in row.event_ids] or [row.event_id]
    held = {e.id: e for e in s.scalars(select(Event).where(Event.id.in_(ids)))}
    flagged = held.get(row.event_id)
    if flagged is not None and flagged.type == EventType.HANDOVER_SENT:
        parent = flagged.payload.get("parent_event_id")
        for sibling in s.scalars(
            select(Event).where(Event.dossier_uid == row.dossier_uid, Event.type == str(EventType.HANDOVER_SENT))
        ):
            if sibling.payload.get("parent_event_id") == parent and sibling.id not in held:
                held[sibling.id] = sibling
                ids.append(sibling.id)
    out = [_event(held.get(i), i, own) for i in ids]
    return tuple(sorted(out, key=lambda e: (e.occurred_at is None, e.occurred_at or datetime.min)))


def _event(event: Event | None, event_id: str, own: tuple[str, str]) -> ConflictEvent:
    if event is None:
        return ConflictEvent(event_id, "Sự kiện chưa có trên máy này", "", "", None)
    try:
        what = EventType(event.type).label
    except ValueError:
        what = event.type
    destination = event.payload.get("to")
    if isinstance(destination, dict) and destination.get("name"):
        what = f"{what} → {destination['name']}"
    if event.type == EventType.FEE_PAID and (receipt := _receipt_of(event.payload)):
        what = f"{what}, biên lai {receipt}"
    counter = str(event.payload.get("counter_name", "")) or (own[1] if event.device_id == own[0] else "")
    return ConflictEvent(event.id, what, event.officer_name, counter or f"Máy trạm {event.device_id[:8]}",
                         event.occurred_at)  # fmt: skip


def describe(kind: str, details: dict[str, Any], code: str) -> str:
    """A sentence saying what is wrong, from the conflict's kind and the server's details."""
    code = code or str(details.get("code", ""))
    match kind:
        case "double_handover":
            return (
                f"Hồ sơ giấy {code} được bàn giao hai lần từ cùng một trạng thái (hoặc bởi người không còn giữ"
                " hồ sơ). Cần xác định hồ sơ giấy đang thực sự ở đâu."
            )
        case "duplicate_code":
            return f"Mã hồ sơ {code} trùng với một hồ sơ khác của đơn vị; mã đã in được giữ nguyên."
        case "code_not_issued":
            return f"Mã hồ sơ {code} nằm ngoài các dải số máy chủ đã cấp cho máy trạm."
        case "possible_duplicate":
            return (
                f"Số định danh {details.get('personal_id', '')} đã được tiếp nhận cho cùng thủ tục tại quầy khác"
                " trong cùng ngày: có thể trùng hồ sơ."
            )
        case "illegal_transition":
            return "Chuyển trạng thái không hợp lệ" + _transition(details) + "; trạng thái trên máy chủ giữ nguyên."
        case "due_extended_twice":
            return "Ngày hẹn trả đã được dời một lần; theo quy định chỉ được dời một lần."
        case "double_rating":
            return (
                f"Hồ sơ {code} được đánh giá hai lần (hai quầy cùng ghi khi mất kết nối); đánh giá ghi trước được"
                " giữ. Cần xác minh ý kiến của công dân."
            )
        case "clock_skew":
            hours = _number(details.get("ahead_seconds")) / 3600
            return (
                f"Giờ trên máy trạm đi trước giờ máy chủ khoảng {hours:.1f} giờ khi ghi sự kiện: thời điểm ghi trên"
                " hồ sơ có thể sai. Cần kiểm tra lại và chỉnh đồng hồ máy tính đó."
            )
        case "duplicate_receipt":
            receipt = _receipt_of(details)
            return (
                f"Biên lai thu phí, lệ phí{' ' + receipt if receipt else ''} trùng số với một biên lai khác của đơn vị"
                " (hai quầy cùng in một số, hoặc máy trạm được khôi phục từ bản sao lưu cũ). Biên lai đã in được giữ"
                " nguyên, không đánh lại số; cần đối chiếu hai biên lai với sổ thu phí, lệ phí và ghi nhận theo quy"
                " định."
            )
        case "unverified_author":
            return (
                f"Sự kiện ghi người thực hiện là {details.get('officer_name', '')}, nhưng cán bộ này chưa từng đăng"
                " nhập trên máy trạm đã gửi nó. Cần xác minh ai đã thực hiện."
            )
        case _:
            return f"{kind_label(kind)}: cần lãnh đạo xem xét."


def _receipt_of(values: dict[str, Any]) -> str:
    """ "BL26-0000001" from a payment's (or a conflict's) receipt year and number; "" when absent."""
    year, number = values.get("receipt_year"), values.get("receipt_no")
    if not isinstance(year, int) or not isinstance(number, int) or not 1 <= number <= fee_receipt.NUMBER_MAX:
        return ""
    return fee_receipt.receipt_label(year, number)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _transition(details: dict[str, Any]) -> str:
    try:
        old, new = DossierStatus(int(details["from"])), DossierStatus(int(details["to"]))
    except (KeyError, TypeError, ValueError):
        return ""
    return f" (từ “{old.label}” sang “{new.label}”)"


def is_supervisor(role: str) -> bool:
    """Whether ``role`` may list conflicts at the server and resolve them."""
    return str(role) in SUPERVISOR_ROLES
