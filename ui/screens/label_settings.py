"""Cài đặt nhãn: label stock, calibration offsets, printing the label with the reception slip; test print.

These are per PC (the label printer is hardware beside this counter), so they live in QSettings
like the scanner settings, not in the office's data.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import ValidationError
from app.printing.data import LABEL_STOCKS, LabelData, LabelPrintJob
from ui.context import UiContext
from ui.theme import Role, set_invalid, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ui.screens.custody_print import RenderedDocument

log = logging.getLogger(__name__)
GROUP = "labels"
MAX_OFFSET = 15.0


@dataclass(frozen=True, slots=True)
class LabelSettings:
    """How this PC prints folder labels.

    Attributes:
        stock_key: Key of a stock in :data:`app.printing.data.LABEL_STOCKS`.
        offset_x_mm: Calibration, to the right (negative: left).
        offset_y_mm: Calibration, downwards (negative: up).
        start_position: First free label on a partly used sheet (1 = top left).
        print_with_slip: Open the label's preview together with the slip at reception.
    """

    stock_key: str = "a4_3x8"
    offset_x_mm: float = 0.0
    offset_y_mm: float = 0.0
    start_position: int = 1
    print_with_slip: bool = False

    def job(self, labels: tuple[LabelData, ...] = ()) -> LabelPrintJob:
        """A print job with these settings (an unknown stock falls back to the A4 3×8 sheet)."""
        stock = LABEL_STOCKS.get(self.stock_key, LABEL_STOCKS["a4_3x8"])
        start = self.start_position if 1 <= self.start_position <= stock.per_page else 1
        return LabelPrintJob(labels, stock, self.offset_x_mm, self.offset_y_mm, start)


class LabelSettingsStore:
    """Reads and writes :class:`LabelSettings` in QSettings (tests pass an INI file of their own)."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._qs = qsettings if qsettings is not None else QSettings()

    def load(self) -> LabelSettings:
        """The stored settings; an unreadable value falls back to its default (logged)."""
        d = LabelSettings()
        qs = self._qs
        qs.beginGroup(GROUP)
        try:
            stock = str(qs.value("stock_key", d.stock_key))
            try:
                dx = float(str(qs.value("offset_x_mm", d.offset_x_mm)))
                dy = float(str(qs.value("offset_y_mm", d.offset_y_mm)))
                start = int(str(qs.value("start_position", d.start_position)))
            except ValueError:
                log.warning("label settings unreadable; using the defaults")
                dx, dy, start = d.offset_x_mm, d.offset_y_mm, d.start_position
            with_slip = str(qs.value("print_with_slip", d.print_with_slip)).lower() in ("true", "1")
        finally:
            qs.endGroup()
        if stock not in LABEL_STOCKS:
            stock = d.stock_key
        if not (abs(dx) <= MAX_OFFSET and abs(dy) <= MAX_OFFSET):
            dx, dy = d.offset_x_mm, d.offset_y_mm
        return LabelSettings(stock, dx, dy, max(1, start), with_slip)

    def save(self, settings: LabelSettings) -> None:
        self._qs.beginGroup(GROUP)
        try:
            self._qs.setValue("stock_key", settings.stock_key)
            self._qs.setValue("offset_x_mm", settings.offset_x_mm)
            self._qs.setValue("offset_y_mm", settings.offset_y_mm)
            self._qs.setValue("start_position", settings.start_position)
            self._qs.setValue("print_with_slip", settings.print_with_slip)
        finally:
            self._qs.endGroup()
        self._qs.sync()


SAMPLE = LabelData("000.00.00.H49-261123-0001", "Nguyễn Văn Thử", "In thử nhãn – kiểm tra căn chỉnh",
                   datetime(2026, 11, 26, 17, 0), "Nhãn in thử")  # fmt: skip


def render_test_print(job: LabelPrintJob) -> RenderedDocument:
    """One sample label (with its outline drawn, to see the offsets on plain paper)."""
    from app.printing import labels
    from app.printing.raster import rasterise
    from ui.screens.custody_print import DocKind, RenderedDocument
    from ui.screens.print_preview import PREVIEW_DPI

    out = io.BytesIO()
    labels.render(replace(job, labels=(SAMPLE,)), out, outline=True)
    pdf = out.getvalue()
    return RenderedDocument(DocKind.LABEL, "in-thu", (), pdf, tuple(rasterise(pdf, PREVIEW_DPI)))


