"""Xung đột cần xử lý: the conflicts the server opened; a supervisor resolves them here.

A supervisor's list comes from the server (``GET /conflicts``) and is cached on this PC, so it
is still shown offline, with when it was last fetched. A counter officer sees what sync taught
this PC (read-only). Network and database work run through the op runner, never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserFacingError
from app.services.drafts import Changes
from app.sync.conflicts import ConflictEvent, ConflictItem, ConflictList, Listing, is_supervisor
from ui.context import UiContext
from ui.models.rows import RowsTableModel
from ui.ops import Latest
from ui.sync_runner import SyncRunner, local_hhmm
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from app.sync.transport import Transport
    from app.sync.wire import ConflictWire

COL_KIND, COL_DOSSIER, COL_EVENTS, COL_OPENED, COL_STATE = range(5)
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
"""The whole ``ConflictItem`` on every cell of its row."""
_HEADERS = ("Loại xung đột", "Hồ sơ", "Các sự kiện liên quan", "Phát hiện lúc", "Tình trạng")
OPEN_COLOR = QColor("#b00020")
_Index = QModelIndex | QPersistentModelIndex


def event_line(e: ConflictEvent) -> str:
    """E.g. "23/11/2026 09:45 · Bàn giao hồ sơ giấy → Bộ phận Tư pháp · Nguyễn Thị Thuỳ Dương · Quầy số 01"."""
    when = e.occurred_at.strftime("%d/%m/%Y %H:%M") if e.occurred_at is not None else "—"
    return " · ".join(p for p in (when, e.what, e.officer_name, e.counter_name) if p)


def state_text(item: ConflictItem) -> str:
    if item.is_open:
        return "Đang mở – chờ lãnh đạo giải quyết"
    who = f" ({item.resolved_by})" if item.resolved_by else ""
    return f"Đã giải quyết lúc {local_hhmm(item.resolved_at, with_day=True)}{who}"


def banner_text(items: Sequence[ConflictItem]) -> str:
    """The dossier detail's red banner: "Hồ sơ đang có xung đột: <kind> – <what is wrong>"."""
    parts = [f"{i.kind_label} – {i.description}" for i in items]
    return (
        "Hồ sơ đang có xung đột: " + " | ".join(parts) + " Lãnh đạo xem và giải quyết ở Hệ thống → Xung đột cần xử lý."
    )


class ConflictTableModel(RowsTableModel):
    """Read-only rows of conflicts, as :func:`app.sync.conflicts.list_conflicts` ordered them."""

    HEADERS = _HEADERS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ConflictItem] = []

    def item(self, row: int) -> ConflictItem:
        return self._rows[row]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item, col = self._rows[index.row()], index.column()
        if role == ITEM_ROLE:
            return item
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(item, col)
        if role == Qt.ItemDataRole.ForegroundRole and item.is_open and col in (COL_KIND, COL_STATE):
            return QBrush(OPEN_COLOR)
        return None

    @staticmethod
    def _text(item: ConflictItem, col: int) -> str:
        match col:
            case 0:
                return item.kind_label
            case 1:
                return "\n".join(p for p in (item.dossier_code, item.applicant_name) if p) or item.dossier_uid
            case 2:
                return "\n".join(event_line(e) for e in item.events)
            case 3:
                return local_hhmm(item.opened_at, with_day=True)
            case _:
                return state_text(item)


