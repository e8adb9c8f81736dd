"""Dossier list: accent-insensitive search, status filter, and opening a dossier's detail."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.codes import parse_dossier_code
from app.domain.status import DossierStatus
from app.services.dossiers import DossierRow, search
from app.services.drafts import Changes
from ui.context import UiContext
from ui.models.dossier_table import (
    COL_APPLICANT,
    COL_CHANNEL,
    COL_CODE,
    COL_DUE,
    COL_PERSONAL_ID,
    COL_PHONE,
    COL_PROCEDURE,
    COL_RECEIVED,
    COL_STATUS,
    UID_ROLE,
    DossierTableModel,
)
from ui.models.sorting import SortMemory
from ui.screens.dossier_detail import DossierDetailDialog
from ui.theme import Role, set_role

SEARCH_DELAY_MS = 200
"""Wait this long after the last keystroke before querying (typing stays smooth)."""
RESULT_LIMIT = 200
PLACEHOLDER = "Tìm theo mã hồ sơ, họ tên, số định danh, điện thoại… (không cần gõ dấu)"
ALL_STATUSES = "Tất cả trạng thái"
EMPTY_TEXT = "Không có hồ sơ phù hợp"


class DossierListScreen(QWidget):
    """Search and browse dossiers, newest first or by a column; Enter or double-click opens the detail.

    Args:
        ctx: the logged-in session's services.
        parent: Qt parent.
        sort_memory: where the header sort the officer chose is remembered (QSettings by default).

    Signals:
        dossier_opened(str): the uid of a dossier the officer opened (its detail dialog is shown).
    """

    dossier_opened = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, sort_memory: SortMemory | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._sort_memory = sort_memory or SortMemory()
        self._seq = 0
        self._shown_seq = 0  # the search whose rows are on screen
        self._pending_code: str | None = None
        self._focus_results = False
        self._model = DossierTableModel(ctx.clock, self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._build()
        ctx.bus.changed.connect(self._on_bus_changed)
        self._search_now()

    # --- public -----------------------------------------------------------------------------------

    @property
    def model(self) -> DossierTableModel:
        """The rows on screen."""
        return self._model

    @property
    def search_edit(self) -> QLineEdit:
        """The search box."""
        return self._search

    @property
    def status_combo(self) -> QComboBox:
        """The status filter."""
        return self._status

    @property
    def table(self) -> QTableView:
        """The result table."""
        return self._table

    @property
    def count_label(self) -> QLabel:
        """The result count."""
        return self._count

    @property
    def is_searching(self) -> bool:
        """A search is waiting for its delay or its result."""
        return self._timer.isActive() or self._seq != self._shown_seq

    def open_code(self, code: str) -> None:
        """Show the dossier with this code (typed or scanned) and open its detail when found."""
        parsed = parse_dossier_code(code)
        text = parsed.text if parsed else code.strip()
        self._status.setCurrentIndex(0)
        self._search.setText(text)
        self._pending_code = parsed.text if parsed else None
        self._search_now()

    def focus_search(self) -> None:
        """Put the cursor in the search box with its text selected (Ctrl+F)."""
        self._search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._search.selectAll()

    # --- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        bar = QHBoxLayout()
        self._search = QLineEdit()
        self._search.setPlaceholderText(PLACEHOLDER)
        self._search.setClearButtonEnabled(True)
        self._search.setAccessibleName("Tìm hồ sơ")
        self._search.setToolTip("Ctrl+F để tìm; ↓ hoặc Enter để chuyển xuống danh sách")
        self._search.textChanged.connect(self._on_search_text_changed)
        self._search.returnPressed.connect(self._on_search_return_pressed)
        self._status = QComboBox()
        self._status.setAccessibleName("Lọc theo trạng thái")
        self._status.addItem(ALL_STATUSES, None)
        for status in DossierStatus:
            self._status.addItem(status.label, int(status))
        self._status.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._status.currentIndexChanged.connect(self._on_status_current_index_changed)
        self._count = QLabel()
        self._count.setMinimumWidth(self._count.fontMetrics().horizontalAdvance("200 hồ sơ mới nhất") + 8)
        self._count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self._search, 1)
        bar.addWidget(self._status)
        bar.addWidget(self._count)
        root.addLayout(bar)

        self._table = QTableView()
        self._table.setModel(self._model)
        self._table.setAccessibleName("Danh sách hồ sơ")
        # SQL returns the newest matches first; a header click sorts them by that column (remembered).
        self._sort_memory.attach(self._table, "dossier_list")
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._table.setAlternatingRowColors(True)
        self._table.setWordWrap(False)
        self._table.verticalHeader().hide()
        self._table.doubleClicked.connect(self._on_table_double_clicked)
        self._size_columns()

        self._empty = QLabel(EMPTY_TEXT)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        set_role(self._empty, Role.EMPTY)
        self._stack = QStackedWidget()
        self._stack.addWidget(self._table)
        self._stack.addWidget(self._empty)
        root.addWidget(self._stack, 1)

        find = QShortcut(QKeySequence("Ctrl+F"), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        down = QShortcut(QKeySequence(Qt.Key.Key_Down), self._search, context=Qt.ShortcutContext.WidgetShortcut)
        down.activated.connect(self._on_search_down_activated)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            enter = QShortcut(QKeySequence(key), self._table, context=Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(self._on_table_enter_activated)

    def _size_columns(self) -> None:
        header = self._table.horizontalHeader()
        header.setMinimumSectionSize(60)
        fm = self._table.fontMetrics()
        pad = 24
        widths = {
            COL_CODE: fm.horizontalAdvance("000.00.00.H00-000000-0000") + pad,
            COL_APPLICANT: fm.horizontalAdvance("Nguyễn Phước Vĩnh Thuỵ") + pad,
            COL_PERSONAL_ID: fm.horizontalAdvance("000000000000") + pad,
            COL_PHONE: max(fm.horizontalAdvance("Điện thoại"), fm.horizontalAdvance("00000000000")) + pad,
            COL_STATUS: fm.horizontalAdvance("Yêu cầu bổ sung giấy tờ") + pad,
            COL_RECEIVED: fm.horizontalAdvance("00/00/0000 00:00") + pad,
            COL_DUE: fm.horizontalAdvance("00/00/0000 00:00") + pad,
            COL_CHANNEL: fm.horizontalAdvance("Trực tuyến") + pad,
        }
        for col, width in widths.items():
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        header.setSectionResizeMode(COL_PROCEDURE, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    # --- searching --------------------------------------------------------------------------------

    def _search_now(self) -> None:
        self._timer.stop()
        self._seq += 1
        seq, query, status = self._seq, self._search.text(), self._status.currentData()

        def done(rows: list[DossierRow]) -> None:
            if shiboken6.isValid(self) and seq == self._seq:
                self._on_search_done(seq, rows)

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self) and seq == self._seq:
                self._shown_seq = seq
                self._model.set_rows([])
                self._count.setText("")
                self._empty.setText(f"Không tìm được hồ sơ: {exc}")
                self._stack.setCurrentWidget(self._empty)

        self._ctx.runner.run(lambda session: search(session, query, status, RESULT_LIMIT), done, failed, write=False)

    def _on_search_done(self, seq: int, rows: list[DossierRow]) -> None:
        keep = self._current_uid()
        self._shown_seq = seq
        self._model.set_rows(rows)
        n = len(rows)
        self._count.setText(f"{n} hồ sơ mới nhất" if n >= RESULT_LIMIT else f"{n} hồ sơ")
        self._count.setToolTip("Chỉ hiện các hồ sơ mới nhất; gõ thêm để thu hẹp" if n >= RESULT_LIMIT else "")
        code, self._pending_code = self._pending_code, None
        if not rows:
            self._empty.setText(f"Không tìm thấy hồ sơ có mã {code}" if code else EMPTY_TEXT)
            self._stack.setCurrentWidget(self._empty)
            return
        self._stack.setCurrentWidget(self._table)
        if code is not None and (row := self._model.row_of_code(code)) >= 0:
            self._select_row(row)
            self._table.setFocus()
            self._open_row(row)
            return
        row = self._model.row_of_uid(keep) if keep else -1
        if self._focus_results:
            row = max(row, 0)
            self._table.setFocus()
        self._focus_results = False
        if row >= 0:
            self._select_row(row)

    def _current_uid(self) -> str | None:
        index = self._table.currentIndex()
        return str(index.data(UID_ROLE)) if index.isValid() else None

    def _select_row(self, row: int) -> None:
        index = self._model.index(row, COL_CODE)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self._table.selectionModel().setCurrentIndex(index, flags)
        self._table.scrollTo(index)

    def _open_row(self, row: int) -> None:
        uid = self._model.row_at(row).uid
        self.dossier_opened.emit(uid)
        dialog = DossierDetailDialog(self._ctx, uid, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # --- slots ------------------------------------------------------------------------------------

    @Slot(str)
    def _on_search_text_changed(self, text: str) -> None:
        self._pending_code = None
        self._timer.start()

    @Slot()
    def _on_search_return_pressed(self) -> None:
        if self.is_searching:
            self._focus_results = True
            self._search_now()
        else:
            self._on_search_down_activated()

    @Slot()
    def _on_search_down_activated(self) -> None:
        if self._model.rowCount() > 0:
            if not self._table.currentIndex().isValid():
                self._select_row(0)
            self._table.setFocus(Qt.FocusReason.TabFocusReason)

    @Slot(int)
    def _on_status_current_index_changed(self, index: int) -> None:
        self._search_now()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self._search_now()

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self._open_row(index.row())

    @Slot()
    def _on_table_enter_activated(self) -> None:
        index = self._table.currentIndex()
        if index.isValid():
            self._open_row(index.row())

    @Slot(object, object)
    def _on_bus_changed(self, changes: Changes, initiator: object) -> None:
        if changes.dossier_uids:
            self._timer.start()
