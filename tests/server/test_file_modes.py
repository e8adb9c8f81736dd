"""The server's SQLite file (with -wal/-shm) and signing key are readable by its account only."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.app import create_app
from server.config import Settings

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    old = os.umask(0o022)  # a usual login umask: new files 0644 unless the program says otherwise
    yield
    os.umask(old)


def _start(data_dir: Path) -> None:
    app = create_app(Settings(data_dir=data_dir))
    try:
        with app.state.ctx.engine.begin() as conn:  # a write: the -wal and -shm files exist now
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS probe (x)")
        files = {p.name: mode(p) for p in data_dir.iterdir() if p.is_file()}
        folder = mode(data_dir)
    finally:
        app.state.ctx.engine.dispose()
    assert files == {
        "motcua-server.db": 0o600, "motcua-server.db-wal": 0o600, "motcua-server.db-shm": 0o600, "secret.key": 0o600,
    }  # fmt: skip
    assert folder == 0o700


def test_a_new_server_creates_its_database_and_key_owner_only(tmp_path: Path) -> None:
    _start(tmp_path / "srv")


def test_an_existing_install_is_tightened_at_start(tmp_path: Path) -> None:
    data = tmp_path / "srv"
    data.mkdir()
    conn = sqlite3.connect(data / "motcua-server.db")  # as an older server left it: 0644
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE before (x)")
    conn.commit()
    conn.close()
    (data / "motcua-server.db-wal").write_bytes(b"")
    (data / "secret.key").write_text("k" * 64)
    for p in data.iterdir():
        os.chmod(p, 0o644)
    os.chmod(data, 0o755)
    _start(data)
    assert (data / "secret.key").read_text() == "k" * 64  # the same key: tokens stay valid
