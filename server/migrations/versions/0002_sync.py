"""Sync: events, rejected events, dossier state, change feed, code counters and blocks, conflicts,
attachments, device sync state.

Revision ID: 0002
Revises: 0001

Runs on SQLite and PostgreSQL. On PostgreSQL the change feed also records the writing
transaction (``txid xid8 DEFAULT pg_current_xact_id()``) for the snapshot-safe pull cursor
(docs/SYNC-PROTOCOL.md, "Cursor on PostgreSQL").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _uuid() -> sa.String:
    return sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("device_id", _uuid(), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("dossier_uid", _uuid(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("officer_id", _uuid(), nullable=False),
        sa.Column("officer_name", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("hlc", sa.String(length=60), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("server_received_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("conflict_ids", _JSON, nullable=False),
        sa.Column("flags", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("device_id", "device_seq", name="uq_events_device_seq"),
    )
    op.create_index("ix_events_unit_dossier", "events", ["unit_code", "dossier_uid"])

    op.create_table(
        "rejected_events",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("device_id", _uuid(), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("body", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_events")),
    )
    op.create_index(op.f("ix_rejected_events_device_id"), "rejected_events", ["device_id"])

    op.create_table(
        "dossiers",
        sa.Column("uid", _uuid(), nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("printed_code", sa.String(length=40), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=40), nullable=False),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("personal_id", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("received_day", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("device_id", _uuid(), nullable=False),
        sa.Column("officer_id", _uuid(), nullable=False),
        sa.Column("first_event_id", _uuid(), nullable=False),
        sa.Column("last_event_id", _uuid(), nullable=False),
        sa.Column("last_hlc", sa.String(length=60), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("unit_code", "code", name="uq_dossiers_unit_code"),
    )
    op.create_index(
        "ix_dossiers_duplicate_probe", "dossiers", ["unit_code", "personal_id", "procedure_code", "received_day"]
    )

    op.create_table(
        "change_feed",
        sa.Column("id", _BIGID, autoincrement=True, nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("event_id", _uuid(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_feed")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_change_feed_unit_id", "change_feed", ["unit_code", "id"])
    if op.get_bind().dialect.name == "postgresql":
        # The writing transaction's id: pull reads only transactions below every running one.
        op.execute("ALTER TABLE change_feed ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
        op.execute("CREATE INDEX ix_change_feed_unit_txid ON change_feed (unit_code, txid, id)")

    op.create_table(
        "code_counters",
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_code", "day", name=op.f("pk_code_counters")),
    )
    op.create_table(
        "code_blocks",
        sa.Column("id", _BIGID, autoincrement=True, nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("device_id", _uuid(), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("request_id", _uuid(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_blocks")),
        sa.UniqueConstraint("request_id", "day", name="uq_code_blocks_request_day"),
        sa.UniqueConstraint("unit_code", "day", "first", name="uq_code_blocks_unit_day_first"),
    )
    op.create_index("ix_code_blocks_device_day", "code_blocks", ["device_id", "day"])

    op.create_table(
        "conflicts",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("dossier_uid", _uuid(), nullable=False),
        sa.Column("event_ids", _JSON, nullable=False),
        sa.Column("details", _JSON, nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", _uuid(), nullable=True),
        sa.Column("resolution_event_id", _uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    op.create_index("ix_conflicts_unit_open", "conflicts", ["unit_code", "resolved_at", "opened_at"])

    op.create_table(
        "attachments",
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by", _uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("unit_code", "sha256", name=op.f("pk_attachments")),
    )

    op.create_table(
        "device_sync",
        sa.Column("device_id", _uuid(), nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("last_push_at", sa.DateTime(), nullable=True),
        sa.Column("last_pull_at", sa.DateTime(), nullable=True),
        sa.Column("max_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hlc", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_sync")),
    )
    op.create_index(op.f("ix_device_sync_unit_code"), "device_sync", ["unit_code"])


def downgrade() -> None:
    for table in (
        "device_sync",
        "attachments",
        "conflicts",
        "code_blocks",
        "code_counters",
        "change_feed",
        "dossiers",
        "rejected_events",
        "events",
    ):
        op.drop_table(table)
