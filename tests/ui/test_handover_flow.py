"""Handover of paper folders driven as an officer does it: scanner key events with real timestamps,
a wrong scan, a duplicate, a folder of another department, remove/undo, send, the handover
record's preview; then the receiving side scans the record and all but one folder and confirms."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.domain.batch_number import batch_number
from app.domain.custody import BatchState, PlaceKind
from app.domain.events import EventType
from app.domain.scan import ScannerSettings
from app.domain.status import DossierStatus
from app.services.drafts import DossierSummary
from app.services.handover import custody_of
from app.store.models import Dossier, Event, HandoverBatch
from tests.pdf_tools import decode_barcodes, pdf_text
from tests.ui.conftest import ScriptedPrompts
from tests.ui.test_dossier_list import person, receive
from ui.actions import ActionId
from ui.context import UiContext
from ui.main_window import MainWindow
from ui.scanner.inputs import ScannerInputs
from ui.scanner.settings import ScannerSettingsStore
from ui.scanner.simulate import KeySender
from ui.screens.custody_print import DocKind, DocumentPreviewDialog
from ui.screens.handover import HandoverScreen
from ui.screens.handover_receive import ReceiveHandoverScreen

LAND = "1.012784"  # Văn phòng Đăng ký đất đai: another department than Tư pháp - Hộ tịch
TP = "XA-TP"
_clock = count(5_000_000, 3_000)  # key timestamps: a scan every few seconds, 8 ms between keys


@pytest.fixture
def scanners(tmp_path: Path) -> Iterator[ScannerInputs]:
    store = ScannerSettingsStore(QSettings(str(tmp_path / "scanner.ini"), QSettings.Format.IniFormat))
    store.save(ScannerSettings(prefix="", suffix="Enter"))
    inputs = ScannerInputs(store)
    app = QApplication.instance()
    assert app is not None
    inputs.start(app)
    yield inputs
    inputs.stop()


@pytest.fixture
def folders(ui_ctx: UiContext) -> dict[str, DossierSummary]:
    return {
        "an": receive(ui_ctx, person("Nguyễn Văn An")),
        "bich": receive(ui_ctx, person("Trần Thị Bích", "001190004321", "0987654321", "Nữ")),
        "cuong": receive(ui_ctx, person("Lê Văn Cường", "001090007777", "0911222333")),
        "dat": receive(ui_ctx, person("Phạm Văn Đạt", "001090008888", "0911222444"), LAND),
    }


@pytest.fixture
def window(qtbot: QtBot, ui_ctx: UiContext, scanners: ScannerInputs, folders: object) -> Iterator[MainWindow]:
    w = MainWindow(ui_ctx, scanners=scanners)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.activateWindow()
    qtbot.waitActive(w)
    yield w
    for dialog in w.findChildren(DocumentPreviewDialog):
        dialog.close()


def scan(window: QWidget, text: str) -> None:
    """A keyboard-mode scanner: 8 ms between keys, Enter at the end."""
    target = QApplication.activeModalWidget() or window
    KeySender(target).scan(text, next(_clock), suffix="Enter")


def open_handover(qtbot: QtBot, window: MainWindow) -> HandoverScreen:
    window.actions_[ActionId.HANDOVER].trigger()
    screen = window.custody_tabs.handover.content
    assert isinstance(screen, HandoverScreen)
    qtbot.waitUntil(lambda: screen.batch is not None, timeout=5000)
    screen.department.setCurrentIndex(screen.department.findData(TP))
    assert screen.batch is not None and screen.batch.destination.code == TP
    return screen


def preview(qtbot: QtBot, window: MainWindow) -> DocumentPreviewDialog:
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(DocumentPreviewDialog)), timeout=8000)
    (dialog,) = [d for d in window.findChildren(DocumentPreviewDialog) if d.isVisible()]
    return dialog


def test_batch_scanned_sent_and_received_with_a_missing_folder(
    qtbot: QtBot, window: MainWindow, ui_ctx: UiContext, folders: dict[str, DossierSummary], prompts: ScriptedPrompts
) -> None:
    an, bich, cuong, dat = (folders[k].code for k in ("an", "bich", "cuong", "dat"))
    assert an and bich and cuong and dat
    screen = open_handover(qtbot, window)
    sounds: list[str] = []
    window.scan_feedback.sound.played.connect(lambda kind, _audible: sounds.append(kind))

    scan(window, an)
    scan(window, bich)
    scan(window, "8934567890123")  # a product barcode on the desk: wrong scan
    scan(window, an)  # the same folder again
    scan(window, dat)  # another department's folder
    scan(window, cuong.replace(".", "").replace("-", ""))  # the label's compact Code128
    qtbot.waitUntil(lambda: screen.model.rowCount() == 6 and not screen.busy(), timeout=10000)

    lines = screen.model.lines
    assert [line.ok for line in lines] == [True, True, False, False, False, True]
    assert "không phải mã hồ sơ" in lines[2].message
    assert "quét trùng" in lines[3].message
    assert "Văn phòng Đăng ký đất đai" in lines[4].message
    assert screen.batch is not None and [i.code for i in screen.batch.items] == [an, bich, cuong]
    assert "3 hồ sơ trong phiếu" in screen.count.text() and "3 mã bị loại" in screen.count.text()
    assert sounds == ["ok", "ok", "error", "error", "error", "ok"]
    assert window.scan_feedback.ok and cuong in window.scan_feedback.message
    window.grab().save("/tmp/handover_scanned.png")

    # Remove Bích's folder with Delete, undo with Ctrl+Z, remove it again: it stays at the counter.
    screen.table.setFocus()
    screen.table.selectRow(1)
    qtbot.keyClick(screen.table, Qt.Key.Key_Delete)
    assert screen.batch is not None and len(screen.batch.items) == 2 and screen.model.rowCount() == 5
    qtbot.keyClick(screen.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(screen.batch.items) == 3 and screen.model.lines[1].code == bich
    screen.table.selectRow(1)
    qtbot.keyClick(screen.table, Qt.Key.Key_Delete)
    assert [i.code for i in screen.batch.items] == [an, cuong]

    screen.note.setText("Kèm 02 bản gốc giấy chứng sinh")
    with qtbot.waitSignal(screen.batch_sent, timeout=8000) as sent:
        qtbot.keyClick(screen, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    info = sent.args[0]
    assert any("Bàn giao 2 hồ sơ" in text for kind, text in prompts.asked if kind == "confirm")
    assert {i.code for i in info.items} == {an, cuong} and info.destination.code == TP
    record = preview(qtbot, window)
    assert record.doc.kind is DocKind.HANDOVER
    text = "\n".join(pdf_text(record.doc.pdf))
    assert an in text and cuong in text and bich not in text and "BIÊN BẢN BÀN GIAO" in text
    printed = {value for page in decode_barcodes(record.doc.pdf) for _f, value in page if value.startswith("BG-")}
    number = batch_number(info.id)
    assert printed == {number} and number in text  # Code128, QR and the printed text: one number
    assert record.doc.code == number  # the preview title and the proposed file name
    record.save_button.click()
    assert Path(str(prompts.save_path)).read_bytes() == record.doc.pdf
    record.close()
    assert screen.model.rowCount() == 0 and screen.batch is not None and not screen.batch.items

    with ui_ctx.factory() as s:
        assert custody_of(s, folders["an"].uid).in_transit
        assert not custody_of(s, folders["bich"].uid).in_transit

    # The department confirms on this PC: scan the record's batch code, then only An's folder and Đạt's.
    window.actions_[ActionId.RECEIVE_HANDOVER].trigger()
    receive_screen = window.custody_tabs.receive.content
    assert isinstance(receive_screen, ReceiveHandoverScreen)
    qtbot.waitUntil(lambda: receive_screen.place.count() > 1, timeout=5000)
    scan(window, printed.pop())  # what the scanner reads off the printed record
    qtbot.waitUntil(lambda: receive_screen.model.batch is not None, timeout=5000)
    assert receive_screen.current_place().code == TP  # switched to the batch's receiving side
    assert f"Phiếu {number} " in receive_screen.heading.text()  # the number on the paper in hand
    scan(window, an)
    scan(window, an)  # duplicate at the receiving side
    scan(window, dat)  # a folder that is not in this batch
    qtbot.waitUntil(lambda: len(receive_screen.model.scanned) == 2, timeout=5000)
    qtbot.waitUntil(lambda: not window.scan_feedback.ok, timeout=3000)
    assert receive_screen.model.missing() == [cuong] and receive_screen.model.unexpected() == [dat]
    assert "Đã quét 1/2" in receive_screen.count.text()
    window.grab().save("/tmp/handover_receive.png")
    with qtbot.waitSignal(receive_screen.confirmed, timeout=8000) as done:
        receive_screen.confirm_button.click()
    summary = done.args[0]
    assert summary.missing == (cuong,) and summary.unexpected == (dat,) and summary.received == (an,)
    assert summary.state is BatchState.DISCREPANCIES
    assert "CÓ SAI LỆCH" in receive_screen.summary.text() and cuong in receive_screen.summary.text()
    assert any("THIẾU" in text for kind, text in prompts.asked if kind == "confirm")

    with ui_ctx.factory() as s:
        batch = s.get(HandoverBatch, info.id)
        assert batch is not None and batch.state == BatchState.DISCREPANCIES
        kinds = {
            (e.dossier_uid, e.payload.get("discrepancy"))
            for e in s.scalars(select(Event).where(Event.type == str(EventType.HANDOVER_DISCREPANCY)))
        }
        assert (folders["cuong"].uid, "missing") in kinds and (folders["dat"].uid, "unexpected") in kinds
        an_row = s.scalars(select(Dossier).where(Dossier.uid == folders["an"].uid)).one()
        assert an_row.status == DossierStatus.PROCESSING
        where = custody_of(s, folders["an"].uid)
        assert where is not None and where.place.kind is PlaceKind.DEPARTMENT and not where.in_transit
        missing = custody_of(s, folders["cuong"].uid)
        assert missing is not None and missing.missing
    window.grab().save("/tmp/handover_received.png")


def test_manual_entry_and_route_change(
    qtbot: QtBot, window: MainWindow, folders: dict[str, DossierSummary], prompts: ScriptedPrompts
) -> None:
    screen = open_handover(qtbot, window)
    code = folders["an"].code
    assert code
    screen.manual.setFocus()
    qtbot.keyClicks(screen.manual, "abc")
    qtbot.keyClick(screen.manual, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1 and not screen.busy(), timeout=5000)
    assert not screen.model.lines[0].ok and screen.message.isVisible()
    screen.manual.setText(code)
    qtbot.keyClick(screen.manual, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2 and not screen.busy(), timeout=5000)
    assert screen.model.lines[1].ok
    prompts.confirm_answer = False  # changing the destination would drop the scanned folder: keep it
    screen.department.setCurrentIndex(screen.department.findData("VPDKDD"))
    assert screen.department.currentData() == TP and screen.batch is not None and len(screen.batch.items) == 1
    prompts.confirm_answer = True
    screen.direction.setCurrentIndex(1)  # department → counter: the folder list starts again
    assert screen.batch is not None and screen.batch.source.kind is PlaceKind.DEPARTMENT
    assert screen.model.rowCount() == 0
    screen.manual.setText(code)
    qtbot.keyClick(screen.manual, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1 and not screen.busy(), timeout=5000)
    assert not screen.model.lines[0].ok and "Chỉ giao được hồ sơ mình đang giữ" in screen.model.lines[0].message


def test_an_unsent_batch_survives_the_window_closing_and_is_offered_back(
    qtbot: QtBot,
    window: MainWindow,
    ui_ctx: UiContext,
    scanners: ScannerInputs,
    folders: dict[str, DossierSummary],
    prompts: ScriptedPrompts,
) -> None:
    """A crash or power cut mid-scan loses no scan: the next handover screen offers the batch back."""
    an, bich, cuong = (folders[k].code for k in ("an", "bich", "cuong"))
    screen = open_handover(qtbot, window)
    for code in (an, bich, cuong):
        scan(window, code)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 3 and not screen.busy(), timeout=10000)
    screen.table.setFocus()
    screen.table.selectRow(1)
    qtbot.keyClick(screen.table, Qt.Key.Key_Delete)  # Bích's folder taken out before the "crash"

    def saved() -> list[str]:
        from app.store.models import Setting
        from ui.screens.handover import DRAFT_KEY

        with ui_ctx.factory() as s:
            row = s.get(Setting, DRAFT_KEY)
            return list(row.value["codes"]) if row is not None else []

    qtbot.waitUntil(lambda: saved() == [an, cuong], timeout=5000)
    window.close()  # nothing sent: the folders are still at the counter

    again = MainWindow(ui_ctx, scanners=scanners)
    qtbot.addWidget(again)
    again.show()
    again.actions_[ActionId.HANDOVER].trigger()
    resumed = again.custody_tabs.handover.content
    assert isinstance(resumed, HandoverScreen)
    qtbot.waitUntil(lambda: resumed.batch is not None and len(resumed.batch.items) == 2, timeout=10000)
    assert any("2 hồ sơ" in text and "chưa gửi" in text for kind, text in prompts.asked if kind == "confirm")
    assert resumed.batch is not None and resumed.batch.destination.code == TP
    assert [i.code for i in resumed.batch.items] == [an, cuong]

    # Declining the offer drops the draft for good.
    resumed.close()
    again.close()
    prompts.confirm_answer = False
    third = MainWindow(ui_ctx, scanners=scanners)
    qtbot.addWidget(third)
    third.show()
    third.actions_[ActionId.HANDOVER].trigger()
    qtbot.waitUntil(lambda: saved() == [], timeout=5000)
    fresh = third.custody_tabs.handover.content
    assert isinstance(fresh, HandoverScreen) and fresh.batch is not None and not fresh.batch.items
