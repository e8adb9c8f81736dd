"""Dossier detail steps driven as an officer does: return to the citizen (wrong ID refused, right ID
accepted, status 10, receipt preview), form 04 once and only once, result and supplement dialogs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.services.drafts import DossierSummary
from app.services.handover import add_scan, confirm_batch, counter_place, department_place, open_batch, send_batch
from app.services.returns import record_result
from app.store.db import transaction
from app.store.models import Dossier, Event
from tests.conftest import NOW
from tests.pdf_tools import pdf_text
from tests.ui.conftest import ScriptedPrompts
from tests.ui.keys import type_text
from tests.ui.test_dossier_list import person, receive
from ui.context import UiContext
from ui.screens.apology_dialog import ApologyDialog
from ui.screens.custody_print import DocKind, DocumentPreviewDialog
from ui.screens.dossier_detail import DossierDetailDialog
from ui.screens.result_dialog import ResultDialog
from ui.screens.return_dialog import ReturnDialog
from ui.screens.supplement_dialog import ReceiveSupplementDialog, RequestSupplementDialog

TP = "XA-TP"
APPLICANT_ID = "022090001234"


def _move(ctx: UiContext, uid: str, code: str, to_department: bool, at: datetime) -> None:
    """Hand the folder over and confirm it at the other side (the services, as another PC would)."""
    with transaction(ctx.factory) as s:
        counter, dep = counter_place(ctx.actor), department_place(s, TP)
        batch = open_batch(counter, dep) if to_department else open_batch(dep, counter)
        batch, verdict = add_scan(s, batch, code)
        assert verdict.ok, verdict.message
        info, _ = send_batch(s, ctx.actor, batch, at)
    with transaction(ctx.factory) as s:
        confirm_batch(s, ctx.actor, info.id, [code], at + timedelta(minutes=5))


def status_of(ctx: UiContext, uid: str) -> int:
    with ctx.factory() as s:
        return s.scalars(select(Dossier.status).where(Dossier.uid == uid)).one()


EARLIER = NOW - timedelta(days=3)  # Friday morning: every step happens before the UI's clock (NOW)


@pytest.fixture
def received(ui_ctx: UiContext) -> DossierSummary:
    return receive(ui_ctx, person("Nguyễn Văn An", APPLICANT_ID), now=EARLIER)


def open_detail(qtbot: QtBot, ctx: UiContext, uid: str) -> DossierDetailDialog:
    dialog = DossierDetailDialog(ctx, uid)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.custody_actions.state is not None, timeout=5000)
    return dialog


def child(qtbot: QtBot, parent: DossierDetailDialog, kind: type) -> object:
    qtbot.waitUntil(lambda: any(d.isVisible() for d in parent.findChildren(kind)), timeout=8000)
    return next(d for d in parent.findChildren(kind) if d.isVisible())


def test_return_wrong_id_refused_right_id_accepted(
    qtbot: QtBot, ui_ctx: UiContext, received: DossierSummary, prompts: ScriptedPrompts
) -> None:
    uid, code = received.uid, received.code
    assert code
    _move(ui_ctx, uid, code, True, EARLIER + timedelta(minutes=30))
    with transaction(ui_ctx.factory) as s:
        record_result(s, ui_ctx.actor, uid, "Giấy khai sinh bản chính số 123/2026", EARLIER + timedelta(hours=2))
    detail = open_detail(qtbot, ui_ctx, uid)
    actions = detail.custody_actions
    assert not actions.return_button.isEnabled()  # the paper is still at the department
    assert "chưa về Bộ phận Một cửa" in actions.return_button.toolTip()
    assert "Bộ phận Tư pháp" in actions.location.text()
    detail.close()

    _move(ui_ctx, uid, code, False, EARLIER + timedelta(hours=3))
    detail = open_detail(qtbot, ui_ctx, uid)
    actions = detail.custody_actions
    qtbot.waitUntil(actions.return_button.isEnabled, timeout=5000)
    actions.return_button.click()
    dialog = child(qtbot, detail, ReturnDialog)
    assert isinstance(dialog, ReturnDialog)
    qtbot.keyClicks(dialog.personal_id, "001090009999")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(dialog.field_message("personal_id")), timeout=5000)
    assert "không khớp với người nộp hồ sơ" in dialog.field_message("personal_id")
    assert dialog.isVisible() and status_of(ui_ctx, uid) == DossierStatus.RESULT_READY
    dialog.grab().save("/tmp/return_dialog_wrong_id.png")

    dialog.representative.setChecked(True)  # a representative without the authorisation paper: refused
    dialog.full_name.setText("Trần Văn Bình")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(dialog.field_message("authorisation_ref")), timeout=5000)
    assert "giấy ủy quyền" in dialog.field_message("authorisation_ref")

    dialog.applicant.setChecked(True)
    dialog.personal_id.clear()
    qtbot.keyClicks(dialog.personal_id, APPLICANT_ID)
    with qtbot.waitSignal(dialog.step_done, timeout=8000):
        dialog.ok_button.click()
    assert any(f"Trả kết quả hồ sơ {code}" in text for kind, text in prompts.asked if kind == "confirm")
    assert status_of(ui_ctx, uid) == DossierStatus.RETURNED
    receipt = child(qtbot, detail, DocumentPreviewDialog)
    assert isinstance(receipt, DocumentPreviewDialog) and receipt.doc.kind is DocKind.RETURN_RECEIPT
    text = "\n".join(pdf_text(receipt.doc.pdf))
    assert "BIÊN NHẬN TRẢ KẾT QUẢ" in text and "Nguyễn Văn An" in text and "Giấy khai sinh bản chính" in text
    receipt.grab().save("/tmp/return_receipt_preview.png")
    receipt.save_button.click()  # a copy handed out: logged in the history
    qtbot.waitUntil(lambda: not actions.return_button.isEnabled(), timeout=5000)
    assert "Nguyễn Văn An" in actions.location.text()  # custody: with the citizen who collected it
    receipt.close()

    def logged() -> bool:
        with ui_ctx.factory() as s:
            rows = s.scalars(select(Event.payload).where(Event.dossier_uid == uid, Event.type == "form.printed"))
            return any(p.get("form") == "return_receipt" and p.get("output") == "pdf" for p in rows)

    qtbot.waitUntil(logged, timeout=5000)
    detail.close()


def test_form_04_only_once(qtbot: QtBot, ui_ctx: UiContext, received: DossierSummary, prompts: ScriptedPrompts) -> None:
    uid, code = received.uid, received.code
    assert code and received.due_at
    detail = open_detail(qtbot, ui_ctx, uid)
    actions = detail.custody_actions
    assert actions.apology_button.isEnabled()
    actions.apology_button.click()
    dialog = child(qtbot, detail, ApologyDialog)
    assert isinstance(dialog, ApologyDialog)
    dialog.ok_button.click()  # no reason yet
    assert "lý do" in dialog.field_message("reason")
    type_text(dialog.reason, "Cần xác minh thêm thông tin hộ tịch")
    new_due = dialog.new_due_at()
    assert new_due > received.due_at
    with qtbot.waitSignal(dialog.step_done, timeout=8000):
        dialog.ok_button.click()
    slip = child(qtbot, detail, DocumentPreviewDialog)
    assert isinstance(slip, DocumentPreviewDialog) and slip.doc.kind is DocKind.APOLOGY
    text = "\n".join(pdf_text(slip.doc.pdf))
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN" in text and "xác minh thêm" in text
    slip.grab().save("/tmp/form04_preview.png")
    slip.close()
    qtbot.waitUntil(lambda: not actions.apology_button.isEnabled(), timeout=5000)
    assert "chỉ được hẹn lại một lần" in actions.apology_button.toolTip()

    # A second apology (e.g. a dialog left open on another window) is refused by the service.
    again = ApologyDialog(ui_ctx, uid, code, new_due, detail)
    qtbot.addWidget(again)
    again.show()
    type_text(again.reason, "Lần hai")
    again.ok_button.click()
    qtbot.waitUntil(again.error.isVisible, timeout=5000)
    assert "chỉ được dời một lần" in again.error.text() and again.isVisible()
    again.close()
    with ui_ctx.factory() as s:
        n = s.scalar(select(func.count()).where(Event.dossier_uid == uid, Event.type == str(EventType.DUE_EXTENDED)))
        assert n == 1
        assert s.scalars(select(Dossier.due_at).where(Dossier.uid == uid)).one() == new_due
    detail.close()


def test_result_and_supplement_dialogs(
    qtbot: QtBot, ui_ctx: UiContext, received: DossierSummary, prompts: ScriptedPrompts
) -> None:
    uid, code = received.uid, received.code
    assert code
    detail = open_detail(qtbot, ui_ctx, uid)
    actions = detail.custody_actions
    actions.supplement_button.click()
    ask = child(qtbot, detail, RequestSupplementDialog)
    assert isinstance(ask, RequestSupplementDialog)
    ask.ok_button.click()
    assert ask.field_message("items") and ask.field_message("reason")
    ask.items.setPlainText("Bản sao giấy chứng nhận kết hôn\n\nXác nhận nơi cư trú")
    type_text(ask.reason, "Thiếu giấy tờ chứng minh quan hệ")
    with qtbot.waitSignal(ask.step_done, timeout=8000):
        ask.ok_button.click()
    form02 = child(qtbot, detail, DocumentPreviewDialog)
    assert isinstance(form02, DocumentPreviewDialog) and form02.doc.kind is DocKind.SUPPLEMENT
    text = "\n".join(pdf_text(form02.doc.pdf))
    assert "Xác nhận nơi cư trú" in text and "Thiếu giấy tờ chứng minh quan hệ" in text
    form02.close()
    assert status_of(ui_ctx, uid) == DossierStatus.SUPPLEMENT_REQUESTED
    qtbot.waitUntil(actions.receive_supplement_button.isEnabled, timeout=5000)
    assert not actions.result_button.isEnabled()
    detail.grab().save("/tmp/dossier_detail_actions.png")

    actions.receive_supplement_button.click()
    back = child(qtbot, detail, ReceiveSupplementDialog)
    assert isinstance(back, ReceiveSupplementDialog)
    with qtbot.waitSignal(back.step_done, timeout=8000):
        back.ok_button.click()
    assert status_of(ui_ctx, uid) == DossierStatus.PROCESSING
    qtbot.waitUntil(actions.result_button.isEnabled, timeout=5000)
    actions.result_button.click()
    result = child(qtbot, detail, ResultDialog)
    assert isinstance(result, ResultDialog)
    result.ok_button.click()
    assert "kết quả giải quyết" in result.field_message("result")
    type_text(result.result_edit, "Giấy khai sinh bản chính")
    with qtbot.waitSignal(result.step_done, timeout=8000):
        result.ok_button.click()
    assert status_of(ui_ctx, uid) == DossierStatus.RESULT_READY
    detail.close()
