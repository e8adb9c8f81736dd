"""Table model of the custody view: where each paper folder is, since when, in transit or not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from app.services.custody import CustodyRow
from ui.models.dossier_table import format_datetime, status_label
from ui.models.sorting import SortableRowsModel, text_key, value_key
from ui.theme import RED

COL_CODE = 0
COL_APPLICANT = 1
COL_PROCEDURE = 2
COL_STATUS = 3
COL_WHERE = 4
COL_SINCE = 5
COL_TRANSIT = 6
COL_HOLDER = 7

UID_ROLE = Qt.ItemDataRole.UserRole + 1
"""The dossier's uid on every cell of its row."""
OVERDUE_ROLE = Qt.ItemDataRole.UserRole + 2
"""True on every cell of a row in transit longer than the alert threshold."""

OVERDUE_BG = QColor("#fdecea")
MISSING_BG = QColor("#fff3cd")
_HEADERS = ("Mã hồ sơ", "Người nộp", "Thủ tục", "Trạng thái", "Đang ở đâu", "Từ lúc", "Đang chuyển", "Người giữ")
_Index = QModelIndex | QPersistentModelIndex


def transit_text(row: CustodyRow) -> str:
    """ "Có", "Có – quá lâu", "Thiếu khi nhận" or ""."""
    if row.missing:
        return "Thiếu khi nhận bàn giao"
    if row.in_transit:
        return "Có – quá thời gian" if row.overdue_in_transit else "Có"
    return ""


class CustodyTableModel(SortableRowsModel):
    """Read-only rows from :func:`app.services.custody.custody_view`; overdue transits are red."""

    HEADERS = _HEADERS
    NUMBERED = True
    SORT_KEYS: ClassVar[dict[int, Callable[[CustodyRow], Any]]] = {
        COL_CODE: lambda r: text_key(r.code),
        COL_APPLICANT: lambda r: text_key(r.applicant_name),
        COL_PROCEDURE: lambda r: text_key(r.procedure_name),
        COL_STATUS: lambda r: value_key(r.status),
        COL_WHERE: lambda r: text_key(r.where),
        COL_SINCE: lambda r: value_key(r.since),
        COL_TRANSIT: lambda r: (not r.missing, not r.overdue_in_transit, not r.in_transit),
        COL_HOLDER: lambda r: text_key(r.holder),
    }

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CustodyRow] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def row_at(self, row: int) -> CustodyRow:
        return self._rows[row]

    def overdue_count(self) -> int:
        return sum(1 for r in self._rows if r.overdue_in_transit)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                row.code,
                row.applicant_name,
                row.procedure_name,
                status_label(row.status),
                row.where,
                format_datetime(row.since),
                transit_text(row),
                row.holder,
            )[col]
        if role == UID_ROLE:
            return row.uid
        if role == OVERDUE_ROLE:
            return row.overdue_in_transit
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.overdue_in_transit:
                return QBrush(OVERDUE_BG)
            if row.missing:
                return QBrush(MISSING_BG)
        if role == Qt.ItemDataRole.ForegroundRole and row.overdue_in_transit and col in (COL_WHERE, COL_TRANSIT):
            return QBrush(QColor(RED))
        if role == Qt.ItemDataRole.FontRole and row.overdue_in_transit and col == COL_TRANSIT:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole and row.overdue_in_transit:
            return "Hồ sơ đang chuyển quá thời gian cho phép: liên hệ bên nhận để xác nhận phiếu bàn giao."
        return None
