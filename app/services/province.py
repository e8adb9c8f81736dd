"""The server's report answers (``GET /reports/kpi``, ``GET /reports/period``) in the shapes the counter's
screens and printers already use (app.services.reports, app.services.report_documents).

The counter holds only its own office's dossiers, so figures that come from the server carry no
dossier uids: nothing to click through to. The server sends no late-dossier list either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.domain.durations import DurationUnit
from app.domain.indicators import Channel, Ratio
from app.domain.period_report import LevelGroup, PeriodReport, ReportRow
from app.errors import UserFacingError
from app.printing.data import OfficeHeader
from app.services.report_documents import PeriodDocument
from app.services.reports import Dimension, Indicators, KpiReport, ProcessingFigure
from app.sync import wire

if TYPE_CHECKING:
    from app.sync.transport import Transport

PROVINCE_NAME = "Toàn tỉnh"
"""What the whole province is called when the server gives it no name."""
_CHANNELS = {"direct": Channel.DIRECT, "online": Channel.ONLINE, "postal": Channel.POSTAL}


class Scope(StrEnum):
    """Where the supervision workspace reads its figures from."""

    OFFICE = "office"  # this PC's store: works offline, as of the last sync
    PROVINCE = "province"  # the central server, every office


def _ratio(r: wire.KpiRatio) -> Ratio:
    return Ratio(r.numerator, r.denominator)


def _processing(p: wire.KpiProcessing) -> ProcessingFigure:
    unit = DurationUnit(p.unit) if p.unit is not None else None
    return ProcessingFigure(p.procedure_code, p.procedure_name, unit, p.finished, p.average, p.legal,
                            p.faster_percent, ())  # fmt: skip


def indicators_from_wire(f: wire.KpiFigures, dimension: Dimension) -> Indicators:
    """One group's figures as app.services.reports.Indicators (no uids: no click-through)."""
    return Indicators(
        dimension=dimension, key=f.key, name=f.name, counted=f.counted, on_time=_ratio(f.on_time),
        on_time_score=f.on_time_score, late=_ratio(f.late),
        channels={ch: _ratio(f.channels[k]) if k in f.channels else Ratio(0, 0) for k, ch in _CHANNELS.items()},
        digitised=_ratio(f.digitised), digitised_score=f.digitised_score, dissatisfied=_ratio(f.dissatisfied),
        satisfaction=f.satisfaction, satisfaction_score=f.satisfaction_score,
        processing=tuple(_processing(p) for p in f.processing),
    )  # fmt: skip


def _group(items: Sequence[wire.KpiFigures], dimension: Dimension) -> tuple[Indicators, ...]:
    return tuple(indicators_from_wire(f, dimension) for f in sorted(items, key=lambda f: (f.name, f.key)))


def kpi_from_wire(answer: wire.KpiResponse) -> KpiReport:
    """The server's indicators as a KpiReport: the whole scope, and per office (Dimension.OFFICE, "Đơn vị"),
    department, field, procedure and officer."""
    whole = indicators_from_wire(answer.whole, Dimension.OFFICE)
    if answer.scope == "province" and not whole.name:
        whole = _renamed(whole, PROVINCE_NAME)
    groups = {
        Dimension.OFFICE: _group(answer.offices, Dimension.OFFICE),
        Dimension.DEPARTMENT: _group(answer.departments, Dimension.DEPARTMENT),
        Dimension.FIELD: _group(answer.fields, Dimension.FIELD),
        Dimension.PROCEDURE: _group(answer.procedures, Dimension.PROCEDURE),
        Dimension.OFFICER: _group(answer.officers, Dimension.OFFICER),
    }
    return KpiReport(answer.start, answer.end, whole, groups)


def _renamed(ind: Indicators, name: str) -> Indicators:
    return replace(ind, name=name)


def _row(r: wire.PeriodRowWire) -> ReportRow:
    return ReportRow(
        level=r.level, level_label=r.level_label, field=r.field, received_total=r.received_total,
        received_online=r.received_online, received_direct_postal=r.received_direct_postal,
        carried_over=r.carried_over, resolved_total=r.resolved_total, resolved_early=r.resolved_early,
        resolved_on_time=r.resolved_on_time, resolved_late=r.resolved_late, in_progress_total=r.in_progress_total,
        in_progress_on_time=r.in_progress_on_time, in_progress_late=r.in_progress_late,
    )  # fmt: skip


def period_from_wire(answer: wire.PeriodReportResponse) -> PeriodReport:
    """The server's Biểu II.06a as app.services.reports.PeriodReport."""
    groups = tuple(
        LevelGroup(g.level, g.level_label, tuple(_row(r) for r in g.rows), _row(g.subtotal)) for g in answer.groups
    )
    name = answer.unit_name or (PROVINCE_NAME if answer.scope == "province" else answer.unit_code)
    return PeriodReport(
        unit_code=answer.unit_code, unit_name=name, governing_body=answer.governing_body,
        place_name=answer.place_name, start=answer.start, end=answer.end, groups=groups, total=_row(answer.total),
    )  # fmt: skip


