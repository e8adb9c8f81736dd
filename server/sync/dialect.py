"""The few statements that differ between SQLite and PostgreSQL: upserts, array membership, bulk rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Table, any_, exc, insert, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from server.db import Base
from server.models import UtcDateTime


def upsert(session: Session, model: Any) -> Any:
    """``INSERT`` with ``ON CONFLICT`` support for the session's database (PostgreSQL or SQLite)."""
    if is_postgres(session):
        return postgresql.insert(model)
    return sqlite.insert(model)


def is_postgres(session: Session) -> bool:
    """Whether ``session`` talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def among(column: Any, values: Iterable[Any], postgres: bool) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``, one parameter however many values.

    (A 500-value ``IN`` list makes a new statement text per batch size, which is parsed anew.)
    """
    values = list(values)
    if postgres:
        return column == any_(literal(values, postgresql.ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]


def _utc_naive(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None)


def _jsonb(value: Any) -> Any:
    return None if value is None else Jsonb(value)


def _converter(column_type: Any) -> Callable[[Any], Any] | None:
    if isinstance(column_type, UtcDateTime):
        return _utc_naive
    if isinstance(column_type, JSON) or isinstance(getattr(column_type, "impl", None), JSON):
        return _jsonb
    return None


def bulk_insert(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table in the session's transaction.

    PostgreSQL: one ``COPY … FROM STDIN`` on the session's own connection (values converted as
    the column types would: aware datetimes to naive UTC, JSON to JSONB); errors are raised as
    SQLAlchemy's ``IntegrityError`` / ``DataError`` like any statement's. SQLite: an executemany.
    """
    if not rows:
        return
    table = cast(Table, model.__table__)
    if not is_postgres(session):
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    converters = [_converter(table.c[name].type) for name in names]
    columns = ", ".join(f'"{n}"' for n in names)
    copy_sql = f'COPY "{table.name}" ({columns}) FROM STDIN'
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    try:
        with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row([f(row[n]) if f else row[n] for n, f in zip(names, converters, strict=True)])
    except psycopg.errors.IntegrityError as error:
        raise exc.IntegrityError(copy_sql, None, error) from error
    except psycopg.errors.DataError as error:
        raise exc.DataError(copy_sql, None, error) from error
