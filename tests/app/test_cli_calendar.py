"""`motcua calendar …` command line: output, exit codes and Vietnamese errors."""

from __future__ import annotations

import io
from datetime import date

import pytest

from app.cli_calendar import run
from app.domain.calendar import CalendarEntry, EntryKind, WorkingCalendar

CAL = WorkingCalendar()


def _run(argv: list[str], calendar: WorkingCalendar = CAL) -> tuple[int, str]:
    out = io.StringIO()
    code = run(argv, calendar, out)
    return code, out.getvalue()


def test_due_working_days_over_tet() -> None:
    code, text = _run(["due", "--from", "2026-02-13 15:00", "--working-days", "2"])
    assert code == 0
    lines = text.splitlines()
    assert lines[-1] == "2026-02-24 15:00"
    assert "2026-02-13 15:00" in lines[0]
    assert "02 ngày làm việc" in lines[0]


def test_due_shows_normalised_receipt() -> None:
    code, text = _run(["due", "--from", "2026-03-03 18:00", "--working-days", "1"])
    assert code == 0
    assert "chuẩn hoá thành 2026-03-04 07:00" in text.splitlines()[0]
    assert text.splitlines()[-1] == "2026-03-04 17:00"


def test_due_with_cutoff_and_equals_syntax() -> None:
    code, text = _run(["due", "--from=2026-03-03 15:01", "--working-days=0", "--cutoff=15:00"])
    assert code == 0
    assert "15:00" in text.splitlines()[0]
    assert text.splitlines()[-1] == "2026-03-04 17:00"


def test_due_working_hours_and_calendar_days() -> None:
    assert _run(["due", "--from", "2026-03-03 10:00", "--working-hours", "4"])[1].splitlines()[-1] == (
        "2026-03-03 16:00"
    )
    assert _run(["due", "--from", "2026-03-04 10:00", "--calendar-days", "4"])[1].splitlines()[-1] == (
        "2026-03-09 07:00"
    )


def test_due_uses_given_calendar() -> None:
    cal = WorkingCalendar(entries=[CalendarEntry(date(2026, 3, 5), EntryKind.HOLIDAY, "Nghỉ", "QĐ 1")])
    code, text = _run(["due", "--from", "2026-03-04 15:00", "--working-days", "1"], cal)
    assert code == 0
    assert text.splitlines()[-1] == "2026-03-06 15:00"


def test_show_year() -> None:
    code, text = _run(["show", "2026"])
    assert code == 0
    assert "2026-08-22  Thứ Bảy   Làm bù" in text
    assert "2026-02-17  Thứ Ba    Nghỉ lễ  Tết Nguyên Đán  [holidays (thư viện)]" in text
    assert "2026-02-21" not in text


def test_help() -> None:
    code, text = _run(["--help"])
    assert code == 0
    assert "Cách dùng" in text


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        ([], "Thiếu lệnh"),
        (["fly"], "Không có lệnh"),
        (["due", "--from", "13/02/2026 15:00", "--working-days", "2"], "không đúng định dạng"),
        (["due", "--from", "2026-02-30 15:00", "--working-days", "2"], "không đúng định dạng"),
        (["due", "--from", "2026-02-13 15:00", "--working-days", "-1"], "số âm"),
        (["due", "--from", "2026-02-13 15:00", "--working-days", "hai"], "phải là một số"),
        (["due", "--from", "2026-02-13 15:00"], "Chọn đúng một"),
        (
            ["due", "--from", "2026-02-13 15:00", "--working-days", "1", "--calendar-days", "1"],
            "Chọn đúng một",
        ),
        (["due", "--working-days", "1"], "Thiếu thời điểm"),
        (["due", "--from", "2026-02-13 15:00", "--working-days"], "Thiếu giá trị"),
        (["due", "--from", "2026-02-13 15:00", "--working-days", "1", "--cutoff", "25:00"], "Giờ chốt"),
        (["due", "--from", "2026-02-13 15:00", "--working-days", "1", "--bogus", "x"], "Không hiểu"),
        (["show"], "đúng một tham số"),
        (["show", "abc"], "không hợp lệ"),
        (["show", "1800"], "không hợp lệ"),
        (["show", "2101"], "không hợp lệ"),
        (["show", "99999"], "không hợp lệ"),
    ],
)
def test_bad_input(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = _run(argv)
    captured = capsys.readouterr()
    assert code == 2
    assert text == ""
    assert fragment in captured.err
    assert captured.err.startswith("Lỗi: ")
    assert "Traceback" not in captured.err


def test_default_out_is_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["show", "2025"], CAL) == 0
    assert "2025-04-26" in capsys.readouterr().out
