"""Figures of the indicators screen as text, and the table models of the breakdown and of a figure's dossiers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from app.domain.indicators import (
    DEFAULT_RULES,
    NO_VALUE,
    Channel,
    NormFigure,
    Ratio,
    combined_norm,
    norm_text,
    percent_text,
)
from app.services.reports import CountedDossier, Indicators
from ui.models.rows import RowsTableModel

SORT_ROLE = Qt.ItemDataRole.UserRole + 3
"""A comparable value per cell (percent or count; -1 for "—")."""
UIDS_ROLE = Qt.ItemDataRole.UserRole + 4
"""The uids of the dossiers behind a cell's figure."""
TITLE_ROLE = Qt.ItemDataRole.UserRole + 5
"""What a cell's figure is, said in full (the title of its dossier list)."""
UID_ROLE = Qt.ItemDataRole.UserRole + 1
"""The dossier's uid on every cell of a dossier-list row."""

_Index = QModelIndex | QPersistentModelIndex


def number_text(value: float | None) -> str:
    """A number the Vietnamese way, 2 decimals at most ("13,69", "20"); "—" for none."""
    if value is None:
        return NO_VALUE
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _count(ratio: Ratio) -> str:
    return f"({ratio.numerator}/{ratio.denominator} hồ sơ)"


def all_uids(ind: Indicators) -> tuple[str, ...]:
    """Every dossier the group counts (on time or not)."""
    return ind.on_time.uids + ind.late.uids


def norm_figure(ind: Indicators) -> NormFigure:
    """2.2 of ``ind``: its procedures' figures (app.services.reports) combined by app.domain.indicators."""
    return combined_norm((p.finished, p.faster_percent) for p in ind.processing)


def norm_uids(ind: Indicators) -> tuple[str, ...]:
    """The finished dossiers behind 2.2 of ``ind`` (every procedure's)."""
    return tuple(u for p in ind.processing for u in p.uids)


def norm_cell(ind: Indicators) -> str:
    """ "nhanh hơn quy định 23% (11/11 hồ sơ)" or "—"."""
    fig = norm_figure(ind)
    if fig.faster_percent is None:
        return NO_VALUE
    return f"{norm_text(fig.faster_percent)} ({fig.measured}/{fig.finished} hồ sơ)"


def against_satisfaction(ind: Indicators) -> tuple[str, ...]:
    """5.4's dossiers against it: late, or rated "Không hài lòng"."""
    seen = dict.fromkeys(ind.late.uids + ind.dissatisfied.uids)
    return tuple(seen)


def satisfaction_cell(ind: Indicators) -> str:
    """ "83,5% (quá hạn 59, không hài lòng 2 / 358 hồ sơ)" or "—"."""
    if ind.satisfaction is None:
        return NO_VALUE
    return (
        f"{percent_text(ind.satisfaction)} (quá hạn {ind.late.numerator}, "
        f"không hài lòng {ind.dissatisfied.numerator} / {ind.counted} hồ sơ)"
    )


def ratio_cell(ratio: Ratio) -> str:
    """ "68,44% (245/358 hồ sơ)" or "—"."""
    return NO_VALUE if ratio.percent is None else f"{ratio.text()} {_count(ratio)}"


def score_text(score: float | None, max_points: float) -> str:
    """ "13,69/20 điểm" or "—"."""
    return NO_VALUE if score is None else f"{number_text(score)}/{number_text(max_points)} điểm"


@dataclass(frozen=True, slots=True)
class Column:
    """One figure column: heading, cell text, sort value and the dossiers behind it."""

    heading: str
    title: str
    text: Callable[[Indicators], str]
    sort: Callable[[Indicators], Any]
    uids: Callable[[Indicators], tuple[str, ...]]


def _pct(value: float | None) -> float:
    return -1.0 if value is None else value


