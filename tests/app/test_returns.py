"""Result, return to the citizen, supplement during processing and the one-time apology (form 04)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.custody import PlaceKind
from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.errors import UserFacingError, ValidationError
from app.services.handover import (
    add_scan,
    confirm_batch,
    counter_place,
    custody_of,
    department_place,
    open_batch,
    send_batch,
)
from app.services.office import load_calendar
from app.services.results import extend_due_date, receive_supplement, request_supplement_after_reception
from app.services.returns import Collector, CollectorDraft, record_result, return_to_citizen
from app.store.db import transaction
from app.store.models import Dossier, Event, Setting
from tests.app.test_reception import APPLICANT, draft, receive
from tests.conftest import NOW

TP = "XA-TP"
THREE_DAYS = "1.004859"  # 3 working days


def _at_department(factory, actor, catalog):
    summary = receive(factory, actor, catalog, draft(catalog, THREE_DAYS))
    with transaction(factory) as s:
        batch, _ = add_scan(s, open_batch(counter_place(actor), department_place(s, TP)), summary.code)
        send_batch(s, actor, batch, NOW + timedelta(minutes=30))
        confirm_batch(s, actor, batch.id, [summary.code], NOW + timedelta(hours=1))
    return summary


def _back_at_counter(factory, actor, uid, code, when):
    with transaction(factory) as s:
        back, verdict = add_scan(s, open_batch(department_place(s, TP), counter_place(actor)), code)
        assert verdict.ok, verdict.message
        send_batch(s, actor, back, when)
        confirm_batch(s, actor, back.id, [code], when + timedelta(minutes=10))


def _dossier(factory, uid) -> Dossier:
    with factory() as s:
        return s.scalars(select(Dossier).where(Dossier.uid == uid)).one()


def test_result_then_return_to_the_applicant(factory, actor, catalog):
    d = _at_department(factory, actor, catalog)
    assert _dossier(factory, d.uid).status == DossierStatus.PROCESSING
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        with pytest.raises(ValidationError) as err:
            record_result(s, actor, d.uid, "  ", t)
        assert "kết quả" in err.value.fields["result"]
        done, _ = record_result(s, actor, d.uid, "Bản sao trích lục khai sinh", t)
    assert done.status is DossierStatus.RESULT_READY and _dossier(factory, d.uid).status == 9
    with transaction(factory) as s, pytest.raises(UserFacingError, match="chưa về Bộ phận Một cửa"):
        return_to_citizen(s, actor, d.uid, CollectorDraft(Collector.APPLICANT, APPLICANT.personal_id), t)
    _back_at_counter(factory, actor, d.uid, d.code, t + timedelta(hours=1))
    t += timedelta(hours=2)
    with transaction(factory) as s:
        with pytest.raises(ValidationError) as err:
            return_to_citizen(s, actor, d.uid, CollectorDraft(Collector.APPLICANT, "022090009999"), t)
        assert "không khớp" in err.value.fields["personal_id"]
        with pytest.raises(ValidationError) as err:
            return_to_citizen(s, actor, d.uid, CollectorDraft(Collector.APPLICANT, "12ab"), t)
        assert "12 chữ số" in err.value.fields["personal_id"]
        done, _ = return_to_citizen(s, actor, d.uid, CollectorDraft(Collector.APPLICANT, APPLICANT.personal_id), t)
    assert done.status is DossierStatus.RETURNED and "Nguyễn Văn An" in done.message
    with transaction(factory) as s:
        where = custody_of(s, d.uid)
        assert where and where.place.kind is PlaceKind.CITIZEN
        with pytest.raises(UserFacingError, match="chưa có kết quả"):
            return_to_citizen(s, actor, d.uid, CollectorDraft(Collector.APPLICANT, APPLICANT.personal_id), t)


def test_return_to_a_representative_needs_name_id_and_authorisation(factory, actor, catalog):
    d = _at_department(factory, actor, catalog)
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        record_result(s, actor, d.uid, "Giấy chứng nhận", t)
    _back_at_counter(factory, actor, d.uid, d.code, t)
    with transaction(factory) as s:
        with pytest.raises(ValidationError) as err:
            return_to_citizen(
                s, actor, d.uid, CollectorDraft(Collector.REPRESENTATIVE, "001090123456"), t + timedelta(hours=1)
            )
        assert set(err.value.fields) == {"full_name", "authorisation_ref"}
        who = CollectorDraft(Collector.REPRESENTATIVE, "001 090 123 456", "Trần Thị Bình", "Giấy ủy quyền số 12/2026")
        return_to_citizen(s, actor, d.uid, who, t + timedelta(hours=2))
        event = s.scalars(select(Event).where(Event.type == str(EventType.RETURNED))).one()
        assert event.payload["collector"] == {
            "kind": "representative", "personal_id": "001090123456", "full_name": "Trần Thị Bình",
            "authorisation_ref": "Giấy ủy quyền số 12/2026",
        }  # fmt: skip


def test_supplement_restarts_the_clock_by_default(factory, actor, catalog):
    d = _at_department(factory, actor, catalog)
    asked, brought = datetime(2026, 11, 24, 9, 0), datetime(2026, 11, 30, 10, 0)
    with transaction(factory) as s:
        cal = load_calendar(s)
        with pytest.raises(ValidationError):
            request_supplement_after_reception(s, actor, cal, d.uid, [], "", asked)
        request_supplement_after_reception(s, actor, cal, d.uid, ["Bản sao CCCD"], "Thiếu giấy tờ", asked)
    assert _dossier(factory, d.uid).status == DossierStatus.SUPPLEMENT_REQUESTED
    with transaction(factory) as s:
        done, _ = receive_supplement(s, actor, load_calendar(s), d.uid, brought)
    # 3 working days from Monday 30/11 10:00 → Thursday 03/12 10:00.
    assert done.due_at == datetime(2026, 12, 3, 10, 0)
    got = _dossier(factory, d.uid)
    assert (got.status, got.due_at) == (DossierStatus.PROCESSING, datetime(2026, 12, 3, 10, 0))
    with transaction(factory) as s, pytest.raises(UserFacingError, match="không ở trạng thái chờ bổ sung"):
        receive_supplement(s, actor, load_calendar(s), d.uid, brought)


def test_supplement_pauses_the_clock_when_configured(factory, actor, catalog):
    d = _at_department(factory, actor, catalog)
    due = _dossier(factory, d.uid).due_at
    # Received Monday 09:15, 3 working days; Tuesday 24/11/2026 is a day off in the calendar.
    assert due == datetime(2026, 11, 27, 9, 15)
    with transaction(factory) as s:
        s.add(Setting(key="supplement_clock", value="pause"))
        # Asked Wednesday 09:15: exactly 2 working days (16 h) left.
        request_supplement_after_reception(
            s, actor, load_calendar(s), d.uid, ["Tờ khai"], "Sai thông tin", datetime(2026, 11, 25, 9, 15)
        )
    with transaction(factory) as s:
        done, _ = receive_supplement(s, actor, load_calendar(s), d.uid, datetime(2026, 11, 30, 9, 15))
    assert done.due_at == datetime(2026, 12, 2, 9, 15)


def test_due_date_moves_once_and_only_once(factory, actor, catalog):
    d = _at_department(factory, actor, catalog)
    old = _dossier(factory, d.uid).due_at
    assert old is not None
    with transaction(factory) as s:
        cal = load_calendar(s)
        with pytest.raises(ValidationError) as err:
            extend_due_date(s, actor, cal, d.uid, old - timedelta(hours=1), "", NOW)
        assert set(err.value.fields) == {"reason", "new_due_at"}
        ext, _ = extend_due_date(
            s, actor, cal, d.uid, datetime(2026, 12, 1, 16, 0), "Chờ xác minh", NOW + timedelta(hours=2)
        )
    assert ext.old_due_at == old and ext.warning == ""  # more than one working day ahead
    assert _dossier(factory, d.uid).due_at == datetime(2026, 12, 1, 16, 0)
    with transaction(factory) as s, pytest.raises(UserFacingError, match="chỉ được dời một lần"):
        extend_due_date(s, actor, load_calendar(s), d.uid, datetime(2026, 12, 5, 9, 0), "Lần nữa", NOW)
    assert _dossier(factory, d.uid).due_at == datetime(2026, 12, 1, 16, 0)


def test_late_apology_is_recorded_with_a_warning(factory, actor, catalog):
    d = _at_department(factory, actor, catalog)
    with transaction(factory) as s:
        ext, _ = extend_due_date(
            s, actor, load_calendar(s), d.uid, datetime(2026, 12, 1, 16, 0), "Chậm", datetime(2026, 11, 27, 8, 0)
        )
        assert "muộn hơn quy định" in ext.warning
        assert s.scalars(select(Event).where(Event.type == str(EventType.DUE_EXTENDED))).one().payload["late_notice"]
