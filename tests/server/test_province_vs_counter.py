"""The server's figures of one office equal the counter's own (SQLite and PostgreSQL): a realistic
history made by ``motcua demo populate`` (app.services.demo_populate) on a counter, pushed to the server
event by event as the sync would, then the server's ``province_kpi`` / ``province_period_report`` of that
office compared with the counter's ``kpi()`` / ``period_report()`` of the same period — every figure,
every department, field, procedure and officer, 2.2 per procedure, every line of Biểu II.06a. The history
ends with dossiers of the law of 2025: online, by post, and with only papers shown (nothing to scan), so
3.3, 4.2's denominator and II.06a's "Trực tuyến" are compared on every channel."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.catalog import Catalog, Digitise
from app.domain.events import EventType
from app.domain.indicators import Channel, Period
from app.domain.postal import PostalBatchDraft, PostalItem
from app.services.auth import login
from app.services.demo_populate import populate
from app.services.office import this_device
from app.services.postal import sign_batch
from app.services.reports import Dimension, Indicators, kpi, period_report
from app.services.returns import record_result
from app.services.seed import DEMO_ACCOUNTS
from app.store.db import open_database, session_factory
from app.store.db import transaction as local_transaction
from app.store.models import Department as LocalDepartment
from app.store.models import Event, Office
from app.store.models import Officer as LocalOfficer
from app.sync.engine import event_to_wire
from server.db import transaction
from server.models import Department, Officer
from server.sync.attachments import mark_digitised
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
    _law_of_2025(session_factory(engine), catalog)
    engine.dispose()
    return path


def _law_of_2025(factory: sessionmaker[Session], catalog: Catalog) -> None:
    """Online, postal and nothing-to-scan dossiers in both periods, some with a result."""
    from tests.app.test_digitisation import ONLY_SHOWN, _catalog_only_shown, _item
    from tests.app.test_reception import draft, receive

    with local_transaction(factory) as s:
        info = this_device(s)
        assert info is not None
        username, password, *_ = DEMO_ACCOUNTS[0]
        actor = login(s, username, password, info.device_id, UNTIL)
    shown_only = _catalog_only_shown()
    licence = draft(shown_only, ONLY_SHOWN)
    licence = replace(licence, documents=tuple(replace(d, submitted=d.digitise is Digitise.SHOWN)
                                               for d in licence.documents))  # fmt: skip
    for n, day in enumerate((date(2026, 10, 28), date(2026, 11, 10), date(2026, 11, 18))):
        at = datetime.combine(day, time(9, 0))
        online = receive(factory, actor, catalog, replace(draft(catalog, "1.004859"), channel="online"), at).uid
        receive(factory, actor, shown_only, licence, at + timedelta(minutes=5))
        with local_transaction(factory) as s:
            batch, _ = sign_batch(s, actor, PostalBatchDraft("Bưu điện Hạ Long", "Trần Văn Bưu", at, (_item(2 * n),
                                  _item(2 * n + 1))), at + timedelta(minutes=10))  # fmt: skip
        for k in (2 * n, 2 * n + 1):
            postal = replace(draft(catalog, "1.004859"), channel="postal",
                             postal_item=PostalItem(batch.batch_id, _item(k)))  # fmt: skip
            receive(factory, actor, catalog, postal, at + timedelta(minutes=15 + k))
        with local_transaction(factory) as s:
            record_result(s, actor, online, "Giấy xác nhận", at + timedelta(days=1))


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
    # The demo scans (4.2): the counter counts a dossier once a file is attached, the server once the file is
    # stored there — the upload's completion marks them (server/sync/attachments.py, tested with real
    # uploads in the attachment tests); here every file has been uploaded.
    shas = {e["payload"]["sha256"] for e in events if e["type"] == EventType.ATTACHMENT_ADDED.value}
    with srv.tx() as s:
        for sha in shas:
            mark_digitised(s, office.unit_code, sha)
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
    # the law of 2025 (_law_of_2025): dossiers online and by post in the period, and some with nothing to scan
    assert mine.office.channels[Channel.ONLINE].numerator >= 1 and mine.office.channels[Channel.POSTAL].numerator >= 2
    assert 0 < mine.office.digitised.denominator <= mine.office.counted - 2
    assert 0 < mine.office.digitised.numerator < mine.office.digitised.denominator  # demo scans (about 80 %)
    _same(theirs.whole, mine.office, "office")
    for dim, found in ((Dimension.FIELD, theirs.fields), (Dimension.PROCEDURE, theirs.procedures),
                       (Dimension.OFFICER, theirs.officers), (Dimension.DEPARTMENT, theirs.departments)):  # fmt: skip
        wanted = {(g.key, g.name): g for g in mine.groups[dim]}
        keys = {(g.key.removeprefix(f"{unit}/"), g.name): g for g in found}
        assert set(keys) == set(wanted), dim
        for key, group in wanted.items():
            _same(keys[key], group, f"{dim} {key}")

    def lines(levels: Any, total: Any) -> list[tuple[Any, ...]]:
        out = [(g.level, g.level_label, r.field, r.received_total, r.received_online, r.received_direct_postal,
                r.carried_over,
                r.resolved_early, r.resolved_on_time, r.resolved_late, r.in_progress_on_time, r.in_progress_late)
               for g in levels for r in (*g.rows, g.subtotal)]  # fmt: skip
        return [*out, (total.received_total, total.carried_over, total.resolved_total, total.in_progress_total)]

    assert lines(sheet.groups, sheet.total) == lines(report.groups, report.total)
    assert report.total.carried_over > 0 or period.start.month == 11
