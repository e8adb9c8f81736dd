"""Issue 13: an event's author is the server's officer, not the client's word (SQLite and PostgreSQL).

An officer logged in at office A pushes events naming an officer of office B and a made-up id:
each is rejected with a Vietnamese reason while the rest of the batch is stored. An officer of
office A who never logged in on this PC (A's supervisor) is stored but flagged for a supervisor
(``unverified_author``): the server prunes old login records, so it cannot refuse such work for
good. The name stored and fed is the server's full name, whatever the client wrote.
"""

from __future__ import annotations

from sqlalchemy import select

from app.domain.events import new_id
from server.models import Officer
from server.sync.models import Conflict, RejectedEvent, ServerEvent
from tests.server.conftest import World
from tests.server.sync_helpers import Counter, statuses


def _officer_id(world: World, username: str) -> str:
    with world.srv.session() as s:
        return str(s.scalars(select(Officer.id).where(Officer.username == username)).one())


def test_events_naming_another_office_or_nobody_are_rejected_and_the_rest_stored(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    own = c.not_received("dossier.refused", personal_id="001090000001")
    own["officer_name"] = "Chủ tịch UBND tỉnh"  # the client's word is not stored
    other_office = c.not_received("dossier.refused", personal_id="001090000002")
    other_office["officer_id"] = _officer_id(world, "canbo.b")
    nobody = c.not_received("dossier.refused", personal_id="001090000003")
    nobody["officer_id"], nobody["officer_name"] = new_id(), "Chủ tịch UBND tỉnh"
    supervisor = c.not_received("dossier.refused", personal_id="001090000004")
    supervisor["officer_id"] = _officer_id(world, "giamsat.a")
    after = c.not_received("dossier.refused", personal_id="001090000005")

    results = c.push([own, other_office, nobody, supervisor, after])
    assert statuses(results) == ["accepted", "rejected", "rejected", "flagged", "accepted"]
    for refused in (results[1], results[2]):
        assert "không phải cán bộ của đơn vị" in refused["reason"]
    assert results[3]["flags"] == ["unverified_author"]
    assert "chưa từng đăng nhập trên máy trạm này" in results[3]["reason"]

    with world.srv.session() as s:
        stored = {e.id: e for e in s.scalars(select(ServerEvent))}
        assert set(stored) == {own["id"], supervisor["id"], after["id"]}
        assert stored[own["id"]].officer_name == "Cán bộ canbo.a"
        assert stored[supervisor["id"]].officer_name == "Cán bộ giamsat.a"
        refused_rows = {r.id: r.code for r in s.scalars(select(RejectedEvent))}
        assert refused_rows == {other_office["id"]: "unknown_author", nobody["id"]: "unknown_author"}
        (conflict,) = s.scalars(select(Conflict)).all()
        assert (conflict.kind, conflict.event_ids) == ("unverified_author", [supervisor["id"]])

    # The feed carries the server's name, never "Chủ tịch UBND tỉnh".
    changes, _ = c.pull_all()
    fed = {ch["event"]["id"]: ch["event"]["officer_name"] for ch in changes if ch["kind"] == "event"}
    assert fed == {own["id"]: "Cán bộ canbo.a", supervisor["id"]: "Cán bộ giamsat.a", after["id"]: "Cán bộ canbo.a"}


def test_an_officer_who_logged_in_on_this_pc_may_push_work_done_offline_later(world: World) -> None:
    # The supervisor logs in on counter A once (online); later events naming them are accepted
    # even when another officer's session pushes them.
    Counter(world.srv, world.device_a, "giamsat.a")
    c = Counter(world.srv, world.device_a, "canbo.a")
    offline = c.not_received("dossier.refused", personal_id="001090000006")
    offline["officer_id"] = _officer_id(world, "giamsat.a")
    assert statuses(c.push([offline])) == ["accepted"]
    # A resend (the answer was lost) is a duplicate, not re-checked into a refusal.
    assert statuses(c.push([offline])) == ["duplicate"]