class ConflictsDialog(QDialog):
    """Lists conflicts; a supervisor resolves the selected one with a required text.

    Args:
        ctx: the logged-in session's services.
        sync: the running sync (its transport reaches the server), or None on a standalone PC.
    """

    def __init__(self, ctx: UiContext, sync: SyncRunner | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self._sync = ctx, sync
        self._transport: Transport | None = sync.engine.transport if sync is not None else None
        self.supervisor = is_supervisor(ctx.actor.role)
        self._fetch_message = ""
        self.setWindowTitle("Xung đột cần xử lý – MotCua Desk")
        self.resize(1300, 680)
        title = QLabel("Xung đột cần xử lý")
        set_role(title, Role.TITLE)
        self.updated = QLabel()
        self.updated.setWordWrap(True)
        self.message = QLabel()
        set_role(self.message, Role.ERROR)
        self.message.setWordWrap(True)
        self.message.hide()
        self._reads = Latest(self)
        self.show_resolved = QCheckBox("Hiện cả xung đột đã giải quyết")
        self.model = ConflictTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Danh sách xung đột")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_KIND, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_KIND, 210)
        header.setSectionResizeMode(COL_DOSSIER, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_DOSSIER, 230)
        header.setSectionResizeMode(COL_EVENTS, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_OPENED, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_STATE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_STATE, 220)
        self.empty = QLabel("Không có xung đột nào cần xử lý.")
        set_role(self.empty, Role.EMPTY)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.resolution = QPlainTextEdit()
        self.resolution.setPlaceholderText(
            "Cách giải quyết (bắt buộc): hồ sơ giấy đang thực sự ở đâu, ai giữ, phiếu nào bị huỷ, đã báo ai…"
        )
        self.resolution.setAccessibleName("Cách giải quyết")
        self.resolution.setFixedHeight(70)
        self.resolution_error = QLabel()
        set_role(self.resolution_error, Role.ERROR)
        self.resolution_error.hide()
        self.resolve_button = QPushButton("Giải quyết xung đột (Ctrl+Enter)")
        set_role(self.resolve_button, Role.PRIMARY)
        self.resolve_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.resolve_button.setEnabled(False)
        self.refresh_button = QPushButton("Làm mới (Ctrl+R)")
        self.refresh_button.setShortcut(QKeySequence("Ctrl+R"))
        close = QPushButton("Đóng (Esc)")
        close.clicked.connect(self.reject)
        hint = QLabel(
            "Lãnh đạo ghi cách giải quyết rồi bấm “Giải quyết xung đột”: việc giải quyết được ghi thành sự kiện"
            " và gửi đến mọi quầy."
            if self.supervisor
            else "Bạn xem được danh sách (chỉ đọc). Lãnh đạo, giám sát giải quyết xung đột; hãy báo lãnh đạo"
            " khi thấy hồ sơ có xung đột."
        )
        set_role(hint, Role.HINT)
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        if self.supervisor:
            buttons.addWidget(self.resolve_button)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.show_resolved)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.updated)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.detail)
        if self.supervisor:
            layout.addWidget(self.resolution)
            layout.addWidget(self.resolution_error)
        else:
            self.resolution.hide()
        layout.addWidget(hint)
        layout.addLayout(buttons)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.resolve_button.clicked.connect(self._on_resolve_clicked)
        self.refresh_button.clicked.connect(self.refresh)
        self.show_resolved.toggled.connect(self._on_show_resolved_toggled)
        ctx.bus.changed.connect(self._on_bus_changed)
        self.refresh()

    # --- data ---------------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Show the cached list now; a supervisor's PC then asks the server and shows it again."""
        self._load()
        transport = self._transport
        if not self.supervisor or transport is None:
            return
        from app.sync.conflicts import download

        self.refresh_button.setEnabled(False)
        self._ctx.runner.run(lambda _s: download(transport), self._on_downloaded, self._on_download_failed,
                             write=False)  # fmt: skip

    def _on_downloaded(self, answers: list[ConflictWire]) -> None:
        from app.sync.conflicts import store
        from app.sync.state import utc_now

        if not shiboken6.isValid(self):
            return
        self._fetch_message = ""
        self._ctx.runner.run(lambda s: store(s, answers, utc_now()), lambda _r: self._loaded_again(), self._failed,
                             write=True)  # fmt: skip

    def _loaded_again(self) -> None:
        if shiboken6.isValid(self):
            self.refresh_button.setEnabled(True)
            self._load()

    def _on_download_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        from app.sync.transport import OfflineError

        self.refresh_button.setEnabled(True)
        if isinstance(exc, OfflineError):
            self._fetch_message = f"{exc} Đang hiện danh sách đã lưu trên máy; bấm “Làm mới” khi có kết nối."
        else:
            self._fetch_message = f"Không lấy được danh sách từ máy chủ: {exc}"
        self._load()

    def _failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            self.refresh_button.setEnabled(True)
            self.message.setText(str(exc))
            self.message.show()

    def _load(self) -> None:
        from app.sync.conflicts import list_conflicts

        listing: Listing = "all" if self.show_resolved.isChecked() else "open"
        # A load started earlier (say by sync, before "show resolved" was ticked) can finish later.
        show, failed = self._reads.guard(self._show, self._failed)
        self._ctx.runner.run(lambda s: list_conflicts(s, listing), show, failed, write=False)

    def _show(self, loaded: ConflictList) -> None:
        if not shiboken6.isValid(self):
            return
        current = self._current()
        self.model.set_rows(loaded.items)
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(loaded.items))
        self.empty.setVisible(not loaded.items)
        open_count = sum(1 for i in loaded.items if i.is_open)
        if self._transport is None:
            source = "Máy trạm chưa đăng ký với máy chủ: chỉ có các xung đột máy này biết."
        elif not self.supervisor:
            source = "Các xung đột máy này nhận được khi đồng bộ."
        elif loaded.fetched_at is None:
            source = "Chưa lấy được danh sách từ máy chủ."
        else:
            source = f"Danh sách từ máy chủ, cập nhật lúc {local_hhmm(loaded.fetched_at, with_day=True)}."
        self.updated.setText(f"{source} Đang mở: {open_count}.")
        self.message.setText(self._fetch_message)
        self.message.setVisible(bool(self._fetch_message))
        row = next((n for n, i in enumerate(loaded.items) if current and i.key == current.key), 0)
        if loaded.items:
            self.table.selectRow(row)
        self._show_detail(self._current())

    def _current(self) -> ConflictItem | None:
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() and index.row() < self.model.rowCount() else None

    def _show_detail(self, item: ConflictItem | None) -> None:
        if item is None:
            self.detail.setText("")
            self.resolve_button.setEnabled(False)
            return
        lines = [f"{item.kind_label}: {item.description}", *("• " + event_line(e) for e in item.events)]
        if not item.is_open:
            lines.append(f"Cách giải quyết: {item.resolution} — {state_text(item)}")
        elif self.supervisor and item.conflict_id is None:
            lines.append("Chưa có mã xung đột từ máy chủ: bấm “Làm mới” khi có kết nối để giải quyết.")
        self.detail.setText("\n".join(lines))
        self.resolve_button.setEnabled(self.supervisor and item.can_resolve and self._transport is not None)

    # --- resolving ------------------------------------------------------------------------------

    @Slot()
    def _on_resolve_clicked(self) -> None:
        from app.sync.conflicts import check_resolution

        item = self._current()
        if item is None or not item.can_resolve or self._transport is None:
            return
        try:
            text = check_resolution(self.resolution.toPlainText())
        except UserFacingError as exc:
            self._show_resolution_error(exc)
            return
        self.resolution_error.hide()
        question = (
            f"Giải quyết xung đột “{item.kind_label}” của hồ sơ {item.dossier_code or item.dossier_uid}"
            f" với nội dung:\n\n{text}\n\nViệc giải quyết được ghi lại và gửi đến mọi quầy, không sửa được. Tiếp tục?"
        )
        if not self._ctx.prompts.confirm(self, "Xác nhận giải quyết xung đột", question):
            return
        self._send(item, text)

    def _send(self, item: ConflictItem, text: str) -> None:
        from app.sync.conflicts import send_resolution

        transport, conflict_id = self._transport, item.conflict_id
        assert transport is not None
        self.resolve_button.setEnabled(False)
        self.resolve_button.setText("Đang gửi…")
        self._ctx.runner.run(lambda _s: send_resolution(transport, conflict_id, text),
                             lambda answer: self._on_resolved(item, answer), self._on_resolve_failed,
                             write=False)  # fmt: skip

    def _on_resolved(self, item: ConflictItem, answer: ConflictWire) -> None:
        from app.sync.conflicts import store
        from app.sync.state import utc_now

        if not shiboken6.isValid(self):
            return
        self.resolve_button.setText("Giải quyết xung đột (Ctrl+Enter)")
        self.resolution.clear()

        def done(_result: object) -> None:
            self._ctx.bus.publish(Changes(frozenset({item.dossier_uid})), self)
            if self._sync is not None:
                self._sync.retry_now()  # bring the conflict.resolved event in now
            if shiboken6.isValid(self):
                self._load()

        self._ctx.runner.run(lambda s: store(s, [answer], utc_now()), done, self._failed, write=True)

    def _on_resolve_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self.resolve_button.setText("Giải quyết xung đột (Ctrl+Enter)")
        self._show_detail(self._current())
        self._show_resolution_error(exc)

    def _show_resolution_error(self, exc: BaseException) -> None:
        message = str(exc)
        from app.sync.transport import OfflineError

        if isinstance(exc, OfflineError):
            message += " Chưa giải quyết được; nội dung đã ghi vẫn còn, hãy gửi lại khi có kết nối."
        self.resolution_error.setText(message)
        self.resolution_error.show()

    # --- slots ----------------------------------------------------------------------------------

    @Slot(QModelIndex, QModelIndex)
    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_detail(self.model.item(current.row()) if current.isValid() else None)

    @Slot(bool)
    def _on_show_resolved_toggled(self, _checked: bool) -> None:
        self._load()

    @Slot(object, object)
    def _on_bus_changed(self, _changes: object, initiator: object) -> None:
        if initiator is not self:
            self._load()  # sync brought events: a conflict may have opened or closed
