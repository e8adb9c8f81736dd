"""The dossier list colours a due date red by the one overdue rule of app/domain/status.py, the
rule the supervision queues (F3) count by: no dossier is "late" in one and not in the other."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush

from app.domain.status import DEADLINE_RUNNING_STATUSES, DossierStatus
from app.services import queues
from app.services.dossiers import DossierRow
from ui.models.dossier_table import COL_DUE, OVERDUE_COLOR, DossierTableModel

NOW = datetime(2026, 11, 23, 9, 15)
PAST_DUE = datetime(2026, 11, 20, 16, 0)


def _row(status: DossierStatus) -> DossierRow:
    return DossierRow(
        uid=f"uid-{int(status)}", code=f"000.01.00.H49-261120-{int(status):04d}", status=status,
        applicant_name="Nguyễn Văn An", personal_id="022090001234", phone="0912345678",
        procedure_name="Đăng ký khai sinh", received_at=datetime(2026, 11, 18, 8, 5), due_at=PAST_DUE,
        officer_name="Nguyễn Thị Thuỳ Dương",
    )  # fmt: skip


def test_list_red_exactly_where_the_queues_count_overdue() -> None:
    model = DossierTableModel(lambda: NOW)
    model.set_rows([_row(s) for s in DossierStatus])

    def red(row: int) -> bool:
        brush = model.index(row, COL_DUE).data(Qt.ItemDataRole.ForegroundRole)
        return isinstance(brush, QBrush) and brush.color() == OVERDUE_COLOR

    reds = {status for row, status in enumerate(DossierStatus) if red(row)}
    assert reds == set(DEADLINE_RUNNING_STATUSES) == {int(s) for s in queues._RUNNING}
    # Waiting for the citizen's supplement the clock stands still: not late in the list either.
    assert DossierStatus.SUPPLEMENT_REQUESTED not in reds
