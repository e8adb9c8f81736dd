"""The figures counted in SQL over the projection's columns equal the reference (each dossier's events
through ``classify`` in Python), on random histories made through the real services."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import fields
from datetime import date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from app.domain.indicators import DossierClass, Period, classify, week_spans
from app.errors import UserFacingError
from app.services.auth import login
from app.services.indicator_weeks import on_time_by_week
from app.services.office import load_calendar, set_calendar_entry, this_device
from app.services.reception import refuse
from app.services.reports import (
    Dimension,
    Figure,
    counted_dossiers,
    dossiers_behind,
    kpi,
    period_report,
    reference_counted_dossiers,
    reference_kpi,
    reference_period_report,
)
from app.services.results import extend_due_date, receive_supplement, request_supplement_after_reception
from app.services.returns import record_result
from app.services.seed import DEMO_ACCOUNTS
from app.store.db import open_database, session_factory, transaction
from app.store.models import Dossier
from tests.app.test_reception import draft, receive

START = datetime(2026, 10, 5, 7)  # a Monday
PROCEDURES = ("1.004859", "2.000635", "3.000333")  # 3 working days, same day (15:00 cut-off), 10 calendar days
STEPS = ("result", "supplement", "back", "extend")

step = st.tuples(st.sampled_from(STEPS), st.integers(0, 20 * 24 * 60))
dossier = st.tuples(
    st.integers(0, 60 * 24 * 60),  # received, minutes after START
    st.sampled_from(PROCEDURES),
    st.booleans(),  # refused at reception
    st.lists(step, max_size=5),
)
periods = st.lists(st.tuples(st.integers(0, 90), st.integers(0, 60)), min_size=1, max_size=3)


def _indicators_equal(new, ref) -> None:
    for f in fields(ref):
        a, b = getattr(new, f.name), getattr(ref, f.name)
        if f.name == "processing":
            assert len(a) == len(b)
            for pa, pb in zip(a, b, strict=True):
                assert pa == pb
        else:
            assert a == b, f.name


def _check(session, start: date, end: date) -> None:
    ref_items = reference_counted_dossiers(session, start, end)
    items = counted_dossiers(session, start, end)
    assert [(c.facts, c.cls, c.carried_over) for c in items] == [(c.facts, c.cls, c.carried_over) for c in ref_items]
    assert period_report(session, start, end) == reference_period_report(session, start, end)
    _check_weeks(session, start, end, ref_items)
    new, ref = kpi(session, start, end), reference_kpi(session, start, end)
    _indicators_equal(new.office, ref.office)
    assert set(new.groups) == set(ref.groups)
    for dim in ref.groups:
        assert [(g.key, g.name) for g in new.groups[dim]] == [(g.key, g.name) for g in ref.groups[dim]]
        for a, b in zip(new.groups[dim], ref.groups[dim], strict=True):
            _indicators_equal(a, b)


def check_spans(session, spans) -> None:
    """:func:`_check` for each (days after START, length in days) of ``spans``."""
    for offset, length in spans:
        start = START.date() + timedelta(days=offset)
        _check(session, start, start + timedelta(days=length))


def _check_weeks(session, start: date, end: date, ref_items) -> None:
    """2.1 week by week (the trend chart) equals classify() over the period's dossiers, week by week."""
    calendar = load_calendar(session)
    expected = []
    for ws, we in week_spans(start, end):
        classes = [k for c in ref_items if (k := classify(c.facts, ws, we, calendar)) is not DossierClass.NOT_COUNTED]
        expected.append((ws, we, sum(k.on_time for k in classes), len(classes)))
    weeks = on_time_by_week(session, start, end)
    assert [(w.start, w.end, w.on_time.numerator, w.on_time.denominator) for w in weeks] == expected


def _history(factory, actor, catalog, dossiers) -> None:
    calendar = None
    for received, code, refused, steps in dossiers:
        now = START + timedelta(minutes=received)
        if refused:
            with transaction(factory) as s:
                refuse(s, actor, catalog, draft(catalog, code), "Không thuộc thẩm quyền", now)
            continue
        uid = receive(factory, actor, catalog, draft(catalog, code), now).uid
        for kind, after in steps:
            now += timedelta(minutes=after)
            with transaction(factory) as s:
                calendar = calendar or load_calendar(s)
                service_step(s, actor, calendar, uid, kind, now)


def service_step(s, actor, calendar, uid: str, kind: str, now: datetime) -> None:
    """One step of a random history through the services (result, supplement, back, else a due-date extension);
    a step the dossier's state refuses is rolled back and skipped."""
    try:
        if kind == "result":
            record_result(s, actor, uid, "Giấy chứng nhận", now)
        elif kind == "supplement":
            request_supplement_after_reception(s, actor, calendar, uid, ["Bản sao CCCD"], "Thiếu", now)
        elif kind == "back":
            receive_supplement(s, actor, calendar, uid, now)
        else:
            extend_due_date(s, actor, calendar, uid, now + timedelta(days=3), "Chậm xác minh", now)
    except UserFacingError:
        s.rollback()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
