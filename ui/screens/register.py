"""Sổ theo dõi hồ sơ on screen: a year or a date range, the table, Xem trước / In / Xuất Excel; Biểu II.06a
in a second tab (ui/screens/period_view.py)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence, QPageLayout, QPageSize, QShortcut
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.domain.file_names import suggested_file_name
from app.errors import UserFacingError
from app.printing import register as register_pdf
from app.printing import xlsx
from app.printing.raster import PageImage, rasterise
from app.services.register import MAX_YEAR, MIN_YEAR, Register, build_register, year_period
from ui.context import UiContext
from ui.models.register_table import RegisterTableModel
from ui.screens.print_preview import PREVIEW_DPI, PdfPreviewDialog, print_pdf
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from ui.screens.scope_switch import ScopeStore

PREVIEW_PAGES = 30
"""A year's book can run to hundreds of pages: the preview shows the first ones, In prints all."""

AskPath = Callable[[QWidget, str], str | None]


def ask_xlsx_path(parent: QWidget, suggested: str) -> str | None:
    """The save dialog for an Excel file ("….xlsx" added when missing)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Xuất sổ ra tệp Excel", suggested, "Tệp Excel (*.xlsx)")
    if path and not path.lower().endswith(".xlsx"):
        path += ".xlsx"
    return path or None


def message_of(exc: BaseException) -> str:
    """What to tell the officer: the Vietnamese message of an expected error, never a bug's text."""
    if isinstance(exc, UserFacingError):
        return exc.message
    return "Lỗi ngoài dự kiến khi đọc hoặc dựng sổ (đã ghi vào nhật ký). Hãy thử lại hoặc báo bộ phận CNTT."


@dataclass(frozen=True, slots=True)
class RenderedRegister:
    """The register's PDF and the preview images of its first pages."""

    pdf: bytes
    pages: tuple[PageImage, ...]
    total_pages: int


def render_register(data: Register, preview_pages: int = PREVIEW_PAGES) -> RenderedRegister:
    """Worker-side: the PDF, and images of its first ``preview_pages`` pages."""
    out = io.BytesIO()
    register_pdf.render(data, out)
    pdf = out.getvalue()
    document = pdfium.PdfDocument(pdf)
    try:
        total = len(document)
        if total <= preview_pages:
            return RenderedRegister(pdf, tuple(rasterise(pdf, PREVIEW_DPI)), total)
        first = pdfium.PdfDocument.new()
        try:
            first.import_pages(document, list(range(preview_pages)))
            head = io.BytesIO()
            first.save(head)
        finally:
            first.close()
    finally:
        document.close()
    return RenderedRegister(pdf, tuple(rasterise(head.getvalue(), PREVIEW_DPI)), total)


