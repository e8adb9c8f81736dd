"""Table models for the dossier list and for one dossier's history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from app.domain.status import DossierStatus, is_overdue  # overdue: one rule in app/domain/status.py
from app.services.dossiers import DossierRow, HistoryItem
from ui.models.sorting import SortableRowsModel, text_key, value_key

COL_CODE = 0
COL_APPLICANT = 1
COL_PERSONAL_ID = 2
COL_PHONE = 3
COL_PROCEDURE = 4
COL_STATUS = 5
COL_RECEIVED = 6
COL_DUE = 7
COL_CHANNEL = 8  # direct / online / postal (issue 16)

UID_ROLE = Qt.ItemDataRole.UserRole + 1
"""The dossier's uid (str) on every cell of its row."""
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
"""The whole ``DossierRow`` on every cell of its row."""

NO_CODE = "—"
"""Shown instead of a code: refused or supplement-requested dossiers never get one."""

OVERDUE_COLOR = QColor("#b00020")
_HEADERS = (
    "Mã hồ sơ",
    "Người nộp",
    "Số định danh",
    "Điện thoại",
    "Thủ tục",
    "Trạng thái",
    "Ngày nhận",
    "Hẹn trả",
    "Hình thức",
)
_Index = QModelIndex | QPersistentModelIndex


def format_datetime(value: datetime | None) -> str:
    """``dd/mm/yyyy HH:MM``, or an empty string."""
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def status_label(status: int) -> str:
    """Vietnamese status name; an unknown code (newer client over sync) shows as its number."""
    try:
        return DossierStatus(status).label
    except ValueError:
        return f"Trạng thái {status}"


class DossierTableModel(SortableRowsModel):
    """Read-only rows of the dossier list, newest first as the query returned them, or by a column.

    Args:
        clock: current local time, to colour overdue due dates.
        parent: Qt parent.
    """

    HEADERS = _HEADERS
    NUMBERED = True
    SORT_KEYS: ClassVar[dict[int, Callable[[DossierRow], Any]]] = {
        COL_CODE: lambda r: text_key(r.code),
        COL_APPLICANT: lambda r: text_key(r.applicant_name),
        COL_PERSONAL_ID: lambda r: text_key(r.personal_id),
        COL_PHONE: lambda r: text_key(r.phone),
        COL_PROCEDURE: lambda r: text_key(r.procedure_name),
        COL_STATUS: lambda r: value_key(r.status),  # the order a dossier goes through them
        COL_RECEIVED: lambda r: value_key(r.received_at),
        COL_DUE: lambda r: value_key(r.due_at),
        COL_CHANNEL: lambda r: value_key(r.channel),
    }

    def __init__(self, clock: Callable[[], datetime], parent: Any = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._rows: list[DossierRow] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def row_at(self, row: int) -> DossierRow:
        """The dossier shown on ``row``."""
        return self._rows[row]

    def row_of_uid(self, uid: str) -> int:
        """Row number of the dossier ``uid``, or -1."""
        return next((i for i, r in enumerate(self._rows) if r.uid == uid), -1)

    def row_of_code(self, code: str) -> int:
        """Row number of the dossier with this exact code, or -1."""
        return next((i for i, r in enumerate(self._rows) if r.code == code), -1)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == UID_ROLE:
            return row.uid
        if role == ROW_ROLE:
            return row
        if col == COL_DUE and is_overdue(row.due_at, row.status, self._clock()):
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVERDUE_COLOR)
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Đã quá hạn trả kết quả"
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_CODE and row.code is None:
                return "Hồ sơ chưa được tiếp nhận nên không có mã"
            if col in (COL_APPLICANT, COL_PROCEDURE, COL_STATUS):
                return self._display(row, col)
        return None

    @staticmethod
    def _display(row: DossierRow, col: int) -> str:
        return _CELLS[col](row)


_CHANNELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính"}
"""How the dossier reached the office (app.domain.indicators.Channel)."""

_CELLS: dict[int, Callable[[DossierRow], str]] = {
    COL_CODE: lambda r: r.code or NO_CODE,
    COL_APPLICANT: lambda r: r.applicant_name,
    COL_PERSONAL_ID: lambda r: r.personal_id,
    COL_PHONE: lambda r: r.phone,
    COL_PROCEDURE: lambda r: r.procedure_name,
    COL_STATUS: lambda r: status_label(r.status),
    COL_RECEIVED: lambda r: format_datetime(r.received_at),
    COL_DUE: lambda r: format_datetime(r.due_at),
    COL_CHANNEL: lambda r: _CHANNELS.get(r.channel, ""),
}


HCOL_TIME = 0
HCOL_EVENT = 1
HCOL_OFFICER = 2
HCOL_DETAIL = 3
_HISTORY_HEADERS = ("Thời gian", "Sự kiện", "Cán bộ", "Chi tiết")


class HistoryTableModel(QAbstractTableModel):
    """A dossier's events, oldest first (``DossierDetail.history``)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[HistoryItem] = []

    def set_items(self, items: Sequence[HistoryItem]) -> None:
        """Replace the history."""
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(_HISTORY_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(_HISTORY_HEADERS)
        ):
            return _HISTORY_HEADERS[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item, col = self._items[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _HISTORY_CELLS[col](item)
        return None


_HISTORY_CELLS: dict[int, Callable[[HistoryItem], str]] = {
    HCOL_TIME: lambda i: format_datetime(i.occurred_at),
    HCOL_EVENT: lambda i: i.label,
    HCOL_OFFICER: lambda i: i.officer_name,
    HCOL_DETAIL: lambda i: i.detail,
}
