"""Migration 0002: sync tables added, an existing 0001 database keeps its dossiers and search."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.services.dossiers import get_by_code, search
from app.store.boot import HEAD_REVISION
from app.store.db import MIGRATIONS_DIR, current_revision, make_engine, open_database, session_factory, transaction
from app.store.models import Dossier, SyncState

CODE = "000.01.00.H49-261123-0001"


def _dossier_row(rowid: int, uid: str, code: str, name: str) -> tuple[object, ...]:
    now = datetime(2026, 11, 23, 9, 0).isoformat(sep=" ")
    folded = f"{code.lower()} {name.lower()}"
    return (rowid, uid, code, "000.01.00.H49", 1, "1.001", "Đăng ký khai sinh", "", "", "", name, "", None, "",
            "", "", "", now, None, None, "o", "Cán bộ", "d", 1, "{}", folded, now)  # fmt: skip


def _database_at_0001(path: Path) -> None:
    engine = make_engine(path)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute(f"INSERT INTO dossier VALUES ({','.join('?' * 27)})", _dossier_row(7, "u-7", CODE, "nguyen van an"))
    conn.commit()
    conn.close()


def test_upgrade_keeps_dossiers_rowids_and_search(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _database_at_0001(path)
    assert current_revision(path) == "0001"
    factory = session_factory(open_database(path))
    assert current_revision(path) == HEAD_REVISION == "0016"
    with factory() as session:
        assert session.scalars(select(Dossier.id)).all() == [7]
        assert [r.code for r in search(session, "nguyen van an")] == [CODE]
        assert session.get(SyncState, 1) is None  # never enrolled: standalone, as before


def test_a_code_may_arrive_twice_from_two_counters(factory: sessionmaker[Session]) -> None:
    # The server flags a duplicate code and keeps both; a counter must be able to store both.
    with transaction(factory) as session:
        for i in (1, 2):
            session.add(
                Dossier(uid=f"uid-{i}", code=CODE, unit_code="000.01.00.H49", status=1, procedure_code="1",
                        procedure_name="x", applicant_name=f"Người thứ {i}", received_at=datetime(2026, 11, 23),
                        officer_id="o", officer_name="c", device_id=f"d{i}", data={},
                        search_text=f"{CODE.lower()} nguoi thu {i}", updated_at=datetime(2026, 11, 23))
            )  # fmt: skip
    with factory() as session:
        found = get_by_code(session, CODE)
        assert found is not None and found.applicant_name == "Người thứ 1"
        assert len(search(session, CODE)) == 2


def test_a_periods_indicators_read_index_ranges_not_every_dossier(factory: sessionmaker[Session]) -> None:
    # Migrations 0010 and 0011: the weekly trend reads the period's receipts as a range of
    # ix_dossier_received_facts, the dossiers carried over (ended in or after the period, or not ended) as
    # two ranges of ix_dossier_ended_facts; both indexes cover what it reads (no dossier row is read).
    # Migration 0016: the figures read the dossiers ended in the period from the per-day summary (a range
    # of its primary key), the carried-over ones among them through ix_dossier_carried (one range per
    # month), and the ones not ended by the close as two covering ranges of ix_dossier_ended_facts.
    import json
    from datetime import date

    from sqlalchemy import text

    from app.domain.indicators import week_spans
    from app.services.indicator_weeks import _weeks_sql
    from app.services.reports import _BRANCHES, _CARRIED_SQL, _OPEN_BRANCHES, _OPEN_CELLS_SQL, _SUMMARY_SQL

    months = json.dumps([f"2026-{m:02d}" for m in range(1, 13)])
    params = {"opens": "2026-01-01 00:00:00.000000", "closes": "2027-01-01 00:00:00.000000", "fp": "",
              "dissatisfied": "dissatisfied", "first_day": "2026-01-01", "after_day": "2027-01-01",
              "months": months}  # fmt: skip

    def reads(statements: list[str]) -> list[str]:
        with factory() as session:
            plan = [row[-1] for sql in statements for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params)]
        return [step for step in plan if step.startswith(("SEARCH d ", "SCAN d", "SEARCH ended_cell", "SCAN ended"))]

    weeks = _weeks_sql(week_spans(date(2026, 1, 1), date(2026, 12, 31)))
    assert reads([weeks.format(branch=b) for b in _BRANCHES]) == [
        "SEARCH d USING COVERING INDEX ix_dossier_received_facts (received_at>? AND received_at<?)",
        "SEARCH d USING COVERING INDEX ix_dossier_ended_facts (ended_at>?)",
        "SEARCH d USING COVERING INDEX ix_dossier_ended_facts (ended_at=? AND received_at<?)",
    ]
    assert reads([_SUMMARY_SQL, _CARRIED_SQL, *(_OPEN_CELLS_SQL.format(branch=b) for b in _OPEN_BRANCHES)]) == [
        "SEARCH ended_cell USING PRIMARY KEY (day>? AND day<?)",
        "SEARCH d USING INDEX ix_dossier_carried (<expr>=? AND received_at<?)",
        "SEARCH d USING COVERING INDEX ix_dossier_ended_facts (ended_at=? AND received_at<?)",
        "SEARCH d USING COVERING INDEX ix_dossier_ended_facts (ended_at>?)",
    ]
