"""Dossier numbers on an enrolled PC: from server-issued blocks, then the device's own partition.

The server issues runs of 0001–4999 per unit and day ahead of time (app.sync.engine reserves
them); a PC that runs out while offline falls back to its partition of 5000–9999
(:func:`app.sync.wire.fallback_range`), unique by construction. A number is taken inside the
receipt's own transaction, so a crash keeps both the dossier and the spent number or neither,
and a number once taken is never handed out again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.domain.codes import format_dossier_code
from app.errors import UserFacingError
from app.store.models import CodeBlock, Dossier
from app.sync import wire

SERVER = "server"
FALLBACK = "fallback"


class CodesExhaustedError(UserFacingError):
    """Neither a server block nor the device's fallback partition has a number left for the day."""


@dataclass(frozen=True, slots=True)
class DayCodes:
    """How many numbers this PC still holds for one unit and day."""

    day: date
    server_left: int
    fallback_left: int | None  # None: fallback partition not opened that day


def _code_taken(session: Session, unit_code: str, day: date, number: int) -> bool:
    code = format_dossier_code(unit_code, day, number)
    return session.scalar(select(Dossier.id).where(Dossier.code == code).limit(1)) is not None


def take_number(session: Session, unit_code: str, day: date, slot: int) -> int:
    """Take the next dossier number for (unit, day) in the caller's transaction.

    Server blocks first (lowest first), then the device's fallback partition for ``slot``
    (opened on first use). A number already on a stored dossier (restored backup, a server that
    issued a run twice) is skipped, never printed twice by this PC.

    Raises:
        CodesExhaustedError: nothing left for the day.
    """
    fallback = wire.fallback_range(slot)
    while True:
        block = session.scalars(
            select(CodeBlock)
            .where(CodeBlock.unit_code == unit_code, CodeBlock.day == day, CodeBlock.next <= CodeBlock.last)
            .order_by(case((CodeBlock.source == SERVER, 0), else_=1), CodeBlock.first)
            .limit(1)
        ).first()
        if block is None:
            opened = session.scalar(
                select(CodeBlock.id).where(
                    CodeBlock.unit_code == unit_code, CodeBlock.day == day, CodeBlock.source == FALLBACK
                )
            )
            if opened is not None:
                raise CodesExhaustedError(
                    f"Máy trạm đã dùng hết số hồ sơ được cấp cho ngày {day:%d/%m/%Y}, kể cả"
                    f" {len(fallback)} số dự phòng khi mất kết nối. Hãy kết nối lại máy chủ để nhận"
                    " thêm số, hoặc báo bộ phận CNTT."
                )
            block = CodeBlock(
                unit_code=unit_code,
                day=day,
                first=fallback.start,
                last=fallback.stop - 1,
                next=fallback.start,
                source=FALLBACK,
            )
            session.add(block)
            session.flush()
        number = block.next
        block.next += 1
        if not _code_taken(session, unit_code, day, number):
            return number


def add_server_blocks(session: Session, unit_code: str, blocks: list[wire.CodeBlock], request_id: str) -> int:
    """Store blocks the server issued (again after a retried request: stored once). Returns how
    many were new; blocks of another unit or overlapping the fallback range are ignored."""
    kept = [(b.day, b.first, b.last) for b in blocks
            if b.unit_code == unit_code and b.first <= b.last <= wire.SERVER_BLOCK_MAX]  # fmt: skip
    return store_server_blocks(session, CodeBlock, unit_code, "day", kept, request_id)


def store_server_blocks(
    session: Session, model: Any, unit_code: str, key: str, blocks: Iterable[tuple[object, int, int]], request_id: str
) -> int:
    """Store checked server blocks, each (``key`` value, first, last) of ``unit_code``, in ``model``
    (:class:`CodeBlock` by day, app.store.models.FeeReceiptBlock by year): a block already stored (a
    retried request answered again) is stored once. Returns how many were new."""
    added = 0
    for value, first, last in blocks:
        exists = session.scalar(
            select(model.id).where(model.unit_code == unit_code, getattr(model, key) == value, model.first == first)
        )
        if exists is None:
            session.add(model(unit_code=unit_code, **{key: value}, first=first, last=last, next=first, source=SERVER,
                              request_id=request_id))  # fmt: skip
            added += 1
    session.flush()
    return added


def server_numbers_left(session: Session, unit_code: str, days: list[date]) -> dict[date, int]:
    """Unused server-issued numbers per day (0 for a day with none)."""
    rows = session.execute(
        select(CodeBlock.day, func.sum(CodeBlock.last - CodeBlock.next + 1))
        .where(
            CodeBlock.unit_code == unit_code,
            CodeBlock.day.in_(days),
            CodeBlock.source == SERVER,
            CodeBlock.next <= CodeBlock.last,
        )
        .group_by(CodeBlock.day)
    ).all()
    left = {d: 0 for d in days}
    left.update({d: int(n or 0) for d, n in rows})
    return left


def codes_on_hand(session: Session, unit_code: str, day: date) -> DayCodes:
    """What is left for ``day`` (for the status and the outbox screen)."""
    server = server_numbers_left(session, unit_code, [day])[day]
    fb = session.scalars(
        select(CodeBlock).where(CodeBlock.unit_code == unit_code, CodeBlock.day == day, CodeBlock.source == FALLBACK)
    ).first()
    return DayCodes(day, server, None if fb is None else max(0, fb.last - fb.next + 1))
