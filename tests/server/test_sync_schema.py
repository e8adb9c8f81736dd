"""Migration 0002 matches server/sync/models.py on SQLite and PostgreSQL, and the feed cursor codec."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from server.db import Base, make_engine
from server.sync.feed import CursorError, Position, decode_cursor, encode_cursor
from tests.server.conftest import Srv

SYNC_TABLES = {
    "events",
    "rejected_events",
    "dossiers",
    "change_feed",
    "code_counters",
    "code_blocks",
    "conflicts",
    "attachments",
    "device_sync",
}


def test_migration_creates_exactly_the_mapped_sync_tables(srv: Srv) -> None:
    engine = make_engine(str(srv.ctx.engine.url.render_as_string(hide_password=False)), pool_size=1)
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Did not recognize type 'xid8'")
            # the summary's expression indexes are PostgreSQL's (migration 0017); SQLite cannot reflect them
            warnings.filterwarnings("ignore", message="autogenerate skipping metadata-specified expression-based")
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
            columns = {c["name"]: c for c in inspect(conn).get_columns("change_feed")}
            indexes = {i["name"] for i in inspect(conn).get_indexes("change_feed")}
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) >= SYNC_TABLES
    assert "txid" not in columns and "ix_change_feed_unit_txid" not in indexes  # dropped by 0004
    assert diff == []


def test_cursor_round_trip_and_rejects() -> None:
    position = Position(id=42)
    cursor = encode_cursor(position)
    assert decode_cursor(cursor) == position
    assert encode_cursor(Position()) == "" and decode_cursor("") == Position()
    # cursors of servers before migration 0004 resume at their row id
    assert decode_cursor("czo0Mg") == decode_cursor("cDoxMjM0NTY3ODk6NDI") == position  # "s:42", "p:123456789:42"
    for junk in ("%%%", "e30", "cDotMToy", "aTo"):  # not base64, "{}", "p:-1:2", "i:"
        with pytest.raises(CursorError):
            decode_cursor(junk)
