"""Handover of a folder received for another unit (issue 16): to that unit's department, and back from
it to the counter where it was received."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.domain.custody import Place, PlaceKind
from app.services.handover import add_scan, confirm_batch, counter_place, department_place, open_batch, send_batch
from app.services.returns import record_result
from app.store.db import transaction
from app.store.models import Dossier, HandoverBatch
from tests.conftest import NOW
from tests.ui.keys import type_text
from tests.ui.test_dossier_list import person, receive
from ui.screens.handover import HandoverScreen

POLICE = "000.00.13.H49"
JUDICIAL_RECORD = "3.000333"  # Công an tỉnh decides it
SHOTS = Path(os.environ.get("MOTCUA_SHOTS", "/tmp/png/h4"))


def _screen(qtbot, ctx) -> HandoverScreen:
    screen = HandoverScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 700)
    screen.show()
    qtbot.waitExposed(screen)
    qtbot.waitUntil(lambda: screen.batch is not None)
    return screen


def _shot(widget, name: str) -> None:
    if os.environ.get("MOTCUA_SHOTS") is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def _add(qtbot, screen: HandoverScreen, code: str) -> None:
    type_text(screen.manual, code)
    qtbot.keyClick(screen.manual, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1 and not screen.busy())


def test_the_folder_goes_to_the_police_department_and_the_screen_says_so(qtbot, ui_ctx) -> None:
    summary = receive(ui_ctx, person("Trần Thị Bình", "022190005678", sex="Nữ"), JUDICIAL_RECORD)
    screen = _screen(qtbot, ui_ctx)
    screen.department.setCurrentIndex(screen.department.findData("CAT"))
    _add(qtbot, screen, summary.code)
    line = screen.model.lines[0]
    assert line.ok and line.message.endswith("Chuyển đến đơn vị giải quyết: Công an tỉnh Quảng Ninh (DEMO).")
    _shot(screen, "handover_to_handling_unit.png")


def test_the_police_send_the_folder_back_to_the_counter_that_received_it(qtbot, ui_ctx) -> None:
    summary = receive(ui_ctx, person("Trần Thị Bình", "022190005678", sex="Nữ"), JUDICIAL_RECORD)
    centre = ui_ctx.actor
    police = replace(centre, unit_code=POLICE, office_name="Công an tỉnh Quảng Ninh (DEMO)")
    with transaction(ui_ctx.factory) as s:  # the folder at the police's department, the result recorded
        batch, verdict = add_scan(s, open_batch(counter_place(centre), department_place(s, "CAT")), summary.code)
        assert verdict.ok
        send_batch(s, centre, batch, NOW + timedelta(minutes=10))
        confirm_batch(s, police, batch.id, [summary.code], NOW + timedelta(hours=1))
        record_result(s, police, summary.uid, "Phiếu lý lịch tư pháp số 12", NOW + timedelta(days=1))
    screen = _screen(qtbot, replace(ui_ctx, actor=police))
    route = screen.direction.findData(f"to_counter:{centre.unit_code}")
    assert route >= 0, [screen.direction.itemText(i) for i in range(screen.direction.count())]
    assert screen.direction.itemText(route) == (
        "Cơ quan giải quyết → Một cửa Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh (nơi tiếp nhận)"
    )
    screen.department.setCurrentIndex(screen.department.findData("CAT"))
    screen.direction.setCurrentIndex(screen.direction.findData("to_counter"))  # its own counter: refused
    _add(qtbot, screen, summary.code)
    assert not screen.model.lines[0].ok and "được tiếp nhận ở đơn vị khác" in screen.model.lines[0].message
    screen.direction.setCurrentIndex(route)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0)
    _add(qtbot, screen, summary.code)
    assert screen.model.lines[0].ok, screen.model.lines[0].message
    assert screen.batch is not None
    assert screen.batch.destination == Place(PlaceKind.COUNTER, centre.unit_code, screen.batch.destination.name)
    _shot(screen, "handover_back_to_receiving_counter.png")
    qtbot.keyClick(screen, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    def sent() -> bool:
        with ui_ctx.factory() as s:
            return s.scalars(select(HandoverBatch).where(HandoverBatch.to_code == centre.unit_code)).first() is not None

    qtbot.waitUntil(sent)
    with ui_ctx.factory() as s:
        assert s.scalars(select(Dossier.handling_unit)).one() == POLICE
