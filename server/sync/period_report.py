"""Biểu II.06a of the province or of one office, from the server's dossiers, counted in the database.

The same rows as the counters' app.services.reports.period_report: one row per field grouped by the
administrative level of the handling department (the office's own department of that code, else the
catalog's), with received online / direct and postal (all direct until the contracts carry a
channel) / carried over, resolved early / on time / late, in progress within / past the deadline.
Every number is a sum of the cells of server/sync/indicators.py (one grouped statement).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.catalog import AdminLevel
from app.domain.indicators import Period
from server.models import GLOBAL_SCOPE, Department, Office
from server.sync.indicators import PROVINCE, Cell, cells

_LEVEL_ORDER = {AdminLevel.TINH.value: 0, AdminLevel.XA.value: 1}
_PROVINCE_BODY = "UBND TỈNH "


@dataclass(frozen=True, slots=True)
class PeriodRow:
    """One line of Biểu II.06a: a field of one level (or a level's or the whole report's total)."""

    level: str
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
class PeriodLevel:
    """The rows of one level and their subtotal."""

    level: str
    level_label: str
    rows: tuple[PeriodRow, ...]
    subtotal: PeriodRow


@dataclass(frozen=True, slots=True)
class ProvincePeriodReport:
    """Biểu II.06a of a period for the scope, with the reporting unit's header."""

    start: date
    end: date
    unit_code: str
    unit_name: str
    governing_body: str
    place_name: str
    groups: tuple[PeriodLevel, ...]
    total: PeriodRow


def level_label(level: str) -> str:
    """ "Cấp tỉnh", "Cấp xã", or "Chưa xác định cấp" (as app.services.reports)."""
    try:
        return AdminLevel(level).label
    except ValueError:
        return "Chưa xác định cấp"


def row(level: str, field: str, items: Iterable[Cell]) -> PeriodRow:
    """The line of ``items`` (every dossier received directly until a channel is recorded)."""
    names = ("carried", "direct", "early", "on_time", "late", "open_on_time", "open_late")
    columns = zip(*((c.carried, c.received, c.early, c.on_time, c.late, c.open_on_time, c.open_late) for c in items),
                  strict=True)  # fmt: skip
    n = dict(zip(names, (sum(col) for col in columns), strict=False)) or dict.fromkeys(names, 0)
    return PeriodRow(
        level=level, level_label=level_label(level), field=field,
        received_total=n["carried"] + n["direct"], received_online=0, received_direct_postal=n["direct"],
        carried_over=n["carried"], resolved_total=n["early"] + n["on_time"] + n["late"],
        resolved_early=n["early"], resolved_on_time=n["on_time"], resolved_late=n["late"],
        in_progress_total=n["open_on_time"] + n["open_late"], in_progress_on_time=n["open_on_time"],
        in_progress_late=n["open_late"],
    )  # fmt: skip


def levels(session: Session) -> dict[tuple[str, str], str]:
    """(scope, department code) → level of every department the server knows (scope "" = the catalog's)."""
    return {(s, c): lv or "" for s, c, lv in session.execute(select(Department.scope, Department.code,
                                                                    Department.level))}  # fmt: skip


def _level_of(known: dict[tuple[str, str], str], unit_code: str, code: str) -> str:
    found = known.get((unit_code, code))
    return found if found is not None else known.get((GLOBAL_SCOPE, code), "")


def province_period_report(
    session: Session, period: Period, units: Sequence[str] | None = None
) -> ProvincePeriodReport:
    """Biểu II.06a of ``period`` for the offices ``units`` (None: the province)."""
    found = [c for c in cells(session, period, units, officers=False) if c.counted]
    known = levels(session)
    by_level: dict[str, dict[str, list[Cell]]] = defaultdict(lambda: defaultdict(list))
    for c in found:
        by_level[_level_of(known, c.unit_code, c.department_code)][c.field].append(c)
    groups = []
    for level in sorted(by_level, key=lambda lv: (_LEVEL_ORDER.get(lv, 9), lv)):
        fields = by_level[level]
        rows = tuple(row(level, f, fields[f]) for f in sorted(fields))
        subtotal = row(level, "", (c for f in fields.values() for c in f))
        groups.append(PeriodLevel(level, level_label(level), rows, subtotal))
    code, name, body, place = _header(session, units)
    return ProvincePeriodReport(
        start=period.start, end=period.end, unit_code=code, unit_name=name, governing_body=body, place_name=place,
        groups=tuple(groups), total=row("", "", found),
    )  # fmt: skip


def _header(session: Session, units: Sequence[str] | None) -> tuple[str, str, str, str]:
    """(unit code, unit name, governing body, place name) of the report: the office's when it covers one;
    for the province "Toàn tỉnh <name>" when an office is governed by the province's people's committee."""
    if units is not None and len(units) == 1:
        office = session.get(Office, units[0])
        if office is not None:
            return office.unit_code, office.name, office.governing_body, office.place_name
        return units[0], "", "", ""
    bodies = Counter(
        (body.strip(), place)
        for body, place in session.execute(select(Office.governing_body, Office.place_name))
        if body.strip().upper().startswith(_PROVINCE_BODY)
    )
    if not bodies:
        return "", PROVINCE, "", ""
    (body, place), _ = bodies.most_common(1)[0]
    province = body.strip()[len(_PROVINCE_BODY) :].strip().title()
    return "", f"{PROVINCE} {province}" if province else PROVINCE, body, place
