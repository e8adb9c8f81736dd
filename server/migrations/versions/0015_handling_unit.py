"""Each server dossier's handling unit, when another unit than the receiving office decides it (issue 16).

Revision ID: 0015
Revises: 0014

``dossiers.handling_unit``: the unit identifier of the unit that decides the dossier when it is not the
office that received it ("" = the office itself), from the first reception decision's
``procedure.handling_unit`` (app.domain.units; server/sync/push.py). The server puts the dossier's
events on that unit's feed as well, so its department sees the folder, and lets that unit's counters
push the steps (receipt by the department, result) that go back to the receiving office's feed.
Events stored before this revision name no handling unit: "" is what they mean.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("handling_unit", sa.String(20), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("handling_unit")
