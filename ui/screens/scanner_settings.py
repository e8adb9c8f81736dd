"""Hệ thống → Cài đặt máy quét: prefix/suffix, timing, serial port, and a test-scan area."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.scan import BAUD_CHOICES, Scan, ScannerSettings, shown
from app.errors import ValidationError
from ui.scanner.feedback import ScanFeedback
from ui.scanner.inputs import ScannerInputs
from ui.scanner.sound import Sound
from ui.scanner.wedge import Source
from ui.theme import Role, set_banner, set_role

PREFIXES = (("Không có", ""), ("F12", "F12"), ("F13", "F13"), ("Ctrl+B (ký tự STX)", "Ctrl+B"))
SUFFIXES = (("Enter", "Enter"), ("Tab", "Tab"), ("Không có", ""))
MAX_LOG_LINES = 200


def _combo(choices: tuple[tuple[str, str], ...], value: str) -> QComboBox:
    box = QComboBox()
    for label, data in choices:
        box.addItem(label, data)
    box.setCurrentIndex(max(0, box.findData(value)))
    return box


class ScannerSettingsDialog(QDialog):
    """Edit and try this PC's scanner settings; scans made while it is open only show here.

    Args:
        scanners: The PC's scanners (settings are applied to them and stored).
        parent: The main window.
    """

    def __init__(self, scanners: ScannerInputs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scanners = scanners
        self._received: tuple[str, str] | None = None  # raw text and source of the scan being handled
        self.setWindowTitle("Cài đặt máy quét mã vạch")
        self.setMinimumSize(780, 700)
        s = scanners.settings
        root = QVBoxLayout(self)

        keyboard = QGroupBox("Máy quét kiểu bàn phím (cắm USB, gõ mã như bàn phím)")
        form = QFormLayout(keyboard)
        self.prefix = _combo(PREFIXES, s.prefix)
        self.suffix = _combo(SUFFIXES, s.suffix)
        self.timing = QCheckBox("Nhận biết theo tốc độ gõ khi máy quét không gửi ký tự đầu")
        self.timing.setChecked(s.timing_fallback)
        self.max_gap = QSpinBox()
        self.max_gap.setRange(5, 200)
        self.max_gap.setSuffix(" ms")
        self.max_gap.setValue(s.max_gap_ms)
        self.min_length = QSpinBox()
        self.min_length.setRange(3, 40)
        self.min_length.setSuffix(" ký tự")
        self.min_length.setValue(s.min_length)
        form.addRow("Ký tự đầu máy quét gửi:", self.prefix)
        form.addRow("Ký tự cuối máy quét gửi:", self.suffix)
        form.addRow("", self.timing)
        form.addRow("Khoảng cách tối đa giữa hai phím:", self.max_gap)
        form.addRow("Độ dài tối thiểu một mã:", self.min_length)
        hint = QLabel(
            "Nên cài cho máy quét gửi ký tự đầu (F12 hoặc STX) và Enter ở cuối: nhận biết chắc chắn, không nhầm"
            " với gõ phím. Máy quét gõ mỗi phím cách nhau 5–15 ms; người gõ 80–250 ms."
        )
        hint.setWordWrap(True)
        set_role(hint, Role.HINT)
        form.addRow(hint)
        root.addWidget(keyboard)

        serial = QGroupBox("Máy quét cổng nối tiếp (COM)")
        sform = QFormLayout(serial)
        self.port = QLineEdit(s.serial_port)
        self.port.setPlaceholderText("VD: COM3 hoặc /dev/ttyACM0 — để trống nếu không dùng")
        self.baud = QComboBox()
        for rate in BAUD_CHOICES:
            self.baud.addItem(f"{rate} bps", rate)
        self.baud.setCurrentIndex(max(0, self.baud.findData(s.baud_rate)))
        self.serial_status = QLabel(scanners.serial.status)
        self.serial_status.setWordWrap(True)
        sform.addRow("Tên cổng (gõ tay):", self.port)
        sform.addRow("Tốc độ:", self.baud)
        sform.addRow("Trạng thái:", self.serial_status)
        root.addWidget(serial)

        trial = QGroupBox("Quét thử")
        tcol = QVBoxLayout(trial)
        note = QLabel(
            "Quét một mã bất kỳ: chương trình cho biết đã nhận được gì và hiểu là loại mã nào."
            " Trong lúc cửa sổ này mở, quét mã không mở hồ sơ."
        )
        note.setWordWrap(True)
        set_role(note, Role.HINT)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setMinimumHeight(self.verdict.fontMetrics().lineSpacing() * 3 + 14)  # room for a long message
        self.verdict.hide()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(MAX_LOG_LINES)
        self.log.setPlaceholderText("Chưa nhận được lần quét nào.")
        self.log.setAccessibleName("Các lần quét thử")
        self.typing = QLineEdit()
        self.typing.setPlaceholderText("Gõ thử ở đây: gõ phím bình thường không bị coi là quét")
        tcol.addWidget(note)
        tcol.addWidget(self.verdict)
        tcol.addWidget(self.log, 1)
        tcol.addWidget(self.typing)
        root.addWidget(trial, 1)

        self.error = QLabel()
        set_role(self.error, Role.ERROR)
        self.error.setWordWrap(True)
        self.error.hide()
        root.addWidget(self.error)
        buttons = QHBoxLayout()
        self.apply_button = QPushButton("Áp dụng")
        self.save_button = QPushButton("Lưu và đóng")
        set_role(self.save_button, Role.PRIMARY)
        close = QPushButton("Đóng")
        for b in (self.apply_button, self.save_button, close):
            b.setAutoDefault(False)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        root.addLayout(buttons)

        self.apply_button.clicked.connect(self._on_apply_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        close.clicked.connect(self.reject)
        scanners.text_received.connect(self._on_scanners_text_received)
        scanners.serial_status_changed.connect(self._on_serial_status_changed)
        self.finished.connect(self._on_finished)

    # --- settings ----------------------------------------------------------------------------

    def settings(self) -> ScannerSettings:
        """The settings as on screen."""
        return replace(
            self._scanners.settings,
            prefix=str(self.prefix.currentData()),
            suffix=str(self.suffix.currentData()),
            timing_fallback=self.timing.isChecked(),
            max_gap_ms=self.max_gap.value(),
            min_length=self.min_length.value(),
            serial_port=self.port.text().strip(),
            baud_rate=int(self.baud.currentData()),
        )

    def apply(self) -> bool:
        """Use and store the settings on screen; False (and the reasons shown) when they cannot work."""
        try:
            self._scanners.apply(self.settings())
        except ValidationError as exc:
            self.error.setText("Chưa lưu được: " + " ".join(exc.fields.values()))
            self.error.show()
            return False
        self.error.hide()
        return True

    @Slot()
    def _on_apply_clicked(self) -> None:
        self.apply()

    @Slot()
    def _on_save_clicked(self) -> None:
        if self.apply():
            self.accept()

    # --- test scans --------------------------------------------------------------------------

    def handle_scan(self, scan: Scan, feedback: ScanFeedback) -> bool:
        """Show what was scanned and how it was understood (ui.scanner.router.ScanHandler)."""
        raw, source = self._received or (scan.raw, "")
        self._received = None
        where = f"{Source(source).label.capitalize()}: " if source else ""
        verdict = ("Nhận được: " if scan.ok else "Không dùng được: ") + scan.message
        set_banner(self.verdict, ok=scan.ok)
        self.verdict.setText(verdict)
        self.verdict.show()
        self.log.appendPlainText(f"{where}nhận “{shown(raw)}” ({len(raw)} ký tự) → {scan.message}")
        feedback.sound.play(Sound.OK if scan.ok else Sound.ERROR)
        return True

    @Slot(str, str)
    def _on_scanners_text_received(self, text: str, source: str) -> None:
        self._received = (text, source)

    @Slot(str, bool)
    def _on_serial_status_changed(self, text: str, connected: bool) -> None:
        self.serial_status.setText(text)

    @Slot(int)
    def _on_finished(self, _result: int) -> None:
        self._scanners.text_received.disconnect(self._on_scanners_text_received)
        self._scanners.serial_status_changed.disconnect(self._on_serial_status_changed)
