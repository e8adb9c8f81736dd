"""sync with the central server: state, code blocks, offline credentials, per-event results

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00

A database that is never enrolled keeps working exactly as before (no sync_state row means
standalone: local numbering, local login).

``dossier.code`` loses its UNIQUE constraint (kept as a plain index): the server accepts and
flags two dossiers printed with the same code at two counters (it never renumbers a printed
code), and every counter pulls both. SQLite cannot drop an inline constraint, so the table is
rebuilt with the same rowids (the FTS index keys on them) and its triggers are recreated.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DOSSIER_COLUMNS = """
    id INTEGER NOT NULL,
    uid VARCHAR(36) NOT NULL,
    code VARCHAR(40),
    unit_code VARCHAR(20) NOT NULL,
    status INTEGER NOT NULL,
    procedure_code VARCHAR(40) NOT NULL,
    procedure_name TEXT NOT NULL,
    field VARCHAR(200) NOT NULL,
    department_code VARCHAR(30) NOT NULL,
    department_name VARCHAR(200) NOT NULL,
    applicant_name VARCHAR(200) NOT NULL,
    personal_id VARCHAR(20) NOT NULL,
    birth_date DATE,
    sex VARCHAR(5) NOT NULL,
    address TEXT NOT NULL,
    phone VARCHAR(20) NOT NULL,
    email VARCHAR(200) NOT NULL,
    received_at DATETIME NOT NULL,
    due_at DATETIME,
    register_no INTEGER,
    officer_id VARCHAR(36) NOT NULL,
    officer_name VARCHAR(200) NOT NULL,
    device_id VARCHAR(36) NOT NULL,
    version INTEGER NOT NULL,
    data JSON NOT NULL,
    search_text TEXT NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    {code_unique}UNIQUE (uid)
"""
DOSSIER_INDEXES = (
    "CREATE INDEX ix_dossier_personal_id ON dossier (personal_id)",
    "CREATE INDEX ix_dossier_phone ON dossier (phone)",
    "CREATE INDEX ix_dossier_received ON dossier (received_at)",
    "CREATE INDEX ix_dossier_status_received ON dossier (status, received_at)",
)
FTS_TRIGGERS = (
    "CREATE TRIGGER dossier_fts_ai AFTER INSERT ON dossier BEGIN"
    " INSERT INTO dossier_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER dossier_fts_ad AFTER DELETE ON dossier BEGIN"
    " INSERT INTO dossier_fts(dossier_fts, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER dossier_fts_au AFTER UPDATE OF search_text ON dossier BEGIN"
    " INSERT INTO dossier_fts(dossier_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
    " INSERT INTO dossier_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)


def _rebuild_dossier(code_unique: bool) -> None:
    for trigger in ("dossier_fts_ai", "dossier_fts_ad", "dossier_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute(f"CREATE TABLE _dossier_new ({DOSSIER_COLUMNS.format(code_unique='UNIQUE (code), ' * code_unique)})")
    op.execute("INSERT INTO _dossier_new SELECT * FROM dossier")  # same columns, same order, same rowids
    op.execute("DROP TABLE dossier")
    op.execute("ALTER TABLE _dossier_new RENAME TO dossier")
    for statement in (*DOSSIER_INDEXES, *FTS_TRIGGERS):
        op.execute(statement)
    if not code_unique:
        op.execute("CREATE INDEX ix_dossier_code ON dossier (code)")


def upgrade() -> None:
    _rebuild_dossier(code_unique=False)
    op.add_column("event", sa.Column("sync_status", sa.String(length=20), server_default="", nullable=False))
    op.add_column("event", sa.Column("synced_at", sa.DateTime(), nullable=True))
    op.add_column("event", sa.Column("conflict_ids", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("outbox", sa.Column("last_attempt_at", sa.DateTime(), nullable=True))
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_url", sa.String(length=300), nullable=False),
        sa.Column("enrolled", sa.Boolean(), nullable=False),
        sa.Column("device_slot", sa.Integer(), nullable=True),
        sa.Column("pull_cursor", sa.String(length=200), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_server_time", sa.DateTime(), nullable=True),
        sa.Column("clock_offset_s", sa.Double(), nullable=False),
        sa.Column("next_retry_at", sa.DateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("reference_etag", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "code_block",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("next", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_code", "day", "first", name="uq_code_block_start"),
    )
    op.create_index("ix_code_block_day", "code_block", ["unit_code", "day"], unique=False)
    op.create_table(
        "code_request",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_table(
        "offline_credential",
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("verifier", sa.String(length=200), nullable=False),
        sa.Column("grant_issued_at", sa.DateTime(), nullable=False),
        sa.Column("grant_expires_at", sa.DateTime(), nullable=False),
        sa.Column("grant_signature", sa.Text(), nullable=False),
        sa.Column("last_server_time", sa.DateTime(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("officer_id"),
        sa.UniqueConstraint("username"),
    )


def downgrade() -> None:
    op.drop_table("offline_credential")
    op.drop_table("code_request")
    op.drop_index("ix_code_block_day", table_name="code_block")
    op.drop_table("code_block")
    op.drop_table("sync_state")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("last_attempt_at")
    with op.batch_alter_table("event") as batch_op:
        batch_op.drop_column("conflict_ids")
        batch_op.drop_column("synced_at")
        batch_op.drop_column("sync_status")
    _rebuild_dossier(code_unique=True)  # fails if duplicate codes were pulled meanwhile
