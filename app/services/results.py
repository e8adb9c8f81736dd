"""Processing after reception: supplement requested by the department, received later at the
counter (the clock restarts or pauses by setting), and the apology that moves the due date once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.contracts import DepartmentSupplementPayload, DueExtendedPayload, SupplementReceivedPayload
from app.domain.custody import working_minutes_between
from app.domain.durations import DurationUnit, ProcessingTime
from app.domain.events import EventType
from app.domain.status import DossierStatus, Step, check_step
from app.errors import UserFacingError, ValidationError
from app.services.context import Actor
from app.services.drafts import Changes
from app.services.recorder import building, record
from app.services.returns import StepDone, load_dossier, move
from app.store.models import Dossier, Event, Setting
from app.text import nfc

SUPPLEMENT_CLOCK_KEY = "supplement_clock"


class SupplementClock(StrEnum):
    """What a supplement requested during processing does to the due date (DOMAIN.md §2)."""

    RESTART = "restart"  # the full processing time counts again from the complete dossier [law]
    PAUSE = "pause"  # the time left at the request is kept and resumes at the supplement

    @property
    def label(self) -> str:
        return {"restart": "Tính lại từ đầu", "pause": "Tạm dừng, tính tiếp"}[self]


def supplement_clock(session: Session) -> SupplementClock:
    """The office's setting ``supplement_clock`` ("restart" by default, as the law says)."""
    row = session.get(Setting, SUPPLEMENT_CLOCK_KEY)
    try:
        return SupplementClock(row.value) if row is not None else SupplementClock.RESTART
    except ValueError:
        return SupplementClock.RESTART


def request_supplement_after_reception(
    session: Session,
    actor: Actor,
    calendar: WorkingCalendar,
    uid: str,
    items: list[str],
    reason: str,
    now: datetime,
) -> tuple[StepDone, Changes]:
    """The department asks for a supplement (status 5; form 02 is printed from this event).

    The working minutes left until the due date are stored with the request, so a paused clock
    resumes from exactly there.

    Raises:
        ValidationError: no item or no reason.
        UserFacingError: the status does not allow a supplement request.
    """
    clean = [nfc(i).strip() for i in items if nfc(i).strip()]
    errors: dict[str, str] = {}
    if not clean:
        errors["items"] = "Hãy ghi ít nhất một nội dung cần bổ sung, hoàn thiện."
    if not nfc(reason).strip():
        errors["reason"] = "Hãy ghi lý do yêu cầu bổ sung."
    if errors:
        raise ValidationError(errors)
    d = load_dossier(session, uid)
    check_step(Step.REQUEST_SUPPLEMENT, d.status, d.code or "")
    move(d, DossierStatus.SUPPLEMENT_REQUESTED)
    remaining = working_minutes_between(calendar, now, d.due_at) if d.due_at else 0
    with building(EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT):
        payload = DepartmentSupplementPayload(
            unit_code=d.unit_code,
            items=clean,
            reason=nfc(reason).strip(),
            department_code=d.department_code,
            department_name=d.department_name,
            requested_at=now.isoformat(timespec="seconds"),
            due_at=d.due_at.isoformat(timespec="minutes") if d.due_at else None,
            remaining_minutes=remaining,
        )
    rec, _ = record(session, actor, EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT, uid, payload, occurred_at=now,
                    base_version=d.version)  # fmt: skip
    message = f"Đã ghi yêu cầu bổ sung hồ sơ {d.code}. In Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ gửi công dân."
    done = StepDone(uid, d.code, DossierStatus.SUPPLEMENT_REQUESTED, d.due_at, rec.event_id, message)
    return done, Changes(frozenset({uid}))


def _processing_time(data: dict[str, object]) -> ProcessingTime:
    proc = data.get("procedure")
    p = proc.get("processing") if isinstance(proc, dict) else None
    if not isinstance(p, dict):
        raise UserFacingError("Hồ sơ không ghi thời hạn giải quyết của thủ tục; không tính lại được ngày hẹn trả.")
    cutoff = time.fromisoformat(p["cutoff"]) if p.get("cutoff") else None
    return ProcessingTime(float(p["value"]), DurationUnit(p["unit"]), cutoff)


def _supplement_request(session: Session, uid: str) -> tuple[Dossier, Event]:
    """The dossier and the department's open supplement request, when the papers can be received."""
    d = load_dossier(session, uid)
    check_step(Step.RECEIVE_SUPPLEMENT, d.status, d.code or "")
    request = session.scalars(
        select(Event)
        .where(Event.dossier_uid == uid, Event.type == str(EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT))
        .order_by(Event.occurred_at.desc(), Event.hlc.desc())
        .limit(1)
    ).first()
    if request is None:
        raise UserFacingError(
            f"Hồ sơ {d.code} được yêu cầu bổ sung ngay khi tiếp nhận; hãy tiếp nhận lại như một hồ sơ mới."
        )
    move(d, DossierStatus.PROCESSING)
    return d, request


def check_receive_supplement(session: Session, uid: str) -> None:
    """What :func:`receive_supplement` checks, without writing (before the officer confirms).

    Raises:
        UserFacingError: no supplement was requested during processing.
    """
    _supplement_request(session, uid)


