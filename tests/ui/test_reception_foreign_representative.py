"""A foreigner submits on a citizen's behalf, identified by a passport (issue 15 item 1 leftover)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from app.services.applicant import ApplicantDraft, RepresentativeDraft, validate_applicant
from tests.pdf_tools import pdf_text
from tests.ui.test_reception_applicant_kinds import fill, received
from tests.ui.test_reception_flow import pick_procedure, preview, tick_all_by_keyboard
from ui.screens.reception import ReceptionScreen


@pytest.fixture
def screen(qtbot, ui_ctx):
    widget = ReceptionScreen(ui_ctx)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def choose(qtbot, combo, data: str) -> None:
    """Walk ``combo`` with the arrow keys to the item whose data is ``data``."""
    combo.setFocus()
    target = combo.findData(data)
    assert target >= 0
    key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)


def test_representative_with_a_passport_is_received_and_printed(qtbot, screen, ui_ctx):
    pick_procedure(qtbot, screen, "ly lich tu phap")
    tick_all_by_keyboard(qtbot, screen)
    form = screen.applicant
    form.on_behalf.setFocus()
    qtbot.keyClick(form.on_behalf, Qt.Key.Key_Space)
    fill(qtbot, form.full_name, "Nguyễn Văn An")
    fill(qtbot, form.personal_id, "022090001234")
    fill(qtbot, form.address, "Phường Hồng Gai, Quảng Ninh")
    fill(qtbot, form.rep_full_name, "John Smith")
    assert form.rep_personal_id.isVisibleTo(screen) and not form.rep_passport_no.isVisibleTo(screen)
    choose(qtbot, form.rep_document, "passport")
    assert form.rep_passport_no.isVisibleTo(screen) and form.rep_nationality.isVisibleTo(screen)
    assert not form.rep_personal_id.isVisibleTo(screen)
    fill(qtbot, form.rep_authorisation, "Giấy ủy quyền ngày 20/11/2026")
    qtbot.keyClick(form.rep_authorisation, Qt.Key.Key_F9)
    assert "hộ chiếu" in form.errors["rep_passport_no"].text()
    assert "quốc tịch" in form.errors["rep_nationality"].text()
    assert not form.errors["rep_personal_id"].text()
    fill(qtbot, form.rep_passport_no, "c7654321")
    assert not form.errors["rep_passport_no"].text()  # goes as soon as the field is edited
    choose(qtbot, form.rep_nationality, "US")
    screen.resize(1366, 768)
    qtbot.wait(50)
    screen.grab().save("/tmp/h11-reception-foreign-representative.png")
    qtbot.keyClick(form.rep_nationality, Qt.Key.Key_F9)
    dialog = preview(qtbot, screen)
    text = " ".join(pdf_text(dialog._form.pdf)[0].split())
    dialog.close()
    assert "Người nộp thay: John Smith, hộ chiếu số C7654321 (quốc tịch Hoa Kỳ) theo Giấy ủy quyền" in text
    dossier, applicant = received(ui_ctx)
    assert applicant["representative"] == {
        "full_name": "John Smith", "passport_no": "C7654321", "nationality": "US",
        "authorisation_ref": "Giấy ủy quyền ngày 20/11/2026",
    }  # fmt: skip
    assert "c7654321" in dossier.search_text


def test_foreign_representative_rules():
    citizen = ApplicantDraft(full_name="Nguyễn Văn An", personal_id="022090001234", birth_date=date(1990, 1, 1),
                             sex="Nam", address="Hạ Long")  # fmt: skip
    today = date(2026, 11, 23)

    def errors(rep: RepresentativeDraft) -> dict[str, str]:
        return validate_applicant(ApplicantDraft(**{**_fields(citizen), "representative": rep}), today)

    good = RepresentativeDraft("John Smith", authorisation_ref="Giấy ủy quyền số 1", passport_no="C7654321",
                               nationality="US", by_passport=True)  # fmt: skip
    assert errors(good) == {}
    assert good.foreign
    payload = ApplicantDraft(**{**_fields(citizen), "representative": good}).as_payload().representative
    assert payload is not None and (payload.passport_no, payload.personal_id) == ("C7654321", "")
    assert set(errors(RepresentativeDraft("John Smith", authorisation_ref="x", by_passport=True))) == {
        "rep_passport_no", "rep_nationality",
    }  # fmt: skip
    vn = errors(RepresentativeDraft("John Smith", authorisation_ref="x", passport_no="C7654321", nationality="VN"))
    assert "Thẻ căn cước" in vn["rep_nationality"]
    assert "rep_full_name" in errors(RepresentativeDraft("Иван", authorisation_ref="x", passport_no="C7654321",
                                                         nationality="RU"))  # fmt: skip


def _fields(draft: ApplicantDraft) -> dict[str, object]:
    return {name: getattr(draft, name) for name in draft.__slots__}
