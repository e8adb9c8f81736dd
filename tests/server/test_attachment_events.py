"""``dossier.attachment_added`` at the server: a sound payload is stored and fed to the office's
other counters (its file may come later); a bad one is rejected for good, naming what is wrong."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from server.sync.models import RejectedEvent, ServerDossier
from tests.server.conftest import UNIT_A, World
from tests.server.sync_helpers import Counter, statuses

SHA = hashlib.sha256(b"%PDF-1.7 to khai").hexdigest()


def payload(**changes: Any) -> dict[str, Any]:
    """What app.services.attachments writes."""
    body: dict[str, Any] = {
        "unit_code": UNIT_A,
        "dossier_code": None,
        "sha256": SHA,
        "size": 123_456,
        "pages": 3,
        "name": "Tờ khai đăng ký khai sinh",
        "requirement_index": 0,
        "mime": "application/pdf",
        "source": "scan",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def test_an_attachment_event_is_stored_and_reaches_the_other_counter(world: World) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    b = Counter(world.srv, world.srv.device(UNIT_A, "Quầy số 02"), "canbo.a")
    received = a.received(1)
    uid = received["dossier_uid"]
    attached = a.event("dossier.attachment_added", payload(dossier_code=received["payload"]["code"]), uid)
    # (the receipt is flagged: its code is outside any block issued in this test; beside the point)
    assert statuses(a.push([received, attached]))[1] == "accepted"
    with world.srv.session() as s:
        dossier = s.scalars(select(ServerDossier).where(ServerDossier.uid == uid)).one()
        assert dossier.version == 1  # an attachment does not change the dossier's state
    changes, _ = b.pull_all()
    fed = [c["event"] for c in changes if c["kind"] == "event" and c["event"]["type"] == "dossier.attachment_added"]
    assert [(e["id"], e["payload"]["sha256"], e["payload"]["pages"]) for e in fed] == [(attached["id"], SHA, 3)]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"sha256": "ABC"}, "sha256"),
        ({"sha256": SHA.upper()}, "sha256"),
        ({"sha256": ...}, "sha256"),
        ({"size": 0}, "size"),
        ({"size": 2_000_000_001}, "size"),
        ({"size": "12"}, "size"),
        ({"pages": 0}, "pages"),
        ({"pages": True}, "pages"),
        ({"name": ""}, "name"),
        ({"name": "x" * 301}, "name"),
        ({"requirement_index": -1}, "requirement_index"),
        ({"mime": "image/png"}, "application/pdf"),
        ({"unit_code": "000.02.00.H49"}, "không phải đơn vị"),
    ],
)
def test_a_bad_attachment_payload_is_rejected_and_does_not_block(world: World, changes, words) -> None:
    a = Counter(world.srv, world.device_a, "canbo.a")
    received = a.received(1)
    bad = a.event("dossier.attachment_added", payload(**changes), received["dossier_uid"])
    good = a.event("dossier.attachment_added", payload(), received["dossier_uid"])
    results = a.push([received, bad, good])
    assert statuses(results)[1:] == ["rejected", "accepted"]
    assert words in results[1]["reason"]
    with world.srv.session() as s:
        rows = s.scalars(select(RejectedEvent).where(RejectedEvent.unit_code == UNIT_A)).all()
        assert [r.id for r in rows] == [bad["id"]]
