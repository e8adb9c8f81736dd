"""One handover batch number everywhere (issue 15 item 9): short, digits only, from the random part of
the batch's UUIDv7, read back from a scan (older records' 39-digit and UUID forms too), ambiguity said."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from app.domain.batch_number import BATCH_PREFIX, batch_number, batch_ref
from app.domain.events import new_id
from app.domain.scan import ScanKind, classify
from app.errors import UserFacingError
from app.services.handover import add_scan, counter_place, department_place, find_batch, open_batch, send_batch
from app.store.db import transaction
from tests.app.test_reception import draft, receive
from tests.conftest import NOW

TP = "XA-TP"
BATCH = "0193a5f2-7c1e-7d3a-9b2e-4f5a6b7c8d9e"


def test_the_number_is_thirteen_digits_from_the_random_bits() -> None:
    number = batch_number(BATCH)
    assert number == f"BG-{0x5A6B7C8D9E:013d}" == "BG-0388350381470"
    assert number == batch_number(BATCH.upper()) == batch_number(number)  # idempotent, any case
    assert all(batch_number(new_id()).removeprefix(BATCH_PREFIX).isdigit() for _ in range(50))
    assert {len(batch_number(new_id())) for _ in range(50)} == {3 + 13}


def test_two_batches_made_in_the_same_second_have_different_numbers() -> None:
    ids = [new_id() for _ in range(200)]  # well within one second, same first 8 hex digits mostly
    assert len({i[:8] for i in ids}) < len(ids)  # the old on-screen "BG-01a24fe9" named several batches
    assert len({batch_number(i) for i in ids}) == len(ids)


@pytest.mark.parametrize(
    "printed",
    [
        "BG-0388350381470",  # today's record
        f"BG-{uuid.UUID(BATCH).int:039d}",  # a record printed before: the UUID as 39 digits
        f"BG-{BATCH}",  # an older screen's "BG-<uuid>"
        f"bg-{BATCH.upper()}",
    ],
)
def test_each_printed_form_is_read_back_and_shown_as_the_short_number(printed: str) -> None:
    scan = classify(printed)
    assert scan.kind is ScanKind.BATCH
    assert "BG-0388350381470" in scan.message
    assert batch_ref(printed).number == "BG-0388350381470"
    assert scan.value in (BATCH, "0388350381470")


def test_a_product_barcode_of_thirteen_digits_is_not_a_batch() -> None:
    assert classify("8934567890123").kind is ScanKind.UNKNOWN  # EAN-13: no "BG-"
    assert batch_ref("BG-9999999999999").id_suffix == ""  # above 2**40: no batch can have it


def _send(factory, actor, catalog, minutes: int, batch_id: str | None = None):
    d = receive(factory, actor, catalog, draft(catalog, "1.004859"), NOW + timedelta(minutes=minutes))
    with transaction(factory) as s:
        batch = open_batch(counter_place(actor), department_place(s, TP))
        if batch_id is not None:
            batch = replace(batch, id=batch_id)
        batch, verdict = add_scan(s, batch, d.code)
        assert verdict.ok
        info, _ = send_batch(s, actor, batch, NOW + timedelta(hours=1, minutes=minutes))
    return info


def test_the_service_finds_the_batch_by_any_printed_form(factory, actor, catalog) -> None:
    first, second = _send(factory, actor, catalog, 1), _send(factory, actor, catalog, 2)
    with factory() as s:
        for info in (first, second):
            number = batch_number(info.id)
            for text in (number, number.removeprefix("BG-"), f"BG-{uuid.UUID(info.id).int:039d}", info.id):
                found = find_batch(s, text)
                assert found is not None and found.id == info.id, text
        assert find_batch(s, "BG-0000000000001") is None


def test_two_batches_sharing_a_number_are_not_guessed(factory, actor, catalog) -> None:
    first = _send(factory, actor, catalog, 1)
    twin = new_id()[:-10] + first.id[-10:]  # one chance in a trillion per pair: made on purpose here
    second = _send(factory, actor, catalog, 2, batch_id=twin)
    assert batch_number(first.id) == batch_number(second.id)
    with factory() as s:
        with pytest.raises(UserFacingError) as caught:
            find_batch(s, batch_number(first.id))
        message = caught.value.message
        assert "Có 2 phiếu bàn giao cùng số" in message and batch_number(first.id) in message
        assert "10:16 23/11/2026" in message and "10:17 23/11/2026" in message
        found = find_batch(s, f"BG-{uuid.UUID(twin).int:039d}")  # an exact form still finds its batch
        assert found is not None and found.id == twin