COLUMNS: tuple[Column, ...] = (
    Column("Tên", "Hồ sơ tính trong kỳ", lambda i: i.name or NO_VALUE, lambda i: i.name, all_uids),
    Column("Số hồ sơ", "Hồ sơ tính trong kỳ", lambda i: str(i.counted), lambda i: i.counted, all_uids),
    Column("2.1 Đúng hạn", "2.1 Hồ sơ giải quyết đúng hạn", lambda i: ratio_cell(i.on_time),
           lambda i: _pct(i.on_time.percent), lambda i: i.on_time.uids),
    Column("Điểm 2.1", "2.1 Hồ sơ giải quyết đúng hạn",
           lambda i: score_text(i.on_time_score, DEFAULT_RULES.on_time.max_points),
           lambda i: _pct(i.on_time_score), lambda i: i.on_time.uids),
    Column("Quá hạn", "Hồ sơ quá hạn", lambda i: ratio_cell(i.late), lambda i: _pct(i.late.percent),
           lambda i: i.late.uids),
    Column("2.2 So với quy định", "2.2 Hồ sơ đã giải quyết (thời gian giải quyết)", norm_cell,
           lambda i: _pct(norm_figure(i).faster_percent), norm_uids),
    Column("3.3 Trực tiếp", "3.3 Hồ sơ nộp trực tiếp", lambda i: ratio_cell(i.channels[Channel.DIRECT]),
           lambda i: _pct(i.channels[Channel.DIRECT].percent), lambda i: i.channels[Channel.DIRECT].uids),
    Column("3.3 Trực tuyến", "3.3 Hồ sơ nộp trực tuyến", lambda i: ratio_cell(i.channels[Channel.ONLINE]),
           lambda i: _pct(i.channels[Channel.ONLINE].percent), lambda i: i.channels[Channel.ONLINE].uids),
    Column("3.3 Bưu chính", "3.3 Hồ sơ nộp qua bưu chính", lambda i: ratio_cell(i.channels[Channel.POSTAL]),
           lambda i: _pct(i.channels[Channel.POSTAL].percent), lambda i: i.channels[Channel.POSTAL].uids),
    Column("4.2 Số hoá", "4.2 Hồ sơ đã số hoá", lambda i: ratio_cell(i.digitised), lambda i: _pct(i.digitised.percent),
           lambda i: i.digitised.uids),
    Column("5.4 Hài lòng", "5.4 Hồ sơ làm giảm mức hài lòng (quá hạn hoặc không hài lòng)", satisfaction_cell,
           lambda i: _pct(i.satisfaction), against_satisfaction),
)  # fmt: skip
COL_NAME, COL_COUNT, COL_ON_TIME, COL_SCORE, COL_LATE, COL_NORM = 0, 1, 2, 3, 4, 5
COL_DIRECT, COL_ONLINE, COL_POSTAL, COL_DIGITISED, COL_SATISFACTION = 6, 7, 8, 9, 10


class IndicatorTableModel(RowsTableModel):
    """One row per group (department, field, procedure or officer), one column per figure."""

    HEADERS = tuple(c.heading for c in COLUMNS)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._name_heading = COLUMNS[COL_NAME].heading

    def set_rows(self, rows: Sequence[Any], name_heading: str = "") -> None:
        """Show ``rows``; the first column headed ``name_heading`` (the grouping, e.g. "Lĩnh vực")."""
        self._name_heading = name_heading or COLUMNS[COL_NAME].heading
        super().set_rows(rows)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if section == COL_NAME and orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._name_heading
        return super().headerData(section, orientation, role)

    def row_at(self, row: int) -> Indicators:
        value: Indicators = self._rows[row]
        return value

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        ind, col = self.row_at(index.row()), COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return col.text(ind)
        if role == SORT_ROLE:
            return col.sort(ind)
        if role == UIDS_ROLE:
            return col.uids(ind)
        if role == TITLE_ROLE:
            return f"{col.title} – {ind.name}"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == COL_COUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class FigureDossiersModel(RowsTableModel):
    """The dossiers behind one figure: code, applicant, procedure and class in the period."""

    HEADERS = ("Mã hồ sơ", "Người nộp", "Thủ tục", "Phân loại trong kỳ")

    def row_at(self, row: int) -> CountedDossier:
        value: CountedDossier = self._rows[row]
        return value

    def rows(self) -> list[CountedDossier]:
        return list(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        c = self.row_at(index.row())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (c.facts.code, c.applicant_name, c.procedure_name, c.cls.label)[index.column()]
        if role == UID_ROLE:
            return c.facts.uid
        return None
