"""A counter pulling past events the server withholds (issue 13), against the real server on loopback.

The server holds an event an older version stored unchecked (a payload nested 300 deep: every pull
of its page answered 500, even a fresh counter's first one). Now the page comes with a
``withheld`` change in its place; the counter applies the rest, moves its cursor past it, and says
how many events the server held back.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, text

from app.domain.catalog import Catalog
from app.domain.events import new_id
from app.store.models import Dossier, Event
from tests.app.test_sync_conflicts_client import UNIT, LiveOffice, counter, live  # noqa: F401
from tests.sync_support import Counter


def _store_unchecked(office: LiveOffice, like: Event) -> str:
    """An event as a server before 0007 stored it (no contract check): ``like`` with a deep payload."""
    from server.sync import quarantine

    deep: dict[str, object] = {"x": 1}
    for _ in range(299):
        deep = {"k": deep}
    payload = {**copy.deepcopy(like.payload), "extra": deep}
    device, event_id = new_id(), new_id()
    engine = office.app.state.ctx.engine
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (id, device_id, device_seq, unit_code, type, dossier_uid, base_version,"
                " officer_id, officer_name, occurred_at, hlc, payload, server_received_at, status, reason,"
                " conflict_ids, flags) VALUES (:id, :device, 1, :unit, :type, :uid, 0, :officer, :name, :at,"
                " :hlc, :payload, :now, 'accepted', '', '[]', '[]')"
            ),
            {"id": event_id, "device": device, "unit": UNIT, "type": like.type, "uid": new_id(),
             "officer": like.officer_id, "name": like.officer_name, "at": like.occurred_at,
             "hlc": f"{like.hlc[:20]}{device}", "payload": json.dumps(payload),
             "now": datetime.now(UTC).replace(tzinfo=None)},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO change_feed (unit_code, event_id, kind) VALUES (:unit, :id, 'event')"),
            {"unit": UNIT, "id": event_id},
        )
        quarantine.mark_due(conn)  # as migration 0008 records it on an upgraded server
    return event_id


def test_a_fresh_counter_pulls_past_a_withheld_event_and_says_so(
    live: LiveOffice,  # noqa: F811 - the imported fixture
    counter: Callable[..., Counter],  # noqa: F811 - the imported fixture
    catalog: Catalog,
) -> None:
    a = counter("Quầy số 01")
    first = a.receive(catalog)
    assert a.engine().run_once().accepted == 1
    with a.factory() as s:
        like = s.scalars(select(Event).where(Event.type == "dossier.received")).one()
    bad = _store_unchecked(live, like)
    second = a.receive(catalog, "Trần Thị Bình", "022190005678")
    assert a.engine().run_once().accepted == 1

    b = counter("Quầy số 02")
    report = b.engine().run_once()
    assert report.ok, report.error
    assert "1 sự kiện bị máy chủ giữ lại" in report.notes
    with b.factory() as s:
        codes = set(s.scalars(select(Dossier.code)))
        held = set(s.scalars(select(Event.id)))
    assert codes == {first.code, second.code} and bad not in held
    again = b.engine().run_once()  # the cursor moved past it: nothing comes again
    assert again.ok and again.pulled == 0
