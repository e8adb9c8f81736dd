"""Serial-mode barcode scanners (COM port, USB CDC/ACM) read with QtSerialPort.

The port path is typed by hand: Qt's port list does not show every device (pseudo-terminals,
some USB adapters), HARDWARE.md. A scan ends at CR or LF (what scanners send by default) or
after a short pause when the scanner sends no terminator. When the device goes away (unplugged,
USB reset) the port is closed and opened again every second until the device is back; the
status says so in Vietnamese the whole time.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.domain.scan import ScannerSettings, classify
from ui.scanner.wedge import Source

if TYPE_CHECKING:
    from PySide6.QtSerialPort import QSerialPort

log = logging.getLogger(__name__)

RETRY_MS = 1000
"""How often a missing device is looked for again."""
IDLE_MS = 150
"""A scan without CR/LF ends after this pause."""
_LINE_END = re.compile(rb"[\r\n]+")


class SerialScanner(QObject):
    """Reads scans from a serial port and keeps the port open across unplug/replug.

    Args:
        settings: ``serial_port`` ("" = no serial scanner) and ``baud_rate``; 8 data bits, no
            parity, 1 stop bit (what scanners use).
        parent: Qt parent.

    Signals:
        scanned(object, str): a :class:`app.domain.scan.Scan` and ``"serial"``.
        text_received(str): each scan's raw text before classification.
        status_changed(str, bool): a Vietnamese status line and whether the port is open.
    """

    scanned = Signal(object, str)
    text_received = Signal(str)
    status_changed = Signal(str, bool)

    def __init__(self, settings: ScannerSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._port: QSerialPort | None = None  # made when a port is first opened (QtSerialPort loads then)
        self._buffer = b""
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._open)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_MS)
        self._idle.timeout.connect(self._on_idle_timeout)
        self._settings = settings or ScannerSettings()
        self._running = False
        self.status = "Chưa cấu hình máy quét cổng nối tiếp."
        self.connected = False

    @property
    def settings(self) -> ScannerSettings:
        """The settings in force."""
        return self._settings

    @settings.setter
    def settings(self, settings: ScannerSettings) -> None:
        changed = (settings.serial_port, settings.baud_rate) != (self._settings.serial_port, self._settings.baud_rate)
        self._settings = settings
        if changed and self._running:
            self.stop()
            self.start()

    def start(self) -> None:
        """Open the port (or keep trying until it can be opened)."""
        self._running = True
        if not self._settings.serial_port:
            self._set_status("Không dùng máy quét cổng nối tiếp (chưa nhập tên cổng).", False)
            return
        self._open()

    def stop(self) -> None:
        """Close the port and stop retrying."""
        self._running = False
        self._retry.stop()
        self._idle.stop()
        self._flush()
        if self._port is not None and self._port.isOpen():
            self._port.close()
        if self._settings.serial_port:
            self._set_status(f"Đã đóng cổng {self._settings.serial_port}.", False)

    def _set_status(self, text: str, connected: bool) -> None:
        if (text, connected) != (self.status, self.connected):
            self.status, self.connected = text, connected
            log.info("serial scanner: %s", text)
            self.status_changed.emit(text, connected)

    def _serial_port(self) -> QSerialPort:
        """The port object, made on first use: a PC without a serial scanner never loads QtSerialPort."""
        if self._port is None:
            from PySide6.QtSerialPort import QSerialPort

            self._port = QSerialPort(self)
            self._port.readyRead.connect(self._on_port_ready_read)
            self._port.errorOccurred.connect(self._on_port_error_occurred)
        return self._port

    @Slot()
    def _open(self) -> None:
        path = self._settings.serial_port
        if not self._running or not path:
            return
        port = self._serial_port()
        if port.isOpen():
            return
        from PySide6.QtSerialPort import QSerialPort

        port.setPortName(path)
        port.setBaudRate(self._settings.baud_rate)
        port.setDataBits(QSerialPort.DataBits.Data8)
        port.setParity(QSerialPort.Parity.NoParity)
        port.setStopBits(QSerialPort.StopBits.OneStop)
        port.setFlowControl(QSerialPort.FlowControl.NoFlowControl)
        if port.open(QSerialPort.OpenModeFlag.ReadOnly):
            self._retry.stop()
            self._buffer = b""
            self._set_status(f"Đã kết nối máy quét tại cổng {path} ({self._settings.baud_rate} bps).", True)
            return
        reason = port.errorString()
        port.clearError()
        self._set_status(
            f"Không mở được cổng {path} ({reason}). Kiểm tra máy quét đã cắm và tên cổng đúng;"
            " chương trình tự thử lại mỗi giây.",
            False,
        )
        self._retry.start()

    def _on_port_error_occurred(self, error: QSerialPort.SerialPortError) -> None:
        """errorOccurred (no @Slot: its argument type would need QtSerialPort at import)."""
        from PySide6.QtSerialPort import QSerialPort

        lost = (
            QSerialPort.SerialPortError.ResourceError,
            QSerialPort.SerialPortError.DeviceNotFoundError,
            QSerialPort.SerialPortError.PermissionError,
            QSerialPort.SerialPortError.OpenError,
        )
        port = self._serial_port()
        if error in lost and port.isOpen():
            path = self._settings.serial_port
            port.close()
            self._flush()
            self._set_status(
                f"Mất kết nối máy quét ở cổng {path}. Cắm lại máy quét; chương trình tự kết nối lại.", False
            )
            if self._running:
                self._retry.start()

    @Slot()
    def _on_port_ready_read(self) -> None:
        self._buffer += bytes(self._serial_port().readAll().data())
        *lines, self._buffer = _LINE_END.split(self._buffer)
        for line in lines:
            self._emit(line)
        if self._buffer:
            self._idle.start()
        else:
            self._idle.stop()

    @Slot()
    def _on_idle_timeout(self) -> None:
        self._flush()

    def _flush(self) -> None:
        line, self._buffer = self._buffer, b""
        self._emit(line)

    def _emit(self, line: bytes) -> None:
        if not line.strip():
            return
        text = line.decode("utf-8", errors="replace")
        scan = classify(text)
        log.info("serial scan: %s (%s)", scan.kind, scan.value[:40])
        self.text_received.emit(text)
        self.scanned.emit(scan, str(Source.SERIAL))
