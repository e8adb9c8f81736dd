"""The per-day summary of the ended dossiers (client migration 0016, ``ended_cell``): the triggers keep it
equal to its definition after every kind of write, and the figures read through it equal the reference
(each dossier's events through ``classify``) on random histories — edits after the end (a rating, a file,
an earlier end pulled from another counter), carried-over dossiers, a renamed procedure, a calendar change."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.domain.calendar import EntryKind
from app.domain.catalog import Catalog
from app.domain.events import new_id
from app.services.auth import login
from app.services.office import load_calendar, set_calendar_entry, this_device
from app.services.reception import refuse
from app.services.reports import _ASIF_KEY_SQL, kpi, period_report, reference_kpi
from app.services.returns import record_result
from app.services.seed import DEMO_ACCOUNTS
from app.store.db import open_database, session_factory, transaction
from app.store.models import Event
from app.store.projection import apply_event
from tests.app.test_indicators_sql import _check, check_spans, service_step
from tests.app.test_reception import draft, receive

START = datetime(2026, 10, 5, 7)  # a Monday
PROCEDURES = ("1.004859", "2.000635", "3.000333")  # 3 working days, same day (15:00 cut-off), 10 calendar days
STEPS = ("result", "supplement", "back", "extend", "rate", "attach", "earlier_end", "delete")

step = st.tuples(st.sampled_from(STEPS), st.integers(0, 20 * 24 * 60))
dossier = st.tuples(
    st.integers(0, 60 * 24 * 60),  # received, minutes after START
    st.sampled_from(PROCEDURES),
    st.booleans(),  # refused at reception
    st.booleans(),  # received under the procedure's new name (the catalog renamed it)
    st.lists(step, max_size=5),
)
periods = st.lists(st.tuples(st.integers(0, 90), st.integers(0, 60)), min_size=1, max_size=3)
holidays = st.lists(st.integers(0, 80), max_size=2)  # days after START made holidays, after the histories

SUMMARY_SQL = "SELECT day, key, calendar, n, first_key, minutes, us FROM ended_cell ORDER BY 1, 2, 3"
DEFINITION_SQL = f"""SELECT substr(d.ended_at, 1, 10), {_ASIF_KEY_SQL}, d.processing_calendar, count(*),
  min(d.received_at || d.code), sum(coalesce(d.processing_minutes, 0)), sum(max(coalesce(d.processing_us, 0), 0))
FROM dossier d WHERE d.code IS NOT NULL AND d.ended_at IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
DIGITISED_SQL = """SELECT count(*) FROM dossier d
WHERE d.digitised != EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_uid = d.uid)"""


def _consistent(session) -> None:
    """``ended_cell`` and ``dossier.digitised`` equal their definitions."""
    assert session.execute(text(SUMMARY_SQL)).all() == session.execute(text(DEFINITION_SQL)).all()
    assert session.execute(text(DIGITISED_SQL)).scalar() == 0


def renamed(catalog: Catalog) -> Catalog:
    """The catalog with every procedure of PROCEDURES under a new name (a catalog update)."""
    procedures = [replace(p, name=f"{p.name} (sửa đổi)") if p.code in PROCEDURES else p for p in catalog.procedures]
    return Catalog(catalog.version, catalog.legal_note, catalog.departments, procedures, catalog.units)


_SEQ = itertools.count(1)


def _pulled(uid: str, unit: str, kind: str, at: datetime, payload: dict) -> Event:
    """An event of another counter, as the sync engine stores and folds a pulled one."""
    return Event(id=new_id(), device_id="other-counter", device_seq=next(_SEQ), type=kind, dossier_uid=uid,
                 base_version=0, officer_id="o2", officer_name="Cán bộ quầy 2", occurred_at=at,
                 hlc=f"{at:%Y%m%d%H%M%S}:0:o", payload={"unit_code": unit, **payload}, sync_status="remote",
                 conflict_ids=[])  # fmt: skip


def _fold(factory, event: Event) -> None:
    with transaction(factory) as s:
        s.add(event)
        s.flush()
        apply_event(s, event)


