"""The supervision workspace's switch between "Đơn vị này" and "Toàn tỉnh (máy chủ)", driven as a
supervisor would, against the REAL central server (uvicorn on loopback, SQLite): one office pushes a
history, an admin's PC sees it under "Toàn tỉnh"; offline, not enrolled, not signed in and a
supervisor without the province's permission each get a Vietnamese message, and "Đơn vị này" is one
click away."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QSettings, Qt

from app.domain.catalog import Catalog
from app.printing import period_report as period_pdf
from app.services.office import load_calendar, this_device
from app.services.province import Scope
from app.sync.transport import Transport, make_client
from tests.app.test_sync_conflicts_client import _serve
from tests.conftest import NOW
from tests.pdf_tools import pdf_text
from tests.sync_support import Counter, MemoryKeyring, keyring_backend
from tests.ui.conftest import ScriptedPrompts
from ui.changes import ChangeBus
from ui.context import UiContext
from ui.ops import OpRunner
from ui.screens.indicators import IndicatorsView
from ui.screens.register import RegisterDialog, RegisterPreviewDialog
from ui.screens.scope_switch import NO_CLICK_STATUS, NO_CLICK_THROUGH, ScopeStore

UNIT = "000.01.00.H49"
OTHER = "000.02.00.H49"
PASSWORD = "matkhau-2026"
OFFICE_NAME = "UBND phường Hồng Gai"


@dataclass
class Province:
    """The real server with two offices; accounts of the first: canbo, lanhdao (supervisor), quantri (admin)."""

    url: str
    app: Any
    tmp: Path
    template_db: Path
    made: list[Counter]

    def counter(self, name: str, username: str) -> Counter:
        from server import admin
        from server.db import transaction as server_tx

        with server_tx(self.app.state.ctx.factory) as s:
            code = str(admin.create_enrolment_code(s, datetime.now(UTC), UNIT, hours=1).code)
        made = Counter.enrol(self.tmp / name, self.template_db, code, name, server_url=self.url, username=username,
                             password=PASSWORD)  # fmt: skip
        self.made.append(made)
        return made


@pytest.fixture
def province(tmp_path: Path, template_db: Path) -> Iterator[Province]:
    from server import admin
    from server.app import create_app
    from server.config import Settings
    from server.db import transaction as server_tx

    app = create_app(Settings(data_dir=tmp_path / "server"))
    with server_tx(app.state.ctx.factory) as s:
        now = datetime.now(UTC)
        admin.create_office(s, now, unit_code=UNIT, name=OFFICE_NAME, governing_body="UBND TỈNH QUẢNG NINH",
                            place_name="Quảng Ninh")  # fmt: skip
        admin.create_office(s, now, unit_code=OTHER, name="UBND xã Bình Dân", governing_body="UBND TỈNH QUẢNG NINH",
                            place_name="Quảng Ninh")  # fmt: skip
        admin.create_department(s, now, UNIT, code="XA-TP", name="Bộ phận Tư pháp - Hộ tịch", level="xa")
        for username, name, role in (("canbo", "Nguyễn Thị Thuỳ Dương", "officer"),
                                     ("lanhdao", "Phạm Quang Huy", "supervisor"),
                                     ("quantri", "Trần Văn Quản", "admin")):  # fmt: skip
            admin.create_officer(s, now, UNIT, username=username, full_name=name, role=role, password=PASSWORD)
    server, thread, url = _serve(app)
    world = Province(url, app, tmp_path, template_db, [])
    try:
        with keyring_backend(MemoryKeyring()):
            yield world
    finally:
        for c in world.made:
            c.close()
        server.should_exit = True
        thread.join(timeout=20)
        app.state.ctx.engine.dispose()


def pushed_history(province: Province, catalog: Catalog, n: int = 3) -> Counter:
    """Counter A receives ``n`` dossiers and syncs them to the server."""
    a = province.counter("quay-a", "canbo")
    for i in range(n):
        a.receive(catalog, personal_id=f"02209000{i:04d}")
    assert a.engine().run_once().error == ""
    return a


def desk_ctx(qtbot: Any, pc: Counter, catalog: Catalog, tmp_path: Path, transport: Transport | None) -> UiContext:
    """The supervision workspace's context on ``pc`` (its own store), reaching the server through ``transport``."""
    with pc.factory() as s:
        calendar, office = load_calendar(s), this_device(s)
    assert office is not None
    runner = OpRunner(pc.factory)
    ctx = UiContext(pc.factory, runner, ChangeBus(), catalog, calendar, office, pc.actor, ScriptedPrompts(tmp_path),
                    clock=lambda: NOW, blob_transport=transport)  # fmt: skip
    return ctx


