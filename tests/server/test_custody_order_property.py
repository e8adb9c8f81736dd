"""Property (issue 13): the server's custody and the counters' fold agree, whatever the push order.

Custody events of one dossier, made on two PCs with any hybrid logical clocks, reach the server
in any interleaving of the two devices' batches (each device's own order kept, as its outbox
guarantees). The server's custody (server/sync/push.py ``_Fold._step``) must be the state the
counters' fold (app.domain.custody.fold_custody) gives for the same events in any order: the
custody event with the greatest HLC wins. Before issue 13 the server took the last arrival.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.custody import CustodyState, fold_custody
from app.domain.events import EventType, new_id
from server.sync.models import ServerDossier
from tests.server.conftest import UNIT_A, World
from tests.server.sync_helpers import Counter, statuses

pytestmark = pytest.mark.usefixtures("on_sync_day")  # codes are reserved for 2026-11-23: the server's today

DEPT = {"kind": "department", "code": "TP", "name": "Phòng Tư pháp"}
COUNTER = {"kind": "counter", "code": UNIT_A, "name": "Trung tâm Phục vụ hành chính công"}
COLLECTOR = {"kind": "applicant", "personal_id": "001090012345", "full_name": "Nguyễn Văn An", "authorisation_ref": ""}
# (type, from, to, extra payload): every custody move a counter can write.
MOVES: list[tuple[str, Any, Any, dict[str, Any]]] = [
    ("custody.sent", COUNTER, DEPT, {}),
    ("custody.received", COUNTER, DEPT, {}),
    ("custody.sent", DEPT, COUNTER, {}),
    ("custody.received", DEPT, COUNTER, {}),
    ("custody.discrepancy", COUNTER, DEPT, {"discrepancy": "missing"}),
    ("custody.discrepancy", DEPT, COUNTER, {"discrepancy": "unexpected"}),
    ("dossier.returned", None, None, {}),
]

event = st.tuples(
    st.integers(0, 1),  # which PC makes it
    st.integers(0, len(MOVES) - 1),  # what
    st.integers(1_790_000_000_000, 1_790_000_000_020),  # HLC milliseconds: ties are likely
    st.integers(0, 3),  # HLC counter
)


def _make(pc: Counter, uid: str, parent: str, move: int, ms: int, counter: int) -> dict[str, Any]:
    kind, source, dest, extra = MOVES[move]
    if kind == "dossier.returned":
        payload: dict[str, Any] = {"unit_code": pc.unit, "collector": COLLECTOR}
    else:
        payload = {"batch_id": new_id(), "unit_code": pc.unit, "counter_name": "Quầy số 01", "from": source,
                   "to": dest, "code": "", "parent_event_id": parent, **extra}  # fmt: skip
    return pc.event(kind, payload, uid, hlc=f"{ms:013d}:{counter:05d}:{pc.device.device_id}")


def _client_fold(events: list[dict[str, Any]]) -> tuple[str, bool]:
    state: CustodyState | None = None
    for e in events:
        new = fold_custody(state, EventType(e["type"]), e["payload"], event_id=e["id"],
                           occurred_at=datetime.fromisoformat(e["occurred_at"]), hlc=e["hlc"],
                           officer_name=e["officer_name"])  # fmt: skip
        state = new or state
    assert state is not None
    return f"{state.place.kind}:{state.place.code}", state.in_transit


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(made=st.lists(event, min_size=1, max_size=6), picks=st.lists(st.booleans(), max_size=12), data=st.data())
def test_server_custody_equals_the_counters_fold_for_any_push_order(
    world: World, made: list[tuple[int, int, int, int]], picks: list[bool], data: st.DataObject
) -> None:
    pcs: list[Counter] = getattr(world, "_pcs", None) or [
        Counter(world.srv, world.device_a, "canbo.a"),
        Counter(world.srv, world.srv.device(UNIT_A, "Quầy số 02"), "canbo.a"),
    ]
    world._pcs = pcs  # type: ignore[attr-defined]
    number = pcs[0].reserve([date(2026, 11, 23)], 1).json()["blocks"][0]["first"]
    rec = pcs[0].received(number)
    uid = rec["dossier_uid"]
    assert statuses(pcs[0].push([rec])) == ["accepted"]
    streams: list[list[dict[str, Any]]] = [[], []]
    for who, move, ms, counter in made:
        streams[who].append(_make(pcs[who], uid, rec["id"], move, ms, counter))
    # Push: each device's events in its own order, the two devices interleaved as drawn, in
    # batches of one or more consecutive events of one device.
    order: list[int] = []
    left = [len(streams[0]), len(streams[1])]
    for take_first in picks:
        who = 0 if (take_first and left[0]) or not left[1] else 1
        if left[who]:
            order.append(who)
            left[who] -= 1
    order += [0] * left[0] + [1] * left[1]
    position = [0, 0]
    for who in order:
        e = streams[who][position[who]]
        position[who] += 1
        assert pcs[who].push([e])[0]["status"] in ("accepted", "flagged")
    with world.srv.session() as s:
        row = s.get(ServerDossier, uid)
        assert row is not None
        server = (row.custody_place, row.custody_in_transit)
    everything = streams[0] + streams[1]
    shuffled = data.draw(st.permutations(everything))
    assert server == _client_fold(shuffled) == _client_fold(sorted(everything, key=lambda e: e["hlc"]))
