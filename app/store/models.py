"""SQLAlchemy models of the local store: dossier state, immutable events, outbox, sequences."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the local store."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Office(Base):
    """The unit this installation serves (one row today; the server will distribute more)."""

    __tablename__ = "office"

    unit_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    governing_body: Mapped[str] = mapped_column(String(200))
    place_name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    demo: Mapped[bool] = mapped_column(default=False)


class Department(Base):
    """A handling department that receives paper folders from the counter."""

    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10), default="")


class Officer(Base):
    """A person who logs in: counter officer, supervisor or admin."""

    __tablename__ = "officer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(ForeignKey("office.unit_code"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class Device(Base):
    """This PC: its identity and the gap-free sequence of the events it writes."""

    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    counter_name: Mapped[str] = mapped_column(String(100))
    unit_code: Mapped[str] = mapped_column(ForeignKey("office.unit_code"))
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hlc: Mapped[str] = mapped_column(String(40), default="")


FACT_INDEX_COLUMNS = ("code", "status", "updated_at", "supplement_count", "received_due_at",
                      "supplement1_requested_at", "supplement1_completed_at", "supplement2_requested_at",
                      "supplement2_completed_at", "processing_minutes", "processing_us", "processing_calendar",
                      "rating", "figure_group", "uid", "ended_class", "channel", "scan_required")  # fmt: skip
"""After the period's columns, what app.services.reports reads to count a period (its covering indexes)."""


class Dossier(Base):
    """Current state of a dossier, derived from its events by app.store.projection only."""

    __tablename__ = "dossier"

    # Integer rowid so the FTS5 index can use it as its content rowid.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    # Not unique: two counters offline may print the same code; the server keeps both and flags
    # the pair for a supervisor (it never renumbers a printed code), and every counter pulls both.
    # Numbers taken on this PC never repeat (app.services.reception, app.sync.codes).
    code: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    unit_code: Mapped[str] = mapped_column(String(20))
    status: Mapped[int] = mapped_column(Integer)
    procedure_code: Mapped[str] = mapped_column(String(40))
    procedure_name: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(200), default="")
    department_code: Mapped[str] = mapped_column(String(30), default="")
    department_name: Mapped[str] = mapped_column(String(200), default="")
    applicant_name: Mapped[str] = mapped_column(String(200))
    personal_id: Mapped[str] = mapped_column(String(20), default="")
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    sex: Mapped[str] = mapped_column(String(5), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    register_no: Mapped[int | None] = mapped_column(default=None)
    officer_id: Mapped[str] = mapped_column(String(36))
    officer_name: Mapped[str] = mapped_column(String(200))
    device_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(default=1)
    # The decision's full detail (documents, reason, fee…) as received in the event payload.
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # The citizen's satisfaction rating at return (migration 0007, app.domain.rating): the rating
    # event with the smallest HLC wins (two counters offline may both record one).
    rating: Mapped[str | None] = mapped_column(String(20), default=None)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    rating_hlc: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # The facts the supervisor's figures need (migration 0009, app.store.projection, counted in SQL by
    # app.services.reports): the end (first result / return event) and which it was; the due date set
    # at reception (an apology or a supplement moves ``due_at``, not this); the department's supplement
    # steps as marks "R<moment>|C<moment>…" and their first two spans; the processing time of an ended
    # dossier with the supplement time taken off (2.2), in working minutes on the calendar whose
    # fingerprint is ``processing_calendar`` and in microseconds of calendar time.
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    end_status: Mapped[int | None] = mapped_column(Integer, default=None)
    received_due_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    supplement_marks: Mapped[str] = mapped_column(Text, default="", server_default="")
    supplement_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    supplement1_requested_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    supplement1_completed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    supplement2_requested_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    processing_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    processing_us: Mapped[int | None] = mapped_column(Integer, default=None)
    processing_calendar: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # Migration 0011: the completion of the second supplement span (with the first two spans, a dossier
    # asked twice is classified in SQL), and the dossier's FigureGroup — what the figures are broken down
    # by, as one small integer (app.services.reports groups by it, then reads the names once).
    supplement2_completed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    figure_group: Mapped[int | None] = mapped_column(Integer, default=None)
    # Migration 0012: the class of an ended dossier, the same in every period its end falls in
    # (app.domain.indicators.ended_class: 1 early, 2 on time, 3 late; None while open, without a due
    # date, or when a supplement request before the end was never completed): the figures read it
    # instead of working the class out of six moments per dossier.
    ended_class: Mapped[int | None] = mapped_column(Integer, default=None)
    # Migration 0013, the law of 2025 (app.domain.legal_basis): the form set in force at reception
    # ("2018" or "2025"), how the dossier reached the office (app.domain.indicators.Channel), the unit
    # identifier of the unit that decides when it is not this office ("" = this office), and whether
    # any of its papers must be digitised (indicator 4.2 counts only those).
    legal_basis: Mapped[str] = mapped_column(String(4), default="", server_default="")
    channel: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    handling_unit: Mapped[str] = mapped_column(String(20), default="", server_default="")
    scan_required: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Migration 0016: a file attached (4.2), kept by SQLite triggers on ``attachment``; the ORM only inserts 0.
    digitised: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index("ix_dossier_status_received", "status", "received_at"),
        Index("ix_dossier_received", "received_at"),
        Index("ix_dossier_personal_id", "personal_id"),
        Index("ix_dossier_phone", "phone"),
        # The supervisor's queues (app/services/queues.py): overdue / due soon by status and due
        # date, processing per department.
        Index("ix_dossier_status_due", "status", "due_at"),
        Index("ix_dossier_status_department", "status", "department_code", "due_at"),
        # …and the supplement queue (migration 0015): asked for a supplement after reception, oldest first.
        Index(
            "ix_dossier_supplement_queue",
            "status",
            "department_code",
            "updated_at",
            sqlite_where=text("status = 5 AND code IS NOT NULL"),
        ),
        # A period's carried-over dossiers (app/services/reports.py): ended in or after it, or not ended.
        # …and, counting a period (migration 0011), the facts the figures need, so that no row is read.
        Index("ix_dossier_received_facts", "received_at", "ended_at", *FACT_INDEX_COLUMNS),
        Index("ix_dossier_ended_facts", "ended_at", "received_at", *FACT_INDEX_COLUMNS),
        # A period's carried-over ended dossiers, one range per month of the period (migration 0016).
        Index(
            "ix_dossier_carried",
            text("substr(ended_at, 1, 7)"),
            "received_at",
            sqlite_where=text("ended_at IS NOT NULL AND code IS NOT NULL"),
        ),
    )


