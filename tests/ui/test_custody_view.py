"""Custody view (where each folder is, long transits highlighted, filters) and folder labels (settings,
test print, print and reprint recorded, label with the slip at reception)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.services.drafts import DossierSummary
from app.services.handover import add_scan, confirm_batch, counter_place, department_place, open_batch, send_batch
from app.store.db import transaction
from app.store.models import Event
from tests.conftest import NOW
from tests.pdf_tools import decode_barcodes
from tests.ui.test_dossier_list import person, receive
from ui.context import UiContext
from ui.models.custody_table import COL_TRANSIT, COL_WHERE, OVERDUE_ROLE
from ui.screens.custody import CustodyScreen
from ui.screens.custody_print import DocKind, DocumentPreviewDialog
from ui.screens.dossier_detail import DossierDetailDialog
from ui.screens.label_settings import LabelSettings, LabelSettingsDialog, LabelSettingsStore, open_label_with_slip

TP = "XA-TP"
FRIDAY = NOW - timedelta(days=3)


def _send(ctx: UiContext, codes: list[str], at: object, confirm: bool) -> None:
    with transaction(ctx.factory) as s:
        batch = open_batch(counter_place(ctx.actor), department_place(s, TP))
        for code in codes:
            batch, verdict = add_scan(s, batch, code)
            assert verdict.ok
        info, _ = send_batch(s, ctx.actor, batch, at)  # type: ignore[arg-type]
    if confirm:
        with transaction(ctx.factory) as s:
            confirm_batch(s, ctx.actor, info.id, codes, at + timedelta(minutes=10))  # type: ignore[operator]


@pytest.fixture
def three(ui_ctx: UiContext) -> list[DossierSummary]:
    people = [
        person("Nguyễn Văn An"),
        person("Trần Thị Bích", "001190004321", "0987654321", "Nữ"),
        person("Lê Văn Cường", "001090007777", "0911222333"),
    ]
    return [receive(ui_ctx, p, now=FRIDAY + timedelta(minutes=i)) for i, p in enumerate(people)]


def test_custody_view_highlights_long_transits_and_filters(
    qtbot: QtBot, qtmodeltester: object, ui_ctx: UiContext, three: list[DossierSummary]
) -> None:
    an, bich, cuong = three
    assert an.code and bich.code
    _send(ui_ctx, [an.code], FRIDAY + timedelta(hours=1), confirm=False)  # in transit since Friday
    _send(ui_ctx, [bich.code], FRIDAY + timedelta(hours=2), confirm=True)  # at the department
    screen = CustodyScreen(ui_ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 700)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.show()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 3 and screen.place.count() > 2, timeout=5000)
    qtmodeltester.check(screen.model)  # type: ignore[attr-defined]
    rows = {screen.model.row_at(r).code: r for r in range(3)}
    moving = rows[an.code]
    assert screen.model.index(moving, 0).data(OVERDUE_ROLE) is True
    assert screen.model.index(moving, COL_TRANSIT).data() == "Có – quá thời gian"
    assert screen.model.index(moving, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "Đang chuyển" in screen.model.index(moving, COL_WHERE).data()
    assert screen.model.index(rows[bich.code], 0).data(OVERDUE_ROLE) is False
    assert "Bộ phận Tư pháp" in screen.model.index(rows[bich.code], COL_WHERE).data()
    assert "1 hồ sơ chuyển quá thời gian" in screen.summary.text()
    screen.grab().save("/tmp/custody_view.png")

    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.place.setCurrentIndex(screen.place.findText("Bộ phận Tư pháp - Hộ tịch (UBND xã)"))
    at_tp = {screen.model.row_at(r).code: screen.model.row_at(r).in_transit for r in range(screen.model.rowCount())}
    assert at_tp == {bich.code: False, an.code: True}  # the department's folders, and the one on its way there
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.place.setCurrentIndex(screen.place.findData(0))  # the counter
    assert {screen.model.row_at(r).code for r in range(screen.model.rowCount())} == {cuong.code}
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.place.setCurrentIndex(0)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.transit_only.click()
    assert [screen.model.row_at(r).code for r in range(screen.model.rowCount())] == [an.code]


@pytest.fixture
def label_store(tmp_path: Path) -> LabelSettingsStore:
    return LabelSettingsStore(QSettings(str(tmp_path / "labels.ini"), QSettings.Format.IniFormat))


def test_label_settings_saved_and_test_print(qtbot: QtBot, ui_ctx: UiContext, label_store: LabelSettingsStore) -> None:
    dialog = LabelSettingsDialog(ui_ctx, label_store)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.stock.setCurrentIndex(dialog.stock.findData("roll_50x30"))
    dialog.dx.setValue(-1.5)
    dialog.dy.setValue(2.0)
    dialog.with_slip.setChecked(True)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in dialog.findChildren(DocumentPreviewDialog)), timeout=8000)
    (preview,) = dialog.findChildren(DocumentPreviewDialog)
    assert preview.doc.kind is DocKind.LABEL and "50 × 30 mm" in preview.status.text()
    dialog.grab().save("/tmp/label_settings.png")
    preview.close()
    dialog.save_button.click()
    assert label_store.load() == LabelSettings("roll_50x30", -1.5, 2.0, 1, True)


def test_label_print_then_reprint_recorded(
    qtbot: QtBot, ui_ctx: UiContext, three: list[DossierSummary], label_store: LabelSettingsStore
) -> None:
    uid, code = three[0].uid, three[0].code
    assert code
    label_store.save(LabelSettings("a4_3x8", 0.0, 0.0, 1, True))
    detail = DossierDetailDialog(ui_ctx, uid)
    qtbot.addWidget(detail)
    detail.show()
    qtbot.waitUntil(lambda: detail.custody_actions.state is not None, timeout=5000)
    assert open_label_with_slip(ui_ctx, detail, uid, label_store)  # what reception does after form 01
    qtbot.waitUntil(lambda: any(d.isVisible() for d in detail.findChildren(DocumentPreviewDialog)), timeout=8000)
    (label,) = [d for d in detail.findChildren(DocumentPreviewDialog) if d.isVisible()]
    assert label.doc.kind is DocKind.LABEL
    values = {value for page in decode_barcodes(label.doc.pdf) for _f, value in page}
    assert code in values  # the QR carries the full code
    label.save_button.click()
    label.close()
    actions = detail.custody_actions
    qtbot.waitUntil(lambda: actions.label_button.text() == "In lại nhãn", timeout=5000)
    actions.label_button.click()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in detail.findChildren(DocumentPreviewDialog)), timeout=8000)
    (again,) = [d for d in detail.findChildren(DocumentPreviewDialog) if d.isVisible()]
    again.save_button.click()
    again.close()

    def prints() -> list[bool]:
        with ui_ctx.factory() as s:
            rows = s.scalars(select(Event.payload).where(Event.dossier_uid == uid, Event.type == "form.printed"))
            return [bool(p["reprint"]) for p in rows if p.get("form") == "label"]

    qtbot.waitUntil(lambda: prints() == [False, True], timeout=5000)
    assert not open_label_with_slip(
        ui_ctx,
        detail,
        uid,
        LabelSettingsStore(
            QSettings(str(Path(label_store._qs.fileName()).with_name("off.ini")), QSettings.Format.IniFormat)
        ),
    )
    detail.close()


def test_transit_alert_threshold_is_set_by_a_supervisor_and_judges_the_rows(
    qtbot: QtBot, ui_ctx: UiContext, three: list[DossierSummary]
) -> None:
    from dataclasses import replace

    from app.services.context import Role
    from app.services.custody import transit_alert_hours

    an = three[0]
    assert an.code
    _send(ui_ctx, [an.code], FRIDAY + timedelta(hours=1), confirm=False)  # in transit since Friday
    officer_view = CustodyScreen(ui_ctx)
    qtbot.addWidget(officer_view)
    with qtbot.waitSignal(officer_view.loaded, timeout=5000):
        officer_view.show()
    assert not officer_view.alert_hours.isEnabled() and "lãnh đạo" in officer_view.alert_hours.toolTip()
    assert officer_view.alert_hours.value() == 4.0

    boss = replace(ui_ctx, actor=replace(ui_ctx.actor, role=Role.SUPERVISOR))
    screen = CustodyScreen(boss)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.show()
    row = next(r for r in range(screen.model.rowCount()) if screen.model.row_at(r).code == an.code)
    assert screen.model.index(row, 0).data(OVERDUE_ROLE) is True
    assert screen.alert_hours.isEnabled()
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.alert_hours.setValue(80.0)  # ten working days: Friday's folder is no longer late
    row = next(r for r in range(screen.model.rowCount()) if screen.model.row_at(r).code == an.code)
    assert screen.model.index(row, 0).data(OVERDUE_ROLE) is False
    assert "quá thời gian" not in screen.summary.text()
    screen.resize(1366, 700)
    screen.grab().save("/tmp/custody_threshold.png")
    with ui_ctx.factory() as s:
        assert transit_alert_hours(s) == 80.0


def test_cover_sheet_printed_from_the_detail_is_what_the_batch_scan_splits_at(
    qtbot: QtBot, ui_ctx: UiContext, three: list[DossierSummary]
) -> None:
    import pypdfium2 as pdfium

    from app.scanning.analysis import SeparatorKind, read_page_codes

    uid, code = three[1].uid, three[1].code
    detail = DossierDetailDialog(ui_ctx, uid)
    qtbot.addWidget(detail)
    detail.show()
    actions = detail.custody_actions
    qtbot.waitUntil(lambda: actions.cover_button.isEnabled(), timeout=5000)
    actions.cover_button.click()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in detail.findChildren(DocumentPreviewDialog)), timeout=8000)
    (preview,) = [d for d in detail.findChildren(DocumentPreviewDialog) if d.isVisible()]
    assert preview.doc.kind is DocKind.COVER_SHEET and preview.doc.code == code
    preview.grab().save("/tmp/cover_sheet_preview.png")
    # As the scanner will see it: 200 dpi grey, read back as a cover sheet of this dossier.
    page = pdfium.PdfDocument(preview.doc.pdf)[0].render(scale=200 / 72, fill_color=(255, 255, 255, 255))
    found = read_page_codes(page.to_pil().convert("L"), dpi=200)
    assert found is not None and (found.code, found.kind) == (code, SeparatorKind.COVER)
    preview.close()
    with ui_ctx.factory() as s:  # not a legal form: no history line
        assert s.scalars(select(Event).where(Event.dossier_uid == uid, Event.type == "form.printed")).all() == []
    detail.close()
