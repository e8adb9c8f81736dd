"""Working calendar: office hours, public holidays, make-up working days and due dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from app.domain.durations import DurationUnit, ProcessingTime
from app.errors import UserFacingError
from app.text import nfc

if TYPE_CHECKING:  # imported on first use: it costs ~25 ms of start-up
    import holidays

PACKAGE_SOURCE = "holidays (thư viện)"
"""``DayInfo.source`` of days that come from the ``holidays`` package."""

ADMIN_SOURCE = "Quản trị nhập"
"""``DayInfo.source`` of an admin entry that has no legal reference."""

# A calendar without a working day in ten years is a configuration error, not a loop to wait on.
_MAX_SEARCH_DAYS = 3660

_WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def weekday_vi(day: date) -> str:
    """Vietnamese weekday name: "Thứ Hai" … "Chủ nhật"."""
    return _WEEKDAYS_VI[day.weekday()]


class CalendarError(UserFacingError):
    """The calendar configuration (office hours, admin entries) cannot be used."""


class EntryKind(StrEnum):
    """Kind of a calendar day that differs from the ordinary Monday–Friday week."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"  # make-up working day (ngày làm bù), usually a Saturday

    @property
    def label(self) -> str:
        """Vietnamese label: "Nghỉ lễ" or "Làm bù"."""
        return "Nghỉ lễ" if self is EntryKind.HOLIDAY else "Làm bù"


