"""Table model of the register dialog: the lines of the Sổ theo dõi hồ sơ, with its legal columns."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from app.printing.register import COLUMNS, when
from app.services.register import RegisterRow
from ui.models.rows import RowsTableModel

_Index = QModelIndex | QPersistentModelIndex
COL_NUMBER = 0
COL_CODE = 1
_CENTRED = frozenset({0, 3, 7, 8, 9, 10, 11})
# The on-screen table shows the printed columns but "Ký nhận" (signed on paper only).
_SHOWN = tuple(i for i, c in enumerate(COLUMNS) if c != "Ký nhận")


class RegisterTableModel(RowsTableModel):
    """Read-only lines of :func:`app.services.register.build_register`."""

    # Short headings on screen (the printed book has the full legal ones, see the tooltips).
    HEADERS = (
        "STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số bộ", "Tên cá nhân, tổ chức", "Địa chỉ, số điện thoại",
        "Cơ quan chủ trì", "Nhận\nhồ sơ", "Hẹn trả\nkết quả", "Chuyển đến\ncơ quan", "Nhận kết\nquả về",
        "Trả\nkết quả", "Ghi chú",
    )  # fmt: skip

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[_SHOWN[section]] if 0 <= section < len(_SHOWN) else None
        return super().headerData(section, orientation, role)

    def row_at(self, row: int) -> RegisterRow:
        line: RegisterRow = self._rows[row]
        return line

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r: RegisterRow = self._rows[index.row()]
        col = _SHOWN[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (
                str(r.number), r.code, r.procedure_name, f"{r.sets:02d}", r.applicant_name, r.address_phone,
                r.department_name, when(r.received_at), when(r.due_at), when(r.sent_at), when(r.result_at),
                when(r.returned_at), "", r.note,
            )  # fmt: skip
            return values[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in _CENTRED:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
