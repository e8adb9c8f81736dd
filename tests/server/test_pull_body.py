"""The pull answer's body: a shared page's changes are serialised once (server.sync.feed.pull_body).

A commit wakes the ~30 counters of an office; they share one read of the new page
(SyncRuntime.read_page) and, now, one serialisation of its changes: only the small fields
(cursor, more, server_time) are written per pull. The body must stay byte for byte what
``PullResponse.model_dump_json()`` writes.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from app.domain.events import new_id
from app.sync.wire import Change, EventWire, PullResponse
from server.sync import feed
from server.sync.models import ChangeRow
from server.sync.runtime import SyncRuntime
from tests.server.conftest import UNIT_A, World
from tests.server.sync_helpers import RECEIVED_AT, Counter, statuses

SERVER_TIME = datetime(2026, 11, 23, 2, 15, 7, 123456, tzinfo=UTC)
HANOI = timezone(timedelta(hours=7))


def _event(**changes: Any) -> EventWire:
    device_id = new_id()
    fields: dict[str, Any] = {
        "id": new_id(),
        "device_id": device_id,
        "device_seq": 7,
        "type": "dossier.received",
        "dossier_uid": new_id(),
        "base_version": 2,
        "officer_id": new_id(),
        "officer_name": "Nguyễn Thị Thu Hằng",
        "occurred_at": RECEIVED_AT,
        "hlc": f"1790000000000:00003:{device_id}",
        "payload": {
            "applicant": {"full_name": "Trần Văn Đức", "address": "Phường Hồng Gai, TP. Hạ Long, Quảng Ninh"},
            "procedure": {"name": "Đăng ký khai sinh", "fee_text": "Miễn lệ phí", "processing": {"value": 1.5}},
            "note": 'Ghi chú có "ngoặc kép", \\gạch chéo\\, xuống dòng\nvà tab\t, ký tự điều khiển \x01, 😀',
            "sets": 1,
            "code": None,
            "documents": [{"name": "Tờ khai", "copies": 2, "required": True}],
        },
    }
    fields.update(changes)
    return EventWire.model_validate(fields)


def _changes() -> list[Change]:
    """Every shape a change takes on the wire, built both ways the server builds them."""
    stored = _event()
    return [
        # as the feed builds them from its own rows (server.sync.feed._change): not re-validated
        Change.model_construct(
            kind="event",
            event=EventWire.model_construct(**stored.model_dump()),
            server_received_at=datetime(2026, 11, 23, 2, 15, 6, 5, tzinfo=UTC),
            flags=[],
        ),
        Change.model_construct(kind="reference", event=None, server_received_at=None, flags=[]),
        # validated ones, with flags, a naive time and an offset
        Change(
            kind="event",
            event=_event(type="dossier.refused"),
            server_received_at=RECEIVED_AT,
            flags=["double_handover", "trùng_mã"],
        ),
        Change(kind="event", event=_event(payload={}), server_received_at=SERVER_TIME.astimezone(HANOI)),
        Change(kind="reference", server_received_at=SERVER_TIME),
        Change(kind="catalog.updated", flags=["Thủ tục mới"]),  # a kind a newer server may send
    ]


def _model_body(page: feed.Page, server_time: datetime) -> bytes:
    """What the pull route answered before: the whole model serialised for every pull."""
    answer = PullResponse(
        changes=page.changes, cursor=feed.encode_cursor(page.position), more=page.more, server_time=server_time
    )
    return answer.model_dump_json().encode()


def _count_serialisations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many changes each serialisation of a non-empty change list wrote, whichever way it went:
    the shared page's fragment (feed.dump_changes) or the whole model (the route before)."""
    sizes: list[int] = []
    real_dump = feed.dump_changes
    real_model = PullResponse.model_dump_json

    def dump_changes(changes: list[Change]) -> bytes:
        sizes.append(len(changes))
        return real_dump(changes)

    def model_dump_json(self: PullResponse, **kwargs: Any) -> str:
        if self.changes:
            sizes.append(len(self.changes))
        return real_model(self, **kwargs)

    monkeypatch.setattr(feed, "dump_changes", dump_changes)
    monkeypatch.setattr(PullResponse, "model_dump_json", model_dump_json)
    return sizes


