"""Login dialog: personal account at this counter; shows which office and counter this PC is."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.domain.office import OfficeInfo
from app.errors import UserFacingError
from app.services.context import Actor
from ui.theme import Role, set_role

Authenticate = Callable[[str, str], Actor]


class LoginDialog(QDialog):
    """Asks for user name and password; ``actor`` is set when accepted."""

    def __init__(self, office: OfficeInfo, authenticate: Authenticate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._authenticate = authenticate
        self.actor: Actor | None = None
        self.setWindowTitle("Đăng nhập – MotCua Desk")
        self.setMinimumWidth(460)
        title = QLabel("MotCua Desk – Bộ phận Một cửa")
        set_role(title, Role.TITLE)
        where = QLabel(f"{office.name}<br>Mã đơn vị {office.unit_code} · {office.counter_name}")
        where.setWordWrap(True)
        self.username = QLineEdit()
        self.username.setPlaceholderText("Tên đăng nhập")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Mật khẩu")
        self.error = QLabel()
        set_role(self.error, Role.ERROR)
        self.error.setWordWrap(True)
        self.error.hide()
        self.login_button = QPushButton("Đăng nhập (Enter)")
        set_role(self.login_button, Role.PRIMARY)
        self.login_button.setDefault(True)
        form = QFormLayout()
        form.addRow("Tên đăng nhập:", self.username)
        form.addRow("Mật khẩu:", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(where)
        if office.demo:
            demo = QLabel("BẢN DEMO – tài khoản thử: canbo / motcua2026 (cán bộ), giamsat / giamsat2026 (giám sát)")
            set_role(demo, Role.DEMO)
            demo.setWordWrap(True)
            demo.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(demo)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.login_button)
        self.login_button.clicked.connect(self._on_login_clicked)
        self.username.setFocus()

    @Slot()
    def _on_login_clicked(self) -> None:
        if not self.username.text().strip() or not self.password.text():
            self._fail("Hãy nhập tên đăng nhập và mật khẩu.")
            return
        try:
            self.actor = self._authenticate(self.username.text(), self.password.text())
        except UserFacingError as exc:
            self.password.clear()
            self._fail(exc.message)
            return
        self.accept()

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        (self.password if self.username.text().strip() else self.username).setFocus()
