"""The citizen's stop or withdrawal driven as an officer does (issue 16): open the dossier, press
"Dừng / rút hồ sơ", the fields checked before the confirmation, form 05 previewed and logged, the
status changed and the button then disabled with the reason; refused after a result."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.domain.status import DossierStatus
from app.services.drafts import DossierSummary
from app.services.returns import record_result
from app.store.db import transaction
from app.store.models import Event
from tests.pdf_tools import pdf_text
from tests.ui.conftest import ScriptedPrompts
from tests.ui.keys import type_text
from tests.ui.test_return_flow import EARLIER, child, open_detail, received, status_of  # noqa: F401 (fixture)
from ui.context import UiContext
from ui.screens.custody_print import DocKind, DocumentPreviewDialog
from ui.screens.stop_dialog import StopDialog


def test_withdrawal_checked_confirmed_printed_and_closed(
    qtbot: QtBot,
    ui_ctx: UiContext,
    received: DossierSummary,  # noqa: F811
    prompts: ScriptedPrompts,
) -> None:
    uid, code = received.uid, received.code
    assert code
    detail = open_detail(qtbot, ui_ctx, uid)
    actions = detail.custody_actions
    assert actions.stop_button.isEnabled() and "Mẫu 05" in actions.stop_button.toolTip()
    actions.stop_button.click()
    dialog = child(qtbot, detail, StopDialog)
    assert isinstance(dialog, StopDialog)
    assert dialog.requester.text() == "Nguyễn Văn An" and "Được tiếp nhận" in dialog.intro.text()
    dialog.requester.clear()
    dialog.ok_button.click()  # nothing asked, nothing written: the fields say what is missing
    assert "họ tên người đề nghị" in dialog.field_message("requester_name")
    assert "lý do" in dialog.field_message("reason")
    assert not prompts.asked and status_of(ui_ctx, uid) == DossierStatus.RECEIVED
    type_text(dialog.requester, "Trần Thị Bình")
    # corrected fields lose their message at once (issue 15 item 11), the others keep theirs
    assert dialog.field_message("requester_name") == "" and "lý do" in dialog.field_message("reason")
    dialog.kind.setCurrentIndex(1)  # withdraw
    type_text(dialog.request_ref, "Đơn đề nghị ngày 23/11/2026")
    type_text(dialog.reason, "Sẽ nộp lại hồ sơ khác")
    assert dialog.field_message("reason") == ""
    with qtbot.waitSignal(dialog.step_done, timeout=8000):
        dialog.ok_button.click()
    assert any(f"Ghi nhận công dân rút hồ sơ {code} theo đề nghị của Trần Thị Bình" in text
               for kind, text in prompts.asked if kind == "confirm")  # fmt: skip
    assert status_of(ui_ctx, uid) == DossierStatus.WITHDRAWN
    notice = child(qtbot, detail, DocumentPreviewDialog)
    assert isinstance(notice, DocumentPreviewDialog) and notice.doc.kind is DocKind.STOP_NOTICE
    text = " ".join(" ".join(pdf_text(notice.doc.pdf)).split())
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text and "đề nghị rút hồ sơ (Đơn đề nghị ngày 23/11/2026)" in text
    notice.save_button.click()

    def logged() -> bool:
        with ui_ctx.factory() as s:
            rows = s.scalars(select(Event.payload).where(Event.dossier_uid == uid, Event.type == "form.printed"))
            return any(p.get("form") == "stop_notice" for p in rows)

    qtbot.waitUntil(logged, timeout=5000)
    notice.close()
    qtbot.waitUntil(lambda: not actions.stop_button.isEnabled(), timeout=5000)
    assert "trạng thái “Công dân yêu cầu rút hồ sơ”: chỉ dừng giải quyết được" in actions.stop_button.toolTip()
    detail.close()


def test_stop_refused_once_a_result_exists(
    qtbot: QtBot,
    ui_ctx: UiContext,
    received: DossierSummary,  # noqa: F811
    prompts: ScriptedPrompts,
) -> None:
    uid, code = received.uid, received.code
    assert code
    detail = open_detail(qtbot, ui_ctx, uid)
    assert detail.custody_actions.stop_button.isEnabled()
    # The result comes in (another PC) while this window is open: the service refuses the stop.
    with transaction(ui_ctx.factory) as s:
        record_result(s, ui_ctx.actor, uid, "Giấy chứng nhận", EARLIER + timedelta(hours=1))
    dialog = StopDialog(ui_ctx, uid, code, "Nguyễn Văn An", "Được tiếp nhận", detail)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.reason, "Không còn nhu cầu")
    dialog.ok_button.click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=5000)
    assert "Đã xử lý xong" in dialog.error.text() and "chưa có kết quả" in dialog.error.text()
    assert not prompts.asked and status_of(ui_ctx, uid) == DossierStatus.RESULT_READY
    dialog.close()
    detail.close()
