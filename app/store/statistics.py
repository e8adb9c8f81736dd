"""The query planner's statistics of the dossier table (SQLite's ``sqlite_stat1``), kept as the benchmarks ran.

SQLite chooses among the dossier's indexes from these statistics. Without them it guesses that any status is
rare: a search of one status with no text ("Chờ bổ sung", 70,000 of a million) then reads that status
through ``ix_dossier_status_due`` and sorts it all for the newest 200 — 200–460 ms instead of 3 ms —
and a name with a status filter takes 115–170 ms instead of 7 (bench/bench_search.py on a million
dossiers, bench/RESULTS.md). The benchmarks' files have statistics (bench/make_dossiers.py ends with
``ANALYZE``); a counter's store got none until this module: nothing in the app ran ``ANALYZE``.

``ANALYZE dossier`` takes 1.2–1.9 s on a million dossiers and holds the write lock meanwhile, so it is run
in the background after start-up (ui/main.py), when the table has no statistics or has more than doubled
since its last (a store grows by a few hundred dossiers a day: a few runs a year). ``PRAGMA optimize`` is not
used: its ``analysis_limit`` samples would count a few hundred rows per status (the plan above again), and
without a limit it may analyse the events and the full-text index (several seconds) at the wrong moment.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

MIN_ROWS = 1_000
"""Below this the plans do not matter: no statistics are kept."""
GROWTH = 2
"""The statistics are made again when the table has grown this many times since."""


def analysed_rows(session: Session) -> int | None:
    """How many dossiers the table held when its statistics were made (None: never)."""
    if not session.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        return None
    first = "CAST(substr(stat, 1, instr(stat || ' ', ' ') - 1) AS INTEGER)"  # the row count, first in ``stat``
    found = session.execute(text(f"SELECT max({first}) FROM sqlite_stat1 WHERE tbl = 'dossier'")).scalar()
    return int(found) if found is not None else None


def statistics_stale(session: Session) -> bool:
    """Whether the dossier table should be analysed: large enough, and without statistics or grown since."""
    rows = int(session.execute(text("SELECT count(*) FROM dossier")).scalar_one())
    if rows < MIN_ROWS:
        return False
    analysed = analysed_rows(session)
    return analysed is None or rows > GROWTH * max(analysed, 1)


def analyse(session: Session) -> None:
    """Make the dossier table's statistics (a write: 1.2–1.9 s on a million dossiers)."""
    session.execute(text("ANALYZE dossier"))
