"""Engine and session factory of the local SQLite store, with migrations applied on open."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as exc_module
from sqlalchemy.orm import Session, sessionmaker

from app.errors import UserFacingError
from app.store.boot import HEAD_REVISION, secure_data_folder, secure_sqlite_file

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
MIGRATION_LOG = "app.store.migrations"
"""Logger of the migrations' progress messages (Vietnamese): a long back-fill says what it is doing.
The app's log file gets them; the command line shows them with :func:`show_migration_progress`."""


class DatabaseError(UserFacingError):
    """The local database cannot be opened or upgraded."""


def _set_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed receipt (and its dossier number) survives a power cut.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(path: Path) -> Engine:
    """Create an engine for the SQLite file at ``path``.

    The data folder is created (or tightened) to mode 0700 and the database with its -wal and
    -shm files to 0600: they hold applicants' personal data.
    """
    secure_data_folder(path.parent)
    secure_sqlite_file(path)
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _set_pragmas)
    return engine


def current_revision(path: Path) -> str | None:
    """The Alembic revision stamped in the database file, or None for a new or empty file."""
    if not path.exists():
        return None
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    return str(row[0]) if row else None


def show_migration_progress(stream: TextIO) -> None:
    """Print the migrations' progress messages on ``stream`` (the command line's stderr), once."""
    logger = logging.getLogger(MIGRATION_LOG)
    logger.setLevel(logging.INFO)
    if not any(getattr(h, "stream", None) is stream for h in logger.handlers):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision with Alembic."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_database(path: Path) -> Engine:
    """Open (creating or upgrading if needed) the local database and return its engine."""
    try:
        engine = make_engine(path)
        if current_revision(path) != HEAD_REVISION:
            migrate(engine)
    except (sqlite3.DatabaseError, exc_module.DatabaseError) as exc:  # a damaged or foreign file
        raise DatabaseError(
            f"Không mở được cơ sở dữ liệu {path}: {exc}. Hãy liên hệ bộ phận CNTT; không xoá tệp này."
        ) from exc
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (services return plain data anyway)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any exception."""
    with factory() as session, session.begin():
        yield session
