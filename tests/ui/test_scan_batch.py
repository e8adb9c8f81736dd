"""Quét lô hồ sơ (Shift+F9): a feeder batch of several dossiers with separator sheets, the review
(unknown code in red, pages before the first separator not attached until moved, target checklist
item), attach, summary; a jam mid-batch keeps the earlier pages and the batch goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.scanning.blobs import BlobStore
from app.services.attachments import list_attachments
from app.services.drafts import DossierSummary
from tests.ui.conftest import ScriptedPrompts
from tests.ui.scan_fakes import FakeDevices, FakeScanner, sheets
from tests.ui.test_dossier_list import person, receive
from ui.context import UiContext
from ui.scanning.batch import COL_CODE, COL_NAME, COL_PAGES, COL_TARGET, BatchScanDialog
from ui.scanning.page_model import SEPARATOR_ROLE

SHOTS = Path("/tmp/shots")
UNKNOWN = "000.01.00.H49-261123-0099"  # a well-formed code of no dossier on this PC


@pytest.fixture
def blobs(ui_ctx: UiContext, tmp_path: Path) -> BlobStore:
    store = BlobStore(tmp_path / "blobs")
    ui_ctx.blobs = store  # type: ignore[attr-defined]
    return store


@pytest.fixture
def two(ui_ctx: UiContext, blobs: BlobStore) -> tuple[DossierSummary, DossierSummary]:
    return (
        receive(ui_ctx, person("Nguyễn Văn An")),
        receive(ui_ctx, person("Trần Thị Bích", "001190004321", "0987654321", "Nữ")),
    )


def open_batch(qtbot: QtBot, ctx: UiContext, scanner: FakeScanner) -> BatchScanDialog:
    dialog = BatchScanDialog(ctx, devices=FakeDevices(scanner))
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.bar.setup is not None)
    return dialog


def cell(dialog: BatchScanDialog, row: int, col: int, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    return dialog.review.index(row, col).data(role)


def test_batch_split_review_move_and_attach(
    qtbot: QtBot, ui_ctx: UiContext, blobs: BlobStore, prompts: ScriptedPrompts,
    two: tuple[DossierSummary, DossierSummary],
) -> None:  # fmt: skip
    an, bich = two
    assert an.code and bich.code
    scanner = FakeScanner(sheets(
        "TRANG LẠC", f"#{an.code}", "TỜ KHAI CỦA AN", "", "GIẤY CHỨNG SINH CỦA AN",
        f"#{bich.code}", "TỜ KHAI CỦA BÍCH", f"#{UNKNOWN}", "TRANG MÃ LẠ",
    ))  # fmt: skip
    dialog = open_batch(qtbot, ui_ctx, scanner)
    qtbot.keyClick(dialog, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: len(dialog.groups) == 4 and all(g.looked_up or g.code is None for g in dialog.groups),
                    timeout=20_000)  # fmt: skip
    assert [cell(dialog, r, COL_CODE) for r in range(4)] == ["Chưa xác định hồ sơ", an.code, bich.code, UNKNOWN]
    assert cell(dialog, 1, COL_NAME) == "Nguyễn Văn An" and cell(dialog, 2, COL_NAME) == "Trần Thị Bích"
    assert cell(dialog, 3, COL_NAME) == "Không có hồ sơ này trong máy"
    assert cell(dialog, 3, COL_CODE, Qt.ItemDataRole.ForegroundRole).name() == "#b00020"  # red
    assert cell(dialog, 1, COL_PAGES) == "2 (+1 trắng)"
    assert [len(g.separators) for g in dialog.groups] == [0, 1, 1, 1]
    # The separator sheets are not among the pages; the first group's page is shown when selected.
    assert dialog.grid.model() is dialog.groups[0].model
    assert dialog.grid.model().rowCount() == 1

    # The stray page belongs to Bích: select it, choose her dossier, move it.
    dialog.grid.selectAll()
    dialog.move_combo.setCurrentIndex(dialog.move_combo.findData(bich.code))
    qtbot.keyClick(dialog, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert cell(dialog, 0, COL_PAGES) == "0" and cell(dialog, 2, COL_PAGES) == "2"
    # An's pages go to the first checklist item, Bích's stay under Tài liệu khác.
    dialog.table.selectRow(1)
    dialog.choose_target(0)
    assert cell(dialog, 1, COL_TARGET) == "Tờ khai đăng ký khai sinh theo mẫu"
    assert cell(dialog, 2, COL_TARGET) == "Tài liệu khác"
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "scan_batch.png"))

    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    question = prompts.asked[-1][1]
    assert f"Mã {UNKNOWN} không có trong máy này: 1 trang không được đính kèm." in question
    assert "1 trang trắng được bỏ ra." in question
    qtbot.waitUntil(lambda: bool(dialog.summary), timeout=20_000)
    assert dialog.summary.startswith(f"Đã đính kèm vào 2 hồ sơ: {an.code} (2 trang); {bich.code} (2 trang).")
    assert "Không đính kèm:" in dialog.summary and UNKNOWN in dialog.summary
    with ui_ctx.factory() as session:
        a_docs = list_attachments(session, blobs, an.uid)
        b_docs = list_attachments(session, blobs, bich.uid)
    assert [(d.name, d.requirement_index, d.pages) for d in a_docs] == [("Tờ khai đăng ký khai sinh theo mẫu", 0, 2)]
    assert [(d.name, d.requirement_index, d.pages) for d in b_docs] == [("Tài liệu khác", None, 2)]


def test_pages_before_the_first_separator_are_never_attached(
    qtbot: QtBot, ui_ctx: UiContext, blobs: BlobStore, two: tuple[DossierSummary, DossierSummary]
) -> None:
    an, _ = two
    dialog = open_batch(qtbot, ui_ctx, FakeScanner(sheets("TRANG LẠC 1", "TRANG LẠC 2", f"#{an.code}", "TỜ KHAI")))
    dialog.bar.scan()
    qtbot.waitUntil(lambda: len(dialog.groups) == 2 and dialog.groups[1].looked_up, timeout=20_000)
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.summary), timeout=20_000)
    assert "2 trang chưa xác định hồ sơ sẽ không được đính kèm." in dialog.summary
    with ui_ctx.factory() as session:
        (only,) = list_attachments(session, blobs, an.uid)
    assert only.pages == 1
    assert dialog.groups[0].model.rowCount() == 2  # still there to be moved or dropped


def test_jam_mid_batch_keeps_earlier_pages_and_the_batch_continues(
    qtbot: QtBot, ui_ctx: UiContext, blobs: BlobStore, two: tuple[DossierSummary, DossierSummary]
) -> None:
    an, bich = two
    scanner = FakeScanner(sheets(f"#{an.code}", "AN 1", "AN 2", "AN 3", f"#{bich.code}", "BÍCH 1"), jam_after=3)
    dialog = open_batch(qtbot, ui_ctx, scanner)
    dialog.bar.scan()
    qtbot.waitUntil(lambda: dialog.banner.isVisible() and len(dialog.groups) == 1, timeout=20_000)
    assert "Kẹt giấy" in dialog.banner.text()
    assert dialog.groups[0].model.rowCount() == 2  # AN 1, AN 2 arrived before the jam
    scanner.jam_after = None
    scanner.pages = sheets("AN 3", f"#{bich.code}", "BÍCH 1")  # the rest of the stack, fed again
    dialog.bar.scan()
    qtbot.waitUntil(lambda: len(dialog.groups) == 2 and dialog.groups[1].looked_up, timeout=20_000)
    assert [g.model.rowCount() for g in dialog.groups] == [3, 1]
    assert not any(p.separator_code for g in dialog.groups for p in g.model.pages())
    assert dialog.groups[1].model.index(0).data(SEPARATOR_ROLE) is None


def test_main_window_f9_in_search_shift_f9_anywhere(
    qtbot: QtBot, ui_ctx: UiContext, blobs: BlobStore, two: tuple[DossierSummary, DossierSummary]
) -> None:
    from ui.actions import ActionId
    from ui.main_window import MainWindow
    from ui.scanning.session import ScanSessionDialog

    an, _ = two
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    # On the reception screen F9 still means "receive" (not ambiguous with the scan action).
    window.show_reception()
    qtbot.keyClick(window.reception.picker.search, Qt.Key.Key_F9)
    assert "Chưa chọn thủ tục" in window.reception.banner.text()
    assert window.findChild(ScanSessionDialog) is None

    window.show_dossiers()
    screen = window.dossiers
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2)
    row = screen.model.row_of_uid(an.uid)
    screen.table.selectRow(row)
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: window.findChild(ScanSessionDialog) is not None)
    scan = window.findChild(ScanSessionDialog)
    assert scan is not None and scan._uid == an.uid
    scan.close()
    qtbot.waitUntil(lambda: window.findChild(ScanSessionDialog) is None)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.actions_[ActionId.SCAN_BATCH].shortcut().toString() == "Shift+F9"
    qtbot.keyClick(screen.table, Qt.Key.Key_F9, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.findChild(BatchScanDialog) is not None)
    batch = window.findChild(BatchScanDialog)
    assert batch is not None
    batch.close()
