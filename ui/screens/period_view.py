"""Biểu II.06a on screen (a tab of the register dialog): this office's from the local store, or the
province's from the central server; Xem trước / In / Xuất Excel through the same printers."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.errors import UserFacingError
from app.printing import period_report as period_pdf
from app.printing import xlsx
from app.printing.raster import rasterise
from app.services.province import PROVINCE_NAME, ProvincePeriod, Scope, fetch_period, office_as_of, server_time_text
from app.services.report_documents import PeriodDocument, build_period_document
from app.services.reports import check_period
from ui.context import UiContext
from ui.models.rows import RowsTableModel
from ui.ops import Latest
from ui.screens.indicator_data import PeriodChoice, preset_period
from ui.screens.print_preview import PREVIEW_DPI
from ui.screens.register import AskPath, RegisterPreviewDialog, RenderedRegister, message_of, print_landscape
from ui.screens.scope_switch import ScopeStore, ScopeSwitch
from ui.theme import Role, set_role

_Index = QModelIndex | QPersistentModelIndex
HEADERS = (
    "TT", "Lĩnh vực", "Tiếp nhận\nTổng số", "Tiếp nhận\nTrực tuyến", "Tiếp nhận\nTrực tiếp,\nbưu chính",
    "Tiếp nhận\nTừ kỳ trước", "Đã giải quyết\nTổng số", "Đã giải quyết\nTrước hạn", "Đã giải quyết\nĐúng hạn",
    "Đã giải quyết\nQuá hạn", "Đang giải quyết\nTổng số", "Đang giải quyết\nTrong hạn", "Đang giải quyết\nQuá hạn",
)  # fmt: skip
"""The printed form's columns (app.printing.period_report.COLUMNS) under their group, on three lines at most."""


def ask_period_xlsx_path(parent: QWidget, suggested: str) -> str | None:
    """The save dialog for the report's Excel file ("….xlsx" added when missing)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Xuất Biểu II.06a ra tệp Excel", suggested, "Tệp Excel (*.xlsx)")
    if path and not path.lower().endswith(".xlsx"):
        path += ".xlsx"
    return path or None


class PeriodTableModel(RowsTableModel):
    """The report's rows as printed (app.printing.period_report.table_rows): levels, fields, total."""

    HEADERS = HEADERS

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        number, name, figures, kind = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return number if col == 0 else name if col == 1 else str(figures[col - 2])
        if role == Qt.ItemDataRole.TextAlignmentRole and col != 1:
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.FontRole and kind in ("level", "total"):
            font = QFont()
            font.setBold(True)
            return font
        return None


def render_period(data: PeriodDocument) -> RenderedRegister:
    """Worker-side: the report's PDF and its page images."""
    out = io.BytesIO()
    period_pdf.render(data, out)
    pdf = out.getvalue()
    pages = tuple(rasterise(pdf, PREVIEW_DPI))
    return RenderedRegister(pdf, pages, len(pages))


