"""Property-based simulation (hypothesis): counters receiving, syncing, going offline, losing
answers and restarting in any order never lose or duplicate an event, and end identical."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.domain.catalog import Catalog
from app.store.models import Dossier, Event, Outbox
from tests.sync_support import Counter, FakeServer, MemoryKeyring, keyring_backend

COUNTERS = 2
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Giang")

step = st.one_of(
    st.tuples(st.just("receive"), st.integers(0, COUNTERS - 1)),
    st.tuples(st.just("sync"), st.integers(0, COUNTERS - 1)),
    st.tuples(st.just("offline"), st.booleans()),
    st.tuples(st.just("lose"), st.just(0)),
    st.tuples(st.just("restart"), st.integers(0, COUNTERS - 1)),
)
_run = itertools.count()


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=5, max_size=25))
def test_nothing_is_lost_or_duplicated_and_all_counters_converge(
    steps: list[tuple[str, int | bool]], tmp_path_factory: pytest.TempPathFactory, template_db: Path,
    catalog: Catalog,
) -> None:  # fmt: skip
    server = FakeServer()
    root = tmp_path_factory.mktemp(f"sim{next(_run)}")
    with keyring_backend(MemoryKeyring()):
        pcs = [Counter.enrol(root / f"pc{i}", template_db, server.new_enrol_code(), f"Quầy số {i + 1:02d}",
                             http=server.transport()) for i in range(COUNTERS)]  # fmt: skip
        received: list[str] = []
        for n, (kind, arg) in enumerate(steps):
            if kind == "receive":
                pid = f"0220900{n:05d}"
                received.append(pcs[int(arg)].receive(catalog, NAMES[n % len(NAMES)], pid).event_id)
            elif kind == "sync":
                pcs[int(arg)].engine().run_once(force=True)
            elif kind == "offline":
                server.offline = bool(arg)
            elif kind == "lose":
                server.lose_next_response = True
            else:
                pcs[int(arg)] = pcs[int(arg)].restart(http=server.transport())
            # invariant after every step: the server never holds an event twice
            ids = [e.id for e, _ in server.changes]
            assert len(ids) == len(set(ids))
        server.offline, server.lose_next_response = False, False
        for _ in range(2):
            for pc in pcs:
                assert pc.engine().run_once(force=True).ok
        assert sorted(e.id for e, _ in server.changes) == sorted(received)
        views = []
        for pc in pcs:
            with pc.factory() as s:
                assert s.scalars(select(Outbox)).all() == []
                codes = list(s.scalars(select(Dossier.code)))
                assert len(codes) == len(set(codes)) == len(received)  # no code printed twice
                views.append((sorted(s.scalars(select(Event.id))), sorted(codes)))
        assert all(v == views[0] for v in views)
        assert views[0][0] == sorted(received)
