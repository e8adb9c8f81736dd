"""Client migration 0015: ``queue_tally`` (dossiers per status and department, kept by triggers) and the
supplement queue's partial index — the supervisor's counts without walking every open dossier."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from app.services.office import load_calendar
from app.services.queues import QueueFilter, QueueId, queue_counts
from app.store.db import open_database
from tests.app.test_legal_basis_migration import _insert, database_at
from tests.app.test_queues import KT_THREE_DAYS, T, _office

_TRUTH = "SELECT status, coalesce(department_code, ''), code IS NOT NULL, count(*) FROM dossier GROUP BY 1, 2, 3"
_TALLY = "SELECT status, department_code, coded, n FROM queue_tally WHERE n != 0 ORDER BY 1, 2, 3"


def _pairs(conn, sql):
    return [tuple(r) for r in conn.execute(text(sql) if not isinstance(conn, sqlite3.Connection) else sql)]


def test_the_tally_follows_every_write_through_the_services(factory, actor, catalog):
    """Reception, handover, supplement, result, refusal: the tally equals the GROUP BY it stands for."""
    _office(factory, actor, catalog)
    with factory() as s:
        assert _pairs(s, _TALLY) == _pairs(s, _TRUTH)
        assert sum(n for st, _, _, n in _pairs(s, _TALLY) if st in (2, 4, 6)) == 5
        cal = load_calendar(s)
        # The counts read from the tally are those of the dossier rows (filters it cannot answer walk them).
        for flt in (QueueFilter(), QueueFilter(department_code="XA-KT"), QueueFilter(officer_id=actor.officer_id)):
            c = queue_counts(s, cal, T, flt)
            assert c.of(QueueId.PROCESSING) == sum(d.count for d in c.departments)
        assert queue_counts(s, cal, T, QueueFilter(department_code="XA-KT")).of(QueueId.PROCESSING) == 1
        assert queue_counts(s, cal, T, QueueFilter()).of(QueueId.PICKUP) == 1


def test_the_tally_follows_raw_writes_and_deletes(factory, actor, catalog):
    """Triggers, not the app's code, keep it: a raw UPDATE of status or department and a DELETE count too."""
    from tests.app.test_reception import draft, receive

    a = receive(factory, actor, catalog, draft(catalog, KT_THREE_DAYS))
    b = receive(factory, actor, catalog, draft(catalog, KT_THREE_DAYS))
    with factory.kw["bind"].begin() as conn:
        conn.execute(text("UPDATE dossier SET status = 4 WHERE uid = :u"), {"u": a.uid})
        conn.execute(text("UPDATE dossier SET department_code = '' WHERE uid = :u"), {"u": b.uid})
        conn.execute(text("UPDATE dossier SET applicant_name = 'X' WHERE uid = :u"), {"u": b.uid})  # no change
        conn.execute(text("UPDATE dossier SET code = NULL WHERE uid = :u"), {"u": a.uid})
    with factory() as s:
        assert _pairs(s, _TALLY) == _pairs(s, _TRUTH) == [(2, "", 1, 1), (4, "XA-KT", 0, 1)]
    with factory.kw["bind"].begin() as conn:
        conn.execute(text("UPDATE dossier SET code = 'C-1' WHERE uid = :u"), {"u": a.uid})
    with factory() as s:
        assert _pairs(s, _TALLY) == _pairs(s, _TRUTH) == [(2, "", 1, 1), (4, "XA-KT", 1, 1)]
    with factory.kw["bind"].begin() as conn:
        conn.execute(text("DELETE FROM dossier WHERE uid = :u"), {"u": a.uid})
    with factory() as s:
        assert _pairs(s, _TALLY) == _pairs(s, _TRUTH) == [(2, "", 1, 1)]


def test_0015_back_fills_the_tally_and_uses_the_supplement_index(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    database_at(path, "0014")
    conn = sqlite3.connect(path)
    from datetime import datetime

    for n in range(1, 7):
        _insert(conn, n, f"d0000000-0000-7000-8000-00000000000{n}", datetime(2026, 12, 1, 8, n))
    conn.execute("UPDATE dossier SET status = 5 WHERE id <= 2")
    conn.execute("UPDATE dossier SET status = 5, code = NULL WHERE id = 3")  # guidance at the counter: no code
    conn.execute("UPDATE dossier SET department_code = 'XA-TP' WHERE id > 4")
    conn.commit()
    conn.close()

    open_database(path).dispose()
    conn = sqlite3.connect(path)
    assert _pairs(conn, _TALLY) == _pairs(conn, _TRUTH) == [(2, "", 1, 1), (2, "XA-TP", 1, 2), (5, "", 0, 1),
                                                             (5, "", 1, 2)]  # fmt: skip
    indexed = conn.execute("SELECT count(*) FROM dossier INDEXED BY ix_dossier_supplement_queue"
                           " WHERE status = 5 AND code IS NOT NULL").fetchone()[0]  # fmt: skip
    assert indexed == 2
    conn.close()
