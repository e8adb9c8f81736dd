"""Đổi mật khẩu (Hệ thống menu, Ctrl+Shift+M): the signed-in officer changes their own password."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.password_rules import MAX_LENGTH, MIN_LENGTH
from app.errors import UserFacingError, ValidationError
from app.services.password import CONFIRM, NEW, OLD, PasswordChanged, change_password, check_change
from ui.context import UiContext
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.sync.transport import Transport

DONE_ON_SERVER = (
    "Đã đổi mật khẩu trên máy chủ. Từ nay hãy dùng mật khẩu mới ở mọi máy trạm; khi mất kết nối, máy này cũng"
    " chỉ nhận mật khẩu mới. Các phiên đăng nhập khác của bạn đã kết thúc."
)
DONE_HERE = "Đã đổi mật khẩu. Lần đăng nhập sau hãy dùng mật khẩu mới."


class PasswordDialog(QDialog):
    """Current password, new password twice, a show/hide toggle; checks everything before sending.

    The change runs on the worker (``ctx.runner``): on an enrolled PC it asks the central server.
    Each refusal is shown at the field it concerns; a success is shown in the dialog, whose button
    then closes it.

    Args:
        ctx: the signed-in session (its actor is whose password changes).
        transport: the enrolled PC's connection to the server; None on a standalone PC.
    """

    def __init__(self, ctx: UiContext, transport: Transport | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self._transport = ctx, transport
        self._busy_now = False
        self.result_: PasswordChanged | None = None
        self.setWindowTitle("Đổi mật khẩu – MotCua Desk")
        self.setMinimumWidth(620)
        title = QLabel("Đổi mật khẩu")
        set_role(title, Role.TITLE)
        who = QLabel(f"Tài khoản: <b>{ctx.actor.username}</b> ({ctx.actor.full_name})")
        self.where = QLabel(
            "Mật khẩu được đổi trên máy chủ và dùng cho mọi máy trạm, nên cần kết nối máy chủ."
            if transport is not None
            else "Mật khẩu của tài khoản trên máy trạm này."
        )
        set_role(self.where, Role.HINT)
        self.where.setWordWrap(True)
        self.old = self._password_field("Mật khẩu đang dùng")
        self.new = self._password_field(f"Ít nhất {MIN_LENGTH} ký tự")
        self.confirm = self._password_field("Gõ lại mật khẩu mới")
        self.errors = {OLD: self._error_label(), NEW: self._error_label(), CONFIRM: self._error_label()}
        rule = QLabel(f"Từ {MIN_LENGTH} đến {MAX_LENGTH} ký tự, khác tên đăng nhập và khác mật khẩu hiện tại.")
        set_role(rule, Role.HINT)
        rule.setWordWrap(True)
        self.show_passwords = QCheckBox("&Hiện mật khẩu (Alt+H)")
        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(1, 1)
        rows = ((OLD, "Mật khẩu hiện &tại:", self.old, None), (NEW, "Mật khẩu &mới:", self.new, rule),
                (CONFIRM, "&Nhập lại mật khẩu mới:", self.confirm, None))  # fmt: skip
        row = 0
        for key, text, field, hint in rows:
            label = QLabel(text)
            label.setBuddy(field)
            grid.addWidget(label, row, 0)
            grid.addWidget(field, row, 1)
            grid.addWidget(self.errors[key], row + 1, 1)
            row += 2
            if hint is not None:
                grid.addWidget(hint, row, 1)
                row += 1
        grid.addWidget(self.show_passwords, row, 1)
        self.error = self._error_label()
        self.done_label = QLabel()
        set_role(self.done_label, Role.DUE)
        self.done_label.setWordWrap(True)
        self.done_label.hide()
        self.change_button = QPushButton("Đổi mật khẩu (Enter)")
        set_role(self.change_button, Role.PRIMARY)
        self.change_button.setDefault(True)
        self.cancel_button = QPushButton("Huỷ (Esc)")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.change_button)
        layout = QVBoxLayout(self)
        for widget in (title, who, self.where):
            layout.addWidget(widget)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addWidget(self.done_label)
        layout.addStretch(1)  # spare height (after a message is hidden again) goes here, not between the lines
        layout.addLayout(buttons)
        self.change_button.clicked.connect(self._on_change_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.show_passwords.toggled.connect(self._on_show_passwords_toggled)
        for key, field in self._fields().items():
            field.textEdited.connect(lambda _text, key=key: self._clear_error(key))
        self.old.setFocus()

    def _password_field(self, placeholder: str) -> QLineEdit:
        field = QLineEdit()
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setPlaceholderText(placeholder)
        field.setMaxLength(MAX_LENGTH + 1)  # one more, so the rule's message (not a silent cut) says it is too long
        return field

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        set_role(label, Role.ERROR)
        label.setWordWrap(True)
        label.hide()
        return label

    def _fields(self) -> dict[str, QLineEdit]:
        return {OLD: self.old, NEW: self.new, CONFIRM: self.confirm}

    @Slot(bool)
    def _on_show_passwords_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        for field in self._fields().values():
            field.setEchoMode(mode)

    def _clear_error(self, key: str) -> None:
        """The officer is correcting what was refused: the old message no longer applies."""
        self.errors[key].hide()
        if key == NEW:
            self.errors[CONFIRM].hide()  # "does not match" may no longer be true
        self.error.hide()

    @Slot()
    def _on_change_clicked(self) -> None:
        if self.result_ is not None:
            self.accept()
            return
        if self._busy_now:
            return
        old, new, confirm = self.old.text(), self.new.text(), self.confirm.text()
        for label in (*self.errors.values(), self.error):
            label.hide()
        try:
            check_change(self._ctx.actor.username, old, new, confirm)
        except ValidationError as exc:
            self._show_fields(exc)
            return
        self._busy(True)
        ctx, transport = self._ctx, self._transport

        def work(_session: Session) -> PasswordChanged:
            return change_password(ctx.factory, ctx.actor, old, new, confirm, transport=transport, now=ctx.clock)

        ctx.runner.run(work, self._on_changed, self._on_failed, write=False)

    def _busy(self, busy: bool) -> None:
        self._busy_now = busy
        self.change_button.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)
        self.change_button.setText("Đang đổi mật khẩu…" if busy else "Đổi mật khẩu (Enter)")
        for field in self._fields().values():
            field.setReadOnly(busy)

    def _on_changed(self, result: PasswordChanged) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy(False)
        self.result_ = result
        for field in self._fields().values():
            field.clear()
            field.setEnabled(False)
        self.show_passwords.setEnabled(False)
        self.cancel_button.hide()
        self.done_label.setText(DONE_ON_SERVER if result.on_server else DONE_HERE)
        self.done_label.show()
        self.adjustSize()
        self.change_button.setText("Đóng (Enter)")
        self.change_button.setFocus()

    def _on_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy(False)
        if isinstance(exc, ValidationError):
            self._show_fields(exc)
        elif isinstance(exc, UserFacingError):
            self._show_error(exc.message)
        else:
            self._show_error("Lỗi ngoài dự kiến khi đổi mật khẩu. Chi tiết đã ghi vào tệp nhật ký; hãy thử lại.")

    def _show_error(self, message: str) -> None:
        """A refusal that concerns no single field, under the fields."""
        self.error.setText(message)
        self.error.show()
        self.adjustSize()

    def _show_fields(self, exc: ValidationError) -> None:
        """Each message at its field; the first wrong field gets the focus, its text selected."""
        fields = self._fields()
        first: QLineEdit | None = None
        for key, message in exc.fields.items():
            if key in self.errors:
                self.errors[key].setText(message)
                self.errors[key].show()
                first = first or fields[key]
        if first is None:
            self._show_error(exc.message)
            return
        self.adjustSize()  # the messages take room: grow rather than squeeze the rows together
        first.setFocus()
        first.selectAll()

    def reject(self) -> None:
        """Esc or Huỷ; not while the change is on its way (its answer must be shown)."""
        if self._busy_now:
            return
        super().reject()
