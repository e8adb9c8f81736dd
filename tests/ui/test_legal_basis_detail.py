"""The dossier detail names the decree and circular of the dossier's forms (issue 16): "Căn cứ:" with
Decree 61/2018 and Circular 01/2018 for a dossier received on 30 June 2025, Decree 118/2025 and
Circular 03/2025 for one received on 1 July 2025; read-only, not cut at 1366×768."""

from __future__ import annotations

import os
from datetime import datetime

import pytest
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel
from pytestqt.qtbot import QtBot

from app.services.reception import receive_dossier
from app.store.db import transaction
from tests.ui.test_dossier_detail_layout import _cut_widgets
from tests.ui.test_dossier_list import _draft, person
from ui.context import UiContext
from ui.screens.dossier_detail import DossierDetailDialog

PNG_DIR = os.environ.get("MOTCUA_PNG_DIR", "")  # set to keep the screenshots (looked at for issue 16)


def _basis_line(dialog: DossierDetailDialog) -> tuple[str, QLabel]:
    """The "Căn cứ:" row of the procedure box, as the officer sees it."""
    (box,) = [b for b in dialog.findChildren(QGroupBox) if b.title() == "Thủ tục hành chính"]
    form = box.layout()
    assert isinstance(form, QFormLayout)
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if label is not None and isinstance(label.widget(), QLabel) and label.widget().text() == "Căn cứ:":
            value = field.widget()
            assert isinstance(value, QLabel)
            return label.widget().text(), value
    raise AssertionError("no “Căn cứ:” row")


@pytest.mark.parametrize(
    ("received_at", "citation"),
    [
        (datetime(2025, 6, 30, 23, 59), "Nghị định 61/2018/NĐ-CP, Thông tư 01/2018/TT-VPCP"),
        (datetime(2025, 7, 1, 0, 0), "Nghị định 118/2025/NĐ-CP, Thông tư 03/2025/TT-VPCP"),
    ],
)
def test_the_detail_shows_the_legal_basis(
    qtbot: QtBot, ui_ctx: UiContext, received_at: datetime, citation: str
) -> None:
    with transaction(ui_ctx.factory) as s:
        d = receive_dossier(s, ui_ctx.actor, ui_ctx.catalog, ui_ctx.calendar,
                            _draft(ui_ctx, person("Trần Thị Bình"), "1.004859", True), received_at)[0]  # fmt: skip
    dialog = DossierDetailDialog(ui_ctx, d.uid)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=5000)
    ui_ctx.runner.wait()
    _, value = _basis_line(dialog)
    qtbot.waitUntil(lambda: value.text() == citation, timeout=3000)
    qtbot.waitUntil(lambda: not _cut_widgets(dialog), timeout=3000)  # once the layout has settled
    assert value.isVisible() and value.width() >= value.sizeHint().width()  # not cut
    assert not value.textInteractionFlags() & value.textInteractionFlags().TextEditable  # read-only
    if PNG_DIR:
        dialog.grab().save(os.path.join(PNG_DIR, f"dossier-detail-basis-{received_at:%Y%m%d}.png"))
