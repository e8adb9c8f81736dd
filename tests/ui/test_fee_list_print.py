"""Hồ sơ → Danh sách thu phí, lệ phí trong ngày (Ctrl+Shift+T): the preview lists the day's receipts with
their count and total; a list that cannot be made says so in Vietnamese (the shared open_pdf_preview)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.domain.fees import PayMethod
from app.errors import UserFacingError
from app.store.db import transaction
from tests.pdf_tools import pdf_text
from tests.ui.test_window_keys import _window as main_window
from ui.actions import ActionId
from ui.main_window import MainWindow
from ui.screens.day_list_print import DayListPreviewDialog


def _paid(ctx) -> str:
    """A dossier with fees received at ``NOW`` and all its lines paid in cash; its code."""
    from app.services.fees import PaymentDraft, fee_state, record_payment
    from app.services.office import load_calendar
    from app.services.reception import receive_dossier
    from tests.app.test_reception import draft
    from tests.conftest import NOW

    with transaction(ctx.factory) as s:
        d = receive_dossier(s, ctx.actor, ctx.catalog, load_calendar(s), draft(ctx.catalog, "2.001610"), NOW)[0]
    with transaction(ctx.factory) as s:
        ids = tuple(x.id for x in fee_state(s, d.uid).unpaid())
        record_payment(s, ctx.actor, d.uid, PaymentDraft(ids, PayMethod.CASH, "Trần Thị Bình", ""), NOW)
    return d.code


def _press_ctrl_shift_t(qtbot, ctx) -> MainWindow:
    window = main_window(qtbot, ctx)
    assert window.actions_[ActionId.FEE_LIST].shortcut().toString() == "Ctrl+Shift+T"
    field = window.reception.applicant.full_name
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClick(field, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    return window


def _preview() -> DayListPreviewDialog | None:
    shown = (w for w in QApplication.topLevelWidgets() if isinstance(w, DayListPreviewDialog) and w.isVisible())
    return next(shown, None)


def test_ctrl_shift_t_previews_the_days_fee_list_with_its_count_and_total(qtbot, ui_ctx, prompts) -> None:
    code = _paid(ui_ctx)
    _press_ctrl_shift_t(qtbot, ui_ctx)
    qtbot.waitUntil(lambda: _preview() is not None or bool(prompts.errors), timeout=15000)
    assert not prompts.errors
    dialog = _preview()
    assert dialog is not None
    assert dialog.windowTitle().startswith("Xem trước khi in – Danh sách thu phí, lệ phí trong ngày – ")
    assert "1 biên lai, 150.000 đồng" in dialog.status.text() and "297 × 210 mm" in dialog.status.text()
    dialog.save_button.click()
    assert prompts.save_path is not None
    text = " ".join(" ".join(pdf_text(Path(prompts.save_path).read_bytes())).split())
    assert code in text and "Trần Thị Bình" in text and "150.000" in text
    dialog.close()


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (UserFacingError("Chưa thiết lập thông tin đơn vị."), "Chưa thiết lập thông tin đơn vị."),
        (RuntimeError("disk I/O error"), "Chưa lập được danh sách thu phí; hãy thử lại hoặc báo bộ phận CNTT."),
    ],
)
def test_a_fee_list_that_cannot_be_made_says_why(qtbot, ui_ctx, prompts, monkeypatch, error, says) -> None:
    import app.services.fee_documents as documents

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr(documents, "build_fee_list", refuse)
    _press_ctrl_shift_t(qtbot, ui_ctx)
    qtbot.waitUntil(lambda: bool(prompts.errors), timeout=15000)
    assert prompts.errors == [("Không lập được danh sách", says)]  # never the error's English text
    assert _preview() is None
