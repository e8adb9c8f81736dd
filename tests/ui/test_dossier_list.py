"""Dossier list and detail, driven as an officer does: type, filter, Enter, read the history."""

from __future__ import annotations

import dataclasses
import sys
import types
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.services.applicant import ApplicantDraft
from app.services.drafts import Changes, DossierSummary, ReceptionDraft, checklist
from app.services.reception import receive_dossier, refuse, request_supplement
from app.services.recorder import record
from app.store.db import transaction
from tests.conftest import NOW
from ui.context import UiContext
from ui.models.dossier_table import COL_APPLICANT, COL_CODE, COL_STATUS
from ui.ops import OpRunner
from ui.screens.dossier_detail import DossierDetailDialog
from ui.screens.dossier_list import EMPTY_TEXT, DossierListScreen

BIRTH = date(1990, 1, 1)
KHAI_SINH = "1.001193"  # Đăng ký khai sinh


def person(name: str, personal_id: str = "022090001234", phone: str = "0912345678", sex: str = "Nam") -> ApplicantDraft:
    """A valid applicant born 1990 (the ID number's 4th digit must match sex and century)."""
    return ApplicantDraft(
        full_name=name, personal_id=personal_id, birth_date=BIRTH, sex=sex,
        address="Phường Hồng Gai, Quảng Ninh", phone=phone,
    )  # fmt: skip


def _draft(ctx: UiContext, applicant: ApplicantDraft, procedure: str, all_documents: bool) -> ReceptionDraft:
    proc = ctx.catalog.get(procedure)
    assert proc is not None
    docs = checklist(proc)
    ticked = tuple(dataclasses.replace(d, submitted=all_documents or i == 0) for i, d in enumerate(docs))
    return ReceptionDraft(procedure, applicant, ticked)


def receive(
    ctx: UiContext, applicant: ApplicantDraft, procedure: str = KHAI_SINH, now: datetime = NOW
) -> DossierSummary:
    with transaction(ctx.factory) as session:
        summary, _ = receive_dossier(
            session, ctx.actor, ctx.catalog, ctx.calendar, _draft(ctx, applicant, procedure, True), now
        )
    return summary


def ask_supplement(ctx: UiContext, applicant: ApplicantDraft, items: list[str], reason: str) -> DossierSummary:
    with transaction(ctx.factory) as session:
        draft = _draft(ctx, applicant, KHAI_SINH, False)
        summary, _ = request_supplement(session, ctx.actor, ctx.catalog, draft, items, reason, NOW)
    return summary


def refuse_one(ctx: UiContext, applicant: ApplicantDraft, reason: str) -> DossierSummary:
    with transaction(ctx.factory) as session:
        summary, _ = refuse(session, ctx.actor, ctx.catalog, _draft(ctx, applicant, KHAI_SINH, False), reason, NOW)
    return summary


@pytest.fixture
def people(ui_ctx: UiContext) -> dict[str, DossierSummary]:
    """Four received dossiers with distinct names, ID numbers and phones, plus a supplement and a refusal."""
    return {
        "an": receive(ui_ctx, person("Nguyễn Văn An")),
        "bich": receive(ui_ctx, person("Trần Thị Bích", "001190004321", "0987654321", "Nữ")),
        "duong": receive(ui_ctx, person("Đặng Đức Dương", "031090111222", "0355111222")),
        "hoa": receive(ui_ctx, person("Lê Thị Hoà", "022190777888", "0903777888", "Nữ")),
        "sup": ask_supplement(
            ui_ctx, person("Phạm Quốc Khánh", "022090333444", "0911333444"),
            ["Bản sao Giấy chứng nhận kết hôn"], "Thiếu giấy chứng nhận kết hôn của cha mẹ",
        ),
        "ref": refuse_one(
            ui_ctx, person("Vũ Thị Mai", "022190555666", "0911555666", "Nữ"), "Không thuộc thẩm quyền"
        ),
    }  # fmt: skip


