"""Start-up path: the first window is built from a sqlite3 snapshot, SQLAlchemy opens behind it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

import ui.main
from app.domain.calendar import EntryKind
from app.errors import UserFacingError
from app.services.office import load_calendar, set_calendar_entry, this_device
from app.store.boot import first_officer, read_snapshot
from app.store.db import transaction
from app.store.models import Setting
from tests.test_cli import motcua
from ui.main import StoreLoader, rotate_log

ROOT = Path(__file__).resolve().parents[1]


def test_snapshot_equals_what_the_orm_reads(db_path: Path, factory: sessionmaker[Session]):
    with transaction(factory) as session:
        set_calendar_entry(session, date(2026, 12, 31), EntryKind.HOLIDAY, "Nghỉ bù", "Thông báo 1/TB-VPCP")
        session.add(Setting(key="office_hours", value=[["07:30", "11:30"], ["13:00", "17:00"]]))
    snapshot = read_snapshot(db_path)
    assert snapshot is not None
    with factory() as session:
        assert snapshot.office == this_device(session)
        calendar = load_calendar(session)
    assert snapshot.calendar.hours == calendar.hours
    assert snapshot.calendar.entries == calendar.entries
    assert snapshot.calendar.is_working_day(date(2026, 12, 31)) is False
    row = first_officer(db_path)
    assert row is not None and row[1] == "canbo"


def test_no_snapshot_when_the_fast_path_cannot_be_trusted(tmp_path: Path, db_path: Path):
    assert read_snapshot(tmp_path / "missing.db") is None
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    assert read_snapshot(garbage) is None
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num = 'older'")
    conn.commit()
    conn.close()
    assert read_snapshot(db_path) is None  # a migration is due: the ordinary path runs it


def test_building_the_first_window_imports_no_sqlalchemy():
    code = (
        "import sys\n"
        "import ui.main, ui.main_window, ui.screens.login, ui.theme\n"
        "bad = [m for m in sys.modules if m.startswith(('sqlalchemy', 'alembic', 'reportlab', 'holidays'))]\n"
        "assert not bad, bad\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_loader_opens_in_the_background_and_reports_a_broken_file(db_path: Path, tmp_path: Path):
    loader = StoreLoader(db_path)
    assert not loader.ready
    loader.start()
    with loader() as session:
        assert session.get(Setting, "no such key") is None
    assert loader.ready
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"\x00garbage" * 1000)
    bad = StoreLoader(broken)
    bad.start()
    with pytest.raises(UserFacingError, match="Không mở được cơ sở dữ liệu"):
        bad.factory()


def test_work_queued_before_the_first_paint_waits_for_the_start(db_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A worker asking for a session while the first window is built must not start the load
    itself (it would import SQLAlchemy beside the window being built); start() releases it."""
    loader = StoreLoader(db_path)
    got: list[object] = []
    worker = threading.Thread(target=lambda: got.append(loader.factory()))
    worker.start()
    time.sleep(0.3)
    assert not loader.ready and loader._thread is None, "the worker started the load itself"
    loader.start()  # what the composition root does after the first paint
    worker.join(30)
    assert loader.ready and got and callable(got[0])
    # Nothing starts it (a path that forgot to): the first caller starts it after a while.
    monkeypatch.setattr(ui.main, "START_WAIT_SECONDS", 0.2)
    forgotten = StoreLoader(db_path)
    begun = time.monotonic()
    with forgotten() as session:
        assert session.get(Setting, "no such key") is None
    assert time.monotonic() - begun >= 0.2


def test_log_rotates_at_start_when_too_large(tmp_path: Path):
    log = tmp_path / "motcua.log"
    log.write_text("x" * 50)
    rotate_log(log, max_bytes=100, backups=3)
    assert log.exists() and not (tmp_path / "motcua.log.1").exists()
    for n in range(5):
        log.write_text(str(n) * 200)
        rotate_log(log, max_bytes=100, backups=3)
    assert not log.exists()
    assert [(tmp_path / f"motcua.log.{i}").read_text()[0] for i in (1, 2, 3)] == ["4", "3", "2"]
    assert not (tmp_path / "motcua.log.4").exists()


def test_second_start_uses_the_snapshot_and_still_checks_the_store(tmp_path: Path):
    first = motcua("--smoke-test", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    second = motcua("--smoke-test", data_dir=tmp_path)
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    assert lines[0] == "smoke test: window ready"
    assert "store open" in lines[-1] and lines[-1].endswith("OK")
