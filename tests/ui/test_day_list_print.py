"""Hồ sơ → Danh sách hồ sơ tiếp nhận trong ngày (Ctrl+Shift+D): the preview lists today's receipts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.test_dossier_list import person, receive
from ui.actions import ActionId
from ui.main_window import MainWindow
from ui.screens.day_list_print import DayListPreviewDialog


def test_ctrl_shift_d_previews_the_days_list(qtbot, ui_ctx, prompts):
    codes = [receive(ui_ctx, person(name, personal_id=f"02209000{i:04d}")).code
             for i, name in enumerate(("Trần Thị Bình", "Nguyễn Văn An"))]  # fmt: skip
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitActive(window)
    action = window.actions_[ActionId.DAY_LIST]
    assert action.shortcut().toString() == "Ctrl+Shift+D"
    field = window.reception.applicant.full_name
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClick(field, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)

    def preview() -> DayListPreviewDialog | None:
        shown = (w for w in QApplication.topLevelWidgets() if isinstance(w, DayListPreviewDialog) and w.isVisible())
        return next(shown, None)

    qtbot.waitUntil(lambda: preview() is not None or bool(prompts.errors), timeout=15000)
    assert not prompts.errors
    dialog = preview()
    assert dialog is not None and "2 hồ sơ" in dialog.status.text() and "297 × 210 mm" in dialog.status.text()
    dialog.save_button.click()
    from pathlib import Path

    from tests.pdf_tools import pdf_text

    saved = Path(prompts.save_path).read_bytes()
    text = " ".join(pdf_text(saved))
    assert all(code in text for code in codes) and "Tổng số: 2 hồ sơ" in text
    dialog.close()
