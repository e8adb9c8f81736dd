"""The register dialog driven as a supervisor would: list a year, a bad range, preview, print, export."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt

from tests.app.test_register import _many
from tests.ui.conftest import ScriptedPrompts
from ui.screens.register import RegisterDialog, RegisterPreviewDialog


def _dialog(qtbot, ui_ctx, tmp_path: Path) -> tuple[RegisterDialog, list[str]]:
    asked: list[str] = []

    def ask(_parent, suggested: str) -> str:
        asked.append(suggested)
        return str(tmp_path / "so.xlsx")

    dialog = RegisterDialog(ui_ctx, ask_path=ask)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    return dialog, asked


def test_lists_the_year_then_exports_previews_and_prints(qtbot, ui_ctx, factory, actor, catalog, tmp_path, prompts):
    _many(factory, actor, catalog, 12)
    dialog, asked = _dialog(qtbot, ui_ctx, tmp_path)
    assert not dialog.excel_button.isEnabled()  # nothing listed yet
    assert dialog.year.value() == 2026
    qtbot.keyClick(dialog.year, Qt.Key.Key_Return)  # Enter = Xem
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 12)
    assert dialog.model.index(0, 0).data() == "1" and dialog.model.index(11, 0).data() == "12"
    assert dialog.model.index(0, 1).data() == "000.01.00.H49-261123-0001"
    assert dialog.status.text() == "Năm 2026: 12 hồ sơ."
    Path("/tmp/shots").mkdir(exist_ok=True)
    dialog.grab().save("/tmp/shots/register-dialog.png")

    qtbot.mouseClick(dialog.excel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Đã xuất"))
    assert asked and asked[0].endswith(".xlsx")
    ws = load_workbook(tmp_path / "so.xlsx").active
    assert ws.max_row == 7 + 12

    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.findChild(RegisterPreviewDialog) is not None)
    preview = dialog.findChild(RegisterPreviewDialog)
    assert "trang khổ 297 × 210 mm" in preview.status.text()  # A4 landscape
    preview.close()

    assert isinstance(prompts, ScriptedPrompts)
    prompts.print_ok = False  # the supervisor cancels the printer dialog
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text() == "Đã huỷ in.")
    assert any(kind == "print" for kind, _ in prompts.asked)


def test_a_reversed_range_is_explained_and_nothing_can_be_exported(qtbot, ui_ctx, factory, actor, catalog, tmp_path):
    _many(factory, actor, catalog, 2)
    dialog, _ = _dialog(qtbot, ui_ctx, tmp_path)
    dialog.mode.setCurrentIndex(1)
    assert not dialog.year.isEnabled() and dialog.start.isEnabled()
    dialog.start.setDate(QDate(2026, 12, 1))
    dialog.end.setDate(QDate(2026, 11, 1))
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "sau ngày kết thúc" in dialog.error.text()
    assert not dialog.excel_button.isEnabled() and dialog.model.rowCount() == 0
    dialog.end.setDate(QDate(2026, 11, 30))
    dialog.start.setDate(QDate(2026, 11, 23))
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    assert not dialog.error.isVisible() and dialog.excel_button.isEnabled()


def test_an_empty_period_says_so(qtbot, ui_ctx, tmp_path):
    dialog, _ = _dialog(qtbot, ui_ctx, tmp_path)
    dialog.year.setValue(2025)
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "không có hồ sơ" in dialog.status.text())
    assert not dialog.preview_button.isEnabled()


def test_the_menu_entry_is_for_supervisors_only(qtbot, ui_ctx, factory, actor, catalog):
    from dataclasses import replace

    from PySide6.QtWidgets import QMainWindow

    from app.services.context import Role
    from ui.actions import ActionId, make_actions
    from ui.screens.register import wire_register_action

    _many(factory, actor, catalog, 1)
    for role, shown in ((Role.OFFICER, False), (Role.SUPERVISOR, True)):
        window = QMainWindow()
        qtbot.addWidget(window)
        menu = window.menuBar().addMenu("&Hồ sơ")
        action = make_actions(window)[ActionId.REGISTER]
        ctx = replace(ui_ctx, actor=replace(actor, role=role))
        wire_register_action(ctx, menu, action, window)
        assert action.isVisible() is shown and (action in menu.actions()) is shown
        if shown:
            assert action.shortcut().toString() == "Shift+F3"
            action.trigger()
            qtbot.waitUntil(lambda w=window: w.findChild(RegisterDialog) is not None)
            dialog = window.findChild(RegisterDialog)
            qtbot.waitUntil(lambda d=dialog: d.model.rowCount() == 1)
            dialog.close()