def _hhmm(value: time) -> str:
    return f"{value:%H:%M}"


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Daily working periods of a unit, e.g. 07:00–11:30 and 13:30–17:00.

    Periods are naive local times, each ``start < end``, in order and not overlapping.
    """

    periods: tuple[tuple[time, time], ...] = ((time(7), time(11, 30)), (time(13, 30), time(17)))

    def __post_init__(self) -> None:
        periods = tuple((start, end) for start, end in self.periods)
        object.__setattr__(self, "periods", periods)
        if not periods:
            raise CalendarError("Chưa khai báo buổi làm việc nào. Nhập ít nhất một buổi, ví dụ 07:00–11:30.")
        previous_end: time | None = None
        for start, end in periods:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise CalendarError("Giờ làm việc phải là giờ địa phương, không kèm múi giờ.")
            if start >= end:
                raise CalendarError(
                    f"Buổi làm việc {_hhmm(start)}–{_hhmm(end)} không hợp lệ: giờ bắt đầu phải trước giờ kết thúc."
                )
            if previous_end is not None and start < previous_end:
                raise CalendarError(
                    f"Buổi làm việc bắt đầu {_hhmm(start)} chồng lên hoặc đứng trước buổi kết thúc"
                    f" {_hhmm(previous_end)}. Nhập các buổi theo thứ tự trong ngày, không chồng nhau."
                )
            previous_end = end

    @property
    def opening(self) -> time:
        """Start of the first period of the day."""
        return self.periods[0][0]

    @property
    def closing(self) -> time:
        """End of the last period of the day."""
        return self.periods[-1][1]

    @property
    def minutes_per_day(self) -> int:
        """Total working minutes in one day (480 for the default hours)."""
        seconds = sum(
            (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds()
            for start, end in self.periods
        )
        return int(seconds // 60)

    @classmethod
    def from_setting(cls, value: Any) -> OfficeHours:
        """Office hours from their stored form, ``[["07:00", "11:30"], ["13:30", "17:00"]]``.

        None (nothing configured) gives the default hours.

        Raises:
            CalendarError: The stored value is not a list of ``[start, end]`` "HH:MM" pairs.
        """
        if value is None:
            return cls()
        try:
            periods = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in value)
        except (TypeError, ValueError) as exc:
            raise CalendarError(
                f"Giờ làm việc đã lưu không đọc được ({value!r}). Hãy nhập lại giờ làm việc của đơn vị."
            ) from exc
        return cls(periods=periods)


DEFAULT_OFFICE_HOURS = OfficeHours()


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """An admin-entered day that overrides the ``holidays`` package (a holiday or a make-up day).

    Attributes:
        day: The date concerned.
        kind: HOLIDAY makes the day non-working; WORKDAY makes it a working day.
        name: What the day is, e.g. "Nghỉ Tết Nguyên đán".
        legal_ref: The decision that declared it, e.g. "Thông báo 6150/TB-LĐTBXH".
    """

    day: date
    kind: EntryKind
    name: str
    legal_ref: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EntryKind(self.kind))
        object.__setattr__(self, "name", nfc(self.name))
        object.__setattr__(self, "legal_ref", nfc(self.legal_ref))


@dataclass(frozen=True, slots=True)
class DayInfo:
    """One public holiday or make-up working day, for listing.

    Attributes:
        day: The date.
        kind: HOLIDAY or WORKDAY.
        name: Vietnamese name where the source provides one.
        source: ``PACKAGE_SOURCE`` or the admin entry's legal reference.
    """

    day: date
    kind: EntryKind
    name: str
    source: str


def _check_naive(value: datetime) -> None:
    if value.tzinfo is not None and value.utcoffset() is not None:
        raise ValueError("working calendar expects naive local datetimes, got an aware one")


class WorkingCalendar:
    """Working days and due dates of one unit (DOMAIN.md §5).

    A day is a working day when an admin entry says so, otherwise when it is not a public
    holiday of the ``holidays`` package and is either Monday–Friday or a make-up working
    Saturday known to the package. All datetimes are naive local office time.

    Args:
        hours: Daily working periods.
        entries: Admin-entered holidays and make-up days; they override the package.
        hours_per_day: Working hours that make one working day (8 in practice), independent of
            the length of ``hours``.

    Raises:
        CalendarError: Two entries for the same day, or ``hours_per_day`` not positive.
    """

    __slots__ = ("_entries", "_hours", "_hours_per_day", "_years")

    def __init__(
        self,
        hours: OfficeHours = DEFAULT_OFFICE_HOURS,
        entries: Sequence[CalendarEntry] = (),
        hours_per_day: float = 8,
    ) -> None:
        if not hours_per_day > 0 or hours_per_day > 24:
            raise CalendarError("Số giờ của một ngày làm việc phải lớn hơn 0 và không quá 24.")
        by_day: dict[date, CalendarEntry] = {}
        for entry in entries:
            if entry.day in by_day:
                raise CalendarError(
                    f"Ngày {entry.day:%d/%m/%Y} được nhập hai lần trong lịch nghỉ/làm bù. Xoá bớt một dòng."
                )
            by_day[entry.day] = entry
        self._hours = hours
        self._hours_per_day = float(hours_per_day)
        self._entries = by_day
        self._years: dict[int, holidays.HolidayBase] = {}

    @property
    def hours(self) -> OfficeHours:
        """The office hours in use."""
        return self._hours

    @property
    def hours_per_day(self) -> float:
        """Working hours counted as one working day."""
        return self._hours_per_day

    @property
    def entries(self) -> tuple[CalendarEntry, ...]:
        """Admin entries, sorted by day."""
        return tuple(sorted(self._entries.values(), key=lambda e: e.day))

    # -- days ------------------------------------------------------------------------------

    def _package(self, year: int) -> holidays.HolidayBase:
        cached = self._years.get(year)
        if cached is None:
            import holidays

            # Ask the class, not holidays.list_localized_countries(), which loads every country.
            language = "vi" if "vi" in holidays.country_holidays("VN").supported_languages else None
            cached = holidays.country_holidays("VN", years=year, language=language)
            self._years[year] = cached
        return cached

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day (admin entries first, then the package, then the week)."""
        if isinstance(d, datetime):
            d = d.date()
        entry = self._entries.get(d)
        if entry is not None:
            return entry.kind is EntryKind.WORKDAY
        package = self._package(d.year)
        if d in package:
            return False
        if d in package.weekend_workdays:
            return True
        return d.weekday() < 5

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        for offset in range(1, _MAX_SEARCH_DAYS):
            candidate = d + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise CalendarError("Lịch không có ngày làm việc nào trong 10 năm tới. Kiểm tra lại lịch nghỉ đã nhập.")

    # -- moments ---------------------------------------------------------------------------

    def _next_opening(self, d: date) -> datetime:
        return datetime.combine(self.next_working_day(d), self._hours.opening)

    def normalise(self, dt: datetime) -> datetime:
        """The first working moment at or after ``dt``, as a receipt (start) moment.

        Before opening → opening; in a break → start of the next period; at or after closing,
        or on a non-working day → next working day's opening. A moment exactly at a period end
        counts as outside that period.

        Raises:
            ValueError: ``dt`` is timezone-aware.
        """
        _check_naive(dt)
        day = dt.date()
        if self.is_working_day(day):
            moment = dt.time()
            for start, end in self._hours.periods:
                if moment < start:
                    return datetime.combine(day, start)
                if moment < end:
                    return dt
        return self._next_opening(day)

    def _settle_end(self, dt: datetime) -> datetime:
        """Like ``normalise`` but a moment exactly at a period end stays there (an end point)."""
        day = dt.date()
        if self.is_working_day(day):
            moment = dt.time()
            for start, end in self._hours.periods:
                if moment < start:
                    return datetime.combine(day, start)
                if moment <= end:
                    return dt
        return self._next_opening(day)

    def _period_end(self, moment: datetime) -> datetime:
        now = moment.time()
        for start, end in self._hours.periods:
            if start <= now < end:
                return datetime.combine(moment.date(), end)
        raise AssertionError("moment is not inside office hours")  # normalise() guarantees it is

    def _add(self, start: datetime, amount: timedelta) -> datetime:
        current = self.normalise(start)
        remaining = amount
        while True:
            end = self._period_end(current)
            available = end - current
            if remaining <= available:
                return current + remaining
            remaining -= available
            current = self.normalise(end)

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """Add working minutes to ``start``, skipping breaks, nights, weekends and holidays.

        Counting begins at ``normalise(start)``. Landing exactly on a period end returns that
        end (e.g. 11:30 or 17:00), not the next opening.

        Raises:
            ValueError: ``minutes`` is negative or ``start`` is timezone-aware.
        """
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        return self._add(start, timedelta(minutes=minutes))

    def counting_start(self, received_at: datetime, pt: ProcessingTime) -> datetime:
        """The moment the clock starts: the normalised receipt, moved past the cut-off.

        When ``pt.cutoff`` is set and the normalised receipt is later than it on its day,
        counting starts at the next working day's opening.

        Raises:
            ValueError: ``received_at`` is timezone-aware.
        """
        start = self.normalise(received_at)
        if pt.cutoff is not None and start.time() > pt.cutoff.replace(tzinfo=None):
            start = self._next_opening(start.date())
        return start

    def due(self, received_at: datetime, pt: ProcessingTime) -> datetime:
        """Due date and time of a dossier received at ``received_at``.

        Rules, after ``counting_start`` (normalisation and cut-off):

        - value 0 ("same day"): closing time of the start day;
        - working days: ``value × hours_per_day`` working hours (1 working day = 8 hours);
        - working hours: ``value`` working hours;
        - calendar days: the start moment plus ``value`` days. If that falls on a non-working
          day the due date moves to the next working day's opening (as in Civil Code art. 148:
          a period ending on a day off ends on the next working day); a moment outside office
          hours on a working day moves to the next working moment.

        Raises:
            ValueError: ``received_at`` is timezone-aware.
        """
        start = self.counting_start(received_at, pt)
        if pt.value == 0:
            return datetime.combine(start.date(), self._hours.closing)
        if pt.unit is DurationUnit.WORKING_DAYS:
            return self._add(start, timedelta(minutes=round(pt.value * self._hours_per_day * 60)))
        if pt.unit is DurationUnit.WORKING_HOURS:
            return self._add(start, timedelta(minutes=round(pt.value * 60)))
        target = start + timedelta(days=pt.value)
        if not self.is_working_day(target.date()):
            return self._next_opening(target.date())
        return self._settle_end(target)

    # -- listing ---------------------------------------------------------------------------

    def listing(self, year: int) -> list[DayInfo]:
        """Public holidays and make-up working days of ``year`` (not ordinary weekends), sorted.

        Admin entries replace the package's information for the same day.
        """
        package = self._package(year)
        infos: dict[date, DayInfo] = {}
        for day, name in package.items():
            if day.year == year:
                infos[day] = DayInfo(day, EntryKind.HOLIDAY, nfc(str(name)), PACKAGE_SOURCE)
        for day in package.weekend_workdays:
            if day.year == year:
                infos[day] = DayInfo(day, EntryKind.WORKDAY, _workday_name(day, package), PACKAGE_SOURCE)
        for entry in self._entries.values():
            if entry.day.year == year:
                infos[entry.day] = DayInfo(
                    entry.day, entry.kind, entry.name or entry.kind.label, entry.legal_ref or ADMIN_SOURCE
                )
        return sorted(infos.values(), key=lambda info: info.day)


def _workday_name(day: date, package: holidays.HolidayBase) -> str:
    """ "Làm bù cho ngày nghỉ 31/08/2026" when the package names the day off it swaps with."""
    marker = f"{day:%d/%m/%Y}"
    for other, name in package.items():
        if other != day and marker in str(name):
            return f"Làm bù cho ngày nghỉ {other:%d/%m/%Y}"
    return "Ngày làm việc bù"
