"""What a scan does in the main window: the screen in front decides first, then the defaults.

Order, for every scan (keyboard or serial):

1. An open modal dialog that implements :class:`ScanHandler` (e.g. the scanner settings'
   test area) gets the scan. A dossier detail dialog is closed so the new scan can open its
   dossier; any other modal dialog makes the scan a red signal ("close the window first"), so a
   scan never acts behind a dialog the officer is answering. (Only a serial scanner's scans get
   that far: the keyboard wedge recognises none in a window that does not take scans,
   ui/scanner/targets.py, and its keys reach that window as typing.)
2. The current tab, when it implements :class:`ScanHandler` and returns True (the handover and
   return screens add the folder to the work in hand and give their own feedback).
3. Defaults: a dossier code opens that dossier's detail (looked up off the GUI thread); an ID-card
   QR fills the applicant on the reception screen, or searches the dossier list by the personal
   ID there; a handover record on a screen that does not take it, or anything unknown, is a red
   signal with a message saying what was scanned and what is expected.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget

from app.domain.batch_number import batch_number
from app.domain.scan import Scan, ScanKind
from ui.context import UiContext
from ui.scanner.feedback import ScanFeedback
from ui.scanner.targets import accept_scans

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.dossiers import DossierRow
    from ui.screens.dossier_detail import DossierDetailDialog

log = logging.getLogger(__name__)


@runtime_checkable
class ScanHandler(Protocol):
    """A screen or dialog that takes scans itself."""

    def handle_scan(self, scan: Scan, feedback: ScanFeedback) -> bool:
        """Act on ``scan`` and show the outcome on ``feedback``; False lets the defaults apply."""
        ...


class ScanHost(Protocol):
    """What the router needs from the main window."""

    def current_screen(self) -> QWidget | None: ...
    def reception_screen(self) -> QWidget: ...
    def dossier_search_screen(self) -> QWidget | None: ...


def find_dossier(session: Session, code: str) -> DossierRow | None:
    """Runs on a worker; the import stays there so the window is built without SQLAlchemy."""
    from app.services.dossiers import get_by_code

    return get_by_code(session, code)


class ScanRouter(QObject):
    """Turns scans into actions on the main window.

    Args:
        ctx: The logged-in session's services.
        host: The main window (see :class:`ScanHost`).
        window: The same main window as a widget (parent of the dialogs the router opens).
        feedback: The banner and sound.

    Signals:
        dossier_opened(str): the uid of a dossier whose detail a scan opened.
        routed(object, str): every scan after it was dealt with, and how: "handler", "dossier",
            "not_found", "id_card", "rejected", "ignored".
    """

    dossier_opened = Signal(str)
    routed = Signal(object, str)

    def __init__(self, ctx: UiContext, host: ScanHost, window: QWidget, feedback: ScanFeedback) -> None:
        super().__init__(window)
        self._ctx = ctx
        self._host = host
        self._window = window
        self.feedback = feedback
        self._detail: DossierDetailDialog | None = None
        self._seq = 0
        accept_scans(window)  # its screens take scans (the defaults below); its dialogs opt in themselves

    @Slot(object, str)
    def route(self, scan: Scan, source: str = "keyboard") -> None:
        """Deal with one scan (connect the scanners' ``scanned`` signal here)."""
        if not shiboken6.isValid(self._window) or not self._window.isVisible():
            self.routed.emit(scan, "ignored")  # logged out: the window is going away
            return
        modal = QApplication.activeModalWidget()
        if modal is not None and modal is not self._window:
            if isinstance(modal, ScanHandler) and modal.handle_scan(scan, self.feedback):
                self.routed.emit(scan, "handler")
                return
            if modal is self._detail or type(modal).__name__ == "DossierDetailDialog":
                modal.close()
            else:
                title = modal.windowTitle() or "đang mở"
                self._reject(scan, f"Cửa sổ “{title}” đang mở: đóng cửa sổ này rồi quét lại.")
                return
        screen = self._host.current_screen()
        if isinstance(screen, ScanHandler) and screen.handle_scan(scan, self.feedback):
            self.routed.emit(scan, "handler")
            return
        if scan.kind is ScanKind.DOSSIER:
            self._open_dossier(scan)
        elif scan.kind is ScanKind.ID_CARD:
            self._id_card(scan, screen)
        elif scan.kind is ScanKind.BATCH:
            self._reject(
                scan,
                f"Đây là biên bản bàn giao {batch_number(scan.value)}. Mở màn hình bàn giao hoặc nhận hồ sơ"
                " rồi quét lại để xác nhận theo biên bản.",
            )
        else:
            self._reject(scan, scan.message)

    def _reject(self, scan: Scan, message: str) -> None:
        self.feedback.show_error(message)
        self.routed.emit(scan, "rejected")

    # --- dossier code ------------------------------------------------------------------------

    def _open_dossier(self, scan: Scan) -> None:
        self._seq += 1
        seq, code = self._seq, scan.value

        def done(row: DossierRow | None) -> None:
            if shiboken6.isValid(self._window) and seq == self._seq:
                self._on_dossier_found(scan, row)

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self._window) and seq == self._seq:
                self._reject(scan, f"Không tra được hồ sơ {code}: {exc}")

        self._ctx.runner.run(lambda session: find_dossier(session, code), done, failed, write=False)

    def _on_dossier_found(self, scan: Scan, row: DossierRow | None) -> None:
        if row is None:
            self._reject(
                scan,
                f"Không có hồ sơ mã {scan.value} trên máy này. Kiểm tra lại nhãn; nếu hồ sơ do quầy khác"
                " tiếp nhận, chờ đồng bộ xong rồi quét lại.",
            )
            return
        from ui.models.dossier_table import status_label
        from ui.screens.dossier_detail import DossierDetailDialog

        note = " (đã tự sửa do bộ gõ tiếng Việt đang bật)" if scan.repaired else ""
        self.feedback.show_ok(f"Hồ sơ {row.code} – {row.applicant_name} – {status_label(row.status)}{note}")
        if self._detail is not None and shiboken6.isValid(self._detail):
            self._detail.close()
        dialog = DossierDetailDialog(self._ctx, row.uid, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self._detail = dialog
        self.dossier_opened.emit(row.uid)
        self.routed.emit(scan, "dossier")

    # --- ID card ----------------------------------------------------------------------------

    def _id_card(self, scan: Scan, screen: QWidget | None) -> None:
        card = scan.id_card
        assert card is not None
        reception = self._host.reception_screen()
        search = self._host.dossier_search_screen()
        if screen is reception:
            applicant = getattr(reception, "applicant", None)
            if applicant is not None:
                applicant.fill_from_qr(scan.raw)
                text = f"Đã điền người nộp: {card.full_name} – {card.personal_id}."
                if card.warnings:  # filled, but the card must be checked: amber, not the green ✓
                    self.feedback.show_warning(f"{text} Lưu ý: {'; '.join(card.warnings)}")
                else:
                    self.feedback.show_ok(text)
                self.routed.emit(scan, "id_card")
                return
        if screen is not None and screen is search:
            edit = getattr(search, "search_edit", None)
            if edit is not None:
                edit.setText(card.personal_id)
                self.feedback.show_ok(f"Tìm hồ sơ của {card.full_name} – số định danh {card.personal_id}")
                self.routed.emit(scan, "id_card")
                return
        self._reject(
            scan,
            "Mã QR thẻ căn cước dùng để điền người nộp ở màn hình Tiếp nhận hồ sơ (F5) hoặc tìm hồ sơ ở"
            " màn hình Tra cứu (F6). Chuyển sang màn hình đó rồi quét lại.",
        )
