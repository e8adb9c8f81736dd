"""The reception screen receives foreigners, organisations and representatives (issue 15 item 1),
driven with the keyboard as a counter officer would; the screen is saved for each kind."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.domain.applicant_kinds import ApplicantKind
from app.store.models import Dossier, Event
from tests.pdf_tools import pdf_text
from tests.ui.keys import type_text
from tests.ui.test_reception_flow import pick_procedure, preview, tick_all_by_keyboard
from ui.screens.reception import ReceptionScreen


@pytest.fixture
def screen(qtbot, ui_ctx):
    widget = ReceptionScreen(ui_ctx)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    widget.activateWindow()
    qtbot.waitExposed(widget)
    return widget


def choose_kind(qtbot, screen: ReceptionScreen, kind: ApplicantKind) -> None:
    """Tab from the checklist to the kind list and pick ``kind`` with the arrow keys."""
    combo = screen.applicant.kind
    qtbot.keyClick(screen.picker.checklist, Qt.Key.Key_Tab)
    assert combo.hasFocus()
    while combo.currentData() != kind.value:
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before, f"{kind} is not offered"


def fill(qtbot, edit, text: str) -> None:
    edit.setFocus()
    type_text(edit, text)


def received(ui_ctx) -> tuple[Dossier, dict]:
    with ui_ctx.factory() as session:
        dossier = session.scalars(select(Dossier)).one()
        event = session.scalars(select(Event).where(Event.type == "dossier.received")).one()
        return dossier, event.payload["applicant"]


def shot(qtbot, screen: ReceptionScreen, name: str) -> None:
    """Save the screen at 1366×768 for a person to look at (after the posted layout requests)."""
    screen.resize(1366, 768)
    qtbot.wait(50)
    screen.grab().save(f"/tmp/h9-reception-{name}.png")


def test_foreigner_with_passport_and_nationality_is_received(qtbot, screen, ui_ctx):
    pick_procedure(qtbot, screen, "ly lich tu phap")
    tick_all_by_keyboard(qtbot, screen)
    form = screen.applicant
    # The reported steps first: a passport number in the citizen's ID field is refused, and says why.
    fill(qtbot, form.full_name, "John Smith")
    fill(qtbot, form.personal_id, "C1234567")
    fill(qtbot, form.address, "Phòng 1203, tòa nhà Sailing, Phường Hồng Gai, Quảng Ninh")
    qtbot.keyClick(form.address, Qt.Key.Key_F9)
    assert "Người nước ngoài" in form.errors["personal_id"].text()
    screen.picker.checklist.setFocus()
    choose_kind(qtbot, screen, ApplicantKind.FOREIGNER)
    assert not form.personal_id.isVisibleTo(screen) and form.passport_no.isVisibleTo(screen)
    fill(qtbot, form.passport_no, "c1234567")
    form.nationality.setFocus()
    type_text(form.nationality, "Hoa K")  # the list's type-ahead, as an officer types
    assert form.nationality.currentData() == "US"
    shot(qtbot, screen, "foreigner")
    qtbot.keyClick(form.nationality, Qt.Key.Key_F9)
    preview(qtbot, screen).close()
    dossier, applicant = received(ui_ctx)
    assert dossier.applicant_name == "John Smith" and dossier.personal_id == "C1234567"
    assert applicant["kind"] == "foreigner" and applicant["nationality"] == "US"


def test_organisation_with_tax_code_prints_its_identifier_line(qtbot, screen, ui_ctx):
    pick_procedure(qtbot, screen, "thanh lap doanh nghiep tu nhan")
    tick_all_by_keyboard(qtbot, screen)
    choose_kind(qtbot, screen, ApplicantKind.ORGANISATION)
    form = screen.applicant
    assert form._label("full_name").text() == "Tên tổ chức (*)" and not form.birth_date.isVisibleTo(screen)
    qtbot.keyClick(form.kind, Qt.Key.Key_Tab)  # → "nộp thay" → name
    qtbot.keyClick(form.on_behalf, Qt.Key.Key_Tab)
    assert form.full_name.hasFocus()
    type_text(form.full_name, "Công ty TNHH Xây dựng số 1 Hạ Long")
    qtbot.keyClick(form.full_name, Qt.Key.Key_Tab)
    assert form.tax_code.hasFocus()  # name → tax code, the hidden ID field is skipped
    type_text(form.tax_code, "0100109107")  # a wrong check digit first
    fill(qtbot, form.legal_representative, "H'Hen Niê")
    fill(qtbot, form.address, "Số 8, đường 25/4, Phường Hồng Gai, Quảng Ninh")
    qtbot.keyClick(form.address, Qt.Key.Key_F9)
    assert "chữ số kiểm tra" in form.errors["tax_code"].text() and form.tax_code.hasFocus()
    assert screen.banner.isVisible()
    form.tax_code.selectAll()
    type_text(form.tax_code, "0100109106")
    # corrected: the field's message and the banner pointing at it go at once (issue 15 item 11)
    assert not form.errors["tax_code"].text() and not form.errors["tax_code"].isVisible()
    assert not screen.banner.isVisible()
    shot(qtbot, screen, "organisation")
    qtbot.keyClick(form.tax_code, Qt.Key.Key_F9)
    dialog = preview(qtbot, screen)
    text = " ".join(pdf_text(dialog._form.pdf)[0].split())
    dialog.close()
    assert "Tiếp nhận hồ sơ của: Công ty TNHH Xây dựng số 1 Hạ Long" in text
    assert "Mã số doanh nghiệp/MST: 0100109106" in text
    dossier, applicant = received(ui_ctx)
    assert dossier.personal_id == "0100109106" and applicant["legal_representative"] == "H'Hen Niê"


def test_representative_submits_for_a_citizen(qtbot, screen, ui_ctx):
    pick_procedure(qtbot, screen, "ly lich tu phap")
    tick_all_by_keyboard(qtbot, screen)
    form = screen.applicant
    form.on_behalf.setFocus()
    qtbot.keyClick(form.on_behalf, Qt.Key.Key_Space)
    assert form.rep_full_name.isVisibleTo(screen)
    fill(qtbot, form.full_name, "Nguyễn Văn An")
    fill(qtbot, form.personal_id, "022090001234")
    fill(qtbot, form.address, "Phường Hồng Gai, Quảng Ninh")
    fill(qtbot, form.rep_full_name, "Trần Thị Bích")
    qtbot.keyClick(form.rep_full_name, Qt.Key.Key_F9)
    assert form.errors["rep_authorisation"].text() and form.errors["rep_personal_id"].text()
    fill(qtbot, form.rep_personal_id, "022190005555")
    fill(qtbot, form.rep_authorisation, "Giấy ủy quyền ngày 20/11/2026")
    shot(qtbot, screen, "representative")
    qtbot.keyClick(form.rep_authorisation, Qt.Key.Key_F9)
    dialog = preview(qtbot, screen)
    text = " ".join(pdf_text(dialog._form.pdf)[0].split())
    dialog.close()
    assert "Người nộp thay: Trần Thị Bích (Số định danh cá nhân 022190005555) theo Giấy ủy quyền" in text
    _, applicant = received(ui_ctx)
    assert applicant["representative"]["full_name"] == "Trần Thị Bích"


def test_kind_list_follows_the_procedure_and_remembers_the_last_choice(qtbot, screen):
    pick_procedure(qtbot, screen, "dang ky ket hon")
    form = screen.applicant
    assert [form.kind.itemData(i) for i in range(form.kind.count())] == ["citizen"]
    assert not form.on_behalf.isVisibleTo(screen)  # marriage: both in person
    pick_procedure(qtbot, screen, "ly lich tu phap")
    assert [form.kind.itemData(i) for i in range(form.kind.count())] == ["citizen", "foreigner"]
    shot(qtbot, screen, "citizen")
    choose_kind(qtbot, screen, ApplicantKind.FOREIGNER)
    pick_procedure(qtbot, screen, "dang ky ket hon")
    assert form.current_kind() is ApplicantKind.CITIZEN
    pick_procedure(qtbot, screen, "ly lich tu phap")
    assert form.current_kind() is ApplicantKind.FOREIGNER  # remembered for this procedure
