"""The province's 3.3, 4.2 and Biểu II.06a "Tiếp nhận" by channel on the server (SQLite and PostgreSQL): the
push keeps each dossier's channel and whether it has a paper to scan (server migration 0014,
server/sync/facts.fold_reception) from the received event's payload; counted by hand."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from app.domain.indicators import Channel, Period
from server.sync.indicators import province_kpi
from server.sync.models import ServerDossier
from server.sync.period_report import province_period_report
from tests.app.test_digitisation import _item
from tests.server.conftest import UNIT_A, World
from tests.server.sync_helpers import Counter

pytestmark = pytest.mark.usefixtures("on_sync_day")

PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))
SHOWN = {"name": "Căn cước (xuất trình)", "form_label": "Bản chính", "copies": 1, "required": True,
         "digitise": "shown"}  # fmt: skip
# name → (channel, documents beyond the form to scan, a file stored); expected channel, scan_required
CASES: dict[str, tuple[str | None, list[dict[str, Any]] | None, bool]] = {
    "older event": (None, None, True),  # no channel, no digitise key: direct, to scan
    "direct, with a shown paper": ("direct", [SHOWN], False),
    "only shown": ("direct", [], False),  # the form is replaced by the shown paper alone
    "online": ("online", None, True),
    "postal": ("postal", None, False),
}


def _received(c: Counter, n: int, channel: str | None, extra: list[dict[str, Any]] | None) -> dict[str, Any]:
    rec = c.received(n, personal_id=f"00109000{n:04d}")
    p = rec["payload"]
    if channel is not None:
        p["channel"] = channel
    if channel == "postal":
        p["postal"] = {"batch_id": str(uuid.uuid4()), "item_no": _item(n)}
    if extra == []:
        p["documents"] = [SHOWN]
    elif extra:
        p["documents"] = [*p["documents"], *extra]
    return rec


def _attachment(c: Counter, uid: str, data: bytes) -> dict[str, Any]:
    payload = {"unit_code": c.unit, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pages": 1,
               "name": "Tờ khai.pdf"}  # fmt: skip
    return c.event("dossier.attachment_added", payload, uid)


def _upload(c: Counter, data: bytes) -> None:
    sha = hashlib.sha256(data).hexdigest()
    headers = c.headers | {"Upload-Offset": "0", "Content-Type": "application/octet-stream"}
    assert c.srv.client.patch(f"/attachments/{sha}", content=data, headers=headers).status_code == 204
    done = c.srv.client.post(f"/attachments/{sha}/complete", json={"size": len(data)}, headers=c.headers)
    assert done.status_code == 200, done.text


def test_channels_and_papers_to_scan_are_kept_and_counted(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    events, uids = [], {}
    for n, (name, (channel, extra, _)) in enumerate(CASES.items(), start=1):
        rec = _received(c, n, channel, extra)
        uids[name] = rec["dossier_uid"]
        events.append(rec)
    results = c.push(events)
    assert all(r["status"] in ("accepted", "flagged") for r in results), results  # codes not issued: flagged
    files = []
    for name, (_, _, stored) in CASES.items():
        if stored:
            data = f"%PDF-1 {name}".encode() * 40
            files.append(_attachment(c, uids[name], data))
            _upload(c, data)
    assert all(r["status"] == "accepted" for r in c.push(files))

    with world.srv.session() as s:
        rows = {r.uid: (r.channel, r.scan_required) for r in s.scalars(select(ServerDossier))}
        kpi = province_kpi(s, PERIOD, [UNIT_A])
        sheet = province_period_report(s, PERIOD, [UNIT_A])
    assert [rows[uids[n]] for n in CASES] == [(1, True), (1, True), (1, False), (2, False), (3, True)]
    w = kpi.whole
    assert w.counted == 5
    # to scan: the older event, the direct one with a shown paper, the postal one; a file: the older event only
    # (the online dossier's file counts nowhere)
    assert (w.digitised.numerator, w.digitised.denominator, w.digitised_score) == (1, 3, 4.17)
    assert {ch: (r.numerator, r.denominator) for ch, r in w.channels.items()} == {
        Channel.DIRECT: (3, 5), Channel.ONLINE: (1, 5), Channel.POSTAL: (1, 5)}  # fmt: skip
    (office,) = kpi.offices
    assert office.channels == w.channels and office.digitised == w.digitised
    t = sheet.total
    assert (t.received_total, t.received_online, t.received_direct_postal, t.carried_over) == (5, 1, 4, 0)


def test_the_indicator_index_covers_channel_and_scan_required(world: World) -> None:
    """Migration 0014 builds the province's covering index again with both columns (an index-only scan)."""
    with world.srv.session() as s:
        if world.srv.backend == "postgresql":
            sql = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_dossiers_indicator_facts'"
        else:
            sql = "SELECT sql FROM sqlite_master WHERE name = 'ix_dossiers_indicator_facts'"
        definition = s.execute(text(sql)).scalar_one()
        columns = {c["name"]: c for c in inspect(s.connection()).get_columns("dossiers")}
    if world.srv.backend == "postgresql":
        assert "INCLUDE" in definition and "channel" in definition and "scan_required" in definition
    else:
        assert "received_at" in definition
    assert not columns["channel"]["nullable"] and not columns["scan_required"]["nullable"]
