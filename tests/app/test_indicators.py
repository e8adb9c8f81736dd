"""II.06a classes and the 766 indicator formulas on hand-computed cases (app.domain.indicators)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.domain.calendar import WorkingCalendar
from app.domain.durations import DurationUnit, ProcessingTime
from app.domain.indicators import (
    DossierClass,
    DossierFacts,
    NormFigure,
    Ratio,
    Scoring,
    SupplementSpan,
    carried_over,
    classify,
    combined_norm,
    faster_than_norm,
    percent_text,
    processing_amount,
    satisfaction,
    score,
    working_time_text,
)
from app.domain.status import DossierStatus

C = DossierClass
NOV = (date(2026, 11, 1), date(2026, 11, 30))
DEC = (date(2026, 12, 1), date(2026, 12, 31))
RECEIVED = datetime(2026, 11, 2, 9, 0)  # Monday
DUE = datetime(2026, 11, 6, 17, 0)  # Friday
CAL = WorkingCalendar()  # November 2026 has no public holiday


def facts(received=RECEIVED, due=DUE, end=None, end_status=DossierStatus.RESULT_READY, supplements=(), legal=None):
    return DossierFacts(
        uid="u", code="000.00.00.H49-261102-0001", received_at=received, due_at=due, end_at=end,
        end_status=end_status if end else None, supplements=tuple(supplements), legal=legal,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        (datetime(2026, 11, 4, 10, 0), C.EARLY),
        (datetime(2026, 11, 6, 8, 0), C.ON_TIME),  # the due day
        (datetime(2026, 11, 6, 17, 30), C.ON_TIME),  # after the due hour, still the due day (II.06a by day)
        (datetime(2026, 11, 9, 8, 0), C.LATE),
    ],
)
def test_resolved_early_same_day_late(end, expected):
    assert classify(facts(end=end), *NOV) is expected


def test_one_supplement_takes_its_time_off_the_end():
    # Asked Wed 04/11 09:00, brought Tue 10/11 09:00 (6 days); ended Wed 11/11 10:00 → 05/11 10:00 < 06/11.
    s = [SupplementSpan(datetime(2026, 11, 4, 9), datetime(2026, 11, 10, 9))]
    assert classify(facts(end=datetime(2026, 11, 11, 10), supplements=s), *NOV) is C.EARLY
    # Same end without the supplement: late.
    assert classify(facts(end=datetime(2026, 11, 11, 10)), *NOV) is C.LATE
    # Ended Fri 13/11 10:00 → 07/11 10:00, the day after the due day: late.
    assert classify(facts(end=datetime(2026, 11, 13, 10), supplements=s), *NOV) is C.LATE


def test_two_supplement_requests_are_late():
    s = [SupplementSpan(datetime(2026, 11, 3, 9), datetime(2026, 11, 3, 10)),
         SupplementSpan(datetime(2026, 11, 3, 11), datetime(2026, 11, 3, 14))]  # fmt: skip
    assert classify(facts(end=datetime(2026, 11, 4, 10), supplements=s), *NOV) is C.LATE
    assert classify(facts(supplements=s, due=datetime(2026, 12, 20, 17)), *NOV) is C.IN_PROGRESS_LATE
    # Both supplements brought by the end of 03/11, not finished: in progress, late.
    assert classify(facts(supplements=s), date(2026, 11, 1), date(2026, 11, 3)) is C.IN_PROGRESS_LATE
    # No request made by the end of 02/11 yet: in progress within the deadline.
    assert classify(facts(supplements=s), date(2026, 11, 1), date(2026, 11, 2)) is C.IN_PROGRESS_ON_TIME
    # One request, still pending at the end of the period: resolved on time.
    pending = [SupplementSpan(datetime(2026, 11, 3, 9))]
    assert classify(facts(supplements=pending), date(2026, 11, 1), date(2026, 11, 3)) is C.ON_TIME


def test_pending_supplement_counts_resolved_on_time():
    s = [SupplementSpan(datetime(2026, 11, 20, 9))]  # after the due date, never brought
    assert classify(facts(supplements=s), *NOV) is C.ON_TIME


def test_refusal_after_processing_is_on_time_and_stop_is_judged_like_an_end():
    late_end = datetime(2026, 11, 20, 9)
    assert classify(facts(end=late_end, end_status=DossierStatus.REFUSED), *NOV) is C.ON_TIME
    assert classify(facts(end=late_end, end_status=DossierStatus.STOPPED), *NOV) is C.LATE
    assert classify(facts(end=datetime(2026, 11, 3, 9), end_status=DossierStatus.STOPPED), *NOV) is C.EARLY
    # Stopped in October: ended before the period, not counted in November.
    stopped = facts(received=datetime(2026, 10, 5, 9), due=datetime(2026, 10, 9, 17),
                    end=datetime(2026, 10, 7, 9), end_status=DossierStatus.STOPPED)  # fmt: skip
    assert classify(stopped, *NOV) is C.NOT_COUNTED


def test_no_due_date_compares_the_legal_time():
    three_days = ProcessingTime(3, DurationUnit.WORKING_DAYS)
    # Mon 02/11 09:00 + 3 working days = Thu 05/11 09:00.
    assert classify(facts(due=None, legal=three_days, end=datetime(2026, 11, 5, 16)), *NOV, CAL) is C.ON_TIME
    assert classify(facts(due=None, legal=three_days, end=datetime(2026, 11, 4, 16)), *NOV, CAL) is C.EARLY
    assert classify(facts(due=None, legal=three_days, end=datetime(2026, 11, 6, 8)), *NOV, CAL) is C.LATE
    # Open at the end of 03/11: the deadline 05/11 09:00 is after the period → within it.
    assert classify(facts(due=None, legal=three_days), date(2026, 11, 1), date(2026, 11, 3), CAL) is (
        C.IN_PROGRESS_ON_TIME
    )
    assert classify(facts(due=None, legal=three_days), *NOV, CAL) is C.IN_PROGRESS_LATE
    # Neither due date nor legal time: nothing to be late against.
    assert classify(facts(due=None, end=datetime(2026, 11, 30, 9)), *NOV) is C.ON_TIME


def test_carried_over_from_the_previous_period():
    old = dict(received=datetime(2026, 10, 20, 9), due=datetime(2026, 10, 30, 17))
    assert classify(facts(**old), *NOV) is C.IN_PROGRESS_LATE
    assert carried_over(facts(**old), NOV[0])
    assert classify(facts(**old, end=datetime(2026, 10, 25, 9)), *NOV) is C.NOT_COUNTED
    assert not carried_over(facts(**old, end=datetime(2026, 10, 25, 9)), NOV[0])
    assert classify(facts(received=datetime(2026, 10, 28, 9), due=datetime(2026, 11, 5, 17),
                          end=datetime(2026, 11, 3, 9)), *NOV) is C.EARLY  # fmt: skip
    assert classify(facts(received=datetime(2026, 12, 1, 9)), *NOV) is C.NOT_COUNTED


def test_in_progress_within_the_deadline_when_due_is_not_before_the_end_of_the_period():
    assert classify(facts(received=datetime(2026, 11, 25, 9), due=datetime(2026, 12, 5, 17)), *NOV) is (
        C.IN_PROGRESS_ON_TIME
    )
    assert classify(facts(due=datetime(2026, 12, 1, 0, 0)), *NOV) is C.IN_PROGRESS_ON_TIME
    assert classify(facts(due=datetime(2026, 11, 30, 17, 0)), *NOV) is C.IN_PROGRESS_LATE


def test_a_period_boundary_in_the_middle_of_a_supplement():
    # Received 25/11, due 02/12 17:00; asked 27/11 09:00, brought 03/12 09:00 (6 days), ended 04/12 10:00.
    s = [SupplementSpan(datetime(2026, 11, 27, 9), datetime(2026, 12, 3, 9))]
    f = facts(received=datetime(2026, 11, 25, 9), due=datetime(2026, 12, 2, 17), supplements=s,
              end=datetime(2026, 12, 4, 10))  # fmt: skip
    assert classify(f, *NOV) is C.ON_TIME  # waiting for the supplement at the end of November
    assert classify(f, *DEC) is C.EARLY  # 04/12 10:00 − 6 days = 28/11 < 02/12
    assert carried_over(f, DEC[0])
    # Brought in December but not finished: the due date moves by 6 days to 08/12 17:00 < 01/01.
    open_ = facts(received=datetime(2026, 11, 25, 9), due=datetime(2026, 12, 2, 17), supplements=s)
    assert classify(open_, *DEC) is C.IN_PROGRESS_LATE
    assert classify(open_, date(2026, 12, 1), date(2026, 12, 5)) is C.IN_PROGRESS_ON_TIME  # 08/12 ≥ 06/12


def test_zero_denominators_give_no_value():
    empty = Ratio(0, 0)
    assert empty.percent is None and empty.text() == "—"
    assert score(None, Scoring(20, 100)) is None
    assert satisfaction(empty, empty) is None
    assert faster_than_norm(None, 5) is None and faster_than_norm(2.0, 0) is None
    assert percent_text(None) == "—"


def test_formulas_rounding_and_scores():
    assert Ratio(2, 3).percent == 66.67
    assert Ratio(1, 8).percent == 12.5 and Ratio(1, 8).text() == "12,5%"
    assert score(95.0, Scoring(20, 100)) == 19.0
    assert score(60.0, Scoring(10, 80)) == 7.5
    assert score(92.0, Scoring(10, 90)) == 10.0  # capped at the maximum
    assert satisfaction(Ratio(2, 40), Ratio(1, 40)) == 92.5  # 100 − (5 + 2,5)
    assert faster_than_norm(2.75, 5) == 45.0  # 1 − 2,75 ÷ 5


def test_processing_time_in_the_procedures_unit_without_supplement_time():
    f = facts(end=datetime(2026, 11, 4, 9))  # Mon 09:00 → Wed 09:00 = 16 working hours
    assert processing_amount(f, DurationUnit.WORKING_DAYS, CAL) == 2.0
    assert processing_amount(f, DurationUnit.WORKING_HOURS, CAL) == 16.0
    assert processing_amount(f, DurationUnit.CALENDAR_DAYS, CAL) == 2.0
    s = [SupplementSpan(datetime(2026, 11, 3, 9), datetime(2026, 11, 3, 13, 30))]  # 150 working minutes
    g = facts(end=datetime(2026, 11, 4, 9), supplements=s)
    assert processing_amount(g, DurationUnit.WORKING_DAYS, CAL) == (960 - 150) / 480
    assert processing_amount(facts(), DurationUnit.WORKING_DAYS, CAL) is None


def test_working_time_text():
    assert working_time_text(600) == "1 ngày 2 giờ làm việc"
    assert working_time_text(-960) == "2 ngày 0 giờ làm việc"
    assert working_time_text(45) == "45 phút làm việc"


def test_processing_time_against_the_norm_reads_right_both_ways() -> None:
    from app.domain.indicators import faster_than_norm, norm_text

    assert norm_text(faster_than_norm(2.45, 3)) == "nhanh hơn quy định 18,33%"
    assert norm_text(faster_than_norm(4.58, 3)) == "chậm hơn quy định 52,67%"
    assert norm_text(faster_than_norm(3, 3)) == "đúng bằng thời gian quy định"
    assert norm_text(faster_than_norm(None, 3)) == ""


def test_office_norm_is_the_finished_weighted_mean_of_the_procedures_figures():
    # A: 3 finished, 20% faster; B: 1 finished, 40% slower; C: 2 finished, no legal time (no figure).
    # (3 × 20 + 1 × −40) / 4 = 5%; C's 2 dossiers count as finished, not as measured.
    assert combined_norm([(3, 20.0), (1, -40.0), (2, None)]) == NormFigure(5.0, 4, 6)
    # (2 × 33.33 + 1 × 50) / 3 = 38.8866… → 38.89
    assert combined_norm([(2, 33.33), (1, 50.0)]) == NormFigure(38.89, 3, 3)
    assert combined_norm([(2, None)]) == NormFigure(None, 0, 2)
    assert combined_norm([]) == NormFigure(None, 0, 0)
