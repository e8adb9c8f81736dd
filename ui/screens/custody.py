"""Theo dõi vị trí hồ sơ: where every paper folder is now, since when; long transits highlighted.

Rows come from :func:`app.services.custody.custody_view` on a worker (an indexed query with a
limit, so the view stays quick on a database with a million dossiers); the filter picks a place
(the counter, one department) or the folders in transit. Double-click or Enter opens a dossier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QLocale, QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.custody import Place
from app.services.context import Role as Role_
from app.services.custody import CustodyRow
from app.services.drafts import Changes
from app.services.handover import counter_place
from ui.context import UiContext
from ui.models.custody_table import COL_APPLICANT, COL_PROCEDURE, COL_WHERE, CustodyTableModel
from ui.models.sorting import SortMemory
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ROW_LIMIT = 500
ALL, TRANSIT = "all", "transit"


class CustodyScreen(QWidget):
    """The custody view (F4).

    Args:
        ctx: The logged-in session's services.
        parent: Qt parent.
        sort_memory: where the header sort the officer chose is remembered (QSettings by default).

    Signals:
        loaded(int): the number of rows shown after each load.
    """

    loaded = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, sort_memory: SortMemory | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._places: list[Place] = [counter_place(ctx.actor)]
        self._seq = 0
        self.model = CustodyTableModel(self)
        title = QLabel("Theo dõi vị trí hồ sơ giấy")
        set_role(title, Role.TITLE)
        self.place = QComboBox()
        self.place.setAccessibleName("Lọc theo nơi giữ hồ sơ")
        self.place.addItem("Tất cả nơi", ALL)
        self.place.setMinimumContentsLength(32)
        self.place.addItem("Bộ phận Một cửa", 0)
        self.transit_only = QCheckBox("Chỉ hồ sơ đang chuyển")
        # How long a folder may be in transit before it is highlighted (office setting).
        self.alert_hours = QDoubleSpinBox()
        self.alert_hours.setRange(0.5, 80.0)
        self.alert_hours.setSingleStep(0.5)
        self.alert_hours.setDecimals(1)
        self.alert_hours.setSuffix(" giờ làm việc")
        self.alert_hours.setLocale(QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam))  # "4,0"
        self.alert_hours.setAccessibleName("Cảnh báo khi hồ sơ đang chuyển quá")
        self.alert_hours.setKeyboardTracking(False)
        supervisor = ctx.actor.role in (Role_.SUPERVISOR, Role_.ADMIN)
        self.alert_hours.setEnabled(supervisor)
        self.alert_hours.setToolTip(
            "Hồ sơ đang chuyển lâu hơn thời gian này được tô đỏ."
            + ("" if supervisor else " Chỉ lãnh đạo (giám sát) được thay đổi.")
        )
        self.refresh_button = QPushButton("Làm mới")
        self.summary = QLabel()
        set_role(self.summary, Role.MUTED)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Vị trí hồ sơ")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for col in (COL_APPLICANT, COL_PROCEDURE, COL_WHERE):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(COL_APPLICANT, 170)
        self.table.setColumnWidth(COL_PROCEDURE, 200)
        self.table.setColumnWidth(COL_WHERE, 400)
        (sort_memory or SortMemory()).attach(self.table, "custody")  # header click sorts; remembered
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.activated.connect(self._on_table_double_clicked)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Nơi giữ:"))
        bar.addWidget(self.place)
        bar.addWidget(self.transit_only)
        bar.addWidget(QLabel("Cảnh báo khi chuyển quá:"))
        bar.addWidget(self.alert_hours)
        bar.addWidget(self.summary, 1, Qt.AlignmentFlag.AlignRight)
        bar.addWidget(self.refresh_button)
        root = QVBoxLayout(self)
        root.addWidget(title)
        root.addLayout(bar)
        root.addWidget(self.table, 1)
        self.place.currentIndexChanged.connect(self.refresh)
        self.transit_only.toggled.connect(self.refresh)
        self.alert_hours.valueChanged.connect(self._on_alert_hours_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self.refresh)
        ctx.bus.changed.connect(self._on_bus_changed)
        self._load_places()

    def _load_places(self) -> None:
        def work(session: Session) -> tuple[list[Place], float]:
            from app.services.custody import transit_alert_hours
            from app.services.handover import departments

            return departments(session), transit_alert_hours(session)

        def done(result: tuple[list[Place], float]) -> None:
            if not shiboken6.isValid(self):
                return
            places, hours = result
            blocked = self.alert_hours.blockSignals(True)
            self.alert_hours.setValue(hours)
            self.alert_hours.blockSignals(blocked)
            blocked = self.place.blockSignals(True)
            for p in places:
                self._places.append(p)
                self.place.addItem(p.name, len(self._places) - 1)
            self.place.blockSignals(blocked)
            self.refresh()

        self._ctx.runner.run(work, done, lambda exc: self.summary.setText(str(exc)), write=False)

    @Slot(float)
    def _on_alert_hours_changed(self, hours: float) -> None:
        """Store the office's threshold, then show the rows judged against it."""

        def work(session: Session) -> None:
            from app.services.custody import set_transit_alert_hours

            set_transit_alert_hours(session, hours)

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                self.summary.setText(f"Không lưu được ngưỡng cảnh báo: {exc}")

        self._ctx.runner.run(work, lambda _r: self.refresh() if shiboken6.isValid(self) else None, failed, write=True)

    def select_place(self, place: Place | None) -> None:
        """Filter on ``place`` (None: every place)."""
        index = 0
        for i, p in enumerate(self._places):
            if place is not None and (p.kind, p.code) == (place.kind, place.code):
                index = self.place.findData(i)
        self.place.setCurrentIndex(index)

    @Slot()
    def refresh(self) -> None:
        """Reload the rows for the chosen filter (off the GUI thread)."""
        self._seq += 1
        seq = self._seq
        data = self.place.currentData()
        place = self._places[data] if isinstance(data, int) else None
        transit, ctx, now = self.transit_only.isChecked(), self._ctx, self._ctx.clock()
        counter_name = "Bộ phận Một cửa"

        def work(session: Session) -> list[CustodyRow]:
            from app.services.custody import custody_view

            return custody_view(session, ctx.calendar, now, place=place, in_transit_only=transit,
                                counter_name=counter_name, limit=ROW_LIMIT)  # fmt: skip

        def done(rows: list[CustodyRow]) -> None:
            if shiboken6.isValid(self) and seq == self._seq:
                self._show(rows)

        self.summary.setText("Đang tải…")
        ctx.runner.run(work, done, lambda exc: self.summary.setText(f"Không tải được: {exc}"), write=False)

    def _show(self, rows: list[CustodyRow]) -> None:
        self.model.set_rows(rows)
        overdue = self.model.overdue_count()
        text = f"{len(rows)} hồ sơ" + (f" (hiển thị {ROW_LIMIT} hồ sơ mới nhất)" if len(rows) >= ROW_LIMIT else "")
        if overdue:
            text += f" · {overdue} hồ sơ chuyển quá thời gian"
        self.summary.setText(text)
        self.loaded.emit(len(rows))

    @Slot(object, object)
    def _on_bus_changed(self, changes: Changes, initiator: object) -> None:
        if self.isVisible():
            self._debounce.start()

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        from ui.screens.dossier_detail import DossierDetailDialog

        dialog = DossierDetailDialog(self._ctx, self.model.row_at(index.row()).uid, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._seq:
            self.refresh()  # the view may be stale after working elsewhere

    def focus_scan(self) -> None:
        self.table.setFocus()
