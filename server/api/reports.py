"""Route ``GET /reports/kpi``: the indicators of a period across offices, counted in the database.

``scope=office`` (the default): the caller's office, for its supervisors and admins. ``scope=province``:
every office, for admins only (a supervisor of one office sees that office; 403 otherwise).
Officers get 403. The figures: server/sync/indicators.py.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from app.domain.indicators import Channel, Period, Ratio
from app.sync.wire import KpiFigures, KpiRatio, KpiResponse
from server.api.errors import responses
from server.deps import Context, DbSession, Principal, require_role
from server.errors import ApiError, forbidden
from server.models import Office
from server.sync.indicators import ProvinceIndicators, province_kpi

router = APIRouter(tags=["reports"])

MAX_PERIOD_DAYS = 3 * 366
"""Longest period (three years), as on the counters (app.services.reports)."""
_CHANNELS = {Channel.DIRECT: "direct", Channel.ONLINE: "online", Channel.POSTAL: "postal"}


def _ratio(r: Ratio) -> KpiRatio:
    return KpiRatio(numerator=r.numerator, denominator=r.denominator, percent=r.percent)


def _figures(f: ProvinceIndicators) -> KpiFigures:
    return KpiFigures(
        key=f.key,
        name=f.name,
        counted=f.counted,
        on_time=_ratio(f.on_time),
        on_time_score=f.on_time_score,
        channels={_CHANNELS[ch]: _ratio(r) for ch, r in f.channels.items()},  # type: ignore[misc]
        late=_ratio(f.late),
        dissatisfied=_ratio(f.dissatisfied),
        satisfaction=f.satisfaction,
        satisfaction_score=f.satisfaction_score,
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


Supervisor = Annotated[Principal, Depends(require_role("supervisor", "admin"))]


@router.get("/reports/kpi", response_model=KpiResponse, responses=responses(403, 422))
def kpi(
    ctx: Context,
    session: DbSession,
    principal: Supervisor,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    scope: Literal["province", "office"] = "office",
) -> KpiResponse:
    """Indicators 2.1, 3.3 and 5.4 of the period ``from`` … ``to`` (whole days, inclusive)."""
    period = check_period(start, end)
    if scope == "province" and principal.role != "admin":
        raise forbidden("province_forbidden", "Chỉ quản trị viên mới xem được số liệu toàn tỉnh.")
    units = None if scope == "province" else [principal.unit_code]
    names = {unit: name for unit, name in session.execute(select(Office.unit_code, Office.name))}
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
    )
