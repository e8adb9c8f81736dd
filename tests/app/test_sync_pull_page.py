"""Applying a pulled page: which events are new is read once per page (app.sync.engine._Stored),
with the same outcome as asking event by event — known events are skipped, an event twice in a
page is stored once, and an event reusing a held (device, sequence) is refused, not the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.domain.catalog import Catalog
from app.domain.events import new_id
from app.store.models import Dossier, Event
from app.sync.state import require_state
from tests.sync_support import Counter, FakeServer, MemoryKeyring, keyring_backend


@pytest.fixture
def pcs(tmp_path: Path, template_db: Path) -> Iterator[tuple[FakeServer, Counter, Counter, Counter]]:
    server = FakeServer()
    with keyring_backend(MemoryKeyring()):
        a, b, c = (Counter.enrol(tmp_path / n, template_db, server.new_enrol_code(), n, http=server.transport())
                   for n in ("Quầy số 01", "Quầy số 02", "Quầy số 03"))  # fmt: skip
        yield server, a, b, c


def events(c: Counter) -> list[str]:
    with c.factory() as s:
        return sorted(s.scalars(select(Event.id)))


def test_known_repeated_and_clashing_events_in_one_page(
    pcs: tuple[FakeServer, Counter, Counter, Counter], catalog: Catalog
) -> None:
    server, a, b, c = pcs
    a.engine().run_once()
    sent = [a.receive(catalog, "Nguyễn Văn An", f"02209000{n:04d}").event_id for n in range(3)]
    assert a.engine().run_once().accepted == 3
    assert b.engine().run_once().applied == 3

    # The feed again from the start, with one event twice and a forged event that reuses the
    # (device, sequence) of one B holds, then a new one of A.
    first, at = server.changes[0]
    server.changes.append((first, at))
    server.changes.append((first.model_copy(update={"id": new_id(), "dossier_uid": new_id()}), at))
    late = a.receive(catalog, "Trần Thị Bình", "022190005678").event_id
    assert a.engine().run_once().accepted == 1
    with b.factory() as s, s.begin():
        require_state(s).pull_cursor = ""
    report = b.engine().run_once()
    assert report.ok and report.applied == 1  # only the late one is new to B
    # C has none of them: the repeated event is stored once, the forged one clashes with it.
    report = c.engine().run_once()
    assert report.ok and report.applied == 4
    for pc in (b, c):
        assert events(pc) == sorted([*sent, late])
        with pc.factory() as s:
            assert s.scalar(select(func.count()).select_from(Dossier)) == 4
