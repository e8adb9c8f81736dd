"""the supervisor's queues without walking every open dossier

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 20:00:00

Opening the supervision workspace counted the dossiers in progress per department by walking one
index entry per open dossier, and the supplement queue by reading every status-5 row for its
``code`` (bench/bench_queues.py --diagnose). Two structures answer those counts instead:

- ``queue_tally``: how many dossiers each (status, department, with or without a code) holds, kept by
  triggers on ``dossier`` (every write path keeps it: the projection, a sync pull, a migration, a
  test's raw insert). The processing queue's per-department counts, the supplement and the pick-up
  counts are read from it.
- ``ix_dossier_supplement_queue``: a partial index on ``(status, department_code, updated_at)``
  holding only the dossiers asked for a supplement after reception (status 5 with a code): the
  queue's first rows, oldest request first (when SQLite's planner takes it: it does once the file
  has statistics, as the benchmark's has). A status-5 dossier without a code is the
  counter's guidance for an incomplete dossier: tens of thousands in a busy office's history.

A later migration that rebuilds the ``dossier`` table must create :data:`TALLY_TRIGGERS` again.
"""

from alembic import op
from sqlalchemy import text

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_ADD = (
    "INSERT INTO queue_tally (status, department_code, coded, n)"
    " VALUES ({0}.status, coalesce({0}.department_code, ''), {0}.code IS NOT NULL, 1)"
    " ON CONFLICT (status, department_code, coded) DO UPDATE SET n = n + 1;"
)
_REMOVE = (
    "UPDATE queue_tally SET n = n - 1 WHERE status = {0}.status"
    " AND department_code = coalesce({0}.department_code, '') AND coded = ({0}.code IS NOT NULL);"
)
TALLY_TRIGGERS = (
    f"CREATE TRIGGER dossier_tally_ai AFTER INSERT ON dossier BEGIN {_ADD.format('new')} END",
    f"CREATE TRIGGER dossier_tally_ad AFTER DELETE ON dossier BEGIN {_REMOVE.format('old')} END",
    "CREATE TRIGGER dossier_tally_au AFTER UPDATE OF status, department_code, code ON dossier"
    " WHEN old.status IS NOT new.status OR old.department_code IS NOT new.department_code"
    " OR (old.code IS NULL) != (new.code IS NULL)"
    f" BEGIN {_REMOVE.format('old')} {_ADD.format('new')} END",
)
"""The triggers that keep ``queue_tally`` equal to ``SELECT status, department_code, code IS NOT NULL, count(*) …
GROUP BY``."""


def upgrade() -> None:
    op.create_index("ix_dossier_supplement_queue", "dossier", ["status", "department_code", "updated_at"],
                    sqlite_where=text("status = 5 AND code IS NOT NULL"))  # fmt: skip
    op.execute(
        "CREATE TABLE queue_tally (status INTEGER NOT NULL, department_code VARCHAR(30) NOT NULL,"
        " coded INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (status, department_code, coded)) WITHOUT ROWID"
    )
    op.execute(
        "INSERT INTO queue_tally (status, department_code, coded, n)"
        " SELECT status, coalesce(department_code, ''), code IS NOT NULL, count(*) FROM dossier GROUP BY 1, 2, 3"
    )
    for trigger in TALLY_TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in ("dossier_tally_au", "dossier_tally_ad", "dossier_tally_ai"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE queue_tally")
    op.drop_index("ix_dossier_supplement_queue", table_name="dossier")
