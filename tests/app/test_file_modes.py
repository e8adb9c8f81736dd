"""The counter's database (with -wal/-shm) and its data folder are its user's only (0600/0700)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store.boot import restrict_to_owner
from app.store.db import open_database

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _open_and_write(path: Path) -> dict[str, int]:
    engine = open_database(path)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS probe (x)")
        return {p.name: mode(p) for p in path.parent.iterdir()}
    finally:
        engine.dispose()


def test_a_new_data_folder_and_database_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "MotCuaDesk"
    files = _open_and_write(data / "motcua.db")
    assert mode(data) == 0o700
    assert files == {"motcua.db": 0o600, "motcua.db-wal": 0o600, "motcua.db-shm": 0o600}


def test_an_existing_install_is_tightened_when_the_store_opens(tmp_path: Path) -> None:
    data = tmp_path / "MotCuaDesk"
    _open_and_write(data / "motcua.db")
    os.chmod(data, 0o755)  # as the program before 0700 left them
    for p in data.iterdir():
        os.chmod(p, 0o644)
    files = _open_and_write(data / "motcua.db")
    assert mode(data) == 0o700
    assert files == {"motcua.db": 0o600, "motcua.db-wal": 0o600, "motcua.db-shm": 0o600}


def test_restrict_to_owner_only_removes_rights(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"")
    os.chmod(path, 0o400)
    restrict_to_owner(path)
    assert mode(path) == 0o400  # never adds a right the owner took away
    restrict_to_owner(tmp_path / "missing")  # nothing to do, no error


def test_a_shared_sticky_folder_is_left_open(tmp_path: Path) -> None:
    """A database opened in a folder like /tmp (sticky, open to all) does not close that folder to the others
    (a benchmark's copy in /tmp once made /tmp 0700 and apt's sandbox could no longer write there)."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    files = _open_and_write(shared / "motcua.db")
    assert shared.stat().st_mode & 0o7777 == 0o1777
    assert files["motcua.db"] == 0o600  # the file itself is still the owner's only
