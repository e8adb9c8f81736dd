"""Another dossier's pages in a scan session (issue 15 item 4): open dossier B, scan B's form and then
A's receipt slip with A's paper behind it, Ctrl+S. Nothing is saved into B before the officer says
what to do: keep A's pages out, attach them to A (through the attachment service, one event on A),
or attach them to B anyway."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.domain.events import EventType
from app.scanning.blobs import BlobStore
from app.services.attachments import list_attachments
from app.services.drafts import DossierSummary
from app.store.models import Event
from tests.ui.scan_fakes import FakeScanner, Sheet, separator_page, sheets
from tests.ui.test_dossier_list import person, receive
from tests.ui.test_scan_session import blobs, open_session  # noqa: F401 - fixture
from ui.context import UiContext
from ui.scanning.page_model import BADGE_ROLE
from ui.scanning.session import ScanSessionDialog

UNKNOWN = "000.01.00.H49-261123-0099"  # well formed, no such dossier on this PC


@pytest.fixture
def two(ui_ctx: UiContext, blobs: BlobStore) -> tuple[DossierSummary, DossierSummary]:  # noqa: F811
    a = receive(ui_ctx, person("Nguyễn Văn An"))
    b = receive(ui_ctx, person("Trần Thị Bích", "001190004321", "0987654321", "Nữ"))
    return a, b


def slip(code: str) -> Sheet:
    """The receipt slip (form 01) of ``code``: its QR code without the cover sheet's marker."""
    return Sheet(separator_page(code, cover=False), f"phiếu hẹn {code}")


@pytest.fixture
def scanned(qtbot: QtBot, ui_ctx: UiContext, two: tuple[DossierSummary, DossierSummary]) -> Iterator[ScanSessionDialog]:
    a, b = two
    assert a.code
    pages = [*sheets("TỜ KHAI CỦA BÍCH"), slip(a.code), *sheets("GIẤY CHỨNG SINH CỦA AN")]
    dialog = open_session(qtbot, ui_ctx, b.uid, FakeScanner(pages))
    qtbot.keyClick(dialog.grid, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3 and not dialog.bar.busy, timeout=20_000)
    yield dialog
    dialog.bar.stop()


def attached(ctx: UiContext, blobs: BlobStore, uid: str) -> list[int]:  # noqa: F811
    with ctx.factory() as session:
        return [a.pages for a in list_attachments(session, blobs, uid)]


def save_stops_with_the_question(qtbot: QtBot, dialog: ScanSessionDialog, other: str) -> None:
    saved = len(dialog.saved_ids)
    qtbot.keyClick(dialog.grid, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialog.other_panel.isVisible()
    text = dialog.other_panel.text.text()
    assert f"2 trang của hồ sơ {other} (trang 2, 3)" in text and "hồ sơ khác" in text
    assert len(dialog.saved_ids) == saved and dialog._compose is None  # nothing composed, nothing stored


def test_pages_of_another_dossier_go_to_it_through_the_service(
    qtbot: QtBot, ui_ctx: UiContext, blobs: BlobStore, two: tuple[DossierSummary, DossierSummary],  # noqa: F811
    scanned: ScanSessionDialog,
) -> None:  # fmt: skip
    a, b = two
    assert a.code and b.code
    dialog = scanned
    assert dialog.model.index(1).data(BADGE_ROLE) == (f"Hồ sơ khác …{a.code[-11:]}", "#b00020")
    save_stops_with_the_question(qtbot, dialog, a.code)
    qtbot.waitUntil(dialog.other_panel.move_button.isEnabled, timeout=5000)
    assert dialog.other_panel.move_button.text() == f"Đính kèm vào hồ sơ {a.code}"
    dialog.grab().save("/tmp/h7-scan-other-dossier.png")
    assert attached(ui_ctx, blobs, b.uid) == [] and attached(ui_ctx, blobs, a.uid) == []

    qtbot.mouseClick(dialog.other_panel.move_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.saved_ids), timeout=20_000)
    assert attached(ui_ctx, blobs, b.uid) == [1]  # B's own form only
    assert attached(ui_ctx, blobs, a.uid) == [2]  # A's slip and paper, on A
    with ui_ctx.factory() as session:
        events = session.scalars(select(Event).where(Event.type == str(EventType.ATTACHMENT_ADDED))).all()
    assert sorted(e.dossier_uid for e in events) == sorted([a.uid, b.uid])
    on_a = next(e for e in events if e.dossier_uid == a.uid)
    assert on_a.payload["dossier_code"] == a.code and b.code in on_a.payload["source"]
    assert f"Đã đính kèm 2 trang vào hồ sơ {a.code}" in dialog.banner.text()
    assert not dialog.other_panel.isVisible()


def test_keep_out_or_attach_here_anyway(
    qtbot: QtBot, ui_ctx: UiContext, blobs: BlobStore, two: tuple[DossierSummary, DossierSummary],  # noqa: F811
    scanned: ScanSessionDialog,
) -> None:  # fmt: skip
    a, b = two
    assert a.code
    dialog = scanned
    save_stops_with_the_question(qtbot, dialog, a.code)
    qtbot.mouseClick(dialog.other_panel.back_button, Qt.MouseButton.LeftButton)  # Quay lại: nothing happens
    assert not dialog.other_panel.isVisible() and dialog.model.rowCount() == 3 and not dialog.saved_ids

    save_stops_with_the_question(qtbot, dialog, a.code)
    qtbot.mouseClick(dialog.other_panel.out_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.saved_ids), timeout=20_000)
    assert attached(ui_ctx, blobs, b.uid) == [1] and attached(ui_ctx, blobs, a.uid) == []

    # The same stack again; this time the officer attaches everything here, on purpose.
    dialog.scan()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3 and not dialog.bar.busy, timeout=20_000)
    before = len(dialog.saved_ids)
    save_stops_with_the_question(qtbot, dialog, a.code)
    qtbot.mouseClick(dialog.other_panel.here_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialog.saved_ids) > before, timeout=20_000)
    assert attached(ui_ctx, blobs, b.uid) == [1, 3] and attached(ui_ctx, blobs, a.uid) == []


def test_a_code_not_on_this_pc_cannot_be_moved(
    qtbot: QtBot, ui_ctx: UiContext, blobs: BlobStore, two: tuple[DossierSummary, DossierSummary],  # noqa: F811
) -> None:  # fmt: skip
    _a, b = two
    pages = [*sheets("TỜ KHAI CỦA BÍCH"), slip(UNKNOWN), *sheets("GIẤY LẠ")]
    dialog = open_session(qtbot, ui_ctx, b.uid, FakeScanner(pages))
    dialog.scan()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3 and not dialog.bar.busy, timeout=20_000)
    save_stops_with_the_question(qtbot, dialog, UNKNOWN)
    qtbot.waitUntil(lambda: "Máy này không có hồ sơ" in dialog.other_panel.move_button.toolTip(), timeout=5000)
    assert not dialog.other_panel.move_button.isEnabled()
    assert attached(ui_ctx, blobs, b.uid) == []
    dialog.bar.stop()
