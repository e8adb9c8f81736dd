"""Sync engine against the in-memory protocol stand-in: push, pull, results, back-off, clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.domain.catalog import Catalog
from app.domain.events import new_id
from app.store.models import CodeBlock, Device, Dossier, Event, Outbox, SyncState
from app.sync import wire
from app.sync.engine import BACKOFF_CAP_S, backoff_delay
from app.sync.state import read_status
from tests.sync_support import Counter, FakeServer, MemoryKeyring, keyring_backend


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[None]:
    with keyring_backend(MemoryKeyring()):
        yield


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


def counter(server: FakeServer, tmp_path: Path, template_db: Path, name: str) -> Counter:
    return Counter.enrol(tmp_path / name, template_db, server.new_enrol_code(), name, http=server.transport())


@pytest.fixture
def a(server: FakeServer, tmp_path: Path, template_db: Path) -> Counter:
    return counter(server, tmp_path, template_db, "Quầy số 01")


@pytest.fixture
def b(server: FakeServer, tmp_path: Path, template_db: Path) -> Counter:
    return counter(server, tmp_path, template_db, "Quầy số 02")


def outbox(c: Counter) -> list[tuple[int, str, int, str]]:
    with c.factory() as s:
        return [
            (o.device_seq, o.state, o.attempts, o.last_error)
            for o in s.scalars(select(Outbox).order_by(Outbox.device_seq))
        ]


def dossier_codes(c: Counter) -> set[str | None]:
    with c.factory() as s:
        return set(s.scalars(select(Dossier.code)))


def test_a_dossier_received_at_counter_a_appears_at_counter_b(a: Counter, b: Counter, catalog: Catalog) -> None:
    a.engine().run_once()
    first, second = a.receive(catalog), a.receive(catalog, "Trần Thị Bình", "022190005678")
    report = a.engine().run_once()
    assert (report.pushed, report.accepted, report.error) == (2, 2, "")
    assert (report.pulled, report.applied) == (2, 0)  # A's own events come back in the feed: known already
    assert outbox(a) == []
    with a.factory() as s:
        assert set(s.scalars(select(Event.sync_status))) == {"accepted"}
    got = b.engine().run_once()
    assert got.applied == 2 and got.error == ""
    assert {first.code, second.code} <= dossier_codes(b)
    with b.factory() as s:
        d = s.scalars(select(Dossier).where(Dossier.code == first.code)).one()
        assert (d.applicant_name, d.device_id) == ("Nguyễn Văn An", a.actor.device_id)
        assert set(s.scalars(select(Event.sync_status))) == {"remote"}
        assert read_status(s).pending == 0  # pulled events are not B's to send


def test_a_lost_answer_is_resent_and_stored_once(a: Counter, server: FakeServer, catalog: Catalog) -> None:
    a.engine().run_once()
    a.receive(catalog)
    a.receive(catalog, "Trần Thị Bình", "022190005678")
    server.lose_next_response = True
    lost = a.engine().run_once()
    assert lost.offline and "Mất kết nối" in lost.error
    assert [(seq, state, attempts) for seq, state, attempts, _ in outbox(a)] == [(1, "pending", 1), (2, "pending", 1)]
    assert all("ReadTimeout" in err for *_, err in outbox(a))
    assert len(server.changes) == 2  # the server stored them; only the answer was lost
    resent = a.engine().run_once(force=True)
    assert (resent.duplicate, resent.accepted) == (2, 0)
    assert outbox(a) == [] and len(server.changes) == 2
    pushes = server.bodies("/sync/push")
    assert [e["id"] for e in pushes[0]["events"]] == [e["id"] for e in pushes[1]["events"]]


def test_a_rejected_event_is_kept_shown_and_never_blocks_the_rest(a: Counter, server: FakeServer,
                                                                  catalog: Catalog) -> None:  # fmt: skip
    a.engine().run_once()
    received = [a.receive(catalog, f"Người thứ {chr(65 + i)}", f"02209000123{i}") for i in range(3)]
    server.reject_ids.add(received[1].event_id)
    report = a.engine().run_once()
    assert (report.accepted, report.rejected) == (2, 1)
    assert outbox(a) == [(2, "rejected", 1, "Loại sự kiện không hợp lệ.")]
    later = a.receive(catalog, "Người thứ tư", "022090001239")
    a.engine().run_once(force=True)
    last_push = server.bodies("/sync/push")[-1]
    assert [e["id"] for e in last_push["events"]] == [later.event_id]  # the rejected one is never resent
    with a.factory() as s:
        assert s.get(Event, received[1].event_id).sync_status == "rejected"  # type: ignore[union-attr]
        status = read_status(s)
    assert (status.pending, status.rejected) == (0, 1)


def test_pull_resumes_from_the_saved_cursor_after_a_failure_and_a_restart(
    a: Counter, b: Counter, server: FakeServer, catalog: Catalog
) -> None:
    a.engine().run_once()
    for i in range(5):
        a.receive(catalog, f"Người thứ {chr(65 + i)}", f"02209000123{i}")
    a.engine().run_once()
    server.page_limit = 2
    server.fail_pulls_after = 2  # two pages arrive, the third request fails
    failed = b.engine().run_once()
    assert failed.offline and failed.applied == 4
    with b.factory() as s:
        assert s.get(SyncState, 1).pull_cursor == "4"  # type: ignore[union-attr]
    server.fail_pulls_after = None
    restarted = b.restart(http=server.transport())
    done = restarted.engine().run_once(force=True)
    assert done.applied == 1 and done.error == ""
    cursors = [r.url.params["cursor"] for r in server.requests if r.url.path == "/sync/pull"]
    assert cursors[-4:] == ["", "2", "4", "4"]  # the restart resumed where the failure stopped
    assert len(dossier_codes(b)) == 5


def test_failures_back_off_exponentially_and_survive_a_restart(a: Counter, server: FakeServer) -> None:
    server.offline = True
    first = a.engine().run_once()
    assert first.offline and first.retry_at is not None
    wait = (first.retry_at - a.clock[0]).total_seconds()
    assert 2.5 <= wait <= 5
    assert a.engine().run_once().skipped  # still backing off
    assert a.restart(http=server.transport()).engine().run_once().skipped  # state is in the database
    a.clock[0] = first.retry_at + timedelta(seconds=1)
    second = a.engine().run_once()
    assert second.retry_at is not None and (second.retry_at - a.clock[0]).total_seconds() >= 5
    with a.factory() as s:
        state = s.get(SyncState, 1)
        assert state is not None and state.consecutive_failures == 2 and "Mất kết nối" in state.last_error
    server.offline = False
    assert a.engine().run_once(force=True).ok
    with a.factory() as s:
        state = s.get(SyncState, 1)
        assert state is not None and state.consecutive_failures == 0 and state.next_retry_at is None
        assert state.last_success_at == a.clock[0]


def test_backoff_is_capped_and_jittered() -> None:
    assert backoff_delay(1, lambda: 0.0) == 2.5 and backoff_delay(1, lambda: 0.999) < 5
    assert backoff_delay(50, lambda: 0.999) <= BACKOFF_CAP_S
    assert backoff_delay(50, lambda: 0.0) == BACKOFF_CAP_S / 2


def test_server_time_and_clock_offset_are_recorded(a: Counter, server: FakeServer) -> None:
    server.now = datetime.now(UTC) + timedelta(minutes=5)
    a.clock[0] = datetime.now(UTC).replace(tzinfo=None)
    a.engine().run_once()
    with a.factory() as s:
        state = s.get(SyncState, 1)
        status = read_status(s)
    assert state is not None and state.last_server_time == server.now.replace(tzinfo=None)
    assert 290 < status.clock_offset_s < 310 and status.clock_off


def _foreign_event(server: FakeServer, payload: dict[str, object], kind: str = "dossier.received") -> wire.EventWire:
    device = new_id()
    return wire.EventWire(id=new_id(), device_id=device, device_seq=1, type=kind, dossier_uid=new_id(),
                          officer_id=new_id(), officer_name="Cán bộ khác", occurred_at=datetime(2026, 11, 23, 9),
                          hlc=f"{1:013d}:{0:05d}:{device}", payload=payload)  # fmt: skip


def test_pulled_events_this_version_cannot_fold_are_kept_and_do_not_stop_the_page(
    a: Counter, b: Counter, server: FakeServer, catalog: Catalog
) -> None:
    a.engine().run_once()
    server.changes.append((_foreign_event(server, {"unexpected": True}), server.now))
    server.changes.append((_foreign_event(server, {"x": 1}, "custody.handed_over"), server.now))
    a.receive(catalog)
    a.engine().run_once()
    report = b.engine().run_once()
    assert report.applied == 3 and report.error == ""
    with b.factory() as s:
        statuses = sorted(s.scalars(select(Event.sync_status)))
        assert statuses == ["remote", "remote", "unapplied"]
        assert s.scalar(select(func.count()).select_from(Dossier)) == 1


def test_own_events_from_a_restored_backup_move_the_sequence_on(
    a: Counter, server: FakeServer, catalog: Catalog
) -> None:
    a.engine().run_once()
    a.receive(catalog)
    a.engine().run_once()
    with a.factory() as s, s.begin():  # the PC is restored from a backup taken before that receipt
        s.query(Outbox).delete()
        s.query(Dossier).delete()
        s.query(Event).delete()
        s.get(Device, a.actor.device_id).last_seq = 0  # type: ignore[union-attr]
        s.get(SyncState, 1).pull_cursor = ""  # type: ignore[union-attr]
    a.engine().run_once(force=True)
    nxt = a.receive(catalog, "Trần Thị Bình", "022190005678")
    with a.factory() as s:
        assert s.get(Event, nxt.event_id).device_seq == 2  # type: ignore[union-attr]
    assert a.engine().run_once().accepted == 1


def test_a_stale_long_poll_page_is_dropped(a: Counter, b: Counter, server: FakeServer, catalog: Catalog) -> None:
    a.engine().run_once()
    a.receive(catalog)
    a.engine().run_once()
    engine = b.engine()
    real_pull = engine._transport.pull

    def pull_while_another_pass_runs(cursor: str, **kw: object) -> wire.PullResponse:
        page = real_pull(cursor, **kw)  # type: ignore[arg-type]
        if kw.get("wait"):
            b.engine().run_once()  # the ordinary pass moves the cursor meanwhile
        return page

    engine._transport.pull = pull_while_another_pass_runs  # type: ignore[method-assign]
    polled = engine.poll(wait=1)
    assert "stale page" in polled.notes and polled.applied == 0
    assert len(dossier_codes(b)) == 1


def test_outbox_rows_wait_in_order_when_offline(a: Counter, server: FakeServer, catalog: Catalog) -> None:
    a.engine().run_once()
    for i in range(3):
        a.receive(catalog, f"Người thứ {chr(65 + i)}", f"02209000123{i}")
    server.offline = True
    a.engine().run_once()
    server.offline = False
    assert [seq for seq, *_ in outbox(a)] == [1, 2, 3]
    assert a.engine().run_once(force=True).accepted == 3
    assert [e.device_seq for e, _ in server.changes] == [1, 2, 3]


def test_a_lost_reservation_answer_is_asked_again_with_the_same_request_id(a: Counter, server: FakeServer) -> None:
    server.lose_next_response = True  # the pass's first request is the code reservation
    assert a.engine().run_once().offline
    assert a.engine().run_once(force=True).ok
    first, second = server.bodies("/codes/reserve")[:2]
    assert first == second  # same request id, days and size: the server answers with what it issued
    with a.factory() as s:
        blocks = s.scalars(select(CodeBlock)).all()
    assert len(blocks) == len(first["days"]) and {b.request_id for b in blocks} == {first["request_id"]}
    assert sum(server.issued.values()) == sum(b.last - b.first + 1 for b in blocks)  # nothing issued twice
