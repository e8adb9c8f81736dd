"""Biểu II.06a of the province or of one office, from the server's dossiers, counted in the database.

The same rows as the counters' app.services.reports.period_report: one row per field grouped by the
administrative level of the handling department (the office's own department of that code, else the
catalog's), with received online / direct and postal (the dossier's ``channel``) / carried over, resolved
early / on time / late, in progress within / past the deadline.
Every number is a sum of the cells of server/sync/indicators.py (one grouped statement).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.indicators import Period
from app.domain.period_report import LevelGroup, PeriodReport, ReportRow, level_label, level_order, report_row
from server.models import GLOBAL_SCOPE, Department, Office
from server.sync.indicators import PROVINCE, Cell, cells

_PROVINCE_BODY = "UBND TỈNH "


def row(level: str, field: str, items: Iterable[Cell]) -> ReportRow:
    """The line of ``items``."""
    n: Counter[str] = Counter()
    for c in items:
        n.update(carried=c.carried, online=c.online, direct=c.received - c.online, early=c.early, on_time=c.on_time,
                 late=c.late, in_progress_on_time=c.open_on_time, in_progress_late=c.open_late)  # fmt: skip
    return report_row(level, field, n)


def levels(session: Session) -> dict[tuple[str, str], str]:
    """(scope, department code) → level of every department the server knows (scope "" = the catalog's)."""
    return {(s, c): lv or "" for s, c, lv in session.execute(select(Department.scope, Department.code,
                                                                    Department.level))}  # fmt: skip


def _level_of(known: dict[tuple[str, str], str], unit_code: str, code: str) -> str:
    found = known.get((unit_code, code))
    return found if found is not None else known.get((GLOBAL_SCOPE, code), "")


def province_period_report(session: Session, period: Period, units: Sequence[str] | None = None) -> PeriodReport:
    """Biểu II.06a of ``period`` for the offices ``units`` (None: the province)."""
    found = [c for c in cells(session, period, units, officers=False) if c.counted]
    known = levels(session)
    by_level: dict[str, dict[str, list[Cell]]] = defaultdict(lambda: defaultdict(list))
    for c in found:
        by_level[_level_of(known, c.unit_code, c.department_code)][c.field].append(c)
    groups = []
    for level in sorted(by_level, key=level_order):
        fields = by_level[level]
        rows = tuple(row(level, f, fields[f]) for f in sorted(fields))
        subtotal = row(level, "", (c for f in fields.values() for c in f))
        groups.append(LevelGroup(level, level_label(level), rows, subtotal))
    code, name, body, place = _header(session, units)
    return PeriodReport(
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
