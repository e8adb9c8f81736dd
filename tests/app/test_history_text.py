"""The detail view's history: every custody step has a readable Vietnamese line, and an event type
written by a newer version is listed under its raw name instead of breaking the view."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.errors import UserFacingError
from app.services.dossiers import get_detail
from app.services.office import load_calendar
from app.services.results import extend_due_date
from app.services.returns import Collector, CollectorDraft, record_result, return_to_citizen
from app.store.db import transaction
from app.store.models import Event
from tests.app.test_reception import APPLICANT
from tests.app.test_returns import _at_department, _back_at_counter
from tests.conftest import NOW


def test_history_of_a_whole_cycle_reads_in_vietnamese(factory, actor, catalog):
    d = _at_department(factory, actor, catalog)
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        extend_due_date(
            s, actor, load_calendar(s), d.uid, datetime(2026, 12, 10, 16, 0), "Cần xác minh thêm tại địa phương", t
        )
        record_result(s, actor, d.uid, "Bản sao trích lục khai sinh", t + timedelta(hours=1))
    _back_at_counter(factory, actor, d.uid, d.code, t + timedelta(hours=2))
    with transaction(factory) as s:
        return_to_citizen(
            s, actor, d.uid, CollectorDraft(Collector.APPLICANT, APPLICANT.personal_id), t + timedelta(hours=3)
        )
    with factory() as s:
        detail = get_detail(s, d.uid)
    assert detail is not None
    lines = {(h.label, h.detail) for h in detail.history}
    labels = [h.label for h in detail.history]
    assert labels.count("Bàn giao hồ sơ giấy") == 2 and labels.count("Nhận bàn giao hồ sơ giấy") == 2
    handovers = [text for label, text in lines if label == "Bàn giao hồ sơ giấy"]
    assert all(text.startswith("Từ ") and " đến " in text for text in handovers)
    assert any("Lý do: Cần xác minh thêm tại địa phương" in text and "sang" in text for _, text in lines)
    assert ("Trả kết quả cho công dân", f"Người nộp hồ sơ: {APPLICANT.full_name} ({APPLICANT.personal_id})") in {
        (h.label, h.detail) for h in detail.history
    }
    assert any(text == "Bản sao trích lục khai sinh" for _, text in lines)
    assert all(h.detail for h in detail.history), [h.label for h in detail.history if not h.detail]


def test_an_event_of_a_newer_version_is_listed_not_fatal(factory, actor, catalog):
    d = _at_department(factory, actor, catalog)
    with transaction(factory) as s:
        e = s.query(Event).filter(Event.dossier_uid == d.uid).first()
        assert e is not None
        s.add(
            Event(
                id="01900000-0000-7000-8000-00000000abcd", device_id="other-pc", device_seq=1, type="dossier.copy_made",
                dossier_uid=d.uid, officer_id=e.officer_id, officer_name="Cán bộ khác", occurred_at=NOW,
                hlc="x", payload={"rating": 3}, sync_status="unapplied",
            )
        )  # fmt: skip
    with factory() as s:
        detail = get_detail(s, d.uid)
    assert detail is not None and ("dossier.copy_made", "") in {(h.label, h.detail) for h in detail.history}


def test_a_return_dated_before_the_folder_came_back_is_refused(factory, actor, catalog):
    """A PC clock set back must not record a return that the custody fold would place before the handover."""
    d = _at_department(factory, actor, catalog)
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        record_result(s, actor, d.uid, "Bản sao trích lục khai sinh", t)
    _back_at_counter(factory, actor, d.uid, d.code, t + timedelta(hours=2))
    with transaction(factory) as s, pytest.raises(UserFacingError, match="kiểm tra đồng hồ"):
        return_to_citizen(s, actor, d.uid, CollectorDraft(Collector.APPLICANT, APPLICANT.personal_id), t)
