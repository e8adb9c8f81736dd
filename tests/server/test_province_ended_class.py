"""The class of an ended dossier the push's fold stores (server migration 0012, ``dossiers.ended_class``):
by hand, the same figures as working it out of the moments in SQL, for periods closing before and after
the ends, and the migration's back-fill gives the fold's values (SQLite and PostgreSQL)."""

from __future__ import annotations

import importlib.util
from collections import Counter as Tally
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

import server
from app.domain.indicators import DossierClass, Period, classify
from server.sync.facts import ended_class
from server.sync.indicators import cells, figures, province_kpi
from server.sync.models import ServerDossier
from server.sync.period_report import province_period_report
from tests.server.conftest import UNIT_A, UNIT_B, World
from tests.server.sync_helpers import Counter
from tests.server.test_province_indicators import A_CASES, B_CASES, PERIOD, Case, _facts, _push, at

pytestmark = pytest.mark.usefixtures("on_sync_day")

# ended with its first supplement request never completed: the period's close ends the request
OPEN_SUPPLEMENT = Case("ended, request open", "11-02 09:00", "11-05 16:00", "11-10 10:00", (("11-03 09:00", None),))
PERIODS = [PERIOD, Period(date(2026, 11, 1), date(2026, 11, 8)), Period(date(2026, 11, 10), date(2026, 12, 31))]
NUMBER = {DossierClass.EARLY: 1, DossierClass.ON_TIME: 2, DossierClass.LATE: 3}
EXPECTED = {"early": 1, "same day": 2, "late": 3, "supplement": 1, "ended before": 1, "two supplements": 3}


def _world(world: World) -> dict[str, Case]:
    a = Counter(world.srv, world.device_a, "canbo.a")
    b = Counter(world.srv, world.device_b, "canbo.b")
    return _push(a, [*A_CASES, OPEN_SUPPLEMENT], "Hộ tịch", 1) | _push(b, B_CASES, "Đất đai", 1)


def _stored(s: Any) -> dict[str, int | None]:
    return dict(s.execute(select(ServerDossier.uid, ServerDossier.ended_class)).all())


def test_the_fold_stores_the_class_of_an_ended_dossier(world: World) -> None:
    cases = _world(world)
    with world.srv.session() as s:
        stored = _stored(s)
    assert {cases[uid].name: cls for uid, cls in stored.items()} == EXPECTED | {
        "ended, request open": None, "carried, due in period": None, "due after": None, "pending supplement": None,
        "after the period": None,
    }  # fmt: skip


def test_the_stored_class_is_the_class_of_every_later_period(world: World) -> None:
    _world(world)
    with world.srv.session() as s:
        rows = list(s.scalars(select(ServerDossier)))
        for period in PERIODS:
            for r in rows:
                if (
                    r.ended_class is not None
                    and r.ended_at is not None
                    and r.ended_at < period.closes
                    and r.ended_at >= period.opens
                ):
                    assert r.ended_class == NUMBER[classify(_facts(r), period.start, period.end)], r.uid


def _figures(s: Any) -> list[Any]:
    return [(sorted(cells(s, p)), province_kpi(s, p), province_period_report(s, p)) for p in PERIODS]


def test_the_figures_are_those_worked_out_of_the_moments(world: World) -> None:
    _world(world)
    with world.srv.session() as s:
        stored = _figures(s)
        s.execute(update(ServerDossier).values(ended_class=None))
        assert stored == _figures(s)
        # and every class is classify()'s over the same facts
        rows = list(s.scalars(select(ServerDossier)))
        for period in PERIODS:
            tally = Tally(classify(_facts(r), period.start, period.end) for r in rows)
            whole = province_period_report(s, period).total
            assert (whole.resolved_early, whole.resolved_on_time, whole.resolved_late, whole.in_progress_on_time,
                    whole.in_progress_late) == tuple(tally[c] for c in (
                        DossierClass.EARLY, DossierClass.ON_TIME, DossierClass.LATE, DossierClass.IN_PROGRESS_ON_TIME,
                        DossierClass.IN_PROGRESS_LATE))  # fmt: skip


def test_the_migration_backfills_the_class(world: World) -> None:
    path = Path(server.__file__).parent / "migrations" / "versions" / "0012_indicator_classes.py"
    spec = importlib.util.spec_from_file_location("m0012", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    _world(world)
    with world.srv.session() as s:
        folded = _stored(s)
        s.execute(update(ServerDossier).values(ended_class=None))
        migration._backfill(s.connection())
        s.expire_all()
        assert _stored(s) == folded
    assert sorted(v for v in folded.values() if v is not None) == sorted(EXPECTED.values())


def test_ended_class_by_hand() -> None:
    row: dict[str, Any] = {"ended_at": at("11-10 10:00"), "end_status": 10, "received_due_at": at("11-10 08:00")}
    assert ended_class(row) == 2
    assert ended_class(row | {"received_due_at": at("11-09 23:00")}) == 3
    # three days of supplement taken off the end
    supplement = {"supplement1_requested_at": at("11-03 09:00"), "supplement1_completed_at": at("11-06 09:00")}
    assert ended_class(row | {"received_due_at": at("11-07 08:00")} | supplement) == 2
    assert ended_class(row | supplement | {"supplement1_completed_at": None}) is None  # the period's close decides
    assert ended_class(row | {"supplement1_requested_at": at("11-11 09:00")}) == 2  # after the end: no gap
    assert ended_class(row | {"supplement2_requested_at": at("11-05 09:00")}) == 3
    assert ended_class(row | {"end_status": 3, "received_due_at": at("11-01 08:00")}) == 2  # refused
    assert ended_class(row | {"received_due_at": None}) == 2
    assert ended_class(row | {"ended_at": None}) is None


def test_the_province_officers_are_the_sums_of_their_cells(world: World) -> None:
    _world(world)
    with world.srv.session() as s:
        for period in PERIODS:
            by_officer: dict[tuple[str, str], list[Any]] = {}
            for c in cells(s, period):
                by_officer.setdefault((c.officer_id, c.officer_name), []).append(c)
            expected = tuple(figures(k, n, by_officer[(k, n)]) for k, n in sorted(by_officer, key=lambda kn: kn[::-1]))
            officers = province_kpi(s, period).officers
            assert officers == expected and len(officers) == 2
            assert {c.unit_code for c in cells(s, period, officers=False)} == {UNIT_A, UNIT_B}