class PeriodReportPanel(QWidget):
    """Period chooser and the Đơn vị này / Toàn tỉnh switch (Ctrl+T) on top; the report below; outputs.

    The province's report comes from ``GET /reports/period`` through ``ctx.blob_transport`` (the enrolled
    PC's signed-in transport) and prints under the province's header; it has no late-dossier list.
    """

    def __init__(
        self, ctx: UiContext, parent: QWidget | None = None, *, ask_path: AskPath = ask_period_xlsx_path,
        scopes: ScopeStore | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self._ctx, self._ask_path = ctx, ask_path
        self._reads = Latest(self)
        self.document: PeriodDocument | None = None
        self.period_combo = QComboBox()
        self.period_combo.setAccessibleName("Kỳ báo cáo")
        for choice in PeriodChoice:
            self.period_combo.addItem(choice.value, choice.value)
        self.period_combo.setCurrentIndex(1)  # this month
        self.start, self.end = QDateEdit(), QDateEdit()
        for edit, name in ((self.start, "Từ ngày"), (self.end, "Đến ngày")):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
        self.switch = ScopeSwitch("period_scope", self, scopes)
        self.show_button = QPushButton("Xem (Enter)")
        set_role(self.show_button, Role.PRIMARY)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(100)
        self.busy.hide()
        bar = QHBoxLayout()
        for widget in (QLabel("Kỳ:"), self.period_combo, QLabel("Từ ngày:"), self.start, QLabel("đến ngày:"),
                       self.end, self.show_button, self.busy):  # fmt: skip
            bar.addWidget(widget)
        bar.addStretch(1)
        self.title = QLabel()
        set_role(self.title, Role.SECTION)
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.switch)
        self.error = QLabel()
        set_role(self.error, Role.ERROR)
        self.error.setWordWrap(True)
        self.error.hide()
        self.model = PeriodTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Biểu II.06a")
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)  # the eleven figures share the width
        for col, width in ((0, 40), (1, 220)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        header.setFixedHeight(3 * self.fontMetrics().height() + 8)
        self.status = QLabel("Chọn kỳ rồi bấm Xem.")
        self.status.setWordWrap(True)
        self.preview_button = QPushButton("Xem trước (Ctrl+Shift+P)")
        self.print_button = QPushButton("In (Ctrl+P)")
        self.excel_button = QPushButton("Xuất Excel (Ctrl+E)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for b in (self.preview_button, self.print_button, self.excel_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(heading)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.period_combo.currentIndexChanged.connect(self._on_period_combo_changed)
        self.show_button.clicked.connect(self.load)
        self.switch.scope_changed.connect(self._on_switch_scope_changed)
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_)
        self.excel_button.clicked.connect(self.export)
        self._apply_preset()
        self._set_ready(False)

    # --- period ---------------------------------------------------------------------------------

    def period(self) -> tuple[date, date]:
        return self.start.date().toPython(), self.end.date().toPython()  # type: ignore[return-value]

    def _apply_preset(self) -> None:
        choice = PeriodChoice(self.period_combo.currentData())
        custom = choice is PeriodChoice.CUSTOM
        self.start.setEnabled(custom)
        self.end.setEnabled(custom)
        if not custom:
            for edit, day in zip((self.start, self.end), preset_period(choice, self._ctx.clock().date()), strict=True):
                edit.setDate(QDate(day.year, day.month, day.day))

    @Slot(int)
    def _on_period_combo_changed(self, _index: int) -> None:
        self._apply_preset()

    @property
    def province(self) -> bool:
        return self.switch.scope is Scope.PROVINCE

    def _set_ready(self, ready: bool) -> None:
        for b in (self.preview_button, self.print_button, self.excel_button):
            b.setEnabled(ready)

    # --- loading --------------------------------------------------------------------------------

    @Slot()
    def load(self) -> None:
        """Count the chosen period here, or fetch the province's from the server (off the GUI thread)."""
        start, end = self.period()
        self.document = None
        self.model.set_rows([])
        self._set_ready(False)
        try:
            check_period(start, end)
        except UserFacingError as exc:
            self._reads.guard(lambda _r: None, lambda _e: None)
            self._on_failed(exc)
            return
        self.error.hide()
        self.busy.show()
        self.show_button.setEnabled(False)
        now = self._ctx.clock()
        if self.province:
            transport = self._ctx.blob_transport
            self.status.setText("Đang lấy Biểu II.06a toàn tỉnh từ máy chủ…")
            ok, bad = self._reads.guard(self._on_fetched, self._on_failed)
            self._ctx.runner.run(lambda _s: fetch_period(transport, start, end, now), ok, bad, write=False)
            return
        self.status.setText("Đang tính…")
        ok, bad = self._reads.guard(self._on_counted, self._on_failed)
        self._ctx.runner.run(lambda s: (build_period_document(s, start, end, now), office_as_of(s)), ok, bad,
                             write=False)  # fmt: skip

    def _on_counted(self, answer: tuple[PeriodDocument, str]) -> None:
        doc, as_of = answer
        self.switch.set_as_of(as_of)
        self._show(doc, f"Tính trên máy lúc {self._ctx.clock():%H:%M %d/%m/%Y}")

    def _on_fetched(self, answer: ProvincePeriod) -> None:
        self._show(answer.document, f"Máy chủ tính lúc {server_time_text(answer.computed_at)}")

    def _show(self, doc: PeriodDocument, source: str) -> None:
        self.busy.hide()
        self.show_button.setEnabled(True)
        self.document = doc
        self.model.set_rows(period_pdf.table_rows(doc))
        self.table.resizeRowsToContents()
        report = doc.report
        self.title.setText(f"Biểu II.06a – {report.unit_name} – {doc.period_text.lower()}")
        note = " Bản in toàn tỉnh không có danh sách hồ sơ quá hạn (máy chủ không gửi)." if self.province else ""
        if report.empty:
            self.status.setText(f"{source}. Không có hồ sơ nào trong kỳ. Hãy chọn kỳ khác.")
        else:
            self.status.setText(f"{source}. {report.total.received_total} hồ sơ.{note}")
        self._set_ready(not report.empty)

    def _on_failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.show_button.setEnabled(True)
        self.document = None
        self.model.set_rows([])
        self._set_ready(False)
        self.title.setText(f"Biểu II.06a – {PROVINCE_NAME} (máy chủ): chưa có số liệu" if self.province else "")
        self.status.setText("")
        self.error.setText(message_of(exc))
        self.error.show()

    @Slot(str)
    def _on_switch_scope_changed(self, _scope: str) -> None:
        self.load()

    # --- outputs --------------------------------------------------------------------------------

    def _render(self, then: Callable[[RenderedRegister], None]) -> None:
        data = self.document
        if data is None or not self.preview_button.isEnabled():
            return
        self.status.setText("Đang dựng bản in…")

        def work(_session: Session) -> RenderedRegister:
            return render_period(data)

        self._ctx.runner.run(work, then, self._on_output_failed, write=False)

    def _on_output_failed(self, exc: BaseException) -> None:
        self.status.setText("")
        self._ctx.prompts.error(self, "Không xuất được Biểu II.06a", message_of(exc))

    @Slot()
    def preview(self) -> None:
        self._render(self._show_preview)

    def _show_preview(self, done: RenderedRegister) -> None:
        data = self.document
        assert data is not None
        self.status.setText(f"Biểu II.06a – {data.report.unit_name}: {done.total_pages} trang.")
        dialog = RegisterPreviewDialog(
            self._ctx, done.pdf, done.pages, heading="Biểu II.06a", code=data.period_text, file_stem="bieu-ii06a",
            reprint=False, parent=self,
        )  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    @Slot()
    def print_(self) -> None:
        self._render(self._print)

    def _print(self, done: RenderedRegister) -> None:
        printed = print_landscape(self._ctx, self, done.pdf, "Biểu II.06a")
        if printed is not None:
            self.status.setText(f"Đã gửi lệnh in {done.total_pages} trang." if printed else "Đã huỷ in.")

    @Slot()
    def export(self) -> None:
        data = self.document
        if data is None or not self.excel_button.isEnabled():
            return
        where = "toan-tinh" if self.province else "don-vi"
        stem = f"bieu-ii06a-{where}-{data.report.start:%Y%m%d}-{data.report.end:%Y%m%d}"
        path = self._ask_path(self, str(Path.home() / f"{stem}.xlsx"))
        if not path:
            return
        target = Path(path)
        self.status.setText("Đang xuất Excel…")

        def work(_session: Session) -> Path:
            xlsx.save(xlsx.period_workbook(data), target)
            return target

        self._ctx.runner.run(work, lambda p: self.status.setText(f"Đã xuất {p}"), self._on_output_failed, write=False)
