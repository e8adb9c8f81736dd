"""Biểu II.06a's rows, one shape for the counters (app.services.reports) and the server
(server/sync/period_report.py): a line per field of a level, each level's subtotal, the total."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from app.domain.catalog import AdminLevel

LEVEL_ORDER = {AdminLevel.TINH.value: 0, AdminLevel.XA.value: 1}
"""Levels in the report's order (an unknown level last)."""

COUNTS = ("carried", "online", "direct", "early", "on_time", "late", "in_progress_on_time", "in_progress_late")
"""What a row is made of: received before the period, received online, directly or by post, and
the classes of app.domain.indicators.DossierClass (resolved early/on time/late, in progress)."""


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One line of Biểu II.06a: a field of one level (or a level's or the whole report's total)."""

    level: str  # AdminLevel value, "" when unknown
    level_label: str
    field: str
    received_total: int
    received_online: int
    received_direct_postal: int
    carried_over: int
    resolved_total: int
    resolved_early: int
    resolved_on_time: int
    resolved_late: int
    in_progress_total: int
    in_progress_on_time: int
    in_progress_late: int


@dataclass(frozen=True, slots=True)
class LevelGroup:
    """The rows of one level and their subtotal."""

    level: str
    level_label: str
    rows: tuple[ReportRow, ...]
    subtotal: ReportRow


@dataclass(frozen=True, slots=True)
class PeriodReport:
    """Biểu II.06a "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI …" of a unit (an office, the province) for a period.

    ``received_total`` counts the period's receipts plus those carried over (Tổng số = Trực
    tuyến + Trực tiếp, bưu chính + Từ kỳ trước).
    """

    unit_code: str
    unit_name: str
    governing_body: str
    place_name: str
    start: date
    end: date
    groups: tuple[LevelGroup, ...]
    total: ReportRow

    @property
    def empty(self) -> bool:
        return self.total.received_total == 0


def level_label(level: str) -> str:
    """ "Cấp tỉnh", "Cấp xã", or "Chưa xác định cấp"."""
    try:
        return AdminLevel(level).label
    except ValueError:
        return "Chưa xác định cấp"


def level_order(level: str) -> tuple[int, str]:
    """Sort key of a level in the report."""
    return LEVEL_ORDER.get(level, 9), level


def report_row(level: str, field: str, counts: Mapping[str, int]) -> ReportRow:
    """The line of ``counts`` (keys of :data:`COUNTS`; missing ones are 0), its totals added up."""
    n = {name: int(counts.get(name, 0)) for name in COUNTS}
    return ReportRow(
        level=level, level_label=level_label(level), field=field,
        received_total=n["carried"] + n["online"] + n["direct"], received_online=n["online"],
        received_direct_postal=n["direct"], carried_over=n["carried"],
        resolved_total=n["early"] + n["on_time"] + n["late"], resolved_early=n["early"],
        resolved_on_time=n["on_time"], resolved_late=n["late"],
        in_progress_total=n["in_progress_on_time"] + n["in_progress_late"],
        in_progress_on_time=n["in_progress_on_time"], in_progress_late=n["in_progress_late"],
    )  # fmt: skip
