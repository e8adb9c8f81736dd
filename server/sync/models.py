"""Tables of the sync server: events, dossier state, change feed, code blocks, conflicts, attachments.

The schema itself is created by Alembic (server/migrations/versions/0002_sync.py); these
mappings must stay in step with it (tests/server/test_sync_schema.py compares them).

On PostgreSQL a trigger (migration 0004) gives change feed rows their ids in commit order per
office (:mod:`server.sync.feed`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base
from server.models import UtcDateTime
from server.sync.ended_summary import (
    EXPRESSION_INDEXES,
    OPEN_SPAN,
    OPEN_SPAN_INDEX,
    OPEN_SPAN_WHERE,
    ROW_INDEXES,
    SUMMARISED,
)

INDICATOR_COLUMNS = ("ended_at", "report_key", "end_status", "ended_class", "digitised", "processing_minutes",
                     "processing_us", "processing_day_minutes", "received_due_at", "supplement1_requested_at",
                     "supplement1_completed_at", "supplement2_requested_at", "supplement2_completed_at",
                     "rating", "channel", "scan_required")  # fmt: skip
"""What the province's indicators read of a dossier besides ``received_at`` (server/sync/indicators.py)."""
COUNTED = "coalesce(code, printed_code) IS NOT NULL"
"""The dossiers the indicators count (a code, given or printed)."""


def covering_columns(key: str) -> list[str]:
    """What an index on ``key`` includes to serve the indicators alone (an index-only scan on PostgreSQL)."""
    return [c for c in ("received_at", *INDICATOR_COLUMNS) if c != key]


# JSONB on PostgreSQL (smaller, indexable), JSON text elsewhere.
JsonType = JSON().with_variant(postgresql.JSONB(), "postgresql")
# A bigserial on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the auto-incrementing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# Ids are canonical UUID text, as in the identity tables (server/models.py).
UuidStr = String(36)


class ServerEvent(Base):
    """One event as pushed by a device (accepted or flagged), with the result it got.

    A resend of the same event returns the stored result (``status``, ``reason``,
    ``conflict_ids``) instead of applying it again.
    """

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True)
    device_id: Mapped[str] = mapped_column(UuidStr)
    device_seq: Mapped[int] = mapped_column(BigInteger)
    unit_code: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(50))
    dossier_uid: Mapped[str] = mapped_column(UuidStr)
    base_version: Mapped[int] = mapped_column(Integer, default=0)
    officer_id: Mapped[str] = mapped_column(UuidStr)
    officer_name: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    hlc: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    server_received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(10))  # accepted | flagged
    reason: Mapped[str] = mapped_column(Text, default="")
    conflict_ids: Mapped[list[str]] = mapped_column(JsonType, default=list)
    flags: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # How far the PC's clock was from the server's when it made the event (migration 0005);
    # None: not known (never synced yet, or an older client).
    clock_offset_seconds: Mapped[int | None] = mapped_column(BigInteger, default=None)

    __table_args__ = (
        UniqueConstraint("device_id", "device_seq", name="uq_events_device_seq"),
        Index("ix_events_unit_dossier", "unit_code", "dossier_uid"),
    )


class RejectedEvent(Base):
    """An event refused for good (malformed, unknown type, other unit, sequence reused).

    Kept apart from :class:`ServerEvent` because its ``(device_id, device_seq)`` may collide with
    an accepted event; kept at all so that a resend gets the same answer and support can see it.
    Never the whole body (migration 0007): its type, dossier and a 1 KiB ``excerpt`` with ID
    numbers masked; pruned after ``rejected_retention_days`` (server/sync/retention.py).
    """

    __tablename__ = "rejected_events"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True)
    device_id: Mapped[str] = mapped_column(UuidStr, index=True)
    device_seq: Mapped[int] = mapped_column(BigInteger)
    unit_code: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(50), default="", server_default="")
    dossier_uid: Mapped[str] = mapped_column(String(36), default="", server_default="")
    excerpt: Mapped[str] = mapped_column(Text, default="", server_default="")


