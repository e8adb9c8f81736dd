"""Alembic environment: runs on the connection handed over by app.store.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from app.store.models import Base

target_metadata = Base.metadata
config = context.config
connection = config.attributes.get("connection")

if connection is None:  # alembic CLI use: `alembic -x db=path/to.db ...`
    url = f"sqlite:///{context.get_x_argument(as_dictionary=True).get('db', 'motcua.db')}"
    connection = create_engine(url).connect()

context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
