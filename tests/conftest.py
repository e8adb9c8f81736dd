"""Shared fixtures: a migrated, seeded SQLite database per test (copied from one template)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

# Before anything imports PySide6 (GUI tests); core tests never create a QApplication.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy.orm import Session, sessionmaker

from app.domain.catalog import Catalog, load_catalog
from app.domain.office import OfficeInfo
from app.services.auth import login
from app.services.context import Actor
from app.services.office import this_device
from app.services.seed import DEMO_ACCOUNTS, seed_demo
from app.store.db import open_database, session_factory, transaction

NOW = datetime(2026, 11, 23, 9, 15)  # a Monday, in office hours


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    path = tmp_path_factory.mktemp("template") / "motcua.db"
    engine = open_database(path)
    with transaction(session_factory(engine)) as session:
        seed_demo(session, catalog)
    engine.dispose()
    return path


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "motcua.db"
    shutil.copy(template_db, path)
    return path


@pytest.fixture
def factory(db_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = open_database(db_path)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def office(factory: sessionmaker[Session]) -> OfficeInfo:
    with factory() as session:
        info = this_device(session)
    assert info is not None
    return info


@pytest.fixture
def actor(factory: sessionmaker[Session], office: OfficeInfo) -> Actor:
    username, password, *_ = DEMO_ACCOUNTS[0]
    with transaction(factory) as session:
        return login(session, username, password, office.device_id, NOW)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI (MOTCUA_NO_SKIP=1) a skipped test means a missing part: fail the run."""
    if os.environ.get("MOTCUA_NO_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"MOTCUA_NO_SKIP: {len(skipped)} test(s) skipped; CI must run them all:", red=True)
        for report in skipped:
            reporter.write_line(f"  {report.nodeid}: {report.longrepr}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
