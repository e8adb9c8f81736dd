"""Main window: layout and wiring only (header, tabs, menus, status bar)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from ui.actions import SHORTCUT_HELP, ActionId, make_actions
from ui.context import UiContext
from ui.screens.reception import ReceptionScreen
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ui.screens.dossier_list import DossierListScreen


def pending_events(session: Session) -> int:
    """Runs on a worker; the import stays there so the window is built without SQLAlchemy."""
    from app.services.outbox import pending_count

    return pending_count(session)


class MainWindow(QMainWindow):
    """Signals:
    logout_requested(): the officer chose Đăng xuất.
    """

    logout_requested = Signal()

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self._ctx = ctx
        office, actor = ctx.office, ctx.actor
        self.setWindowTitle(f"MotCua Desk – {office.name} – {office.counter_name}")
        self.reception = ReceptionScreen(ctx)
        self._dossiers: DossierListScreen | None = None  # built when first shown (start-up time)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.reception, "Tiếp nhận hồ sơ (F5)")
        self.tabs.addTab(QWidget(), "Tra cứu hồ sơ (F6)")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

        header = QWidget()
        set_role(header, Role.HEADER)
        bar = QHBoxLayout(header)
        bar.setContentsMargins(12, 6, 12, 6)
        name = QLabel(f"<b>{office.name}</b>  ·  Mã đơn vị {office.unit_code}")
        name_font = name.font()
        name_font.setPointSizeF(11)
        name.setFont(name_font)
        who = QLabel(f"{actor.full_name} ({actor.role.label})  ·  <b>{office.counter_name}</b>")
        bar.addWidget(name, 1)
        if office.demo:
            demo = QLabel("DỮ LIỆU DEMO")
            set_role(demo, Role.DEMO)
            bar.addWidget(demo)
        bar.addWidget(who)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(header)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.actions_ = make_actions(self)
        a = self.actions_
        system = self.menuBar().addMenu("&Hệ thống")
        system.addAction(a[ActionId.LOGOUT])
        system.addSeparator()
        system.addAction(a[ActionId.QUIT])
        work = self.menuBar().addMenu("&Hồ sơ")
        work.addAction(a[ActionId.NEW_RECEPTION])
        work.addAction(a[ActionId.FIND_DOSSIER])
        help_menu = self.menuBar().addMenu("&Trợ giúp")
        help_menu.addAction(a[ActionId.SHORTCUTS])
        help_menu.addAction(a[ActionId.ABOUT])
        a[ActionId.NEW_RECEPTION].triggered.connect(self.show_reception)
        a[ActionId.FIND_DOSSIER].triggered.connect(self.show_dossiers)
        a[ActionId.LOGOUT].triggered.connect(self.logout_requested)
        a[ActionId.QUIT].triggered.connect(self.close)
        a[ActionId.SHORTCUTS].triggered.connect(self._on_shortcuts_triggered)
        a[ActionId.ABOUT].triggered.connect(self._on_about_triggered)

        self.who = QLabel(f"Đăng nhập: {actor.full_name} · {office.counter_name} · {office.unit_code}")
        self.pending = QLabel()
        self.statusBar().addWidget(self.who, 1)
        self.statusBar().addPermanentWidget(self.pending)
        ctx.bus.changed.connect(self._on_bus_changed)
        self._on_bus_changed(None, None)
        self.show_reception()

    @Slot()
    def show_reception(self) -> None:
        self.tabs.setCurrentWidget(self.reception)
        self.reception.focus_search()

    @property
    def dossiers(self) -> DossierListScreen:
        if self._dossiers is None:
            from ui.screens.dossier_list import DossierListScreen

            self._dossiers = DossierListScreen(self._ctx)
            blocked = self.tabs.blockSignals(True)
            placeholder = self.tabs.widget(1)
            self.tabs.removeTab(1)
            if placeholder is not None:
                placeholder.deleteLater()
            self.tabs.insertTab(1, self._dossiers, "Tra cứu hồ sơ (F6)")
            self.tabs.blockSignals(blocked)
        return self._dossiers

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        if index == 1 and self._dossiers is None:
            self.tabs.setCurrentWidget(self.dossiers)

    @Slot()
    def show_dossiers(self) -> None:
        self.tabs.setCurrentWidget(self.dossiers)
        self.dossiers.focus_search()

    @Slot(object, object)
    def _on_bus_changed(self, _changes: object, _initiator: object) -> None:
        self._ctx.runner.run(pending_events, self._show_pending, lambda _e: None, write=False)

    def _show_pending(self, count: int) -> None:
        # Sync arrives with the central-server issue; until then the outbox only grows.
        self.pending.setText(f"Chưa đồng bộ: {count} sự kiện (chưa kết nối máy chủ)")

    @Slot()
    def _on_shortcuts_triggered(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in SHORTCUT_HELP)
        QMessageBox.information(self, "Phím tắt", f"<table>{rows}</table>")

    @Slot()
    def _on_about_triggered(self) -> None:
        QMessageBox.about(
            self,
            "Giới thiệu",
            f"<b>MotCua Desk</b> {__version__}<br>Phần mềm tiếp nhận hồ sơ tại Bộ phận Một cửa.<br>"
            "Phông chữ Liberation Serif và Noto Sans theo giấy phép SIL Open Font License 1.1.",
        )
