"""Issue 4, end to end: "two counters hand over the same folder while offline; after sync a conflict is shown."

Two counter PCs and a supervisor's PC, each with its own database, enrolled with one REAL server
(uvicorn on loopback). Both counters hold the folder, stop syncing, hand it over to the
department (app.services.handover.send_batch) and sync: the server flags ``double_handover``.
Then the real widgets take over: both counters' dossier detail shows the red banner, the
supervisor opens Xung đột cần xử lý from the menu, types a resolution and confirms; the counters'
running sync (long-poll) receives ``conflict.resolved`` and the banners disappear.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QWidget

from app.domain.catalog import Catalog
from tests.app.test_sync_conflicts_client import counter, double_handover, live  # noqa: F401 - fixtures
from tests.sync_support import Counter
from tests.ui.keys import type_text
from ui.prompts import Prompts

SIZE = QSize(1366, 768)


class Answers(Prompts):
    """Says yes to every confirmation and remembers the questions."""

    def __init__(self) -> None:
        self.questions: list[str] = []

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        self.questions.append(f"{title}: {text}")
        return True


def _window(c: Counter, catalog: Catalog, prompts: Prompts) -> Any:
    from app.services.office import load_calendar, this_device
    from ui.changes import ChangeBus
    from ui.context import UiContext
    from ui.main_window import MainWindow
    from ui.ops import OpRunner
    from ui.sync_runner import SyncRunner

    with c.factory() as s:
        office, calendar = this_device(s), load_calendar(s)
    assert office is not None
    ctx = UiContext(c.factory, OpRunner(c.factory), ChangeBus(), catalog, calendar, office, c.actor, prompts)
    sync = SyncRunner(c.engine(), c.factory, interval_s=600)  # the long-poll brings the resolution
    return MainWindow(ctx, sync), ctx, sync


def _shot(widget: QWidget, name: str) -> None:
    folder = os.environ.get("MOTCUA_SHOTS_DIR")
    if folder:
        widget.resize(SIZE)
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def test_two_counters_hand_over_one_folder_offline_and_the_supervisor_resolves_it(
    qtbot: Any,
    counter: Callable[..., Counter],  # noqa: F811 - the imported fixture
    catalog: Catalog,
) -> None:
    from ui.actions import ActionId
    from ui.screens.dossier_detail import DossierDetailDialog

    a, b, uid, flagged = double_handover(counter, catalog)
    sup = counter("Quầy lãnh đạo", username="lanhdao")
    prompts = Answers()
    windows = [_window(c, catalog, prompts) for c in (a, b, sup)]
    for window, _ctx, sync in windows:
        qtbot.addWidget(window)
        sync.start()
    try:
        details = []
        for window, ctx, _sync in windows[:2]:
            detail = DossierDetailDialog(ctx, uid, window)
            detail.show()
            details.append(detail)
        for detail in details:
            qtbot.waitUntil(lambda d=detail: d.conflict_banner.isVisible(), timeout=10_000)
            assert detail.conflict_banner.text().startswith("Hồ sơ đang có xung đột: ")
            assert "bàn giao hai lần" in detail.conflict_banner.text()
        _shot(details[0], "dossier_detail_conflict")

        sup_window = windows[2][0]
        sup_window.actions_[ActionId.CONFLICTS].trigger()  # Hệ thống → Xung đột cần xử lý
        dialog = sup_window.conflicts_dialog
        assert dialog is not None and dialog.supervisor
        qtbot.waitUntil(lambda: "cập nhật lúc" in dialog.updated.text() and dialog.model.rowCount() == 1, timeout=9000)
        item = dialog.model.item(0)
        assert (item.kind_label, item.applicant_name) == ("Hồ sơ giấy bị bàn giao hai lần", "Nguyễn Văn An")
        assert flagged in {e.event_id for e in item.events}
        events_text = dialog.model.index(0, 2).data()
        assert "Quầy số 01" in events_text and "Quầy số 02" in events_text
        assert dialog.resolve_button.isEnabled()
        _shot(dialog, "conflicts_screen")

        # An empty resolution is refused beside the field; nothing is sent.
        qtbot.mouseClick(dialog.resolve_button, Qt.MouseButton.LeftButton)
        assert dialog.resolution_error.isVisible() and "Hãy ghi cách giải quyết" in dialog.resolution_error.text()
        assert prompts.questions == []
        text = "Hồ sơ giấy đang ở Bộ phận Tư pháp - Hộ tịch; phiếu bàn giao của Quầy số 02 không có giá trị."
        type_text(dialog.resolution, text)
        qtbot.mouseClick(dialog.resolve_button, Qt.MouseButton.LeftButton)
        assert len(prompts.questions) == 1 and text in prompts.questions[0]
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 0 and dialog.empty.isVisible(), timeout=10_000)
        dialog.show_resolved.setChecked(True)
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5_000)
        assert dialog.model.index(0, 4).data().startswith("Đã giải quyết lúc")

        # Both counters' running sync receives conflict.resolved: the banners go.
        for detail in details:
            qtbot.waitUntil(lambda d=detail: not d.conflict_banner.isVisible(), timeout=15_000)
        # ... and the dossier's history on each counter says who resolved it, and how.
        from app.services.dossiers import get_detail

        for c in (a, b):
            with c.factory() as s:
                found = get_detail(s, uid)
            assert found is not None
            assert ("Giám sát xử lý xung đột", f"Hồ sơ giấy bị bàn giao hai lần: {text}") in {
                (h.label, h.detail) for h in found.history
            }
    finally:
        for window, ctx, sync in windows:
            sync.stop(timeout_s=1)
            ctx.runner.wait()
            window.close()
