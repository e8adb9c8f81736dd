"""After a calendar change the stored 2.2 processing times are worked out again (app.store.processing_refresh):
no stale row left, ``ended_cell`` equal to its definition, the figures equal to the reference and read without
working any time out again, an interruption leaving the batches done committed, and ``motcua calendar`` showing
its progress."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from app.domain.calendar import EntryKind
from app.domain.indicators import calendar_fingerprint
from app.services import reports
from app.services.office import load_calendar, set_calendar_entry
from app.store import processing_refresh
from app.store.db import transaction
from app.store.models import Dossier
from app.store.processing_refresh import count_stale_processing, has_stale_processing, refresh_stale_processing
from app.store.projection import set_processing_columns
from tests.app.test_indicator_summary import START, _consistent, _history, _store, dossier
from tests.app.test_indicators_sql import _check
from tests.app.test_reception import draft, receive

STALE_SQL = "SELECT count(*) FROM dossier WHERE processing_calendar != '' AND processing_calendar != :fp"
PERIOD = (START.date(), START.date() + timedelta(days=90))


def _holiday(factory, day: date) -> None:
    with transaction(factory) as s:
        set_calendar_entry(s, day, EntryKind.HOLIDAY, "Nghỉ bù", "QĐ 1/2026")


def _stale_rows(session) -> int:
    return int(session.execute(text(STALE_SQL), {"fp": calendar_fingerprint(load_calendar(session))}).scalar_one())


def _as_projection_computes(session) -> None:
    """Every ended dossier's stored columns equal what set_processing_columns gives on the current calendar."""
    calendar = load_calendar(session)
    for d in session.scalars(select(Dossier).where(Dossier.ended_at.is_not(None))):
        stored = (d.processing_minutes, d.processing_us, d.processing_calendar)
        set_processing_columns(d, calendar)
        assert stored == (d.processing_minutes, d.processing_us, d.processing_calendar), d.uid
    session.rollback()


def _no_stale_work():
    """The reports' path for a processing time computed on another calendar, made to fail if taken."""
    return mock.patch.object(reports, "_add_stale", side_effect=AssertionError("stale processing time read"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
@given(st.lists(dossier, min_size=1, max_size=8), st.lists(st.integers(0, 60), min_size=1, max_size=2))
def test_a_refresh_after_a_calendar_change_leaves_no_stale_time(template_db, catalog, dossiers, days) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine, factory, actor = _store(template_db, tmp)
        try:
            _history(factory, actor, catalog, dossiers, check_each=False)
            for offset in days:
                _holiday(factory, START.date() + timedelta(days=offset))
            with factory() as s:
                expected = _stale_rows(s)
                assert has_stale_processing(s, load_calendar(s)) == (expected > 0)
                assert count_stale_processing(s, load_calendar(s)) == expected
                calendar = load_calendar(s)
            assert refresh_stale_processing(factory, calendar, batch=3) == expected
            with factory() as s:
                assert _stale_rows(s) == 0
                assert not has_stale_processing(s, calendar)
                _consistent(s)
                _as_projection_computes(s)
                with _no_stale_work():
                    _check(s, *PERIOD)
            assert refresh_stale_processing(factory, calendar) == 0  # idempotent
        finally:
            engine.dispose()


def _ended(factory, actor, catalog, n: int) -> None:
    """``n`` dossiers received a day apart, each with its result two working days later."""
    from app.services.returns import record_result

    for i in range(n):
        at = START + timedelta(days=i, hours=1)
        uid = receive(factory, actor, catalog, draft(catalog, "1.004859"), at).uid
        with transaction(factory) as s:
            record_result(s, actor, uid, "Giấy chứng nhận", at + timedelta(days=2))


def test_the_stale_path_of_the_reports_is_taken_before_the_refresh_and_not_after(factory, actor, catalog) -> None:
    _ended(factory, actor, catalog, 4)
    _holiday(factory, START.date() + timedelta(days=1))
    with factory() as s, _no_stale_work(), pytest.raises(AssertionError, match="stale processing time"):
        reports.kpi(s, *PERIOD)  # the check can fail: without a refresh the reports work the times out again
    with factory() as s:
        calendar = load_calendar(s)
    assert refresh_stale_processing(factory, calendar) == 4
    with factory() as s, _no_stale_work():
        _check(s, *PERIOD)


def test_an_interrupted_refresh_keeps_its_first_batch_and_a_consistent_store(factory, actor, catalog) -> None:
    _ended(factory, actor, catalog, 5)
    _holiday(factory, START.date() + timedelta(days=2))
    with factory() as s:
        calendar = load_calendar(s)
    real, calls = processing_refresh.refresh_batch, []

    def failing(session, *args, **kwargs):
        done = real(session, *args, **kwargs)  # the batch's rows written, then the failure: rolled back
        calls.append(done.count)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return done

    with mock.patch.object(processing_refresh, "refresh_batch", failing), pytest.raises(RuntimeError):
        refresh_stale_processing(factory, calendar, batch=2)
    with factory() as s:
        assert _stale_rows(s) == 3  # batch 1 (2 dossiers) committed, batch 2 rolled back
        _consistent(s)
        _check(s, *PERIOD)
    assert refresh_stale_processing(factory, calendar, batch=2) == 3  # carries on
    with factory() as s:
        assert _stale_rows(s) == 0
        _consistent(s)
        _as_projection_computes(s)


def test_a_refresh_through_a_session_commits_each_batch(factory, actor, catalog) -> None:
    _ended(factory, actor, catalog, 3)
    _holiday(factory, START.date() + timedelta(days=1))
    seen: list[tuple[int, int]] = []
    with factory() as s:
        assert refresh_stale_processing(s, load_calendar(s), batch=2, progress=lambda *p: seen.append(p)) == 3
    assert seen == [(0, 3), (2, 3), (3, 3)]
    with factory() as s:
        assert _stale_rows(s) == 0
        _consistent(s)


def test_the_calendar_command_refreshes_with_progress(template_db, catalog, capsys) -> None:
    from ui.cli import calendar_command

    with tempfile.TemporaryDirectory() as tmp:
        engine, factory, actor = _store(template_db, tmp)
        try:
            _ended(factory, actor, catalog, 3)
        finally:
            engine.dispose()
        code = calendar_command(["add", "--date", "2027-01-02", "--kind", "holiday", "--name", "Nghỉ bù",
                                 "--ref", "QĐ 1/2027"], Path(tmp))  # fmt: skip
        out = capsys.readouterr().out
        assert code == 0
        assert "Đang tính lại thời gian giải quyết theo lịch mới: 0/3 hồ sơ" in out
        assert "Đang tính lại thời gian giải quyết theo lịch mới: 3/3 hồ sơ" in out
        assert "Đã tính lại thời gian giải quyết của 3 hồ sơ theo lịch mới." in out
        from app.store.db import open_database, session_factory

        engine = open_database(Path(tmp) / "motcua.db")
        try:
            with session_factory(engine)() as s:
                assert _stale_rows(s) == 0
                _consistent(s)
        finally:
            engine.dispose()
        assert calendar_command(["remove", "--date", "2027-01-02"], Path(tmp)) == 0
        assert "3/3 hồ sơ" in capsys.readouterr().out


def test_a_store_with_nothing_ended_has_nothing_to_refresh(factory) -> None:
    with factory() as s:
        assert not has_stale_processing(s, load_calendar(s))
        assert refresh_stale_processing(s, load_calendar(s)) == 0
