"""A pulled page never breaks the client (issue 13): what an older server may have stored without
checking it (a payload breaking its contract, nesting deeper than the fast parser's limit, a change
the client cannot read) is kept unfolded or left out, logged, and the rest of the page applied."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.domain.catalog import Catalog
from app.domain.events import new_id
from app.store.models import Dossier, Event
from app.sync.engine import UNAPPLIED
from app.sync.transport import parse_pull_page
from tests.sync_support import Counter, FakeServer, MemoryKeyring, keyring_backend


@pytest.fixture
def pcs(tmp_path: Path, template_db: Path) -> Iterator[tuple[FakeServer, Counter, Counter]]:
    server = FakeServer()
    with keyring_backend(MemoryKeyring()):
        a, b = (Counter.enrol(tmp_path / n, template_db, server.new_enrol_code(), n, http=server.transport())
                for n in ("Quầy số 01", "Quầy số 02"))  # fmt: skip
        yield server, a, b


def test_an_event_breaking_its_contract_is_kept_unfolded_and_the_page_goes_on(
    pcs: tuple[FakeServer, Counter, Counter], catalog: Catalog
) -> None:
    server, a, b = pcs
    a.engine().run_once()
    good = a.receive(catalog, "Nguyễn Văn An", "022090001234").event_id
    assert a.engine().run_once().accepted == 1
    first, at = server.changes[0]
    broken = []
    for change in ({"intruder": {"a": {"b": 1}}}, {"sets": "7"}, {"note": "x" * 5000}):
        payload = {**first.payload, **change}
        forged = first.model_copy(update={"id": new_id(), "dossier_uid": new_id(), "device_seq": 100 + len(broken),
                                          "payload": payload})  # fmt: skip
        server.changes.append((forged, at))
        broken.append(forged.id)
    late = a.receive(catalog, "Trần Thị Bình", "022190005678").event_id
    assert a.engine().run_once().accepted == 1
    report = b.engine().run_once()
    assert report.ok, report.error
    with b.factory() as s:
        stored = {e.id: e.sync_status for e in s.scalars(select(Event))}
        assert s.scalar(select(func.count()).select_from(Dossier)) == 2  # the two good ones only
    assert set(stored) == {good, late, *broken}
    assert all(stored[i] == UNAPPLIED for i in broken) and stored[good] != UNAPPLIED


def _page(changes: list[object]) -> httpx.Response:
    body = {"changes": changes, "cursor": "c1", "more": False, "server_time": datetime.now(UTC).isoformat()}
    request = httpx.Request("GET", "http://server/sync/pull")
    return httpx.Response(200, content=json.dumps(body).encode(), request=request)


def _event(**extra: object) -> dict[str, object]:
    device = new_id()
    event = {
        "id": new_id(), "device_id": device, "device_seq": 1, "type": "form.printed", "dossier_uid": new_id(),
        "base_version": 0, "officer_id": new_id(), "officer_name": "Cán bộ", "occurred_at": "2026-11-23T09:15:00",
        "hlc": f"1790000000000:00000:{device}", "payload": {"form": "receipt"},
    }  # fmt: skip
    event.update(extra)
    return {"kind": "event", "event": event, "server_received_at": None, "flags": []}


def test_a_deep_payload_or_an_unreadable_change_does_not_stop_the_page() -> None:
    deep: dict[str, object] = {"a": 1}
    for _ in range(299):
        deep = {"a": deep}
    fine, nested, unreadable = _event(), _event(payload={"form": "receipt", "x": deep}), _event(device_seq="7")
    page = parse_pull_page(_page([fine, nested, unreadable]))
    assert [c.event.id for c in page.changes if c.event] == [fine["event"]["id"], nested["event"]["id"]]  # type: ignore[index]
    assert page.cursor == "c1" and not page.more


def test_keys_a_newer_server_adds_are_ignored_not_the_change() -> None:
    """Forward compatible: a new envelope key (as ``clock_offset_seconds`` was for wave-1 counters),
    a new key on a change or on the page must not make the counter leave the event out and move its
    cursor past it (that loses the event for good on this counter)."""
    newer = _event(signed_by="server-2027")
    newer["priority"] = "high"
    body = {"changes": [newer], "cursor": "c1", "more": False, "server_time": datetime.now(UTC).isoformat(),
            "protocol": 3}  # fmt: skip
    request = httpx.Request("GET", "http://server/sync/pull")
    page = parse_pull_page(httpx.Response(200, content=json.dumps(body).encode(), request=request))
    (change,) = page.changes
    assert change.event is not None and change.event.id == newer["event"]["id"]  # type: ignore[index]
    assert not hasattr(change.event, "signed_by")
