"""Validation before confirmation (issue 15 item 8): a dialog that asks "this cannot be undone"
first runs the service's own checks and shows what is wrong at the field; the question comes only
for input the service would accept."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.services.returns import record_result
from app.store.db import transaction
from app.store.models import Event
from tests.ui.conftest import ScriptedPrompts
from tests.ui.keys import type_text
from tests.ui.test_dossier_list import person, receive
from tests.ui.test_return_flow import APPLICANT_ID, EARLIER, _move, status_of
from ui.context import UiContext
from ui.screens.apology_dialog import ApologyDialog
from ui.screens.return_dialog import ReturnDialog
from ui.screens.step_dialog import StepDialog
from ui.screens.supplement_dialog import ReceiveSupplementDialog


def confirms(prompts: ScriptedPrompts) -> list[str]:
    return [text for kind, text in prompts.asked if kind == "confirm"]


def shown(qtbot: QtBot, dialog: StepDialog) -> StepDialog:
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_return_with_a_wrong_id_is_refused_at_the_field_before_any_question(
    qtbot: QtBot, ui_ctx: UiContext, prompts: ScriptedPrompts
) -> None:
    d = receive(ui_ctx, person("Nguyễn Văn An", APPLICANT_ID), now=EARLIER)
    assert d.code
    _move(ui_ctx, d.uid, d.code, True, EARLIER + timedelta(minutes=30))
    with transaction(ui_ctx.factory) as s:
        record_result(s, ui_ctx.actor, d.uid, "Giấy khai sinh bản chính số 123/2026", EARLIER + timedelta(hours=2))
    _move(ui_ctx, d.uid, d.code, False, EARLIER + timedelta(hours=3))
    dialog = shown(qtbot, ReturnDialog(ui_ctx, d.uid, d.code, "Nguyễn Văn An"))
    assert isinstance(dialog, ReturnDialog)
    qtbot.keyClicks(dialog.personal_id, "001090009999")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(dialog.field_message("personal_id")), timeout=5000)
    assert "không khớp với người nộp hồ sơ" in dialog.field_message("personal_id")
    assert confirms(prompts) == []  # no "cannot be undone" about an ID the service refuses
    assert dialog.ok_button.isEnabled() and status_of(ui_ctx, d.uid) == DossierStatus.RESULT_READY
    dialog.grab().save("/tmp/h7-return-wrong-id.png")

    prompts.confirm_answer = False  # right ID: now the question; "No" writes nothing
    dialog.personal_id.clear()
    qtbot.keyClicks(dialog.personal_id, APPLICANT_ID)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(confirms(prompts)), timeout=5000)
    assert "không hoàn tác được" in confirms(prompts)[0]
    assert not dialog.field_message("personal_id") and dialog.ok_button.isEnabled()
    assert status_of(ui_ctx, d.uid) == DossierStatus.RESULT_READY
    prompts.confirm_answer = True
    with qtbot.waitSignal(dialog.step_done, timeout=8000):
        dialog.ok_button.click()
    assert status_of(ui_ctx, d.uid) == DossierStatus.RETURNED


def test_apology_date_before_the_current_one_is_refused_at_the_field_before_any_question(
    qtbot: QtBot, ui_ctx: UiContext, prompts: ScriptedPrompts
) -> None:
    d = receive(ui_ctx, person("Nguyễn Văn An", APPLICANT_ID), now=EARLIER)
    assert d.code and d.due_at
    dialog = shown(qtbot, ApologyDialog(ui_ctx, d.uid, d.code, d.due_at))
    assert isinstance(dialog, ApologyDialog)
    type_text(dialog.reason, "Cần xác minh thêm thông tin hộ tịch")
    dialog.new_due.setDateTime(dialog.new_due.dateTime().addDays(-30))  # earlier than the current due date
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(dialog.field_message("new_due_at")), timeout=5000)
    assert "phải sau ngày hẹn hiện tại" in dialog.field_message("new_due_at")
    assert confirms(prompts) == []
    dialog.grab().save("/tmp/h7-apology-earlier.png")
    with ui_ctx.factory() as s:
        assert not s.scalar(select(func.count()).where(Event.type == str(EventType.DUE_EXTENDED)))

    dialog.new_due.setDateTime(dialog.new_due.dateTime().addDays(30))
    with qtbot.waitSignal(dialog.step_done, timeout=8000):
        dialog.ok_button.click()
    assert len(confirms(prompts)) == 1 and not dialog.field_message("new_due_at")


def test_receive_supplement_for_a_dossier_not_waiting_is_refused_before_any_question(
    qtbot: QtBot, ui_ctx: UiContext, prompts: ScriptedPrompts
) -> None:
    d = receive(ui_ctx, person("Nguyễn Văn An", APPLICANT_ID), now=EARLIER)
    assert d.code  # received, no supplement requested (a dialog left open after another PC took it)
    dialog = shown(qtbot, ReceiveSupplementDialog(ui_ctx, d.uid, d.code))
    dialog.ok_button.click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=5000)
    assert "không ở trạng thái chờ bổ sung" in dialog.error.text()
    assert confirms(prompts) == [] and dialog.ok_button.isEnabled()
    dialog.grab().save("/tmp/h7-receive-supplement.png")
