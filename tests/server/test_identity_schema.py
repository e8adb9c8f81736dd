"""The migrations build exactly the identity tables of server/models.py (0001 creates them, 0006
adds the device of a failed login), and downgrade."""

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


def _identity_only(name: str | None, type_: str, _parent: object) -> bool:
    return type_ != "table" or name in IDENTITY_TABLES


def test_the_migrations_match_the_identity_models_and_downgrade(srv: Srv) -> None:
    identity = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        if table.name in IDENTITY_TABLES:
            table.to_metadata(identity)
    assert {t.__tablename__ for t in vars(server.models).values() if hasattr(t, "__tablename__")} == IDENTITY_TABLES
    with srv.ctx.engine.begin() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _identity_only})
        assert compare_metadata(context, identity) == []  # at head
        _alembic(conn, "downgrade", "0001")
        assert set(inspect(conn).get_table_names()) == IDENTITY_TABLES | {"alembic_version"}
        assert "device_id" not in {c["name"] for c in inspect(conn).get_columns("login_attempts")}
        _alembic(conn, "downgrade", "base")
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
        _alembic(conn, "upgrade", "head")
