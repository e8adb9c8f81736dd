"""Fee receipt numbers (Biên lai thu phí, lệ phí): the numbering rule, offline-safe like dossier codes.

The rule (issue 16; DOMAIN.md §9 "a fee receipt numbered from 1 each year"):

* A receipt is identified by its unit, its **year** and its **number** ("Số"), printed with seven
  digits (``0000001``) under the series symbol ("Ký hiệu") of the unit's book for that year,
  ``BL`` + the year's last two digits (``BL26``; an assumption of ours, configurable later — the
  Ministry of Finance lets each collecting unit register its own symbol). Numbering starts again
  at 1 every 1 January (office local time).
* **Standalone PC** (no central server): one local counter per unit and year, 1, 2, 3 …
* **Enrolled PC**: numbers 1 … :data:`SERVER_MAX` of each unit and year are handed out by the
  server in blocks, in order, under a lock on the (unit, year) counter (server/sync/fee_receipts.py),
  ahead of time (app/sync/fee_receipts.py keeps at least :data:`LOW_WATER` in hand). Two PCs get
  disjoint blocks, so they never print the same number even while both are offline.
* A PC that has used up its blocks while offline takes numbers from its own **fallback
  partition** of the same year's book, above the server's range: device slot ``s`` (0 … 99, given
  by the server at enrolment and unique in the unit) owns
  ``FALLBACK_BASE + s·FALLBACK_SIZE + 1 … FALLBACK_BASE + (s+1)·FALLBACK_SIZE − 1``
  (slot 0: 9000001 … 9009999). Unique by construction, with no network.
* **Numbers printed outside the server's blocks** (a standalone PC's own book, carried on after
  it is enrolled later the same year; an older client): the server never issues a number already
  printed on a pushed payment of the unit and year — each block starts above the highest such
  number in 1 … :data:`SERVER_MAX` (``fee_receipts_printed``, server migration 0016) — and a sync
  pass pushes the outbox *before* it asks for receipt numbers (app/sync/engine.py: codes, push,
  receipts), so the first pass after enrolment tells the server what the standalone book printed
  before any block is cut. The enrolled PC itself never goes on with its standalone book: it takes
  server blocks, then its fallback partition, skipping any number already on one of its stored
  payments. Its printed receipts keep their numbers.
* A number is taken in the same transaction as the payment event that prints it, so a crash
  keeps both or neither; a number once taken is never handed out again, and a printed receipt's
  number never changes. The server keeps every pushed payment (the event) as printed. A pushed
  payment whose (unit, year, number) is already on another payment (two books numbered apart, a
  PC restored from an old backup) is stored and flagged at push time as conflict
  ``duplicate_receipt``, shown on the counter and to the supervisor;
  ``server.sync.fee_receipts.audit`` (``motcua-server admin fee-audit``) lists every number
  printed twice or outside what the device was issued — never a reason to renumber.
"""

from __future__ import annotations

SERVER_MAX = 8_999_999
"""The last number the server hands out in blocks for one unit and year."""
FALLBACK_BASE = 9_000_000
FALLBACK_SIZE = 10_000
NUMBER_MAX = 9_999_999
"""Seven printed digits."""
BLOCK_SIZE = 100
"""Numbers asked for at a time."""
LOW_WATER = 30
"""Ask for more when fewer than this many server numbers are left for the year."""


def fallback_range(slot: int) -> range:
    """The receipt numbers device ``slot`` may use once its server blocks are spent."""
    if not 0 <= slot <= 99:
        raise ValueError(f"device slot {slot} is outside 0…99")
    start = FALLBACK_BASE + FALLBACK_SIZE * slot
    return range(start + 1, start + FALLBACK_SIZE)


def series_symbol(year: int) -> str:
    """The book's series symbol ("Ký hiệu") for ``year``: ``BL26`` for 2026."""
    return f"BL{year % 100:02d}"


def format_number(number: int) -> str:
    """A receipt number as printed: seven digits."""
    if not 1 <= number <= NUMBER_MAX:
        raise ValueError(f"receipt number {number} is outside 1…{NUMBER_MAX}")
    return f"{number:07d}"


def receipt_label(year: int, number: int) -> str:
    """ "Ký hiệu BL26 – Số 0000001" in short: ``BL26-0000001``."""
    return f"{series_symbol(year)}-{format_number(number)}"
