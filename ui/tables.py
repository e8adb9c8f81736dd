"""Read-only tables that open what a row names: one set-up for the supervisor's lists."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QTableView


def read_only_table(model: QAbstractItemModel, accessible_name: str, *, select_rows: bool = True) -> QTableView:
    """A sortable, read-only, single-selection table over ``model``, in the model's own order until
    a heading is clicked (no sort indicator at first)."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(accessible_name)
    table.setSortingEnabled(True)
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    behaviour = QAbstractItemView.SelectionBehavior
    table.setSelectionBehavior(behaviour.SelectRows if select_rows else behaviour.SelectItems)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    return table


def open_on_activate(table: QTableView, open_index: Callable[[QModelIndex], None]) -> None:
    """Double-click, Enter or Return on a valid cell calls ``open_index`` with it."""

    def current() -> None:
        if (index := table.currentIndex()).isValid():
            open_index(index)

    table.doubleClicked.connect(lambda index: open_index(index) if index.isValid() else None)
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        QShortcut(QKeySequence(key), table, context=Qt.ShortcutContext.WidgetShortcut).activated.connect(current)
