"""Identity and reference tables of the server: offices, officers, devices, tokens, catalog, calendar.

Times are stored as naive UTC (``UtcDateTime`` converts at the boundary) so SQLite and PostgreSQL
compare them the same way; office-local calendar days are plain dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base

GLOBAL_SCOPE = ""
"""``scope`` of catalog rows that apply to every office (a unit code otherwise)."""


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Office(Base):
    """A one-stop-shop centre (Bộ phận Một cửa), identified by its unit code."""

    __tablename__ = "offices"

    unit_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    governing_body: Mapped[str] = mapped_column(String(200))
    place_name: Mapped[str] = mapped_column(String(200))
    demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Department(Base):
    """An agency that decides procedures; ``scope`` is a unit code, or ``""`` for the catalog's own."""

    __tablename__ = "departments"

    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10), default="")


class Officer(Base):
    """A person who logs in at a counter; ``role`` is officer, supervisor or admin."""

    __tablename__ = "officers"
    __table_args__ = (CheckConstraint("role IN ('officer', 'supervisor', 'admin')", name="role"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str] = mapped_column(ForeignKey("offices.unit_code"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # A supervisor who may read every office's reports (migration 0011; admins always may).
    province_reports: Mapped[bool] = mapped_column(default=False, server_default=false())


class Device(Base):
    """An enrolled counter PC; the server keeps only the SHA-256 of its secret."""

    __tablename__ = "devices"
    __table_args__ = (
        UniqueConstraint("unit_code", "slot", name="uq_devices_unit_code_slot"),
        CheckConstraint("slot >= 0 AND slot <= 99", name="slot"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("offices.unit_code"), index=True)
    counter_name: Mapped[str] = mapped_column(String(200))
    slot: Mapped[int] = mapped_column(Integer)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_pending_count: Mapped[int | None] = mapped_column(Integer, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class EnrolmentCode(Base):
    """A one-time, expiring code an admin gives IT to enrol one PC; only its SHA-256 is stored."""

    __tablename__ = "enrolment_codes"

    code_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("offices.unit_code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    device_id: Mapped[str | None] = mapped_column(String(36), default=None)
    created_by: Mapped[str] = mapped_column(String(64), default="")  # admin user name, or "cli"


class RefreshToken(Base):
    """One refresh token of a rotating family; ``successor_id`` is set when it is rotated."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.id"), index=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    successor_id: Mapped[str | None] = mapped_column(String(36), default=None)
    revoked: Mapped[bool] = mapped_column(default=False)


class LoginFailure(Base):
    """A failed login, kept for the rate limits: by user name on one device, and by client address.

    ``device_id`` is the (authenticated) PC the wrong password came from, so one PC cannot lock
    an officer out of the others; rows older than migration 0006 have "".
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_device_at", "username", "device_id", "attempted_at"),
        Index("ix_login_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(36), server_default="")
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CatalogProcedure(Base):
    """One procedure as in resources/catalog/procedures.json; ``scope`` "" = every office."""

    __tablename__ = "catalog_procedures"

    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class CalendarEntry(Base):
    """A holiday or make-up working day of one office, with its legal reference."""

    __tablename__ = "calendar_entries"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),)

    unit_code: Mapped[str] = mapped_column(ForeignKey("offices.unit_code"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    legal_ref: Mapped[str] = mapped_column(String(200))


class OfficeSetting(Base):
    """A per-office setting as JSON, e.g. ``office_hours`` = [["07:00", "11:30"], ["13:30", "17:00"]]."""

    __tablename__ = "office_settings"

    unit_code: Mapped[str] = mapped_column(ForeignKey("offices.unit_code"), primary_key=True)
    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class ReferenceVersion(Base):
    """Bumped on every change of an office's reference data; served as the ETag of GET /reference."""

    __tablename__ = "reference_versions"

    unit_code: Mapped[str] = mapped_column(ForeignKey("offices.unit_code"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
