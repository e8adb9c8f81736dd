"""Client migration 0012: the class of an ended dossier kept on its row by the projection, filled by the
migration's back-fill with the same rule (app.domain.indicators.ended_class), and read by the indicators."""

from __future__ import annotations

import importlib
from datetime import date, datetime

from sqlalchemy import select, text

from app.domain.indicators import DossierClass, ended_class
from app.domain.status import DossierStatus
from app.services.office import load_calendar
from app.services.reports import counted_dossiers, kpi, reference_counted_dossiers, reference_kpi
from app.services.results import receive_supplement, request_supplement_after_reception
from app.services.returns import record_result
from app.store.db import transaction
from app.store.models import Dossier
from tests.app.test_reception import draft, receive

MONDAY = datetime(2026, 11, 23, 9, 15)
migration = importlib.import_module("app.store.migrations.versions.0012_ended_class")
READY = int(DossierStatus.RESULT_READY)


def test_the_class_of_an_ended_dossier() -> None:
    due = datetime(2026, 11, 27, 17)
    assert ended_class(None, None, due, None, None, None) is None  # open
    assert ended_class(datetime(2026, 11, 26, 9), READY, due, None, None, None) == 1
    assert ended_class(datetime(2026, 11, 27, 20), READY, due, None, None, None) == 2  # the same day
    assert ended_class(datetime(2026, 11, 28, 8), READY, due, None, None, None) == 3
    assert ended_class(datetime(2026, 11, 28, 8), int(DossierStatus.REFUSED), due, None, None, None) == 2
    assert ended_class(datetime(2026, 11, 28, 8), READY, None, None, None, None) == 2
    # Two days of supplement taken off the end: on time; a second request before the end: late.
    r1, c1 = datetime(2026, 11, 24, 8), datetime(2026, 11, 26, 8)
    assert ended_class(datetime(2026, 11, 29, 8), READY, due, r1, c1, None) == 2
    assert ended_class(datetime(2026, 11, 25, 8), READY, due, r1, c1, datetime(2026, 11, 24, 9)) == 3
    # A request after the end does not count; one before it never completed: the period decides.
    assert ended_class(datetime(2026, 11, 25, 8), READY, due, datetime(2026, 11, 25, 9), None, None) == 1
    assert ended_class(datetime(2026, 11, 25, 8), READY, due, r1, None, None) is None


def _classes(factory) -> dict[str, int | None]:
    with factory() as s:
        return {d.uid: d.ended_class for d in s.scalars(select(Dossier))}


def test_the_projection_and_the_backfill_keep_the_class_and_the_figures_read_it(factory, actor, catalog) -> None:
    early = receive(factory, actor, catalog, draft(catalog, "1.004859"), MONDAY).uid
    late = receive(factory, actor, catalog, draft(catalog, "1.004859"), MONDAY.replace(minute=20)).uid
    supplemented = receive(factory, actor, catalog, draft(catalog, "1.004859"), MONDAY.replace(minute=25)).uid
    still_open = receive(factory, actor, catalog, draft(catalog, "1.004859"), MONDAY.replace(minute=30)).uid
    with transaction(factory) as s:
        cal = load_calendar(s)
        record_result(s, actor, early, "Giấy chứng nhận", datetime(2026, 11, 24, 10))
        record_result(s, actor, late, "Giấy chứng nhận", datetime(2026, 12, 28, 10))
        request_supplement_after_reception(s, actor, cal, supplemented, ["CCCD"], "Thiếu", datetime(2026, 11, 24, 8))
        receive_supplement(s, actor, cal, supplemented, datetime(2026, 12, 2, 8))
        record_result(s, actor, supplemented, "Giấy chứng nhận", datetime(2026, 12, 3, 10))
    by_projection = _classes(factory)
    # Eight days of supplement taken off a result eight days after the due date's week: on time or early.
    assert by_projection == {early: 1, late: 3, supplemented: by_projection[supplemented], still_open: None}
    assert by_projection[supplemented] in (1, 2)
    # A store from before 0012: the back-fill puts the same back.
    with transaction(factory) as s:
        s.execute(text("UPDATE dossier SET ended_class = NULL"))
    with transaction(factory) as s:
        assert migration.backfill(s.connection()) == 4
    assert _classes(factory) == by_projection
    for period in ((date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 11, 1), date(2026, 12, 31)),
                   (date(2026, 12, 1), date(2026, 12, 31))):  # fmt: skip
        with factory() as s:
            assert kpi(s, *period) == reference_kpi(s, *period)
            assert counted_dossiers(s, *period) == reference_counted_dossiers(s, *period)
    # The figures read the stored class of an ended dossier (a wrong one shows: nothing recomputes it).
    with transaction(factory) as s:
        s.execute(text("UPDATE dossier SET ended_class = 3 WHERE uid = :u"), {"u": early})
    with factory() as s:
        report = kpi(s, date(2026, 11, 1), date(2026, 11, 30))
        classes = {c.facts.uid: c.cls for c in counted_dossiers(s, date(2026, 11, 1), date(2026, 11, 30))}
    assert classes[early] is DossierClass.LATE
    assert early in report.office.late.uids
