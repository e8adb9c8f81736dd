"""This PC's scanners as one object: the keyboard wedge, the serial port and their stored settings."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication

from app.domain.scan import ScannerSettings, validate_settings
from app.errors import ValidationError
from ui.scanner.serial import SerialScanner
from ui.scanner.settings import ScannerSettingsStore
from ui.scanner.wedge import KeyboardWedge


class ScannerInputs(QObject):
    """Built once by the composition root (ui/main.py) and handed to each main window.

    Args:
        store: Where the settings live.
        parent: Qt parent.

    Signals:
        scanned(object, str): a :class:`app.domain.scan.Scan` and its source ("keyboard"/"serial").
        text_received(str, str): the raw text of each scan and its source (settings dialog).
        serial_status_changed(str, bool): the serial port's Vietnamese status and whether it is open.
    """

    scanned = Signal(object, str)
    text_received = Signal(str, str)
    serial_status_changed = Signal(str, bool)

    def __init__(self, store: ScannerSettingsStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._settings = store.load()
        self.wedge = KeyboardWedge(self._settings, self)
        self.serial = SerialScanner(self._settings, self)
        self.wedge.scanned.connect(self.scanned)
        self.serial.scanned.connect(self.scanned)
        self.wedge.text_received.connect(lambda text: self.text_received.emit(text, "keyboard"))
        self.serial.text_received.connect(lambda text: self.text_received.emit(text, "serial"))
        self.serial.status_changed.connect(self._on_serial_status_changed)

    @property
    def settings(self) -> ScannerSettings:
        """The settings in force."""
        return self._settings

    def start(self, app: QApplication) -> None:
        """Watch the keyboard of ``app`` and open the serial port (if one is set)."""
        self.wedge.install(app)
        self.serial.start()

    def stop(self) -> None:
        """Stop watching and close the port."""
        self.wedge.uninstall()
        self.serial.stop()

    def apply(self, settings: ScannerSettings) -> None:
        """Use and store new settings.

        Raises:
            ValidationError: a setting cannot work; ``fields`` says which and why.
        """
        errors = validate_settings(settings)
        if errors:
            raise ValidationError(errors)
        self._settings = settings
        self.wedge.settings = settings
        self.serial.settings = settings
        self.store.save(settings)

    @Slot(str, bool)
    def _on_serial_status_changed(self, text: str, connected: bool) -> None:
        self.serial_status_changed.emit(text, connected)
