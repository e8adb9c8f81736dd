"""Failed logins remember the device they came from: a user name is locked per (user name, device).

Revision ID: 0006
Revises: 0005

Before: five wrong passwords for a user name, from any enrolled PC, locked that user name out
everywhere for 15 minutes, so one PC could lock every officer of the office out by name. Now
the lock counts the failures of the user name *on one device* (server/auth.py). Existing rows get
``device_id`` "" (they expire within the 15-minute window anyway).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempts") as batch:
        batch.add_column(sa.Column("device_id", sa.String(length=36), server_default="", nullable=False))
        batch.drop_index("ix_login_attempts_username_at")
        batch.create_index("ix_login_attempts_username_device_at", ["username", "device_id", "attempted_at"])


def downgrade() -> None:
    with op.batch_alter_table("login_attempts") as batch:
        batch.drop_index("ix_login_attempts_username_device_at")
        batch.create_index("ix_login_attempts_username_at", ["username", "attempted_at"])
        batch.drop_column("device_id")
