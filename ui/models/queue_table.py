"""Table model of one supervision queue (app.services.queues.QueueRow), sortable by any column."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.services.queues import QueueRow
from ui.models.dossier_table import format_datetime, status_label
from ui.models.rows import RowsTableModel

COL_CODE = 0
COL_APPLICANT = 1
COL_PROCEDURE = 2
COL_FIELD = 3
COL_DEPARTMENT = 4
COL_OFFICER = 5
COL_CHANNEL = 6
COL_STATUS = 7
COL_RECEIVED = 8
COL_DUE = 9
COL_TIME = 10
COL_NOTE = 11

UID_ROLE = Qt.ItemDataRole.UserRole + 1
"""The dossier's uid on every cell of its row."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 3
"""A comparable value per cell (dates as ISO text, the time column as signed working minutes)."""

LATE_COLOR = QColor("#b00020")
_Index = QModelIndex | QPersistentModelIndex


class QueueTableModel(RowsTableModel):
    """Rows of one queue; the proxy in front sorts by :data:`SORT_ROLE`."""

    HEADERS = (
        "Mã hồ sơ",
        "Người nộp",
        "Thủ tục",
        "Lĩnh vực",
        "Cơ quan giải quyết",
        "Cán bộ tiếp nhận",
        "Kênh",
        "Trạng thái",
        "Ngày nhận",
        "Hẹn trả",
        "Thời gian còn lại / quá hạn",
        "Ghi chú",
    )

    def row_at(self, row: int) -> QueueRow:
        value: QueueRow = self._rows[row]
        return value

    def rows(self) -> list[QueueRow]:
        return list(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r: QueueRow = self._rows[index.row()]
        col = index.column()
        if role == UID_ROLE:
            return r.uid
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(r, col)
        if role == SORT_ROLE:
            if col == COL_TIME:
                return r.minutes
            if col == COL_RECEIVED:
                return r.received_at.isoformat()
            if col == COL_DUE:
                return r.due_at.isoformat() if r.due_at else "9999"
            return self._text(r, col).casefold()
        if role == Qt.ItemDataRole.ForegroundRole and r.late and col in (COL_TIME, COL_DUE, COL_NOTE):
            return QBrush(LATE_COLOR)
        if role == Qt.ItemDataRole.ToolTipRole and col in (COL_PROCEDURE, COL_NOTE, COL_DEPARTMENT):
            return self._text(r, col)
        return None

    @staticmethod
    def _text(r: QueueRow, col: int) -> str:
        return {
            COL_CODE: r.code,
            COL_APPLICANT: r.applicant_name,
            COL_PROCEDURE: r.procedure_name,
            COL_FIELD: r.field,
            COL_DEPARTMENT: r.department_name,
            COL_OFFICER: r.officer_name,
            COL_CHANNEL: r.channel.label,
            COL_STATUS: status_label(r.status),
            COL_RECEIVED: format_datetime(r.received_at),
            COL_DUE: format_datetime(r.due_at),
            COL_TIME: r.time_text,
            COL_NOTE: r.note,
        }.get(col, "")
