"""The class of an ended server dossier and a covering index for the province's indicators.

Revision ID: 0012
Revises: 0011

``dossiers.ended_class``: the Biểu II.06a class (1 early, 2 on time, 3 late) of a dossier that has
ended, the same in every period closing after its end (server/sync/facts.ended_class; NULL while
open, or when a supplement request before the end was never completed), so the indicators
(server/sync/indicators.py) read one small integer per ended dossier instead of working the class out
of six moments. ``ix_dossiers_indicator_facts``: on PostgreSQL the period's dossiers by
``received_at`` with every column the indicators read, so a province's year is an index-only scan of
a tenth of the table (SQLite: a partial index on ``received_at``). The push's fold keeps the class
from now on; existing dossiers are filled with the fold's own function, in batches of dossiers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_BATCH = 5000
_MOMENTS = ("ended_at", "received_due_at", "supplement1_requested_at", "supplement1_completed_at",
            "supplement2_requested_at")  # fmt: skip
INDICATOR_COLUMNS = ("ended_at", "report_key", "end_status", "ended_class", "digitised", "processing_minutes",
                     "processing_us", "processing_day_minutes", "received_due_at", "supplement1_requested_at",
                     "supplement1_completed_at", "supplement2_requested_at", "supplement2_completed_at",
                     "rating")  # fmt: skip
"""What the indicators read of a dossier besides ``received_at`` (the index's included columns)."""
COUNTED = "coalesce(code, printed_code) IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("ended_class", sa.SmallInteger(), nullable=True))
    _backfill(op.get_bind())
    op.create_index(
        "ix_dossiers_indicator_facts", "dossiers", ["received_at"], postgresql_include=list(INDICATOR_COLUMNS),
        postgresql_where=sa.text(COUNTED), sqlite_where=sa.text(COUNTED),
    )  # fmt: skip


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _backfill(conn: sa.Connection) -> None:
    from server.sync.facts import ended_class

    dossiers = sa.table("dossiers", sa.column("uid"), sa.column("end_status"), sa.column("ended_class"),
                        *(sa.column(c) for c in _MOMENTS))  # fmt: skip
    update = dossiers.update().where(dossiers.c.uid == sa.bindparam("b_uid")).values(ended_class=sa.bindparam("b_c"))
    last = ""
    while True:
        rows = conn.execute(
            sa.select(dossiers.c.uid, dossiers.c.end_status, *(dossiers.c[c] for c in _MOMENTS))
            .where(dossiers.c.uid > last, dossiers.c.ended_at.is_not(None)).order_by(dossiers.c.uid).limit(_BATCH)
        ).mappings().all()  # fmt: skip
        if not rows:
            break
        last = rows[-1]["uid"]
        found = []
        for r in rows:
            row = dict(r, **{c: _moment(r[c]) for c in _MOMENTS})
            cls = ended_class(row)
            if cls is not None:
                found.append({"b_uid": r["uid"], "b_c": cls})
        if found:
            conn.execute(update, found)


def downgrade() -> None:
    op.drop_index("ix_dossiers_indicator_facts", table_name="dossiers")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("ended_class")
