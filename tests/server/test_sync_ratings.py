"""Ratings on the server (SQLite and PostgreSQL): validated by the contract, stored on the dossier
for the province indicators, and a second rating of one dossier flagged ``double_rating``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from server.sync.models import ServerEvent
from tests.server.conftest import UNIT_A, World
from tests.server.sync_helpers import Counter, statuses
from tests.server.test_sync_custody import _conflicts, _dossier, _received, _reception, _sent

pytestmark = pytest.mark.usefixtures("on_sync_day")


def _returned(c: Counter) -> tuple[str, list[dict[str, Any]]]:
    rec = _reception(c)
    uid = rec["dossier_uid"]
    sent = _sent(c, uid, rec["id"])
    got = _received(c, sent)
    back = _sent(c, uid, got["id"], back=True)
    home = _received(c, back)
    result = c.event("dossier.result_recorded", {"unit_code": c.unit, "result": "Trích lục khai sinh"}, uid)
    collector = {"kind": "applicant", "personal_id": "001090012345", "full_name": "Nguyễn Văn An"}
    returned = c.event("dossier.returned", {"unit_code": c.unit, "collector": collector}, uid)
    return uid, [rec, sent, got, back, home, result, returned]


def _rated(c: Counter, uid: str, rating: str, at: str = "2026-11-23T15:00:00") -> dict[str, Any]:
    payload = {"unit_code": c.unit, "rating": rating, "source": "citizen_screen", "rated_at": at}
    return c.event("dossier.rated", payload, uid)


def test_a_rating_is_stored_on_the_dossier(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    uid, chain = _returned(c)
    rating = _rated(c, uid, "very_satisfied")
    assert statuses(c.push([*chain, rating])) == ["accepted"] * 8
    row = _dossier(world, uid)
    assert (row.status, row.rating, str(row.rated_at)) == (10, "very_satisfied", "2026-11-23 15:00:00")
    assert row.rating_event_id == rating["id"] and row.rating_hlc == rating["hlc"]
    assert _conflicts(world) == []


def test_a_rating_breaking_its_contract_is_refused(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    uid, chain = _returned(c)
    assert statuses(c.push(chain)) == ["accepted"] * 7
    bad = _rated(c, uid, "so-so")
    (answer,) = c.push([bad])
    assert answer["status"] == "rejected" and "payload.rating" in answer["reason"]
    assert _dossier(world, uid).rating is None


def test_two_counters_rate_one_dossier_offline(world: World) -> None:
    one = Counter(world.srv, world.device_a, "canbo.a")
    two = Counter(world.srv, world.srv.device(UNIT_A, "Quầy số 02"), "canbo.a")
    uid, chain = _returned(one)
    assert statuses(one.push(chain)) == ["accepted"] * 7
    # Counter two rated first (smaller HLC) but pushes last: its rating holds on every side.
    first = _rated(two, uid, "satisfied", "2026-11-23T15:00:00")
    second = _rated(one, uid, "dissatisfied", "2026-11-23T15:02:00")
    assert statuses(one.push([second])) == ["accepted"]
    assert _dossier(world, uid).rating == "dissatisfied"
    (answer,) = two.push([first])
    assert answer["status"] == "flagged" and answer["flags"] == ["double_rating"]
    assert "chỉ được đánh giá một lần" in answer["reason"]
    row = _dossier(world, uid)
    assert (row.rating, str(row.rated_at), row.rating_event_id) == ("satisfied", "2026-11-23 15:00:00", first["id"])
    (conflict,) = _conflicts(world)
    assert conflict.kind == "double_rating" and conflict.event_ids == [first["id"], second["id"]]
    assert conflict.details["rating"] == "dissatisfied" and conflict.details["other_rating"] == "satisfied"
    # A third rating (larger HLC) is flagged and changes nothing; every event is kept.
    third = _rated(one, uid, "very_satisfied", "2026-11-23T15:05:00")
    assert statuses(one.push([third])) == ["flagged"]
    assert _dossier(world, uid).rating == "satisfied"
    with world.srv.session() as s:
        kept = s.scalars(select(ServerEvent.id).where(ServerEvent.type == "dossier.rated")).all()
    assert set(kept) == {first["id"], second["id"], third["id"]}
