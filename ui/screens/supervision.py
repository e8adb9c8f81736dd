"""The supervision workspace (Giám sát, F3): live queues of the office's dossiers for supervisors."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import shiboken6
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QTimer, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.domain.indicators import Channel
from app.services.drafts import Changes
from app.services.queues import (
    FilterChoices,
    QueueCounts,
    QueueFilter,
    QueueId,
    QueueRows,
    filter_choices,
    procedures_and_fields,
    queue_counts,
    queue_rows,
)
from ui.context import UiContext
from ui.models import queue_table as qt_model
from ui.models.queue_table import SORT_ROLE, UID_ROLE, QueueTableModel
from ui.tables import open_on_activate, read_only_table
from ui.theme import Role as ThemeRole
from ui.theme import set_role

REFRESH_DELAY_MS = 250
"""Changes arriving close together (a sync page, a batch) refresh the queues once."""
QUEUE_ROLE = Qt.ItemDataRole.UserRole + 1
DEPT_ROLE = Qt.ItemDataRole.UserRole + 2
ALL = "Tất cả"


@dataclass(frozen=True, slots=True)
class _Snapshot:
    counts: QueueCounts
    rows: QueueRows
    queue: QueueId
    department: str
    at: datetime


class SupervisionScreen(QWidget):
    """Queues on the left (each with its count, processing split per department), the selected
    queue's dossiers on the right; filters on top. Enter or double-click opens the dossier.

    Refreshes itself when the change bus names changed dossiers (a local action or a sync pull).
    """

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._seq = 0
        self._shown = 0
        self._selection: tuple[QueueId, str] = (QueueId.OVERDUE, "")
        self._model = QueueTableModel(self)
        self._proxy = QSortFilterProxyModel(self)
        self._proxy.setSourceModel(self._model)
        self._proxy.setSortRole(SORT_ROLE)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self._build()
        ctx.bus.changed.connect(self._on_bus_changed)
        ctx.runner.run(filter_choices, self._on_choices_loaded, self._on_failed, write=False)
        self.refresh()

    # --- public (tests drive these) ---------------------------------------------------------------

    @property
    def queue_list(self) -> QListWidget:
        return self._queues

    @property
    def table(self) -> QTableView:
        return self._table

    @property
    def model(self) -> QueueTableModel:
        return self._model

    @property
    def proxy(self) -> QSortFilterProxyModel:
        return self._proxy

    @property
    def department_combo(self) -> QComboBox:
        return self._department

    @property
    def status_label(self) -> QLabel:
        return self._status

    @property
    def is_loading(self) -> bool:
        return self._timer.isActive() or self._seq != self._shown

    @property
    def loaded(self) -> bool:
        """The queues are on screen and no refresh is pending."""
        return self._shown > 0 and not self.is_loading

    def count_text(self, queue: QueueId) -> str:
        """The queue's line in the list, e.g. "Quá hạn (3)"."""
        return self._queue_item(queue).text()

    def _queue_item(self, queue: QueueId) -> QListWidgetItem:
        for i in range(self._queues.count()):
            item = self._queues.item(i)
            if item.data(QUEUE_ROLE) == queue.value and not item.data(DEPT_ROLE):
                return item
        raise AssertionError(f"no list line for {queue}")  # every queue gets one in _build

    def select_queue(self, queue: QueueId, department: str = "") -> None:
        for i in range(self._queues.count()):
            item = self._queues.item(i)
            if item.data(QUEUE_ROLE) == queue.value and (item.data(DEPT_ROLE) or "") == department:
                self._queues.setCurrentItem(item)
                return

    def current_filter(self) -> QueueFilter:
        channel = self._channel.currentData()
        return QueueFilter(
            department_code=self._department.currentData() or "",
            officer_id=self._officer.currentData() or "",
            field=self._field.currentData() or "",
            procedure_code=self._procedure.currentData() or "",
            channel=Channel(channel) if channel else None,
        )

    # --- layout -----------------------------------------------------------------------------------

    def _combo(self, name: str, bar: QHBoxLayout, items: tuple[tuple[str, str], ...] = ()) -> QComboBox:
        box = QComboBox()
        box.setAccessibleName(name)
        box.setToolTip(name)
        box.addItem(f"{name}: {ALL.lower()}", "")
        for code, text in items:
            box.addItem(text, code)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(14)
        box.currentIndexChanged.connect(self._on_filter_changed)
        bar.addWidget(box, 1)
        return box

    def _build(self) -> None:
        from ui.screens.indicators import workspace_views  # the second view: Chỉ số (Ctrl+2)

        queues_view = QWidget()
        root = QVBoxLayout(queues_view)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Lọc:"))
        procs, fields = procedures_and_fields(list(self._ctx.catalog))
        self._department = self._combo("Cơ quan", bar)
        self._officer = self._combo("Cán bộ", bar)
        self._field = self._combo("Lĩnh vực", bar, tuple((f, f) for f in fields))
        self._procedure = self._combo("Thủ tục", bar, procs)
        self._channel = QComboBox()
        self._channel.setAccessibleName("Kênh")
        self._channel.addItem("Kênh: tất cả", 0)
        for ch in Channel:
            self._channel.addItem(ch.label, int(ch))
        self._channel.currentIndexChanged.connect(self._on_filter_changed)
        bar.addWidget(self._channel)
        root.addLayout(bar)

        self._queues = QListWidget()
        self._queues.setAccessibleName("Hàng đợi")
        self._queues.setMinimumWidth(230)
        self._queues.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # long names elide
        self._queues.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        for queue in QueueId:
            item = QListWidgetItem(queue.label)
            item.setData(QUEUE_ROLE, queue.value)
            font = item.font()
            font.setWeight(QFont.Weight.DemiBold)
            item.setFont(font)
            self._queues.addItem(item)
        self._queues.setCurrentRow(0)
        self._queues.currentItemChanged.connect(self._on_queue_changed)

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        self._title = QLabel()
        set_role(self._title, ThemeRole.TITLE)
        self._status = QLabel()
        set_role(self._status, ThemeRole.HINT)
        head = QHBoxLayout()
        head.addWidget(self._title, 1)
        head.addWidget(self._status)
        column.addLayout(head)
        # No column sort until the supervisor clicks a heading: the query's order (most urgent first).
        self._table = read_only_table(self._proxy, "Hồ sơ trong hàng đợi")
        open_on_activate(self._table, self._open)
        header = self._table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        fm = self._table.fontMetrics()
        widths = {
            qt_model.COL_CODE: fm.horizontalAdvance("000.00.00.H00-000000-0000") + 20,
            qt_model.COL_APPLICANT: fm.horizontalAdvance("Nguyễn Thị Thuỳ Dương") + 16,
            qt_model.COL_PROCEDURE: 260,
            qt_model.COL_TIME: fm.horizontalAdvance("Chờ bổ sung 10 ngày 7 giờ làm việc") + 20,
            qt_model.COL_DUE: fm.horizontalAdvance("00/00/0000 00:00") + 20,
            qt_model.COL_RECEIVED: fm.horizontalAdvance("00/00/0000 00:00") + 20,
        }
        for col in range(len(QueueTableModel.HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, widths.get(col, 150))
        # The time column right after the code: it is what a supervisor reads first.
        header.moveSection(qt_model.COL_TIME, 1)
        column.addWidget(self._table, 1)

        split = QSplitter()
        split.addWidget(self._queues)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 1040])
        root.addWidget(split, 1)
        self.views = workspace_views(self._ctx, queues_view, self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.views)
        self._show_title(0, 0)

    # --- loading ----------------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Count every queue and load the selected one, off the GUI thread."""
        self._timer.stop()
        self._seq += 1
        seq, (queue, dept), flt, now = self._seq, self._selection, self.current_filter(), self._ctx.clock()
        rows_filter = replace(flt, department_code=dept) if dept and not flt.department_code else flt
        calendar = self._ctx.calendar

        def work(session: Session) -> _Snapshot:
            counts = queue_counts(session, calendar, now, flt)
            total = counts.of(queue) if rows_filter == flt else None  # counted just now: not again
            return _Snapshot(counts, queue_rows(session, calendar, now, queue, rows_filter, total=total), queue, dept,
                             now)  # fmt: skip

        def done(snap: _Snapshot) -> None:
            if shiboken6.isValid(self) and seq == self._seq:
                self._show(snap)
                self._shown = seq

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self) and seq == self._seq:
                self._shown = seq
                self._status.setText(f"Không tải được hàng đợi: {exc}")

        self._ctx.runner.run(work, done, failed, write=False)

    def _show(self, snap: _Snapshot) -> None:
        keep = self._current_uid()
        self._update_counts(snap.counts)
        self._model.set_rows(snap.rows.rows)
        self._show_title(len(snap.rows.rows), snap.rows.total)
        self._status.setText(f"Cập nhật lúc {snap.at:%H:%M:%S %d/%m/%Y}")
        if keep:
            for row in range(self._proxy.rowCount()):
                if self._proxy.index(row, 0).data(UID_ROLE) == keep:
                    self._table.selectRow(row)
                    break

    def _show_title(self, shown: int, total: int) -> None:
        queue, dept = self._selection
        where = f" – {self._department_name(dept)}" if dept else ""
        more = f" (hiện {shown} hồ sơ khẩn nhất)" if total > shown else ""
        self._title.setText(f"{queue.label}{where}: {total} hồ sơ{more}")

    def _department_name(self, code: str) -> str:
        for i in range(self._queues.count()):
            item = self._queues.item(i)
            if item.data(DEPT_ROLE) == code:
                return str(item.data(Qt.ItemDataRole.AccessibleTextRole) or code)
        return code

    def _update_counts(self, counts: QueueCounts) -> None:
        blocked = self._queues.blockSignals(True)
        for i in reversed(range(self._queues.count())):
            if self._queues.item(i).data(DEPT_ROLE):
                self._queues.takeItem(i)
        for i in range(self._queues.count()):  # the queues themselves (department lines removed above)
            item = self._queues.item(i)
            queue = QueueId(item.data(QUEUE_ROLE))
            item.setText(f"{queue.label} ({counts.of(queue)})")
        row = self._queues.row(self._queue_item(QueueId.PROCESSING))
        for n, dep in enumerate(counts.departments, start=1):
            sub = QListWidgetItem(f"    {dep.name} ({dep.count})")
            sub.setData(QUEUE_ROLE, QueueId.PROCESSING.value)
            sub.setData(DEPT_ROLE, dep.code)
            sub.setData(Qt.ItemDataRole.AccessibleTextRole, dep.name)
            sub.setToolTip(dep.name)
            self._queues.insertItem(row + n, sub)
        queue, dept = self._selection
        self.select_queue(queue, dept)
        if self._queues.currentItem() is None:
            self.select_queue(queue)
        self._queues.blockSignals(blocked)

    def _current_uid(self) -> str | None:
        index = self._table.currentIndex()
        return str(index.data(UID_ROLE)) if index.isValid() else None

    def _open(self, index: QModelIndex) -> None:
        from ui.screens.dossier_detail import DossierDetailDialog

        uid = str(index.data(UID_ROLE))
        dialog = DossierDetailDialog(self._ctx, uid, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # --- slots ------------------------------------------------------------------------------------

    def _on_choices_loaded(self, choices: FilterChoices) -> None:
        if not shiboken6.isValid(self):
            return
        for box, items in ((self._department, choices.departments), (self._officer, choices.officers)):
            blocked = box.blockSignals(True)
            for code, name in items:
                box.addItem(name, code)
            box.blockSignals(blocked)

    def _on_failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            self._status.setText(f"Không tải được danh mục lọc: {exc}")

    @Slot(int)
    def _on_filter_changed(self, _index: int) -> None:
        self.refresh()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_queue_changed(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is None:
            return
        self._selection = (QueueId(item.data(QUEUE_ROLE)), str(item.data(DEPT_ROLE) or ""))
        self.refresh()

    @Slot(object, object)
    def _on_bus_changed(self, changes: Changes, _initiator: object) -> None:
        if changes.dossier_uids:
            self._timer.start()
