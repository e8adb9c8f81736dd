"""A per-month summary of the ended dossiers for the province's indicators (issue 14), PostgreSQL.

Revision ID: 0017
Revises: 0016

``ended_summary`` (server/sync/ended_summary.py): per month of the end, report key and 2.2's minutes per
working day, the sums of the indicators' cell of the ended dossiers with a stored class, as if received
in the period, a row per month and one per year; kept by statement-level triggers on ``dossiers``, with two
partial expression indexes on the summarised dossiers (the carried-over ones of a month; a cell's
dossiers). The table and three partial indexes for what a period reads row by row (open now, ended by
date, not summarised) are made on every database (so the schema is the same); on SQLite the table stays
empty and the indicators read the rows as before. Back-filled here from the dossiers (8 s for a million on
PostgreSQL, bench/bench_province.py's data).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.sync import ended_summary
from server.sync.models import covering_columns

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ended_summary",
        sa.Column("span", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("report_key", sa.Integer(), nullable=False),
        sa.Column("pdm", sa.Integer(), nullable=False),
        *(sa.Column(c, sa.BigInteger() if c in ("minutes", "us") else sa.Integer(), nullable=False)
          for c in ended_summary.SUMS),
        sa.Column("first_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("span", "month", "report_key", "pdm", name=op.f("pk_ended_summary")),
    )  # fmt: skip
    for name, (column, where, covering) in ended_summary.ROW_INDEXES.items():
        op.create_index(
            name, "dossiers", [column], postgresql_where=sa.text(where), sqlite_where=sa.text(where),
            postgresql_include=covering_columns(column) if covering else [],
        )  # fmt: skip
    if op.get_bind().dialect.name == "postgresql":
        for sql in ended_summary.create_statements():
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for sql in ended_summary.drop_statements():
            op.execute(sql)
    for name in ended_summary.ROW_INDEXES:
        op.drop_index(name, "dossiers")
    op.drop_table("ended_summary")
