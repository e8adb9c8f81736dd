"""The citizen's satisfaction rating at return: only a returned dossier, once; the fold keeps the
rating with the smallest HLC when two counters (both offline) recorded one."""

from __future__ import annotations

import typing
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.domain.contracts import RatedPayload
from app.domain.events import EventType, new_id
from app.domain.rating import RATINGS, Rating, RatingSource, rating_label
from app.errors import UserFacingError
from app.services.dossiers import get_detail
from app.services.ratings import rate_dossier, rating_of
from app.services.returns import Collector, CollectorDraft, record_result, return_to_citizen
from app.store.db import transaction
from app.store.models import Dossier, Event
from app.store.projection import apply_event
from tests.app.test_reception import APPLICANT
from tests.app.test_returns import _at_department, _back_at_counter
from tests.conftest import NOW

T = NOW + timedelta(days=1)
RETURNED_AT = T + timedelta(hours=2)


def _returned(factory, actor, catalog) -> tuple[str, str]:
    d = _at_department(factory, actor, catalog)
    with transaction(factory) as s:
        record_result(s, actor, d.uid, "Bản sao trích lục khai sinh", T)
    _back_at_counter(factory, actor, d.uid, d.code, T + timedelta(hours=1))
    with transaction(factory) as s:
        return_to_citizen(s, actor, d.uid, CollectorDraft(Collector.APPLICANT, APPLICANT.personal_id), RETURNED_AT)
    return d.uid, d.code


def _row(factory, uid: str) -> Dossier:
    with factory() as s:
        return s.scalars(select(Dossier).where(Dossier.uid == uid)).one()


def _ratings(factory, uid: str) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).where(Event.dossier_uid == uid, Event.type == "dossier.rated")) or 0


def test_labels_and_wire_values_are_one_list() -> None:
    assert [r.label for r in RATINGS] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]
    rating_field = RatedPayload.model_fields["rating"].annotation
    source_field = RatedPayload.model_fields["source"].annotation
    assert list(typing.get_args(rating_field)) == [r.value for r in RATINGS]
    assert set(typing.get_args(source_field)) == {s.value for s in RatingSource}
    assert EventType.RATED.label == "Đánh giá mức độ hài lòng"
    assert rating_label("dissatisfied") == "Không hài lòng" and rating_label(None) == ""


def test_only_a_returned_dossier_is_rated_and_only_once(factory, actor, catalog) -> None:
    d = _at_department(factory, actor, catalog)  # processing: not returned yet
    with transaction(factory) as s, pytest.raises(UserFacingError, match="chỉ đánh giá được khi đã trả kết quả"):
        rate_dossier(s, actor, d.uid, Rating.SATISFIED, RatingSource.OFFICER, T)
    assert _ratings(factory, d.uid) == 0

    uid, code = _returned(factory, actor, catalog)
    at = RETURNED_AT + timedelta(minutes=1)
    with transaction(factory) as s:
        done, changes = rate_dossier(s, actor, uid, "very_satisfied", "citizen_screen", at)
    assert done.rating is Rating.VERY_SATISFIED and done.source is RatingSource.CITIZEN_SCREEN
    assert changes.dossier_uids == frozenset({uid}) and "Rất hài lòng" in done.message and code in done.message
    row = _row(factory, uid)
    assert (row.rating, row.rated_at, row.status) == ("very_satisfied", at, 10)
    with factory() as s:
        event = s.scalars(select(Event).where(Event.dossier_uid == uid, Event.type == "dossier.rated")).one()
        assert event.payload == {"unit_code": row.unit_code, "rating": "very_satisfied", "source": "citizen_screen",
                                 "comment": "", "rated_at": at.isoformat()}  # fmt: skip
        info = rating_of(s, uid)
    assert info is not None and info.label == "Rất hài lòng" and info.rated_at == at
    with factory() as s:
        detail = get_detail(s, uid)
    assert detail is not None
    assert ("Đánh giá mức độ hài lòng", "Rất hài lòng (công dân chọn trên màn hình phụ)") in {
        (h.label, h.detail) for h in detail.history
    }

    with transaction(factory) as s, pytest.raises(UserFacingError, match="chỉ được đánh giá một lần") as err:
        rate_dossier(s, actor, uid, Rating.DISSATISFIED, RatingSource.OFFICER, at + timedelta(minutes=1))
    assert "Rất hài lòng" in err.value.message
    assert _ratings(factory, uid) == 1 and _row(factory, uid).rating == "very_satisfied"