@pytest.fixture
def screen(qtbot: QtBot, ui_ctx: UiContext, people: dict[str, DossierSummary]) -> DossierListScreen:
    widget = DossierListScreen(ui_ctx)
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    qtbot.waitExposed(widget)
    wait_idle(qtbot, widget)
    return widget


def wait_idle(qtbot: QtBot, screen: DossierListScreen) -> None:
    qtbot.waitUntil(lambda: not screen.is_searching, timeout=5000)


def names(screen: DossierListScreen) -> list[str]:
    m = screen.model
    return [m.index(r, COL_APPLICANT).data() for r in range(m.rowCount())]


def type_search(qtbot: QtBot, screen: DossierListScreen, text: str) -> None:
    screen.search_edit.clear()
    qtbot.keyClicks(screen.search_edit, text)
    wait_idle(qtbot, screen)


def test_lists_everything_newest_first(screen: DossierListScreen) -> None:
    assert names(screen) == [
        "Vũ Thị Mai", "Phạm Quốc Khánh", "Lê Thị Hoà", "Đặng Đức Dương", "Trần Thị Bích", "Nguyễn Văn An",
    ]  # fmt: skip
    assert screen.count_label.text() == "6 hồ sơ"
    assert screen.search_edit.placeholderText().endswith("(không cần gõ dấu)")


def test_search_without_diacritics_finds_vietnamese_name(qtbot: QtBot, screen: DossierListScreen) -> None:
    type_search(qtbot, screen, "nguyen van an")
    assert names(screen) == ["Nguyễn Văn An"]
    assert screen.count_label.text() == "1 hồ sơ"
    type_search(qtbot, screen, "dang duc duong")  # đ folds to d
    assert names(screen) == ["Đặng Đức Dương"]


def test_search_by_full_code(qtbot: QtBot, screen: DossierListScreen, people: dict[str, DossierSummary]) -> None:
    code = people["duong"].code
    assert code is not None
    type_search(qtbot, screen, code)
    assert [screen.model.index(r, COL_CODE).data() for r in range(screen.model.rowCount())] == [code]


def test_search_by_id_number_prefix(qtbot: QtBot, screen: DossierListScreen) -> None:
    type_search(qtbot, screen, "0011900")
    assert names(screen) == ["Trần Thị Bích"]


def test_search_by_phone(qtbot: QtBot, screen: DossierListScreen) -> None:
    type_search(qtbot, screen, "0903777888")
    assert names(screen) == ["Lê Thị Hoà"]


def test_no_match_shows_empty_state(qtbot: QtBot, screen: DossierListScreen) -> None:
    type_search(qtbot, screen, "khong co ai ten nay")
    assert screen.model.rowCount() == 0
    assert screen.count_label.text() == "0 hồ sơ"
    assert not screen.table.isVisible()
    assert any(
        label.text() == EMPTY_TEXT and label.isVisible() for label in screen.findChildren(type(screen.count_label))
    )
    type_search(qtbot, screen, "")
    assert screen.table.isVisible()


def test_status_filter(qtbot: QtBot, screen: DossierListScreen) -> None:
    combo = screen.status_combo
    assert combo.itemText(0) == "Tất cả trạng thái"
    assert [combo.itemText(i) for i in range(1, combo.count())] == [s.label for s in DossierStatus]
    combo.setCurrentIndex(combo.findText(DossierStatus.SUPPLEMENT_REQUESTED.label))
    wait_idle(qtbot, screen)
    assert names(screen) == ["Phạm Quốc Khánh"]
    assert screen.model.index(0, COL_STATUS).data() == "Yêu cầu bổ sung giấy tờ"
    type_search(qtbot, screen, "nguyen")  # filter and text combine
    assert names(screen) == []
    combo.setCurrentIndex(combo.findText(DossierStatus.RECEIVED.label))
    wait_idle(qtbot, screen)
    assert names(screen) == ["Nguyễn Văn An"]


