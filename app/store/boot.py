"""Start-up snapshot of the local store, read with the standard ``sqlite3`` module.

The first window needs only the office, this PC's counter and the working calendar. Reading
them with ``sqlite3`` keeps SQLAlchemy and the mapped models (≈ 200 ms to import on a counter
PC) off the start-up path; the full store then opens on a background thread while the window is
already usable. Whenever the fast path cannot be trusted — no file yet, a schema that is not at
:data:`HEAD_REVISION`, a device not set up — :func:`read_snapshot` returns None and the caller
opens the store the ordinary way (migrating and seeding as needed).

The queries mirror :func:`app.services.office.this_device` and
:func:`app.services.office.load_calendar`; a test checks both paths give equal results.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sqlite3
import stat
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.domain.calendar import CalendarEntry, EntryKind, OfficeHours, WorkingCalendar
from app.domain.catalog import Catalog, default_catalog_path, load_catalog
from app.domain.office import OfficeInfo
from app.errors import UserFacingError

log = logging.getLogger(__name__)

# Bump together with a new file in migrations/versions. A database stamped with this revision
# needs no migration, so start-up neither imports Alembic nor waits for the ORM.
HEAD_REVISION = "0016"


OWNER_ONLY_FILE = 0o600
OWNER_ONLY_FOLDER = 0o700
# SQLite's companions of a database file: they hold the same data (recent commits, a rollback copy).
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def restrict_to_owner(path: Path, mode: int = OWNER_ONLY_FILE) -> None:
    """``chmod`` ``path`` to ``mode`` if it exists and allows more (POSIX only; Windows keeps its ACLs).

    A file that cannot be changed (owned by another account) is logged and left as it is: the
    program still starts.
    """
    if os.name != "posix":
        return
    try:
        current = path.stat().st_mode & 0o777
        if current & ~mode:
            os.chmod(path, current & mode)
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("cannot restrict %s to its owner: %s", path, exc)


def secure_sqlite_file(path: Path) -> None:
    """Make the SQLite database ``path`` readable by its owner only, before SQLite opens it.

    A missing file is created empty with mode 0600 (SQLite gives its -wal and -shm files the
    database file's mode); an existing one and its side files are tightened (installs from
    before 0600 were 0644).
    """
    if os.name == "posix" and not path.exists():
        with contextlib.suppress(OSError):  # exists by now, or no folder: SQLite says what is wrong
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE))
    for name in ("", *SQLITE_SIDE_FILES):
        restrict_to_owner(path.with_name(path.name + name))


def secure_data_folder(folder: Path) -> None:
    """Create ``folder`` (mode 0700) or tighten it to 0700: it holds the database, logs and scans.

    A shared folder with the sticky bit (``/tmp``: a database put there by hand, a benchmark's copy) is left
    as it is, with a warning: tightening it would lock every other account out of it."""
    folder.mkdir(mode=OWNER_ONLY_FOLDER, parents=True, exist_ok=True)
    if os.name == "posix" and folder.stat().st_mode & stat.S_ISVTX:
        log.warning("%s is a shared folder (sticky bit): not restricted to its owner", folder)
        return
    restrict_to_owner(folder, OWNER_ONLY_FOLDER)


@dataclass(frozen=True, slots=True)
class BootSnapshot:
    """What the first window shows, read before the full store is open."""

    office: OfficeInfo
    calendar: WorkingCalendar


def _connect(path: Path) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    try:
        return sqlite3.connect(path, timeout=5)
    except sqlite3.Error:
        return None


def read_snapshot(path: Path) -> BootSnapshot | None:
    """Read office, counter and calendar from the database file at ``path``.

    Returns:
        The snapshot, or None when the file is missing, not at :data:`HEAD_REVISION`, has no
        device yet, or cannot be read (the ordinary open path then reports the problem).
    """
    conn = _connect(path)
    if conn is None:
        return None
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None or revision[0] != HEAD_REVISION:
            return None
        row = conn.execute(
            "SELECT o.unit_code, o.name, o.governing_body, o.place_name, o.demo, d.id, d.counter_name"
            " FROM device d JOIN office o ON o.unit_code = d.unit_code ORDER BY d.rowid LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        office = OfficeInfo(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6])
        hours = conn.execute("SELECT value FROM setting WHERE key = 'office_hours'").fetchone()
        entries = [
            CalendarEntry(date.fromisoformat(day), EntryKind(kind), name, legal_ref)
            for day, kind, name, legal_ref in conn.execute(
                "SELECT day, kind, name, legal_ref FROM calendar_entry ORDER BY day"
            )
        ]
        calendar = WorkingCalendar(
            hours=OfficeHours.from_setting(None if hours is None else json.loads(hours[0])), entries=entries
        )
    except (sqlite3.Error, ValueError, UserFacingError):
        return None
    finally:
        conn.close()
    return BootSnapshot(office, calendar)


def first_officer(path: Path) -> tuple[str, str, str, str] | None:
    """(id, username, full name, role) of the first active officer by user name: smoke test only."""
    conn = _connect(path)
    if conn is None:
        return None
    try:
        row = conn.execute(
            "SELECT id, username, full_name, role FROM officer WHERE active ORDER BY username LIMIT 1"
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]), str(row[3]))


CATALOG_KEY = "catalog"  # the same key as app.sync.reference.CATALOG_KEY (a test keeps them equal)

_catalog_lock = threading.Lock()
_catalog_memo: dict[Path, tuple[str, Catalog]] = {}


def read_cached_catalog(path: Path) -> Catalog | None:
    """The catalog the central server distributed to this PC, as cached in the database at ``path``.

    Read with ``sqlite3`` (start-up path, no ORM). The text is compared with the last one read
    from the same file, so a login that finds the same catalog costs one small query and no
    parsing.

    Returns:
        The validated catalog, or None when the PC has none cached (standalone PC, not synced
        yet) or what is cached cannot be read or validated (logged; the caller uses the bundled one).
    """
    conn = _connect(path)
    if conn is None:
        return None
    try:
        row = conn.execute("SELECT value FROM setting WHERE key = ?", (CATALOG_KEY,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    if row is None or not isinstance(row[0], str):
        return None
    text = row[0]
    with _catalog_lock:
        memo = _catalog_memo.get(path)
    if memo is not None and memo[0] == text:
        return memo[1]
    try:
        catalog = Catalog.from_dicts(json.loads(text))
    except (ValueError, UserFacingError) as exc:  # JSONDecodeError is a ValueError
        log.warning("cached catalog in %s unreadable, using the bundled one: %s", path, exc)
        return None
    with _catalog_lock:
        _catalog_memo[path] = (text, catalog)
    return catalog


def current_catalog(path: Path) -> Catalog:
    """The catalog to work with: the server's cached copy when this PC has one, else the bundled file.

    Raises:
        CatalogError: the bundled file is needed and cannot be read.
    """
    cached = read_cached_catalog(path)
    return bundled_catalog() if cached is None else cached


def bundled_catalog() -> Catalog:
    """The catalog file shipped with the app, read once per process while the file is unchanged.

    Start-up asks for the catalog twice (the first window, then the login that opens the main
    window); parsing and indexing the 37 procedures took ~6 ms each time (bench_startup.py).

    Raises:
        CatalogError: the file cannot be read or is invalid.
    """
    path = default_catalog_path()
    try:
        stat = path.stat()
    except OSError:
        return load_catalog(path)  # the loader says what is wrong in Vietnamese
    return _parsed_catalog(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1)
def _parsed_catalog(path: Path, _mtime_ns: int, _size: int) -> Catalog:
    """``load_catalog(path)``, kept while the file's modification time and size stay the same."""
    return load_catalog(path)
