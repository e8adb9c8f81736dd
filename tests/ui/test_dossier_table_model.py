"""DossierTableModel and HistoryTableModel: Qt model contract, cell text, overdue colouring."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from pytestqt.modeltest import ModelTester

from app.domain.status import DossierStatus
from app.services.dossiers import DossierRow, HistoryItem
from ui.models.dossier_table import (
    COL_APPLICANT,
    COL_CODE,
    COL_DUE,
    COL_RECEIVED,
    COL_STATUS,
    OVERDUE_COLOR,
    ROW_ROLE,
    UID_ROLE,
    DossierTableModel,
    HistoryTableModel,
)

NOW = datetime(2026, 11, 23, 9, 15)


def _row(n: int, status: int = DossierStatus.RECEIVED, due: datetime | None = None) -> DossierRow:
    return DossierRow(
        uid=f"uid-{n}",
        code=f"000.01.00.H49-261120-{n:04d}" if status != DossierStatus.REFUSED else None,
        status=status,
        applicant_name=f"Nguyễn Văn Ân {n}",
        personal_id="022090001234",
        phone="0912345678",
        procedure_name="Đăng ký khai sinh",
        received_at=datetime(2026, 11, 20, 8, 5),
        due_at=due,
        officer_name="Nguyễn Thị Thuỳ Dương",
    )


def _rows() -> list[DossierRow]:
    return [
        _row(1, due=datetime(2026, 11, 23, 9, 0)),  # overdue by 15 minutes
        _row(2, due=datetime(2026, 11, 23, 9, 30)),  # not yet due
        _row(3, status=DossierStatus.RETURNED, due=datetime(2026, 11, 21, 16, 0)),  # finished
        _row(4, status=DossierStatus.REFUSED),
    ]


def test_dossier_model_passes_qt_model_tester(qtmodeltester: ModelTester) -> None:
    model = DossierTableModel(lambda: NOW)
    model.set_rows(_rows())
    qtmodeltester.check(model, force_py=True)
    model.set_rows([])
    qtmodeltester.check(model, force_py=True)


def test_dossier_model_cells() -> None:
    model = DossierTableModel(lambda: NOW)
    model.set_rows(_rows())
    assert model.rowCount() == 4
    assert model.columnCount() == 9  # with "Hình thức" (issue 16)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(8)]
    assert headers == [
        "Mã hồ sơ", "Người nộp", "Số định danh", "Điện thoại",
        "Thủ tục", "Trạng thái", "Ngày nhận", "Hẹn trả",
    ]  # fmt: skip
    assert model.index(0, COL_CODE).data() == "000.01.00.H49-261120-0001"
    assert model.index(0, COL_APPLICANT).data() == "Nguyễn Văn Ân 1"
    assert model.index(0, COL_STATUS).data() == "Được tiếp nhận"
    assert model.index(2, COL_STATUS).data() == "Đã trả kết quả"
    assert model.index(0, COL_RECEIVED).data() == "20/11/2026 08:05"
    assert model.index(0, COL_DUE).data() == "23/11/2026 09:00"
    assert model.index(3, COL_CODE).data() == "—"
    assert model.index(3, COL_DUE).data() == ""
    assert model.index(1, COL_APPLICANT).data(UID_ROLE) == "uid-2"
    assert model.index(1, COL_DUE).data(UID_ROLE) == "uid-2"
    assert model.index(1, COL_CODE).data(ROW_ROLE).uid == "uid-2"
    assert model.row_of_uid("uid-3") == 2
    assert model.row_of_code("000.01.00.H49-261120-0002") == 1
    assert model.row_of_uid("nope") == -1


def test_due_cell_red_only_when_overdue_and_open() -> None:
    now = [NOW]
    model = DossierTableModel(lambda: now[0])
    model.set_rows(_rows())

    def red(row: int) -> bool:
        brush = model.index(row, COL_DUE).data(Qt.ItemDataRole.ForegroundRole)
        return isinstance(brush, QBrush) and brush.color() == OVERDUE_COLOR

    assert [red(r) for r in range(4)] == [True, False, False, False]
    assert model.index(0, COL_RECEIVED).data(Qt.ItemDataRole.ForegroundRole) is None
    now[0] = datetime(2026, 11, 23, 10, 0)  # the injected clock moves on
    assert [red(r) for r in range(4)] == [True, True, False, False]


def test_history_model(qtmodeltester: ModelTester) -> None:
    model = HistoryTableModel()
    model.set_items(
        [
            HistoryItem("e1", "dossier.received", "Tiếp nhận hồ sơ", "Nguyễn Thị Thuỳ Dương", "d1",
                        datetime(2026, 11, 23, 9, 15), "Mã hồ sơ X"),
            HistoryItem("e2", "form.printed", "In phiếu", "Nguyễn Thị Thuỳ Dương", "d1",
                        datetime(2026, 11, 23, 9, 16), "In Phiếu tiếp nhận"),
        ]
    )  # fmt: skip
    qtmodeltester.check(model, force_py=True)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "Thời gian", "Sự kiện", "Cán bộ", "Chi tiết",
    ]  # fmt: skip
    assert [model.index(0, c).data() for c in range(4)] == [
        "23/11/2026 09:15", "Tiếp nhận hồ sơ", "Nguyễn Thị Thuỳ Dương", "Mã hồ sơ X",
    ]  # fmt: skip
