"""Blocks of dossier numbers handed to devices ahead of time, per unit and day.

Numbers 1…``SERVER_BLOCK_MAX`` of each unit and day are cut into blocks under a lock on the
(unit, day) counter row, so two devices never get overlapping numbers; the unique constraint
(unit, day, first) backs that up. A request is idempotent by ``request_id``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.sync.wire import SERVER_BLOCK_MAX, CodeBlock, ReserveRequest, ReserveResponse
from server.sync import dialect
from server.sync.models import CodeBlockRow, CodeCounter


class RequestReusedError(ValueError):
    """The request id was used before by another device (or for other days)."""


def _issued(session: Session, request_id: str) -> list[CodeBlockRow]:
    return list(
        session.scalars(select(CodeBlockRow).where(CodeBlockRow.request_id == request_id).order_by(CodeBlockRow.day))
    )


def _answer(rows: list[CodeBlockRow]) -> ReserveResponse:
    return ReserveResponse(
        blocks=[CodeBlock(unit_code=r.unit_code, day=r.day, first=r.first, last=r.last) for r in rows]
    )


def _same_request(rows: list[CodeBlockRow], device_id: str) -> list[CodeBlockRow]:
    if any(r.device_id != device_id for r in rows):
        raise RequestReusedError(rows[0].request_id)
    return rows


def reserve(session: Session, unit_code: str, request: ReserveRequest, now: datetime) -> ReserveResponse:
    """Issue (or return the already issued) blocks of ``request`` to its device.

    A day whose numbers are used up gets no block; a day with fewer numbers left than asked
    gets a shorter block. The caller commits.

    Raises:
        RequestReusedError: ``request_id`` belongs to another device.
    """
    rows = _issued(session, request.request_id)
    if rows:
        return _answer(_same_request(rows, request.device_id))
    try:
        with session.begin_nested():
            rows = _cut(session, unit_code, request, now)
    except IntegrityError:
        # The same request ran concurrently and committed first: answer what it got.
        rows = _issued(session, request.request_id)
        if not rows:
            raise
        _same_request(rows, request.device_id)
    return _answer(rows)


def _cut(session: Session, unit_code: str, request: ReserveRequest, now: datetime) -> list[CodeBlockRow]:
    rows = []
    for day in sorted(set(request.days)):  # one lock order for every request: no deadlock
        session.execute(
            dialect.upsert(session, CodeCounter)
            .values(unit_code=unit_code, day=day, last=0)
            .on_conflict_do_nothing(index_elements=[CodeCounter.unit_code, CodeCounter.day])
        )
        counter = session.scalars(
            select(CodeCounter)
            .where(CodeCounter.unit_code == unit_code, CodeCounter.day == day)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        first = counter.last + 1
        if first > SERVER_BLOCK_MAX:
            continue
        last = min(first + request.size - 1, SERVER_BLOCK_MAX)
        counter.last = last
        row = CodeBlockRow(
            unit_code=unit_code,
            day=day,
            device_id=request.device_id,
            first=first,
            last=last,
            request_id=request.request_id,
            issued_at=now,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows
