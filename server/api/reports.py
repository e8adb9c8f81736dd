"""Routes ``GET /reports/kpi`` and ``GET /reports/period``: the indicators and Biểu II.06a of a period
across offices, counted in the database.

``scope=office`` (the default): the caller's office, for its supervisors and admins. ``scope=province``:
every office, for admins and for supervisors granted the province view (``province_reports``,
``motcua-server admin province-reports --grant``); 403 in Vietnamese otherwise. Officers get 403. The figures:
server/sync/indicators.py and server/sync/period_report.py.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.indicators import Channel, Period, Ratio
from app.domain.period_report import ReportRow
from app.sync.wire import (
    KpiFigures,
    KpiProcessing,
    KpiRatio,
    KpiResponse,
    PeriodLevelWire,
    PeriodReportResponse,
    PeriodRowWire,
)
from server.api.errors import responses
from server.deps import Context, DbSession, Principal, require_role
from server.errors import ApiError, forbidden
from server.models import Office
from server.sync.indicators import Processing, ProvinceIndicators, province_kpi
from server.sync.period_report import province_period_report

router = APIRouter(tags=["reports"])

MAX_PERIOD_DAYS = 3 * 366
"""Longest period (three years), as on the counters (app.services.reports)."""
_CHANNELS = {Channel.DIRECT: "direct", Channel.ONLINE: "online", Channel.POSTAL: "postal"}
Scope = Literal["province", "office"]
PROVINCE_FORBIDDEN = (
    "Tài khoản này không được xem số liệu toàn tỉnh. Hãy chọn phạm vi “đơn vị này”, hoặc đề nghị quản trị"
    " hệ thống cấp quyền xem toàn tỉnh."
)


def _ratio(r: Ratio) -> KpiRatio:
    return KpiRatio(numerator=r.numerator, denominator=r.denominator, percent=r.percent)


def _processing(p: Processing) -> KpiProcessing:
    return KpiProcessing(
        procedure_code=p.procedure_code,
        procedure_name=p.procedure_name,
        unit=p.unit.value if p.unit is not None else None,
        finished=p.finished,
        average=p.average,
        legal=p.legal,
        faster_percent=p.faster_percent,
    )


def _figures(f: ProvinceIndicators) -> KpiFigures:
    return KpiFigures(
        key=f.key,
        name=f.name,
        counted=f.counted,
        on_time=_ratio(f.on_time),
        on_time_score=f.on_time_score,
        channels={_CHANNELS[ch]: _ratio(r) for ch, r in f.channels.items()},  # type: ignore[misc]
        late=_ratio(f.late),
        digitised=_ratio(f.digitised),
        digitised_score=f.digitised_score,
        dissatisfied=_ratio(f.dissatisfied),
        satisfaction=f.satisfaction,
        satisfaction_score=f.satisfaction_score,
        processing=[_processing(p) for p in f.processing],
    )


def check_period(start: date, end: date) -> Period:
    """The period, or 422 ``invalid_period`` in Vietnamese."""
    if start > end:
        raise ApiError(
            422,
            "invalid_period",
            f"Ngày bắt đầu ({start:%d/%m/%Y}) sau ngày kết thúc ({end:%d/%m/%Y}). Hãy chọn lại khoảng thời gian.",
        )
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ApiError(422, "invalid_period", "Khoảng thời gian dài quá 3 năm. Hãy chọn một khoảng ngắn hơn.")
    return Period(start, end)


def sees_province(principal: Principal) -> bool:
    """Admins, and supervisors granted the province view."""
    return principal.role == "admin" or (principal.role == "supervisor" and principal.province_reports)


def scope_units(principal: Principal, scope: Scope) -> list[str] | None:
    """The offices ``scope`` covers for the caller (None: every office), or 403 ``province_forbidden``."""
    if scope == "office":
        return [principal.unit_code]
    if not sees_province(principal):
        raise forbidden("province_forbidden", PROVINCE_FORBIDDEN)
    return None


def _office_names(session: Session) -> dict[str, str]:
    return {unit: name for unit, name in session.execute(select(Office.unit_code, Office.name))}


Supervisor = Annotated[Principal, Depends(require_role("supervisor", "admin"))]
From = Annotated[date, Query(alias="from", description="Ngày đầu kỳ (YYYY-MM-DD)")]
To = Annotated[date, Query(alias="to", description="Ngày cuối kỳ (YYYY-MM-DD), tính cả ngày này")]


@router.get("/reports/kpi", response_model=KpiResponse, responses=responses(403, 422))
def kpi(ctx: Context, session: DbSession, principal: Supervisor, start: From, end: To,
        scope: Scope = "office") -> KpiResponse:  # fmt: skip
    """Indicators 2.1, 2.2, 3.3, 4.2 and 5.4 of the period ``from`` … ``to`` (whole days, inclusive),
    for the scope and per office, department, field, procedure and officer."""
    period = check_period(start, end)
    units = scope_units(principal, scope)
    names = _office_names(session)
    figures = province_kpi(session, period, units, names)
    whole = figures.whole
    if scope == "office":
        whole = dataclasses.replace(whole, key=principal.unit_code, name=names.get(principal.unit_code, ""))
    return KpiResponse(
        start=start,
        end=end,
        scope=scope,
        computed_at=ctx.clock(),
        whole=_figures(whole),
        offices=[_figures(o) for o in figures.offices],
        fields=[_figures(f) for f in figures.fields],
        departments=[_figures(d) for d in figures.departments],
        procedures=[_figures(p) for p in figures.procedures],
        officers=[_figures(o) for o in figures.officers],
    )


def _row(r: ReportRow) -> PeriodRowWire:
    return PeriodRowWire(**dataclasses.asdict(r))


@router.get("/reports/period", response_model=PeriodReportResponse, responses=responses(403, 422))
def period(ctx: Context, session: DbSession, principal: Supervisor, start: From, end: To,
           scope: Scope = "office") -> PeriodReportResponse:  # fmt: skip
    """Biểu II.06a of the period ``from`` … ``to``: one row per field grouped by level, with totals."""
    checked = check_period(start, end)
    report = province_period_report(session, checked, scope_units(principal, scope))
    return PeriodReportResponse(
        start=start,
        end=end,
        scope=scope,
        computed_at=ctx.clock(),
        unit_code=report.unit_code,
        unit_name=report.unit_name,
        governing_body=report.governing_body,
        place_name=report.place_name,
        groups=[
            PeriodLevelWire(
                level=g.level, level_label=g.level_label, rows=[_row(r) for r in g.rows], subtotal=_row(g.subtotal)
            )
            for g in report.groups
        ],
        total=_row(report.total),
    )
