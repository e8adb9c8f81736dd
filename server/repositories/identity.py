"""Queries on officers, devices, enrolment codes, refresh tokens and failed logins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from server.models import Device, EnrolmentCode, LoginFailure, Officer, RefreshToken


def officer_by_username(session: Session, username: str) -> Officer | None:
    """The officer with this (already normalised) user name."""
    return session.scalars(select(Officer).where(Officer.username == username)).one_or_none()


def officers_of(session: Session, unit_code: str) -> Sequence[Officer]:
    """Every officer of the office, active or not, by user name."""
    return session.scalars(select(Officer).where(Officer.unit_code == unit_code).order_by(Officer.username)).all()


def principal_rows(session: Session, officer_id: str, device_id: str,
                   session_id: str) -> tuple[Officer, Device, bool] | None:  # fmt: skip
    """Officer, device and whether the session (refresh-token family) ``session_id`` of this
    officer on this device is still open, in one query (once per authenticated request); None if
    the officer or the device is unknown or they are of different offices.

    A session is open while one of its refresh tokens is not revoked: logout, deactivation, a new
    password, a revoked device and a reused refresh token all revoke them (and end it at once).
    """
    open_session = (
        select(RefreshToken.id)
        .where(
            RefreshToken.family_id == session_id,
            RefreshToken.officer_id == officer_id,
            RefreshToken.device_id == device_id,
            RefreshToken.revoked.is_(False),
        )
        .exists()
    )
    query = (
        select(Officer, Device, open_session)
        .join(Device, Device.unit_code == Officer.unit_code)
        .where(Officer.id == officer_id, Device.id == device_id)
    )
    row = session.execute(query).one_or_none()
    return None if row is None else (row[0], row[1], bool(row[2]))


def device(session: Session, device_id: str) -> Device | None:
    """The device with this id."""
    return session.get(Device, device_id)


def devices_of(session: Session, unit_code: str) -> Sequence[Device]:
    """Every device of the office, by slot."""
    return session.scalars(select(Device).where(Device.unit_code == unit_code).order_by(Device.slot)).all()


def used_slots(session: Session, unit_code: str) -> set[int]:
    """Slots taken in the office, including revoked devices' (their fallback codes may be in use)."""
    return set(session.scalars(select(Device.slot).where(Device.unit_code == unit_code)))


def touch_device(session: Session, device_id: str, now: datetime, older_than: datetime) -> None:
    """Set ``last_seen_at = now`` unless it was set after ``older_than`` (keeps reads cheap)."""
    session.execute(
        update(Device)
        .where(Device.id == device_id, (Device.last_seen_at.is_(None)) | (Device.last_seen_at < older_than))
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


# --- enrolment codes ----------------------------------------------------------------------------


def enrolment_code(session: Session, code_sha256: str) -> EnrolmentCode | None:
    """The enrolment code with this digest."""
    return session.get(EnrolmentCode, code_sha256)


def claim_enrolment_code(session: Session, code_sha256: str, device_id: str, now: datetime) -> bool:
    """Mark the code used by ``device_id``; False if someone else used it first (atomic)."""
    result = session.execute(
        update(EnrolmentCode)
        .where(EnrolmentCode.code_sha256 == code_sha256, EnrolmentCode.used_at.is_(None))
        .values(used_at=now, device_id=device_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


# --- failed logins ------------------------------------------------------------------------------


def failures_since(session: Session, *, since: datetime, username: str | None = None, device_id: str | None = None,
                   address: str | None = None) -> list[datetime]:  # fmt: skip
    """Times of failed logins after ``since`` matching every key given, oldest first."""
    query = select(LoginFailure.attempted_at).where(LoginFailure.attempted_at > since)
    if username is not None:
        query = query.where(LoginFailure.username == username)
    if device_id is not None:
        query = query.where(LoginFailure.device_id == device_id)
    if address is not None:
        query = query.where(LoginFailure.address == address)
    return list(session.scalars(query.order_by(LoginFailure.attempted_at)))


def add_failure(session: Session, *, username: str, device_id: str, address: str, now: datetime) -> None:
    """Record a failed login."""
    session.add(LoginFailure(username=username[:64], device_id=device_id, address=address[:64], attempted_at=now))


def forget_failures(session: Session, *, username: str | None = None, device_id: str | None = None,
                    before: datetime | None = None) -> None:  # fmt: skip
    """Delete the user name's failures on a device (after a good login there), or every failure
    older than ``before``."""
    query = delete(LoginFailure)
    if username is not None:
        query = query.where(LoginFailure.username == username)
    if device_id is not None:
        query = query.where(LoginFailure.device_id == device_id)
    if before is not None:
        query = query.where(LoginFailure.attempted_at < before)
    session.execute(query.execution_options(synchronize_session=False))


# --- refresh tokens -----------------------------------------------------------------------------


def refresh_token(session: Session, token_sha256: str) -> RefreshToken | None:
    """The refresh token row with this digest, locked for update on PostgreSQL."""
    query = select(RefreshToken).where(RefreshToken.token_sha256 == token_sha256).with_for_update()
    return session.scalars(query).one_or_none()


def refresh_token_by_id(session: Session, token_id: str) -> RefreshToken | None:
    """The refresh token row with this id."""
    return session.get(RefreshToken, token_id)


def revoke_family(session: Session, family_id: str) -> None:
    """Revoke every token of the family (a rotated token was used again: theft)."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id)
        .values(revoked=True)
        .execution_options(synchronize_session=False)
    )


def revoke_sessions(session: Session, *, officer_id: str | None = None, device_id: str | None = None,
                    keep_family: str | None = None) -> None:  # fmt: skip
    """Revoke the live refresh tokens of an officer, a device, or an officer on a device; all but the
    session ``keep_family`` (the caller's own, after a password change)."""
    if officer_id is None and device_id is None:
        raise ValueError("revoke_sessions needs an officer or a device")
    query = update(RefreshToken).where(RefreshToken.revoked.is_(False))
    if keep_family is not None:
        query = query.where(RefreshToken.family_id != keep_family)
    if officer_id is not None:
        query = query.where(RefreshToken.officer_id == officer_id)
    if device_id is not None:
        query = query.where(RefreshToken.device_id == device_id)
    session.execute(query.values(revoked=True).execution_options(synchronize_session=False))


def prune_refresh_tokens(session: Session, cutoff: datetime) -> int:
    """Delete refresh tokens that expired before ``cutoff``, and revoked ones issued before it.

    Such a token is refused whether its row exists or not (401 either way); rotated tokens stay
    until they expire, so reusing one during its lifetime still revokes its family. Returns the
    number of rows deleted.
    """
    result = session.execute(
        delete(RefreshToken)
        .where(
            or_(RefreshToken.expires_at < cutoff, and_(RefreshToken.revoked.is_(True), RefreshToken.issued_at < cutoff))
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
