"""Migration 0009's back-fill says what it is doing from its first moment (138 s on 1,000,000 dossiers)."""

from __future__ import annotations

import importlib.util
import logging
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from alembic.config import Config

from app.domain.catalog import Catalog
from app.services.demo_populate import populate
from app.store.boot import HEAD_REVISION
from app.store.db import MIGRATION_LOG, MIGRATIONS_DIR, current_revision, open_database, session_factory
from tests.test_cli import motcua

UNTIL = datetime(2026, 11, 23, 15, 0)
PREFIX = "[nâng cấp dữ liệu 0009] "


def _downgraded_to_0008(template_db: Path, catalog: Catalog, folder: Path) -> Path:
    """A demo folder with results, returns and supplements, as it was before migration 0009."""
    folder.mkdir()
    path = folder / "motcua.db"
    shutil.copy(template_db, path)
    engine = open_database(path)
    populate(session_factory(engine), catalog, dossiers=60, days=8, seed=3, until=UNTIL)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    engine.dispose()
    assert current_revision(path) == "0008"
    return path


@pytest.fixture(scope="module")
def old_folder(tmp_path_factory: pytest.TempPathFactory, template_db: Path, catalog: Catalog) -> Path:
    return _downgraded_to_0008(template_db, catalog, tmp_path_factory.mktemp("old") / "data").parent


def test_the_backfill_reports_from_its_start_to_its_end(old_folder, tmp_path, caplog):
    path = tmp_path / "motcua.db"
    shutil.copy(old_folder / "motcua.db", path)
    caplog.set_level(logging.INFO, logger=MIGRATION_LOG)
    open_database(path).dispose()
    assert current_revision(path) == HEAD_REVISION
    said = [r.getMessage() for r in caplog.records if r.name == MIGRATION_LOG]
    assert said, "migration 0009 said nothing"
    assert said[0].startswith(PREFIX + "bắt đầu") and "đừng tắt chương trình" in said[0]
    assert said[-1].startswith(PREFIX + "xong trong ") and said[-1].endswith(" giây")
    steps = [m for m in said if m.startswith(PREFIX + "bước")]
    assert [m[len(PREFIX) : len(PREFIX) + 9] for m in steps][:4] == ["bước 1/4:", "bước 2/4:", "bước 3/4:", "bước 4/4:"]
    with sqlite3.connect(path) as conn:
        dossiers = conn.execute("SELECT count(*) FROM dossier").fetchone()[0]
        facts = conn.execute("SELECT count(*) FROM dossier WHERE ended_at IS NOT NULL OR supplement_marks != ''")
        total = facts.fetchone()[0]
    assert f"ngày kết thúc của {dossiers} hồ sơ" in steps[0]
    assert total > 0 and steps[-1] == f"{PREFIX}bước 4/4: 100 % ({total}/{total} hồ sơ)"


def test_the_command_line_shows_the_progress(old_folder, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(old_folder, folder)
    result = motcua("report", "kpi", "--from", "2026-11-01", "--to", "2026-11-23", data_dir=folder)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(PREFIX + "bắt đầu"), result.stderr
    assert any(line.startswith(PREFIX + "xong trong ") for line in lines)
    assert "Đúng hạn" in result.stdout  # the report itself, on stdout as before


def _migration() -> ModuleType:
    path = MIGRATIONS_DIR / "versions" / "0009_indicator_facts.py"
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_long_statement_says_it_is_still_running(caplog):
    caplog.set_level(logging.INFO, logger=MIGRATION_LOG)
    migration = _migration()
    conn = sqlite3.connect(":memory:")
    heavy = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT sum(i) FROM n"
    with migration._still_working(conn, "bước 1/4", every=0.0):
        conn.execute(heavy).fetchone()
    alive = [r.getMessage() for r in caplog.records if "vẫn đang chạy" in r.getMessage()]
    assert alive and alive[0].startswith(PREFIX + "bước 1/4 – vẫn đang chạy (")
    caplog.clear()
    conn.execute(heavy).fetchone()  # the handler is gone after the step
    assert not caplog.records


def test_show_migration_progress_prints_each_message_once(tmp_path, capsys):
    import sys

    from app.store.db import show_migration_progress

    logger = logging.getLogger(MIGRATION_LOG)
    before = list(logger.handlers)
    try:
        show_migration_progress(sys.stderr)
        show_migration_progress(sys.stderr)
        logger.info("Nâng cấp dữ liệu (thử): một dòng")
        assert capsys.readouterr().err.count("Nâng cấp dữ liệu (thử): một dòng") == 1
    finally:
        for handler in logger.handlers[len(before) :]:
            logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def test_a_new_empty_store_is_created_without_a_word(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger=MIGRATION_LOG)
    open_database(tmp_path / "motcua.db").dispose()
    assert current_revision(tmp_path / "motcua.db") == HEAD_REVISION
    assert not [r for r in caplog.records if r.getMessage().startswith(PREFIX)]
