"""Server migration 0007: refused events already stored whole become a masked 1 KiB excerpt (SQLite
and PostgreSQL), and the body column is gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text

from server.db import MIGRATIONS_DIR, make_engine
from tests.server.conftest import BACKENDS, PG_ADMIN_URL


def _upgrade(engine: Engine, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@pytest.fixture(params=BACKENDS)
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if request.param == "sqlite":
        return make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    psycopg = pytest.importorskip("psycopg")
    name = f"motcua_mig_{tmp_path.name[-8:].replace('-', '_').lower()}"
    conninfo = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    request.addfinalizer(lambda: _drop(conninfo, name))
    return make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", pool_size=1)


def _drop(conninfo: str, name: str) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_stored_bodies_become_masked_excerpts(fresh: Engine) -> None:
    _upgrade(fresh, "0006")
    uid = "01938a7b-0000-7000-8000-000000000001"
    body = {"type": "dossier.received", "dossier_uid": uid, "payload": {"note": "x" * 100_000,
            "applicant": {"personal_id": "001090012345"}}}  # fmt: skip
    with fresh.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO rejected_events (id, device_id, device_seq, unit_code, received_at, code, reason, body)"
                " VALUES ('01938a7b-0000-7000-8000-0000000000aa', :d, 1, 'X', '2026-01-01 00:00:00', 'malformed',"
                " 'lý do', :b)"
            ),
            {"d": uid, "b": json.dumps(body)},
        )
    _upgrade(fresh, "head")
    assert "body" not in {c["name"] for c in inspect(fresh).get_columns("rejected_events")}
    with fresh.connect() as conn:
        kind, dossier, excerpt = conn.execute(text("SELECT type, dossier_uid, excerpt FROM rejected_events")).one()
    fresh.dispose()
    assert (kind, dossier) == ("dossier.received", uid)
    assert len(excerpt.encode()) <= 1024 and "001090012345" not in excerpt and "############" in excerpt
