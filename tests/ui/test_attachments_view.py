"""The attachments of a dossier in its detail view: listed with pages, size, when, who and where the
file is; Open shows it read-only, Save as… writes a copy; a file this PC lacks is fetched, and
when that is impossible the officer reads why in Vietnamese."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from app.scanning.blobs import BlobStore, sha256_hex
from app.services.attachments import attach_documents
from app.services.reception import receive_dossier
from app.store.db import transaction
from app.store.models import BlobUpload
from tests.app.test_attachments import Doc, make_pdf
from tests.conftest import NOW
from tests.ui.conftest import ScriptedPrompts
from tests.ui.test_dossier_list import _draft, person
from ui.context import UiContext
from ui.screens.attachments_view import COL_NAME, COL_PAGES, COL_SIZE, COL_STATE, COL_WHO, NO_SERVER, size_text
from ui.screens.dossier_detail import DossierDetailDialog

SHOTS = os.environ.get("MOTCUA_SHOTS", "")  # a folder: save what the officer sees there


@pytest.fixture
def ctx(ui_ctx: UiContext, tmp_path: Path) -> UiContext:
    ui_ctx.blobs = BlobStore(tmp_path / "attachments")
    return ui_ctx


@pytest.fixture
def dossier(ctx: UiContext) -> Iterator[tuple[str, str, list[Doc]]]:
    with transaction(ctx.factory) as s:
        d = receive_dossier(s, ctx.actor, ctx.catalog, ctx.calendar, _draft(ctx, person("Nguyễn Văn An"), "1.001193",
                                                                          True), NOW)[0]  # fmt: skip
    docs = [
        Doc("Tờ khai đăng ký khai sinh", 0, make_pdf(1, "to khai"), 1),
        Doc("Giấy chứng sinh (bản chính)", 1, make_pdf(2, "chung sinh"), 2),
    ]
    assert ctx.blobs is not None
    with transaction(ctx.factory) as s:
        attach_documents(s, ctx.actor, ctx.blobs, d.uid, docs, occurred_at=NOW + timedelta(minutes=3))
    assert d.code is not None
    yield d.uid, d.code, docs


def open_detail(qtbot: QtBot, ctx: UiContext, uid: str) -> DossierDetailDialog:
    dialog = DossierDetailDialog(ctx, uid)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.attachments.model.rowCount() > 0, timeout=5000)
    return dialog


def cells(dialog: DossierDetailDialog, col: int) -> list[str]:
    model = dialog.attachments.model
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_the_detail_view_lists_attachments_and_opens_and_saves_them(
    qtbot: QtBot, ctx: UiContext, dossier, prompts: ScriptedPrompts, tmp_path: Path
) -> None:
    uid, code, docs = dossier
    dialog = open_detail(qtbot, ctx, uid)
    view = dialog.attachments
    assert view.isVisible() and "2 tài liệu, 3 trang" in view.title()
    assert cells(dialog, COL_NAME) == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh (bản chính)"]
    assert cells(dialog, COL_PAGES) == ["1", "2"]
    assert cells(dialog, COL_SIZE) == [size_text(len(d.pdf)) for d in docs]
    assert cells(dialog, COL_WHO) == [ctx.actor.full_name] * 2
    assert cells(dialog, COL_STATE) == ["Chờ tải lên máy chủ"] * 2
    if SHOTS:
        qtbot.waitUntil(lambda: dialog.custody_actions.isVisible(), timeout=5000)
        qtbot.wait(200)  # screenshot only: let the custody line load and the layout settle
        dialog.grab().save(str(Path(SHOTS) / "attachments_detail.png"))

    view.table.selectRow(1)
    qtbot.mouseClick(view.open_button, _left())
    qtbot.waitUntil(lambda: view.preview is not None and view.preview.isVisible(), timeout=5000)
    preview = view.preview
    assert preview is not None
    assert preview.status.text().startswith("2 trang khổ A4") and code in preview.windowTitle()
    if SHOTS:
        preview.grab().save(str(Path(SHOTS) / "attachment_preview.png"))
    preview.reject()

    prompts.save_path = str(tmp_path / "ban-sao.pdf")
    qtbot.mouseClick(view.save_button, _left())
    qtbot.waitUntil(lambda: view.status.isVisible() and "Đã lưu" in view.status.text(), timeout=5000)
    assert Path(prompts.save_path).read_bytes() == docs[1].pdf
    assert "Giấy chứng sinh" in prompts.asked[-1][1] and code in prompts.asked[-1][1]

    with transaction(ctx.factory) as s:  # the upload finished (sync): the bus names the dossier
        s.execute(update(BlobUpload).values(state="done"))
    from app.services.drafts import Changes

    ctx.bus.publish(Changes(frozenset({uid})), None)
    qtbot.waitUntil(lambda: cells(dialog, COL_STATE) == ["Có trên máy này"] * 2, timeout=5000)


def test_a_file_this_pc_lacks_cannot_be_opened_without_a_server(
    qtbot: QtBot, ctx: UiContext, dossier, prompts: ScriptedPrompts
) -> None:
    uid, _code, docs = dossier
    assert ctx.blobs is not None
    ctx.blobs.path(sha256_hex(docs[0].pdf)).unlink()  # as on another counter: the event came, the file did not
    dialog = open_detail(qtbot, ctx, uid)
    view = dialog.attachments
    assert cells(dialog, COL_STATE) == ["Chưa tải về máy này", "Chờ tải lên máy chủ"]
    view.table.selectRow(0)
    qtbot.mouseClick(view.open_button, _left())
    qtbot.waitUntil(lambda: view.status.isVisible(), timeout=5000)
    assert view.status.text() == NO_SERVER
    assert view.preview is None


def test_a_file_this_pc_lacks_while_offline_gets_a_clear_message(
    qtbot: QtBot, ctx: UiContext, dossier, tmp_path: Path
) -> None:
    from app.sync.secrets import SecretName, SecretStore
    from app.sync.transport import Transport, make_client
    from tests.sync_support import MemoryKeyring, keyring_backend

    uid, _code, docs = dossier
    assert ctx.blobs is not None
    ctx.blobs.path(sha256_hex(docs[1].pdf)).unlink()
    with keyring_backend(MemoryKeyring()):
        secrets = SecretStore(tmp_path, ctx.actor.device_id)
        secrets.set(SecretName.REFRESH_TOKEN, "r" * 40)
        secrets.set(SecretName.DEVICE_SECRET, "d" * 40)
        ctx.blob_transport = Transport(make_client("http://127.0.0.1:9"), ctx.actor.device_id, secrets)
        dialog = open_detail(qtbot, ctx, uid)
        view = dialog.attachments
        view.table.selectRow(1)
        qtbot.mouseClick(view.open_button, _left())
        qtbot.waitUntil(lambda: view.status.isVisible() and "mất kết nối" in view.status.text(), timeout=10000)
        assert "Hãy thử lại khi có mạng" in view.status.text() and view.preview is None
        assert view.open_button.isEnabled()  # the officer may try again
        ctx.blob_transport.close()


def test_a_dossier_without_attachments_shows_no_attachment_box(qtbot: QtBot, ctx: UiContext) -> None:
    with transaction(ctx.factory) as s:
        d = receive_dossier(s, ctx.actor, ctx.catalog, ctx.calendar, _draft(ctx, person("Trần Thị Bình", sex="Nữ",
                            personal_id="022190001234"), "1.001193", True), NOW)[0]  # fmt: skip
    dialog = DossierDetailDialog(ctx, d.uid)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=5000)
    ctx.runner.wait()
    assert not dialog.attachments.isVisible() and dialog.attachments.model.rowCount() == 0


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
