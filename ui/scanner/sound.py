"""The scan sounds: a short beep for a good scan, a low double buzz for a bad one.

Backends, first that works: QtMultimedia's ``QSoundEffect`` (low latency, preloaded WAV);
Windows' own ``winsound`` (standard library; the PyInstaller bundle leaves QtMultimedia and its
FFmpeg out to stay small, so on the counters' Windows PCs this is the usual path); otherwise
silence with one log line saying why (offscreen tests and CI, a PC without an audio device,
QtMultimedia missing its system libraries). Every request is reported by :attr:`SoundPlayer.played`
whether or not a speaker made it audible, so tests check the request, not the speakers.
"""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QGuiApplication

from app.resources import resource_path

log = logging.getLogger(__name__)


class Sound(StrEnum):
    """Which signal to sound."""

    OK = "ok"
    ERROR = "error"

    @property
    def file_name(self) -> str:
        return f"scan_{self.value}.wav"


class SoundPlayer(QObject):
    """Plays :class:`Sound`\\ s; loads its backend on first use (start-up stays fast).

    Args:
        enabled: False to stay silent (still reports requests).
        parent: Qt parent.

    Signals:
        played(str, bool): the :class:`Sound` value, and whether a backend was there to play it.
    """

    played = Signal(str, bool)

    def __init__(self, enabled: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enabled = enabled
        self.backend = ""
        """ "qt", "winsound" or "none" once loaded; "" before."""
        self._effects: dict[Sound, Any] = {}
        self.requests: list[Sound] = []

    def load(self) -> str:
        """Pick and prepare the backend (idempotent); returns its name."""
        if self.backend:
            return self.backend
        reason = self._load_qt()
        if reason is None:
            self.backend = "qt"
        elif sys.platform == "win32":
            self.backend = "winsound"
        else:
            self.backend = "none"
            log.info("scan sounds are off: %s", reason)
        return self.backend

    def _load_qt(self) -> str | None:
        """Prepare QSoundEffects; a reason (for the log) when they cannot play."""
        if QGuiApplication.platformName() in ("offscreen", "minimal"):
            return f"no audio on the {QGuiApplication.platformName()} platform"
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError as exc:
            return f"QtMultimedia unavailable ({exc})"
        if not QMediaDevices.audioOutputs():
            return "no audio output device"
        for sound in Sound:
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(resource_path("sounds", sound.file_name))))
            effect.setVolume(0.8)
            self._effects[sound] = effect
        return None

    def play(self, sound: Sound) -> None:
        """Sound ``sound`` now (asynchronously); never raises."""
        self.requests.append(sound)
        audible = False
        if self.enabled:
            backend = self.load()
            try:
                if backend == "qt":
                    self._effects[sound].play()
                    audible = True
                elif backend == "winsound" and sys.platform == "win32":
                    import winsound

                    path = str(resource_path("sounds", sound.file_name))
                    winsound.PlaySound(path, winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT)
                    audible = True
            except Exception:  # a sound must never break scanning
                log.exception("could not play the %s scan sound", sound)
        self.played.emit(str(sound), audible)
