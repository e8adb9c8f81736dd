"""The province's indicators on the server (SQLite and PostgreSQL): the facts the push keeps on each
dossier row (server/sync/facts.py) and the grouped SQL of server/sync/indicators.py, checked by hand
and against app.domain.indicators.classify applied in Python to the same facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest

from app.domain.indicators import DossierClass, DossierFacts, Period, SupplementSpan, classify
from app.domain.status import DossierStatus
from app.sync.wire import KpiResponse
from server.sync.indicators import province_kpi
from server.sync.models import ServerDossier
from tests.server.conftest import UNIT_A, UNIT_B, World, bearer
from tests.server.sync_helpers import Counter

pytestmark = pytest.mark.usefixtures("on_sync_day")

PERIOD = Period(date(2026, 11, 1), date(2026, 11, 22))


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"2026-{text}")


@dataclass
class Case:
    """One dossier: received, due, optional supplement spans, end, rating; ``cls`` hand-computed."""

    name: str
    received: str
    due: str
    end: str | None = None
    supplements: tuple[tuple[str, str | None], ...] = ()
    rating: str | None = None
    cls: DossierClass = DossierClass.NOT_COUNTED


A_CASES = [
    Case("early", "11-02 09:00", "11-05 16:00", "11-04 10:00", cls=DossierClass.EARLY),
    Case("same day", "11-02 09:00", "11-05 08:00", "11-05 16:00", cls=DossierClass.ON_TIME),
    Case("late", "11-02 09:00", "11-05 16:00", "11-09 10:00", rating="dissatisfied", cls=DossierClass.LATE),
    # 5 days of supplement taken off the end: 11-16 − 5 days = 11-11, before the due day
    Case(
        "supplement",
        "11-10 09:00",
        "11-12 16:00",
        "11-16 11:00",
        (("11-11 10:00", "11-16 10:00"),),
        rating="satisfied",
        cls=DossierClass.EARLY,
    ),
    Case("carried, due in period", "10-20 09:00", "11-21 16:00", cls=DossierClass.IN_PROGRESS_LATE),
    Case("ended before", "10-20 09:00", "10-27 16:00", "10-25 10:00"),
]
B_CASES = [
    Case("due after", "11-20 09:00", "12-03 16:00", cls=DossierClass.IN_PROGRESS_ON_TIME),
    Case(
        "two supplements",
        "11-05 09:00",
        "11-10 16:00",
        "11-12 10:00",
        (("11-06 09:00", "11-07 09:00"), ("11-08 09:00", "11-09 09:00")),
        cls=DossierClass.LATE,
    ),
    Case("pending supplement", "11-20 09:00", "11-21 16:00", None, (("11-21 10:00", None),), cls=DossierClass.ON_TIME),
    Case("after the period", "11-23 08:00", "11-24 16:00"),
]


def _push(c: Counter, cases: list[Case], field: str, first: int) -> dict[str, Case]:
    events: list[dict[str, Any]] = []
    uids: dict[str, Case] = {}
    for n, case in enumerate(cases, start=first):
        received = at(case.received)
        rec = c.received(n, personal_id=f"0010900{n:05d}", day=received.date())
        rec["payload"].update(received_at=received.isoformat(), due_at=at(case.due).isoformat())
        rec["payload"]["procedure"]["field"] = field
        rec["occurred_at"] = received.isoformat()
        uid = rec["dossier_uid"]
        uids[uid] = case
        events.append(rec)
        for req, done in case.supplements:
            payload = {"unit_code": c.unit, "items": ["Bản sao"], "reason": "Thiếu bản sao"}
            events.append(
                c.event("dossier.department_supplement_requested", payload, uid, occurred_at=at(req).isoformat())
            )
            if done is not None:
                payload = {"unit_code": c.unit, "new_due_at": at(case.due).isoformat()}
                events.append(c.event("dossier.supplement_received", payload, uid, occurred_at=at(done).isoformat()))
        if case.end is not None:
            payload = {"unit_code": c.unit, "result": "Trích lục khai sinh"}
            events.append(c.event("dossier.result_recorded", payload, uid, occurred_at=at(case.end).isoformat()))
        if case.rating is not None:
            payload = {
                "unit_code": c.unit,
                "rating": case.rating,
                "source": "officer",
                "rated_at": "2026-11-20T10:00:00",
            }
            events.append(c.event("dossier.rated", payload, uid, occurred_at="2026-11-20T10:00:00"))
    results = c.push(events)
    assert all(r["status"] in ("accepted", "flagged") for r in results), results
    return uids


def _facts(row: ServerDossier) -> DossierFacts:
    spans = []
    if row.supplement1_requested_at is not None:
        spans.append(SupplementSpan(row.supplement1_requested_at, row.supplement1_completed_at))
    if row.supplement2_requested_at is not None:
        spans.append(SupplementSpan(row.supplement2_requested_at, row.supplement2_completed_at))
    end_status = DossierStatus(row.end_status) if row.end_status is not None else None
    return DossierFacts(uid=row.uid, code=row.code or "", received_at=row.received_at, due_at=row.received_due_at,
                        end_at=row.ended_at, end_status=end_status, supplements=tuple(spans))  # fmt: skip


def test_province_figures_match_the_rules(world: World) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    b = Counter(world.srv, world.device_b, "canbo.b")
    cases = _push(a, A_CASES, "Hộ tịch", 1) | _push(b, B_CASES, "Đất đai", 1)

    with world.srv.session() as s:
        rows = {r.uid: r for r in s.query(ServerDossier)}
        # the facts the fold kept, then classify() in Python over them = the hand-computed class
        for uid, case in cases.items():
            row = rows[uid]
            assert row.received_due_at == at(case.due)
            assert row.ended_at == (at(case.end) if case.end else None)
            assert row.supplement_count == len(case.supplements)
            assert classify(_facts(row), PERIOD.start, PERIOD.end) is case.cls, case.name
        kpi = province_kpi(s, PERIOD)
        only_b = province_kpi(s, PERIOD, [UNIT_B])

    counted = [c for c in cases.values() if c.cls is not DossierClass.NOT_COUNTED]
    on_time = [c for c in counted if c.cls.on_time]
    assert (kpi.whole.counted, kpi.whole.on_time.numerator) == (len(counted), len(on_time)) == (8, 5)
    assert kpi.whole.on_time.percent == 62.5 and kpi.whole.on_time_score == 12.5  # 62.5 × 20 ÷ 100
    assert kpi.whole.late.percent == 37.5 and kpi.whole.dissatisfied.percent == 12.5
    assert kpi.whole.satisfaction == 50.0  # 100 − 37.5 − 12.5
    # 3.3: received in the period (not carried over), all direct
    from app.domain.indicators import Channel

    assert (kpi.whole.channels[Channel.DIRECT].numerator, kpi.whole.channels[Channel.DIRECT].denominator) == (7, 7)
    assert kpi.whole.channels[Channel.ONLINE].percent == 0.0

    offices = {o.key: o for o in kpi.offices}
    assert (offices[UNIT_A].counted, offices[UNIT_A].on_time.numerator, offices[UNIT_A].late.numerator) == (5, 3, 2)
    assert offices[UNIT_A].dissatisfied.numerator == 1 and offices[UNIT_A].satisfaction == 40.0  # 100 − 40 − 20
    assert (offices[UNIT_B].counted, offices[UNIT_B].on_time.numerator) == (3, 2)
    assert {f.name: f.counted for f in kpi.fields} == {"Hộ tịch": 5, "Đất đai": 3}
    assert [o.key for o in only_b.offices] == [UNIT_B] and only_b.whole.counted == 3
    assert only_b.whole.on_time.percent == 66.67


def test_an_empty_scope_counts_nothing(world: World) -> None:
    with world.srv.session() as s:
        kpi = province_kpi(s, PERIOD, [UNIT_A])
    assert kpi.whole.counted == 0 and kpi.whole.on_time.percent is None and kpi.offices == ()


def test_the_migration_backfills_the_same_facts(world: World) -> None:
    import importlib.util
    from pathlib import Path

    from sqlalchemy import update

    import server

    path = Path(server.__file__).parent / "migrations" / "versions" / "0010_indicator_facts.py"
    spec = importlib.util.spec_from_file_location("m0010", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    a = Counter(world.srv, world.device_a, "canbo.a")
    b = Counter(world.srv, world.device_b, "canbo.b")
    _push(a, A_CASES, "Hộ tịch", 1)
    _push(b, B_CASES, "Đất đai", 1)
    columns = migration._FACTS
    with world.srv.session() as s:
        folded = {r.uid: tuple(getattr(r, c) for c in columns) for r in s.query(ServerDossier)}
        before = province_kpi(s, PERIOD)
        s.execute(update(ServerDossier).values(field="", ended_at=None, end_status=None, received_due_at=None,
                                               supplement_marks="", supplement_count=0, supplement1_requested_at=None,
                                               supplement1_completed_at=None, supplement2_requested_at=None,
                                               supplement2_completed_at=None))  # fmt: skip
        migration._backfill(s.connection())
        s.expire_all()
        assert {r.uid: tuple(getattr(r, c) for c in columns) for r in s.query(ServerDossier)} == folded
        assert province_kpi(s, PERIOD) == before


def _kpi(world: World, username: str, **params: str) -> Any:
    device = world.device_b if username.endswith(".b") else world.device_a
    headers = bearer(world.srv.login(username, device))
    query = {"from": "2026-11-01", "to": "2026-11-22"} | params
    return world.srv.client.get("/reports/kpi", params=query, headers=headers)


def test_the_kpi_route_by_role_and_scope(world: World) -> None:
    _push(Counter(world.srv, world.device_a, "canbo.a"), A_CASES, "Hộ tịch", 1)
    _push(Counter(world.srv, world.device_b, "canbo.b"), B_CASES, "Đất đai", 1)

    province = KpiResponse.model_validate(_kpi(world, "quantri.a", scope="province").json())
    assert province.scope == "province" and province.whole.name == "Toàn tỉnh"
    assert (province.whole.counted, province.whole.on_time.percent, province.whole.satisfaction) == (8, 62.5, 50.0)
    assert [o.key for o in province.offices] == [UNIT_A, UNIT_B]
    assert province.whole.channels["direct"].denominator == 7

    office = KpiResponse.model_validate(_kpi(world, "giamsat.b").json())
    assert office.scope == "office" and office.whole.key == UNIT_B and office.whole.counted == 3
    assert [f.name for f in office.fields] == ["Đất đai"]

    answer = _kpi(world, "giamsat.b", scope="province")
    assert answer.status_code == 403 and "toàn tỉnh" in answer.json()["detail"]["message"]
    assert _kpi(world, "canbo.a").status_code == 403

    bad = _kpi(world, "giamsat.a", **{"from": "2026-11-30", "to": "2026-11-01"})
    assert bad.status_code == 422 and bad.json()["detail"]["code"] == "invalid_period"
    assert "sau ngày kết thúc" in bad.json()["detail"]["message"]
    junk = _kpi(world, "giamsat.a", **{"from": "30/11/2026"})
    assert junk.status_code == 422 and junk.json()["detail"]["message"]
    too_long = _kpi(world, "giamsat.a", **{"from": "2020-01-01"})
    assert too_long.status_code == 422 and "3 năm" in too_long.json()["detail"]["message"]
