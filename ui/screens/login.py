"""Login dialog: personal account at this counter; shows which office and counter this PC is.

The check runs on a worker thread: on an enrolled PC it asks the central server (and falls back
to the offline grant), which may take seconds when the network is slow; the dialog stays
responsive meanwhile.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.domain.office import OfficeInfo
from app.errors import UserFacingError
from app.services.context import Actor
from ui.theme import Role, set_role

log = logging.getLogger(__name__)
Authenticate = Callable[[str, str], Actor]
"""(user name, password) → the actor; raises UserFacingError. Runs on a worker thread."""


class _Relay(QObject):
    succeeded = Signal(object)
    failed = Signal(object)


class _Attempt(QRunnable):
    def __init__(self, authenticate: Authenticate, username: str, password: str, relay: _Relay) -> None:
        super().__init__()
        self._authenticate, self._username, self._password, self._relay = authenticate, username, password, relay

    def run(self) -> None:
        try:
            actor = self._authenticate(self._username, self._password)
        except BaseException as exc:
            if not isinstance(exc, UserFacingError):
                log.error("login failed unexpectedly:\n%s", traceback.format_exc())
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(actor)


class LoginDialog(QDialog):
    """Asks for user name and password; ``actor`` is set when accepted.

    Args:
        office: which office and counter this PC is.
        authenticate: checks the credentials (on a worker thread).
        note: one line under the office, e.g. which server an enrolled PC logs in to.
    """

    def __init__(
        self, office: OfficeInfo, authenticate: Authenticate, parent: QWidget | None = None, note: str = ""
    ) -> None:
        super().__init__(parent)
        self._authenticate = authenticate
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.succeeded.connect(self._on_attempt_succeeded)
        self._relay.failed.connect(self._on_attempt_failed)
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
        if note:
            self.note = QLabel(note)
            set_role(self.note, Role.HINT)
            self.note.setWordWrap(True)
            layout.addWidget(self.note)
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
        self.username.textEdited.connect(self._on_field_edited)
        self.password.textEdited.connect(self._on_field_edited)
        self.username.setFocus()

    @Slot(str)
    def _on_field_edited(self, _text: str) -> None:
        """The officer is correcting what was refused: the old message no longer applies."""
        self.error.hide()

    @Slot()
    def _on_login_clicked(self) -> None:
        if not self.login_button.isEnabled():
            return
        if not self.username.text().strip() or not self.password.text():
            self._fail("Hãy nhập tên đăng nhập và mật khẩu.")
            return
        self._busy(True)
        self._pool.start(_Attempt(self._authenticate, self.username.text(), self.password.text(), self._relay))

    def _busy(self, busy: bool) -> None:
        self.login_button.setEnabled(not busy)
        self.login_button.setText("Đang đăng nhập…" if busy else "Đăng nhập (Enter)")
        self.username.setReadOnly(busy)
        self.password.setReadOnly(busy)

    @Slot(object)
    def _on_attempt_succeeded(self, actor: Actor) -> None:
        self._busy(False)
        self.actor = actor
        self.accept()

    @Slot(object)
    def _on_attempt_failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.password.clear()
        if isinstance(exc, UserFacingError):
            self._fail(exc.message)
        else:
            self._fail(f"Lỗi ngoài dự kiến khi đăng nhập: {exc!r}. Chi tiết đã ghi vào tệp nhật ký.")

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        (self.password if self.username.text().strip() else self.username).setFocus()
