"""Client migration 0011: the figure group and the second supplement's completion kept by the projection,
filled by the migration's back-fill for older dossiers, and the dossiers behind a figure read by uid."""

from __future__ import annotations

import importlib
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from app.domain.indicators import DossierClass
from app.services.context import Actor
from app.services.office import load_calendar
from app.services.reports import counted_by_uids, counted_dossiers
from app.services.results import receive_supplement, request_supplement_after_reception
from app.services.returns import record_result
from app.store.db import transaction
from app.store.models import Dossier, FigureGroup
from tests.app.test_reception import draft, receive

MONDAY = datetime(2026, 11, 23, 9, 15)
migration = importlib.import_module("app.store.migrations.versions.0011_figure_groups")


def _names(session: Session) -> dict[str, tuple[str, ...]]:
    rows = session.execute(
        select(Dossier.uid, FigureGroup.unit_code, FigureGroup.department_code, FigureGroup.department_name,
               FigureGroup.field, FigureGroup.procedure_code, FigureGroup.procedure_name, FigureGroup.officer_id,
               FigureGroup.officer_name).join(FigureGroup, FigureGroup.id == Dossier.figure_group)
    )  # fmt: skip
    return {r[0]: tuple(r[1:]) for r in rows}


def _asked_twice(factory: sessionmaker[Session], actor: Actor, uid: str) -> None:
    with transaction(factory) as s:
        cal = load_calendar(s)
        request_supplement_after_reception(s, actor, cal, uid, ["CCCD"], "Thiếu", datetime(2026, 11, 24, 8))
        receive_supplement(s, actor, cal, uid, datetime(2026, 11, 25, 8))
        request_supplement_after_reception(s, actor, cal, uid, ["Ảnh"], "Thiếu", datetime(2026, 11, 26, 8))
        receive_supplement(s, actor, cal, uid, datetime(2026, 11, 27, 8))


def test_the_projection_and_the_backfill_give_each_dossier_its_group(factory, actor, catalog) -> None:
    first = receive(factory, actor, catalog, draft(catalog, "1.004859"), MONDAY).uid
    same = receive(factory, actor, catalog, draft(catalog, "1.004859"), MONDAY.replace(minute=20)).uid
    other = receive(factory, actor, catalog, draft(catalog, "2.000635"), MONDAY.replace(minute=25)).uid
    _asked_twice(factory, actor, first)
    with factory() as s:
        rows = {d.uid: d for d in s.scalars(select(Dossier))}
        by_projection = _names(s)
        assert rows[first].figure_group == rows[same].figure_group != rows[other].figure_group
        assert by_projection[first][4:6] == ("1.004859", rows[first].procedure_name)
        assert by_projection[first][6:] == (actor.officer_id, actor.full_name)
        assert (rows[first].supplement_count, rows[first].supplement2_completed_at) == (2, datetime(2026, 11, 27, 8))
    # A store from before 0011: no groups, no second completion; the back-fill puts the same back.
    with transaction(factory) as s:
        s.execute(text("UPDATE dossier SET figure_group = NULL, supplement2_completed_at = NULL"))
        s.execute(text("DELETE FROM figure_group"))
    with transaction(factory) as s:
        assert migration.backfill(s.connection()) == 3
    with factory() as s:
        assert _names(s) == by_projection
        row = s.scalars(select(Dossier).where(Dossier.uid == first)).one()
        assert row.supplement2_completed_at == datetime(2026, 11, 27, 8)


def test_a_group_added_in_a_rolled_back_transaction_is_not_remembered(factory, actor, catalog) -> None:
    from app.store.projection import figure_group_id

    key = ("000.01.00.H49", "D", "Phòng", "Lĩnh vực", "1.1", "Thủ tục", "o-1", "Cán bộ")
    with factory() as s:
        s.begin()
        figure_group_id(s, key)
        s.rollback()
        # SQLite may give the rolled-back id to another group: the id must be looked up (and added) again.
        s.begin()
        other = figure_group_id(s, (*key[:-1], "Cán bộ khác"))
        again = figure_group_id(s, key)
        s.commit()
    with factory() as s:
        names = {g.id: g.officer_name for g in s.scalars(select(FigureGroup))}
    assert names[other] == "Cán bộ khác" and names[again] == "Cán bộ" and other != again


def test_the_dossiers_behind_a_figure_are_read_by_uid(factory, actor, catalog) -> None:
    early = receive(factory, actor, catalog, draft(catalog, "1.004859"), MONDAY).uid
    twice = receive(factory, actor, catalog, draft(catalog, "1.004859"), MONDAY.replace(minute=20)).uid
    with transaction(factory) as s:
        record_result(s, actor, early, "Giấy chứng nhận", datetime(2026, 11, 24, 10))
    _asked_twice(factory, actor, twice)
    nov = (date(2026, 11, 1), date(2026, 11, 30))
    with factory() as s:
        every = {c.facts.uid: c for c in counted_dossiers(s, *nov)}
        rows = counted_by_uids(s, *nov, [twice, "not-a-dossier", early])
    assert [c.facts.uid for c in rows] == [twice, early]  # in the order asked; unknown uids left out
    assert rows == [every[twice], every[early]]
    assert [c.cls for c in rows] == [DossierClass.IN_PROGRESS_LATE, DossierClass.EARLY]
    with factory() as s:
        assert counted_by_uids(s, *nov, []) == []
