"""F4 custody view lists only folders the office holds: a supplement request at reception (no code
issued, the citizen takes the papers home) is no folder (issue 15 item 7)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.domain.custody import Place, PlaceKind
from app.services.custody import custody_view
from tests.conftest import NOW
from tests.ui.test_dossier_list import ask_supplement, person, receive
from ui.context import UiContext
from ui.screens.custody import CustodyScreen


def test_supplement_request_at_reception_is_no_folder_in_custody(qtbot: QtBot, ui_ctx: UiContext) -> None:
    kept = receive(ui_ctx, person("Nguyễn Văn An"))
    home = ask_supplement(ui_ctx, person("Trần Thị Bích", "001190004321", "0987654321", "Nữ"), ["Giấy chứng sinh"],
                          "Thiếu giấy chứng sinh")  # fmt: skip
    assert home.code is None
    counter = Place(PlaceKind.COUNTER, ui_ctx.actor.unit_code, "Bộ phận Một cửa")
    with ui_ctx.factory() as session:
        anywhere = custody_view(session, ui_ctx.calendar, NOW)
        at_counter = custody_view(session, ui_ctx.calendar, NOW, place=counter)
    assert [r.uid for r in anywhere] == [kept.uid]
    assert [r.uid for r in at_counter] == [kept.uid]

    screen = CustodyScreen(ui_ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.show()
    qtbot.waitUntil(lambda: screen.place.count() > 1, timeout=5000)
    assert [screen.model.row_at(r).code for r in range(screen.model.rowCount())] == [kept.code]
    with qtbot.waitSignal(screen.loaded, timeout=5000):
        screen.place.setCurrentIndex(screen.place.findData(0))  # the counter
    assert [screen.model.row_at(r).code for r in range(screen.model.rowCount())] == [kept.code]
    screen.grab().save("/tmp/h7-custody.png")
