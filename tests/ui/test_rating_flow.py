"""The citizen's rating at return, driven as at the counter: the officer dialog on keys 1/2/3 and
Esc, the citizen window on a second screen (its buttons clicked), rating later from the detail
(Ctrl+G), and the return flow asking for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.domain.rating import Rating
from app.domain.status import DossierStatus
from app.services.drafts import DossierSummary
from app.services.ratings import rating_target
from app.services.returns import Collector, CollectorDraft, record_result, return_to_citizen
from app.store.db import transaction
from app.store.models import Dossier, Event
from tests.ui.conftest import ScriptedPrompts
from tests.ui.test_return_flow import APPLICANT_ID, EARLIER, _move, child, open_detail, received  # noqa: F401
from ui.context import UiContext
from ui.screens.citizen_rating import (
    CitizenRatingWindow,
    OfficerRatingDialog,
    WaitingForCitizenDialog,
    open_rating,
)
from ui.screens.return_dialog import ReturnDialog


def _to_counter(ctx: UiContext, uid: str, code: str) -> None:
    _move(ctx, uid, code, True, EARLIER + timedelta(minutes=30))
    with transaction(ctx.factory) as s:
        record_result(s, ctx.actor, uid, "Giấy khai sinh bản chính", EARLIER + timedelta(hours=2))
    _move(ctx, uid, code, False, EARLIER + timedelta(hours=3))


@pytest.fixture
def returned(ui_ctx: UiContext, received: DossierSummary) -> DossierSummary:  # noqa: F811
    assert received.code
    _to_counter(ui_ctx, received.uid, received.code)
    with transaction(ui_ctx.factory) as s:
        who = CollectorDraft(Collector.APPLICANT, APPLICANT_ID)
        return_to_citizen(s, ui_ctx.actor, received.uid, who, EARLIER + timedelta(hours=4))
    return received


def _rating(ctx: UiContext, uid: str) -> tuple[str | None, list[str]]:
    with ctx.factory() as s:
        rating = s.scalars(select(Dossier.rating).where(Dossier.uid == uid)).one()
        sources = [p["source"] for p in s.scalars(select(Event.payload).where(Event.type == "dossier.rated"))]
    return rating, sources


def _active(qtbot: QtBot, widget: QWidget) -> None:
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=5000)


def test_rated_later_from_the_detail_with_ctrl_g_and_key_2(
    qtbot: QtBot, ui_ctx: UiContext, returned: DossierSummary
) -> None:
    detail = open_detail(qtbot, ui_ctx, returned.uid)
    actions = detail.custody_actions
    assert actions.rating.text() == "Đánh giá của công dân: chưa có"
    assert actions.rate_button.isEnabled() and not actions.rate_button.isHidden()
    _active(qtbot, detail)
    qtbot.keyClick(detail, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    dialog = child(qtbot, detail, OfficerRatingDialog)
    assert isinstance(dialog, OfficerRatingDialog)
    assert [b.text() for b in dialog.buttons.values()] == ["1. Rất hài lòng", "2. Hài lòng", "3. Không hài lòng"]
    dialog.resize(1366 // 2, 220)
    dialog.grab().save("/tmp/shots/rating_officer_dialog.png")
    _active(qtbot, dialog)
    with qtbot.waitSignal(dialog.rated, timeout=8000) as done:
        qtbot.keyClick(dialog, Qt.Key.Key_2)
    assert "Hài lòng" in done.args[0]
    assert _rating(ui_ctx, returned.uid) == ("satisfied", ["officer"])
    qtbot.waitUntil(lambda: actions.rating.text().startswith("Đánh giá của công dân: Hài lòng, lúc"), timeout=5000)
    assert not actions.rate_button.isEnabled()
    assert "chỉ được đánh giá một lần" in actions.rate_button.toolTip()
    detail.grab().save("/tmp/shots/rating_in_detail.png")
    detail.close()


def test_esc_skips_and_records_nothing(qtbot: QtBot, ui_ctx: UiContext, returned: DossierSummary) -> None:
    with ui_ctx.factory() as s:
        target = rating_target(s, returned.uid)
    assert target is not None and target.why_not == ""
    host = QWidget()
    qtbot.addWidget(host)
    host.show()
    dialog = open_rating(ui_ctx, target, host, screens=lambda: [QGuiApplication.primaryScreen()])
    assert isinstance(dialog, OfficerRatingDialog)
    _active(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert _rating(ui_ctx, returned.uid) == (None, [])


def test_the_citizen_rates_on_the_second_screen(qtbot: QtBot, ui_ctx: UiContext, returned: DossierSummary) -> None:
    with ui_ctx.factory() as s:
        target = rating_target(s, returned.uid)
    assert target is not None
    screen = QGuiApplication.primaryScreen()
    host = QWidget()
    qtbot.addWidget(host)
    host.show()
    waiting = open_rating(ui_ctx, target, host, screens=lambda: [screen, screen], thanks_ms=50)
    assert isinstance(waiting, WaitingForCitizenDialog)
    assert waiting.text.text() == "Đang chờ công dân đánh giá trên màn hình phụ… (Esc: bỏ qua / ghi thay)"
    citizen = waiting.citizen
    assert citizen.isVisible() and citizen.heading.text() == "Mời ông/bà đánh giá mức độ hài lòng"
    assert returned.code and returned.code in citizen.dossier.text() and "khai sinh" in citizen.dossier.text().lower()
    assert [b.text() for b in citizen.buttons.values()] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]
    citizen.resize(1366, 768)
    assert all(b.height() >= 120 for b in citizen.buttons.values())
    citizen.grab().save("/tmp/shots/rating_citizen_window.png")
    with qtbot.waitSignal(waiting.rated, timeout=8000):
        qtbot.mouseClick(citizen.buttons[Rating.VERY_SATISFIED], Qt.MouseButton.LeftButton)
    assert citizen.thanks.isVisible() and citizen.thanks.text() == "Cảm ơn ông/bà!"
    citizen.grab().save("/tmp/shots/rating_citizen_thanks.png")
    qtbot.mouseClick(citizen.buttons[Rating.DISSATISFIED], Qt.MouseButton.LeftButton)  # hidden: nothing more
    assert _rating(ui_ctx, returned.uid) == ("very_satisfied", ["citizen_screen"])
    assert not waiting.isVisible()
    # closes itself after the thanks (and is deleted)
    qtbot.waitUntil(lambda: not shiboken6.isValid(citizen) or not citizen.isVisible(), timeout=3000)


def test_esc_while_waiting_lets_the_officer_record_it(
    qtbot: QtBot, ui_ctx: UiContext, returned: DossierSummary
) -> None:
    with ui_ctx.factory() as s:
        target = rating_target(s, returned.uid)
    assert target is not None
    screen = QGuiApplication.primaryScreen()
    host = QWidget()
    qtbot.addWidget(host)
    host.show()
    waiting = open_rating(ui_ctx, target, host, screens=lambda: [screen, screen])
    assert isinstance(waiting, WaitingForCitizenDialog)
    citizen = waiting.citizen
    _active(qtbot, waiting)
    qtbot.keyClick(waiting, Qt.Key.Key_Escape)
    assert not citizen.isVisible() and waiting.officer_dialog is not None
    officer = waiting.officer_dialog
    _active(qtbot, officer)
    with qtbot.waitSignal(waiting.rated, timeout=8000):
        qtbot.keyClick(officer, Qt.Key.Key_3)
    assert _rating(ui_ctx, returned.uid) == ("dissatisfied", ["officer"])


def test_the_return_flow_asks_for_the_rating(
    qtbot: QtBot,
    ui_ctx: UiContext,
    received: DossierSummary,  # noqa: F811
    prompts: ScriptedPrompts,
) -> None:
    uid, code = received.uid, received.code
    assert code
    _to_counter(ui_ctx, uid, code)
    detail = open_detail(qtbot, ui_ctx, uid)
    assert detail.custody_actions.rate_button.isHidden()  # not returned yet: no rating offered
    qtbot.waitUntil(detail.custody_actions.return_button.isEnabled, timeout=5000)
    detail.custody_actions.return_button.click()
    dialog = child(qtbot, detail, ReturnDialog)
    assert isinstance(dialog, ReturnDialog)
    qtbot.keyClicks(dialog.personal_id, APPLICANT_ID)
    with qtbot.waitSignal(dialog.step_done, timeout=8000):
        dialog.ok_button.click()
    assert ui_ctx.factory and _status(ui_ctx, uid) == DossierStatus.RETURNED
    ask = child(qtbot, detail, OfficerRatingDialog)  # the offscreen platform has one screen
    assert isinstance(ask, OfficerRatingDialog)
    _active(qtbot, ask)
    with qtbot.waitSignal(ask.rated, timeout=8000):
        qtbot.keyClick(ask, Qt.Key.Key_1)
    assert _rating(ui_ctx, uid) == ("very_satisfied", ["officer"])
    detail.close()


def _status(ctx: UiContext, uid: str) -> int:
    with ctx.factory() as s:
        return s.scalars(select(Dossier.status).where(Dossier.uid == uid)).one()


def test_a_citizen_window_alone_emits_one_choice(qtbot: QtBot, ui_ctx: UiContext, returned: DossierSummary) -> None:
    with ui_ctx.factory() as s:
        target = rating_target(s, returned.uid)
    assert target is not None
    window = CitizenRatingWindow(target, thanks_ms=10_000)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.chosen) as chosen:
        qtbot.mouseClick(window.buttons[Rating.SATISFIED], Qt.MouseButton.LeftButton)
    assert chosen.args == ["satisfied"]
    assert all(b.isHidden() for b in window.buttons.values())
