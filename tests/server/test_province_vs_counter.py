"""The server's figures of one office equal the counter's own (SQLite and PostgreSQL): a realistic
history made by ``motcua demo populate`` (app.services.demo_populate) on a counter, pushed to the server
event by event as the sync would, then the server's ``province_kpi`` / ``province_period_report`` of that
office compared with the counter's ``kpi()`` / ``period_report()`` of the same period — every figure,
every department, field, procedure and officer, 2.2 per procedure, every line of Biểu II.06a."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.catalog import Catalog
from app.domain.indicators import Channel, Period
from app.services.demo_populate import populate
from app.services.reports import Dimension, Indicators, kpi, period_report
from app.store.db import open_database, session_factory
from app.store.models import Department as LocalDepartment
from app.store.models import Event, Office
from app.store.models import Officer as LocalOfficer
from app.sync.engine import event_to_wire
from server.db import transaction
from server.models import Department, Officer
from server.sync.indicators import ProvinceIndicators, province_kpi
from server.sync.period_report import province_period_report
from server.sync.push import Pusher, parse_batch, push
from tests.server.conftest import Srv

UNTIL = datetime(2026, 11, 23, 15, 0)
PERIODS = [Period(date(2026, 10, 19), date(2026, 11, 20)), Period(date(2026, 11, 1), date(2026, 11, 30))]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, template_db: Path, catalog: Catalog) -> Path:
    """A counter's store with 400 dossiers over 45 working days (made once for the module)."""
    path = tmp_path_factory.mktemp("h2-demo") / "motcua.db"
    shutil.copy(template_db, path)
    engine = open_database(path)
    populate(session_factory(engine), catalog, dossiers=400, days=45, seed=7, until=UNTIL)
    engine.dispose()
    return path


def _push_history(srv: Srv, local: Session) -> str:
    """The counter's office, officers and departments on the server, then its events pushed in order."""
    office = local.scalars(select(Office)).one()
    srv.office(office.unit_code)
    with srv.tx() as s:
        for o in local.scalars(select(LocalOfficer)):
            s.add(Officer(id=o.id, username=o.username, full_name=o.full_name, role=o.role, unit_code=o.unit_code,
                          password_hash="-", active=True, created_at=srv.clock()))  # fmt: skip
        for d in local.scalars(select(LocalDepartment)):
            s.add(Department(scope=office.unit_code, code=d.code, name=d.name, level=d.level or ""))
    events = [event_to_wire(e).model_dump(mode="json") for e in local.scalars(select(Event).order_by(Event.device_seq))]
    pusher = Pusher(office.unit_code, events[0]["device_id"], 0, datetime(2026, 11, 23, 9, tzinfo=UTC),
                    srv.backend == "postgresql")  # fmt: skip
    for i in range(0, len(events), 500):
        with transaction(srv.ctx.factory) as s:
            results = push(
                s, pusher, parse_batch({"device_id": pusher.device_id, "events": events[i : i + 500]})
            ).results
        assert all(r.status in ("accepted", "flagged") for r in results), [r for r in results if r.status == "rejected"]
    return office.unit_code


def _same(server: ProvinceIndicators, local: Indicators, what: str) -> None:
    pairs: list[tuple[str, Any, Any]] = [
        ("counted", server.counted, local.counted),
        ("2.1", (server.on_time.numerator, server.on_time.denominator),
         (local.on_time.numerator, local.on_time.denominator)),
        ("2.1 score", server.on_time_score, local.on_time_score),
        ("late", server.late.numerator, local.late.numerator),
        ("4.2", (server.digitised.numerator, server.digitised.denominator),
         (local.digitised.numerator, local.digitised.denominator)),
        ("5.4", (server.dissatisfied.numerator, server.satisfaction, server.satisfaction_score),
         (local.dissatisfied.numerator, local.satisfaction, local.satisfaction_score)),
        ("3.3", {ch: (r.numerator, r.denominator) for ch, r in server.channels.items()},
         {ch: (r.numerator, r.denominator) for ch, r in local.channels.items()}),
        ("2.2", [(p.procedure_code, p.procedure_name, p.unit, p.finished, p.average, p.legal, p.faster_percent)
                 for p in server.processing],
         [(p.procedure_code, p.procedure_name, p.unit, p.finished, p.average, p.legal, p.faster_percent)
          for p in local.processing]),
    ]  # fmt: skip
    for name, got, want in pairs:
        assert got == want, f"{what} {name}: server {got} != counter {want}"


@pytest.mark.parametrize("period", PERIODS, ids=["carried-over", "month"])
def test_the_server_counts_an_office_as_its_counter(srv: Srv, history: Path, period: Period) -> None:
    engine = open_database(history)
    try:
        with session_factory(engine)() as local:
            unit = _push_history(srv, local)
            mine = kpi(local, period.start, period.end)
            report = period_report(local, period.start, period.end)
    finally:
        engine.dispose()
    with srv.session() as s:
        theirs = province_kpi(s, period, [unit])
        sheet = province_period_report(s, period, [unit])

    assert mine.office.counted > 150 and mine.office.late.numerator > 0 and mine.office.processing
    assert mine.office.channels[Channel.DIRECT].denominator > 0
    _same(theirs.whole, mine.office, "office")
    for dim, found in ((Dimension.FIELD, theirs.fields), (Dimension.PROCEDURE, theirs.procedures),
                       (Dimension.OFFICER, theirs.officers), (Dimension.DEPARTMENT, theirs.departments)):  # fmt: skip
        wanted = {(g.key, g.name): g for g in mine.groups[dim]}
        keys = {(g.key.removeprefix(f"{unit}/"), g.name): g for g in found}
        assert set(keys) == set(wanted), dim
        for key, group in wanted.items():
            _same(keys[key], group, f"{dim} {key}")

    def lines(levels: Any, total: Any) -> list[tuple[Any, ...]]:
        out = [(g.level, g.level_label, r.field, r.received_total, r.received_direct_postal, r.carried_over,
                r.resolved_early, r.resolved_on_time, r.resolved_late, r.in_progress_on_time, r.in_progress_late)
               for g in levels for r in (*g.rows, g.subtotal)]  # fmt: skip
        return [*out, (total.received_total, total.carried_over, total.resolved_total, total.in_progress_total)]

    assert lines(sheet.groups, sheet.total) == lines(report.groups, report.total)
    assert report.total.carried_over > 0 or period.start.month == 11