def open_with_enter(qtbot: QtBot, screen: DossierListScreen) -> DossierDetailDialog:
    qtbot.keyClick(screen.search_edit, Qt.Key.Key_Down)  # first row, focus to the table
    assert screen.table.currentIndex().row() == 0
    with qtbot.waitSignal(screen.dossier_opened, timeout=2000) as opened:
        qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    dialog = screen.findChild(DossierDetailDialog)
    assert dialog is not None and dialog.isVisible()
    assert opened.args == [dialog.uid]
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=5000)
    dialog.activateWindow()  # the offscreen platform does not activate new windows by itself
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def test_enter_opens_detail_with_history(
    qtbot: QtBot, screen: DossierListScreen, ui_ctx: UiContext, people: dict[str, DossierSummary]
) -> None:
    type_search(qtbot, screen, "nguyen van an")
    dialog = open_with_enter(qtbot, screen)
    assert dialog.uid == people["an"].uid
    history = dialog.history_model
    rows = [[history.index(r, c).data() for c in range(4)] for r in range(history.rowCount())]
    assert rows[0][0] == "23/11/2026 09:15"
    assert rows[0][1] == "Tiếp nhận hồ sơ"
    assert rows[0][2] == ui_ctx.actor.full_name == "Nguyễn Thị Thuỳ Dương"
    assert people["an"].code in rows[0][3]
    texts = {label.text() for label in dialog.findChildren(type(screen.count_label))}
    assert people["an"].code in texts
    assert "Được tiếp nhận" in texts
    assert "022090001234" in texts
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_double_click_opens_detail(qtbot: QtBot, screen: DossierListScreen, people: dict[str, DossierSummary]) -> None:
    type_search(qtbot, screen, "tran thi bich")
    view = screen.table
    rect = view.visualRect(screen.model.index(0, COL_APPLICANT))
    with qtbot.waitSignal(screen.dossier_opened) as opened:
        # A real double-click is press, release, then a second press delivered as a double-click.
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [people["bich"].uid]


def test_detail_of_supplement_request_shows_items_and_reason(qtbot: QtBot, screen: DossierListScreen) -> None:
    type_search(qtbot, screen, "pham quoc khanh")
    dialog = open_with_enter(qtbot, screen)
    texts = " | ".join(label.text() for label in dialog.findChildren(type(screen.count_label)) if label.isVisible())
    assert "Chưa cấp mã hồ sơ" in texts
    assert "1. Bản sao Giấy chứng nhận kết hôn" in texts
    assert "Lý do: Thiếu giấy chứng nhận kết hôn của cha mẹ" in texts
    assert "chưa nộp" in texts
    assert dialog.history_model.index(0, 1).data() == "Yêu cầu bổ sung, hoàn thiện hồ sơ"


def test_detail_of_refusal_shows_reason(qtbot: QtBot, screen: DossierListScreen) -> None:
    type_search(qtbot, screen, "vu thi mai")
    dialog = open_with_enter(qtbot, screen)
    texts = [label.text() for label in dialog.findChildren(type(screen.count_label)) if label.isVisible()]
    assert "Không thuộc thẩm quyền" in texts
    assert "Không được tiếp nhận" in texts


def test_reprint_button_calls_print_preview(
    qtbot: QtBot,
    screen: DossierListScreen,
    monkeypatch: pytest.MonkeyPatch,
    people: dict[str, DossierSummary],
) -> None:
    calls: list[tuple[Any, ...]] = []
    fake = types.ModuleType("ui.screens.print_preview")
    fake.open_form_preview = lambda ctx, parent, uid, *, reprint: calls.append((parent, uid, reprint))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ui.screens.print_preview", fake)
    type_search(qtbot, screen, "le thi hoa")
    dialog = open_with_enter(qtbot, screen)
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(calls))  # a button's shortcut animates the click first
    assert calls == [(dialog, people["hoa"].uid, True)]


