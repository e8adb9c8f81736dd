"""Scan profiles, the last profile used and the scanner configuration, kept as JSON in ``setting``.

Reading is tolerant: a row with bad JSON (hand-edited, older version) falls back to the defaults
item by item instead of failing the scan dialog. Writing validates and raises ValidationError.
Functions take the caller's session and never commit.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.errors import ValidationError
from app.scanning.devices import ScannerConfig
from app.scanning.model import ColorMode, PaperSource, ScanProfile, ScanSettings
from app.store.models import Setting

log = logging.getLogger(__name__)

PROFILES_KEY = "scan_profiles"
LAST_PROFILE_KEY = "scan_last_profile"
SCANNER_CONFIG_KEY = "scanner_config"
MAX_NAME = 80

# device_id "" = the first scanner found on this PC
DEFAULT_PROFILES: tuple[ScanProfile, ...] = (
    ScanProfile("Đen trắng 300 dpi hai mặt", "", ScanSettings(300, ColorMode.BW, PaperSource.FEEDER_DUPLEX)),
    ScanProfile("Xám 200 dpi một mặt", "", ScanSettings(200, ColorMode.GRAY, PaperSource.FEEDER)),
    ScanProfile("Màu 200 dpi mặt kính", "", ScanSettings(200, ColorMode.COLOR, PaperSource.FLATBED)),
)


def _clean_name(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.split()))


def _value(session: Session, key: str) -> object:
    row = session.get(Setting, key)
    return None if row is None else row.value


def _store(session: Session, key: str, value: object) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value  # a new object, so the JSON column sees the change


def profile_to_json(profile: ScanProfile) -> dict[str, object]:
    return {"name": profile.name, "device_id": profile.device_id, "settings": profile.settings.to_json()}


def profile_from_json(data: object) -> ScanProfile | None:
    """A profile from stored JSON, None when it has no usable name."""
    if not isinstance(data, dict):
        return None
    name = data.get("name")
    if not isinstance(name, str) or not _clean_name(name) or len(_clean_name(name)) > MAX_NAME:
        return None
    device_id = data.get("device_id")
    settings = data.get("settings")
    return ScanProfile(
        name=_clean_name(name),
        device_id=device_id if isinstance(device_id, str) else "",
        settings=ScanSettings.from_json(settings if isinstance(settings, dict) else {}),
    )


def load_profiles(session: Session) -> list[ScanProfile]:
    """The office's scan profiles; the defaults when none (or none readable) are stored."""
    stored = _value(session, PROFILES_KEY)
    if not isinstance(stored, list):
        if stored is not None:
            log.warning("setting %s is not a list; using the default scan profiles", PROFILES_KEY)
        return list(DEFAULT_PROFILES)
    profiles: list[ScanProfile] = []
    seen: set[str] = set()
    for item in stored:
        profile = profile_from_json(item)
        if profile is None or profile.name.casefold() in seen:
            log.warning("scan profile dropped: %r", item)
            continue
        seen.add(profile.name.casefold())
        profiles.append(profile)
    return profiles or list(DEFAULT_PROFILES)


def save_profiles(session: Session, profiles: Sequence[ScanProfile]) -> None:
    """Store ``profiles`` (names tidied to NFC, single spaces).

    Raises:
        ValidationError: no profile, an empty or too long name, or two profiles with the same name.
    """
    if not profiles:
        raise ValidationError({"profiles": "Cần ít nhất một cấu hình quét."})
    seen: set[str] = set()
    cleaned = []
    for profile in profiles:
        name = _clean_name(profile.name)
        if not name:
            raise ValidationError({"name": "Tên cấu hình quét không được để trống."})
        if len(name) > MAX_NAME:
            raise ValidationError({"name": f"Tên cấu hình quét dài quá {MAX_NAME} ký tự: «{name[:20]}…»."})
        if name.casefold() in seen:
            raise ValidationError({"name": f"Có hai cấu hình quét cùng tên «{name}». Đặt tên khác cho một cấu hình."})
        seen.add(name.casefold())
        cleaned.append(profile_to_json(ScanProfile(name, profile.device_id, profile.settings)))
    _store(session, PROFILES_KEY, cleaned)


def last_profile_name(session: Session) -> str | None:
    """Name of the profile used last on this PC, None when never set (or stored badly)."""
    value = _value(session, LAST_PROFILE_KEY)
    return _clean_name(value) or None if isinstance(value, str) else None


def remember_profile(session: Session, name: str) -> None:
    """Remember ``name`` as the profile to preselect next time."""
    _store(session, LAST_PROFILE_KEY, _clean_name(name))


def load_scanner_config(session: Session) -> ScannerConfig:
    """eSCL addresses and watched folders; empty when none (or unreadable) are stored."""
    return ScannerConfig.from_json(_value(session, SCANNER_CONFIG_KEY))


def save_scanner_config(session: Session, cfg: ScannerConfig) -> None:
    """Store ``cfg``.

    Raises:
        ValidationError: an eSCL address that is not http(s)://…, or a folder path that is not absolute.
    """
    for url in cfg.escl_urls:
        if not url.strip().lower().startswith(("http://", "https://")) or len(url.strip()) < 10:
            raise ValidationError(
                {"escl_urls": f"Địa chỉ máy quét mạng «{url}» phải có dạng http://… (ví dụ http://192.168.1.20/eSCL)."}
            )
    for folder in cfg.watched_folders:
        if not folder.is_absolute():
            raise ValidationError({"watched_folders": f"Thư mục «{folder}» phải là đường dẫn đầy đủ (ví dụ D:\\Scan)."})
    _store(session, SCANNER_CONFIG_KEY, ScannerConfig.from_json(cfg.to_json()).to_json())
