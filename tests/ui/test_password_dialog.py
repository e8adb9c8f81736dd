"""Hệ thống → Đổi mật khẩu… (Ctrl+Shift+M), driven by the keyboard as an officer would (issue 15 item 11):
each wrong field gets its message before anything is sent, the change runs on the worker with a busy
button, a standalone PC's account and an enrolled PC's server account (the REAL server on loopback)
take the new password, and offline the dialog says the server is needed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from sqlalchemy.orm import Session, sessionmaker

from app.services.auth import login
from app.services.context import Actor
from app.services.office import load_calendar, this_device
from app.services.password import NEEDS_SERVER
from app.services.seed import DEMO_ACCOUNTS
from app.store.db import transaction
from app.store.models import Officer
from tests.conftest import NOW
from tests.password_support import NEW, PASSWORD, LiveServer, live_office
from tests.ui.conftest import ScriptedPrompts
from ui.actions import ActionId
from ui.changes import ChangeBus
from ui.context import UiContext
from ui.main_window import MainWindow
from ui.ops import OpRunner
from ui.screens.password_dialog import DONE_HERE, DONE_ON_SERVER, PasswordDialog

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _open_by_shortcut(qtbot: Any, ctx: UiContext) -> tuple[MainWindow, PasswordDialog]:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitActive(window)
    assert window.actions_[ActionId.CHANGE_PASSWORD].shortcut().toString() == "Ctrl+Shift+M"
    field = window.reception.applicant.full_name
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClick(field, Qt.Key.Key_M, CTRL_SHIFT)
    qtbot.waitUntil(lambda: window.findChild(PasswordDialog) is not None)
    dialog = window.findChild(PasswordDialog)
    assert isinstance(dialog, PasswordDialog)
    qtbot.waitUntil(dialog.isVisible)
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(dialog.old.hasFocus)
    return window, dialog


def _type(qtbot: Any, dialog: PasswordDialog, *texts: str) -> None:
    """Type each text into the focused field (replacing what it holds), Tab between them."""
    for n, text in enumerate(texts):
        focused = QApplication.focusWidget()
        assert isinstance(focused, QLineEdit)
        focused.selectAll()
        qtbot.keyClicks(focused, text)
        if n < len(texts) - 1:
            qtbot.keyClick(focused, Qt.Key.Key_Tab)


def _enter(qtbot: Any) -> None:
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClick(focused, Qt.Key.Key_Return)


def _hash(factory: sessionmaker[Session], actor: Actor) -> str:
    with factory() as s:
        officer = s.get(Officer, actor.officer_id)
        assert officer is not None
        return officer.password_hash


def test_a_standalone_officer_changes_the_password_by_keyboard(
    qtbot: Any, ui_ctx: UiContext, factory: sessionmaker[Session]
) -> None:
    old = DEMO_ACCOUNTS[0][1]
    before = _hash(factory, ui_ctx.actor)
    _window, dialog = _open_by_shortcut(qtbot, ui_ctx)
    assert dialog.where.text() == "Mật khẩu của tài khoản trên máy trạm này."

    _type(qtbot, dialog, old, "ngan", "khac")
    _enter(qtbot)
    assert dialog.errors["new"].text() == "Mật khẩu mới phải có ít nhất 8 ký tự (đang có 4)."
    assert dialog.errors["confirm"].isVisible() and not dialog.errors["old"].isVisible()
    assert dialog.new.hasFocus() and dialog.change_button.isEnabled()
    assert _hash(factory, ui_ctx.actor) == before  # nothing was sent
    qtbot.keyClicks(dialog.new, "x")  # correcting it: its messages go
    assert not dialog.errors["new"].isVisible() and not dialog.errors["confirm"].isVisible()

    qtbot.keyClick(dialog.new, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)  # Hiện mật khẩu (an animated click)
    qtbot.waitUntil(dialog.show_passwords.isChecked)
    assert dialog.new.echoMode() == dialog.old.echoMode() == QLineEdit.EchoMode.Normal
    qtbot.keyClick(dialog.show_passwords, Qt.Key.Key_Space)  # and back, from the box it focused
    assert dialog.new.echoMode() == QLineEdit.EchoMode.Password

    dialog.new.setFocus()
    _type(qtbot, dialog, NEW, NEW)
    _enter(qtbot)
    assert not dialog.change_button.isEnabled() and dialog.change_button.text() == "Đang đổi mật khẩu…"
    assert dialog.old.isReadOnly()
    qtbot.waitUntil(dialog.done_label.isVisible, timeout=15_000)
    assert dialog.done_label.text() == DONE_HERE and not dialog.error.isVisible()
    assert dialog.change_button.text() == "Đóng (Enter)" and not dialog.old.text()
    with transaction(factory) as s:
        assert login(s, "canbo", NEW, ui_ctx.actor.device_id, NOW).officer_id == ui_ctx.actor.officer_id
    _enter(qtbot)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_a_wrong_current_password_is_shown_at_its_field(
    qtbot: Any, ui_ctx: UiContext, factory: sessionmaker[Session]
) -> None:
    before = _hash(factory, ui_ctx.actor)
    _window, dialog = _open_by_shortcut(qtbot, ui_ctx)
    _type(qtbot, dialog, "khong-dung-1", NEW, NEW)
    _enter(qtbot)
    qtbot.waitUntil(dialog.errors["old"].isVisible, timeout=15_000)
    assert dialog.errors["old"].text().startswith("Mật khẩu hiện tại không đúng.")
    assert dialog.old.hasFocus() and dialog.change_button.isEnabled() and not dialog.done_label.isVisible()
    assert _hash(factory, ui_ctx.actor) == before
    qtbot.keyClick(dialog.old, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


@pytest.fixture
def live(tmp_path: Path, template_db: Path) -> Iterator[LiveServer]:
    with live_office(tmp_path, template_db) as world:
        yield world


def _enrolled_ctx(live: LiveServer, tmp_path: Path, catalog: Any) -> tuple[UiContext, Any]:
    pc = live.counter("quay-1")
    with pc.factory() as s:
        calendar, office = load_calendar(s), this_device(s)
    assert office is not None
    ctx = UiContext(pc.factory, OpRunner(pc.factory), ChangeBus(), catalog, calendar, office, pc.actor,
                    ScriptedPrompts(tmp_path), clock=lambda: NOW)  # fmt: skip
    return ctx, pc


def test_an_enrolled_pc_changes_it_at_the_server_and_offline_says_the_server_is_needed(
    qtbot: Any, live: LiveServer, tmp_path: Path, catalog: Any
) -> None:
    ctx, pc = _enrolled_ctx(live, tmp_path, catalog)
    dialog = PasswordDialog(ctx, pc.client.transport)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.old.hasFocus)
    _type(qtbot, dialog, PASSWORD, NEW, NEW)
    _enter(qtbot)
    qtbot.waitUntil(lambda: dialog.done_label.isVisible() or dialog.error.isVisible(), timeout=20_000)
    assert dialog.done_label.text() == DONE_ON_SERVER, dialog.error.text()
    assert pc.client.login(pc.factory, "canbo", NEW)[1]

    live.stop()
    again = PasswordDialog(ctx, pc.client.transport)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(again.old.hasFocus)
    _type(qtbot, again, NEW, "Mot-mat-khau-khac", "Mot-mat-khau-khac")
    _enter(qtbot)
    qtbot.waitUntil(again.error.isVisible, timeout=20_000)
    assert again.error.text().startswith(NEEDS_SERVER)
    assert again.change_button.isEnabled() and not again.done_label.isVisible() and again.old.text() == NEW
    ctx.runner.wait()
