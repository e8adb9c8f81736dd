"""Alembic environment of the server: runs on the connection handed over by server.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import server.models
import server.sync.models  # noqa: F401  (registers the sync tables)
from server.db import Base

target_metadata = Base.metadata
config = context.config
connection = config.attributes.get("connection")

if connection is None:  # alembic CLI use: `alembic -x url=postgresql+psycopg://… upgrade head`
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///motcua-server.db")
    connection = create_engine(url).connect()

context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
