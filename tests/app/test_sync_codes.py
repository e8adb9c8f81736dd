"""Dossier numbers on an enrolled PC: server blocks first, then the device's fallback partition."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.catalog import Catalog
from app.errors import ValidationError
from app.services.applicant import ApplicantDraft
from app.services.context import Actor
from app.services.drafts import ReceptionDraft, checklist
from app.services.office import load_calendar
from app.services.reception import receive_dossier
from app.store.db import transaction
from app.store.models import CodeBlock, CodeSequence, Dossier, SyncState
from app.sync import wire
from app.sync.codes import CodesExhaustedError, add_server_blocks, codes_on_hand, take_number
from tests.conftest import NOW

UNIT = "000.01.00.H49"
DAY = NOW.date()
SLOT = 3  # fallback partition 5150–5199


def _draft(catalog: Catalog, name: str = "Nguyễn Văn An") -> ReceptionDraft:
    procedure = catalog.get("2.000635")
    assert procedure is not None
    applicant = ApplicantDraft(full_name=name, personal_id="022090001234", birth_date=date(1990, 1, 1), sex="Nam",
                               address="Hạ Long", phone="0912345678", email="")  # fmt: skip
    return ReceptionDraft(procedure.code, applicant, tuple(replace(d, submitted=True) for d in checklist(procedure)))


def _receive(
    factory: sessionmaker[Session], actor: Actor, catalog: Catalog, draft: ReceptionDraft | None = None
) -> str:
    with transaction(factory) as s:
        summary, _ = receive_dossier(s, actor, catalog, load_calendar(s), draft or _draft(catalog), NOW)
    assert summary.code is not None
    return summary.code


def _enrol(factory: sessionmaker[Session], *blocks: tuple[date, int, int]) -> None:
    with transaction(factory) as s:
        s.add(SyncState(id=1, server_url="https://motcua.test", enrolled=True, device_slot=SLOT))
        add_server_blocks(s, UNIT, [wire.CodeBlock(unit_code=UNIT, day=d, first=f, last=la) for d, f, la in blocks],
                          "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")  # fmt: skip


def test_standalone_numbering_is_unchanged(factory: sessionmaker[Session], actor: Actor, catalog: Catalog) -> None:
    assert [_receive(factory, actor, catalog)[-4:] for _ in range(2)] == ["0001", "0002"]
    with factory() as s:
        assert s.get(CodeSequence, (UNIT, DAY)).last == 2  # type: ignore[union-attr]
        assert s.scalars(select(CodeBlock)).all() == []


def test_enrolled_numbers_come_from_server_blocks_then_the_fallback_partition(
    factory: sessionmaker[Session], actor: Actor, catalog: Catalog
) -> None:
    _enrol(factory, (DAY, 201, 202), (DAY, 7, 7), (DAY + timedelta(days=1), 1, 100))
    codes = [_receive(factory, actor, catalog)[-4:] for _ in range(5)]
    assert codes == ["0007", "0201", "0202", "5150", "5151"]  # lowest block first, then slot 3's partition
    with factory() as s:
        on_hand = codes_on_hand(s, UNIT, DAY)
        assert (on_hand.server_left, on_hand.fallback_left) == (0, 48)
        assert codes_on_hand(s, UNIT, DAY + timedelta(days=1)).server_left == 100  # tomorrow's block untouched
        assert s.scalars(select(CodeSequence)).all() == []  # the standalone counter is not used


def test_the_fallback_partition_runs_out_with_a_clear_message(factory: sessionmaker[Session]) -> None:
    _enrol(factory)
    with transaction(factory) as s:
        numbers = [take_number(s, UNIT, DAY, SLOT) for _ in range(wire.FALLBACK_SIZE)]
    assert numbers == list(wire.fallback_range(SLOT))
    with transaction(factory) as s, pytest.raises(CodesExhaustedError, match="đã dùng hết số hồ sơ"):
        take_number(s, UNIT, DAY, SLOT)


def test_a_number_already_on_a_dossier_is_never_printed_again(
    factory: sessionmaker[Session], actor: Actor, catalog: Catalog
) -> None:
    _enrol(factory, (DAY, 1, 3))
    first = _receive(factory, actor, catalog)
    with transaction(factory) as s:  # a dossier pulled from elsewhere already carries 0002
        d = s.scalars(select(Dossier)).one()
        s.add(Dossier(**{c: getattr(d, c) for c in ("unit_code", "status", "procedure_code", "procedure_name",
                                                     "applicant_name", "received_at", "officer_id", "officer_name",
                                                     "device_id", "data", "updated_at")},
                      uid="uid-elsewhere", code=first[:-4] + "0002", search_text=""))  # fmt: skip
    assert _receive(factory, actor, catalog)[-4:] == "0003"


def test_a_receipt_that_fails_gives_its_number_back(
    factory: sessionmaker[Session], actor: Actor, catalog: Catalog
) -> None:
    _enrol(factory, (DAY, 1, 10))
    bad = replace(_draft(catalog), applicant=replace(_draft(catalog).applicant, full_name="Tên 123"))
    with pytest.raises(ValidationError):
        _receive(factory, actor, catalog, bad)
    assert _receive(factory, actor, catalog)[-4:] == "0001"  # nothing was printed with it


def test_server_blocks_are_stored_once_and_only_for_this_unit(factory: sessionmaker[Session]) -> None:
    blocks = [wire.CodeBlock(unit_code=UNIT, day=DAY, first=1, last=50),
              wire.CodeBlock(unit_code="000.02.00.H49", day=DAY, first=1, last=50)]  # fmt: skip
    with transaction(factory) as s:
        assert add_server_blocks(s, UNIT, blocks, "r1") == 1
        assert add_server_blocks(s, UNIT, blocks, "r1") == 0  # a retried answer
    with factory() as s:
        assert [(b.unit_code, b.first, b.last, b.source) for b in s.scalars(select(CodeBlock))] == [
            (UNIT, 1, 50, "server")
        ]
