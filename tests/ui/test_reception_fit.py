"""The reception form in the real main window at 1366×768 (issue 16): no field is squeezed below the
height it needs, in every mode (citizen, foreigner, organisation, someone submitting on another's
behalf, postal mode, a procedure with fee lines and exemptions, one without fees), and the decision
buttons stay on screen without scrolling; rows that do not fit scroll, and Tab brings them into view."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QSpinBox, QWidget
from pytestqt.qtbot import QtBot

from app.domain.applicant_kinds import ApplicantKind
from app.domain.postal import PostalItem
from tests.ui.test_reception_flow import pick_procedure
from ui.context import UiContext
from ui.main_window import MainWindow
from ui.screens.reception import ReceptionScreen

PNG = Path(os.environ["MOTCUA_PNG_DIR"]) if os.environ.get("MOTCUA_PNG_DIR") else None


@pytest.fixture
def window(qtbot: QtBot, ui_ctx: UiContext) -> Iterator[MainWindow]:
    w = MainWindow(ui_ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    yield w


def fields(screen: ReceptionScreen) -> list[QWidget]:
    """Every input of the right column ("3. Người nộp hồ sơ" down to the buttons) that is shown."""
    found: list[QWidget] = [screen.channel.combo, screen.sets, screen.return_method, screen.note]
    for part in (screen.applicant, screen.fees):
        for kind in (QLineEdit, QComboBox, QSpinBox):
            found += [w for w in part.findChildren(kind) if not isinstance(w.parent(), (QComboBox, QSpinBox))]
    return [w for w in found if w.isVisibleTo(screen)]


def assert_fits(qtbot: QtBot, window: MainWindow, name: str) -> None:
    """The posted layout requests settle within a few event-loop turns; then nothing is squeezed."""
    qtbot.waitUntil(lambda: fits(window, name), timeout=2000)
    if PNG is not None:
        PNG.mkdir(parents=True, exist_ok=True)
        qtbot.wait(100)  # for people: the picture once everything has settled
        window.grab().save(str(PNG / f"reception_fit_{name}.png"))


def fits(window: MainWindow, name: str) -> None:
    screen = window.reception
    squeezed = [
        f"{w.accessibleName() or type(w).__name__} {w.height()} < {w.sizeHint().height()}"
        for w in fields(screen)
        if w.height() < w.sizeHint().height() - 1
    ]
    assert squeezed == [], name
    inside = window.rect()
    for button in (screen.receive_button, screen.supplement_button, screen.refuse_button):
        assert button.isVisible(), name
        at = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
        assert inside.contains(at), f"{name}: {button.text()} {at} outside {inside}"
        assert button.height() >= button.sizeHint().height() - 1, name


def test_every_mode_fits_without_squeezing_and_keeps_the_buttons(qtbot: QtBot, window: MainWindow) -> None:
    screen = window.reception
    a, fees = screen.applicant, screen.fees
    pick_procedure(qtbot, screen, "cap phieu ly lich tu phap")  # fee lines and exemptions
    assert screen.picker.procedure is not None and screen.picker.procedure.code == "3.000333"
    assert fees.isVisible() and fees.exemption.isVisible()
    fees.exemption.setCurrentIndex(1)  # an exemption: its ground row appears
    assert fees.ground.isVisible()
    a.on_behalf.setChecked(True)
    assert_fits(qtbot, window, "citizen_on_behalf")
    a.rep_document.setCurrentIndex(a.rep_document.findData("passport"))
    assert a.set_kind(ApplicantKind.FOREIGNER)
    assert a.passport_no.isVisibleTo(screen) and a.rep_nationality.isVisibleTo(screen)
    assert_fits(qtbot, window, "foreigner_on_behalf")
    screen.channel.set_postal(PostalItem("b" * 32, "EE123456785VN"), "Bưu gửi EE123456785VN, biên bản BC-0000000000001;"
                              " thời điểm tiếp nhận là thời điểm ký biên bản 08 giờ 05, 23/11/2026.")  # fmt: skip
    assert_fits(qtbot, window, "postal_foreigner")
    screen.reset()
    pick_procedure(qtbot, screen, "thanh lap doanh nghiep tu nhan")
    assert a.set_kind(ApplicantKind.ORGANISATION)
    a.on_behalf.setChecked(True)
    assert_fits(qtbot, window, "organisation_on_behalf")
    screen.reset()
    pick_procedure(qtbot, screen, "cap ban sao trich luc")  # fees without exemptions: no exemption rows
    assert fees.isVisible() and not fees.exemption.isVisibleTo(screen) and not fees.ground.isVisibleTo(screen)
    assert_fits(qtbot, window, "citizen_fee_no_exemption")


def test_fee_part_shows_exemption_rows_only_when_they_apply(qtbot: QtBot, window: MainWindow) -> None:
    screen, fees = window.reception, window.reception.fees
    pick_procedure(qtbot, screen, "cap phieu ly lich tu phap")
    assert fees.exemption.isVisibleTo(screen) and not fees.ground.isVisibleTo(screen)
    fees.exemption.setCurrentIndex(1)
    assert fees.ground.isVisibleTo(screen) and fees.ground.isEnabled()
    fees.exemption.setCurrentIndex(0)
    assert not fees.ground.isVisibleTo(screen)
    assert middle(fees.title, screen) == pytest.approx(middle(fees.total, screen), abs=4)  # one line
    assert middle(fees.pay_now, screen) == pytest.approx(middle(fees.method, screen), abs=4)


def middle(widget: QWidget, screen: QWidget) -> int:
    return widget.mapTo(screen, QPoint(0, widget.height() // 2)).y()


def test_tab_scrolls_the_focused_field_into_view(qtbot: QtBot, window: MainWindow) -> None:
    screen = window.reception
    a = screen.applicant
    pick_procedure(qtbot, screen, "cap phieu ly lich tu phap")
    screen.fees.exemption.setCurrentIndex(1)
    a.on_behalf.setChecked(True)
    a.rep_document.setCurrentIndex(a.rep_document.findData("passport"))
    assert a.set_kind(ApplicantKind.FOREIGNER)
    area = screen.form_area
    window.activateWindow()
    qtbot.waitActive(window)
    for widget in [*a.tab_chain(), screen.channel.combo, screen.sets, screen.return_method, screen.note,
                   *screen.fees.tab_chain()]:  # fmt: skip
        if not widget.isVisibleTo(screen) or not widget.isEnabled():
            continue
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(widget.hasFocus)
        QApplication.processEvents()
        top = widget.mapTo(area.viewport(), QPoint(0, 0)).y()
        assert top >= 0 and top + widget.height() <= area.viewport().height(), widget.accessibleName()