def _step(factory, actor, uid: str, unit: str, kind: str, now: datetime) -> None:
    if kind == "rate":
        rated = {"rating": "dissatisfied", "source": "officer", "rated_at": now.isoformat()}
        _fold(factory, _pulled(uid, unit, "dossier.rated", now, rated))
    elif kind == "attach":
        _fold(factory, _pulled(uid, unit, "dossier.attachment_added", now,
                               {"sha256": "a" * 64, "size": 10, "pages": 1, "name": "Tờ khai"}))  # fmt: skip
    elif kind == "earlier_end":  # another counter's result, pulled late, ended it two days earlier
        with factory() as s:
            ended = s.execute(text("SELECT ended_at FROM dossier WHERE uid = :u"), {"u": uid}).scalar()
        at = datetime.fromisoformat(ended) - timedelta(days=2) if ended else now
        _fold(factory, _pulled(uid, unit, "dossier.result_recorded", at, {"result": "Giấy chứng nhận"}))
    elif kind == "delete":  # a row removed by hand (a repair): the summary follows it
        with transaction(factory) as s:
            s.execute(text("DELETE FROM dossier WHERE uid = :u"), {"u": uid})
    else:
        with transaction(factory) as s:
            service_step(s, actor, load_calendar(s), uid, kind, now)


def _history(factory, actor, catalog, dossiers, check_each: bool) -> None:
    new_names = renamed(catalog)
    for received, code, refused, rename, steps in dossiers:
        now = START + timedelta(minutes=received)
        cat = new_names if rename else catalog
        if refused:
            with transaction(factory) as s:
                refuse(s, actor, cat, draft(cat, code), "Không thuộc thẩm quyền", now)
            continue
        summary = receive(factory, actor, cat, draft(cat, code), now)
        for kind, after in steps:
            now += timedelta(minutes=after)
            _step(factory, actor, summary.uid, actor.unit_code, kind, now)
            if check_each:
                with factory() as s:
                    _consistent(s)


def _store(template_db: Path, tmp: str):
    path = Path(tmp) / "motcua.db"
    shutil.copy(template_db, path)
    engine = open_database(path)
    factory = session_factory(engine)
    with transaction(factory) as s:
        info = this_device(s)
        assert info is not None
        username, password, *_ = DEMO_ACCOUNTS[0]
        actor = login(s, username, password, info.device_id, START)
    return engine, factory, actor


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
@given(st.lists(dossier, min_size=1, max_size=6))
def test_the_summary_equals_its_definition_after_every_write(template_db, catalog, dossiers) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine, factory, actor = _store(template_db, tmp)
        try:
            _history(factory, actor, catalog, dossiers, check_each=True)
            with transaction(factory) as s:  # a calendar change recomputes nothing: rows keep their fingerprint
                set_calendar_entry(s, date(2026, 10, 7), EntryKind.HOLIDAY, "Nghỉ bù", "QĐ 1/2026")
            with factory() as s:
                _consistent(s)
        finally:
            engine.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
@given(st.lists(dossier, min_size=1, max_size=8), periods, holidays)
# An earlier result pulled after the end (its moment before the receipt, weeks later): the weekly trend counted it
# on time in its end week without counting it there (1/0); found by this test, kept as an example.
@example([(9660, "1.004859", False, False, [("result", 0), ("earlier_end", 0)])], [(0, 49)], [0])
def test_figures_through_the_summary_equal_the_reference(template_db, catalog, dossiers, spans, days) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine, factory, actor = _store(template_db, tmp)
        try:
            _history(factory, actor, catalog, dossiers, check_each=False)
            for offset in days:
                with transaction(factory) as s:
                    set_calendar_entry(s, START.date() + timedelta(days=offset), EntryKind.HOLIDAY, "Nghỉ bù",
                                       "QĐ 1/2026")  # fmt: skip
            with factory() as s:
                check_spans(s, spans)
        finally:
            engine.dispose()


def test_a_renamed_procedure_keeps_the_name_of_its_first_dossier_after_a_carried_over_one(
    factory, actor, catalog
) -> None:
    """2.2's procedure name is that of the first dossier received in the period among those it counts: a
    dossier received before the period under the old name, ended in it, must not lend it its name (its as-if
    cell in the summary would still hold its key)."""
    new_names = renamed(catalog)
    code = PROCEDURES[2]  # 10 calendar days: the three end early, in one class
    day = datetime(2026, 11, 2, 8)  # a Monday; the period is November
    carried = receive(factory, actor, catalog, draft(catalog, code), day - timedelta(days=5)).uid  # old name
    first = receive(factory, actor, new_names, draft(new_names, code), day).uid  # new name
    later = receive(factory, actor, catalog, draft(catalog, code), day + timedelta(hours=1)).uid  # old name again
    with transaction(factory) as s:
        for uid in (carried, first, later):
            record_result(s, actor, uid, "Giấy chứng nhận", day + timedelta(hours=3))
    with factory() as s:
        _consistent(s)
        november = (date(2026, 11, 1), date(2026, 11, 30))
        new, ref = kpi(s, *november), reference_kpi(s, *november)
        assert [p.procedure_name for p in new.office.processing] == [p.procedure_name for p in ref.office.processing]
        assert new.office.processing[0].procedure_name.endswith("(sửa đổi)")
        assert new.office.processing == ref.office.processing


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40 * 24 * 60 * 60), st.integers(0, 20 * 24 * 60 * 60), st.lists(st.integers(0, 45), max_size=4))
def test_the_working_clock_counts_the_minutes_of_the_calendar(start, length, off) -> None:
    """After a calendar change the processing times of the period's ended dossiers are worked out again in bulk
    (reports._WorkingClock): the same minutes as app.domain.custody.working_minutes_between, holidays,
    weekends, breaks and moments outside office hours included."""
    from app.domain.calendar import CalendarEntry, WorkingCalendar
    from app.domain.custody import working_minutes_between
    from app.domain.indicators import Period
    from app.services.reports import _WorkingClock

    entries = [CalendarEntry(START.date() + timedelta(days=d), EntryKind.HOLIDAY, "Nghỉ bù", "QĐ 1") for d in set(off)]
    calendar = WorkingCalendar(entries=entries)
    a = START + timedelta(seconds=start, microseconds=start % 7 * 1000)
    b = a + timedelta(seconds=length)
    clock = _WorkingClock(calendar, Period(START.date(), START.date() + timedelta(days=50)))
    assert clock.minutes(a, b) == working_minutes_between(calendar, a, b)
    assert clock.minutes(b, a) == working_minutes_between(calendar, b, a)


