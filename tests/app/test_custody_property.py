"""Property: folding the custody events of two devices in any interleaving (each device's own order
kept, as pull guarantees) leaves the same custody and batch state."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.domain.custody import Place, PlaceKind
from app.domain.events import EventType
from app.store.models import Base, Custody, Event, HandoverBatch, HandoverItem
from app.store.projection import apply_event

COUNTER = Place(PlaceKind.COUNTER, "000.01.00.H49", "Trung tâm Phục vụ hành chính công")
DEPT = Place(PlaceKind.DEPARTMENT, "XA-TP", "Bộ phận Tư pháp - Hộ tịch")
T0 = datetime(2026, 11, 23, 9, 0)
A, B = "0000000a-0000-7000-8000-000000000000", "0000000b-0000-7000-8000-000000000000"
X, Y, Z = "x" * 8, "y" * 8, "z" * 8


def _event(device: str, seq: int, kind: EventType, uid: str, minutes: int, payload: dict[str, Any]) -> Event:
    at = T0 + timedelta(minutes=minutes)
    return Event(
        id=f"{device[7]}-{seq}-{uid[0]}", device_id=device, device_seq=seq, type=str(kind), dossier_uid=uid,
        base_version=0, officer_id=device, officer_name=f"Cán bộ {device[7]}", occurred_at=at,
        hlc=f"{int(at.timestamp() * 1000):013d}:00000:{device}", payload=payload,
    )  # fmt: skip


def _batch(batch_id: str, source: Place, dest: Place, **extra: Any) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "unit_code": COUNTER.code,
        "from": source.as_payload(),
        "to": dest.as_payload(),
        **extra,
    }


def _streams() -> tuple[list[Event], list[Event]]:
    """Counter A sends X, Y to the department; B receives X, reports Y missing and Z unexpected,
    then sends X back; A confirms X."""
    go, back = _batch("b1", COUNTER, DEPT), _batch("b2", DEPT, COUNTER)
    a = [
        _event(A, 1, EventType.HANDOVER_SENT, X, 0, {**go, "code": "X", "parent_event_id": "r-x"}),
        _event(A, 2, EventType.HANDOVER_SENT, Y, 0, {**go, "code": "Y", "parent_event_id": "r-y"}),
        _event(A, 3, EventType.HANDOVER_RECEIVED, X, 300, {**back, "code": "X", "parent_event_id": "b-3-x"}),
    ]
    b = [
        _event(B, 1, EventType.HANDOVER_RECEIVED, X, 60, {**go, "code": "X", "parent_event_id": "a-1-x"}),
        _event(B, 2, EventType.HANDOVER_DISCREPANCY, Y, 60, {**go, "code": "Y", "discrepancy": "missing"}),
        _event(B, 3, EventType.HANDOVER_DISCREPANCY, Z, 60, {**go, "code": "Z", "discrepancy": "unexpected"}),
        _event(B, 4, EventType.HANDOVER_SENT, X, 240, {**back, "code": "X", "parent_event_id": "b-1-x"}),
    ]
    return a, b


def _fold(order: list[Event]) -> tuple[Any, ...]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        for e in order:
            fresh = Event(**{c.name: getattr(e, c.name) for c in Event.__table__.columns})
            s.add(fresh)
            apply_event(s, fresh)
            s.flush()
        custody = [
            (c.dossier_uid, c.place_kind, c.place_code, c.in_transit, c.missing, c.since, c.last_event_id, c.batch_id)
            for c in s.scalars(select(Custody).order_by(Custody.dossier_uid))
        ]
        batches = [
            (b.id, b.state, b.sent_count, b.received_count, b.missing_count, b.unexpected_count, b.confirmed_at)
            for b in s.scalars(select(HandoverBatch).order_by(HandoverBatch.id))
        ]
        items = [
            (i.batch_id, i.dossier_uid, i.state)
            for i in s.scalars(select(HandoverItem).order_by(HandoverItem.batch_id, HandoverItem.dossier_uid))
        ]
    engine.dispose()
    return custody, batches, items


def _interleave(a: list[Event], b: list[Event], picks: list[bool]) -> list[Event]:
    order, i, j = [], 0, 0
    for take_a in picks:
        if take_a and i < len(a):
            order.append(a[i])
            i += 1
        elif j < len(b):
            order.append(b[j])
            j += 1
    return order + a[i:] + b[j:]


CANONICAL = _fold(sorted([*_streams()[0], *_streams()[1]], key=lambda e: (e.occurred_at, e.hlc)))


def test_canonical_state_is_what_happened():
    custody, batches, items = CANONICAL
    by_uid = {c[0]: c for c in custody}
    assert by_uid[X][1:5] == ("counter", COUNTER.code, False, False)  # back at the counter
    assert by_uid[Y][1:5] == ("department", DEPT.code, True, True)  # still in transit, reported missing
    assert by_uid[Z][1:5] == ("department", DEPT.code, False, False)  # the unexpected folder is there
    assert [(b[0], b[1]) for b in batches] == [("b1", "confirmed_with_discrepancies"), ("b2", "confirmed")]
    assert ("b1", Y, "missing") in items and ("b1", Z, "unexpected") in items


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=0, max_size=7))
def test_any_interleaving_gives_the_same_state(picks):
    a, b = _streams()
    assert _fold(_interleave(a, b, picks)) == CANONICAL


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(7))))
def test_even_any_order_at_all_gives_the_same_custody(perm):
    a, b = _streams()
    events = [*a, *b]
    custody, batches, items = _fold([events[k] for k in perm])
    assert custody == CANONICAL[0]
    assert [bt[:6] for bt in batches] == [bt[:6] for bt in CANONICAL[1]]
    assert items == CANONICAL[2]