def scopes(tmp_path: Path) -> ScopeStore:
    return ScopeStore(QSettings(str(tmp_path / "scopes.ini"), QSettings.Format.IniFormat))


def indicators(qtbot: Any, ctx: UiContext, store: ScopeStore) -> IndicatorsView:
    view = IndicatorsView(ctx, scopes=store)
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    qtbot.waitUntil(lambda: view.loaded or view.error_label.isVisible(), timeout=20_000)
    return view


def test_an_admin_switches_to_the_province_sees_its_figures_and_switches_back(
    qtbot: Any, province: Province, catalog: Catalog, tmp_path: Path
) -> None:
    pushed_history(province, catalog, 3)
    desk = province.counter("quay-lanh-dao", "quantri")  # its own store holds none of A's dossiers yet
    ctx = desk_ctx(qtbot, desk, catalog, tmp_path, desk.client.transport)
    store = scopes(tmp_path)
    view = indicators(qtbot, ctx, store)
    switch = view.scope_switch
    assert switch.scope is Scope.OFFICE and switch.office_button.isChecked()
    assert switch.office_button.text() == "Đơn vị này (trên máy, chưa đồng bộ lần nào)"
    assert ": 0 hồ sơ tính trong kỳ" in view.title_label.text()

    qtbot.mouseClick(switch.province_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.loaded and "(máy chủ)" in view.title_label.text(), timeout=20_000)
    assert not view.error_label.isVisible()
    assert view.title_label.text() == "Toàn tỉnh (máy chủ): 3 hồ sơ tính trong kỳ 01/11/2026 – 23/11/2026"
    assert view.status_label.text().startswith("Máy chủ tính lúc ")
    assert "(0/3 hồ sơ)" in view.figure_text("on_time") and "<a" not in view.figure_text("on_time")
    assert view.grouping_combo.itemText(0) == "Đơn vị"
    view.grouping_combo.setCurrentIndex(0)
    offices = {view.proxy.index(r, 0).data(): view.proxy.index(r, 1).data() for r in range(view.proxy.rowCount())}
    assert offices[OFFICE_NAME] == "3"
    assert view.department_chart.chart().title() == "So sánh tỷ lệ đúng hạn giữa các đơn vị"
    assert not view.trend_chart.isVisible()  # the server gives no weekly figures
    # No click-through: the figures of other offices have no dossiers on this PC.
    view.activateWindow()
    view.table.setFocus()
    view.table.setCurrentIndex(view.proxy.index(0, 2))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert view.status_label.text() == NO_CLICK_STATUS and view.status_label.toolTip() == NO_CLICK_THROUGH
    assert view.table.toolTip() == NO_CLICK_THROUGH
    assert ScopeStore(QSettings(str(tmp_path / "scopes.ini"), QSettings.Format.IniFormat)).load(
        "indicators_scope"
    ) is Scope.PROVINCE  # fmt: skip

    # A sync brings A's dossiers into this PC's store; Ctrl+T back to this office shows them, as of that sync.
    assert desk.engine().run_once().error == ""
    qtbot.keyClick(view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.loaded and "(máy chủ)" not in view.title_label.text(), timeout=20_000)
    assert switch.scope is Scope.OFFICE
    assert switch.office_button.text().startswith("Đơn vị này (trên máy, đến lần đồng bộ ")
    assert ": 3 hồ sơ tính trong kỳ" in view.title_label.text()
    assert view.grouping_combo.itemText(0) == "Cơ quan giải quyết"
    assert '<a href="on_time">' in view.figure_text("on_time") and view.table.toolTip() == ""