class QueueTally(Base):
    """How many dossiers each (status, department, with a code or not) holds (migration 0015).

    Kept by triggers on ``dossier`` (app/store/migrations/versions/0015_supplement_queue_index.TALLY_TRIGGERS),
    never written by the app: the supervisor's queue counts without walking every open dossier.
    """

    __tablename__ = "queue_tally"

    status: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_code: Mapped[str] = mapped_column(String(30), primary_key=True)  # "" when none
    coded: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1: the dossier has a code
    n: Mapped[int] = mapped_column(Integer)

    __table_args__ = ({"sqlite_with_rowid": False},)


class EndedCell(Base):
    """The ended dossiers summed per day of their end, processing-time calendar and packed figure key (migration
    0016, kept by SQLite triggers on ``dossier``): app.services.reports reads a period's days here instead of
    classifying each dossier ended in it. The key is the one a dossier received in the period gets (see the
    migration); ``-id`` for a dossier the reports work out in Python."""

    __tablename__ = "ended_cell"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    calendar: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    first_key: Mapped[str] = mapped_column(Text)
    minutes: Mapped[int] = mapped_column(Integer)
    us: Mapped[int] = mapped_column(Integer)

    __table_args__ = ({"sqlite_with_rowid": False},)


class FigureGroup(Base):
    """One combination of what the supervisor's figures are broken down by (migration 0011).

    Each dossier row points at its group (``Dossier.figure_group``), set once by the projection when
    the dossier is created (none of these columns changes afterwards): the indicators group the
    period's dossiers by that integer instead of eight text columns.
    """

    __tablename__ = "figure_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(String(20))
    department_code: Mapped[str] = mapped_column(String(30))
    department_name: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(200))
    procedure_code: Mapped[str] = mapped_column(String(40))
    procedure_name: Mapped[str] = mapped_column(Text)
    officer_id: Mapped[str] = mapped_column(String(36))
    officer_name: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint(
            "unit_code",
            "department_code",
            "department_name",
            "field",
            "procedure_code",
            "procedure_name",
            "officer_id",
            "officer_name",
            name="uq_figure_group",
        ),
    )


