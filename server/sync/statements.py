"""The push's statements, built once per database kind with bound parameters.

Building a SQLAlchemy statement and its cache key costs about as much as running it on a
small push; these are built on first use and reused (their compiled form is cached as well).
Lists are one parameter: ``= ANY(:array)`` on PostgreSQL, an expanding ``IN`` on SQLite.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, String, and_, any_, bindparam, case, literal, null, or_, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import ColumnElement

from server.models import UtcDateTime
from server.sync.models import CodeBlockRow, DeviceSync, RejectedEvent, ServerDossier, ServerEvent

NOTIFY_CHANNEL = "motcua_sync"
STATE_COLUMNS = tuple(ServerDossier.__table__.columns)


def _among(column: Any, name: str, postgres: bool, item_type: Any = None) -> ColumnElement[bool]:
    if postgres:
        array = postgresql.ARRAY(item_type if item_type is not None else String())
        return column == any_(bindparam(name, type_=array))  # type: ignore[no-any-return]
    return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Statements:
    """Parameters are named in each statement's comment."""

    known_events: Executable  # ids, device_id, seq_lo, seq_hi → stored or refused events
    dossiers: dict[tuple[bool, bool], Executable]  # (codes?, probes?) → uids [, unit, codes] [, unit, pids, days]
    lock_dossiers: Executable  # uids
    blocks: Executable  # device_id, unit, days
    record_push: Executable  # device_id, unit_code, now, max_seq


@functools.cache
def statements(postgres: bool) -> Statements:
    """The statements for PostgreSQL or SQLite."""
    stored = select(
        ServerEvent.id,
        ServerEvent.device_id,
        ServerEvent.device_seq,
        ServerEvent.reason,
        ServerEvent.conflict_ids,
        ServerEvent.flags,
        literal(False).label("refused"),
    ).where(
        or_(
            _among(ServerEvent.id, "ids", postgres),
            and_(
                ServerEvent.device_id == bindparam("device_id"),
                ServerEvent.device_seq.between(bindparam("seq_lo"), bindparam("seq_hi")),
            ),
        )
    )
    refused = select(
        RejectedEvent.id,
        RejectedEvent.device_id,
        RejectedEvent.device_seq,
        RejectedEvent.reason,
        null().label("conflict_ids"),
        null().label("flags"),
        literal(True).label("refused"),
    ).where(_among(RejectedEvent.id, "ids", postgres))

    # One indexed SELECT per condition: an OR of them makes PostgreSQL scan the table.
    by_uid = select(*STATE_COLUMNS).where(_among(ServerDossier.uid, "uids", postgres))
    by_code = select(*STATE_COLUMNS).where(
        ServerDossier.unit_code == bindparam("unit"), _among(ServerDossier.code, "codes", postgres)
    )
    by_probe = select(*STATE_COLUMNS).where(
        ServerDossier.unit_code == bindparam("unit"),
        _among(ServerDossier.personal_id, "pids", postgres),
        _among(ServerDossier.received_day, "days", postgres, Date()),
    )
    dossiers: dict[tuple[bool, bool], Executable] = {
        (False, False): by_uid,
        (True, False): union_all(by_uid, by_code),
        (False, True): union_all(by_uid, by_probe),
        (True, True): union_all(by_uid, by_code, by_probe),
    }

    insert = postgresql.insert if postgres else sqlite.insert
    upsert = insert(DeviceSync).values(
        device_id=bindparam("device_id"),
        unit_code=bindparam("unit_code"),
        last_push_at=bindparam("now", type_=UtcDateTime()),
        max_seq=bindparam("max_seq"),
        last_hlc="",
    )
    excluded = upsert.excluded
    upsert = upsert.on_conflict_do_update(
        index_elements=[DeviceSync.device_id],
        set_={
            "last_push_at": excluded.last_push_at,
            "max_seq": case((excluded.max_seq > DeviceSync.max_seq, excluded.max_seq), else_=DeviceSync.max_seq),
        },
    )
    return Statements(
        known_events=union_all(stored, refused),
        dossiers=dossiers,
        lock_dossiers=select(*STATE_COLUMNS)
        .where(_among(ServerDossier.uid, "uids", postgres))
        .order_by(ServerDossier.uid)
        .with_for_update(),
        blocks=select(CodeBlockRow.day, CodeBlockRow.first, CodeBlockRow.last).where(
            CodeBlockRow.device_id == bindparam("device_id"),
            CodeBlockRow.unit_code == bindparam("unit"),
            _among(CodeBlockRow.day, "days", postgres, Date()),
        ),
        record_push=upsert,
    )
