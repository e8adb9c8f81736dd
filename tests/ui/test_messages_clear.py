"""Messages go away once the officer starts correcting what they were about (issue 15)."""

from __future__ import annotations

from app.errors import UserFacingError
from app.services.context import Actor
from ui.screens.login import LoginDialog


def test_login_error_goes_when_the_officer_types_again(qtbot, office):
    def authenticate(username: str, password: str) -> Actor:
        raise UserFacingError("Sai tên đăng nhập hoặc mật khẩu.")

    dialog = LoginDialog(office, authenticate)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "canbo")
    qtbot.keyClicks(dialog.password, "sai")
    dialog.login_button.click()
    qtbot.waitUntil(dialog.error.isVisible)
    assert "Sai tên đăng nhập" in dialog.error.text()
    qtbot.keyClicks(dialog.password, "m")
    assert not dialog.error.isVisible()


def test_empty_fields_message_goes_when_the_user_name_is_typed(qtbot, office):
    dialog = LoginDialog(office, lambda u, p: (_ for _ in ()).throw(AssertionError("not called")))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.login_button.click()
    assert dialog.error.isVisible() and "Hãy nhập" in dialog.error.text()
    qtbot.keyClicks(dialog.username, "c")
    assert not dialog.error.isVisible()