class ServerDossier(Base):
    """The server's state of one dossier, folded from its accepted and flagged events.

    ``code`` is unique per unit; a second dossier that arrives with a code already held keeps
    its printed code in ``printed_code`` (never renumbered), has ``code`` NULL and a conflict.
    """

    __tablename__ = "dossiers"

    uid: Mapped[str] = mapped_column(UuidStr, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(40), default=None)
    printed_code: Mapped[str | None] = mapped_column(String(40), default=None)
    status: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    procedure_code: Mapped[str] = mapped_column(String(40))
    procedure_name: Mapped[str] = mapped_column(Text)
    applicant_name: Mapped[str] = mapped_column(String(200))
    personal_id: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime)
    received_day: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    device_id: Mapped[str] = mapped_column(UuidStr)
    officer_id: Mapped[str] = mapped_column(UuidStr)
    first_event_id: Mapped[str] = mapped_column(UuidStr)
    last_event_id: Mapped[str] = mapped_column(UuidStr)
    last_hlc: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Chain of custody (server migration 0003, server/sync/push.py): the last custody event, where
    # the paper is ("<kind>:<code>"), whether two handovers from one parent made it disputed.
    custody_event_id: Mapped[str | None] = mapped_column(UuidStr, default=None)
    custody_place: Mapped[str] = mapped_column(String(80), default="")
    custody_in_transit: Mapped[bool] = mapped_column(Boolean, default=False)
    custody_disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    due_extended: Mapped[bool] = mapped_column(Boolean, default=False)
    # The HLC of the custody event that set the custody (migration 0005): the custody event with
    # the greatest HLC wins, as in the counters' fold (app.domain.custody.fold_custody).
    custody_hlc: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # The citizen's satisfaction rating at return (migration 0009, app.domain.rating): the rating
    # event with the smallest HLC holds it, as on the counters; a second one opens ``double_rating``.
    rating: Mapped[str | None] = mapped_column(String(20), default=None)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    rating_hlc: Mapped[str] = mapped_column(String(60), default="", server_default="")
    rating_event_id: Mapped[str | None] = mapped_column(UuidStr, default=None)
    # The facts of the province indicators (migration 0010, server/sync/facts.py), as the counters
    # keep them on their rows: the end, the due date at reception, the department's supplement steps.
    field: Mapped[str] = mapped_column(String(200), default="", server_default="")
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    end_status: Mapped[int | None] = mapped_column(Integer, default=None)
    received_due_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    supplement_marks: Mapped[str] = mapped_column(Text, default="", server_default="")
    supplement_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    supplement1_requested_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    supplement1_completed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    supplement2_requested_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    supplement2_completed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # Who handled it, the legal time, 2.2's processing time on the office's calendar and 4.2 (migration
    # 0011, server/sync/facts.py); ``digitised``: an attachment event names a file the office stored.
    department_code: Mapped[str] = mapped_column(String(30), default="", server_default="")
    department_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    officer_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    legal_value: Mapped[float | None] = mapped_column(Float, default=None)
    legal_unit: Mapped[str] = mapped_column(String(20), default="", server_default="")
    processing_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    processing_us: Mapped[int | None] = mapped_column(BigInteger, default=None)
    processing_day_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    digitised: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the indicators group by, as one id of ``report_keys`` (server/sync/report_keys.py).
    report_key: Mapped[int | None] = mapped_column(Integer, default=None)
    # The II.06a class of an ended dossier (1-3) when no period changes it (migration 0012,
    # server/sync/facts.ended_class): the indicators read it instead of working it out a row.
    ended_class: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    # How it came (1 direct, 2 online, 3 postal: app.domain.indicators.Channel) and whether a paper must be
    # scanned (app.domain.digitisation), from its first reception decision (migration 0014, facts.fold_reception).
    channel: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    scan_required: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The unit that decides it when not the receiving office ("" = the office itself; migration 0015,
    # app.domain.units): its events go to that unit's feed too, and it may push steps on the dossier.
    handling_unit: Mapped[str] = mapped_column(String(20), default="", server_default="")

    __table_args__ = (
        UniqueConstraint("unit_code", "code", name="uq_dossiers_unit_code"),
        Index("ix_dossiers_duplicate_probe", "unit_code", "personal_id", "procedure_code", "received_day"),
        Index("ix_dossiers_received_at", "received_at"),
        # The province's indicators: an index-only scan on PostgreSQL (migration 0012).
        Index(
            "ix_dossiers_indicator_facts",
            "received_at",
            postgresql_include=list(INDICATOR_COLUMNS),
            postgresql_where=text(COUNTED),
            sqlite_where=text(COUNTED),
        ),
        # What a period reads row by row beside ``ended_summary`` (migration 0017, server/sync/ended_summary.py).
        *(
            Index(
                name,
                column,
                postgresql_where=text(where),
                sqlite_where=text(where),
                postgresql_include=covering_columns(column) if covering else [],
            )
            for name, (column, where, covering) in ROW_INDEXES.items()
        ),
        *(
            Index(
                name, *(text(p) if "(" in p else p for p in parts), postgresql_where=text(SUMMARISED.format(p=""))
            ).ddl_if(dialect="postgresql")
            for name, parts in EXPRESSION_INDEXES.items()
        ),
        Index(OPEN_SPAN_INDEX, text(OPEN_SPAN), postgresql_using="gist", postgresql_where=text(OPEN_SPAN_WHERE)).ddl_if(
            dialect="postgresql"
        ),
    )


class ChangeRow(Base):
    """One entry of an office's change feed (pull); written in the transaction of its event."""

    __tablename__ = "change_feed"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str | None] = mapped_column(UuidStr, default=None)
    kind: Mapped[str] = mapped_column(String(30))

    __table_args__ = (Index("ix_change_feed_unit_id", "unit_code", "id"), {"sqlite_autoincrement": True})