def test_migration_0016_fills_the_summary_and_downgrade_removes_it(template_db, catalog, tmp_path) -> None:
    """On a demo store with results, returns, supplements and files: down to 0015 (no summary, no column, no
    triggers), up again (the back-fill equals the definition; the figures equal the reference), and the
    triggers keep it from then on."""
    import sqlite3

    from app.services.demo_populate import populate
    from app.store.db import current_revision
    from tests.app.test_legal_basis_migration import migrate

    path = tmp_path / "motcua.db"
    shutil.copy(template_db, path)
    engine = open_database(path)
    populate(session_factory(engine), catalog, dossiers=60, days=20, seed=5, until=datetime(2026, 11, 23, 15))
    migrate(engine, "0015", down=True)
    engine.dispose()
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        columns = {r[1] for r in conn.execute("PRAGMA table_info(dossier)")}
    assert current_revision(path) == "0015"
    assert not {"ended_cell", "ix_dossier_carried", "ended_cell_au", "attachment_digitised_ai"} & names
    assert "digitised" not in columns
    engine = open_database(path)
    factory = session_factory(engine)
    try:
        with factory() as s:
            assert s.execute(text("SELECT count(*) FROM ended_cell")).scalar()
            _consistent(s)
            _check(s, date(2026, 11, 1), date(2026, 11, 23))
    finally:
        engine.dispose()


def test_carried_over_dossiers_edited_after_their_end(factory, actor, catalog) -> None:
    """Received in October, ended in November: November counts them carried over (the summary holds them as
    if received in November). Edits after the end move them between cells — a dissatisfied rating, a file,
    an earlier end pulled from another counter (into October: no longer counted in November), a later one
    (ignored: the first end stands)."""
    unit = actor.unit_code
    uids = [receive(factory, actor, catalog, draft(catalog, code), datetime(2026, 10, 26 + i, 9)).uid
            for i, code in enumerate(PROCEDURES * 2)]  # fmt: skip
    fresh = receive(factory, actor, catalog, draft(catalog, PROCEDURES[2]), datetime(2026, 11, 2, 9)).uid
    with transaction(factory) as s:
        for i, uid in enumerate([*uids, fresh]):
            record_result(s, actor, uid, "Giấy chứng nhận", datetime(2026, 11, 3 + i, 10))
    periods = [(date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 10, 1), date(2026, 11, 30)),
               (date(2026, 11, 4), date(2026, 11, 6)), (date(2026, 10, 27), date(2026, 11, 3))]  # fmt: skip

    def check() -> None:
        with factory() as s:
            _consistent(s)
            for start, end in periods:
                _check(s, start, end)

    check()
    _step(factory, actor, uids[0], unit, "rate", datetime(2026, 11, 20, 9))
    _step(factory, actor, uids[1], unit, "attach", datetime(2026, 11, 20, 9))
    check()
    _fold(factory, _pulled(uids[2], unit, "dossier.result_recorded", datetime(2026, 10, 30, 15), {"result": "Có"}))
    _fold(factory, _pulled(uids[3], unit, "dossier.result_recorded", datetime(2026, 11, 25, 15), {"result": "Có"}))
    check()
    with factory() as s:
        report = period_report(s, date(2026, 11, 1), date(2026, 11, 30))
    assert (report.total.carried_over, report.total.resolved_total) == (5, 6)
