"""The reception checklist marks each paper to scan or only shown, and the receipt records it; the indicators
view counts 4.2 over the dossiers with a paper to scan and 3.3 per channel (driven as a user would)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.domain.catalog import Digitise
from app.services.context import Role
from app.store.models import Dossier, Event
from tests.app.test_reception import draft, receive
from tests.ui.keys import type_text
from tests.ui.test_reception_flow import QR, preview, scan_qr, tick_all_by_keyboard
from tests.ui.test_reception_flow import screen as screen
from ui.context import UiContext
from ui.screens.indicators import IndicatorsView
from ui.screens.procedure_picker import SCAN_MARKS, SCAN_TIPS
from ui.screens.reception import ReceptionScreen

WAIT_MS = 15_000
SHOTS = Path(os.environ.get("MOTCUA_SHOTS", "/tmp/png/h5"))


def _shot(widget: object, name: str) -> None:
    if os.environ.get("MOTCUA_SHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))  # type: ignore[attr-defined]


def test_the_checklist_marks_the_papers_to_scan_and_the_receipt_records_them(
    qtbot, screen: ReceptionScreen, ui_ctx, prompts
) -> None:
    screen.focus_search()
    type_text(screen.picker.search, "khai sinh")
    qtbot.keyClick(screen.picker.search, Qt.Key.Key_Return)
    assert screen.picker.procedure is not None and screen.picker.procedure.code == "1.001193"
    checklist = screen.picker.checklist
    rows = [checklist.item(r) for r in range(checklist.count())]
    flags = [r.data(Qt.ItemDataRole.UserRole).digitise for r in rows]
    assert flags == [Digitise.REQUIRED, Digitise.REQUIRED, Digitise.SHOWN, Digitise.REQUIRED]
    for item, flag in zip(rows, flags, strict=True):
        assert item.text().endswith(SCAN_MARKS[flag]) and item.toolTip() == SCAN_TIPS[flag]
    texts = [r.text().replace("\u00a0", " ") for r in rows]
    assert texts[2].endswith("[xuất trình, không số hoá]") and "không phải số hoá" in rows[2].toolTip()
    assert texts[0].endswith("[số hoá]") and "phải quét" in rows[0].toolTip()
    screen.resize(1366, 768)
    _shot(screen, "reception_checklist_marks.png")

    tick_all_by_keyboard(qtbot, screen)
    scan_qr(qtbot, screen, QR)
    type_text(screen.applicant.phone, "0912 345 678")
    qtbot.keyClick(screen.applicant.phone, Qt.Key.Key_F9)
    dialog = preview(qtbot, screen)
    with ui_ctx.factory() as session:
        dossier = session.scalars(select(Dossier)).one()
        event = session.scalars(select(Event).where(Event.type == "dossier.received")).one()
    assert [d.get("digitise") for d in event.payload["documents"]] == [None, None, "shown", None]
    assert (dossier.channel, dossier.scan_required) == (1, 1)
    dialog.close()


@pytest.fixture
def supervisor_ctx(ui_ctx: UiContext) -> UiContext:
    actor = dataclasses.replace(ui_ctx.actor, role=Role.SUPERVISOR)
    return dataclasses.replace(ui_ctx, actor=actor, clock=lambda: datetime(2026, 11, 30, 12))


def test_the_indicators_view_counts_digitised_over_the_dossiers_to_scan(qtbot, supervisor_ctx, ui_ctx, tmp_path):
    from app.scanning.blobs import BlobStore
    from app.services.attachments import attach_documents
    from app.store.db import transaction
    from tests.app.test_attachments import Doc, make_pdf
    from tests.app.test_digitisation import NOW

    factory, actor, catalog = ui_ctx.factory, ui_ctx.actor, ui_ctx.catalog
    scanned = receive(factory, actor, catalog, draft(catalog), NOW).uid
    receive(factory, actor, catalog, draft(catalog), NOW.replace(minute=20))
    receive(factory, actor, catalog, replace(draft(catalog), channel="online"), NOW.replace(minute=25))
    with transaction(factory) as s:
        attach_documents(s, actor, BlobStore(tmp_path / "blobs"), scanned, [Doc("Tờ khai", 0, make_pdf(1), 1)],
                         occurred_at=NOW.replace(minute=30))  # fmt: skip
    view = IndicatorsView(supervisor_ctx)
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    qtbot.waitUntil(lambda: view.loaded, timeout=WAIT_MS)
    digitised = view.figure_text("digitised")
    # two to scan (the online dossier brought its papers as files), one of them with a file: 50%, 50 × 10 ÷ 80
    assert digitised.startswith("50% – 6,25/10 điểm") and "(1/2 hồ sơ phải số hoá)" in digitised
    channels = view.figure_text("channels")
    assert "Trực tiếp 66,67%" in channels and "(2/3 hồ sơ)" in channels
    assert "Trực tuyến 33,33%" in channels and "(1/3 hồ sơ)" in channels and "Dịch vụ bưu chính 0%" in channels
    qtbot.wait(100)  # let the layout take the figures' new heights before the picture
    _shot(view, "indicators_33_42.png")
