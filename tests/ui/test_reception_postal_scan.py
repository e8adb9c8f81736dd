"""A postal item's barcode scanned with the reception screen in front (issue 16): an item of a batch
record signed today puts the form in postal mode for it, through the main window's scanner routing;
an item of no batch of today says to open the batches (Ctrl+Shift+B)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.domain.indicators import Channel
from app.domain.postal import PostalBatchDraft, PostalItem
from app.services.drafts import RETURN_AT_COUNTER, RETURN_BY_POST
from app.services.postal import sign_batch
from app.store.db import transaction
from app.store.models import Dossier
from tests.conftest import NOW
from tests.ui.test_reception_flow import QR, pick_procedure, preview, scan_qr, tick_all_by_keyboard
from tests.ui.test_scanner_main_window import scan, scanners, store  # noqa: F401  (fixtures)
from ui.context import UiContext
from ui.main_window import MainWindow
from ui.scanner.inputs import ScannerInputs
from ui.screens.postal_batch import PostalBatchDialog

PNG = Path("/tmp/png/h7")
TODAY = ("RR123456785VN", "EE000000005VN")
YESTERDAY = "CP473982155VN"
SIGNED = NOW - timedelta(minutes=35)


def _sign(ctx: UiContext, items: tuple[str, ...], at) -> str:
    with transaction(ctx.factory) as s:
        batch, _ = sign_batch(s, ctx.actor, PostalBatchDraft("Bưu điện xã Hạ Long", "Trần Văn Bưu", at, items), at)
    return batch.batch_id


@pytest.fixture
def window(qtbot: QtBot, ui_ctx: UiContext, scanners: ScannerInputs) -> Iterator[MainWindow]:  # noqa: F811
    w = MainWindow(ui_ctx, scanners=scanners)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.activateWindow()
    qtbot.waitActive(w)
    qtbot.waitUntil(w.reception.picker.search.hasFocus)
    yield w


def test_scanning_an_item_of_todays_batch_puts_the_reception_in_postal_mode(
    qtbot: QtBot, window: MainWindow, ui_ctx: UiContext
) -> None:
    _sign(ui_ctx, (YESTERDAY,), NOW - timedelta(days=3))  # Friday's record: not today's
    batch_id = _sign(ui_ctx, TODAY, SIGNED)
    reception = window.reception
    assert reception.channel.channel() == "direct" and reception.return_method.currentText() == RETURN_AT_COUNTER
    with qtbot.waitSignal(window.scan_feedback.shown, timeout=5000) as shown:
        scan(window, TODAY[1].lower())  # a scanner in lower case: the same item
    assert shown.args[0] is True, window.scan_feedback.message
    assert reception.channel.postal_item() == PostalItem(batch_id, TODAY[1])
    assert reception.channel.channel() == "postal" and reception.channel.bar.isVisible()
    assert TODAY[1] in reception.channel.bar.text() and f"{SIGNED:%H:%M %d/%m/%Y}" in reception.channel.bar.text()
    assert reception.return_method.currentText() == RETURN_BY_POST
    assert not window.findChildren(PostalBatchDialog)  # no dialog needed
    assert reception.picker.search.hasFocus()  # ready for the procedure
    PNG.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(PNG / "reception_postal_mode_after_scan.png"))

    pick_procedure(qtbot, reception, "cap ban sao trich luc")
    tick_all_by_keyboard(qtbot, reception)
    scan_qr(qtbot, reception, QR)
    qtbot.keyClick(reception.applicant.phone, Qt.Key.Key_F9)
    preview(qtbot, reception).close()
    with ui_ctx.factory() as s:
        d = s.scalars(select(Dossier)).one()
    assert d.channel == Channel.POSTAL and d.received_at == SIGNED.replace(second=0, microsecond=0)
    assert d.data["postal"] == {"batch_id": batch_id, "item_no": TODAY[1]}

    with qtbot.waitSignal(window.scan_feedback.shown, timeout=5000) as shown:
        scan(window, TODAY[1])  # received already
    assert shown.args[0] is False and f"đã được xử lý (hồ sơ {d.code})" in window.scan_feedback.message
    assert reception.channel.channel() == "direct"


def test_an_item_of_no_batch_of_today_says_to_open_the_batches(
    qtbot: QtBot, window: MainWindow, ui_ctx: UiContext
) -> None:
    _sign(ui_ctx, (YESTERDAY,), NOW - timedelta(days=3))
    for text in (YESTERDAY, TODAY[0]):  # in Friday's record only, and in no record at all
        with qtbot.waitSignal(window.scan_feedback.shown, timeout=5000) as shown:
            scan(window, text)
        assert shown.args[0] is False
        message = window.scan_feedback.message
        assert f"Bưu gửi {text} không có trong biên bản giao nhận bưu chính nào đã ký hôm nay" in message
        assert "(Ctrl+Shift+B)" in message
        assert window.reception.channel.channel() == "direct" and window.reception.channel.postal_item() is None
        PNG.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(PNG / f"reception_postal_item_not_today_{text}.png"))
    with qtbot.waitSignal(window.scan_feedback.shown, timeout=5000) as shown:
        scan(window, "RR123456786VN")  # a wrong check digit: said as such
    assert shown.args[0] is False and "sai chữ số kiểm tra" in window.scan_feedback.message
    window.grab().save(str(PNG / "reception_postal_item_wrong_check_digit.png"))
