"""The receiving side scans a handover record (issue 15 item 9): two batches sent in the same second are
told apart by their numbers, records printed before the short number still open their batch, a
number typed by hand works, and a number two batches share is said, not guessed."""

from __future__ import annotations

import uuid
from dataclasses import replace

from pytestqt.qtbot import QtBot

from app.domain.batch_number import batch_number
from app.domain.events import new_id
from app.services.drafts import DossierSummary
from app.services.handover import BatchInfo, add_scan, counter_place, department_place, open_batch, send_batch
from app.store.db import transaction
from tests.conftest import NOW
from tests.ui import test_handover_flow as flow
from ui.actions import ActionId
from ui.context import UiContext
from ui.main_window import MainWindow
from ui.screens.handover_receive import ReceiveHandoverScreen

TP, scan = flow.TP, flow.scan
scanners, folders, window = flow.scanners, flow.folders, flow.window  # the handover flow's fixtures


def _send(ctx: UiContext, codes: list[str], to: str = TP, batch_id: str | None = None) -> BatchInfo:
    with transaction(ctx.factory) as s:
        batch = open_batch(counter_place(ctx.actor), department_place(s, to))
        if batch_id is not None:
            batch = replace(batch, id=batch_id)
        for code in codes:
            batch, verdict = add_scan(s, batch, code)
            assert verdict.ok, verdict.message
        return send_batch(s, ctx.actor, batch, NOW)[0]  # the same second for every batch


def _receive_screen(qtbot: QtBot, window: MainWindow) -> ReceiveHandoverScreen:
    window.actions_[ActionId.RECEIVE_HANDOVER].trigger()
    screen = window.custody_tabs.receive.content
    assert isinstance(screen, ReceiveHandoverScreen)
    qtbot.waitUntil(lambda: screen.place.count() > 1, timeout=5000)
    return screen


def _opened(qtbot: QtBot, screen: ReceiveHandoverScreen, info: BatchInfo) -> None:
    qtbot.waitUntil(lambda: screen.model.batch is not None and screen.model.batch.id == info.id, timeout=5000)
    assert f"Phiếu {batch_number(info.id)} " in screen.heading.text()


def test_batches_of_the_same_second_are_told_apart_and_old_records_still_open(
    qtbot: QtBot, window: MainWindow, ui_ctx: UiContext, folders: dict[str, DossierSummary]
) -> None:
    first = _send(ui_ctx, [str(folders["an"].code), str(folders["bich"].code)])
    same_ms = first.id[:14] + new_id()[14:]  # the timestamp bits of the first: made in the same millisecond
    second = _send(ui_ctx, [str(folders["cuong"].code)], batch_id=same_ms)
    assert first.id[:8] == second.id[:8]  # what the screen used to show ("BG-01a24fe9"): the same for both
    assert batch_number(first.id) != batch_number(second.id)
    screen = _receive_screen(qtbot, window)

    scan(window, batch_number(second.id))  # today's record
    _opened(qtbot, screen, second)
    assert window.scan_feedback.ok and "1 hồ sơ" in window.scan_feedback.message
    scan(window, f"BG-{uuid.UUID(first.id).int:039d}")  # a record printed before the short number
    _opened(qtbot, screen, first)
    screen.manual.setFocus()
    qtbot.keyClicks(screen.manual, f"BG-{second.id}")  # "BG-<uuid>", as an older screen showed it
    qtbot.keyClick(screen.manual, "\r")
    _opened(qtbot, screen, second)
    qtbot.keyClicks(screen.manual, batch_number(first.id).lower())  # typed from the paper
    qtbot.keyClick(screen.manual, "\r")
    _opened(qtbot, screen, first)
    items = [screen.inbox.item(i).text() for i in range(screen.inbox.count())]
    assert sorted(t.split(" · ")[0] for t in items) == sorted({batch_number(first.id), batch_number(second.id)})


def test_a_number_two_batches_share_is_said_not_guessed(
    qtbot: QtBot, window: MainWindow, ui_ctx: UiContext, folders: dict[str, DossierSummary]
) -> None:
    first = _send(ui_ctx, [str(folders["an"].code)])
    twin = _send(ui_ctx, [str(folders["dat"].code)], to="VPDKDD", batch_id=new_id()[:-10] + first.id[-10:])
    screen = _receive_screen(qtbot, window)
    scan(window, batch_number(first.id))
    qtbot.waitUntil(lambda: "cùng số" in screen.summary.text(), timeout=5000)
    assert screen.model.batch is None and not window.scan_feedback.ok
    assert f"Có 2 phiếu bàn giao cùng số {batch_number(twin.id)}" in screen.summary.text()
    assert first.destination.name in screen.summary.text() and twin.destination.name in screen.summary.text()
    scan(window, "BG-0000000000001")  # no such batch
    qtbot.waitUntil(lambda: "Chưa có phiếu bàn giao BG-0000000000001" in screen.summary.text(), timeout=5000)
