"""Base of the small processing-step dialogs (result, return, supplement, apology): fields with their
messages beside them, the service's own checks, then a confirmation for what cannot be undone, then
the write on the worker thread. The officer is never asked "this cannot be undone" about input the
service would refuse."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import ValidationError
from ui.context import UiContext
from ui.theme import Role, set_invalid, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Work = Callable[["Session"], Any]


def field_with_message(widget: QWidget) -> tuple[QVBoxLayout, QLabel]:
    """``widget`` over its own message line (red, wrapped, hidden until a message is set): the column
    to put in a form row, and the message label."""
    message = QLabel()
    set_role(message, Role.ERROR)
    message.setWordWrap(True)
    message.hide()
    column = QVBoxLayout()
    column.setSpacing(2)
    column.addWidget(widget)
    column.addWidget(message)
    return column, message


class StepDialog(QDialog):
    """Subclasses add fields with :meth:`add_field` and implement :meth:`work` (and :meth:`confirm_text`).

    Args:
        ctx: The logged-in session's services.
        uid: The dossier.
        code: Its code (titles and messages).
        title: Window title.
        parent: The dossier detail dialog.

    Signals:
        step_done(object): the service's result (before the Changes), after a successful write.
    """

    step_done = Signal(object)

    def __init__(self, ctx: UiContext, uid: str, code: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self.uid, self.code = ctx, uid, code
        self._busy = False
        self.setWindowTitle(f"{title} – {code}")
        self.heading = QLabel(title)
        set_role(self.heading, Role.TITLE)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        set_role(self.intro, Role.MUTED)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.error = QLabel()
        set_role(self.error, Role.ERROR)
        self.error.setWordWrap(True)
        self.error.hide()
        self.ok_button = QPushButton("Đồng ý")
        set_role(self.ok_button, Role.PRIMARY)
        self.ok_button.setDefault(True)
        cancel = QPushButton("Hủy (Esc)")
        cancel.setAutoDefault(False)
        self.ok_button.clicked.connect(self.submit)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(cancel)
        root = QVBoxLayout(self)
        root.addWidget(self.heading)
        root.addWidget(self.intro)
        root.addLayout(self.form)
        root.addWidget(self.error)
        root.addLayout(buttons)
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}
        self.setMinimumWidth(620)

    def add_field(self, key: str, label: str, widget: QWidget) -> QWidget:
        """A row with its own message line (shown when the service names ``key``)."""
        column, message = field_with_message(widget)
        self.form.addRow(label, column)
        self._fields[key] = (widget, message)
        self._clear_on_edit(key, widget)
        return widget

    def _clear_on_edit(self, key: str, widget: QWidget) -> None:
        """The user is correcting ``key``: its message goes at once (everything is checked again on submit)."""
        signal = None
        if isinstance(widget, QLineEdit):
            signal = widget.textEdited
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            signal = widget.textChanged
        elif isinstance(widget, QComboBox):
            signal = widget.activated
        elif isinstance(widget, QAbstractSpinBox):
            signal = widget.editingFinished
        if signal is not None:
            signal.connect(lambda *_args, k=key: self.clear_field_message(k))

    def clear_field_message(self, key: str) -> None:
        """Hide field ``key``'s message and its red frame."""
        widget, message = self._fields[key]
        if message.isHidden():
            return
        message.clear()
        message.hide()
        set_invalid(widget, False)

    def field_message(self, key: str) -> str:
        """The message shown beside field ``key`` ("" when none)."""
        _widget, message = self._fields[key]
        return message.text() if not message.isHidden() else ""

    def show_errors(self, fields: dict[str, str], general: str = "") -> None:
        """Each message beside its field, the rest (and ``general``) under the form."""
        for key, (widget, message) in self._fields.items():
            text = fields.get(key, "")
            message.setText(text)
            message.setVisible(bool(text))
            set_invalid(widget, bool(text))
        rest = [text for key, text in fields.items() if key not in self._fields]
        text = "\n".join([general, *rest]).strip()
        self.error.setText(text)
        self.error.setVisible(bool(text))
        for key, (widget, _m) in self._fields.items():
            if key in fields:
                widget.setFocus()
                break
        self.adjustSize()  # the messages wrap over several lines: nothing may be cut off

    # --- for subclasses -----------------------------------------------------------------------------

    def check(self) -> dict[str, str]:
        """Field messages found before asking the database (empty: go on)."""
        return {}

    def confirm_text(self) -> str:
        """The question asked before the write ("" = no question)."""
        return ""

    def precheck(self) -> Work | None:
        """The service's checks of the input, read-only, run on the worker before the confirmation.

        Raises in the worker (``ValidationError`` with field messages, ``UserFacingError``) just as
        the write would; None when there is nothing to check beyond :meth:`check`.
        """
        return None

    def work(self) -> Work:
        """The write, run on the worker; returns ``(result, Changes)``."""
        raise NotImplementedError

    def after(self, result: Any) -> None:
        """After a successful write and the dialog closed (e.g. open the print preview)."""

    # --- flow -------------------------------------------------------------------------------------------

    @Slot()
    def submit(self) -> None:
        if self._busy:
            return
        errors = self.check()
        self.show_errors(errors)
        if errors:
            return
        self._busy = True
        self.ok_button.setEnabled(False)
        checks = self.precheck() if self.confirm_text() else None
        if checks is None:
            self._on_checked(None)
        else:
            self._ctx.runner.run(checks, self._on_checked, self._on_failed, write=False)

    def _on_checked(self, _result: object) -> None:
        """The input passed the service's checks: ask what cannot be undone, then write."""
        if not shiboken6.isValid(self):
            return
        question = self.confirm_text()
        if question and not self._ctx.prompts.confirm(self, self.windowTitle(), question):
            self._busy = False
            self.ok_button.setEnabled(True)
            return
        self._ctx.runner.run(self.work(), self._on_done, self._on_failed, write=True)

    def _on_done(self, outcome: tuple[Any, Any]) -> None:
        if not shiboken6.isValid(self):
            return
        result, changes = outcome
        self._busy = False
        self._ctx.bus.publish(changes, self)
        self.step_done.emit(result)
        parent = self.parentWidget()
        self.accept()
        if parent is not None and shiboken6.isValid(parent):
            self.after(result)

    def _on_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy = False
        self.ok_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.show_errors(exc.fields)
        else:
            self.show_errors({}, str(exc))

    def preview(self, render: Callable[[Session], Any]) -> None:
        """Open a custody document's preview over the dossier window."""
        from ui.screens.custody_print import open_document_preview

        parent = self.parentWidget()
        if parent is not None:
            open_document_preview(self._ctx, parent, render)
