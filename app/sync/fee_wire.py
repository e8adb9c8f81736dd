"""Wire schemas of fee receipt number blocks (``POST /fees/receipts/reserve``), shared with server/."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.domain.fee_receipt import SERVER_MAX
from app.sync.wire import UnitCode, Uuid, Wire

Year = Annotated[int, Field(ge=2000, le=2100)]


class FeeReceiptReserveRequest(Wire):
    """Ask for a block of receipt numbers for the caller's unit and ``year``; idempotent by ``request_id``."""

    request_id: Uuid
    device_id: Uuid
    year: Year
    size: Annotated[int, Field(ge=1, le=1000)]


class FeeReceiptBlock(Wire):
    """Numbers ``first`` … ``last`` of (unit, year), issued to one device."""

    unit_code: UnitCode
    year: Year
    first: Annotated[int, Field(ge=1, le=SERVER_MAX)]
    last: Annotated[int, Field(ge=1, le=SERVER_MAX)]


class FeeReceiptReserveResponse(Wire):
    blocks: list[FeeReceiptBlock]
