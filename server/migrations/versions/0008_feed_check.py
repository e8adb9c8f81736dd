"""Events the feed withholds, and a check of the stored feed due after the upgrade.

Revision ID: 0008
Revises: 0007

A server before 0007 stored pushed events without checking them against their contracts (a
payload nested 300 deep, NaN, lone surrogates, a 5 MiB note): one of them in a page failed
every pull of that page. ``withheld_events`` records the change rows taken out of the feed
(server/sync/quarantine.py; the row stays, served as a ``withheld`` change) and why.
``feed_check.due_through``: change rows up to this id were stored before the upgrade and have
not been checked yet. The migration only records it (``max(id)``: instant on any table); the
server checks them in the background at start, and the feed checks them as it serves them
until then.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "withheld_events",
        sa.Column("change_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("withheld_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_withheld_events")),
    )
    feed_check = op.create_table(
        "feed_check",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due_through", sa.BigInteger(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("checked", sa.BigInteger(), nullable=False),
        sa.Column("withheld", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_check")),
    )
    due = op.get_bind().execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM change_feed")).scalar_one()
    op.bulk_insert(feed_check, [{"id": 1, "due_through": int(due), "checked_at": None, "checked": 0, "withheld": 0}])


def downgrade() -> None:
    # Withheld rows go back into the feed as they were (the events were never changed).
    op.execute(
        "UPDATE change_feed SET kind = (SELECT w.kind FROM withheld_events w WHERE w.change_id = change_feed.id) "
        "WHERE id IN (SELECT change_id FROM withheld_events)"
    )
    op.drop_table("feed_check")
    op.drop_table("withheld_events")
