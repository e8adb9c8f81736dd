"""Fee receipt numbers on this PC: taken in the payment's transaction, topped up from the server.

The rule is app.domain.fee_receipt's: a standalone PC numbers its unit's book itself; an enrolled
PC takes server-issued blocks (lowest first), then its own fallback partition (unique by its
device slot), so two counters never print the same number, online or not; once enrolled it never
goes on with the book it kept while standalone (the sync pass pushes before it asks for receipt
numbers, so the server cuts its blocks above what that book printed). A number is taken
inside the payment's transaction (the event and the spent number commit together), and a number
once taken is never handed out again by this PC.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.domain import fee_receipt
from app.domain.events import new_id
from app.errors import UserFacingError
from app.store.models import FeePayment, FeeReceiptBlock, FeeReceiptRequest
from app.sync.codes import FALLBACK, SERVER, store_server_blocks  # one meaning of a block's source
from app.sync.fee_wire import FeeReceiptReserveResponse

log = logging.getLogger(__name__)

LOCAL = "local"


class ReceiptNumbersExhaustedError(UserFacingError):
    """Neither a server block nor the device's fallback partition has a receipt number left."""


def _taken(session: Session, unit_code: str, year: int, number: int) -> bool:
    found = session.scalar(
        select(FeePayment.event_id)
        .where(FeePayment.unit_code == unit_code, FeePayment.receipt_year == year, FeePayment.receipt_no == number)
        .limit(1)
    )
    return found is not None


def _next_block(session: Session, unit_code: str, year: int, enrolled: bool) -> FeeReceiptBlock | None:
    # An enrolled PC never goes on with the book it kept while standalone: the server may have handed
    # those numbers to other counters. A standalone PC has only its own book.
    sources = (SERVER, FALLBACK) if enrolled else (LOCAL,)
    return session.scalars(
        select(FeeReceiptBlock)
        .where(
            FeeReceiptBlock.unit_code == unit_code,
            FeeReceiptBlock.year == year,
            FeeReceiptBlock.next <= FeeReceiptBlock.last,
            FeeReceiptBlock.source.in_(sources),
        )
        .order_by(case((FeeReceiptBlock.source == FALLBACK, 1), else_=0), FeeReceiptBlock.first)
        .limit(1)
    ).first()


def _open(session: Session, unit_code: str, year: int, numbers: range, source: str) -> FeeReceiptBlock:
    block = FeeReceiptBlock(
        unit_code=unit_code, year=year, first=numbers.start, last=numbers.stop - 1, next=numbers.start, source=source
    )
    session.add(block)
    session.flush()
    return block


def take_receipt_number(session: Session, unit_code: str, year: int, slot: int | None) -> int:
    """The next receipt number of (unit, year), taken in the caller's transaction.

    ``slot`` None: a standalone PC, numbering the unit's book from 1. Else server blocks first,
    then the device's fallback partition (opened on first use), and never the book this PC kept
    while standalone (its printed receipts keep their numbers; the server learns them from the
    push and cuts its blocks above them). A number already on a stored payment (the standalone
    book's, a restored backup, a server that issued a run twice) is skipped.

    Raises:
        ReceiptNumbersExhaustedError: an enrolled PC has nothing left for the year.
    """
    while True:
        block = _next_block(session, unit_code, year, enrolled=slot is not None)
        if block is None:
            source = LOCAL if slot is None else FALLBACK
            opened = session.scalar(
                select(FeeReceiptBlock.id).where(
                    FeeReceiptBlock.unit_code == unit_code,
                    FeeReceiptBlock.year == year,
                    FeeReceiptBlock.source == source,
                )
            )
            if opened is not None:
                raise ReceiptNumbersExhaustedError(
                    f"Máy trạm đã dùng hết số biên lai thu phí, lệ phí năm {year} được cấp, kể cả số dự phòng khi"
                    " mất kết nối. Hãy kết nối lại máy chủ để nhận thêm số, hoặc báo bộ phận CNTT."
                )
            numbers = range(1, fee_receipt.NUMBER_MAX + 1) if slot is None else fee_receipt.fallback_range(slot)
            block = _open(session, unit_code, year, numbers, source)
        number = block.next
        block.next += 1
        if not _taken(session, unit_code, year, number):
            return number


def add_server_blocks(session: Session, unit_code: str, answer: FeeReceiptReserveResponse, request_id: str) -> int:
    """Store the blocks the server issued (once, even when a retried request answers them again)."""
    kept = [(b.year, b.first, b.last) for b in answer.blocks
            if b.unit_code == unit_code and b.first <= b.last <= fee_receipt.SERVER_MAX]  # fmt: skip
    return store_server_blocks(session, FeeReceiptBlock, unit_code, "year", kept, request_id)


def server_numbers_left(session: Session, unit_code: str, year: int) -> int:
    """Unused server-issued receipt numbers for the year."""
    left = session.scalar(
        select(func.sum(FeeReceiptBlock.last - FeeReceiptBlock.next + 1)).where(
            FeeReceiptBlock.unit_code == unit_code,
            FeeReceiptBlock.year == year,
            FeeReceiptBlock.source == SERVER,
            FeeReceiptBlock.next <= FeeReceiptBlock.last,
        )
    )
    return int(left or 0)


class ReceiptReserver(Protocol):
    """The transport call the top-up needs (app.sync.transport.Transport has it)."""

    def reserve_fee_receipts(self, request_id: str, year: int, size: int) -> FeeReceiptReserveResponse: ...


def top_up(
    tx: Callable[[], AbstractContextManager[Session]],
    transport: ReceiptReserver,
    unit_code: str,
    today: date,
    clock: Callable[[], datetime],
) -> int:
    """Keep at least :data:`app.domain.fee_receipt.LOW_WATER` server numbers for this year (and, in
    December, the next). A request is stored before it is sent and resent as it was until
    answered, so no number is issued twice or lost. Returns how many blocks were added.

    Raises whatever the transport raises (the caller decides which failures stop the pass).
    """
    added = 0
    years = [today.year, today.year + 1] if today.month == 12 else [today.year]
    for year in years:
        with tx() as s:
            pending = s.scalars(
                select(FeeReceiptRequest).where(
                    FeeReceiptRequest.done.is_(False),
                    FeeReceiptRequest.year == year,
                    FeeReceiptRequest.unit_code == unit_code,
                )
            ).first()
            if pending is None:
                if server_numbers_left(s, unit_code, year) >= fee_receipt.LOW_WATER:
                    continue
                pending = FeeReceiptRequest(
                    request_id=new_id(),
                    unit_code=unit_code,
                    year=year,
                    size=fee_receipt.BLOCK_SIZE,
                    created_at=clock(),
                    done=False,
                )
                s.add(pending)
            request_id, size = pending.request_id, pending.size
        answer = transport.reserve_fee_receipts(request_id, year, size)
        with tx() as s:
            added += add_server_blocks(s, unit_code, answer, request_id)
            request = s.get(FeeReceiptRequest, request_id)
            if request is not None:
                request.done = True
    return added


def drop_pending(tx: Callable[[], AbstractContextManager[Session]]) -> None:
    """Forget unanswered requests the server refused (asked afresh next time)."""
    with tx() as s:
        for request in s.scalars(select(FeeReceiptRequest).where(FeeReceiptRequest.done.is_(False))):
            request.done = True