class CodeCounter(Base):
    """Last server-issued dossier number per unit and day; locked while a block is cut."""

    __tablename__ = "code_counters"

    unit_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class CodeBlockRow(Base):
    """A block of dossier numbers issued to one device for one unit and day."""

    __tablename__ = "code_blocks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    device_id: Mapped[str] = mapped_column(UuidStr)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(UuidStr)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("request_id", "day", name="uq_code_blocks_request_day"),
        UniqueConstraint("unit_code", "day", "first", name="uq_code_blocks_unit_day_first"),
        Index("ix_code_blocks_device_day", "device_id", "day"),
    )


class Conflict(Base):
    """Something a supervisor must look at; resolving it writes a ``conflict.resolved`` event."""

    __tablename__ = "conflicts"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    dossier_uid: Mapped[str] = mapped_column(UuidStr)
    event_ids: Mapped[list[str]] = mapped_column(JsonType)
    details: Mapped[dict[str, Any]] = mapped_column(JsonType)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    resolution: Mapped[str | None] = mapped_column(Text, default=None)
    resolved_by: Mapped[str | None] = mapped_column(UuidStr, default=None)
    resolution_event_id: Mapped[str | None] = mapped_column(UuidStr, default=None)

    __table_args__ = (Index("ix_conflicts_unit_open", "unit_code", "resolved_at", "opened_at"),)


class Attachment(Base):
    """A file named by its SHA-256, owned by one unit; ``complete`` once the hash was verified.

    The key is (unit, hash) rather than the hash alone: knowing a hash must not reveal that
    another office holds the file, and each office uploads (and may delete) its own copy.
    """

    __tablename__ = "attachments"

    unit_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    stored_path: Mapped[str] = mapped_column(Text)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by: Mapped[str] = mapped_column(UuidStr)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class DeviceSync(Base):
    """What the server knows of a device's sync: last push, last pull, highest sequence pushed.

    (``devices.last_seen_at`` of the identity tables is the last contact of any kind.) The
    server's own pseudo-device per unit, which writes ``conflict.resolved`` events, keeps its
    sequence and clock here too.
    """

    __tablename__ = "device_sync"

    device_id: Mapped[str] = mapped_column(UuidStr, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(20), index=True)
    last_push_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_pull_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    max_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hlc: Mapped[str] = mapped_column(String(60), default="")


