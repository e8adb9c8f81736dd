"""Change feed in commit order per office (PostgreSQL): a row takes its id under the office's lock.

Revision ID: 0004
Revises: 0003

Before: a page read rows whose writing transaction (``txid``) was below the reader's snapshot
xmin. That horizon is cluster-wide: any transaction holding an xid anywhere in the cluster (a
long import, another database on the same server) held back every office's feed, and a waiting
pull had to wake on every commit of every office to look again.

Now: a ``BEFORE INSERT`` trigger takes a transaction-scoped advisory lock per office and only
then draws the row's id from the sequence. Two transactions writing the same office's feed are
serialised from their first change row to their commit, so within an office the ids are in
commit order and a plain ``id > last`` cursor can never skip a committed row
(tests/server/test_cursor_pg.py). Offices do not wait for each other. SQLite (one writer at a
time) needs nothing.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# First key of the two-int advisory lock: "MCF1" (MotCua feed), so no other lock collides.
LOCK_CLASS = 0x4D434631

_FUNCTION = f"""
CREATE FUNCTION motcua_change_feed_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, hashtext(NEW.unit_code));
    NEW.id := nextval(pg_get_serial_sequence('change_feed', 'id'));
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    op.execute(
        "CREATE TRIGGER change_feed_order BEFORE INSERT ON change_feed"
        " FOR EACH ROW EXECUTE FUNCTION motcua_change_feed_order()"
    )
    op.execute("DROP INDEX IF EXISTS ix_change_feed_unit_txid")
    op.execute("ALTER TABLE change_feed DROP COLUMN IF EXISTS txid")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS change_feed_order ON change_feed")
    op.execute("DROP FUNCTION IF EXISTS motcua_change_feed_order()")
    op.execute("ALTER TABLE change_feed ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute("CREATE INDEX ix_change_feed_unit_txid ON change_feed (unit_code, txid, id)")
