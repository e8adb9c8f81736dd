"""F9 with a personal ID already on file under another name asks first (issue 15 item 11)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.store.models import Dossier
from tests.app.test_reception import APPLICANT, draft, receive
from tests.ui.keys import type_text
from tests.ui.test_reception_flow import pick_procedure, preview, scan_qr, tick_all_by_keyboard
from ui.screens.reception import ReceptionScreen

QR = "022090001234|012345678|Nguyễn Văn An|01011990|Nam|12 Hàng Bạc, Hoàn Kiếm, Hà Nội|15082021"


@pytest.fixture
def screen(qtbot, ui_ctx):
    widget = ReceptionScreen(ui_ctx)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def fill_and_press_f9(qtbot, screen) -> None:
    pick_procedure(qtbot, screen, "cap ban sao trich luc")
    tick_all_by_keyboard(qtbot, screen)
    scan_qr(qtbot, screen, QR)
    type_text(screen.applicant.phone, "0912345678")
    qtbot.keyClick(screen.applicant.phone, Qt.Key.Key_F9)


def names_on_file(ui_ctx) -> list[str]:
    with ui_ctx.factory() as session:
        return sorted(session.scalars(select(Dossier.applicant_name)))


def test_the_officer_stops_and_looks_at_the_card(qtbot, screen, ui_ctx, prompts, actor, catalog):
    first = receive(
        ui_ctx.factory, actor, catalog, draft(catalog, applicant=replace(APPLICANT, full_name="Trần Thị B"))
    )
    prompts.confirm_answer = False
    fill_and_press_f9(qtbot, screen)
    qtbot.waitUntil(lambda: "Chưa tiếp nhận" in screen.banner.text(), timeout=5000)
    [question] = [text for kind, text in prompts.asked if kind == "confirm"]
    assert question == (
        f"Số định danh 022090001234 đã có trong hồ sơ {first.code} với họ tên “Trần Thị B”."
        " Kiểm tra lại thẻ căn cước. Vẫn tiếp nhận?"
    )
    assert screen.applicant.personal_id.hasFocus()
    assert screen.applicant.full_name.text() == "Nguyễn Văn An"  # nothing typed is lost
    assert screen.receive_button.isEnabled()
    assert names_on_file(ui_ctx) == ["Trần Thị B"]
    qtbot.wait(20)
    screen.grab().save("/tmp/h11-identifier-clash.png")


def test_the_officer_receives_all_the_same(qtbot, screen, ui_ctx, prompts, actor, catalog):
    receive(ui_ctx.factory, actor, catalog, draft(catalog, applicant=replace(APPLICANT, full_name="Trần Thị B")))
    prompts.confirm_answer = True
    fill_and_press_f9(qtbot, screen)
    preview(qtbot, screen).close()
    assert names_on_file(ui_ctx) == ["Nguyễn Văn An", "Trần Thị B"]


def test_the_same_name_is_received_without_a_question(qtbot, screen, ui_ctx, prompts, actor, catalog):
    receive(ui_ctx.factory, actor, catalog, draft(catalog, applicant=replace(APPLICANT, full_name="NGUYỄN VĂN AN")))
    fill_and_press_f9(qtbot, screen)
    preview(qtbot, screen).close()
    assert [kind for kind, _ in prompts.asked if kind == "confirm"] == []
    assert names_on_file(ui_ctx) == ["NGUYỄN VĂN AN", "Nguyễn Văn An"]