# --- the body -------------------------------------------------------------------------------


@pytest.mark.parametrize("more", [False, True])
@pytest.mark.parametrize(
    "server_time", [SERVER_TIME, datetime(2026, 11, 23, 9, 15), SERVER_TIME.replace(microsecond=0)]
)
def test_pull_body_is_byte_identical_to_the_model_for_every_kind_of_change(more: bool, server_time: datetime) -> None:
    page = feed.Page(_changes(), feed.Position(1_234_567), more)
    body = feed.pull_body(page, server_time)
    assert body == _model_body(page, server_time)
    assert "Nguyễn Thị Thu Hằng".encode() in body and "😀".encode() in body  # UTF-8 as is, not \u escapes
    parsed = PullResponse.model_validate_json(body)
    assert parsed.model_dump() == PullResponse.model_validate_json(_model_body(page, server_time)).model_dump()
    assert parsed.changes[0].event is not None and parsed.changes[0].event.officer_name == "Nguyễn Thị Thu Hằng"
    assert [c.kind for c in parsed.changes] == [c.kind for c in page.changes]
    assert parsed.cursor == feed.encode_cursor(page.position) and parsed.more is more
    assert parsed.server_time == server_time
    # a second pull of the same page, a moment later: same changes, its own server_time
    later = server_time + timedelta(seconds=1, microseconds=250)
    assert feed.pull_body(page, later) == _model_body(page, later)


