"""Click-to-sort for the row tables, and the remembered sort of each table (issue 15).

The lists sorted here are what one query returned (the dossier list's newest 200 matches, the
custody view's newest 500 folders): sorting them in memory takes well under a millisecond and
keeps the query's fast plan. Column ``-1`` restores the query's own order (newest first).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QTableView

from app.text import fold
from ui.models.rows import RowsTableModel

log = logging.getLogger(__name__)

GROUP = "sort"


def text_key(value: str | None) -> tuple[bool, str, str]:
    """Sort key of a text cell: accents ignored first ("Đào" with the D's), empty cells last."""
    return (not value, fold(value), value or "")


def value_key(value: Any) -> tuple[bool, Any]:
    """Sort key of a date or number cell: empty cells last."""
    return (value is None, value if value is not None else 0)


class SortableRowsModel(RowsTableModel):
    """Rows that sort by a column when the header is clicked, and stay sorted on the next load.

    Subclasses set ``SORT_KEYS``: column → key function of a row (see :func:`text_key`).
    """

    SORT_KEYS: ClassVar[dict[int, Callable[[Any], Any]]] = {}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._natural: list[Any] = []
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Show ``rows``, in the sort the officer chose (or as given)."""
        self._natural = list(rows)
        super().set_rows(self._sorted())

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Qt override: reorder by ``column`` (-1: as the query returned them); selection follows."""
        if column != -1 and column not in self.SORT_KEYS:
            return
        self._sort_column, self._sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        old = list(self._rows)
        self._rows = self._sorted()
        position = {id(row): i for i, row in enumerate(self._rows)}
        persistent = self.persistentIndexList()
        moved = [self.index(position[id(old[i.row()])], i.column()) for i in persistent]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _sorted(self) -> list[Any]:
        key = self.SORT_KEYS.get(self._sort_column)
        if key is None:
            return list(self._natural)
        return sorted(self._natural, key=key, reverse=self._sort_order == Qt.SortOrder.DescendingOrder)


class SortMemory:
    """Each table's last sort in QSettings (tests pass an INI file of their own).

    Args:
        qsettings: Where to keep it; the application's QSettings when None.
    """

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._qs = qsettings if qsettings is not None else QSettings()

    def attach(self, view: QTableView, key: str) -> None:
        """Turn on header sorting of ``view``, restore its remembered sort and remember each change."""
        header = view.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        column, order = self.load(key)
        header.setSortIndicator(column, order)
        view.setSortingEnabled(True)  # sorts the model by the indicator

        def save(section: int, new_order: Qt.SortOrder) -> None:
            self._qs.setValue(f"{GROUP}/{key}", f"{section}:{new_order.value}")

        header.sortIndicatorChanged.connect(save)

    def load(self, key: str) -> tuple[int, Qt.SortOrder]:
        """The remembered (column, order) of ``key``; nothing or unreadable: the query's order."""
        raw = str(self._qs.value(f"{GROUP}/{key}", "-1:0"))
        try:
            column, order = (int(part) for part in raw.split(":"))
            return column, Qt.SortOrder(order)
        except ValueError:
            log.warning("sort setting %s=%r unreadable; using the default order", key, raw)
            return -1, Qt.SortOrder.AscendingOrder
