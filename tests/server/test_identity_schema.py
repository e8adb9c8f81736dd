"""Migration 0001 alone creates exactly the identity tables of server/models.py, and downgrades."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect

import server.models
from server.db import MIGRATIONS_DIR, Base
from tests.server.conftest import Srv

IDENTITY_TABLES = {
    "offices", "departments", "officers", "devices", "enrolment_codes", "refresh_tokens", "login_attempts",
    "catalog_procedures", "calendar_entries", "office_settings", "reference_versions",
}  # fmt: skip


def _alembic(conn: object, verb: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    getattr(command, verb)(cfg, revision)


def test_revision_0001_matches_the_identity_models_and_downgrades(srv: Srv) -> None:
    identity = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        if table.name in IDENTITY_TABLES:
            table.to_metadata(identity)
    assert {t.__tablename__ for t in vars(server.models).values() if hasattr(t, "__tablename__")} == IDENTITY_TABLES
    with srv.ctx.engine.begin() as conn:
        _alembic(conn, "downgrade", "0001")
        assert set(inspect(conn).get_table_names()) == IDENTITY_TABLES | {"alembic_version"}
        assert compare_metadata(MigrationContext.configure(conn), identity) == []
        _alembic(conn, "downgrade", "base")
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
        _alembic(conn, "upgrade", "head")
