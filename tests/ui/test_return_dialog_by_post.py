"""The return dialog by post (issue 16): its opening sentence speaks of the post, not of checking an ID
card, and a message that was cleared leaves no blank gap behind."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app.services.returns import record_result
from app.store.db import transaction
from tests.ui.keys import type_text
from tests.ui.test_dossier_list import person, receive
from tests.ui.test_return_flow import EARLIER, _move, child, open_detail
from ui.screens.return_dialog import ReturnDialog

PNG = Path("/tmp/png/h7")


def _dialog(qtbot, ui_ctx):
    got = receive(ui_ctx, person("Nguyễn Văn An", "022090001234"), now=EARLIER)
    uid, code = got.uid, got.code
    assert code
    _move(ui_ctx, uid, code, True, EARLIER + timedelta(minutes=30))
    with transaction(ui_ctx.factory) as s:
        record_result(s, ui_ctx.actor, uid, "Giấy khai sinh bản chính số 123/2026", EARLIER + timedelta(hours=2))
    _move(ui_ctx, uid, code, False, EARLIER + timedelta(hours=3))
    detail = open_detail(qtbot, ui_ctx, uid)
    qtbot.waitUntil(detail.custody_actions.return_button.isEnabled, timeout=5000)
    detail.custody_actions.return_button.click()
    dialog = child(qtbot, detail, ReturnDialog)
    assert isinstance(dialog, ReturnDialog)
    qtbot.waitExposed(dialog)
    return detail, dialog, code


def _settled(qtbot, dialog: ReturnDialog) -> int:
    """The dialog's height, once the events pending (the layout's own requests among them) are done."""
    qtbot.waitUntil(lambda: True)  # processes the pending events, no sleep
    return dialog.height()


def test_by_post_the_intro_speaks_of_the_post_not_of_an_id_card(qtbot, ui_ctx) -> None:
    detail, dialog, code = _dialog(qtbot, ui_ctx)
    assert "thẻ căn cước" in dialog.intro.text()  # at the counter: the collector's ID is checked
    dialog.by_post.click()
    intro = dialog.intro.text()
    assert "thẻ căn cước" not in intro and "ủy quyền" not in intro
    assert code in intro and "bưu chính" in intro and "số hiệu bưu gửi" in intro
    qtbot.waitUntil(lambda: dialog.address.text() != "", timeout=5000)
    type_text(dialog.tracking_no, "RR123456785VN")
    PNG.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(PNG / "return_dialog_by_post.png"))
    dialog.by_post.click()  # back to the counter: the ID card again
    assert "thẻ căn cước" in dialog.intro.text()
    dialog.close()
    detail.close()


def test_a_cleared_error_leaves_no_gap(qtbot, ui_ctx) -> None:
    detail, dialog, _ = _dialog(qtbot, ui_ctx)
    dialog.by_post.click()
    qtbot.waitUntil(lambda: dialog.address.text() != "", timeout=5000)
    before = _settled(qtbot, dialog)
    dialog.ok_button.click()  # no tracking number: said beside the field
    assert "số hiệu bưu gửi" in dialog.field_message("tracking_no")
    assert _settled(qtbot, dialog) > before
    type_text(dialog.tracking_no, "R")  # the officer corrects it: the message goes …
    assert dialog.field_message("tracking_no") == ""
    assert _settled(qtbot, dialog) == before  # … and the space it took
    dialog.ok_button.click()  # a wrong number: the service's message, then corrected
    qtbot.waitUntil(lambda: bool(dialog.field_message("tracking_no")), timeout=5000)
    assert _settled(qtbot, dialog) > before
    type_text(dialog.tracking_no, "R")
    assert _settled(qtbot, dialog) == before
    PNG.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(PNG / "return_dialog_by_post_after_error.png"))
    dialog.close()
    detail.close()