class WithheldEvent(Base):
    """A change row the feed withholds (migration 0008, server/sync/quarantine.py): its event was
    stored by an older server and breaks the contracts, so it is served as a ``withheld`` change.

    The event row itself is left as it was (a resend still finds it); ``kind`` is the change
    row's kind before, ``reason`` a code (``invalid_payload`` …) and ``detail`` says which field.
    """

    __tablename__ = "withheld_events"

    change_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    unit_code: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str | None] = mapped_column(UuidStr, default=None)
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    withheld_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FeedCheck(Base):
    """One row (id 1): change rows up to ``due_through`` were stored before migration 0008 and are
    not checked yet (0: none); ``checked_at``, ``checked``, ``withheld``: the last complete check."""

    __tablename__ = "feed_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    due_through: Mapped[int] = mapped_column(BigInteger, default=0)
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    checked: Mapped[int] = mapped_column(BigInteger, default=0)
    withheld: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportKey(Base):
    """One combination of what the province's indicators group a dossier by (migration 0011,
    server/sync/report_keys.py): dossier rows hold its ``id`` in ``report_key``; ``digest`` names it."""

    __tablename__ = "report_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(32), unique=True)
    unit_code: Mapped[str] = mapped_column(String(20))
    department_code: Mapped[str] = mapped_column(String(30))
    department_name: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(200))
    procedure_code: Mapped[str] = mapped_column(String(40))
    procedure_name: Mapped[str] = mapped_column(Text)
    officer_id: Mapped[str] = mapped_column(UuidStr)
    officer_name: Mapped[str] = mapped_column(String(200))
    legal_value: Mapped[float | None] = mapped_column(Float, default=None)
    legal_unit: Mapped[str] = mapped_column(String(20))


class EndedSummary(Base):
    """The ended dossiers' sums per month (and per year) of the end, report key and 2.2's minutes per working
    day (migration 0017, server/sync/ended_summary.py): kept by PostgreSQL triggers on ``dossiers``, read by the
    province's indicators for a period's whole months. Empty on SQLite."""

    __tablename__ = "ended_summary"

    span: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)  # 1 a month, 12 a year
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    report_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    pdm: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)
    early: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    dissatisfied: Mapped[int] = mapped_column(Integer)
    digitised: Mapped[int] = mapped_column(Integer)
    to_scan: Mapped[int] = mapped_column(Integer)
    online: Mapped[int] = mapped_column(Integer)
    postal: Mapped[int] = mapped_column(Integer)
    n22: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(BigInteger)
    us: Mapped[int] = mapped_column(BigInteger)
    first_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


# --- fee receipts (issue 16; migration 0013_fee_receipts) ---------------------------------------


class FeeReceiptCounter(Base):
    """Last server-issued fee receipt number per unit and year; locked while a block is cut."""

    __tablename__ = "fee_receipt_counters"

    unit_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class FeeReceiptBlockRow(Base):
    """A block of fee receipt numbers issued to one device for one unit and year (app.domain.fee_receipt)."""

    __tablename__ = "fee_receipt_blocks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[str] = mapped_column(UuidStr)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(UuidStr)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("request_id", name="uq_fee_receipt_blocks_request"),
        UniqueConstraint("unit_code", "year", "first", name="uq_fee_receipt_blocks_unit_year_first"),
        Index("ix_fee_receipt_blocks_device_year", "device_id", "year"),
    )


class FeeReceiptPrinted(Base):
    """One receipt number a pushed ``fee.paid`` printed (unit, year, number), kept beside the event so
    that a number printed twice is seen at push time and the next block is cut above every number
    printed (server/sync/fee_receipts.py; server migration 0016)."""

    __tablename__ = "fee_receipts_printed"

    event_id: Mapped[str] = mapped_column(UuidStr, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[str] = mapped_column(UuidStr)

    __table_args__ = (Index("ix_fee_receipts_printed_number", "unit_code", "year", "number"),)
