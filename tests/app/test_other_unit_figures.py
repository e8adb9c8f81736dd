"""A handling unit's store holds the dossiers it decides for other offices (issue 16, pulled from the
server's feed): its register and its figures are those of its own receptions (app.services.reports,
app.services.register)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.domain.events import new_id
from app.services.drafts import ReceptionDraft, checklist
from app.services.indicator_weeks import on_time_by_week
from app.services.office import load_calendar
from app.services.reception import receive_dossier
from app.services.register import build_register
from app.services.reports import counted_dossiers, kpi, late_dossiers, period_report, reference_kpi
from app.store.db import transaction
from app.store.models import Dossier, Event
from app.store.projection import apply_event
from tests.app.test_reception import APPLICANT
from tests.conftest import NOW

COMMUNE = "000.01.21.H49"  # UBND phường Hạ Long (DEMO): received the dossier, decided here
PROCEDURE = "2.000635"


def _draft(catalog) -> ReceptionDraft:
    procedure = catalog.get(PROCEDURE)
    docs = tuple(dataclasses.replace(d, submitted=True) for d in checklist(procedure))
    return ReceptionDraft(PROCEDURE, APPLICANT, docs)


def _pulled_from_the_commune(factory, actor, catalog, at: datetime) -> tuple[str, str]:
    """A reception the commune made, decided by this office, stored as the sync engine stores a pulled
    event (its payload made by the real service, then rolled back here and put under the commune)."""
    with factory() as s:
        summary, _ = receive_dossier(s, actor, catalog, load_calendar(s), _draft(catalog), at)
        payload = dict(s.scalars(select(Event.payload).where(Event.dossier_uid == summary.uid)).one())
        s.rollback()
    code = f"{COMMUNE}-{at:%y%m%d}-0007"
    payload |= {"unit_code": COMMUNE, "code": code, "counter_name": "Quầy số 01", "daily_seq": 7}
    payload["procedure"] = dict(payload["procedure"]) | {"handling_unit": actor.unit_code,
                                                         "handling_unit_name": actor.office_name}  # fmt: skip
    uid = new_id()
    event = Event(id=new_id(), device_id="commune-counter", device_seq=1, type="dossier.received", dossier_uid=uid,
                  base_version=0, officer_id="o-commune", officer_name="Nguyễn Thị Thuỳ Dương", occurred_at=at,
                  hlc="0000000000001:00000:commune-counter", payload=payload, sync_status="remote",
                  conflict_ids=[])  # fmt: skip
    with transaction(factory) as s:
        s.add(event)
        assert apply_event(s, event) is not None
    return uid, code


def test_the_register_and_the_figures_are_the_offices_own_receptions(factory, actor, catalog) -> None:
    with transaction(factory) as s:
        own, _ = receive_dossier(s, actor, catalog, load_calendar(s), _draft(catalog), NOW)
    other_uid, other_code = _pulled_from_the_commune(factory, actor, catalog, NOW + timedelta(minutes=5))
    with factory() as s:
        row = s.scalars(select(Dossier).where(Dossier.uid == other_uid)).one()
        assert (row.unit_code, row.handling_unit) == (COMMUNE, actor.unit_code)  # held here, decided here
        day = NOW.date()
        register = build_register(s, day, day, NOW + timedelta(hours=1))
        assert [r.code for r in register.rows] == [own.code]  # the book of the receiving one-stop shop
        later = date(2027, 1, 29)  # both overdue and open by then: in every figure but for the office
        for start, end in ((day, day), (day, later)):
            figures = kpi(s, start, end)
            assert figures.office.counted == 1
            assert figures.office.channels[next(iter(figures.office.channels))].denominator == 1  # Tiếp nhận
            assert (*figures.office.on_time.uids, *figures.office.late.uids) == (own.uid,)  # behind the figures
            assert reference_kpi(s, start, end).office.counted == 1
            assert [c.facts.uid for c in counted_dossiers(s, start, end)] == [own.uid]
            total = period_report(s, start, end).total
            assert (total.received_total, total.in_progress_total) == (1, 1)
            assert {w.on_time.denominator for w in on_time_by_week(s, start, end)} == {1}  # the trend chart
        assert [x.code for x in late_dossiers(s, day, later)] == [own.code]
        assert other_code not in {x.code for x in late_dossiers(s, day, later)}
