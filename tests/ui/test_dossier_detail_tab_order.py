"""Tab in the dossier detail follows the screen (issue 15): left column, actions, scans, history,
then the bottom buttons — and no table keeps the focus for good."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from tests.ui.test_dossier_detail_layout import busy_dossier  # noqa: F401
from ui.screens.dossier_detail import DossierDetailDialog


def _name(widget: QWidget | None) -> str:
    if isinstance(widget, QAbstractButton):
        return widget.text()
    return widget.accessibleName() or type(widget).__name__ if widget is not None else "∅"


def _walk(qtbot, dialog: DossierDetailDialog, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> list[str]:
    """Press ``key`` until the focus comes back to where it started (at most 40 times)."""
    start = QApplication.focusWidget()
    seen = [_name(start)]
    for _ in range(40):
        qtbot.keyClick(QApplication.focusWidget(), key, modifier)
        if QApplication.focusWidget() is start:
            return seen
        seen.append(_name(QApplication.focusWidget()))
    raise AssertionError(f"Tab never came back to the start: {seen}")


def test_tab_walks_the_detail_as_it_is_laid_out(qtbot, busy_dossier):  # noqa: F811
    ctx, uid = busy_dossier
    dialog = DossierDetailDialog(ctx, uid)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.attachments.model.rowCount() == 6)
    qtbot.waitUntil(dialog.custody_actions.scan_button.isEnabled)  # the steps arrive after the detail
    dialog.activateWindow()
    dialog.info_scroll.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.info_scroll)
    walked = _walk(qtbot, dialog, Qt.Key.Key_Tab)
    actions = dialog.custody_actions
    enabled = [b.text() for b in (
        actions.result_button, actions.return_button, actions.supplement_button, actions.receive_supplement_button,
        actions.apology_button, actions.control_button, actions.label_button, actions.cover_button,
        actions.scan_button, actions.stop_button, actions.fee_button, actions.rate_button,
    ) if b.isVisible() and b.isEnabled()]  # fmt: skip
    assert "Ghi nhận kết quả" in enabled and "Quét / đính kèm (F9)" in enabled
    attachments = dialog.attachments
    after_scans = [b.text() for b in (attachments.open_button, attachments.save_button) if b.isEnabled()]
    assert walked == [
        "QScrollArea",
        *enabled,
        "Bản điện tử đính kèm",
        *after_scans,
        "Lịch sử xử lý",
        "In lại phiếu",
        "Đóng",
    ]
    back = _walk(qtbot, dialog, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert back == [walked[0], *reversed(walked[1:])]
    dialog.attachments.table.setFocus()
    dialog.grab().save("/tmp/h11-detail-tab.png")
