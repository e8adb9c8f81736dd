"""Refused events keep a bounded excerpt, never the whole body.

Revision ID: 0007
Revises: 0006

``rejected_events.body`` (the whole refused event, personal ID numbers included: a 50 MB push
added 52.6 MB) becomes ``type``, ``dossier_uid`` and ``excerpt`` (at most 1 KiB of the JSON,
runs of 9–12 digits masked; server/sync/body.py). Rows already stored are converted, then the
body column is dropped. ``received_at`` is indexed for the pruning (server/sync/retention.py).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from server.sync.body import excerpt

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def upgrade() -> None:
    with op.batch_alter_table("rejected_events") as batch:
        batch.add_column(sa.Column("type", sa.String(length=50), nullable=False, server_default=""))
        batch.add_column(sa.Column("dossier_uid", sa.String(length=36), nullable=False, server_default=""))
        batch.add_column(sa.Column("excerpt", sa.Text(), nullable=False, server_default=""))
    table = sa.table(
        "rejected_events",
        sa.column("id", sa.String()),
        sa.column("body", _JSON),
        sa.column("type", sa.String()),
        sa.column("dossier_uid", sa.String()),
        sa.column("excerpt", sa.Text()),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(table.c.id, table.c.body)).all()
    for row_id, body in rows:
        body = body if isinstance(body, dict) else {}
        kind, uid = body.get("type"), body.get("dossier_uid")
        conn.execute(
            table.update()
            .where(table.c.id == row_id)
            .values(
                type=kind[:50] if isinstance(kind, str) else "",
                dossier_uid=uid if isinstance(uid, str) and _UUID.fullmatch(uid) else "",
                excerpt=excerpt(body),
            )
        )
    with op.batch_alter_table("rejected_events") as batch:
        batch.drop_column("body")
        batch.create_index(batch.f("ix_rejected_events_received_at"), ["received_at"])


def downgrade() -> None:
    with op.batch_alter_table("rejected_events") as batch:
        batch.drop_index(batch.f("ix_rejected_events_received_at"))
        batch.add_column(sa.Column("body", _JSON, nullable=False, server_default=sa.text("'{}'")))
        batch.drop_column("excerpt")
        batch.drop_column("dossier_uid")
        batch.drop_column("type")
