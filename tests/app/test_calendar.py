"""Working calendar and due dates: hand-computed cases and properties."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.calendar import (
    PACKAGE_SOURCE,
    CalendarEntry,
    CalendarError,
    EntryKind,
    OfficeHours,
    WorkingCalendar,
    weekday_vi,
)
from app.domain.durations import DurationUnit, ProcessingTime
from app.errors import UserFacingError

CAL = WorkingCalendar()
WD = DurationUnit.WORKING_DAYS
WH = DurationUnit.WORKING_HOURS
CD = DurationUnit.CALENDAR_DAYS
CUTOFF = time(15)


def days(n: float, cutoff: time | None = None) -> ProcessingTime:
    return ProcessingTime(n, WD, cutoff)


# -- office hours ------------------------------------------------------------------------------


def test_default_office_hours() -> None:
    hours = OfficeHours()
    assert hours.opening == time(7)
    assert hours.closing == time(17)
    assert hours.minutes_per_day == 480


@pytest.mark.parametrize(
    "periods",
    [
        (),
        ((time(11), time(9)),),
        ((time(7), time(12)), (time(11), time(17))),
        ((time(13), time(17)), (time(7), time(11))),
    ],
)
def test_office_hours_rejects_bad_periods(periods: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(CalendarError) as info:
        OfficeHours(periods)
    assert isinstance(info.value, UserFacingError)
    assert info.value.message


def test_duplicate_entries_rejected() -> None:
    entry = CalendarEntry(date(2026, 3, 5), EntryKind.HOLIDAY, "Nghỉ", "QĐ 1")
    with pytest.raises(CalendarError, match="05/03/2026"):
        WorkingCalendar(entries=[entry, entry])


# -- working days ------------------------------------------------------------------------------


def test_tet_2026_days_are_not_working_days() -> None:
    for day in range(16, 21):
        assert not CAL.is_working_day(date(2026, 2, day))
    assert CAL.is_working_day(date(2026, 2, 13))  # Friday before Tết
    assert not CAL.is_working_day(date(2026, 2, 21))  # ordinary Saturday
    assert CAL.is_working_day(date(2026, 2, 23))  # Monday after Tết


def test_make_up_saturdays_are_working_days() -> None:
    assert CAL.is_working_day(date(2026, 8, 22))
    assert CAL.is_working_day(date(2025, 4, 26))
    assert not CAL.is_working_day(date(2025, 4, 19))  # an ordinary Saturday
    assert not CAL.is_working_day(date(2026, 8, 31))  # the day off it pays for
    assert not CAL.is_working_day(date(2025, 5, 2))


def test_is_working_day_accepts_datetime() -> None:
    assert not CAL.is_working_day(datetime(2026, 2, 17, 9))


# -- normalise and add ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 3, 6, 15), datetime(2026, 3, 3, 7)),  # before opening
        (datetime(2026, 3, 3, 7), datetime(2026, 3, 3, 7)),
        (datetime(2026, 3, 3, 9, 41, 5), datetime(2026, 3, 3, 9, 41, 5)),
        (datetime(2026, 3, 3, 11, 30), datetime(2026, 3, 3, 13, 30)),  # exactly at lunch
        (datetime(2026, 3, 3, 12), datetime(2026, 3, 3, 13, 30)),
        (datetime(2026, 3, 3, 13, 30), datetime(2026, 3, 3, 13, 30)),
        (datetime(2026, 3, 3, 17), datetime(2026, 3, 4, 7)),  # exactly closing = after closing
        (datetime(2026, 3, 3, 18), datetime(2026, 3, 4, 7)),
        (datetime(2026, 3, 6, 17, 30), datetime(2026, 3, 9, 7)),  # Friday evening → Monday
        (datetime(2026, 3, 7, 10), datetime(2026, 3, 9, 7)),  # Saturday
        (datetime(2026, 2, 14, 9), datetime(2026, 2, 23, 7)),  # Tết
        (datetime(2025, 4, 25, 17, 30), datetime(2025, 4, 26, 7)),  # make-up Saturday follows
    ],
)
def test_normalise(moment: datetime, expected: datetime) -> None:
    assert CAL.normalise(moment) == expected


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (datetime(2026, 3, 3, 7), 270, datetime(2026, 3, 3, 11, 30)),  # lands on lunch: stays 11:30
        (datetime(2026, 3, 3, 7), 271, datetime(2026, 3, 3, 13, 31)),
        (datetime(2026, 3, 3, 7), 480, datetime(2026, 3, 3, 17)),  # lands on closing: stays 17:00
        (datetime(2026, 3, 3, 7), 481, datetime(2026, 3, 4, 7, 1)),
        (datetime(2026, 3, 3, 17), 0, datetime(2026, 3, 4, 7)),
        (datetime(2026, 3, 6, 16), 120, datetime(2026, 3, 9, 8)),  # over the weekend
    ],
)
def test_add_working_minutes(start: datetime, minutes: int, expected: datetime) -> None:
    assert CAL.add_working_minutes(start, minutes) == expected


def test_add_working_minutes_rejects_negative() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_minutes(datetime(2026, 3, 3, 7), -1)


# -- due dates ---------------------------------------------------------------------------------


def test_tet_2026_two_working_days() -> None:
    # Fri 13 Feb 15:00–17:00 = 2 h; Sat 14 – Sun 22 Feb off (Tết Mon 16 – Fri 20); Mon 23 Feb 8 h;
    # Tue 24 Feb: 6 h left = 07:00–11:30 (4.5 h) + 13:30–15:00 (1.5 h).
    assert CAL.due(datetime(2026, 2, 13, 15), days(2)) == datetime(2026, 2, 24, 15)


def test_tet_2026_after_cutoff_starts_after_tet() -> None:
    assert CAL.due(datetime(2026, 2, 13, 15, 30), days(2, CUTOFF)) == datetime(2026, 2, 24, 17)


def test_make_up_saturday_2026_is_counted() -> None:
    # Fri 21 Aug 16:00–17:00 = 1 h; Sat 22 Aug is a working day: 4.5 h + 2.5 h → 16:00.
    assert CAL.due(datetime(2026, 8, 21, 16), days(1)) == datetime(2026, 8, 22, 16)


def test_make_up_saturday_2025_is_counted() -> None:
    # Received Friday evening: counting starts Saturday 26 Apr 2025 07:00, a make-up working day.
    assert CAL.due(datetime(2025, 4, 25, 18), days(1)) == datetime(2025, 4, 26, 17)


def test_after_hours_receipt_starts_next_morning() -> None:
    received = datetime(2026, 3, 3, 18)
    assert CAL.counting_start(received, days(1)) == datetime(2026, 3, 4, 7)
    assert CAL.due(received, days(1)) == datetime(2026, 3, 4, 17)


def test_lunch_receipt_counts_from_1330() -> None:
    # Tue 13:30–17:00 = 3.5 h; Wed 07:00–11:30 = 4.5 h → lands exactly at 11:30.
    assert CAL.due(datetime(2026, 3, 3, 12), days(1)) == datetime(2026, 3, 4, 11, 30)


def test_before_opening_receipt() -> None:
    assert CAL.due(datetime(2026, 3, 3, 6, 15), days(1)) == datetime(2026, 3, 3, 17)


def test_weekend_receipt() -> None:
    assert CAL.due(datetime(2026, 3, 7, 10), days(2)) == datetime(2026, 3, 10, 17)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (datetime(2026, 3, 3, 14, 59), datetime(2026, 3, 3, 17)),
        (datetime(2026, 3, 3, 15), datetime(2026, 3, 3, 17)),  # at the cut-off is not after it
        (datetime(2026, 3, 3, 15, 1), datetime(2026, 3, 4, 17)),
        (datetime(2026, 3, 6, 15, 30), datetime(2026, 3, 9, 17)),  # Friday after 15:00 → Monday
        (datetime(2026, 3, 3, 17, 30), datetime(2026, 3, 4, 17)),  # after closing: next day anyway
    ],
)
def test_same_day_with_cutoff(received: datetime, expected: datetime) -> None:
    assert CAL.due(received, days(0, CUTOFF)) == expected


def test_cutoff_applies_to_working_days() -> None:
    assert CAL.due(datetime(2026, 3, 3, 14, 59), days(1, CUTOFF)) == datetime(2026, 3, 4, 14, 59)
    assert CAL.due(datetime(2026, 3, 3, 15, 1), days(1, CUTOFF)) == datetime(2026, 3, 4, 17)


def test_same_day_without_cutoff() -> None:
    assert CAL.due(datetime(2026, 3, 3, 16, 59), days(0)) == datetime(2026, 3, 3, 17)
    assert CAL.due(datetime(2026, 3, 3, 17), days(0)) == datetime(2026, 3, 4, 17)


@pytest.mark.parametrize(
    ("received", "hours", "expected"),
    [
        (datetime(2026, 3, 3, 10), 4, datetime(2026, 3, 3, 16)),  # across lunch
        (datetime(2026, 3, 3, 16), 4, datetime(2026, 3, 4, 10)),  # across the night
        (datetime(2026, 3, 3, 11), 8, datetime(2026, 3, 4, 11)),  # lunch, night
        (datetime(2026, 3, 3, 10), 1.5, datetime(2026, 3, 3, 11, 30)),
    ],
)
def test_working_hours(received: datetime, hours: float, expected: datetime) -> None:
    assert CAL.due(received, ProcessingTime(hours, WH)) == expected


def test_calendar_days() -> None:
    # Wed 4 Mar + 4 days = Sun 8 Mar → next working day's opening.
    assert CAL.due(datetime(2026, 3, 4, 10), ProcessingTime(4, CD)) == datetime(2026, 3, 9, 7)
    assert CAL.due(datetime(2026, 3, 4, 10), ProcessingTime(5, CD)) == datetime(2026, 3, 9, 10)
    # Received at lunch: normalised to 13:30 first.
    assert CAL.due(datetime(2026, 3, 4, 12), ProcessingTime(1, CD)) == datetime(2026, 3, 5, 13, 30)
    # Lands in Tết.
    assert CAL.due(datetime(2026, 2, 10, 9), ProcessingTime(7, CD)) == datetime(2026, 2, 23, 7)


def test_admin_holiday_overrides() -> None:
    received = datetime(2026, 3, 4, 15)
    assert CAL.due(received, days(1)) == datetime(2026, 3, 5, 15)
    cal = WorkingCalendar(entries=[CalendarEntry(date(2026, 3, 5), EntryKind.HOLIDAY, "Nghỉ", "QĐ 12")])
    assert not cal.is_working_day(date(2026, 3, 5))
    # Wed 15:00–17:00 = 2 h; Thu off; Fri 4.5 h + 1.5 h → 15:00.
    assert cal.due(received, days(1)) == datetime(2026, 3, 6, 15)


def test_admin_workday_overrides() -> None:
    cal = WorkingCalendar(
        entries=[
            CalendarEntry(date(2026, 3, 7), EntryKind.WORKDAY, "Làm bù", "QĐ 13"),
            CalendarEntry(date(2026, 2, 20), EntryKind.WORKDAY, "Làm việc", "QĐ 14"),
            CalendarEntry(date(2026, 8, 22), EntryKind.HOLIDAY, "Nghỉ", "QĐ 15"),
        ]
    )
    assert cal.due(datetime(2026, 3, 6, 15), days(1)) == datetime(2026, 3, 7, 15)
    assert cal.is_working_day(date(2026, 2, 20))  # package holiday overridden
    assert not cal.is_working_day(date(2026, 8, 22))  # package make-up day overridden


def test_custom_office_hours() -> None:
    hours = OfficeHours(((time(8), time(12)), (time(13), time(17))))
    cal = WorkingCalendar(hours)
    assert cal.normalise(datetime(2026, 3, 3, 7, 30)) == datetime(2026, 3, 3, 8)
    assert cal.normalise(datetime(2026, 3, 3, 12, 30)) == datetime(2026, 3, 3, 13)
    # Tue 13:00–17:00 = 4 h; Wed 08:00–12:00 = 4 h → 12:00.
    assert cal.due(datetime(2026, 3, 3, 12, 30), days(1)) == datetime(2026, 3, 4, 12)
    assert cal.due(datetime(2026, 3, 3, 9), days(0)) == datetime(2026, 3, 3, 17)


def test_single_period_office_hours() -> None:
    cal = WorkingCalendar(OfficeHours(((time(7, 30), time(16, 30)),)), hours_per_day=9)
    assert cal.due(datetime(2026, 3, 3, 12), days(1)) == datetime(2026, 3, 4, 12)


def test_rejects_aware_datetimes() -> None:
    aware = datetime(2026, 3, 3, 9, tzinfo=timezone(timedelta(hours=7)))
    with pytest.raises(ValueError):
        CAL.due(aware, days(1))
    with pytest.raises(ValueError):
        CAL.normalise(aware)


# -- listing ----------------------------------------------------------------------------------


def test_listing_2026() -> None:
    listing = CAL.listing(2026)
    assert [info.day for info in listing] == sorted(info.day for info in listing)
    by_day = {info.day: info for info in listing}
    assert by_day[date(2026, 8, 22)].kind is EntryKind.WORKDAY
    assert by_day[date(2026, 8, 22)].source == PACKAGE_SOURCE
    for day in range(16, 21):
        assert by_day[date(2026, 2, day)].kind is EntryKind.HOLIDAY
    assert "Tết" in by_day[date(2026, 2, 17)].name
    assert date(2026, 2, 21) not in by_day  # ordinary Saturday
    assert all(info.day.year == 2026 for info in listing)


def test_listing_with_admin_entries() -> None:
    cal = WorkingCalendar(
        entries=[
            CalendarEntry(date(2026, 3, 5), EntryKind.HOLIDAY, "Nghỉ đột xuất", "QĐ 12/QĐ-UBND"),
            CalendarEntry(date(2026, 8, 22), EntryKind.HOLIDAY, "Nghỉ", ""),
            CalendarEntry(date(2025, 3, 5), EntryKind.HOLIDAY, "Năm khác", "QĐ 1"),
        ]
    )
    by_day = {info.day: info for info in cal.listing(2026)}
    assert by_day[date(2026, 3, 5)].source == "QĐ 12/QĐ-UBND"
    assert by_day[date(2026, 3, 5)].name == "Nghỉ đột xuất"
    assert by_day[date(2026, 8, 22)].kind is EntryKind.HOLIDAY
    assert date(2025, 3, 5) not in by_day


def test_weekday_vi() -> None:
    assert weekday_vi(date(2026, 2, 13)) == "Thứ Sáu"
    assert weekday_vi(date(2026, 3, 8)) == "Chủ nhật"


# -- properties -------------------------------------------------------------------------------

_moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda dt: dt.replace(second=0, microsecond=0)
)


def _in_office_hours(cal: WorkingCalendar, moment: datetime) -> bool:
    return cal.is_working_day(moment.date()) and any(start <= moment.time() <= end for start, end in cal.hours.periods)


@settings(deadline=None, max_examples=300)
@given(received=_moments, n=st.integers(min_value=0, max_value=15), cutoff=st.sampled_from([None, CUTOFF]))
def test_due_is_monotone_and_in_office_hours(received: datetime, n: int, cutoff: time | None) -> None:
    first = CAL.due(received, days(n, cutoff))
    second = CAL.due(received, days(n + 1, cutoff))
    assert first <= second
    assert second > CAL.normalise(received)
    assert _in_office_hours(CAL, first)
    assert _in_office_hours(CAL, second)


@settings(deadline=None, max_examples=200)
@given(received=_moments, minutes=st.integers(min_value=0, max_value=3000))
def test_add_working_minutes_properties(received: datetime, minutes: int) -> None:
    result = CAL.add_working_minutes(received, minutes)
    assert _in_office_hours(CAL, result)
    assert result >= CAL.normalise(received)
    assert CAL.add_working_minutes(received, minutes + 1) > result