def test_an_unknown_rating_is_refused_in_vietnamese(factory, actor, catalog) -> None:
    uid, _ = _returned(factory, actor, catalog)
    with transaction(factory) as s, pytest.raises(UserFacingError, match="Rất hài lòng, Hài lòng hoặc Không hài"):
        rate_dossier(s, actor, uid, "so-so", RatingSource.OFFICER, RETURNED_AT)
    with transaction(factory) as s, pytest.raises(UserFacingError, match="Nguồn đánh giá"):
        rate_dossier(s, actor, uid, Rating.SATISFIED, "kiosk", RETURNED_AT)
    assert _ratings(factory, uid) == 0


def _pulled(uid: str, unit: str, rating: str, hlc: str, at: datetime) -> Event:
    """A rating event from another counter, as the sync engine stores a pulled one."""
    payload = {"unit_code": unit, "rating": rating, "source": "officer", "rated_at": at.isoformat()}
    return Event(id=new_id(), device_id="other-counter", device_seq=1, type="dossier.rated", dossier_uid=uid,
                 base_version=0, officer_id="o2", officer_name="Cán bộ quầy 2", occurred_at=at, hlc=hlc,
                 payload=payload, sync_status="remote", conflict_ids=[])  # fmt: skip


def test_a_pulled_second_rating_keeps_the_first_by_hlc(factory, actor, catalog) -> None:
    uid, _ = _returned(factory, actor, catalog)
    mine_at = RETURNED_AT + timedelta(minutes=1)
    with transaction(factory) as s:
        rate_dossier(s, actor, uid, Rating.SATISFIED, RatingSource.OFFICER, mine_at)
    unit = _row(factory, uid).unit_code
    version = _row(factory, uid).version
    # Another counter, offline, rated later (greater HLC): stored, ours kept.
    later = _pulled(uid, unit, "dissatisfied", "9999999999999:00000:other-counter", mine_at + timedelta(minutes=5))
    with transaction(factory) as s:
        s.add(later)
        apply_event(s, later)
    row = _row(factory, uid)
    assert (row.rating, row.rated_at, row.version) == ("satisfied", mine_at, version)
    # …and one that rated before us (smaller HLC) wins, on every counter, whatever the arrival order.
    earlier_at = RETURNED_AT + timedelta(seconds=20)
    earlier = _pulled(uid, unit, "very_satisfied", "0000000000001:00000:other-counter", earlier_at)
    earlier.device_seq = 2
    with transaction(factory) as s:
        s.add(earlier)
        apply_event(s, earlier)
        apply_event(s, s.get(Event, later.id))  # folding again changes nothing (idempotent)
    row = _row(factory, uid)
    assert (row.rating, row.rated_at, row.rating_hlc) == ("very_satisfied", earlier_at, earlier.hlc)
    assert row.version == version + 1
    assert _ratings(factory, uid) == 3  # every event kept in the log


def test_a_rating_pulled_for_an_unknown_dossier_is_kept_unfolded(factory) -> None:
    ghost = _pulled(new_id(), "000.01.00.H49", "satisfied", "0000000000002:00000:x", NOW)
    with transaction(factory) as s:
        s.add(ghost)
        assert apply_event(s, ghost) is None


def test_the_double_rating_conflict_is_named_in_vietnamese() -> None:
    from app.sync.conflicts import describe, kind_label

    assert kind_label("double_rating") == "Hồ sơ được đánh giá hai lần"
    text = describe("double_rating", {"rating": "satisfied", "other_rating": "dissatisfied"}, "H49-261123-0001")
    assert "H49-261123-0001 được đánh giá hai lần" in text and "đánh giá ghi trước được giữ" in text