def period_document_from_wire(answer: wire.PeriodReportResponse, now: datetime) -> PeriodDocument:
    """The server's Biểu II.06a ready for app.printing.period_report / app.printing.xlsx, under the
    header the server gives (the province's for scope=province). The server sends no late-dossier list."""
    report = period_from_wire(answer)
    header = OfficeHeader(report.governing_body, report.unit_name.upper(), report.place_name)
    return PeriodDocument(header=header, report=report, late=(), made_at=now, demo=False, late_listed=False)


def office_as_of(session: Session) -> str:
    """How recent this PC's figures are (:func:`as_of_text`), read from the sync state."""
    from app.sync.state import sync_state

    state = sync_state(session)
    return as_of_text(state is not None, state.last_success_at if state is not None else None)


def as_of_text(enrolled: bool, last_sync: datetime | None) -> str:
    """The office mode's "as of": "đến lần đồng bộ 09:42 20/11/2026", "chưa đồng bộ lần nào", or "" on a
    standalone PC (nothing to sync with). ``last_sync`` is naive UTC, shown in the PC's local time."""
    if not enrolled:
        return ""
    if last_sync is None:
        return "chưa đồng bộ lần nào"
    local = last_sync.replace(tzinfo=UTC).astimezone()
    return f"đến lần đồng bộ {local:%H:%M %d/%m/%Y}"


# --- fetching (worker thread) --------------------------------------------------------------------

BACK_TO_OFFICE = "Chọn “Đơn vị này” (Ctrl+T) để xem số liệu trên máy."
NOT_ENROLLED = "Máy trạm này chưa đăng ký với máy chủ nên không xem được số liệu toàn tỉnh. " + BACK_TO_OFFICE


class ProvinceUnavailable(UserFacingError):
    """The province's figures cannot be had now; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class ProvinceKpi:
    """The province's indicators and when the server counted them."""

    report: KpiReport
    computed_at: datetime


@dataclass(frozen=True, slots=True)
class ProvincePeriod:
    """The province's Biểu II.06a, ready to print, and when the server counted it."""

    document: PeriodDocument
    computed_at: datetime


def explain(exc: UserFacingError) -> ProvinceUnavailable:
    """What to tell a supervisor when the server did not give the province's figures."""
    from app.sync.transport import AuthRequiredError, OfflineError, ProtocolError, ServerError

    if isinstance(exc, OfflineError):
        text = f"{exc} Số liệu toàn tỉnh cần kết nối máy chủ; hãy thử lại khi có mạng. {BACK_TO_OFFICE}"
    elif isinstance(exc, AuthRequiredError):
        text = (
            "Chưa đăng nhập trực tuyến với máy chủ (phiên đăng nhập máy chủ không còn hoặc bạn đăng nhập khi mất"
            " mạng). Hãy đăng xuất rồi đăng nhập lại khi có mạng để xem số liệu toàn tỉnh. " + BACK_TO_OFFICE
        )
    elif isinstance(exc, ServerError) and exc.status == 403:
        text = (
            f"Tài khoản này không được xem số liệu toàn tỉnh ({exc.message.rstrip('.')}). Hãy đăng nhập bằng tài"
            " khoản được cấp quyền xem toàn tỉnh. " + BACK_TO_OFFICE
        )
    elif isinstance(exc, ServerError) and exc.status == 404:
        text = (
            "Máy chủ chưa có báo cáo này (phiên bản máy chủ cũ hơn phần mềm). Hãy báo bộ phận CNTT cập nhật máy chủ. "
            + BACK_TO_OFFICE
        )
    elif isinstance(exc, ProtocolError | ServerError):
        text = f"Không lấy được số liệu toàn tỉnh: {exc} {BACK_TO_OFFICE}"
    else:
        text = f"{exc} {BACK_TO_OFFICE}"
    return ProvinceUnavailable(text)


def fetch_kpi(transport: Transport | None, start: date, end: date) -> ProvinceKpi:
    """The province's indicators from the server (``transport`` None: this PC is not enrolled).

    Raises:
        ProvinceUnavailable: not enrolled, offline, not signed in at the server, refused, bad answer.
    """
    if transport is None:
        raise ProvinceUnavailable(NOT_ENROLLED)
    try:
        answer = transport.kpi(start, end, "province")
    except UserFacingError as exc:
        raise explain(exc) from exc
    return ProvinceKpi(kpi_from_wire(answer), answer.computed_at)


def fetch_period(transport: Transport | None, start: date, end: date, now: datetime) -> ProvincePeriod:
    """The province's Biểu II.06a from the server, as a printable document made at ``now``.

    Raises:
        ProvinceUnavailable: as :func:`fetch_kpi`.
    """
    if transport is None:
        raise ProvinceUnavailable(NOT_ENROLLED)
    try:
        answer = transport.period_report(start, end, "province")
    except UserFacingError as exc:
        raise explain(exc) from exc
    return ProvincePeriod(period_document_from_wire(answer, now), answer.computed_at)


def server_time_text(computed_at: datetime) -> str:
    """ "09:42 20/11/2026": when the server counted, in the PC's local time."""
    local = computed_at.astimezone() if computed_at.tzinfo is not None else computed_at.replace(tzinfo=UTC).astimezone()
    return f"{local:%H:%M %d/%m/%Y}"
