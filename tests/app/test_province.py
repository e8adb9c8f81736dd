"""The server's report answers read into the counter's shapes (app.services.province): the same figures the
local services give, no uids, and Biểu II.06a printed and exported by the unchanged printers."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import httpx
import pytest
from openpyxl import load_workbook

from app.domain.indicators import Channel, Ratio
from app.domain.period_report import PeriodReport, ReportRow
from app.printing import period_report as period_pdf
from app.printing.xlsx import period_workbook
from app.services.province import (
    PROVINCE_NAME,
    as_of_text,
    kpi_from_wire,
    office_as_of,
    period_document_from_wire,
    period_from_wire,
)
from app.services.reports import Dimension, Indicators, KpiReport, kpi, period_report
from app.sync import wire
from app.sync.transport import OfflineError, ProtocolError, ServerError
from tests.app.test_period_print import NOVEMBER, late_pair  # noqa: F401  (a fixture)
from tests.pdf_tools import pdf_text

_CHANNEL_KEYS = {Channel.DIRECT: "direct", Channel.ONLINE: "online", Channel.POSTAL: "postal"}


def _ratio(r: Ratio) -> wire.KpiRatio:
    return wire.KpiRatio(numerator=r.numerator, denominator=r.denominator, percent=r.percent)


def figures_wire(i: Indicators) -> wire.KpiFigures:
    """What the server sends for ``i`` (the contract of app/sync/wire.py)."""
    return wire.KpiFigures(
        key=i.key, name=i.name, counted=i.counted, on_time=_ratio(i.on_time), on_time_score=i.on_time_score,
        channels={_CHANNEL_KEYS[ch]: _ratio(r) for ch, r in i.channels.items()}, late=_ratio(i.late),
        digitised=_ratio(i.digitised), digitised_score=i.digitised_score, dissatisfied=_ratio(i.dissatisfied),
        satisfaction=i.satisfaction, satisfaction_score=i.satisfaction_score,
        processing=[wire.KpiProcessing(procedure_code=p.procedure_code, procedure_name=p.procedure_name,
                                       unit=p.unit.value if p.unit else None, finished=p.finished,
                                       average=p.average, legal=p.legal, faster_percent=p.faster_percent)
                    for p in i.processing],
    )  # fmt: skip


def kpi_wire(r: KpiReport, scope: str = "office", offices: tuple[wire.KpiFigures, ...] = ()) -> wire.KpiResponse:
    return wire.KpiResponse(
        start=r.start, end=r.end, scope=scope, computed_at=datetime(2026, 11, 30, 3, tzinfo=UTC),  # type: ignore[arg-type]
        whole=figures_wire(r.office), offices=list(offices),
        fields=[figures_wire(i) for i in r.groups[Dimension.FIELD]],
        departments=[figures_wire(i) for i in r.groups[Dimension.DEPARTMENT]],
        procedures=[figures_wire(i) for i in r.groups[Dimension.PROCEDURE]],
        officers=[figures_wire(i) for i in r.groups[Dimension.OFFICER]],
    )  # fmt: skip


def row_wire(r: ReportRow) -> wire.PeriodRowWire:
    return wire.PeriodRowWire.model_validate({f: getattr(r, f) for f in wire.PeriodRowWire.model_fields})


def period_wire(p: PeriodReport, scope: str = "office", **header: str) -> wire.PeriodReportResponse:
    return wire.PeriodReportResponse(
        start=p.start, end=p.end, scope=scope, computed_at=datetime(2026, 11, 30, 3, tzinfo=UTC),  # type: ignore[arg-type]
        unit_code=header.get("unit_code", p.unit_code), unit_name=header.get("unit_name", p.unit_name),
        governing_body=header.get("governing_body", p.governing_body),
        place_name=header.get("place_name", p.place_name),
        groups=[wire.PeriodLevelWire(level=g.level, level_label=g.level_label, rows=[row_wire(r) for r in g.rows],
                                     subtotal=row_wire(g.subtotal)) for g in p.groups],
        total=row_wire(p.total),
    )  # fmt: skip


def _same_figures(got: Indicators, want: Indicators) -> None:
    """Equal except for the uids (the server sends none)."""
    assert (got.dimension, got.key, got.name, got.counted) == (want.dimension, want.key, want.name, want.counted)
    for name in ("on_time", "late", "digitised", "dissatisfied"):
        a, b = getattr(got, name), getattr(want, name)
        assert (a.numerator, a.denominator, a.percent, a.uids) == (b.numerator, b.denominator, b.percent, ())
    for ch in Channel:
        a, b = got.channels[ch], want.channels[ch]
        assert (a.numerator, a.denominator, a.uids) == (b.numerator, b.denominator, ())
    assert (got.on_time_score, got.digitised_score, got.satisfaction, got.satisfaction_score) == (
        want.on_time_score, want.digitised_score, want.satisfaction, want.satisfaction_score)  # fmt: skip
    assert len(got.processing) == len(want.processing)
    for p, q in zip(got.processing, want.processing, strict=True):
        assert (p.procedure_code, p.procedure_name, p.unit, p.finished, p.average, p.legal, p.faster_percent) == (
            q.procedure_code, q.procedure_name, q.unit, q.finished, q.average, q.legal, q.faster_percent)  # fmt: skip
        assert p.uids == ()


def test_the_servers_office_figures_read_back_as_the_local_report(factory, late_pair) -> None:  # noqa: F811
    with factory() as s:
        local = kpi(s, *NOVEMBER)
    assert local.office.counted == 2 and local.office.late.numerator == 2
    got = kpi_from_wire(kpi_wire(local))
    assert (got.start, got.end) == NOVEMBER
    _same_figures(got.office, local.office)
    for dim in (Dimension.DEPARTMENT, Dimension.FIELD, Dimension.PROCEDURE, Dimension.OFFICER):
        assert len(got.groups[dim]) == len(local.groups[dim]) > 0, dim
        for a, b in zip(got.groups[dim], local.groups[dim], strict=True):
            _same_figures(a, b)
    assert got.groups[Dimension.OFFICE] == ()


def test_the_province_has_a_name_and_a_list_of_offices(factory, late_pair) -> None:  # noqa: F811
    with factory() as s:
        local = kpi(s, *NOVEMBER)
    whole = figures_wire(local.office).model_copy(update={"key": "", "name": ""})
    other = figures_wire(local.office).model_copy(update={"key": "000.02.00.H49", "name": "UBND xã B"})
    answer = kpi_wire(local, "province", (figures_wire(local.office), other)).model_copy(update={"whole": whole})
    got = kpi_from_wire(answer)
    assert got.office.name == PROVINCE_NAME and got.office.dimension is Dimension.OFFICE
    offices = got.groups[Dimension.OFFICE]
    assert [o.dimension for o in offices] == [Dimension.OFFICE] * 2
    assert sorted(o.key for o in offices) == sorted([local.office.key, "000.02.00.H49"])
    assert Dimension.OFFICE.label == "Đơn vị"


def test_channels_the_server_leaves_out_count_nothing() -> None:
    zero = wire.KpiRatio(numerator=0, denominator=0, percent=None)
    figures = wire.KpiFigures(key="", name="", counted=0, on_time=zero, on_time_score=None,
                              channels={"direct": wire.KpiRatio(numerator=1, denominator=2, percent=50.0)},
                              late=zero, dissatisfied=zero, satisfaction=None, satisfaction_score=None)  # fmt: skip
    answer = wire.KpiResponse(start=date(2026, 11, 1), end=date(2026, 11, 30), scope="province", offices=[],
                              computed_at=datetime(2026, 11, 30, tzinfo=UTC), whole=figures, fields=[])  # fmt: skip
    got = kpi_from_wire(answer)
    assert got.office.channels[Channel.DIRECT].percent == 50.0
    assert got.office.channels[Channel.ONLINE] == Ratio(0, 0)
    assert got.office.processing == () and all(got.groups[d] == () for d in Dimension)


def test_the_servers_period_report_reads_back_as_the_local_one(factory, late_pair) -> None:  # noqa: F811
    with factory() as s:
        local = period_report(s, *NOVEMBER)
    assert local.total.received_total == 2 and local.groups
    assert period_from_wire(period_wire(local)) == local


def test_the_province_period_report_prints_and_exports_under_the_provinces_header(factory, late_pair) -> None:  # noqa: F811
    with factory() as s:
        local = period_report(s, *NOVEMBER)
    answer = period_wire(local, "province", unit_code="", unit_name="Toàn tỉnh Quảng Ninh",
                         governing_body="UBND TỈNH QUẢNG NINH", place_name="Quảng Ninh")  # fmt: skip
    doc = period_document_from_wire(answer, datetime(2026, 12, 1, 9))
    assert doc.late == () and not doc.demo
    out = io.BytesIO()
    period_pdf.render(doc, out)
    pages = pdf_text(out.getvalue())
    first = " ".join(pages[0].split())
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI TOÀN TỈNH QUẢNG NINH" in first
    # the server counts other offices' dossiers but does not list them: no "no late dossiers" page
    assert not any("Không có hồ sơ quá hạn" in page or "DANH SÁCH HỒ SƠ" in page.upper() for page in pages)
    assert "UBND TỈNH QUẢNG NINH" in first and "Quảng Ninh, ngày 01 tháng 12 năm 2026" in first
    assert first.split("TỔNG CỘNG", 1)[1].split()[:11] == [str(v) for v in period_pdf.counts(local.total)]
    book = io.BytesIO()
    period_workbook(doc).save(book)
    sheets = load_workbook(io.BytesIO(book.getvalue())).worksheets
    assert [ws.title for ws in sheets] == [sheets[0].title]  # no late-dossier sheet
    text = " ".join(str(c.value) for row in sheets[0].iter_rows() for c in row if c.value is not None)
    assert "TOÀN TỈNH QUẢNG NINH" in text


def test_a_province_report_without_a_name_is_the_province() -> None:
    row = wire.PeriodRowWire(level="", level_label="", field="", received_total=0, received_online=0,
                             received_direct_postal=0, carried_over=0, resolved_total=0, resolved_early=0,
                             resolved_on_time=0, resolved_late=0, in_progress_total=0, in_progress_on_time=0,
                             in_progress_late=0)  # fmt: skip
    answer = wire.PeriodReportResponse(start=date(2026, 11, 1), end=date(2026, 11, 30), scope="province",
                                       computed_at=datetime(2026, 11, 30, tzinfo=UTC), unit_code="", unit_name="",
                                       governing_body="", place_name="", groups=[], total=row)  # fmt: skip
    assert period_from_wire(answer).unit_name == PROVINCE_NAME
    assert period_from_wire(answer).empty


def test_as_of_text() -> None:
    assert as_of_text(False, None) == ""
    assert as_of_text(True, None) == "chưa đồng bộ lần nào"
    utc = datetime(2026, 11, 20, 2, 42)
    local = utc.replace(tzinfo=UTC).astimezone()
    assert as_of_text(True, utc) == f"đến lần đồng bộ {local:%H:%M %d/%m/%Y}"


def test_a_standalone_pc_has_no_sync_to_be_as_of(factory) -> None:
    with factory() as s:
        assert office_as_of(s) == ""


def _answer(scope: str) -> wire.KpiResponse:
    zero = wire.KpiRatio(numerator=0, denominator=0, percent=None)
    figures = wire.KpiFigures(key="", name="", counted=0, on_time=zero, on_time_score=None, channels={}, late=zero,
                              dissatisfied=zero, satisfaction=None, satisfaction_score=None)  # fmt: skip
    return wire.KpiResponse(
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
        scope=scope,  # type: ignore[arg-type]
        computed_at=datetime(2026, 11, 30, tzinfo=UTC),
        whole=figures,
        offices=[],
        fields=[],
    )


@pytest.fixture
def reports_server(tmp_path):
    """The fake server of tests/sync_support.py with ``/reports/kpi`` and ``/reports/period``: the test sets
    ``answers[path]`` to a (status, body)."""
    from app.sync.secrets import SecretName, SecretStore
    from app.sync.transport import Transport, enrol, make_client
    from tests.sync_support import FakeServer, MemoryKeyring, keyring_backend

    server = FakeServer()
    answers: dict[str, tuple[int, object]] = {}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/reports/"):
            server.requests.append(request)
            status, body = answers[request.url.path]
            return httpx.Response(status, json=body)
        return server.handle(request)

    with keyring_backend(MemoryKeyring()):
        answer = enrol(server.client(), server.new_enrol_code(), "Quầy số 03")
        secrets = SecretStore(tmp_path, answer.device_id)
        secrets.set(SecretName.DEVICE_SECRET, answer.device_secret)
        transport = Transport(make_client("http://motcua.test", httpx.MockTransport(handle)), answer.device_id, secrets)
        transport.login("canbo", "matkhau-2026")
        yield transport, server, answers


def test_transport_asks_for_the_period_and_scope_and_reads_the_answers(reports_server) -> None:
    transport, server, answers = reports_server
    answers["/reports/kpi"] = (200, _answer("province").model_dump(mode="json"))
    got = transport.kpi(date(2026, 11, 1), date(2026, 11, 30), "province")
    assert got.scope == "province"
    request = server.requests[-1]
    assert request.method == "GET" and request.headers["Authorization"].startswith("Bearer ")
    assert dict(request.url.params) == {"from": "2026-11-01", "to": "2026-11-30", "scope": "province"}
    with pytest.raises(ProtocolError):  # a KPI answer is not a period report
        answers["/reports/period"] = (200, _answer("office").model_dump(mode="json"))
        transport.period_report(date(2026, 11, 1), date(2026, 11, 30), "office")


def test_transport_maps_the_servers_refusals(reports_server) -> None:
    transport, _server, answers = reports_server
    answers["/reports/kpi"] = (
        403,
        {"detail": {"code": "province_forbidden", "message": "Chỉ quản trị viên mới xem được số liệu toàn tỉnh."}},
    )
    with pytest.raises(ServerError, match="Chỉ quản trị viên") as caught:
        transport.kpi(date(2026, 11, 1), date(2026, 11, 30), "province")
    assert caught.value.status == 403
    answers["/reports/period"] = (404, {"detail": "Not Found"})
    with pytest.raises(ServerError) as missing:
        transport.period_report(date(2026, 11, 1), date(2026, 11, 30), "province")
    assert missing.value.status == 404
    answers["/reports/kpi"] = (503, {})
    with pytest.raises(OfflineError):
        transport.kpi(date(2026, 11, 1), date(2026, 11, 30), "office")


def test_fetching_the_province_says_why_it_cannot(reports_server) -> None:
    from app.services.province import ProvinceUnavailable, fetch_kpi, fetch_period

    transport, server, answers = reports_server
    nov = (date(2026, 11, 1), date(2026, 11, 30))
    with pytest.raises(ProvinceUnavailable, match="chưa đăng ký với máy chủ"):
        fetch_kpi(None, *nov)
    answers["/reports/kpi"] = (403, {"detail": {"code": "province_forbidden", "message": "Chỉ quản trị viên."}})
    with pytest.raises(ProvinceUnavailable, match=r"không được xem số liệu toàn tỉnh .Chỉ quản trị viên.+Ctrl.T"):
        fetch_kpi(transport, *nov)
    answers["/reports/period"] = (404, {"detail": "Not Found"})
    with pytest.raises(ProvinceUnavailable, match="Máy chủ chưa có báo cáo này"):
        fetch_period(transport, *nov, datetime(2026, 12, 1))
    answers["/reports/kpi"] = (200, _answer("province").model_dump(mode="json"))
    assert fetch_kpi(transport, *nov).report.office.name == PROVINCE_NAME
    server.offline = True
    transport._access_token = None
    with pytest.raises(ProvinceUnavailable, match=r"Mất kết nối máy chủ.+thử lại khi có mạng"):
        fetch_kpi(transport, *nov)
    server.offline = False
    from app.sync.secrets import SecretName

    transport._secrets.delete(SecretName.REFRESH_TOKEN)
    with pytest.raises(ProvinceUnavailable, match="Chưa đăng nhập trực tuyến với máy chủ"):
        fetch_kpi(transport, *nov)
