"""Issue 13, end to end: PC clocks do not decide where a paper folder is.

Two counter PCs with their own databases, one REAL server (uvicorn on loopback, SQLite). PC A's
clock is 48 hours ahead (its events' ``occurred_at`` and the wall part of their HLC); PC B's is
right. A sends the folder to the department; B pulls that, receives the folder and sends it back
to the counter. Before issue 13 the server said "in transit to the counter" (arrival order) while
the counters said "in transit to the department" (the 48-hour-ahead send had the greatest
``occurred_at``), and no conflict was opened. Now custody follows the HLC on both sides (B's
clock moved past A's send when it pulled it), everyone agrees, and the supervisor gets a
``clock_skew`` conflict for A's events; A's clock offset is stored with its events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.domain.catalog import Catalog
from app.services import recorder
from app.services.handover import add_scan, confirm_batch, counter_place, department_place, open_batch, send_batch
from app.store.db import transaction
from app.store.models import Custody, Event, HandoverBatch, SyncConflict
from app.sync import conflicts
from tests.app.test_sync_conflicts_client import DEPARTMENT, LiveOffice, counter, hand_over, live  # noqa: F401
from tests.sync_support import Counter

AHEAD = timedelta(hours=48)
OFFICE_TZ = timezone(timedelta(hours=7))


def office_now() -> datetime:
    """The office's real local time (the server judges occurred_at against its own clock)."""
    return datetime.now(UTC).astimezone(OFFICE_TZ).replace(tzinfo=None, microsecond=0)


def _custody(c: Counter, uid: str) -> tuple[str, bool]:
    with c.factory() as s:
        row = s.get(Custody, uid)
        assert row is not None
        return f"{row.place_kind}:{row.place_code}", row.in_transit


def _server_custody(office: LiveOffice, uid: str) -> tuple[str, bool, list[str]]:
    from server.sync.models import Conflict, ServerDossier

    with office.tx() as s:
        row = s.get(ServerDossier, uid)
        assert row is not None
        kinds = sorted(
            s.scalars(select(Conflict.kind).where(Conflict.dossier_uid == uid, Conflict.resolved_at.is_(None)))
        )
        return row.custody_place, row.custody_in_transit, kinds


def test_a_pc_48_hours_ahead_sends_a_folder_and_both_sides_agree_where_it_is(
    live: LiveOffice,  # noqa: F811 - the imported fixture
    counter: Callable[..., Counter],  # noqa: F811 - the imported fixture
    catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    summary = a.receive(catalog)
    assert a.engine().run_once().error == ""
    assert b.engine().run_once().error == ""

    # PC A's clock jumps 48 hours ahead: its sync learns the offset, its events carry it.
    a.clock[0] += AHEAD
    real = recorder.pc_clock_ms
    monkeypatch.setattr(recorder, "wall_clock", lambda: real() + int(AHEAD.total_seconds() * 1000))
    assert a.engine().run_once().error == ""
    sent = hand_over(a, summary.code, office_now() + AHEAD)
    report = a.engine().run_once()
    assert (report.flagged, report.error) == (1, "")  # stored, and flagged for the wrong clock
    monkeypatch.setattr(recorder, "wall_clock", real)

    # PC B (right clock) pulls the send, receives the folder at the department, sends it back.
    assert b.engine().run_once().error == ""
    with transaction(b.factory) as s:
        batch_id = s.scalars(select(HandoverBatch.id)).one()
        confirm_batch(s, b.actor, batch_id, [summary.code], office_now())
    with transaction(b.factory) as s:
        back = open_batch(department_place(s, DEPARTMENT), counter_place(b.actor))
        back, verdict = add_scan(s, back, summary.code)
        assert verdict.ok, verdict.message
        send_batch(s, b.actor, back, office_now() + timedelta(minutes=5))
    assert b.engine().run_once().error == ""
    assert a.engine().run_once().error == ""

    counter_in_transit = (f"counter:{a.actor.unit_code}", True)
    place, in_transit, kinds = _server_custody(live, summary.uid)
    assert (place, in_transit) == counter_in_transit
    assert _custody(a, summary.uid) == counter_in_transit
    assert _custody(b, summary.uid) == counter_in_transit
    assert kinds == ["clock_skew"]

    # B's events sort after A's send although their PC time is 48 hours earlier.
    with b.factory() as s:
        hlcs = {
            kind: hlc for kind, hlc in s.execute(select(Event.type, Event.hlc).where(Event.dossier_uid == summary.uid))
        }
    with a.factory() as s:
        sent_hlc = s.scalars(select(Event.hlc).where(Event.id == sent)).one()
    assert hlcs["custody.received"] > sent_hlc

    # The server keeps each event's clock offset (server − PC): about −48 h for A's send.
    from server.sync.models import ServerEvent

    with live.tx() as s:
        offset = s.scalars(select(ServerEvent.clock_offset_seconds).where(ServerEvent.id == sent)).one()
    assert offset is not None and abs(offset + AHEAD.total_seconds()) < 120

    # The supervisor sees the conflict under its Vietnamese name.
    sup = counter("Quầy lãnh đạo", username="lanhdao")
    assert sup.engine().run_once().error == ""
    conflicts.fetch(sup.factory, sup.client.transport)
    with sup.factory() as s:
        (item,) = conflicts.list_conflicts(s, "open").items
    assert (item.kind, item.kind_label) == ("clock_skew", "Giờ máy trạm sai lệch")
    assert "đi trước giờ máy chủ khoảng 48" in item.description


def test_an_occurred_at_far_ahead_opens_a_clock_skew_conflict(
    live: LiveOffice,  # noqa: F811 - the imported fixture
    counter: Callable[..., Counter],  # noqa: F811 - the imported fixture
    catalog: Catalog,
) -> None:
    a = counter("Quầy số 01")
    summary = a.receive(catalog)
    assert a.engine().run_once().error == ""
    # The HLC is right; only the time written on the event is a day ahead of the office's now.
    hand_over(a, summary.code, office_now() + timedelta(days=1))
    report = a.engine().run_once()
    assert (report.flagged, report.error) == (1, "")
    with a.factory() as s:
        (shown,) = s.scalars(select(SyncConflict)).all()
    assert shown.kind == "clock_skew"
    assert "Hãy chỉnh lại đồng hồ máy tính" in shown.reason
    _place, _in_transit, kinds = _server_custody(live, summary.uid)
    assert kinds == ["clock_skew"]
    # Right times are not flagged: the reception an hour ago was accepted.
    with a.factory() as s:
        statuses = {kind: status for kind, status in s.execute(select(Event.type, Event.sync_status))}
    assert statuses["dossier.received"] == "accepted"