class LabelSettingsDialog(QDialog):
    """Hệ thống → Cài đặt nhãn.

    Args:
        ctx: The logged-in session's services.
        store: Where the settings live (the application's QSettings when None).
        parent: The main window.
    """

    def __init__(self, ctx: UiContext, store: LabelSettingsStore | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctx = ctx
        self.store = store or LabelSettingsStore()
        current = self.store.load()
        self.setWindowTitle("Cài đặt nhãn mã vạch")
        self.stock = QComboBox()
        for stock in LABEL_STOCKS.values():
            self.stock.addItem(stock.name, stock.key)
        self.stock.setCurrentIndex(max(0, self.stock.findData(current.stock_key)))
        self.dx, self.dy = QDoubleSpinBox(), QDoubleSpinBox()
        for spin, value in ((self.dx, current.offset_x_mm), (self.dy, current.offset_y_mm)):
            spin.setRange(-MAX_OFFSET, MAX_OFFSET)
            spin.setSingleStep(0.5)
            spin.setDecimals(1)
            spin.setSuffix(" mm")
            spin.setValue(value)
        self.start = QSpinBox()
        self.start.setRange(1, 99)
        self.start.setValue(current.start_position)
        self.with_slip = QCheckBox("In nhãn kèm phiếu hẹn khi tiếp nhận hồ sơ (trên máy này)")
        self.with_slip.setChecked(current.print_with_slip)
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label, widget in (
            ("stock", "Khổ nhãn:", self.stock),
            ("offset_x_mm", "Lệch ngang (+ sang phải):", self.dx),
            ("offset_y_mm", "Lệch dọc (+ xuống dưới):", self.dy),
            ("start_position", "Bắt đầu từ nhãn số:", self.start),
        ):
            error = QLabel()
            set_role(error, Role.ERROR)
            error.setWordWrap(True)
            error.hide()
            self.errors[key] = error
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(widget)
            box.addWidget(error)
            form.addRow(label, box)
        hint = QLabel(
            "In thử một nhãn có viền lên giấy thường, đặt lên tờ nhãn để so: nếu chữ lệch sang phải 2 mm,"
            " nhập −2 ở ô Lệch ngang."
        )
        hint.setWordWrap(True)
        set_role(hint, Role.HINT)
        self.test_button = QPushButton("In thử")
        self.save_button = QPushButton("Lưu")
        set_role(self.save_button, Role.PRIMARY)
        cancel = QPushButton("Hủy")
        self.test_button.clicked.connect(self._on_test_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        root = QVBoxLayout(self)
        root.addLayout(form)
        root.addWidget(self.with_slip)
        root.addWidget(hint)
        root.addLayout(buttons)
        self.resize(560, 320)

    def settings(self) -> LabelSettings:
        """What the form says now."""
        return LabelSettings(
            str(self.stock.currentData()),
            self.dx.value(),
            self.dy.value(),
            self.start.value(),
            self.with_slip.isChecked(),
        )

    def _validate(self) -> LabelPrintJob | None:
        from app.printing.labels import check_job

        s = self.settings()
        job = LabelPrintJob((SAMPLE,), LABEL_STOCKS[s.stock_key], s.offset_x_mm, s.offset_y_mm, s.start_position)
        for label in self.errors.values():
            label.hide()
        for widget in (self.stock, self.dx, self.dy, self.start):
            set_invalid(widget, False)
        try:
            check_job(job)
        except ValidationError as exc:
            widgets = {
                "stock": self.stock,
                "offset_x_mm": self.dx,
                "offset_y_mm": self.dy,
                "start_position": self.start,
            }
            for key, message in exc.fields.items():
                if key in self.errors:
                    self.errors[key].setText(message)
                    self.errors[key].show()
                    set_invalid(widgets[key], True)
            return None
        return job

    @Slot()
    def _on_test_clicked(self) -> None:
        job = self._validate()
        if job is None:
            return
        from ui.screens.custody_print import DocumentPreviewDialog

        def work(_session: Session) -> RenderedDocument:
            return render_test_print(job)

        def show(doc: RenderedDocument) -> None:
            dialog = DocumentPreviewDialog(self._ctx, doc, parent=self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.open()

        self._ctx.runner.run(
            work, show, lambda e: self._ctx.prompts.error(self, "Không in thử được", str(e)), write=False
        )

    @Slot()
    def _on_save_clicked(self) -> None:
        if self._validate() is None:
            return
        self.store.save(self.settings())
        self.accept()


def open_label_with_slip(ctx: UiContext, parent: QWidget, uid: str, store: LabelSettingsStore | None = None) -> bool:
    """At reception: open the new folder's label preview beside the slip when this PC is set to.

    Returns:
        Whether a label preview is being opened.
    """
    settings = (store or LabelSettingsStore()).load()
    if not settings.print_with_slip:
        return False
    from ui.screens.custody_print import open_document_preview, render_labels

    job = settings.job()
    open_document_preview(ctx, parent, lambda s: render_labels(s, [uid], job))
    return True
