"""`motcua demo populate` over a window that reaches back before 1 July 2025 (issue 16): the dossiers
received before it are of the 2018 legal basis, the others of 2025; some are stopped or withdrawn at
the citizen's request through the real service (status 8 / 7), and the supervisor's figures count
those as ended. The run asks for stops five times as often as the demo does (1 %), so that a few
hundred dossiers surely have both kinds whatever the other turns draw."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.catalog import Catalog
from app.domain.contracts import StoppedPayload, WithdrawnPayload, parse_payload
from app.domain.events import EventType
from app.domain.legal_basis import CUTOVER
from app.domain.status import DossierStatus
from app.services import demo_simulation
from app.services.demo_mix import MIX
from app.services.demo_populate import populate
from app.services.demo_summary import PopulateSummary
from app.services.reports import counted_by_uids, kpi
from app.store.db import open_database, session_factory
from app.store.models import Dossier, Event

UNTIL = datetime(2025, 7, 14, 15, 0)  # a Monday two weeks after the cutover
SEED = 4
OFTEN = replace(MIX, stop_request=0.05)


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory, template_db: Path, catalog: Catalog
) -> tuple[sessionmaker[Session], PopulateSummary]:
    folder = tmp_path_factory.mktemp("demo-2025")
    shutil.copy(template_db, folder / "motcua.db")
    factory = session_factory(open_database(folder / "motcua.db"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_simulation, "MIX", OFTEN)
        return factory, populate(factory, catalog, dossiers=300, days=20, seed=SEED, until=UNTIL)


def test_the_window_across_the_cutover_makes_dossiers_of_both_bases(run) -> None:
    factory, summary = run
    assert summary.first_day < CUTOVER.date() <= summary.last_day  # the dates are the window's
    with factory() as s:
        rows = s.execute(select(Dossier.received_at, Dossier.legal_basis, Dossier.data)).all()
    bases = Counter(basis for _, basis, _ in rows)
    assert bases["2018"] > 0 and bases["2025"] > 0 and sum(bases.values()) == len(rows) == summary.receipts
    for received_at, basis, data in rows:
        assert basis == ("2018" if received_at < CUTOVER else "2025") == data["legal_basis"]


def test_stops_and_withdrawals_go_through_the_service(run) -> None:
    factory, summary = run
    assert summary.stopped > 0 and summary.withdrawn > 0
    assert summary.stopped + summary.withdrawn <= 2 * OFTEN.stop_request * summary.received  # drawn, some too late
    with factory() as s:
        statuses = Counter(s.scalars(select(Dossier.status)))
        events = list(s.scalars(select(Event).where(Event.type.in_([EventType.STOPPED, EventType.WITHDRAWN]))))
    assert statuses[DossierStatus.STOPPED] == summary.stopped
    assert statuses[DossierStatus.WITHDRAWN] == summary.withdrawn
    assert Counter(e.type for e in events) == {EventType.STOPPED: summary.stopped,
                                               EventType.WITHDRAWN: summary.withdrawn}  # fmt: skip
    for e in events:
        payload = parse_payload(e.type, e.payload)
        assert isinstance(payload, StoppedPayload | WithdrawnPayload)
        assert payload.status_before in (DossierStatus.RECEIVED, DossierStatus.PROCESSING,
                                         DossierStatus.SUPPLEMENT_REQUESTED)  # fmt: skip
    # Nothing happened to them afterwards.
    with factory() as s:
        stopped = {e.dossier_uid: e.hlc for e in events}
        later = s.scalars(select(Event).where(Event.dossier_uid.in_(stopped))).all()
    assert all(e.hlc <= stopped[e.dossier_uid] for e in later)
    text = summary.text()
    assert f"Dừng xử lý, rút hồ sơ:          {summary.stopped + summary.withdrawn} (dừng giải quyết" in text


def test_the_supervisors_figures_count_them_as_ended(run) -> None:
    factory, summary = run
    start, end = summary.first_day, UNTIL.date()
    with factory() as s:
        ended = {d.uid: d.status for d in s.scalars(select(Dossier).where(Dossier.status.in_([7, 8])))}
        figures = kpi(s, start, end).office
        counted = {c.facts.uid: c for c in counted_by_uids(s, start, end, list(ended))}
        on_time = set(figures.on_time.uids)
    assert set(counted) == set(ended)
    for uid, status in ended.items():
        c = counted[uid]
        assert c.facts.end_status == status and c.facts.end_at is not None
        assert c.cls.resolved  # a stop before the due date is an end on time (DOMAIN.md §8)
    assert set(ended) <= on_time and figures.on_time.denominator >= len(ended)


def test_same_seed_same_stops(
    run, tmp_path: Path, template_db: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic by seed: another run of the same seed stops and withdraws the same dossiers."""
    factory, _ = run
    shutil.copy(template_db, tmp_path / "motcua.db")
    again = session_factory(open_database(tmp_path / "motcua.db"))
    monkeypatch.setattr(demo_simulation, "MIX", OFTEN)
    populate(again, catalog, dossiers=300, days=20, seed=SEED, until=UNTIL)

    def stops(f: sessionmaker[Session]) -> list[tuple[str | None, int, date]]:
        with f() as s:
            rows = s.execute(select(Dossier.code, Dossier.status, Dossier.updated_at).where(Dossier.status.in_([7, 8])))
            return sorted((code, status, at.date()) for code, status, at in rows)

    assert stops(again) == stops(factory)
