"""The dossier detail fits a 1366×768 counter screen (issue 15 item 5): with six scanned documents, a long
history and an overdue date, no label or button is cut — at full screen and at the dialog's default
size — and the history shows at least eight rows at full screen."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.scanning.blobs import BlobStore
from app.services.attachments import attach_documents
from app.services.custody_forms import record_label_print
from app.services.reception import receive_dossier
from app.store.db import transaction
from tests.app.test_attachments import Doc, make_pdf
from tests.conftest import NOW
from tests.ui.test_dossier_list import _draft, person
from ui.context import UiContext
from ui.screens.dossier_detail import DossierDetailDialog

LONGEST = "1.013978"  # "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận …" (215 characters)
PAPERS = (
    "Đơn đăng ký đất đai, tài sản gắn liền với đất", "Giấy tờ về quyền sử dụng đất", "Sơ đồ thửa đất",
    "Chứng từ nộp nghĩa vụ tài chính", "Văn bản ủy quyền", "Giấy tờ khác",
)  # fmt: skip


@pytest.fixture
def busy_dossier(ui_ctx: UiContext, tmp_path: Path) -> tuple[UiContext, str]:
    """Six scans, thirteen history rows, and a clock two months on: the due date is past."""
    ui_ctx.blobs = BlobStore(tmp_path / "attachments")
    ctx = dataclasses.replace(ui_ctx, clock=lambda: NOW + timedelta(days=60))
    with transaction(ctx.factory) as s:
        d = receive_dossier(s, ctx.actor, ctx.catalog, ctx.calendar,
                            _draft(ctx, person("Nguyễn Thị Phương Thảo"), LONGEST, True), NOW)[0]  # fmt: skip
    docs = [Doc(name, n % 4, make_pdf(n + 1, name[:5]), n + 1) for n, name in enumerate(PAPERS)]
    with transaction(ctx.factory) as s:
        attach_documents(s, ctx.actor, ctx.blobs, d.uid, docs, occurred_at=NOW + timedelta(minutes=3))
    for k in range(6):
        with transaction(ctx.factory) as s:
            record_label_print(s, ctx.actor, d.uid, "Máy in nhãn", NOW + timedelta(minutes=5 + k))
    return ctx, d.uid


def _cut(widget: QWidget) -> str:
    """Why ``widget`` does not show all of itself, or ""."""
    hint = widget.sizeHint()
    if isinstance(widget, QLabel) and widget.wordWrap():
        if widget.height() < widget.heightForWidth(widget.width()):
            return f"{widget.height()} px high, needs {widget.heightForWidth(widget.width())}"
    elif widget.width() < hint.width() or widget.height() < hint.height():
        return f"{widget.width()}×{widget.height()}, needs {hint.width()}×{hint.height()}"
    parent = widget.parentWidget()
    while parent is not None:  # cut off sideways by a scroll area's viewport (down is scrolled to)
        if isinstance(parent, QAbstractScrollArea):
            right = widget.mapTo(parent.viewport(), widget.rect().topRight()).x()
            if right > parent.viewport().width():
                return f"runs {right - parent.viewport().width()} px past the scroll area"
        parent = parent.parentWidget()
    return ""


def _cut_widgets(dialog: DossierDetailDialog) -> list[str]:
    widgets: list[QWidget] = [*dialog.findChildren(QLabel), *dialog.findChildren(QPushButton)]
    return [
        f"{type(w).__name__} “{w.text()[:40]}”: {why}"
        for w in widgets
        if w.isVisible() and w.text() and (why := _cut(w))
    ]


def _history_rows_shown(dialog: DossierDetailDialog) -> int:
    (view,) = [v for v in dialog.findChildren(QAbstractScrollArea) if v.accessibleName() == "Lịch sử xử lý"]
    height = view.viewport().height()
    model = dialog.history_model
    return sum(1 for r in range(model.rowCount()) if 0 <= view.visualRect(model.index(r, 0)).bottom() < height)


def _open(qtbot: QtBot, ctx: UiContext, uid: str, size: tuple[int, int] | None) -> DossierDetailDialog:
    dialog = DossierDetailDialog(ctx, uid)
    qtbot.addWidget(dialog)
    if size is not None:
        dialog.resize(*size)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.attachments.model.rowCount() == 6, timeout=5000)
    ctx.runner.wait()
    return dialog


@pytest.mark.parametrize(("size", "name"), [((1366, 768), "1366x768"), (None, "default")])
def test_nothing_is_cut_with_scans_and_a_long_history(
    qtbot: QtBot, busy_dossier: tuple[UiContext, str], size: tuple[int, int] | None, name: str
) -> None:
    ctx, uid = busy_dossier
    dialog = _open(qtbot, ctx, uid, size)
    if size is None:  # the default fits a 1366×768 screen (here the test screen's, 800 px wide)
        assert dialog.width() <= 1280 and dialog.height() <= 720
    try:
        qtbot.waitUntil(lambda: not _cut_widgets(dialog), timeout=3000)  # once the layout has settled
    finally:
        dialog.grab().save(f"/tmp/dossier-detail-{name}.png")
    assert _cut_widgets(dialog) == []
    assert any(w.text().endswith("(đã quá hạn)") and w.isVisible() for w in dialog.findChildren(QLabel))
    assert dialog.custody_actions.scan_button.text() == "Quét / đính kèm (F9)"
    if size == (1366, 768):
        assert dialog.history_model.rowCount() == 13
        assert _history_rows_shown(dialog) >= 8
