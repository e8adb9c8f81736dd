"""Enrolling a freshly installed PC (demo office seeded at first start) into any office."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.store.models import Device, Office
from tests.sync_support import Counter, FakeServer, MemoryKeyring, keyring_backend


def test_a_seeded_pc_enrols_into_an_office_other_than_the_demo_one(tmp_path: Path, template_db: Path) -> None:
    # The demo seed's unit is 000.01.00.H49; the office row of the server's unit must be written
    # before the device row that references it (SQLite checks the foreign key at once).
    server = FakeServer(unit_code="000.07.00.H49")
    with keyring_backend(MemoryKeyring()):
        pc = Counter.enrol(tmp_path / "pc", template_db, server.new_enrol_code(), "Quầy số 03", http=server.transport())
        try:
            with pc.factory() as s:
                assert list(s.scalars(select(Office.unit_code))) == ["000.07.00.H49"]
                assert [d.unit_code for d in s.scalars(select(Device))] == ["000.07.00.H49"]
        finally:
            pc.close()
