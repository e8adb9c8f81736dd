"""Fee receipts across two counters and the REAL central server (issue 16): each counter holds its own
block of receipt numbers issued by the server; both take payments offline, one of them past its block
into its device-slot partition; no number is printed twice, every payment reaches the server, and each
counter ends with the other's payments too."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from app.domain.catalog import Catalog
from app.domain.events import EventType
from app.domain.fee_receipt import BLOCK_SIZE, fallback_range
from app.domain.fees import PayMethod
from app.services.fees import PaymentDraft, record_payment
from app.store.db import transaction
from app.store.models import FeePayment, FeeReceiptBlock, SyncState
from app.sync.conflicts import list_conflicts
from app.sync.fee_wire import FeeReceiptReserveRequest
from tests.conftest import NOW
from tests.sync_support import Counter
from tests.test_sync_e2e import LiveServer, counter, live  # noqa: F401  (fixtures: the real server and its counters)

UNIT = "000.01.00.H49"


def _pay(c: Counter, catalog: Catalog, n: int, name: str) -> int:
    """Receive a dossier (8.000 đồng before) and take its fee; the receipt number."""
    d = c.receive(catalog, name, f"0220900012{n:02d}")
    with transaction(c.factory) as s:
        paid, _ = record_payment(s, c.actor, d.uid, PaymentDraft(("le_phi",), PayMethod.CASH, name), NOW)
    return paid.number


def _blocks(c: Counter) -> list[tuple[int, int, str]]:
    with c.factory() as s:
        return [(b.first, b.last, b.source) for b in s.scalars(select(FeeReceiptBlock).order_by(FeeReceiptBlock.first))]


def test_two_counters_offline_never_print_the_same_receipt_number(
    counter: Callable[[str], Counter],  # noqa: F811
    live: LiveServer,  # noqa: F811
    catalog: Catalog,
) -> None:
    from server.sync.models import FeeReceiptBlockRow, ServerEvent

    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    assert a.engine().run_once().ok and b.engine().run_once().ok  # online: each is issued a block of the year
    blocks_a, blocks_b = _blocks(a), _blocks(b)
    assert blocks_a == [(1, BLOCK_SIZE, "server")] and blocks_b == [(BLOCK_SIZE + 1, 2 * BLOCK_SIZE, "server")]
    assert a.engine().run_once().ok and _blocks(a) == blocks_a  # enough in hand: nothing more asked

    # Offline from here: no sync until every payment is taken.
    taken_a = [_pay(a, catalog, n, "Nguyễn Văn An") for n in range(3)]
    taken_b = [_pay(b, catalog, n, "Trần Thị Bình") for n in range(3, 5)]
    with transaction(b.factory) as s:  # b spends its block: the next receipts come from its slot's partition
        s.execute(update(FeeReceiptBlock).values(next=FeeReceiptBlock.last + 1))
        slot_b = s.get(SyncState, 1).device_slot  # type: ignore[union-attr]
    taken_b += [_pay(b, catalog, n, "Trần Thị Bình") for n in range(5, 7)]
    assert taken_a == [1, 2, 3]
    assert taken_b[:2] == [BLOCK_SIZE + 1, BLOCK_SIZE + 2]
    assert taken_b[2:] == list(fallback_range(slot_b))[:2]
    every = taken_a + taken_b
    assert len(set(every)) == len(every)

    for c in (a, b, a):  # push both, then a pulls b's
        report = c.engine().run_once()
        assert report.ok and report.rejected == 0, report
    with live.tx() as s:
        stored = s.scalars(select(ServerEvent).where(ServerEvent.type == str(EventType.FEE_PAID))).all()
        assert sorted(e.payload["receipt_no"] for e in stored) == sorted(every)
        assert {e.status for e in stored} == {"accepted"}
        issued = s.scalars(select(FeeReceiptBlockRow).order_by(FeeReceiptBlockRow.first)).all()
        assert [(r.first, r.last) for r in issued][:2] == [(1, BLOCK_SIZE), (BLOCK_SIZE + 1, 2 * BLOCK_SIZE)]
    from server.sync.fee_receipts import audit

    with live.tx() as s:
        assert audit(s, UNIT, NOW.year) == []  # every number issued to its device or in its partition, none twice
    for c in (a, b):
        with c.factory() as s:
            numbers = sorted(r.receipt_no for r in s.scalars(select(FeePayment)))
        assert numbers == sorted(every), c.actor.counter_name
    # b's spent block was topped up on its next pass: a new block after a's and b's.
    assert _blocks(b)[-2] == (2 * BLOCK_SIZE + 1, 3 * BLOCK_SIZE, "server")


def test_the_server_issues_a_request_once_and_only_this_year_or_the_next(live: LiveServer) -> None:  # noqa: F811
    from server.sync import fee_receipts

    now = datetime.now(UTC)
    year = now.year
    device = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
    request = FeeReceiptReserveRequest(request_id="0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60", device_id=device,
                                       year=year, size=50)  # fmt: skip
    with live.tx() as s:
        first = fee_receipts.reserve(s, UNIT, request, now)
    with live.tx() as s:
        again = fee_receipts.reserve(s, UNIT, request, now)
        other = fee_receipts.reserve(s, UNIT, request.model_copy(update={"request_id": device[:-1] + "9"}), now)
    assert first == again and [(x.first, x.last) for x in first.blocks] == [(1, 50)]
    assert [(x.first, x.last) for x in other.blocks] == [(51, 100)]
    with live.tx() as s, pytest.raises(fee_receipts.YearOutOfRangeError, match="Hãy kiểm tra ngày giờ"):
        fee_receipts.reserve(
            s, UNIT, request.model_copy(update={"request_id": device[:-1] + "8", "year": year - 1}), now
        )
    with live.tx() as s, pytest.raises(fee_receipts.RequestReusedError):
        fee_receipts.reserve(s, UNIT, request.model_copy(update={"year": year + 1}), now)


def test_the_audit_names_a_number_printed_twice_or_never_issued(
    counter: Callable[[str], Counter],  # noqa: F811
    live: LiveServer,  # noqa: F811
    catalog: Catalog,
) -> None:
    """A PC restored from an old backup reprints numbers it already used; a hand-edited one prints
    outside its blocks: the server keeps both payments as printed and lists them for a supervisor."""
    from server.sync.fee_receipts import audit

    a = counter("Quầy số 01")
    assert a.engine().run_once().ok
    assert _pay(a, catalog, 1, "Nguyễn Văn An") == 1
    with transaction(a.factory) as s:  # the restored backup: the block's counter back at its start
        s.execute(update(FeeReceiptBlock).values(next=FeeReceiptBlock.first))
        s.execute(update(FeePayment).values(receipt_no=500))  # and the payment it knew of renumbered away
    assert _pay(a, catalog, 2, "Trần Thị Bình") == 1
    report = a.engine().run_once()
    assert report.ok and report.flagged == 1, report  # flagged at push time, stored as printed
    with live.tx() as s:
        found = audit(s, UNIT, NOW.year)
    assert [(x.kind, x.number, len(x.event_ids)) for x in found] == [("duplicate", 1, 2)]
    with a.factory() as s:  # the counter shows it at once, named in Vietnamese, with what to do
        shown = [x for x in list_conflicts(s, "open").items if x.kind == "duplicate_receipt"]
        assert len(shown) == 1 and shown[0].kind_label == "Trùng số biên lai thu phí, lệ phí"
        assert "BL26-0000001" in shown[0].description and "không đánh lại số" in shown[0].description
        assert sorted(r.receipt_no for r in s.scalars(select(FeePayment))) == [1, 500]  # nothing renumbered


def test_a_pc_enrolled_after_keeping_its_own_book_never_reuses_a_number(
    counter: Callable[[str], Counter],  # noqa: F811
    live: LiveServer,  # noqa: F811
    catalog: Catalog,
) -> None:
    """A PC that numbered the unit's book itself (1, 2, 3) before it was enrolled: once enrolled it stops
    that book (its printed receipts keep their numbers), its first pass pushes them before it asks for
    receipt numbers, and the server never hands 1 … 3 to any counter of the unit."""
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    own_book = []
    for n in range(3):  # a's standalone days: payments numbered with no device slot, in its own book
        d = a.receive(catalog, "Nguyễn Văn An", f"0220900012{n:02d}")
        with transaction(a.factory) as s:
            state = s.get(SyncState, 1)
            assert state is not None and state.device_slot is not None
            slot_a, state.device_slot = state.device_slot, None
            draft = PaymentDraft(("le_phi",), PayMethod.CASH, "Nguyễn Văn An")
            own_book.append(record_payment(s, a.actor, d.uid, draft, NOW)[0].number)
            state.device_slot = slot_a  # then enrolled: the slot the server gave
    assert own_book == [1, 2, 3] and _blocks(a) == [(1, 9_999_999, "local")]
    offline = _pay(a, catalog, 3, "Nguyễn Văn An")  # enrolled, no block yet: its partition, not its old book
    assert offline == fallback_range(slot_a)[0]
    assert a.engine().run_once().ok  # pushes 1, 2, 3 and then asks for numbers
    assert [x for x in _blocks(a) if x[2] == "server"] == [(4, 3 + BLOCK_SIZE, "server")]
    assert b.engine().run_once().ok
    assert _blocks(b) == [(4 + BLOCK_SIZE, 3 + 2 * BLOCK_SIZE, "server")]
    more_a = [_pay(a, catalog, n, "Nguyễn Văn An") for n in range(4, 6)]
    more_b = [_pay(b, catalog, n, "Trần Thị Bình") for n in range(6, 8)]
    assert more_a == [4, 5] and more_b == [4 + BLOCK_SIZE, 5 + BLOCK_SIZE]
    every = [*own_book, offline, *more_a, *more_b]
    assert len(set(every)) == len(every)
    for c in (a, b, a):
        report = c.engine().run_once()
        assert report.ok and report.flagged == 0 and report.rejected == 0, report
    with a.factory() as s:
        assert sorted(r.receipt_no for r in s.scalars(select(FeePayment))) == sorted(every)


def test_the_counter_lists_a_receipt_printed_twice_in_its_conflicts_screen(
    qtbot: Any,
    counter: Callable[[str], Counter],  # noqa: F811
    live: LiveServer,  # noqa: F811
    catalog: Catalog,
) -> None:
    """Shift+F8 on the counter that printed the number twice: the conflict named in Vietnamese, its two
    payments with their receipt numbers, and what to do."""
    from app.services.office import load_calendar, this_device
    from ui.actions import ActionId
    from ui.changes import ChangeBus
    from ui.context import UiContext
    from ui.main_window import MainWindow
    from ui.ops import OpRunner
    from ui.prompts import Prompts

    a = counter("Quầy số 01")
    assert a.engine().run_once().ok
    assert _pay(a, catalog, 1, "Nguyễn Văn An") == 1
    assert a.engine().run_once().ok
    with transaction(a.factory) as s:  # restored from the backup taken before that payment was synced
        s.execute(update(FeeReceiptBlock).values(next=FeeReceiptBlock.first))
        s.execute(update(FeePayment).values(receipt_no=500))
    assert _pay(a, catalog, 2, "Trần Thị Bình") == 1
    assert a.engine().run_once().flagged == 1
    with a.factory() as s:
        office, calendar = this_device(s), load_calendar(s)
    assert office is not None
    ctx = UiContext(a.factory, OpRunner(a.factory), ChangeBus(), catalog, calendar, office, a.actor, Prompts())
    window = MainWindow(ctx, None)
    qtbot.addWidget(window)
    window.actions_[ActionId.CONFLICTS].trigger()  # Hệ thống → Xung đột cần xử lý (Shift+F8)
    dialog = window.conflicts_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5_000)
    item = dialog.model.item(0)
    assert item.kind_label == "Trùng số biên lai thu phí, lệ phí"
    assert "BL26-0000001 trùng số" in item.description and "không đánh lại số" in item.description
    assert [e.what for e in item.events] == ["Thu phí, lệ phí, biên lai BL26-0000001"]  # its own payment
    dialog.table.selectRow(0)
    if folder := os.environ.get("MOTCUA_SHOTS_DIR"):
        dialog.resize(1366, 768)
        dialog.grab().save(str(Path(folder) / "conflicts_duplicate_receipt.png"))
