"""The reception form shows the unit that decides a procedure and lets the officer pick it (issue 16)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.store.models import Dossier
from tests.ui.keys import type_text
from tests.ui.test_reception_flow import pick_procedure, preview, screen, tick_all_by_keyboard  # noqa: F401
from ui.screens.reception import ReceptionScreen

SHOTS = Path(os.environ.get("MOTCUA_SHOTS", "/tmp/png/h4"))


def _fill_applicant(qtbot, screen: ReceptionScreen) -> None:  # noqa: F811
    type_text(screen.applicant.full_name, "Trần Thị Bình")
    type_text(screen.applicant.personal_id, "022190005678")
    type_text(screen.applicant.birth_date, "02031990")
    screen.applicant.sex.setCurrentText("Nữ")
    type_text(screen.applicant.address, "Phường Bãi Cháy, Quảng Ninh")


def _shot(widget, name: str) -> None:
    if os.environ.get("MOTCUA_SHOTS") is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def test_a_province_procedure_shows_the_department_that_decides_it(qtbot, screen, ui_ctx) -> None:  # noqa: F811
    pick_procedure(qtbot, screen, "ly lich tu phap")
    handling = screen.picker.handling
    assert not handling.isHidden() and not handling.isEnabled()  # one unit: shown, nothing to pick
    assert handling.currentText() == "Công an tỉnh Quảng Ninh (DEMO) (000.00.13.H49)"
    tick_all_by_keyboard(qtbot, screen)
    _fill_applicant(qtbot, screen)
    _shot(screen.window(), "reception_province_procedure.png")
    qtbot.keyClick(screen.applicant.address, Qt.Key.Key_F9)
    preview(qtbot, screen).close()
    with ui_ctx.factory() as s:
        dossier = s.scalars(select(Dossier)).one()
    assert (dossier.code, dossier.handling_unit) == ("000.01.00.H49-261123-0001", "000.00.13.H49")


def test_the_officer_picks_the_commune_by_keyboard(qtbot, screen, ui_ctx) -> None:  # noqa: F811
    pick_procedure(qtbot, screen, "cap ban sao trich luc")
    handling = screen.picker.handling
    assert handling.isEnabled() and handling.count() == 4
    assert handling.currentText() == "UBND phường Hạ Long (DEMO) (000.01.21.H49)"  # the centre cannot decide it
    qtbot.keyClick(screen, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert handling.hasFocus()
    qtbot.keyClick(handling, Qt.Key.Key_Down)
    assert handling.currentData() == "000.02.21.H49"
    _shot(screen.window(), "reception_commune_choice.png")
    tick_all_by_keyboard(qtbot, screen)
    _fill_applicant(qtbot, screen)
    qtbot.keyClick(screen.applicant.address, Qt.Key.Key_F9)
    preview(qtbot, screen).close()
    with ui_ctx.factory() as s:
        assert s.scalars(select(Dossier.handling_unit)).one() == "000.02.21.H49"
    assert screen.picker.handling.isHidden()  # the form is reset for the next citizen


def test_a_commune_office_decides_its_own_and_is_told_where_a_centre_only_one_goes(qtbot, ui_ctx) -> None:
    ctx = replace(ui_ctx, actor=replace(ui_ctx.actor, unit_code="000.01.21.H49"))
    widget = ReceptionScreen(ctx)
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    widget.activateWindow()
    qtbot.waitExposed(widget)
    pick_procedure(qtbot, widget, "cap ban sao trich luc")
    assert widget.picker.handling.currentText() == "UBND phường Hạ Long (DEMO) (000.01.21.H49) – đơn vị này"
    pick_procedure(qtbot, widget, "doi giay phep lai xe")
    assert widget.picker.handling.currentText() == "Không được tiếp nhận tại đơn vị này"
    assert widget.picker.handling.itemData(0, Qt.ItemDataRole.ToolTipRole) == (
        "Thủ tục này chỉ được tiếp nhận tại: Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh (DEMO)."
    )
    tick_all_by_keyboard(qtbot, widget)
    _fill_applicant(qtbot, widget)
    qtbot.mouseClick(widget.receive_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.banner.isVisible(), timeout=3000)
    assert "chỉ được tiếp nhận tại: Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh (DEMO) (000.01.00.H49)" in (
        widget.banner.text()
    )
    _shot(widget, "reception_not_received_here.png")
    with ui_ctx.factory() as s:
        assert s.scalars(select(Dossier)).first() is None