def print_landscape(ctx: UiContext, parent: QWidget, pdf: bytes, name: str) -> bool | None:
    """Print ``pdf`` on A4 landscape after the printer dialog: True printed, False cancelled, None failed (said)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape, printer.pageLayout().margins()
        )
    )
    printer.setDocName(name)
    if not ctx.prompts.choose_printer(parent, printer):
        return False
    try:
        print_pdf(pdf, printer)
    except RuntimeError:
        ctx.prompts.error(
            parent, "Không in được", "Máy in không sẵn sàng. Hãy kiểm tra máy in, giấy A4 rồi bấm In lại."
        )
        return None
    return True


class RegisterPreviewDialog(PdfPreviewDialog):
    """The register as it will print; printing the register is not a step of any dossier: nothing logged."""

    def _log(self, output: str) -> None:
        return None


class RegisterDialog(QDialog):
    """The office's register for a year or a date range (supervisor's menu).

    Enter (or "Xem") lists the period; "Xem trước" opens the print preview, "In" prints on A4
    landscape, "Xuất Excel" writes a .xlsx. Every database read and rendering runs on the op runner.
    """

    def __init__(
        self, ctx: UiContext, parent: QWidget | None = None, *, ask_path: AskPath = ask_xlsx_path,
        scopes: ScopeStore | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self._ctx, self._ask_path = ctx, ask_path
        self._register: Register | None = None
        self.setWindowTitle("Sổ theo dõi hồ sơ và Biểu II.06a")
        self.resize(1300, 700)
        today = ctx.clock().date()
        self.mode = QComboBox()
        self.mode.addItems(["Cả năm", "Khoảng ngày"])
        self.year = QSpinBox()
        self.year.setRange(MIN_YEAR, MAX_YEAR)
        self.year.setValue(today.year)
        self.start, self.end = QDateEdit(), QDateEdit()
        for edit, day in ((self.start, date(today.year, 1, 1)), (self.end, today)):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setDate(QDate(day.year, day.month, day.day))
        self.show_button = QPushButton("Xem (Enter)")
        set_role(self.show_button, Role.PRIMARY)
        self.show_button.setDefault(True)
        bar = QHBoxLayout()
        for widget in (QLabel("Sổ:"), self.mode, QLabel("Năm:"), self.year, QLabel("Từ ngày:"), self.start,
                       QLabel("đến ngày:"), self.end, self.show_button):  # fmt: skip
            bar.addWidget(widget)
        bar.addStretch(1)
        self.model = RegisterTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for col, width in enumerate((40, 190, 170, 44, 130, 160, 130, 82, 82, 82, 82, 82, 160)):
            self.table.setColumnWidth(col, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.status = QLabel("Chọn năm hoặc khoảng ngày rồi bấm Xem.")
        self.error = QLabel()
        set_role(self.error, Role.ERROR)
        self.error.setWordWrap(True)
        self.error.hide()
        self.preview_button = QPushButton("Xem trước (Ctrl+Shift+P)")
        self.print_button = QPushButton("In (Ctrl+P)")
        self.excel_button = QPushButton("Xuất Excel (Ctrl+E)")
        close = QPushButton("Đóng (Esc)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        close.setAutoDefault(False)
        for b in (self.preview_button, self.print_button, self.excel_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        book = QWidget()
        layout = QVBoxLayout(book)
        layout.addLayout(bar)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        from ui.screens.period_view import PeriodReportPanel  # it imports this module's helpers

        self.period_panel = PeriodReportPanel(ctx, scopes=scopes)
        self.tabs = QTabWidget()
        self.tabs.addTab(book, "Sổ theo dõi hồ sơ")
        self.tabs.addTab(self.period_panel, "Biểu II.06a (Ctrl+Tab)")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        root = QVBoxLayout(self)
        root.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        root.addLayout(bottom)
        self.mode.currentIndexChanged.connect(self._on_mode_changed)
        self.show_button.clicked.connect(self.load)
        self.preview_button.clicked.connect(self._on_preview_clicked)
        self.print_button.clicked.connect(self._on_print_clicked)
        self.excel_button.clicked.connect(self._on_excel_clicked)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Shift+P"), self, self._on_preview_clicked)
        QShortcut(QKeySequence.StandardKey.Print, self, self._on_print_clicked)
        QShortcut(QKeySequence("Ctrl+E"), self, self._on_excel_clicked)
        self._on_mode_changed(0)
        self._set_ready(False)

    # --- period ---------------------------------------------------------------------------------

    def period(self) -> tuple[date, date]:
        """The period the controls say (the services check it)."""
        if self.mode.currentIndex() == 0:
            return year_period(self.year.value())
        return self.start.date().toPython(), self.end.date().toPython()  # type: ignore[return-value]

    @Slot(int)
    def _on_mode_changed(self, index: int) -> None:
        whole_year = index == 0
        self.year.setEnabled(whole_year)
        self.start.setEnabled(not whole_year)
        self.end.setEnabled(not whole_year)

    def _set_ready(self, ready: bool) -> None:
        for b in (self.preview_button, self.print_button, self.excel_button):
            b.setEnabled(ready)

    @Slot()
    def load(self) -> None:
        """List the register of the chosen period (off the GUI thread)."""
        start, end = self.period()
        now = self._ctx.clock()
        self.status.setText("Đang tải sổ…")
        self.error.hide()
        self.show_button.setEnabled(False)
        self._ctx.runner.run(
            lambda s: build_register(s, start, end, now), self._on_loaded, self._on_load_failed, write=False
        )

    def _on_loaded(self, data: Register) -> None:
        self.show_button.setEnabled(True)
        self._register = data
        self.model.set_rows(data.rows)
        self.table.resizeRowsToContents()
        if data.rows:
            self.status.setText(f"{data.period_text}: {len(data.rows)} hồ sơ.")
        else:
            self.status.setText(f"{data.period_text}: không có hồ sơ nào vào sổ. Hãy chọn năm hoặc khoảng ngày khác.")
        self._set_ready(bool(data.rows))

    def _on_load_failed(self, exc: BaseException) -> None:
        self.show_button.setEnabled(True)
        self._register = None
        self.model.set_rows([])
        self._set_ready(False)
        self.status.setText("")
        self.error.setText(message_of(exc))
        self.error.show()

    # --- outputs --------------------------------------------------------------------------------

    def _render(self, then: Callable[[RenderedRegister], None]) -> None:
        data = self._register
        if data is None:
            return
        self.status.setText("Đang dựng bản in…")

        def work(_session: Session) -> RenderedRegister:
            return render_register(data)

        self._ctx.runner.run(work, then, self._on_output_failed, write=False)

    def _on_output_failed(self, exc: BaseException) -> None:
        self.status.setText("")
        self._ctx.prompts.error(self, "Không xuất được sổ", message_of(exc))

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        panel = self.period_panel
        self.show_button.setDefault(index == 0)
        panel.show_button.setDefault(index == 1)
        if index == 1 and panel.document is None and not panel.error.isVisible():
            panel.load()  # first visit: the chosen period at once

    @Slot()
    def _on_preview_clicked(self) -> None:
        if self.tabs.currentIndex() == 1:
            self.period_panel.preview()
        elif self.preview_button.isEnabled():
            self._render(self._show_preview)

    def _show_preview(self, done: RenderedRegister) -> None:
        data = self._register
        assert data is not None
        note = (
            f" (xem trước {len(done.pages)} trang đầu / {done.total_pages} trang)"
            if len(done.pages) < done.total_pages
            else ""
        )
        self.status.setText(f"{data.period_text}: {len(data.rows)} hồ sơ, {done.total_pages} trang.")
        dialog = RegisterPreviewDialog(
            self._ctx, done.pdf, done.pages, heading="Sổ theo dõi hồ sơ", code=data.period_text,
            file_stem="so-theo-doi-ho-so", note=note, reprint=False, parent=self,
        )  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @Slot()
    def _on_print_clicked(self) -> None:
        if self.tabs.currentIndex() == 1:
            self.period_panel.print_()
        elif self.print_button.isEnabled():
            self._render(self._print)

    def _print(self, done: RenderedRegister) -> None:
        printed = print_landscape(self._ctx, self, done.pdf, "Sổ theo dõi hồ sơ")
        if printed is not None:
            self.status.setText(f"Đã gửi lệnh in {done.total_pages} trang." if printed else "Đã huỷ in.")

    @Slot()
    def _on_excel_clicked(self) -> None:
        if self.tabs.currentIndex() == 1:
            self.period_panel.export()
            return
        data = self._register
        if data is None or not self.excel_button.isEnabled():
            return
        name = suggested_file_name("Sổ theo dõi hồ sơ", data.period_text, "xlsx")
        path = self._ask_path(self, str(Path.home() / name))
        if not path:
            return
        target = Path(path)
        self.status.setText("Đang xuất Excel…")

        def work(_session: Session) -> Path:
            xlsx.save_register(data, target)
            return target

        self._ctx.runner.run(work, lambda p: self.status.setText(f"Đã xuất {p}"), self._on_output_failed, write=False)


def open_register(ctx: UiContext, parent: QWidget) -> RegisterDialog:
    """Open the register dialog on this year's book and list it."""
    dialog = RegisterDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    dialog.load()
    return dialog


def wire_register_action(ctx: UiContext, menu: QMenu, action: QAction, window: QWidget) -> None:
    """Put "Sổ theo dõi hồ sơ…" (Shift+F3) in ``menu`` for a supervisor or admin; hide it for an officer."""
    from ui.screens.supervision_tab import is_supervisor

    if not is_supervisor(ctx.actor.role):
        action.setVisible(False)
        action.setEnabled(False)
        return
    menu.addAction(action)
    window.addAction(action)
    action.triggered.connect(lambda _checked=False: open_register(ctx, window))
