"""Procedure search (accent-insensitive), its facts, the due date if received now, and the checklist."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.calendar import weekday_vi
from app.domain.catalog import Digitise, Procedure
from app.services.drafts import DocumentCheck, checklist
from ui.context import UiContext
from ui.theme import Role, set_role

SCAN_MARKS = {Digitise.REQUIRED: "[số\u00a0hoá]", Digitise.SHOWN: "[xuất\u00a0trình, không\u00a0số\u00a0hoá]",
              Digitise.CLASSIFIED: "[mật, không\u00a0số\u00a0hoá]"}  # fmt: skip
"""The small mark after each paper of the checklist: whether it must be scanned at reception (no-break
spaces: a wrapped line never splits "số hoá")."""
SCAN_TIPS = {
    Digitise.REQUIRED: "Giấy tờ này phải quét (số hoá) khi tiếp nhận hồ sơ giấy (trực tiếp hoặc qua bưu chính).",
    Digitise.SHOWN: "Giấy tờ chỉ xuất trình để đối chiếu, trả lại ngay cho người nộp: không phải số hoá.",
    Digitise.CLASSIFIED: "Tài liệu mật: không quét, không lưu bản điện tử.",
}


def due_text(due: datetime) -> str:
    """ "14 giờ 30, Thứ Hai 23/11/2026"."""
    return f"{due:%H} giờ {due:%M}, {weekday_vi(due.date())} {due:%d/%m/%Y}"


class ProcedurePicker(QWidget):
    """Left half of the reception screen.

    Signals:
        procedure_chosen(object): the Procedure picked, or None when cleared.
    """

    procedure_chosen = Signal(object)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.procedure: Procedure | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("Gõ tên hoặc mã thủ tục, không cần dấu (F2)…")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setMaximumHeight(150)
        self.results.setWordWrap(True)
        self.name = QLabel("Chưa chọn thủ tục.")
        self.name.setWordWrap(True)
        set_role(self.name, Role.SECTION)
        self.facts = QFormLayout()
        self.facts.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.code = QLabel("–")
        self.time = QLabel("–")
        self.fee = QLabel("–")
        self.department = QLabel("–")
        self.due = QLabel("–")
        set_role(self.due, Role.DUE)
        for widget in (self.fee, self.department, self.time, self.code):
            widget.setWordWrap(True)
        self.facts.addRow("Mã, lĩnh vực:", self.code)
        self.facts.addRow("Thời hạn giải quyết:", self.time)
        self.facts.addRow("Phí, lệ phí:", self.fee)
        self.facts.addRow("Cơ quan giải quyết:", self.department)
        # Who decides, when the catalog names units (issue 16): the officer picks among several (Ctrl+U).
        self.handling = QComboBox()
        self.handling.setToolTip("Đơn vị giải quyết hồ sơ (Ctrl+U). Hồ sơ được chuyển đến đơn vị này và trả kết quả"
                                 " tại nơi tiếp nhận.")  # fmt: skip
        self.handling_label = QLabel("Đơn vị giải quyết:")
        self.handling_label.setBuddy(self.handling)
        self.facts.addRow(self.handling_label, self.handling)
        self._show_handling(None)
        self.facts.addRow("Hẹn trả nếu nhận ngay:", self.due)
        self.checklist = QListWidget()
        self.checklist.setWordWrap(True)
        self.checklist_error = QLabel()
        set_role(self.checklist_error, Role.ERROR)
        self.checklist_error.setWordWrap(True)
        self.checklist_error.hide()

        title = QLabel("1. Thủ tục hành chính")
        set_role(title, Role.TITLE)
        docs = QLabel("2. Giấy tờ đã nhận (Dấu cách để đánh dấu)")
        set_role(docs, Role.TITLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        layout.addWidget(self.name)
        layout.addLayout(self.facts)
        layout.addWidget(docs)
        layout.addWidget(self.checklist, 1)
        layout.addWidget(self.checklist_error)

        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.installEventFilter(self)
        self.results.itemActivated.connect(self._on_results_item_activated)
        self.checklist.itemChanged.connect(lambda _item: self.checklist_error.hide())
        self._received_at: datetime | None = None  # a postal batch's signing (set_received_at)
        self._due_timer = QTimer(self)
        self._due_timer.timeout.connect(self._refresh_due)
        self._due_timer.start(30_000)  # the promise moves as the clock does
        self._on_search_text_changed("")

    # --- search -------------------------------------------------------------------------
    @Slot(str)
    def _on_search_text_changed(self, text: str) -> None:
        self.results.clear()
        for p in self._ctx.catalog.search(text, limit=60):
            item = QListWidgetItem(f"{p.name}  ·  {p.code} · {p.level_label}")
            item.setData(Qt.ItemDataRole.UserRole, p.code)
            item.setToolTip(p.name)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self.results.keyPressEvent(event)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.results.currentItem():
                self._on_results_item_activated(self.results.currentItem())
                return True
        return super().eventFilter(watched, event)

    @Slot(QListWidgetItem)
    def _on_results_item_activated(self, item: QListWidgetItem) -> None:
        procedure = self._ctx.catalog.get(item.data(Qt.ItemDataRole.UserRole))
        if procedure is not None:
            self.choose(procedure)
            self.checklist.setFocus()
            if self.checklist.count():
                self.checklist.setCurrentRow(0)

    # --- chosen procedure ---------------------------------------------------------------
    def choose(self, procedure: Procedure | None) -> None:
        """Show ``procedure`` and its unticked checklist (None clears)."""
        self.procedure = procedure
        self.checklist.clear()
        self.checklist_error.hide()
        if procedure is None:
            self.name.setText("Chưa chọn thủ tục.")
            for label in (self.code, self.time, self.fee, self.department, self.due):
                label.setText("–")
            self._show_handling(None)
        else:
            self.name.setText(procedure.name)
            unverified = "" if procedure.verified else " (chưa đối chiếu CSDL quốc gia)"
            self.code.setText(f"{procedure.code} · {procedure.field} · {procedure.level_label}{unverified}")
            self.time.setText(procedure.processing.text())
            self.fee.setText(procedure.fee_text or "Không")
            self.department.setText(procedure.department.name)
            self._show_handling(procedure)
            for doc in checklist(procedure):
                mark = "" if doc.required else "  (nếu có)"
                text = f"{doc.name} — {doc.form_label} × {doc.copies:02d}{mark}  {SCAN_MARKS[doc.digitise]}"
                item = QListWidgetItem(text)
                item.setToolTip(SCAN_TIPS[doc.digitise])
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                item.setData(Qt.ItemDataRole.UserRole, doc)
                self.checklist.addItem(item)
            self._refresh_due()
        self.procedure_chosen.emit(procedure)

    def _show_handling(self, procedure: Procedure | None) -> None:
        """The handling units the officer may pick (this office first when it may decide); hidden when the
        office decides everything itself (a catalog without units)."""
        self.handling.clear()
        office = self._ctx.actor.unit_code
        units = procedure.units if procedure is not None else None
        if units is None or (not units.handling and units.may_receive(office)):
            self.handling.hide()
            self.handling_label.hide()
            return
        if not units.may_receive(office):
            known = self._ctx.catalog.unit_by_code
            where = "; ".join(known[c].name if c in known else c for c in units.receive_at)
            self.handling.addItem("Không được tiếp nhận tại đơn vị này", "")
            self.handling.setItemData(0, f"Thủ tục này chỉ được tiếp nhận tại: {where}.", Qt.ItemDataRole.ToolTipRole)
        for h in units.choices(office):
            unit = self._ctx.catalog.unit_by_code.get(h.unit)
            name = unit.label if unit is not None else h.unit
            self.handling.addItem(f"{name} – đơn vị này" if h.unit == office else name, h.unit)
        self.handling.setEnabled(self.handling.count() > 1)
        self.handling.show()
        self.handling_label.show()

    def handling_unit(self) -> str:
        """The unit picked to decide the dossier ("" = the catalog's default, or the office itself)."""
        return str(self.handling.currentData() or "")  # cleared while no procedure names units

    def set_received_at(self, moment: datetime | None) -> None:
        """The legal receipt time when it is not now (a postal batch's signing, issue 16); None: now."""
        self._received_at = moment
        self._refresh_due()

    @Slot()
    def _refresh_due(self) -> None:
        if self.procedure is not None:
            start = self._received_at or self._ctx.clock()
            self.due.setText(due_text(self._ctx.calendar.due(start, self.procedure.processing)))

    def documents(self) -> tuple[DocumentCheck, ...]:
        """The checklist as ticked now."""
        out = []
        for row in range(self.checklist.count()):
            item = self.checklist.item(row)
            doc: DocumentCheck = item.data(Qt.ItemDataRole.UserRole)
            out.append(replace(doc, submitted=item.checkState() == Qt.CheckState.Checked))
        return tuple(out)

    def tick_all(self) -> None:
        """Mark every document received."""
        for row in range(self.checklist.count()):
            self.checklist.item(row).setCheckState(Qt.CheckState.Checked)

    def show_error(self, message: str | None) -> None:
        self.checklist_error.setVisible(bool(message))
        self.checklist_error.setText(message or "")

    def reset(self) -> None:
        self.search.clear()
        self.choose(None)