class Event(Base):
    """One user action, immutable once written; the unit of sync."""

    __tablename__ = "event"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    device_seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(50))
    dossier_uid: Mapped[str] = mapped_column(String(36))
    base_version: Mapped[int] = mapped_column(default=0)
    officer_id: Mapped[str] = mapped_column(String(36))
    officer_name: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    hlc: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # What the central server said (app.sync.engine): "" not sent yet (or standalone mode);
    # accepted / duplicate / flagged / rejected for this PC's events; "remote" for events pulled
    # from other counters; "unapplied" for pulled events this version cannot fold into a dossier.
    sync_status: Mapped[str] = mapped_column(String(20), default="", server_default="")
    synced_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)  # UTC
    conflict_ids: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    # Server clock − PC clock (seconds) when the event was made, as last learnt from the server
    # (SyncState.clock_offset_s); None before the first contact or in standalone mode. Sent with
    # the event (EventWire.clock_offset_seconds) so the server keeps it too (migration 0006).
    clock_offset_seconds: Mapped[int | None] = mapped_column(Integer, default=None)

    __table_args__ = (
        UniqueConstraint("device_id", "device_seq", name="uq_event_device_seq"),
        Index("ix_event_dossier", "dossier_uid", "occurred_at"),
    )


class OutboxState(StrEnum):
    """Where an outbox row stands."""

    PENDING = "pending"  # waiting to be sent (again)
    REJECTED = "rejected"  # refused by the server for good: shown, never retried


class Outbox(Base):
    """Events not yet acknowledged by the central server (app.sync.engine drains it)."""

    __tablename__ = "outbox"

    event_id: Mapped[str] = mapped_column(ForeignKey("event.id"), primary_key=True)
    device_seq: Mapped[int] = mapped_column(Integer, index=True)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)  # UTC


class CodeSequence(Base):
    """Last dossier number issued per unit and day; bumped in the receipt's own transaction."""

    __tablename__ = "code_sequence"

    unit_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class RegisterSequence(Base):
    """Running number in the yearly Sổ theo dõi hồ sơ (paper books run one per year)."""

    __tablename__ = "register_sequence"

    unit_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class CalendarEntryRow(Base):
    """Admin-entered holiday or make-up working day, with its legal reference."""

    __tablename__ = "calendar_entry"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    legal_ref: Mapped[str] = mapped_column(String(200))


class Setting(Base):
    """Office-wide settings as JSON values (office hours, form numbering)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class SyncState(Base):
    """This PC's link to the central server (one row, id 1). No row or not enrolled: standalone.

    Times are UTC (naive). ``clock_offset_s`` = server clock − PC clock at the last contact.
    """

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_url: Mapped[str] = mapped_column(String(300), default="")
    enrolled: Mapped[bool] = mapped_column(default=False)
    device_slot: Mapped[int | None] = mapped_column(default=None)
    pull_cursor: Mapped[str] = mapped_column(String(200), default="")
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_server_time: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    clock_offset_s: Mapped[float] = mapped_column(default=0.0)
    next_retry_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    reference_etag: Mapped[str] = mapped_column(String(200), default="")


class CodeBlock(Base):
    """A run of dossier numbers this PC may print for (unit, day): issued by the server, or the
    device's own fallback partition (app.sync.wire.fallback_range). ``next`` > ``last``: used up."""

    __tablename__ = "code_block"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    next: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))  # "server" | "fallback"
    request_id: Mapped[str | None] = mapped_column(String(36), default=None)

    __table_args__ = (
        UniqueConstraint("unit_code", "day", "first", name="uq_code_block_start"),
        Index("ix_code_block_day", "unit_code", "day"),
    )


