"""`motcua calendar …`: compute a due date or list a year's holidays from the command line."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import datetime, time
from typing import TextIO

from app.domain.calendar import WorkingCalendar, weekday_vi
from app.domain.durations import DurationUnit, ProcessingTime
from app.errors import UserFacingError

MIN_YEAR = 1901
MAX_YEAR = 2100  # the range the holidays package covers for Vietnam

USAGE = """\
Cách dùng:
  motcua calendar due --from "YYYY-MM-DD HH:MM"
                      (--working-days N | --working-hours N | --calendar-days N) [--cutoff HH:MM]
  motcua calendar show NĂM

Ví dụ:
  motcua calendar due --from "2026-02-13 15:00" --working-days 2
  motcua calendar due --from "2026-03-02 16:00" --working-days 0 --cutoff 15:00
  motcua calendar show 2026"""

_UNIT_OPTIONS = {
    "--working-days": DurationUnit.WORKING_DAYS,
    "--working-hours": DurationUnit.WORKING_HOURS,
    "--calendar-days": DurationUnit.CALENDAR_DAYS,
}
_OPTIONS = (*_UNIT_OPTIONS, "--from", "--cutoff")
_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})")


class _BadInput(Exception):
    """Bad command-line input; the message is Vietnamese and goes to stderr."""


def _fmt(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _parse_moment(value: str) -> datetime:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise _BadInput(
            f'Thời điểm tiếp nhận “{value}” không đúng định dạng. Nhập theo dạng "YYYY-MM-DD HH:MM",'
            ' ví dụ "2026-02-13 15:00".'
        ) from None


def _parse_time(value: str) -> time:
    match = _HHMM.fullmatch(value.strip())
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise _BadInput(f"Giờ chốt “{value}” không đúng định dạng. Nhập theo dạng HH:MM, ví dụ 15:00.")


def _parse_amount(option: str, value: str) -> float:
    text = value.strip()
    if text.startswith("-"):
        raise _BadInput(f"Thời hạn {option} không được là số âm (đang nhập “{value}”).")
    if not _NUMBER.fullmatch(text):
        raise _BadInput(f"Thời hạn {option} phải là một số, ví dụ 5 hoặc 2,5 (đang nhập “{value}”).")
    amount = float(text.replace(",", "."))
    if amount > 3650:
        raise _BadInput(f"Thời hạn {option} quá lớn ({value}); kiểm tra lại.")
    return amount


def _options(args: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        name, sep, inline = arg.partition("=")
        if name not in _OPTIONS:
            raise _BadInput(f"Không hiểu tham số “{arg}”.")
        if name in found:
            raise _BadInput(f"Tham số {name} được nhập hai lần.")
        if sep:
            found[name] = inline
            index += 1
        elif index + 1 < len(args):
            found[name] = args[index + 1]
            index += 2
        else:
            raise _BadInput(f"Thiếu giá trị sau {name}.")
    return found


def _due(args: Sequence[str], calendar: WorkingCalendar, out: TextIO) -> None:
    options = _options(args)
    if "--from" not in options:
        raise _BadInput('Thiếu thời điểm tiếp nhận: thêm --from "YYYY-MM-DD HH:MM".')
    units = [name for name in _UNIT_OPTIONS if name in options]
    if len(units) != 1:
        raise _BadInput("Chọn đúng một trong --working-days, --working-hours, --calendar-days.")
    received = _parse_moment(options["--from"])
    cutoff = _parse_time(options["--cutoff"]) if "--cutoff" in options else None
    pt = ProcessingTime(_parse_amount(units[0], options[units[0]]), _UNIT_OPTIONS[units[0]], cutoff)
    start = calendar.counting_start(received, pt)
    due = calendar.due(received, pt)
    normalised = calendar.normalise(received)
    line = f"Tiếp nhận {_fmt(received)} ({weekday_vi(received)}), chuẩn hoá thành {_fmt(normalised)}"
    if start != normalised:
        line += f"; sau giờ chốt {cutoff:%H:%M} nên bắt đầu tính từ {_fmt(start)}"
    out.write(f"{line}; thời hạn {pt.text()}.\n")
    out.write(f"Hạn trả kết quả ({weekday_vi(due)}):\n")
    out.write(f"{_fmt(due)}\n")


def _show(args: Sequence[str], calendar: WorkingCalendar, out: TextIO) -> None:
    if len(args) != 1:
        raise _BadInput("Lệnh show cần đúng một tham số là năm, ví dụ: motcua calendar show 2026.")
    text = args[0].strip()
    if not (text.isascii() and text.isdigit()) or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise _BadInput(f"Năm “{args[0]}” không hợp lệ; nhập một năm từ {MIN_YEAR} đến {MAX_YEAR}.")
    year = int(text)
    days = calendar.listing(year)
    out.write(f"Năm {year}: ngày nghỉ lễ và ngày làm bù ({len(days)} ngày)\n")
    for info in days:
        weekday = weekday_vi(info.day)
        out.write(f"{info.day:%Y-%m-%d}  {weekday:<8}  {info.kind.label:<7}  {info.name}  [{info.source}]\n")


def run(argv: list[str], calendar: WorkingCalendar, out: TextIO | None = None) -> int:
    """Run ``motcua calendar`` with ``argv`` (the arguments after "calendar").

    Args:
        argv: E.g. ``["due", "--from", "2026-02-13 15:00", "--working-days", "2"]`` or
            ``["show", "2026"]``.
        calendar: The working calendar to use.
        out: Where results go; ``sys.stdout`` when None. Errors go to ``sys.stderr``.

    Returns:
        0 on success, 2 on bad input, 1 when the calendar itself cannot be used.
    """
    stdout = out if out is not None else sys.stdout
    if argv and argv[0] in ("-h", "--help", "help"):
        stdout.write(USAGE + "\n")
        return 0
    try:
        if not argv:
            raise _BadInput("Thiếu lệnh: dùng due hoặc show.")
        command, rest = argv[0], argv[1:]
        if command == "due":
            _due(rest, calendar, stdout)
        elif command == "show":
            _show(rest, calendar, stdout)
        else:
            raise _BadInput(f"Không có lệnh “{command}”: dùng due hoặc show.")
    except _BadInput as error:
        sys.stderr.write(f"Lỗi: {error}\n\n{USAGE}\n")
        return 2
    except UserFacingError as error:
        sys.stderr.write(f"Lỗi: {error.message}\n")
        return 1
    return 0