def test_refreshes_when_the_bus_reports_a_change(qtbot: QtBot, screen: DossierListScreen, ui_ctx: UiContext) -> None:
    new = receive(ui_ctx, person("Hoàng Minh Tuấn", "022090999000", "0912999000"), now=NOW + timedelta(minutes=5))
    ui_ctx.bus.publish(Changes(frozenset({new.uid})))
    qtbot.waitUntil(lambda: names(screen)[:1] == ["Hoàng Minh Tuấn"], timeout=5000)


def test_detail_reloads_its_history_on_change(
    qtbot: QtBot, screen: DossierListScreen, ui_ctx: UiContext, people: dict[str, DossierSummary]
) -> None:
    type_search(qtbot, screen, "nguyen van an")
    dialog = open_with_enter(qtbot, screen)
    assert dialog.history_model.rowCount() == 1
    printed = {"form": "01", "form_title": "Phiếu tiếp nhận", "output": "printer", "reprint": True}
    with transaction(ui_ctx.factory) as session:
        record(session, ui_ctx.actor, EventType.FORM_PRINTED, people["an"].uid, printed, occurred_at=NOW)
    ui_ctx.bus.publish(Changes(frozenset({"some-other-uid"})))
    ui_ctx.bus.publish(Changes(frozenset({people["an"].uid})))
    qtbot.waitUntil(lambda: dialog.history_model.rowCount() == 2, timeout=5000)
    assert dialog.history_model.index(1, 1).data() == "In phiếu"


def test_open_code_finds_a_scanned_code(
    qtbot: QtBot, screen: DossierListScreen, people: dict[str, DossierSummary]
) -> None:
    code = people["duong"].code
    assert code is not None
    with qtbot.waitSignal(screen.dossier_opened, timeout=5000) as opened:
        screen.open_code(f" {code.lower()} ")  # scanners bring spaces and lower case
    assert opened.args == [people["duong"].uid]
    assert screen.search_edit.text() == code
    assert screen.table.currentIndex().row() == 0


def test_open_code_unknown(qtbot: QtBot, screen: DossierListScreen, people: dict[str, DossierSummary]) -> None:
    code = people["an"].code
    assert code is not None
    missing = code[:-4] + "9999"
    screen.open_code(missing)
    wait_idle(qtbot, screen)
    assert screen.model.rowCount() == 0
    labels = [label.text() for label in screen.findChildren(type(screen.count_label)) if label.isVisible()]
    assert f"Không tìm thấy hồ sơ có mã {missing}" in labels
    assert screen.findChild(DossierDetailDialog) is None


def test_ctrl_f_focuses_search(qtbot: QtBot, screen: DossierListScreen) -> None:
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen)
    screen.table.setFocus()
    qtbot.waitUntil(screen.table.hasFocus)
    qtbot.keyClick(screen.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert screen.search_edit.hasFocus()


class DeferredRunner(OpRunner):
    """Holds reads until the test releases them, in any order (to provoke stale results)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        super().__init__(factory)
        self.pending: list[tuple[Callable[[Session], Any], Callable[[Any], None]]] = []

    def run(self, fn: Any, on_success: Any, on_failure: Any = None, *, write: bool) -> None:
        self.pending.append((fn, on_success))

    def release(self, i: int) -> None:
        fn, on_success = self.pending[i]
        with self._factory() as session:
            result = fn(session)
        on_success(result)


def test_stale_results_are_ignored(qtbot: QtBot, ui_ctx: UiContext, people: dict[str, DossierSummary]) -> None:
    runner = DeferredRunner(ui_ctx.factory)
    widget = DossierListScreen(dataclasses.replace(ui_ctx, runner=runner))
    qtbot.addWidget(widget)
    widget.search_edit.setText("tran")
    widget.status_combo.setCurrentIndex(0)
    qtbot.keyClicks(widget.search_edit, " thi bich")
    qtbot.waitUntil(lambda: len(runner.pending) == 2)  # the first load, then the debounced search
    runner.release(1)
    assert names(widget) == ["Trần Thị Bích"]
    runner.release(0)  # the slower, older query answers last: must not overwrite
    assert names(widget) == ["Trần Thị Bích"]
    assert not widget.is_searching