def receive_supplement(
    session: Session, actor: Actor, calendar: WorkingCalendar, uid: str, now: datetime, note: str = ""
) -> tuple[StepDone, Changes]:
    """The citizen brings the supplement to the counter: back to processing with a new due date.

    ``supplement_clock`` = restart: the procedure's full processing time from now (the law);
    pause: now plus the working minutes that were left when the supplement was requested.

    Raises:
        UserFacingError: no supplement was requested during processing.
    """
    d, request = _supplement_request(session, uid)
    clock = supplement_clock(session)
    if clock is SupplementClock.RESTART:
        new_due = calendar.due(now, _processing_time(d.data))
    else:
        new_due = calendar.add_working_minutes(now, int(request.payload.get("remaining_minutes") or 0))
    with building(EventType.SUPPLEMENT_RECEIVED):
        payload = SupplementReceivedPayload(
            unit_code=d.unit_code,
            request_event_id=request.id,
            clock="restart" if clock is SupplementClock.RESTART else "pause",
            old_due_at=d.due_at.isoformat(timespec="minutes") if d.due_at else None,
            new_due_at=new_due.isoformat(timespec="minutes"),
            received_at=now.isoformat(timespec="seconds"),
            note=nfc(note).strip()[:2000],
        )
    rec, _ = record(
        session, actor, EventType.SUPPLEMENT_RECEIVED, uid, payload, occurred_at=now, base_version=d.version
    )
    message = f"Đã nhận hồ sơ bổ sung {d.code}; hẹn trả mới {new_due:%H:%M %d/%m/%Y} ({clock.label.lower()})."
    return StepDone(uid, d.code, DossierStatus.PROCESSING, new_due, rec.event_id, message), Changes(frozenset({uid}))


@dataclass(frozen=True, slots=True)
class Extension:
    """What the apology (form 04) recorded; ``warning`` is set when issued later than the law asks."""

    done: StepDone
    old_due_at: datetime
    new_due_at: datetime
    reason: str
    warning: str


def extension_of(session: Session, uid: str) -> Event | None:
    """The apology that moved this dossier's due date, if any."""
    return session.scalars(
        select(Event).where(Event.dossier_uid == uid, Event.type == str(EventType.DUE_EXTENDED)).limit(1)
    ).first()


def _checked_extension(
    session: Session, calendar: WorkingCalendar, uid: str, new_due_at: datetime, reason: str
) -> tuple[Dossier, str]:
    """The dossier and the clean reason when the apology may be recorded; else the errors."""
    d = load_dossier(session, uid)
    if extension_of(session, uid) is not None:
        raise UserFacingError(
            f"Ngày hẹn trả của hồ sơ {d.code} đã được dời một lần (Phiếu xin lỗi và hẹn lại ngày trả kết quả);"
            " theo quy định chỉ được dời một lần."
        )
    check_step(Step.APOLOGY, d.status, d.code or "")
    if d.due_at is None:
        raise UserFacingError(f"Hồ sơ {d.code} không có ngày hẹn trả; không lập phiếu hẹn lại được.")
    errors: dict[str, str] = {}
    text = nfc(reason).strip()
    if not text:
        errors["reason"] = "Hãy ghi lý do chậm trả kết quả."
    if new_due_at <= d.due_at:
        errors["new_due_at"] = f"Ngày hẹn trả mới phải sau ngày hẹn hiện tại ({d.due_at:%H:%M %d/%m/%Y})."
    elif calendar.normalise(new_due_at) != new_due_at and new_due_at.time() != calendar.hours.closing:
        errors["new_due_at"] = "Ngày hẹn trả mới phải rơi vào giờ làm việc của một ngày làm việc."
    if errors:
        raise ValidationError(errors)
    return d, text


def check_extension(session: Session, calendar: WorkingCalendar, uid: str, new_due_at: datetime, reason: str) -> None:
    """Everything :func:`extend_due_date` checks, without writing: run it before asking the
    officer to confirm what cannot be undone.

    Raises:
        ValidationError: no reason; new date not after the current one, or outside working time.
        UserFacingError: already extended once, or the dossier is not in processing.
    """
    _checked_extension(session, calendar, uid, new_due_at, reason)


def extend_due_date(
    session: Session,
    actor: Actor,
    calendar: WorkingCalendar,
    uid: str,
    new_due_at: datetime,
    reason: str,
    now: datetime,
) -> tuple[Extension, Changes]:
    """Apology and new appointment (form 04): moves the due date once and only once [law].

    The law asks for the apology at least 1 day before the due date. Issued later (or after the
    due date) it is still recorded — the citizen is owed the apology either way — with a
    ``warning`` for the officer and ``late_notice`` in the event, so supervisors see it.

    Raises:
        ValidationError: no reason; new date not after the current one, or outside working time.
        UserFacingError: already extended once, or the dossier is not in processing.
    """
    d, text = _checked_extension(session, calendar, uid, new_due_at, reason)
    old = d.due_at
    assert old is not None  # checked
    late_notice = working_minutes_between(calendar, now, old) < calendar.hours_per_day * 60
    warning = (
        "Phiếu xin lỗi được lập muộn hơn quy định (ít nhất 01 ngày làm việc trước ngày hẹn trả). Đã ghi nhận và"
        " báo lãnh đạo."
        if late_notice
        else ""
    )
    with building(EventType.DUE_EXTENDED):
        payload = DueExtendedPayload(
            unit_code=d.unit_code,
            reason=text[:2000],
            old_due_at=old.isoformat(timespec="minutes"),
            new_due_at=new_due_at.isoformat(timespec="minutes"),
            issued_at=now.isoformat(timespec="seconds"),
            late_notice=late_notice,
        )
    rec, _ = record(session, actor, EventType.DUE_EXTENDED, uid, payload, occurred_at=now, base_version=d.version)
    done = StepDone(uid, d.code, DossierStatus(d.status), new_due_at, rec.event_id,
                    f"Đã dời ngày hẹn trả hồ sơ {d.code} sang {new_due_at:%H:%M %d/%m/%Y}.")  # fmt: skip
    return Extension(done, old, new_due_at, text, warning), Changes(frozenset({uid}))