@given(st.lists(dossier, min_size=1, max_size=8), periods)
def test_sql_figures_equal_the_reference(template_db, catalog, dossiers, spans) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "motcua.db"
        shutil.copy(template_db, path)
        engine = open_database(path)
        factory = session_factory(engine)
        try:
            with transaction(factory) as s:
                info = this_device(s)
                assert info is not None
                username, password, *_ = DEMO_ACCOUNTS[0]
                actor = login(s, username, password, info.device_id, START)
            _history(factory, actor, catalog, dossiers)
            with factory() as s:
                check_spans(s, spans)
        finally:
            engine.dispose()


def test_two_supplements_refusal_and_click_through(factory, actor, catalog) -> None:
    """Hand-made: a second supplement request makes a dossier late (classified in Python); a refusal at
    the counter gets no code and is not counted; the uids behind a figure are read when asked for."""
    now = datetime(2026, 11, 23, 9, 15)
    two = receive(factory, actor, catalog, draft(catalog, "1.004859"), now).uid
    done = receive(factory, actor, catalog, draft(catalog, "1.004859"), now + timedelta(minutes=5)).uid
    with transaction(factory) as s:
        refused = refuse(s, actor, catalog, draft(catalog, "1.004859"), "Không thuộc thẩm quyền", now)[0].uid
    with transaction(factory) as s:
        cal = load_calendar(s)
        request_supplement_after_reception(s, actor, cal, two, ["CCCD"], "Thiếu", datetime(2026, 11, 24, 8))
        receive_supplement(s, actor, cal, two, datetime(2026, 11, 25, 8))
        request_supplement_after_reception(s, actor, cal, two, ["Ảnh"], "Thiếu", datetime(2026, 11, 26, 8))
        record_result(s, actor, done, "Giấy chứng nhận", datetime(2026, 11, 25, 10))
    with factory() as s:
        row = s.scalars(select(Dossier).where(Dossier.uid == two)).one()
        assert (row.supplement_count, row.supplement1_requested_at, row.supplement1_completed_at,
                row.supplement2_requested_at) == (2, datetime(2026, 11, 24, 8), datetime(2026, 11, 25, 8),
                                                  datetime(2026, 11, 26, 8))  # fmt: skip
        # Waiting for the second supplement at the end of November: resolved, late (two requests).
        items = {c.facts.uid: c.cls for c in counted_dossiers(s, date(2026, 11, 1), date(2026, 11, 30))}
        assert refused and items == {two: DossierClass.LATE, done: DossierClass.EARLY}
        report = kpi(s, date(2026, 11, 1), date(2026, 11, 30))
        on_time = report.office.on_time
        assert (on_time.numerator, on_time.denominator) == (1, 2)
        assert on_time.uids == (done,)
        assert report.office.late.uids == (two,)
        period = Period(date(2026, 11, 1), date(2026, 11, 30))
        assert dossiers_behind(s, period, Figure.LATE) == (two,)
        (proc,) = report.office.processing
        # Done: Mon 09:20 → Wed 10:00, 24/11 off: 5 h 40 + 3 h = 520 min = 1.08 working days.
        assert (proc.finished, proc.average, tuple(proc.uids)) == (1, 1.08, (done,))
        (dept,) = report.groups[Dimension.DEPARTMENT]
        assert dossiers_behind(s, period, Figure.ON_TIME, (Dimension.DEPARTMENT, dept.key, dept.name)) == (done,)
        assert dossiers_behind(s, period, Figure.COUNTED) == (two, done)  # received 09:15, 09:20


def test_a_processing_time_worked_out_on_an_older_calendar_is_recomputed(factory, actor, catalog) -> None:
    now = datetime(2026, 11, 23, 9, 15)
    uid = receive(factory, actor, catalog, draft(catalog, "1.004859"), now).uid
    with transaction(factory) as s:
        record_result(s, actor, uid, "Giấy chứng nhận", datetime(2026, 11, 27, 10))
    with transaction(factory) as s:
        set_calendar_entry(s, date(2026, 11, 26), _holiday(), "Nghỉ bù", "QĐ 1/2026")
    with factory() as s:
        stale = s.execute(text("SELECT processing_calendar FROM dossier")).scalar()
        assert stale  # computed on the calendar of the day
        new = kpi(s, date(2026, 11, 1), date(2026, 11, 30))
        ref = reference_kpi(s, date(2026, 11, 1), date(2026, 11, 30))
        assert new.office.processing == ref.office.processing
        # Mon 09:15 → Fri 10:00 with 24/11 and 26/11 off: 25/11 (8 h) + 23/11 (5 h 45) + 27/11 (3 h) = 2.09 days.
        assert new.office.processing[0].average == 2.09


def _holiday():
    from app.domain.calendar import EntryKind

    return EntryKind.HOLIDAY