def test_refusals_offline_and_no_server_each_say_why_and_this_office_is_one_click_away(
    qtbot: Any, province: Province, catalog: Catalog, tmp_path: Path
) -> None:
    pushed_history(province, catalog, 1)
    boss = province.counter("quay-giam-sat", "lanhdao")
    cases = [
        ("supervisor", boss.client.transport, "Tài khoản này không được xem số liệu toàn tỉnh"),
        ("not enrolled", None, "Máy trạm này chưa đăng ký với máy chủ"),
        # the same device on a server that does not answer (a closed port): no session can be refreshed
        (
            "offline",
            Transport(
                make_client("http://127.0.0.1:9"), boss.client.transport.device_id, boss.client.transport._secrets
            ),
            "Mất kết nối máy chủ",
        ),
    ]
    for n, (case, transport, message) in enumerate(cases):
        ctx = desk_ctx(qtbot, boss, catalog, tmp_path, transport)
        store = ScopeStore(QSettings(str(tmp_path / f"s{n}.ini"), QSettings.Format.IniFormat))
        store.save("indicators_scope", Scope.PROVINCE)  # remembered from last time: opens on the province
        view = indicators(qtbot, ctx, store)
        qtbot.waitUntil(view.error_label.isVisible, timeout=20_000)
        assert message in view.error_label.text(), (case, view.error_label.text())
        assert "Chọn “Đơn vị này” (Ctrl+T)" in view.error_label.text()
        assert view.title_label.text() == "Toàn tỉnh (máy chủ): chưa có số liệu", case
        assert view.figure_text("on_time") == "—" and view.proxy.rowCount() == 0
        qtbot.mouseClick(view.scope_switch.office_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda view=view: view.loaded, timeout=20_000)
        assert not view.error_label.isVisible() and "(máy chủ)" not in view.title_label.text()
        assert ": 0 hồ sơ tính trong kỳ" in view.title_label.text()
        ctx.runner.wait()  # type: ignore[attr-defined]

    # Logged in offline (no server session in the keyring): sign in online again.
    boss.client.transport.logout()
    ctx = desk_ctx(qtbot, boss, catalog, tmp_path, boss.client.transport)
    view = indicators(qtbot, ctx, scopes(tmp_path))
    view.scope_switch.toggle()
    qtbot.waitUntil(view.error_label.isVisible, timeout=20_000)
    assert "Chưa đăng nhập trực tuyến với máy chủ" in view.error_label.text()


def test_the_register_dialog_shows_and_exports_the_provinces_ii06a(
    qtbot: Any, province: Province, catalog: Catalog, tmp_path: Path
) -> None:
    pushed_history(province, catalog, 2)
    desk = province.counter("quay-lanh-dao", "quantri")
    ctx = desk_ctx(qtbot, desk, catalog, tmp_path, desk.client.transport)
    target = tmp_path / "bieu.xlsx"
    dialog = RegisterDialog(ctx, scopes=scopes(tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentIndex(1)
    panel = dialog.period_panel
    panel._ask_path = lambda _parent, _suggested: str(target)
    qtbot.waitUntil(lambda: panel.document is not None, timeout=20_000)
    assert panel.document.report.total.received_total == 0  # this PC's own store: nothing yet
    qtbot.mouseClick(panel.switch.province_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.error.isVisible() or (panel.document is not None and panel.province), timeout=20_000)
    assert not panel.error.isVisible(), panel.error.text()
    doc = panel.document
    assert doc.report.total.received_total == 2 and doc.late == ()
    assert panel.title.text().startswith("Biểu II.06a – ")
    assert panel.model.columnCount() == len(period_pdf.COLUMNS)
    assert panel.model.index(panel.model.rowCount() - 1, 1).data() == "Tổng cộng"
    assert panel.model.index(panel.model.rowCount() - 1, 2).data() == "2"
    assert "không có danh sách hồ sơ quá hạn" in panel.status.text()
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: panel.findChild(RegisterPreviewDialog) is not None, timeout=20_000)
    preview = panel.findChild(RegisterPreviewDialog)
    first = " ".join(pdf_text(preview._pdf)[0].split())
    assert "TẠI TOÀN TỈNH" in first and "UBND TỈNH QUẢNG NINH" in first and OFFICE_NAME.upper() not in first
    preview.close()
    dialog.activateWindow()  # the offscreen platform does not give the window back by itself
    qtbot.waitUntil(dialog.isActiveWindow, timeout=20_000)
    qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.status.text() == f"Đã xuất {target}", timeout=20_000)
    text = " ".join(str(c.value) for row in load_workbook(target).worksheets[0].iter_rows() for c in row if c.value)
    assert f"KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI {doc.header.unit_name}" in text
    assert "TOÀN TỈNH" in doc.header.unit_name and OFFICE_NAME.upper() not in text  # the province's, not this office's
    assert text.split("TỔNG CỘNG", 1)[1].split()[:1] == ["2"]