@pytest.mark.parametrize("position", [feed.Position(), feed.Position(42)])
def test_an_empty_page_is_byte_identical_to_the_model_and_serialises_no_changes(
    position: feed.Position, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = feed.Page([], position, False)
    expected = _model_body(page, SERVER_TIME)
    sizes = _count_serialisations(monkeypatch)
    body = feed.pull_body(page, SERVER_TIME)
    assert body == expected and page.changes_json() == b"[]"
    assert sizes == []
    parsed = PullResponse.model_validate_json(body)
    assert parsed.changes == [] and parsed.cursor == feed.encode_cursor(position) and not parsed.more


def test_pull_body_falls_back_to_the_whole_model_if_its_layout_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    page = feed.Page(_changes(), feed.Position(9), True)
    monkeypatch.setattr(feed, "_EMPTY_HEAD", b'{"cursor":')  # as if changes were no longer the first field
    assert feed.pull_body(page, SERVER_TIME) == _model_body(page, SERVER_TIME)


def test_pull_answer_is_the_model_for_the_feed_as_stored(world: World) -> None:
    a1 = Counter(world.srv, world.device_a, "canbo.a")
    events = [a1.received(1), a1.not_received("dossier.supplement_requested"), a1.not_received("dossier.refused")]
    events.append(a1.printed(events[0]["dossier_uid"]))
    assert "flagged" in statuses(a1.push(events))  # one applicant, refused and received: a flag too
    answer = world.srv.client.get("/sync/pull", params={"limit": 500}, headers=a1.headers)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    page = feed.read(world.srv.ctx.engine, UNIT_A, feed.Position(), 500)
    assert {c.kind for c in page.changes} == {"event", "reference"} and len(page.changes) > len(events)
    assert any(c.flags for c in page.changes)
    assert answer.content == _model_body(page, world.srv.clock())
    assert "Nguyễn Văn An".encode() in answer.content
    parsed = PullResponse.model_validate_json(answer.content)
    assert [c.event.id for c in parsed.changes if c.event is not None] == [e["id"] for e in events]
    # coming back with the new cursor: an empty page, the same as the model too
    world.srv.clock.advance(seconds=3)
    empty = world.srv.client.get("/sync/pull", params={"cursor": parsed.cursor}, headers=a1.headers)
    at_end = feed.Page([], page.position, False)
    assert empty.status_code == 200 and empty.content == _model_body(at_end, world.srv.clock())


# --- shared pages -----------------------------------------------------------------------------


def test_pulls_sharing_a_page_serialise_its_changes_once(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with engine.begin() as conn:
        for _ in range(3):
            conn.execute(insert(ChangeRow).values(unit_code=UNIT_A, event_id=None, kind="reference"))
    runtime = SyncRuntime(engine, tmp_path)
    sizes = _count_serialisations(monkeypatch)

    async def pull(i: int) -> tuple[feed.Page, bytes, datetime]:
        page = await runtime.read_page(UNIT_A, feed.Position(), 100)
        now = SERVER_TIME + timedelta(microseconds=i)  # each pull answers with its own server time
        return page, feed.pull_body(page, now), now

    async def scenario() -> list[tuple[feed.Page, bytes, datetime]]:
        return await asyncio.gather(*(pull(i) for i in range(30)))

    try:
        answers = asyncio.run(scenario())
    finally:
        runtime.close()
    assert len({id(page) for page, _, _ in answers}) == 1  # one shared read…
    assert sizes == [3]  # …and one serialisation of its three changes
    monkeypatch.undo()
    for page, body, now in answers:
        assert body == _model_body(page, now)


def test_pulls_serialising_a_shared_page_from_many_threads_serialise_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    page = feed.Page(_changes(), feed.Position(5), False)
    sizes = _count_serialisations(monkeypatch)
    real = feed.dump_changes
    entered = threading.Event()

    def slow_dump(changes: list[Change]) -> bytes:
        entered.set()
        time.sleep(0.05)  # the others arrive while the first is serialising
        return real(changes)

    monkeypatch.setattr(feed, "dump_changes", slow_dump)
    bodies: list[bytes] = []
    threads = [threading.Thread(target=lambda: bodies.append(feed.pull_body(page, SERVER_TIME))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert entered.is_set() and len(bodies) == 8 and len(set(bodies)) == 1
    assert sizes == [len(page.changes)]
    monkeypatch.undo()
    assert bodies[0] == _model_body(page, SERVER_TIME)


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_long_polls_woken_by_one_push_serialise_its_changes_once_per_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    a1 = Counter(world.srv, world.device_a, "canbo.a")
    a2 = Counter(world.srv, world.srv.device(UNIT_A, "Quầy số 02"), "giamsat.a")
    _, cursor = a1.pull_all()  # past the office set-up's "reference" changes
    runtime: SyncRuntime = world.srv.client.app.state.sync  # type: ignore[attr-defined]
    pages: list[feed.Page] = []
    real_read = feed.read

    def reading(engine: Engine, unit_code: str, after: feed.Position, limit: int) -> feed.Page:
        page = real_read(engine, unit_code, after, limit)
        if page.changes:
            pages.append(page)
        return page

    monkeypatch.setattr(feed, "read", reading)
    sizes = _count_serialisations(monkeypatch)
    n = 8
    got: list[dict[str, Any]] = []
    waiters = [threading.Thread(target=lambda: got.append(a1.pull(cursor, wait=20))) for _ in range(n)]
    for waiter in waiters:
        waiter.start()

    def all_waiting() -> bool:
        # every long-poll subscribed, and their first (empty) reads done: they wait for the push
        subscribed = len(runtime.notifier._waiters.get(UNIT_A, ())) == n
        return subscribed and all(f.done() for k, (_, f) in list(runtime._pages.items()) if k[0] == UNIT_A)

    _wait_for(all_waiting)
    event = a2.not_received("dossier.refused", personal_id="001090099999")
    assert statuses(a2.push([event])) == ["accepted"]
    for waiter in waiters:
        waiter.join(10)
    assert len(got) == n and all([c["event"]["id"] for c in page["changes"]] == [event["id"]] for page in got)
    assert len({page["cursor"] for page in got}) == 1
    # each page read is serialised once, however many of the woken pulls it answers (usually one
    # page for all; with PostgreSQL the LISTEN thread's own notification may drop it early)
    assert 1 <= len(pages) < n and sizes == [1] * len(pages)