class CodeRequest(Base):
    """A code reservation, written before it is sent so a retry reuses its id (idempotent)."""

    __tablename__ = "code_request"

    request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    days: Mapped[list[Any]] = mapped_column()  # ISO dates
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    done: Mapped[bool] = mapped_column(default=False)


class OfflineCredential(Base):
    """What lets an officer log in at this PC without the server: a local Argon2id verifier of
    the password (computed here at the last online login) and the server's signed grant."""

    __tablename__ = "offline_credential"

    officer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str] = mapped_column(String(20))
    verifier: Mapped[str] = mapped_column(String(200))
    grant_issued_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    grant_expires_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    grant_signature: Mapped[str] = mapped_column(Text)
    last_server_time: Mapped[datetime] = mapped_column(DateTime)  # UTC, at that login
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, default=None)  # UTC


class Custody(Base):
    """Where a paper folder is now (app.domain.custody.fold_custody); no row = at the receiving counter.

    ``order_key`` is the key (the HLC, migration 0006) of the custody event that set the row, so
    events pulled in any order leave the same state.
    """

    __tablename__ = "custody"

    dossier_uid: Mapped[str] = mapped_column(String(36), primary_key=True)
    place_kind: Mapped[str] = mapped_column(String(20))
    place_code: Mapped[str] = mapped_column(String(40))
    place_name: Mapped[str] = mapped_column(String(200), default="")
    origin_kind: Mapped[str] = mapped_column(String(20), default="")
    origin_code: Mapped[str] = mapped_column(String(40), default="")
    origin_name: Mapped[str] = mapped_column(String(200), default="")
    in_transit: Mapped[bool] = mapped_column(default=False)
    missing: Mapped[bool] = mapped_column(default=False)
    since: Mapped[datetime] = mapped_column(DateTime)
    holder: Mapped[str] = mapped_column(String(200), default="")
    last_event_id: Mapped[str] = mapped_column(String(36))
    batch_id: Mapped[str] = mapped_column(String(36), default="")
    order_key: Mapped[str] = mapped_column(String(120))

    __table_args__ = (
        Index("ix_custody_place", "place_kind", "place_code", "in_transit"),
        Index("ix_custody_transit", "in_transit", "since"),
    )


class HandoverBatch(Base):
    """A handover of paper folders from one place to another, built from its custody events."""

    __tablename__ = "handover_batch"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    from_kind: Mapped[str] = mapped_column(String(20))
    from_code: Mapped[str] = mapped_column(String(40))
    from_name: Mapped[str] = mapped_column(String(200), default="")
    to_kind: Mapped[str] = mapped_column(String(20))
    to_code: Mapped[str] = mapped_column(String(40))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[str] = mapped_column(String(36), default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    counter_name: Mapped[str] = mapped_column(String(100), default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    confirmed_by: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(40), default="sent")
    sent_count: Mapped[int] = mapped_column(default=0)
    received_count: Mapped[int] = mapped_column(default=0)
    missing_count: Mapped[int] = mapped_column(default=0)
    unexpected_count: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_handover_batch_to", "to_kind", "to_code", "state"),
        Index("ix_handover_batch_sent", "sent_at"),
    )


class HandoverItem(Base):
    """One folder of a batch and what became of it (sent, received, missing, unexpected)."""

    __tablename__ = "handover_item"

    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dossier_uid: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[str] = mapped_column(String(20))
    sent_event_id: Mapped[str] = mapped_column(String(36), default="")
    done_event_id: Mapped[str] = mapped_column(String(36), default="")
    done_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

    __table_args__ = (Index("ix_handover_item_dossier", "dossier_uid"),)


