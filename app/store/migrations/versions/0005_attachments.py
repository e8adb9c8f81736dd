"""attachments of dossiers and the queue of files to upload

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 09:00:00

New tables only: no attachment event exists before this version, so nothing is backfilled.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("dossier_uid", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("requirement_index", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("attached_at", sa.DateTime(), nullable=False),
        sa.Column("officer_name", sa.String(length=200), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("ix_attachment_dossier", "attachment", ["dossier_uid", "attached_at"])
    op.create_table(
        "blob_upload",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_index("ix_blob_upload_state", "blob_upload", ["state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_blob_upload_state", table_name="blob_upload")
    op.drop_table("blob_upload")
    op.drop_index("ix_attachment_dossier", table_name="attachment")
    op.drop_table("attachment")
