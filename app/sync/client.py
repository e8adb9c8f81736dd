"""Enrolment and login for an enrolled PC, and the pieces sync needs, built from the data folder."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.office import OfficeInfo
from app.errors import UserFacingError
from app.services.auth import attempt_login
from app.services.context import Actor
from app.store.models import Device, Event, Office, Officer, SyncState
from app.sync import wire
from app.sync.boot import STATE_ID, Enrolment
from app.sync.engine import SyncEngine
from app.sync.offline import offline_login, remember_login
from app.sync.secrets import KeyringUnavailableError, SecretName, SecretStore, check_writable
from app.sync.state import utc_now
from app.sync.transport import OfflineError, Transport, enrol, make_client

log = logging.getLogger(__name__)

SessionSource = Callable[[], Session]


def normalise_url(url: str) -> str:
    """``motcua.tinh.gov.vn`` → ``https://motcua.tinh.gov.vn`` (no trailing slash).

    Raises:
        UserFacingError: not an http(s) address.
    """
    text = url.strip().rstrip("/")
    if text and "://" not in text:
        text = "https://" + text
    parsed = httpx.URL(text) if text else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UserFacingError("Địa chỉ máy chủ không hợp lệ. Ví dụ đúng: https://motcua.quangninh.gov.vn")
    return text


def check_enrollable(session: Session) -> None:
    """A PC is enrolled before anyone works on it: refuse when events exist already.

    Raises:
        UserFacingError: with what IT should do instead.
    """
    if session.scalar(select(SyncState.id).where(SyncState.enrolled)) is not None:
        raise UserFacingError("Máy trạm này đã được đăng ký với máy chủ rồi.")
    if (session.scalar(select(func.count()).select_from(Event)) or 0) > 0:
        raise UserFacingError(
            "Máy này đã có hồ sơ nhập ở chế độ độc lập (demo). Để đăng ký với máy chủ, hãy chạy chương trình"
            " với một thư mục dữ liệu mới (tham số --data-dir) rồi đăng ký; dữ liệu cũ vẫn giữ nguyên."
        )


def apply_enrolment(session: Session, answer: wire.EnrolResponse, server_url: str, counter_name: str) -> OfficeInfo:
    """Make this database the enrolled device: the server's device id, unit and slot.

    Runs in the caller's transaction; the demo accounts and the standalone device go (nothing was
    recorded with them, :func:`check_enrollable`).
    """
    check_enrollable(session)
    for officer in session.scalars(select(Officer)):
        session.delete(officer)
    for device in session.scalars(select(Device)):
        session.delete(device)
    session.flush()
    office = session.get(Office, answer.unit_code)
    for other in session.scalars(select(Office).where(Office.unit_code != answer.unit_code)):
        session.delete(other)
    if office is None:
        office = Office(unit_code=answer.unit_code, governing_body="", place_name="")
        session.add(office)
    office.name, office.demo = answer.office_name, False
    session.flush()  # the office row first: without a relationship() the device could be inserted before it
    session.add(Device(id=answer.device_id, counter_name=counter_name.strip(), unit_code=answer.unit_code))
    state = session.get(SyncState, STATE_ID) or SyncState(id=STATE_ID)
    state.server_url, state.enrolled, state.device_slot = server_url, True, answer.slot
    state.pull_cursor, state.consecutive_failures, state.clock_offset_s = "", 0, 0.0
    state.last_error, state.reference_etag = "", ""
    session.add(state)
    session.flush()
    return OfficeInfo(office.unit_code, office.name, office.governing_body, office.place_name, False,
                      answer.device_id, counter_name.strip())  # fmt: skip


def enrol_this_pc(
    data_dir: Path,
    factory: SessionSource,
    server_url: str,
    code: str,
    counter_name: str,
    http: httpx.BaseTransport | None = None,
) -> OfficeInfo:
    """Enrol with a one-time code: checks first (keyring, no local work), then asks the server,
    stores the device secret in the keyring, and only then commits the enrolment locally."""
    url = normalise_url(server_url)
    if not counter_name.strip():
        raise UserFacingError("Hãy nhập tên quầy (ví dụ: Quầy số 03).")
    if len(code.strip()) < 6:
        raise UserFacingError("Mã đăng ký gồm ít nhất 6 ký tự, do quản trị hệ thống cấp.")
    check_writable(data_dir)  # a real write, before the one-time code is spent
    with factory() as session:
        check_enrollable(session)
    with make_client(url, http) as client:
        answer = enrol(client, code, counter_name)
    SecretStore(data_dir, answer.device_id).set(SecretName.DEVICE_SECRET, answer.device_secret)
    with factory() as session, session.begin():
        return apply_enrolment(session, answer, url, counter_name)


@dataclass
class SyncClient:
    """The network side of one enrolled PC: keyring secrets and the authenticated transport."""

    enrolment: Enrolment
    secrets: SecretStore
    transport: Transport

    @classmethod
    def open(cls, data_dir: Path, enrolment: Enrolment, http: httpx.BaseTransport | None = None) -> SyncClient:
        secrets = SecretStore(data_dir, enrolment.device_id)
        transport = Transport(make_client(enrolment.server_url, http), enrolment.device_id, secrets)
        return cls(enrolment, secrets, transport)

    def engine(
        self,
        factory: SessionSource,
        working_day: Callable[[date], bool] = lambda _d: True,
        clock: Callable[[], datetime] = utc_now,
        local_today: Callable[[], date] = date.today,
    ) -> SyncEngine:
        return SyncEngine(factory, self.transport, clock=clock, working_day=working_day, local_today=local_today)

    def login(
        self, factory: SessionSource, username: str, password: str, now_utc: Callable[[], datetime] = utc_now
    ) -> tuple[Actor, bool]:
        """Online when the server answers, offline otherwise. Returns (actor, online).

        A refusal by the server (wrong password, locked, rate limited) is final: it is not retried
        offline. Only an unreachable server or a missing keyring falls back to the local grant.
        """
        try:
            answer = self.transport.login(username, password)
        except (OfflineError, KeyringUnavailableError) as exc:
            log.info("online login impossible (%s); trying offline", exc.message)
            device_id = self.enrolment.device_id
            return attempt_login(factory, lambda s: offline_login(s, username, password, device_id, now_utc())), False
        with factory() as session, session.begin():
            return remember_login(session, answer, password, self.enrolment.device_id), True

    def close(self) -> None:
        self.transport.close()
