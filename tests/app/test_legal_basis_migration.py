"""Client migration 0013 back-fills each dossier's legal basis from its reception time (issue 16):
received 30 June 2025 23:59:59 → "2018", 1 July 2025 00:00 → "2025"."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select

from app.domain.legal_basis import basis_of
from app.store.boot import HEAD_REVISION
from app.store.db import MIGRATIONS_DIR, current_revision, make_engine, open_database, session_factory
from app.store.models import Dossier

MOMENTS = {
    "d0000000-0000-7000-8000-000000000001": datetime(2025, 6, 30, 23, 59, 59),
    "d0000000-0000-7000-8000-000000000002": datetime(2025, 7, 1, 0, 0),
    "d0000000-0000-7000-8000-000000000003": datetime(2019, 3, 4, 8, 0),
    "d0000000-0000-7000-8000-000000000004": datetime(2026, 12, 7, 9, 15),
}


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    """The client store of ``engine`` upgraded (or ``down``graded) to ``revision`` with Alembic (tests of one
    migration: the rows a revision had, then the migration over them)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def database_at(path: Path, revision: str) -> None:
    """A new store file at ``path`` migrated up to ``revision`` only."""
    engine = make_engine(path)
    migrate(engine, revision)
    engine.dispose()


def _database_at_0012(path: Path) -> None:
    database_at(path, "0012")


def _insert(conn: sqlite3.Connection, n: int, uid: str, received_at: datetime) -> None:
    """A dossier row as revision 0012 has it: every required column without a default filled in."""
    values: dict[str, object] = {
        "uid": uid,
        "code": f"000.01.00.H49-{received_at:%y%m%d}-{n:04d}",
        "unit_code": "000.01.00.H49",
        "status": 2,
        "received_at": received_at.isoformat(sep=" ", timespec="microseconds"),
        "data": "{}",
    }
    for _, name, kind, notnull, default, pk in conn.execute("PRAGMA table_info(dossier)"):
        if name in values or pk or not notnull or default is not None:
            continue
        kind = kind.upper()
        values[name] = 0 if "INT" in kind else "2025-01-01 00:00:00.000000" if "DATE" in kind else ""
    names = ", ".join(values)
    conn.execute(f"INSERT INTO dossier ({names}) VALUES ({', '.join('?' for _ in values)})", list(values.values()))


def test_0013_back_fills_the_basis_from_the_reception_time(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _database_at_0012(path)
    conn = sqlite3.connect(path)
    assert "legal_basis" not in {row[1] for row in conn.execute("PRAGMA table_info(dossier)")}
    for n, (uid, at) in enumerate(MOMENTS.items(), start=1):
        _insert(conn, n, uid, at)
    conn.commit()
    conn.close()

    factory = session_factory(open_database(path))
    assert current_revision(path) == HEAD_REVISION  # 0013 and every later one
    with factory() as s:
        rows = {d.uid: d for d in s.scalars(select(Dossier))}
    assert {uid: rows[uid].legal_basis for uid in MOMENTS} == dict(
        zip(MOMENTS, ["2018", "2025", "2018", "2025"], strict=True)
    )
    # The rule the migration wrote is the one every print uses.
    assert all(rows[uid].legal_basis == basis_of(None, at).value for uid, at in MOMENTS.items())
