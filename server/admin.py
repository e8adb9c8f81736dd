"""Administration use cases shared by ``motcua-server admin …`` and the ``/admin`` endpoints.

Every change to what ``GET /reference`` serves bumps the office's reference version in the same
transaction. Functions raise :class:`server.errors.ApiError` with Vietnamese messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.domain.calendar import CalendarError, EntryKind, OfficeHours
from app.domain.catalog import Catalog, CatalogError
from app.domain.events import new_id
from app.sync.wire import OfficerInfo, has_forbidden_chars
from app.text import nfc
from server.auth import normalise_username, officer_info
from server.errors import ApiError, forbidden, not_found
from server.models import (
    GLOBAL_SCOPE,
    CalendarEntry,
    Department,
    Device,
    EnrolmentCode,
    Office,
    Officer,
    ReferenceVersion,
)
from server.repositories import identity, reference
from server.security import hash_password, new_enrolment_code, normalise_enrolment_code, sha256_hex

if TYPE_CHECKING:
    from server.sync.quarantine import CheckReport

UNIT_CODE = re.compile(r"^[0-9A-Z.]{3,20}$")
USERNAME = re.compile(r"^[a-z0-9._-]{1,64}$")
DEPARTMENT_CODE = re.compile(r"^[0-9A-Za-z._-]{1,30}$")
MIN_PASSWORD = 8
MAX_CODE_HOURS = 24 * 30
ROLES = ("officer", "supervisor", "admin")
OFFICE_HOURS_KEY = "office_hours"
# Writes to another office's data are refused with 403 (reads answer 404): docs/SYNC-PROTOCOL.md.
OTHER_OFFICE = "Dữ liệu này thuộc đơn vị khác; bạn chỉ quản trị được đơn vị của mình."


def _bad(code: str, message: str) -> ApiError:
    return ApiError(422, code, message)


def _name(value: str, what: str, limit: int = 200) -> str:
    """``value`` in NFC; 422 when empty, too long, or holding NUL, control characters or lone
    surrogates (PostgreSQL cannot store NUL, no driver can encode a lone surrogate)."""
    if has_forbidden_chars(value):
        raise _bad(
            "invalid_value",
            f"{what} chứa ký tự không được phép (ký tự NUL, ký tự điều khiển hoặc mã Unicode hỏng). "
            f"Hãy gõ lại {what[0].lower()}{what[1:]}.",
        )
    text = nfc(value)
    if not text or len(text) > limit:
        raise _bad("invalid_value", f"{what} không được để trống và dài tối đa {limit} ký tự.")
    return text


def _office(session: Session, unit_code: str) -> Office:
    office = reference.office(session, unit_code)
    if office is None:
        raise not_found(f"Không có đơn vị mã {unit_code}. Hãy tạo đơn vị trước (admin create-office).")
    return office


# --- offices, departments, officers -------------------------------------------------------------


def create_office(session: Session, now: datetime, *, unit_code: str, name: str, governing_body: str,
                  place_name: str, demo: bool = False) -> Office:  # fmt: skip
    """Create an office (province IT only: there is no HTTP endpoint for it)."""
    unit_code = unit_code.strip().upper()
    if not UNIT_CODE.fullmatch(unit_code):
        raise _bad(
            "invalid_unit_code", f"Mã đơn vị “{unit_code}” không hợp lệ: 3–20 ký tự gồm chữ in hoa, số, dấu chấm."
        )
    if reference.office(session, unit_code) is not None:
        raise ApiError(409, "office_exists", f"Đơn vị mã {unit_code} đã có.")
    office = Office(
        unit_code=unit_code,
        name=_name(name, "Tên đơn vị"),
        governing_body=_name(governing_body, "Cơ quan chủ quản"),
        place_name=_name(place_name, "Địa danh"),
        demo=demo,
        created_at=now,
    )
    session.add(office)
    session.add(ReferenceVersion(unit_code=unit_code, version=1, changed_at=now))
    session.flush()
    return office


def create_department(session: Session, now: datetime, unit_code: str, *, code: str, name: str,
                      level: str = "") -> Department:  # fmt: skip
    """Add a department to the office (or rename it if the code exists)."""
    _office(session, unit_code)
    code = code.strip()
    if not DEPARTMENT_CODE.fullmatch(code):
        raise _bad("invalid_department_code", f"Mã cơ quan “{code}” không hợp lệ: 1–30 chữ, số, dấu chấm, gạch.")
    if level not in ("", "tinh", "xa"):
        raise _bad("invalid_level", "Cấp của cơ quan phải là “tinh” (cấp tỉnh) hoặc “xa” (cấp xã).")
    row = reference.department(session, unit_code, code)
    if row is None:
        row = Department(scope=unit_code, code=code, name=_name(name, "Tên cơ quan"), level=level)
        session.add(row)
    else:
        row.name, row.level = _name(name, "Tên cơ quan"), level
    reference.bump_version(session, unit_code, now)
    return row


def create_officer(session: Session, now: datetime, unit_code: str, *, username: str, full_name: str, role: str,
                   password: str, province_reports: bool = False) -> OfficerInfo:  # fmt: skip
    """Create an account of the office with an Argon2id password hash (``province_reports``: a supervisor
    who may read every office's reports, see :func:`set_province_reports`)."""
    _office(session, unit_code)
    if province_reports and role != "supervisor":
        raise _bad("province_reports_role", PROVINCE_REPORTS_ROLE)
    username = normalise_username(username)
    if not USERNAME.fullmatch(username):
        raise _bad(
            "invalid_username", "Tên đăng nhập chỉ gồm chữ không dấu, số, dấu chấm, gạch dưới, gạch ngang (tối đa 64)."
        )
    if role not in ROLES:
        raise _bad("invalid_role", "Vai trò phải là officer (cán bộ), supervisor (giám sát) hoặc admin (quản trị).")
    _check_password(password)
    if identity.officer_by_username(session, username) is not None:
        raise ApiError(409, "username_taken", f"Tên đăng nhập “{username}” đã có người dùng.")
    officer = Officer(
        id=new_id(),
        username=username,
        full_name=_name(full_name, "Họ và tên"),
        role=role,
        unit_code=unit_code,
        password_hash=hash_password(password),
        active=True,
        created_at=now,
        province_reports=province_reports,
    )
    session.add(officer)
    reference.bump_version(session, unit_code, now)
    return officer_info(officer)


PROVINCE_REPORTS_ROLE = (
    "Chỉ tài khoản giám sát (supervisor) mới được cấp quyền xem số liệu toàn tỉnh; quản trị viên (admin) đã có"
    " sẵn quyền này. Hãy chọn một tài khoản giám sát."
)


def set_province_reports(session: Session, username: str, granted: bool) -> Officer:
    """Grant (or take back) a supervisor's view of every office's reports (``GET /reports/…?scope=province``);
    it takes effect on the account's next request."""
    officer = identity.officer_by_username(session, normalise_username(username))
    if officer is None:
        raise not_found(f"Không tìm thấy tài khoản “{username.strip()}”. Hãy kiểm tra tên đăng nhập.")
    if granted and officer.role != "supervisor":
        raise _bad("province_reports_role", PROVINCE_REPORTS_ROLE)
    officer.province_reports = granted
    return officer


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD or len(password) > 256:
        raise _bad("weak_password", f"Mật khẩu phải dài từ {MIN_PASSWORD} đến 256 ký tự.")
    try:
        password.encode()
    except UnicodeEncodeError:
        raise _bad("invalid_value", "Mật khẩu chứa mã Unicode hỏng. Hãy gõ lại mật khẩu.") from None


def update_officer(session: Session, now: datetime, unit_code: str, officer_id: str, *, active: bool | None = None,
                   role: str | None = None, full_name: str | None = None,
                   password: str | None = None) -> OfficerInfo:  # fmt: skip
    """Change an officer of the office; deactivating or a new password ends their sessions."""
    officer = session.get(Officer, officer_id)
    if officer is None:
        raise not_found("Không tìm thấy cán bộ này.")
    if officer.unit_code != unit_code:
        raise forbidden("wrong_office", OTHER_OFFICE)
    if role is not None:
        if role not in ROLES:
            raise _bad("invalid_role", "Vai trò phải là officer, supervisor hoặc admin.")
        officer.role = role
    if full_name is not None:
        officer.full_name = _name(full_name, "Họ và tên")
    if password is not None:
        _check_password(password)
        officer.password_hash = hash_password(password)
    if active is not None:
        officer.active = active
    if active is False or password is not None:
        identity.revoke_sessions(session, officer_id=officer.id)
    reference.bump_version(session, unit_code, now)
    return officer_info(officer)


# --- devices ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A fresh enrolment code (shown once) and when it expires."""

    code: str
    unit_code: str
    expires_at: datetime


def create_enrolment_code(session: Session, now: datetime, unit_code: str, *, hours: int = 24,
                          created_by: str = "cli") -> IssuedCode:  # fmt: skip
    """A one-time code that enrols one PC into the office within ``hours``; only its hash is kept."""
    _office(session, unit_code)
    if not 1 <= hours <= MAX_CODE_HOURS:
        raise _bad("invalid_hours", f"Thời hạn của mã phải từ 1 đến {MAX_CODE_HOURS} giờ.")
    code = new_enrolment_code()
    expires = now + timedelta(hours=hours)
    session.add(
        EnrolmentCode(
            code_sha256=sha256_hex(normalise_enrolment_code(code)),
            unit_code=unit_code,
            created_at=now,
            expires_at=expires,
            created_by=created_by[:64],
        )
    )
    return IssuedCode(code=code, unit_code=unit_code, expires_at=expires)


def devices(session: Session, unit_code: str) -> Sequence[Device]:
    """The office's PCs by slot."""
    return identity.devices_of(session, unit_code)


def revoke_device(session: Session, now: datetime, unit_code: str, device_id: str) -> None:
    """Stop a PC from logging in or syncing; its sessions end at once. Its slot is not reused."""
    device = identity.device(session, device_id)
    if device is None:
        raise not_found("Không tìm thấy máy trạm này.")
    if device.unit_code != unit_code:
        raise forbidden("wrong_office", OTHER_OFFICE)
    if device.revoked_at is None:
        device.revoked_at = now
    identity.revoke_sessions(session, device_id=device.id)


# --- reference data -----------------------------------------------------------------------------


def import_catalog(session: Session, now: datetime, data: Any, scope: str = GLOBAL_SCOPE) -> int:
    """Validate a catalog document and replace the procedures and departments of ``scope``.

    ``scope`` "" is the catalog of every office; a unit code an office's own additions.
    Returns the number of procedures.
    """
    if scope:
        _office(session, scope)
    if not isinstance(data, dict):
        raise _bad(
            "invalid_catalog", "Danh mục thủ tục phải là một đối tượng JSON như resources/catalog/procedures.json."
        )
    try:
        catalog = Catalog.from_dicts(data)
    except CatalogError as exc:
        raise _bad("invalid_catalog", exc.message) from None
    units = data.get("units") if isinstance(data.get("units"), list) else None  # validated by from_dicts
    reference.replace_catalog(session, scope, [dict(p) for p in data["procedures"]], units)
    for dep in catalog.departments:
        row = reference.department(session, scope, dep.code)
        if row is None:
            session.add(Department(scope=scope, code=dep.code, name=dep.name, level=str(dep.level)))
        else:
            row.name, row.level = dep.name, str(dep.level)
    for unit_code in [scope] if scope else reference.all_unit_codes(session):
        reference.bump_version(session, unit_code, now)
    return len(catalog)


def add_calendar_entry(session: Session, now: datetime, unit_code: str, *, day: date, kind: str, name: str,
                       legal_ref: str) -> CalendarEntry:  # fmt: skip
    """Add (or replace) a holiday or make-up working day of the office, with its legal reference."""
    _office(session, unit_code)
    if kind not in tuple(EntryKind):
        raise _bad("invalid_kind", "Loại ngày phải là holiday (nghỉ lễ) hoặc workday (làm bù).")
    if not 1901 <= day.year <= 2100:
        raise _bad("invalid_day", "Ngày phải trong khoảng năm 1901–2100.")
    name, legal_ref = _name(name, "Tên ngày"), _name(legal_ref, "Căn cứ pháp lý")
    row = reference.calendar_entry(session, unit_code, day)
    if row is None:
        row = CalendarEntry(unit_code=unit_code, day=day, kind=kind, name=name, legal_ref=legal_ref)
        session.add(row)
    else:
        row.kind, row.name, row.legal_ref = kind, name, legal_ref
    reference.bump_version(session, unit_code, now)
    return row


def remove_calendar_entry(session: Session, now: datetime, unit_code: str, day: date) -> None:
    """Remove the office's entry for ``day`` (404 if there is none)."""
    row = reference.calendar_entry(session, unit_code, day)
    if row is None:
        raise not_found(f"Đơn vị không có ngày nghỉ lễ hoặc làm bù nào vào {day:%d/%m/%Y}.")
    session.delete(row)
    reference.bump_version(session, unit_code, now)


def set_office_hours(session: Session, now: datetime, unit_code: str, periods: list[tuple[str, str]]) -> None:
    """Set the office's daily working periods, e.g. ``[("07:00", "11:30"), ("13:30", "17:00")]``."""
    _office(session, unit_code)
    try:
        hours = OfficeHours.from_setting(periods)
    except CalendarError as exc:
        raise _bad("invalid_office_hours", exc.message) from None
    value = [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in hours.periods]
    reference.set_setting(session, unit_code, OFFICE_HOURS_KEY, value)
    reference.bump_version(session, unit_code, now)


# --- the stored sync feed -----------------------------------------------------------------------


def check_feed(engine: Engine, now: Callable[[], datetime], *, fix: bool) -> CheckReport:
    """Check every stored event of the sync feed against the event contracts (server/sync/quarantine.py).

    Args:
        fix: Withhold the events that fail (served as ``withheld`` changes from then on).

    Waits while another server process checks (PostgreSQL).
    """
    from server.sync import quarantine

    with quarantine.exclusive(engine, wait=True):
        return quarantine.check_feed(engine, now, fix=fix)
