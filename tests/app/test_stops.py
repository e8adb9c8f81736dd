"""Stop and withdrawal at the citizen's request (issue 16): the status check, the event, form 05, the
history line and how the indicators (2.1, Biểu II.06a) count a stopped or withdrawn dossier (DOMAIN §8)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from app.domain.contracts import StoppedPayload, WithdrawnPayload, dump_payload, parse_payload
from app.domain.events import EventType
from app.domain.file_names import suggested_file_name
from app.domain.indicators import DossierClass
from app.domain.status import DossierStatus, Step, allowed_steps, check_transition
from app.errors import UserFacingError, ValidationError
from app.printing import stop_notice
from app.services.dossiers import get_detail
from app.services.forms import CustodyDocument, printed_before, record_print
from app.services.office import load_calendar
from app.services.reception import request_supplement
from app.services.reports import (
    counted_dossiers,
    kpi,
    period_report,
    reference_counted_dossiers,
    reference_kpi,
    reference_period_report,
)
from app.services.results import request_supplement_after_reception
from app.services.returns import record_result
from app.services.stops import StopKind, StopRequest, build_stop_notice, check_stop, record_stop
from app.store.db import transaction
from app.store.models import Dossier, Event, Setting
from tests.app.test_reception import APPLICANT, draft, receive
from tests.app.test_returns import THREE_DAYS, _at_department
from tests.conftest import NOW
from tests.pdf_tools import pdf_text

STOP = StopRequest(StopKind.STOP, "Nguyễn Văn An", "Không còn nhu cầu giải quyết", "Đơn đề nghị ngày 24/11/2026")
WITHDRAW = StopRequest(StopKind.WITHDRAW, "Trần Thị Bình", "Cần bổ sung giấy tờ khác, sẽ nộp lại sau")


def _row(factory, uid: str) -> Dossier:
    with factory() as s:
        return s.scalars(select(Dossier).where(Dossier.uid == uid)).one()


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(pdf_text(pdf)).split())


def test_the_steps_are_offered_only_before_a_decision() -> None:
    for status in (DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.SUPPLEMENT_REQUESTED,
                   DossierStatus.FEES_REQUESTED):  # fmt: skip
        assert {Step.STOP, Step.WITHDRAW} <= allowed_steps(status), status
        check_transition(status, DossierStatus.STOPPED)
        check_transition(status, DossierStatus.WITHDRAWN)
    for status in (DossierStatus.SUBMITTED, DossierStatus.REFUSED, DossierStatus.RESULT_READY,
                   DossierStatus.RETURNED, DossierStatus.STOPPED, DossierStatus.WITHDRAWN):  # fmt: skip
        assert not {Step.STOP, Step.WITHDRAW} & allowed_steps(status), status


def test_a_stop_is_recorded_printed_and_listed(factory, actor, catalog) -> None:
    d = _at_department(factory, actor, catalog)
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        with pytest.raises(ValidationError) as err:
            check_stop(s, d.uid, StopRequest(StopKind.STOP, "  ", ""))
        assert set(err.value.fields) == {"requester_name", "reason"}
        assert "họ tên người đề nghị" in err.value.fields["requester_name"]
        with pytest.raises(ValidationError) as err:
            check_stop(s, d.uid, StopRequest(StopKind.STOP, "A", "x" * 2001))
        assert "2000 ký tự" in err.value.fields["reason"]
        done, changes = record_stop(s, actor, d.uid, STOP, t)
    assert done.status is DossierStatus.STOPPED and d.uid in changes.dossier_uids
    assert "Mẫu 05" in done.message
    row = _row(factory, d.uid)
    assert (row.status, row.updated_at, row.ended_at) == (8, t, None)  # the end is read from updated_at
    with factory() as s:
        event = s.scalars(select(Event).where(Event.type == str(EventType.STOPPED))).one()
        payload = parse_payload(event.type, event.payload)
        assert isinstance(payload, StoppedPayload) and dump_payload(payload) == event.payload
        assert (payload.status_before, payload.requester_name, payload.code) == (4, "Nguyễn Văn An", d.code)
        notice = build_stop_notice(s, d.uid)
        detail = get_detail(s, d.uid)
    assert not notice.withdrawn and notice.status_label == "Đang xử lý" and notice.form_number == "Mẫu số 05"
    out = BytesIO()
    stop_notice.render(notice, out)
    text = _text(out.getvalue())
    for line in ("THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Mẫu số 05", f"Mã hồ sơ: {d.code}", APPLICANT.full_name,
                 "đề nghị dừng giải quyết hồ sơ (Đơn đề nghị ngày 24/11/2026)", "Lý do: Không còn nhu cầu giải quyết",
                 "trạng thái “Đang xử lý”, chưa có kết quả giải quyết",
                 "thông báo dừng giải quyết hồ sơ nêu trên kể từ 09 giờ 15 phút, ngày 24 tháng 11 năm 2026",
                 "NGƯỜI ĐỀ NGHỊ", "NGƯỜI TIẾP NHẬN"):  # fmt: skip
        assert line in text, line
    assert "trả lại hồ sơ" not in text
    assert detail is not None
    line = [h for h in detail.history if h.kind == EventType.STOPPED]
    assert [(h.label, h.detail) for h in line] == [
        ("Dừng giải quyết hồ sơ theo đề nghị của công dân",
         "Người đề nghị: Nguyễn Văn An (Đơn đề nghị ngày 24/11/2026). Lý do: Không còn nhu cầu giải quyết")
    ]  # fmt: skip
    with transaction(factory) as s:
        record_print(s, actor, d.uid, CustodyDocument.STOP_NOTICE, "printer", False, t)
        assert printed_before(s, d.uid, CustodyDocument.STOP_NOTICE)
    assert suggested_file_name("stop_notice", d.code or "", "pdf").startswith("thong-bao-dung-giai-quyet-")


def test_after_a_result_or_a_stop_nothing_more_can_be_stopped(factory, actor, catalog) -> None:
    d = _at_department(factory, actor, catalog)
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        record_result(s, actor, d.uid, "Giấy chứng nhận", t)
    with transaction(factory) as s, pytest.raises(UserFacingError, match=r"Đã xử lý xong.*chưa có kết quả"):
        record_stop(s, actor, d.uid, STOP, t + timedelta(hours=1))
    other = receive(factory, actor, catalog, draft(catalog, THREE_DAYS))
    with transaction(factory) as s:
        record_stop(s, actor, other.uid, WITHDRAW, t)
    with transaction(factory) as s, pytest.raises(UserFacingError, match="Công dân yêu cầu rút hồ sơ"):
        check_stop(s, other.uid, STOP)
    with transaction(factory) as s, pytest.raises(UserFacingError, match="rút hồ sơ”: chưa thể ghi nhận kết quả"):
        record_result(s, actor, other.uid, "Giấy chứng nhận", t)  # the withdrawal was final
    with transaction(factory) as s:
        request_supplement(s, actor, catalog, draft(catalog), ["Bản sao CCCD"], "Thiếu giấy tờ", NOW)
        never = s.scalars(select(Dossier).where(Dossier.code.is_(None))).one()
    with transaction(factory) as s, pytest.raises(UserFacingError, match="chưa được tiếp nhận"):
        check_stop(s, never.uid, STOP)


def test_a_withdrawal_while_waiting_for_a_supplement_prints_the_return_of_the_papers(factory, actor, catalog) -> None:
    d = _at_department(factory, actor, catalog)
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        s.add(Setting(key="form_numbers", value={"stop_notice": "Mẫu số 05/TB"}))
        request_supplement_after_reception(s, actor, load_calendar(s), d.uid, ["Bản sao CCCD"], "Thiếu giấy tờ", t)
    with transaction(factory) as s:
        done, _ = record_stop(s, actor, d.uid, WITHDRAW, t + timedelta(hours=2))
    assert done.status is DossierStatus.WITHDRAWN and _row(factory, d.uid).status == 7
    with factory() as s:
        event = s.scalars(select(Event).where(Event.type == str(EventType.WITHDRAWN))).one()
        assert isinstance(parse_payload(event.type, event.payload), WithdrawnPayload)
        notice = build_stop_notice(s, d.uid)
    assert notice.withdrawn and notice.status_label == "Yêu cầu bổ sung giấy tờ"
    out = BytesIO()
    stop_notice.render(notice, out)
    text = _text(out.getvalue())
    assert "Mẫu số 05/TB" in text and "đề nghị rút hồ sơ." in text and "trả lại hồ sơ cho Ông/Bà" in text


def test_no_notice_without_a_stop(factory, actor, catalog) -> None:
    d = _at_department(factory, actor, catalog)
    with factory() as s, pytest.raises(UserFacingError, match="chưa có đề nghị dừng"):
        build_stop_notice(s, d.uid)


def test_indicators_count_a_stop_and_a_withdrawal_as_the_end(factory, actor, catalog) -> None:
    """Hand-computed: four dossiers received Monday 23/11/2026 09:15, 3 working days, due Friday 27/11
    (the receipt day does not count).

    A stopped Tuesday 24/11 (before the due day): resolved early. B withdrawn Tuesday 01/12 (after it):
    resolved late. C result Wednesday 25/11: early. D nothing: in progress, late at the end of the period.
    2.1 = (A + C) / 4 = 50 %. In the next week A, B and C ended before the period: not counted.
    """
    uids = [receive(factory, actor, catalog, draft(catalog, THREE_DAYS)).uid for _ in range(4)]
    a, b, c, d = uids
    assert _row(factory, a).due_at is not None and _row(factory, a).due_at.date() == date(2026, 11, 27)
    with transaction(factory) as s:
        record_stop(s, actor, a, STOP, datetime(2026, 11, 24, 10, 0))
        record_stop(s, actor, b, WITHDRAW, datetime(2026, 12, 1, 10, 0))
        record_result(s, actor, c, "Giấy chứng nhận", datetime(2026, 11, 25, 14, 0))
    start, end = date(2026, 11, 23), date(2026, 12, 4)
    with factory() as s:
        classes = {x.facts.uid: x.cls for x in counted_dossiers(s, start, end)}
        assert classes == {a: DossierClass.EARLY, b: DossierClass.LATE, c: DossierClass.EARLY,
                           d: DossierClass.IN_PROGRESS_LATE}  # fmt: skip
        ends = {x.facts.uid: (x.facts.end_at, x.facts.end_status) for x in counted_dossiers(s, start, end)}
        assert ends[a] == (datetime(2026, 11, 24, 10, 0), DossierStatus.STOPPED)
        assert ends[b] == (datetime(2026, 12, 1, 10, 0), DossierStatus.WITHDRAWN)
        figures = kpi(s, start, end)
        assert (figures.office.on_time.numerator, figures.office.on_time.denominator) == (2, 4)
        assert figures.office.on_time.text() == "50%"
        assert [p.finished for p in figures.office.processing] == [1]  # 2.2: only the result has a time
        total = period_report(s, start, end).total
        assert (total.received_total, total.resolved_total, total.resolved_early, total.resolved_on_time,
                total.resolved_late, total.in_progress_total,
                total.in_progress_late) == (4, 3, 2, 0, 1, 1, 1)  # fmt: skip
        assert period_report(s, start, end) == reference_period_report(s, start, end)
        assert [(x.facts, x.cls) for x in counted_dossiers(s, start, end)] == [
            (x.facts, x.cls) for x in reference_counted_dossiers(s, start, end)
        ]
        assert kpi(s, start, end).office.on_time == reference_kpi(s, start, end).office.on_time
        later = {x.facts.uid: x.cls for x in counted_dossiers(s, date(2026, 12, 7), date(2026, 12, 11))}
        assert later == {d: DossierClass.IN_PROGRESS_LATE}
