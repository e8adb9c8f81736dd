"""Đăng ký máy trạm (for IT): connect this PC to the central server with a one-time code."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.domain.office import OfficeInfo
from ui.ops import OpRunner
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Enrol = Callable[[str, str, str], OfficeInfo]
"""(server URL, one-time code, counter name) → the office this PC now serves; runs on a worker."""


class EnrolDialog(QDialog):
    """Asks for the server address, the one-time code and the counter's name.

    The request runs on a worker (the network may be slow); the dialog stays responsive and
    shows the server's own message when it refuses.

    Signals:
        enrolled(object): the new :class:`OfficeInfo` after a successful enrolment.
    """

    enrolled = Signal(object)

    def __init__(self, runner: OpRunner, enrol: Enrol, counter_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner, self._enrol = runner, enrol
        self.office: OfficeInfo | None = None
        self.setWindowTitle("Đăng ký máy trạm với máy chủ – MotCua Desk")
        self.setMinimumWidth(560)
        title = QLabel("Đăng ký máy trạm với máy chủ")
        set_role(title, Role.TITLE)
        intro = QLabel(
            "Dành cho bộ phận CNTT. Quản trị hệ thống tạo <b>mã đăng ký dùng một lần</b> trên máy chủ"
            " (motcua-server admin enrol-code). Sau khi đăng ký, máy trạm dùng tài khoản của đơn vị trên"
            " máy chủ, cấp mã hồ sơ theo dải số máy chủ phát và đồng bộ hồ sơ tự động."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.server_url = QLineEdit()
        self.server_url.setPlaceholderText("https://motcua.quangninh.gov.vn")
        self.code = QLineEdit()
        self.code.setPlaceholderText("Ví dụ: K7QF-9M2X-TP4C")
        self.counter_name = QLineEdit(counter_name)
        self.counter_name.setPlaceholderText("Ví dụ: Quầy số 03")
        form = QFormLayout()
        form.addRow("Địa chỉ máy chủ:", self.server_url)
        form.addRow("Mã đăng ký:", self.code)
        form.addRow("Tên quầy:", self.counter_name)
        note = QLabel(
            "Khoá của máy trạm được lưu trong kho khoá an toàn của hệ điều hành (Credential Manager"
            " trên Windows), không lưu trong tệp."
        )
        set_role(note, Role.HINT)
        note.setWordWrap(True)
        self.error = QLabel()
        set_role(self.error, Role.ERROR)
        self.error.setWordWrap(True)
        self.error.hide()
        self.enrol_button = QPushButton("Đăng ký (Enter)")
        set_role(self.enrol_button, Role.PRIMARY)
        self.enrol_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.enrol_button)
        self.enrol_button.clicked.connect(self._on_enrol_clicked)
        self.server_url.setFocus()

    @Slot()
    def _on_enrol_clicked(self) -> None:
        url, code, name = self.server_url.text(), self.code.text(), self.counter_name.text()
        if not url.strip() or not code.strip() or not name.strip():
            self._fail("Hãy nhập đủ địa chỉ máy chủ, mã đăng ký và tên quầy.")
            return
        self.error.hide()
        self._busy(True)

        def work(_session: Session) -> OfficeInfo:
            return self._enrol(url, code, name)

        self._runner.run(work, self._on_done, self._on_failed, write=False)

    def _busy(self, busy: bool) -> None:
        self.enrol_button.setEnabled(not busy)
        self.enrol_button.setText("Đang đăng ký…" if busy else "Đăng ký (Enter)")
        for field in (self.server_url, self.code, self.counter_name):
            field.setReadOnly(busy)

    def _on_done(self, office: OfficeInfo) -> None:
        self._busy(False)
        self.office = office
        self.enrolled.emit(office)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self._busy(False)
        self._fail(getattr(exc, "message", None) or f"Không đăng ký được: {exc}")

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
