"""Hàng đợi đồng bộ: every event not yet acknowledged by the server, its state, attempts and error."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.sync.state import OutboxState
from ui.context import UiContext
from ui.models.rows import RowsTableModel
from ui.sync_runner import SyncRunner, SyncView, clock_warning, local_hhmm, status_line
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.sync.codes import DayCodes
    from app.sync.state import OutboxItem

COL_SEQ = 0
COL_TIME = 1
COL_KIND = 2
COL_DOSSIER = 3
COL_STATE = 4
COL_ATTEMPTS = 5
COL_ERROR = 6
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
"""The whole ``OutboxItem`` on every cell of its row."""

_HEADERS = ("STT", "Thời điểm", "Việc", "Hồ sơ", "Trạng thái", "Số lần gửi", "Lỗi gần nhất")
_STATE_TEXT = {OutboxState.PENDING: "Chờ gửi", OutboxState.REJECTED: "Bị từ chối – không gửi lại"}
REJECTED_COLOR = QColor("#b00020")
_Index = QModelIndex | QPersistentModelIndex


def load_outbox(session: Session, unit_code: str, day: date) -> tuple[list[OutboxItem], DayCodes | None]:
    """Runs on a worker: the unsent events, and (enrolled PC) the dossier numbers left for ``day``."""
    from app.sync.codes import codes_on_hand
    from app.sync.state import list_outbox, sync_state

    codes = codes_on_hand(session, unit_code, day) if sync_state(session) is not None else None
    return list_outbox(session), codes


def codes_text(codes: DayCodes) -> str:
    """E.g. "Số hồ sơ còn cho hôm nay: 180 số máy chủ cấp, 50 số dự phòng khi mất kết nối"."""
    from app.sync.wire import FALLBACK_SIZE

    fallback = FALLBACK_SIZE if codes.fallback_left is None else codes.fallback_left
    return (
        f"Số hồ sơ còn cho ngày {codes.day:%d/%m/%Y}: {codes.server_left} số máy chủ cấp,"
        f" {fallback} số dự phòng khi mất kết nối."
    )


class OutboxTableModel(RowsTableModel):
    """Read-only rows of the outbox, as :func:`app.sync.state.list_outbox` ordered them."""

    HEADERS = _HEADERS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[OutboxItem] = []

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._rows[index.row()]
        col = index.column()
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, col)
        if role == Qt.ItemDataRole.ToolTipRole and col in (COL_ERROR, COL_DOSSIER):
            return self._text(item, col) or None
        if role == Qt.ItemDataRole.ForegroundRole and item.state == OutboxState.REJECTED and col == COL_STATE:
            return QBrush(REJECTED_COLOR)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_SEQ, COL_ATTEMPTS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(item: OutboxItem, col: int) -> str:
        match col:
            case 0:
                return str(item.device_seq)
            case 1:
                return item.occurred_at.strftime("%d/%m/%Y %H:%M")
            case 2:
                return item.kind
            case 3:
                return " · ".join(p for p in (item.dossier_code, item.applicant_name) if p)
            case 4:
                return _STATE_TEXT.get(OutboxState(item.state), item.state)
            case 5:
                last = local_hhmm(item.last_attempt_at, with_day=True)
                return f"{item.attempts} (lần cuối {last})" if last else str(item.attempts)
            case _:
                return item.last_error

    def item(self, row: int) -> OutboxItem:
        return self._rows[row]


class OutboxDialog(QDialog):
    """Lists unsent events; Retry sends now, ignoring the back-off (rejected ones stay: final).

    Args:
        ctx: the logged-in session's services.
        sync: the running sync, or None on a standalone PC (nothing is sent; the list is local).
    """

    def __init__(self, ctx: UiContext, sync: SyncRunner | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self._sync = ctx, sync
        self.setWindowTitle("Hàng đợi đồng bộ – MotCua Desk")
        self.resize(1240, 560)
        title = QLabel("Hàng đợi đồng bộ")
        set_role(title, Role.TITLE)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.codes = QLabel()
        self.codes.hide()
        self.clock = QLabel()
        set_role(self.clock, Role.ERROR)
        self.clock.hide()
        self.model = OutboxTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for col in (COL_SEQ, COL_TIME, COL_STATE, COL_ATTEMPTS):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_KIND, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_DOSSIER, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_KIND, 180)
        header.resizeSection(COL_DOSSIER, 300)
        header.setStretchLastSection(True)
        # The whole error of the selected row: the column cuts long reasons (a field and its limit).
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.hide()
        self.empty = QLabel("Không còn sự kiện nào chờ gửi.")
        set_role(self.empty, Role.EMPTY)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        hint = QLabel(
            "Sự kiện “Chờ gửi” được gửi tự động khi có kết nối. Sự kiện “Bị từ chối” không gửi lại: hãy báo"
            " lãnh đạo hoặc bộ phận CNTT kèm nội dung lỗi; các sự kiện sau vẫn được gửi bình thường."
        )
        set_role(hint, Role.HINT)
        hint.setWordWrap(True)
        self.retry_button = QPushButton("Gửi lại ngay (Ctrl+R)")
        set_role(self.retry_button, Role.PRIMARY)
        self.retry_button.setShortcut(QKeySequence("Ctrl+R"))
        self.retry_button.setEnabled(sync is not None)
        self.refresh_button = QPushButton("Làm mới")
        close = QPushButton("Đóng (Esc)")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addWidget(self.codes)
        layout.addWidget(self.clock)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.detail)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        self.retry_button.clicked.connect(self._on_retry_clicked)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        ctx.bus.changed.connect(self._on_bus_changed)
        if sync is not None:
            sync.status_changed.connect(self._on_sync_status_changed)
            if sync.view is not None:
                self._show_view(sync.view)
        else:
            self.summary.setText(
                "Máy trạm này <b>chưa đăng ký với máy chủ</b> (chế độ độc lập): các sự kiện được lưu trên máy"
                " và không gửi đi. Bộ phận CNTT đăng ký máy trạm ở Hệ thống → Đăng ký máy trạm."
            )
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        unit, day = self._ctx.actor.unit_code, self._ctx.clock().date()
        self._ctx.runner.run(lambda s: load_outbox(s, unit, day), self._show_rows, lambda _e: None, write=False)

    def _show_rows(self, loaded: tuple[list[OutboxItem], DayCodes | None]) -> None:
        rows, codes = loaded
        self.codes.setText(codes_text(codes) if codes is not None else "")
        self.codes.setVisible(codes is not None)
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        if rows:
            self.table.selectRow(0)
        self._show_detail(self.table.currentIndex())

    @Slot(QModelIndex)
    def _show_detail(self, current: QModelIndex) -> None:
        """The selected row's last error in full, wrapped, under the table."""
        error = self.model.item(current.row()).last_error if current.isValid() else ""
        self.detail.setText(f"Lỗi của dòng đang chọn: {error}" if error else "")
        self.detail.setVisible(bool(error))

    @Slot()
    def _on_retry_clicked(self) -> None:
        if self._sync is not None:
            self.summary.setText(self.summary.text() + "<br><i>Đang gửi lại…</i>")
            self._sync.retry_now()

    @Slot(object, object)
    def _on_bus_changed(self, _changes: object, _initiator: object) -> None:
        self.refresh()

    @Slot(object)
    def _on_sync_status_changed(self, view: SyncView) -> None:
        self._show_view(view)
        if not view.busy:
            self.refresh()

    def _show_view(self, view: SyncView) -> None:
        st = view.status
        parts = [f"Máy chủ: <b>{st.server_url}</b>", f"Trạng thái: <b>{status_line(view)}</b>"]
        if st.last_success_at is not None:
            parts.append(f"Lần đồng bộ thành công gần nhất: {local_hhmm(st.last_success_at, with_day=True)}")
        if st.next_retry_at is not None and view.online is False:
            parts.append(
                f"Tự động thử lại lúc {local_hhmm(st.next_retry_at)} (lần thất bại thứ {st.consecutive_failures})"
            )
        if view.error and view.online is not False:
            parts.append(f"Lỗi: {view.error}")
        self.summary.setText("<br>".join(parts))
        warning = clock_warning(st)
        self.clock.setText(warning)
        self.clock.setVisible(bool(warning))
