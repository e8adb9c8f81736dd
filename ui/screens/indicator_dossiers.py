"""The dossiers behind one figure of the indicators screen; Enter or double-click opens a dossier."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.reports import CountedDossier, counted_by_uids
from ui.context import UiContext
from ui.models.indicator_table import UID_ROLE, FigureDossiersModel
from ui.tables import open_on_activate, read_only_table
from ui.theme import Role, set_role


def open_figure_dossiers(
    ctx: UiContext, title: str, uids: Sequence[str], start: date, end: date, parent: QWidget
) -> None:
    """Read the dossiers ``uids`` as the period ``start`` … ``end`` counts them (off the GUI thread),
    then list them in a :class:`FigureDossiersDialog` over ``parent`` (nothing if ``parent`` is gone)."""
    import shiboken6

    def loaded(rows: list[CountedDossier]) -> None:
        if not shiboken6.isValid(parent):
            return
        dialog = FigureDossiersDialog(ctx, title, rows, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    wanted = tuple(uids)
    ctx.runner.run(lambda s: counted_by_uids(s, start, end, wanted), loaded, write=False)


class FigureDossiersDialog(QDialog):
    """A list of dossiers (code, applicant, procedure, class in the period) under a title.

    Args:
        ctx: the logged-in session's services (to open a dossier's detail).
        title: what the figure is, e.g. "2.1 Hồ sơ giải quyết đúng hạn – Toàn đơn vị".
        rows: the dossiers behind it.
        parent: the indicators screen.
    """

    def __init__(
        self, ctx: UiContext, title: str, rows: Sequence[CountedDossier], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle("Hồ sơ của chỉ số")
        self.resize(960, 520)
        root = QVBoxLayout(self)
        heading = QLabel(f"{title}: {len(rows)} hồ sơ")
        heading.setWordWrap(True)
        set_role(heading, Role.SECTION)
        root.addWidget(heading)
        self._model = FigureDossiersModel(self)
        self._model.set_rows(rows)
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self._model)
        self._table = read_only_table(proxy, "Danh sách hồ sơ của chỉ số")
        header = self._table.horizontalHeader()
        fm = self._table.fontMetrics()
        for col, width in enumerate((fm.horizontalAdvance("000.00.00.H00-000000-0000") + 20, 200, 330)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        open_on_activate(self._table, self._open)
        root.addWidget(self._table, 1)
        if rows:
            self._table.selectRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Đóng")
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        self._table.setFocus()

    @property
    def table(self) -> QTableView:
        return self._table

    @property
    def model(self) -> FigureDossiersModel:
        return self._model

    def _open(self, index: QModelIndex) -> None:
        from ui.screens.dossier_detail import DossierDetailDialog

        dialog = DossierDetailDialog(self._ctx, str(index.data(UID_ROLE)), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
