"""Main window: layout and wiring only (header, tabs, menus, status bar)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.services.drafts import Changes
from ui.actions import SHORTCUT_HELP, ActionId, make_actions
from ui.context import UiContext
from ui.function_keys import FunctionKeys
from ui.scanner.feedback import ScanFeedback
from ui.scanner.router import ScanRouter
from ui.screens.reception import ReceptionScreen
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ui.scanner.inputs import ScannerInputs
    from ui.screens.conflicts import ConflictsDialog
    from ui.screens.dossier_list import DossierListScreen
    from ui.screens.enrol import Enrol
    from ui.screens.outbox import OutboxDialog
    from ui.sync_runner import SyncRunner, SyncView

ONLINE_COLOR, OFFLINE_COLOR, WAITING_COLOR = "#1b7a3a", "#b00020", "#7a4d00"


def pending_events(session: Session) -> int:
    """Runs on a worker; the import stays there so the window is built without SQLAlchemy."""
    from app.services.outbox import pending_count

    return pending_count(session)


class MainWindow(QMainWindow):
    """Args:
        ctx: the logged-in session's services.
        sync: the running sync of an enrolled PC; None on a standalone PC.
        enrol: offered to an admin on a standalone PC (Hệ thống → Đăng ký máy trạm).
        scanners: this PC's barcode scanners; their scans go through :attr:`scan_router`.

    Signals:
        logout_requested(): the officer chose Đăng xuất (and confirmed, if events were unsent).
        enrolled(object): this PC was enrolled (the new OfficeInfo); the session must restart.
    """

    logout_requested = Signal()
    enrolled = Signal(object)

    def __init__(
        self,
        ctx: UiContext,
        sync: SyncRunner | None = None,
        enrol: Enrol | None = None,
        scanners: ScannerInputs | None = None,
    ) -> None:
        super().__init__()
        self._ctx = ctx
        self._scanners = scanners
        self._sync = sync
        self._enrol = enrol
        self._outbox: OutboxDialog | None = None
        self._conflicts: ConflictsDialog | None = None
        self._pending = 0
        self._leaving = False
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
        self.scan_feedback = ScanFeedback()
        self.scan_feedback.float_over(central)  # over the header and tab bar: nothing under it moves
        self.scan_router = ScanRouter(ctx, self, self, self.scan_feedback)
        if scanners is not None:
            scanners.scanned.connect(self.scan_router.route)
        self.setCentralWidget(central)

        self.actions_ = make_actions(self)
        a = self.actions_
        system = self.menuBar().addMenu("&Hệ thống")
        system.addAction(a[ActionId.SYNC_QUEUE])
        system.addAction(a[ActionId.CONFLICTS])
        if enrol is not None:
            system.addAction(a[ActionId.ENROL])
        system.addAction(a[ActionId.SCANNER_SETTINGS])
        system.addAction(a[ActionId.SCAN_PROFILES])
        system.addAction(a[ActionId.LABEL_SETTINGS])
        system.addSeparator()
        system.addAction(a[ActionId.CHANGE_PASSWORD])
        system.addAction(a[ActionId.LOGOUT])
        system.addSeparator()
        system.addAction(a[ActionId.QUIT])
        work = self.menuBar().addMenu("&Hồ sơ")
        work.addAction(a[ActionId.NEW_RECEPTION])
        work.addAction(a[ActionId.FIND_DOSSIER])
        work.addAction(a[ActionId.SCAN_DOSSIER])
        work.addAction(a[ActionId.SCAN_BATCH])
        work.addAction(a[ActionId.POSTAL_BATCH])
        self.addAction(a[ActionId.POSTAL_BATCH])  # Ctrl+Shift+B from every tab: the batches over the reception
        a[ActionId.POSTAL_BATCH].triggered.connect(self.show_reception)
        a[ActionId.POSTAL_BATCH].triggered.connect(self.reception.open_postal_batches)
        # F9 is the reception screen's "receive"; scanning the selected dossier is F9 in the search tab only.
        a[ActionId.SCAN_DOSSIER].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        from ui.screens.custody_tabs import CustodyTabs  # each tab builds its screen when first shown

        self.custody_tabs = CustodyTabs(ctx, self.tabs, a, work, self)
        from ui.screens.supervision_tab import add_supervision_tab  # supervisors and admins only

        work.addAction(a[ActionId.SUPERVISION])
        self.supervision_tab = add_supervision_tab(ctx, self.tabs, a[ActionId.SUPERVISION], self)
        from ui.screens.register import wire_register_action  # the register dialog (supervisors, admins)

        wire_register_action(ctx, work, a[ActionId.REGISTER], self)
        work.addAction(a[ActionId.DAY_LIST])
        self.addAction(a[ActionId.DAY_LIST])  # Ctrl+Shift+D from every tab
        a[ActionId.DAY_LIST].triggered.connect(self._on_day_list_triggered)
        work.addAction(a[ActionId.FEE_LIST])
        self.addAction(a[ActionId.FEE_LIST])  # Ctrl+Shift+T from every tab
        a[ActionId.FEE_LIST].triggered.connect(self._on_fee_list_triggered)
        help_menu = self.menuBar().addMenu("&Trợ giúp")
        help_menu.addAction(a[ActionId.SHORTCUTS])
        help_menu.addAction(a[ActionId.ABOUT])
        a[ActionId.NEW_RECEPTION].triggered.connect(self.show_reception)
        a[ActionId.FIND_DOSSIER].triggered.connect(self.show_dossiers)
        a[ActionId.LOGOUT].triggered.connect(self._on_logout_triggered)
        a[ActionId.CHANGE_PASSWORD].triggered.connect(self._on_change_password_triggered)
        a[ActionId.SYNC_QUEUE].triggered.connect(self.show_outbox)
        a[ActionId.ENROL].triggered.connect(self._on_enrol_triggered)
        a[ActionId.SCANNER_SETTINGS].triggered.connect(self._on_scanner_settings_triggered)
        a[ActionId.SCAN_DOSSIER].triggered.connect(self._on_scan_dossier_triggered)
        a[ActionId.SCAN_BATCH].triggered.connect(self._on_scan_batch_triggered)
        a[ActionId.SCAN_PROFILES].triggered.connect(self._on_scan_profiles_triggered)
        self.addAction(a[ActionId.SCAN_BATCH])
        self.addAction(a[ActionId.SYNC_QUEUE])  # F8 works from every tab
        a[ActionId.CONFLICTS].triggered.connect(self.show_conflicts)
        self.addAction(a[ActionId.CONFLICTS])
        a[ActionId.QUIT].triggered.connect(self.close)
        a[ActionId.SHORTCUTS].triggered.connect(self._on_shortcuts_triggered)
        a[ActionId.ABOUT].triggered.connect(self._on_about_triggered)
        self.function_keys = FunctionKeys(self)  # F4 etc. win over an open drop-down list (issue 15)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.function_keys.install(app)

        self.who = QLabel(f"Đăng nhập: {actor.full_name} · {office.counter_name} · {office.unit_code}")
        self.who.setToolTip(self.who.text())
        self.who.setMinimumWidth(1)  # the header says the same; the sync state must not be cut off
        self.online = QLabel()
        self.pending = QLabel()
        self.clock = QLabel()
        set_role(self.clock, Role.ERROR)
        self.clock.hide()
        self.statusBar().addWidget(self.who, 1)
        self.statusBar().addPermanentWidget(self.clock)
        self.statusBar().addPermanentWidget(self.online)
        self.statusBar().addPermanentWidget(self.pending)
        ctx.bus.changed.connect(self._on_bus_changed)
        if sync is not None:
            sync.status_changed.connect(self._on_sync_status_changed)
            sync.dossiers_arrived.connect(self._on_sync_dossiers_arrived)
            self._show_online(None)
            self.pending.setText("Đang kết nối máy chủ…")
            if sync.view is not None:
                self._on_sync_status_changed(sync.view)
        else:
            self.online.hide()
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
            self._dossiers.addAction(self.actions_[ActionId.SCAN_DOSSIER])  # F9 while the search tab has focus
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

    @Slot()
    def _on_day_list_triggered(self) -> None:
        from ui.screens.day_list_print import open_day_list  # reportlab only when the list is asked for

        open_day_list(self._ctx, self)

    @Slot()
    def _on_fee_list_triggered(self) -> None:
        from ui.screens.fee_list_print import open_fee_list  # reportlab only when the list is asked for

        open_fee_list(self._ctx, self)

    # --- scans (ui.scanner.router.ScanHost) -------------------------------------------------------

    def current_screen(self) -> QWidget | None:
        """The screen in front; scans go to it first when it has ``handle_scan``."""
        return self.tabs.currentWidget()

    def reception_screen(self) -> QWidget:
        return self.reception

    def dossier_search_screen(self) -> QWidget | None:
        return self._dossiers

    @Slot()
    def _on_scanner_settings_triggered(self) -> None:
        """Hệ thống → Cài đặt máy quét."""
        from ui.screens.scanner_settings import ScannerSettingsDialog

        if self._scanners is None:
            return
        dialog = ScannerSettingsDialog(self._scanners, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # --- document scanning (issue 5) ---------------------------------------------------------------

    @Slot()
    def _on_scan_dossier_triggered(self) -> None:
        """Hồ sơ → Quét hồ sơ: the dossier selected in the search tab, else the one just received."""
        from ui.models.dossier_table import UID_ROLE
        from ui.scanning.session import open_scan_session

        uid = None
        if self._dossiers is not None and self.tabs.currentWidget() is self._dossiers:
            index = self._dossiers.table.currentIndex()
            uid = str(index.data(UID_ROLE)) if index.isValid() else None
        uid = uid or self.reception.last_received_uid
        if uid is None:
            QMessageBox.information(self, "Quét hồ sơ", "Chọn một hồ sơ ở màn hình Tra cứu hồ sơ (F6) rồi bấm F9.")
            return
        open_scan_session(self._ctx, uid, self)

    @Slot()
    def _on_scan_batch_triggered(self) -> None:
        from ui.scanning.batch import BatchScanDialog

        dialog = BatchScanDialog(self._ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @Slot()
    def _on_scan_profiles_triggered(self) -> None:
        from ui.scanning.profiles_dialog import ScanProfilesDialog

        dialog = ScanProfilesDialog(self._ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @Slot(object, object)
    def _on_bus_changed(self, changes: object, initiator: object) -> None:
        if self._sync is not None:
            self._sync.trigger(changes, initiator)  # push at once; the pass reports the new count
        else:
            self._ctx.runner.run(pending_events, self._show_pending, lambda _e: None, write=False)

    def _show_pending(self, count: int) -> None:
        if not shiboken6.isValid(self.pending):
            return  # the answer came back after this window was closed (log-out)
        self.pending.setText(f"Chưa đồng bộ: {count} sự kiện (máy trạm độc lập, chưa đăng ký máy chủ)")

    @Slot(object)
    def _on_sync_status_changed(self, view: SyncView) -> None:
        from ui.sync_runner import clock_warning, status_detail, status_line  # enrolled PCs only

        self._pending = view.status.pending
        self._show_online(view.online, view.auth_required)
        self.pending.setText(status_line(view))
        self.pending.setToolTip(status_detail(view))
        warning = clock_warning(view.status)
        self.clock.setText(f"⚠ {warning}" if warning else "")
        self.clock.setVisible(bool(warning))

    def _show_online(self, online: bool | None, auth_required: bool = False) -> None:
        text, color = {
            True: ("● Trực tuyến", ONLINE_COLOR),
            False: ("● Ngoại tuyến", OFFLINE_COLOR),
            None: ("● Đang kết nối", WAITING_COLOR),
        }[online]
        if auth_required:
            text, color = "● Cần đăng nhập lại", WAITING_COLOR
        self.online.setText(f'<b><span style="color:{color}">{text}</span></b>')

    @Slot(object)
    def _on_sync_dossiers_arrived(self, changes: Changes) -> None:
        self._ctx.bus.publish(changes, self._sync)  # the dossiers other counters' events touched: lists refresh

    @Slot()
    def show_outbox(self) -> None:
        """Hệ thống → Hàng đợi đồng bộ (F8): one non-modal window, raised when already open."""
        if self._outbox is None:
            from ui.screens.outbox import OutboxDialog

            self._outbox = OutboxDialog(self._ctx, self._sync, self)
        if self._outbox.isVisible():
            self._outbox.raise_()
        self._outbox.show()
        self._outbox.activateWindow()

    @Slot()
    def show_conflicts(self) -> None:
        """Xung đột cần xử lý (Shift+F8): a supervisor resolves, a counter officer reads."""
        if self._conflicts is None:
            from ui.screens.conflicts import ConflictsDialog

            self._conflicts = ConflictsDialog(self._ctx, self._sync, self)
        else:
            self._conflicts.refresh()
        if self._conflicts.isVisible():
            self._conflicts.raise_()
        self._conflicts.show()
        self._conflicts.activateWindow()

    @property
    def conflicts_dialog(self) -> ConflictsDialog | None:
        """The conflicts dialog once opened (tests drive it)."""
        return self._conflicts

    @Slot()
    def _on_enrol_triggered(self) -> None:
        if self._enrol is None:
            return
        from ui.screens.enrol import EnrolDialog

        dialog = EnrolDialog(self._ctx.runner, self._enrol, self._ctx.office.counter_name, self)
        dialog.enrolled.connect(self._on_enrol_dialog_enrolled)
        dialog.open()

    @Slot(object)
    def _on_enrol_dialog_enrolled(self, office: object) -> None:
        QMessageBox.information(
            self,
            "Đã đăng ký máy trạm",
            "Máy trạm đã được đăng ký với máy chủ. Hãy đăng nhập lại bằng tài khoản của đơn vị trên máy chủ.",
        )
        self._leaving = True
        self.enrolled.emit(office)

    def _confirm_leave(self, action: str) -> bool:
        """While events are unsent on an enrolled PC, leaving needs a second thought."""
        if self._sync is None or self._pending == 0:
            return True
        return self._ctx.prompts.confirm(
            self,
            "Còn sự kiện chưa đồng bộ",
            f"Còn {self._pending} sự kiện chưa gửi lên máy chủ. Chúng vẫn được lưu an toàn trên máy này và"
            f" sẽ được gửi ở lần mở chương trình sau khi có kết nối.\n\nVẫn {action}?",
        )

    @Slot()
    def _on_change_password_triggered(self) -> None:
        """Hệ thống → Đổi mật khẩu (Ctrl+Shift+M): at the server on an enrolled PC."""
        from ui.screens.password_dialog import PasswordDialog

        transport = self._sync.engine.transport if self._sync is not None else None
        dialog = PasswordDialog(self._ctx, transport, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @Slot()
    def _on_logout_triggered(self) -> None:
        if self._confirm_leave("đăng xuất"):
            self._leaving = True
            self.logout_requested.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._leaving and not self._confirm_leave("thoát chương trình"):
            event.ignore()
            return
        self._leaving = True
        if self._scanners is not None:
            self._scanners.scanned.disconnect(self.scan_router.route)
        if self._outbox is not None:
            self._outbox.close()
        if self._conflicts is not None:
            self._conflicts.close()
        super().closeEvent(event)

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
