"""A dossier carrying a 2025-format code (Circular 04/2025) crosses the REAL central server (issue 16):
received at counter A, validated and stored by the server, pulled by counter B, which stores,
finds, scans and hands it over exactly as A does. The 2018 codes beside it still flow."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from app.domain.catalog import Catalog
from app.domain.scan import ScanKind, classify
from app.printing.labels import label_barcode_text
from app.services import reception
from app.services.dossiers import get_by_code, search
from app.services.handover import add_scan, counter_place, department_place, open_batch
from app.store.db import transaction
from app.store.models import Dossier
from tests.sync_support import Counter
from tests.test_sync_e2e import LiveServer, counter, live  # noqa: F401  (fixtures: the real server and its counters)

NEW = "H49.001.01-261123-AB00731"


def test_a_2025_code_is_pushed_validated_pulled_and_found(
    counter: Callable[[str], Counter],  # noqa: F811
    live: LiveServer,  # noqa: F811
    catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from server.sync.models import Conflict, ServerDossier, ServerEvent

    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    assert a.engine().run_once().ok and b.engine().run_once().ok
    old = a.receive(catalog)
    # An imported dossier arrives with its 2025 code: the real service and recorder, only the code given.
    monkeypatch.setattr(reception, "format_dossier_code", lambda unit, day, seq: NEW)
    new = a.receive(catalog, "Trần Thị Bình", "022190005678")
    monkeypatch.undo()
    assert new.code == NEW

    pushed = a.engine().run_once()
    # Accepted, not flagged: a 2025 code is issued by the central agency's system, never cut from
    # this server's blocks (which number the 2018 format), so there is nothing to check it
    # against (server/sync/push.py _issued). Before issue 16 it was flagged code_not_issued.
    assert (pushed.accepted, pushed.flagged, pushed.rejected, pushed.error) == (2, 0, 0, "")
    with live.tx() as s:
        stored = {d.uid: d.code for d in s.scalars(select(ServerDossier))}
        assert stored == {old.uid: old.code, new.uid: NEW}
        event = s.scalars(select(ServerEvent).where(ServerEvent.dossier_uid == new.uid)).one()
        assert event.payload["code"] == NEW
        assert list(s.scalars(select(Conflict))) == []

    pulled = b.engine().run_once()
    assert pulled.ok and pulled.applied == 2
    with b.factory() as s:
        there = s.scalars(select(Dossier).where(Dossier.uid == new.uid)).one()
        assert there.code == NEW
        for query in (NEW, NEW.lower(), "AB00731", "00731", "261123-AB00731"):
            assert [r.uid for r in search(s, query)] == [new.uid], query
        assert [r.uid for r in search(s, old.code)] == [old.uid]
        for scanned in (NEW, label_barcode_text(NEW)):
            scan = classify(scanned)
            assert scan.kind is ScanKind.DOSSIER and scan.value == NEW
            row = get_by_code(s, scan.value)
            assert row is not None and row.uid == new.uid
    with transaction(b.factory) as s:
        batch = open_batch(counter_place(b.actor), department_place(s, "XA-TP"))
        batch, verdict = add_scan(s, batch, label_barcode_text(NEW))
        assert verdict.ok and [i.code for i in batch.items] == [NEW]
