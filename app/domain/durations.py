"""Legal processing time of a procedure: a value, a unit and an optional same-day cut-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import StrEnum


class DurationUnit(StrEnum):
    """How a procedure's processing time is counted (DOMAIN.md §5)."""

    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    DurationUnit.WORKING_DAYS: "ngày làm việc",
    DurationUnit.WORKING_HOURS: "giờ làm việc",
    DurationUnit.CALENDAR_DAYS: "ngày",
}


@dataclass(frozen=True, slots=True)
class ProcessingTime:
    """E.g. 5 working days; ``value`` 0 with a cut-off means "the same working day".

    ``cutoff`` (e.g. 15:00): a dossier received after it on a working day is counted from the
    start of the next working day.
    """

    value: float
    unit: DurationUnit
    cutoff: time | None = None

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("processing time cannot be negative")

    def text(self) -> str:
        """Vietnamese wording for forms: "05 ngày làm việc", "Trong ngày", "04 giờ làm việc"."""
        if self.value == 0:
            return "Trong ngày làm việc" + (
                f" (sau {self.cutoff:%H} giờ {self.cutoff:%M} trả vào ngày làm việc tiếp theo)" if self.cutoff else ""
            )
        number = f"{int(self.value):02d}" if float(self.value).is_integer() else f"{self.value:g}".replace(".", ",")
        return f"{number} {self.unit.label}"