class SyncConflict(Base):
    """A conflict the server opened, as far as this PC knows it (app.sync.conflicts).

    Learnt three ways: this PC's own flagged event (the server's conflict id, the kind not yet
    known), another counter's event pulled with its flags (kind known, no id), and — for a
    supervisor — ``GET /conflicts`` (everything). ``event_id`` + ``kind`` or ``conflict_id`` tie
    them together and to the ``conflict.resolved`` event that closes it. Times are naive UTC.
    """

    __tablename__ = "sync_conflict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conflict_id: Mapped[str | None] = mapped_column(String(36), unique=True, default=None)
    event_id: Mapped[str] = mapped_column(String(36))  # the flagged event (first of event_ids)
    kind: Mapped[str] = mapped_column(String(40), default="")  # "" while only the id is known
    dossier_uid: Mapped[str] = mapped_column(String(36))
    event_ids: Mapped[list[Any]] = mapped_column(default=list)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str] = mapped_column(String(200), default="")
    resolution_event_id: Mapped[str] = mapped_column(String(36), default="")

    __table_args__ = (
        Index("ix_sync_conflict_dossier", "dossier_uid", "resolved_at"),
        Index("ix_sync_conflict_event", "event_id"),
        Index("ix_sync_conflict_open", "resolved_at", "opened_at"),
    )


class Attachment(Base):
    """A document attached to a dossier (one ``dossier.attachment_added`` event), for the detail
    view; the bytes are in app.scanning.blobs.BlobStore by ``sha256``. Folded from the event by
    app.store.projection, so attachments made at other counters appear here too."""

    __tablename__ = "attachment"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dossier_uid: Mapped[str] = mapped_column(String(36))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    requirement_index: Mapped[int | None] = mapped_column(Integer, default=None)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    attached_at: Mapped[datetime] = mapped_column(DateTime)
    officer_name: Mapped[str] = mapped_column(String(200), default="")
    device_id: Mapped[str] = mapped_column(String(36), default="")

    __table_args__ = (Index("ix_attachment_dossier", "dossier_uid", "attached_at"),)


class UploadState(StrEnum):
    """Where a blob upload stands."""

    PENDING = "pending"  # waiting to be sent (again)
    DONE = "done"  # the server verified the whole file
    FAILED = "failed"  # the file is gone or damaged on this PC: shown, never retried by itself


class BlobUpload(Base):
    """A file of this PC the server does not hold yet (app.sync.attachments uploads it).

    Filled in the transaction that records the attachment events; ``offset`` is what this PC
    last heard the server holds (the server's answer to HEAD is the truth).
    """

    __tablename__ = "blob_upload"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    offset: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)  # UTC

    __table_args__ = (Index("ix_blob_upload_state", "state", "created_at"),)


# --- fees (issue 16; client migration 0014) -----------------------------------------------------


class FeeReceiptBlock(Base):
    """A run of fee receipt numbers this PC may print for (unit, year): issued by the server, the
    device's fallback partition, or (standalone PC) the unit's own book (app.domain.fee_receipt)."""

    __tablename__ = "fee_receipt_block"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    next: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))  # "server" | "fallback" | "local"
    request_id: Mapped[str | None] = mapped_column(String(36), default=None)

    __table_args__ = (UniqueConstraint("unit_code", "year", "first", name="uq_fee_receipt_block_start"),)


class FeeReceiptRequest(Base):
    """A receipt-number reservation, written before it is sent so a retry reuses its id."""

    __tablename__ = "fee_receipt_request"

    request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    done: Mapped[bool] = mapped_column(default=False)


class FeePayment(Base):
    """One ``fee.paid`` event (this PC's or pulled), folded by app.store.projection (idempotent)."""

    __tablename__ = "fee_payment"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dossier_uid: Mapped[str] = mapped_column(String(36))
    unit_code: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40), default="")
    receipt_year: Mapped[int] = mapped_column(Integer)
    receipt_series: Mapped[str] = mapped_column(String(40))
    receipt_no: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(10))
    payer_name: Mapped[str] = mapped_column(String(200))
    payer_id: Mapped[str] = mapped_column(String(20), default="")
    lines: Mapped[list[Any]] = mapped_column()  # [{id, name, amount}]
    paid_at: Mapped[datetime] = mapped_column(DateTime)  # office local time
    officer_id: Mapped[str] = mapped_column(String(36))
    officer_name: Mapped[str] = mapped_column(String(200))
    device_id: Mapped[str] = mapped_column(String(36))
    counter_name: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        Index("ix_fee_payment_dossier", "dossier_uid"),
        Index("ix_fee_payment_paid_at", "paid_at"),
        Index("ix_fee_payment_receipt", "unit_code", "receipt_year", "receipt_no"),
    )
