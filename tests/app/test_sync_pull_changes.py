"""A pull says which dossiers it touched, so the views can refresh (it used to say nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain.catalog import Catalog
from tests.sync_support import Counter, FakeServer, MemoryKeyring, keyring_backend


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[None]:
    with keyring_backend(MemoryKeyring()):
        yield


def test_a_pull_reports_the_uids_of_the_dossiers_it_touched(
    tmp_path: Path, template_db: Path, catalog: Catalog
) -> None:
    server = FakeServer()
    a = Counter.enrol(tmp_path / "a", template_db, server.new_enrol_code(), "Quầy số 01", http=server.transport())
    b = Counter.enrol(tmp_path / "b", template_db, server.new_enrol_code(), "Quầy số 02", http=server.transport())
    first, second = a.receive(catalog), a.receive(catalog, "Trần Thị Bình", "022190005678")
    own = a.engine().run_once()
    assert own.accepted == 2 and own.dossier_uids == frozenset()  # its own events come back: nothing new
    got = b.engine().run_once()
    assert got.applied == 2 and got.dossier_uids == {first.uid, second.uid}
    again = b.engine().run_once()
    assert again.ok and again.dossier_uids == frozenset()
    third = a.receive(catalog, "Lê Văn Cường", "022090007777")
    a.engine().run_once()
    polled = b.engine().poll(0)
    assert polled.dossier_uids == {third.uid}
