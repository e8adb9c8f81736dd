"""This PC's scanner settings in QSettings (per PC and user: a scanner is hardware, not office data)."""

from __future__ import annotations

import logging
from dataclasses import asdict, fields, replace
from typing import Any

from PySide6.QtCore import QSettings

from app.domain.scan import ScannerSettings, validate_settings

log = logging.getLogger(__name__)

GROUP = "scanner"


class ScannerSettingsStore:
    """Reads and writes :class:`app.domain.scan.ScannerSettings`.

    Args:
        qsettings: Where to keep them; the application's default QSettings when None (tests pass
            an INI file of their own).
    """

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._qs = qsettings if qsettings is not None else QSettings()

    def load(self) -> ScannerSettings:
        """The stored settings; a missing or unusable value falls back to its default (logged)."""
        defaults = ScannerSettings()
        values: dict[str, Any] = {}
        self._qs.beginGroup(GROUP)
        try:
            for f in fields(ScannerSettings):
                if not self._qs.contains(f.name):
                    continue
                raw = self._qs.value(f.name)
                default = getattr(defaults, f.name)
                try:
                    values[f.name] = _coerce(raw, default)
                except (TypeError, ValueError):
                    log.warning("scanner setting %s=%r unreadable; using %r", f.name, raw, default)
        finally:
            self._qs.endGroup()
        settings = replace(defaults, **values)
        for name in validate_settings(settings):
            log.warning("scanner setting %s=%r invalid; using the default", name, getattr(settings, name))
            settings = replace(settings, **{name: getattr(defaults, name)})
        return settings

    def save(self, settings: ScannerSettings) -> None:
        """Store ``settings`` (validate them first: :func:`app.domain.scan.validate_settings`)."""
        self._qs.beginGroup(GROUP)
        try:
            for name, value in asdict(settings).items():
                self._qs.setValue(name, value)
        finally:
            self._qs.endGroup()
        self._qs.sync()


def _coerce(raw: object, default: object) -> object:
    """QSettings gives strings back from INI files: turn them into the default's type."""
    if isinstance(default, bool):
        if isinstance(raw, str):
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return raw.lower() in ("true", "1")
        return bool(raw)
    if isinstance(default, int):
        return int(str(raw))
    return "" if raw is None else str(raw)
