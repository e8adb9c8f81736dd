"""Events an older server stored without checking them never break a pull (issue 13).

They are inserted here with raw SQL, as the server before migration 0007 stored them: a payload
nested 300 (and 250) deep, NaN, a lone surrogate (SQLite: PostgreSQL's JSONB refuses both), a
5 MiB text, an unknown key, an officer name holding a control character. A fresh counter's first
pull answers 200, parses whole as a ``PullResponse`` and carries them as ``withheld`` changes;
``motcua-server admin check-feed --fix`` takes them out of the feed for good (and the server does
it by itself at start after the upgrade); the good events around them are served unchanged.
"""

from __future__ import annotations

import copy
import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, select, text

from app.domain.events import new_id
from app.sync.transport import parse_pull_page
from app.sync.wire import EventWire, PullResponse
from server.app import create_app
from server.cli import admin_main
from server.db import MIGRATIONS_DIR, make_engine, migrate
from server.sync import feed, quarantine
from server.sync.models import ChangeRow, FeedCheck, WithheldEvent
from tests.server.conftest import UNIT_A, Srv, TestClient, World
from tests.server.sync_helpers import Counter


def _deep(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"x": 1}
    for _ in range(depth - 1):
        value = {"k": value}
    return value


def _nan(p: dict[str, Any]) -> None:
    p["procedure"]["processing"]["value"] = float("nan")


# name -> (how the payload or the envelope is spoiled, the reason the server gives, backends)
BAD: dict[str, tuple[Any, str, tuple[str, ...]]] = {
    "deep300": (lambda p: p.update(extra=_deep(300)), "invalid_payload", ("sqlite", "postgresql")),
    "deep250": (lambda p: p.update(extra=_deep(250)), "invalid_payload", ("sqlite", "postgresql")),
    "nan": (_nan, "invalid_payload", ("sqlite",)),
    "surrogate": (lambda p: p.update(reason="Thiếu giấy \udcff"), "invalid_payload", ("sqlite",)),
    "big_note": (lambda p: p.update(reason="x" * (5 * 1024 * 1024)), "invalid_payload", ("sqlite", "postgresql")),
    "unknown_key": (lambda p: p.update(tinh_nang_moi=1), "invalid_payload", ("sqlite", "postgresql")),
    "bad_officer": (None, "invalid_event", ("sqlite", "postgresql")),
}


def store_raw(srv: Srv, unit: str, event: dict[str, Any]) -> None:
    """Store ``event`` and its change row as the server before 0007 did: ``json.dumps`` and no check."""
    pg = srv.backend == "postgresql"
    as_json = "CAST({} AS jsonb)" if pg else "{}"
    row = {**event, "unit_code": unit, "payload": json.dumps(event["payload"])}
    with srv.ctx.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (id, device_id, device_seq, unit_code, type, dossier_uid, base_version,"
                " officer_id, officer_name, occurred_at, hlc, payload, server_received_at, status, reason,"
                " conflict_ids, flags) VALUES (:id, :device_id, :device_seq, :unit_code, :type, :dossier_uid,"
                f" :base_version, :officer_id, :officer_name, :occurred_at, :hlc, {as_json.format(':payload')},"
                f" :received, 'accepted', '', {as_json.format(repr('[]'))}, {as_json.format(repr('[]'))})"
            ),
            {
                **row,
                "occurred_at": event["occurred_at"].replace("T", " "),
                "received": srv.clock().replace(tzinfo=None),
            },
        )
        conn.execute(
            text("INSERT INTO change_feed (unit_code, event_id, kind) VALUES (:unit, :id, 'event')"),
            {"unit": unit, "id": event["id"]},
        )


def bad_events(c: Counter, backend: str) -> dict[str, dict[str, Any]]:
    """One spoiled event per case of :data:`BAD` this backend can hold, from an old PC of the office."""
    old_pc = new_id()
    made = {}
    for n, (name, (spoil, _, backends)) in enumerate(BAD.items(), start=1):
        if backend not in backends:
            continue
        event = c.not_received("dossier.supplement_requested")
        event.update(device_id=old_pc, device_seq=n, hlc=f"{event['hlc'][:20]}{old_pc}")
        if spoil is None:
            event["officer_name"] = "Cán bộ\x07"
        else:
            event["payload"] = copy.deepcopy(event["payload"])
            spoil(event["payload"])
        made[name] = event
    return made


def first_pull(srv: Srv, unit: str = UNIT_A) -> PullResponse:
    """A fresh counter's first pull: 200, and the whole page parses as the client reads it."""
    fresh = Counter(srv, srv.device(unit, f"Quầy mới {new_id()[-4:]}"), "giamsat.a")
    answer = srv.client.get("/sync/pull", params={"limit": 1000}, headers=fresh.headers)
    assert answer.status_code == 200, answer.text[:300]
    page = PullResponse.model_validate_json(answer.content)  # whole, not change by change
    assert parse_pull_page(answer).model_dump() == page.model_dump() and not page.more
    return page


def withheld(page: PullResponse) -> dict[str, list[str]]:
    """Event id -> flags of the page's ``withheld`` changes (which carry no event)."""
    found = {}
    for change in page.changes:
        if change.kind == "withheld":
            assert change.event is None and change.flags[0].startswith("event:")
            found[change.flags[0].removeprefix("event:")] = change.flags[1:]
    return found


def served(page: PullResponse) -> list[EventWire]:
    return [c.event for c in page.changes if c.kind == "event" and c.event is not None]


def check_feed(srv: Srv, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert admin_main(["check-feed", *args], out=out, err=err, settings_factory=lambda: srv.ctx.settings) == 0, err
    return out.getvalue()


def mark_due(srv: Srv) -> None:
    """What migration 0008 records on an upgraded server: every change row so far is unchecked."""
    with srv.ctx.engine.begin() as conn:
        quarantine.mark_due(conn)


def _state(conn: Connection) -> tuple[int, dict[int, tuple[str, str]], dict[int, str]]:
    due = conn.execute(select(FeedCheck.due_through)).scalar_one_or_none() or 0
    rows = conn.execute(select(WithheldEvent.change_id, WithheldEvent.event_id, WithheldEvent.reason)).all()
    kinds = {row_id: kind for row_id, kind in conn.execute(select(ChangeRow.id, ChangeRow.kind))}
    return due, {r.change_id: (str(r.event_id), r.reason) for r in rows}, kinds


def test_bad_stored_events_are_withheld_and_check_feed_takes_them_out(world: World) -> None:
    srv = world.srv
    a1 = Counter(srv, world.device_a, "canbo.a")
    good1 = a1.not_received("dossier.refused")
    a1.push([good1])
    bad = bad_events(a1, srv.backend)
    for event in bad.values():
        store_raw(srv, UNIT_A, event)
    good2 = a1.not_received("dossier.refused", personal_id="001090099999")
    a1.push([good2])
    mark_due(srv)

    page = first_pull(srv)
    assert [e.id for e in served(page)] == [good1["id"], good2["id"]]
    assert [e.model_dump(mode="json", exclude={"clock_offset_seconds"}) for e in served(page)] == [
        EventWire.model_validate(g).model_dump(mode="json", exclude={"clock_offset_seconds"}) for g in (good1, good2)
    ]
    expected = {e["id"]: [f"reason:{BAD[name][1]}"] for name, e in bad.items()}
    assert withheld(page) == expected
    assert [c.kind for c in page.changes if c.kind != "reference"] == ["event", *["withheld"] * len(bad), "event"]

    dry = check_feed(srv)
    assert f"Đã kiểm tra {len(bad) + 2} sự kiện" in dry and f"{len(bad)} sự kiện không hợp lệ" in dry
    assert "--fix" in dry
    with srv.ctx.engine.connect() as conn:
        due, rows, _ = _state(conn)
    assert due > 0 and rows == {}  # a dry run changes nothing

    report = check_feed(srv, "--fix")
    assert f"Đã kiểm tra {len(bad) + 2} sự kiện" in report and f"giữ lại {len(bad)} sự kiện" in report
    by_reason: dict[str, int] = {}
    for name in bad:
        by_reason[BAD[name][1]] = by_reason.get(BAD[name][1], 0) + 1
    for reason, n in by_reason.items():
        assert f"{quarantine.REASONS[reason]}: {n}" in report
    with srv.ctx.engine.connect() as conn:
        due, rows, kinds = _state(conn)
    assert due == 0
    assert sorted(rows.values()) == sorted((e["id"], BAD[name][1]) for name, e in bad.items())
    assert all(kinds[change_id] == "withheld" for change_id in rows)

    # pulls after that: the same withheld changes, the good events unchanged
    after = first_pull(srv)
    assert withheld(after) == expected
    assert served(after) == served(page)
    again = check_feed(srv, "--fix")
    assert "giữ lại 0 sự kiện" in again and f"{len(bad)} sự kiện đã bị giữ lại từ trước" in again


def test_a_change_that_cannot_be_written_as_json_is_withheld_even_unchecked(world: World) -> None:
    """No check due (rows stored after it, say): the page's serialisation still never fails."""
    srv = world.srv
    a1 = Counter(srv, world.device_a, "canbo.a")
    good = a1.not_received("dossier.refused")
    a1.push([good])
    names = ["deep300", "surrogate"] if srv.backend == "sqlite" else ["deep300"]
    bad = {k: v for k, v in bad_events(a1, srv.backend).items() if k in names}
    for event in bad.values():
        store_raw(srv, UNIT_A, event)
    page = first_pull(srv)
    assert withheld(page) == {e["id"]: ["reason:unserialisable"] for e in bad.values()}
    assert [e.id for e in served(page)] == [good["id"]]
    # a long-poll waiting at the end of the feed is not held up by them either
    a1.push([a1.not_received("dossier.refused", personal_id="001090088888")])
    assert len(served(first_pull(srv))) == 2


def test_the_server_checks_the_feed_by_itself_after_the_upgrade(world: World) -> None:
    srv = world.srv
    a1 = Counter(srv, world.device_a, "canbo.a")
    a1.push([a1.not_received("dossier.refused")])
    bad = bad_events(a1, srv.backend)
    for event in bad.values():
        store_raw(srv, UNIT_A, event)
    mark_due(srv)
    restarted = create_app(srv.ctx.settings)
    with TestClient(restarted):
        deadline = time.monotonic() + 30
        while True:
            with srv.ctx.engine.connect() as conn:
                due, rows, _ = _state(conn)
            if due == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert due == 0
    assert sorted(event_id for event_id, _ in rows.values()) == sorted(e["id"] for e in bad.values())
    assert "giữ lại 0 sự kiện" in check_feed(srv, "--fix")


def test_valid_events_of_every_kind_pass_the_check(world: World) -> None:
    srv = world.srv
    officer = Counter(srv, world.device_a, "canbo.a")
    supervisor = Counter(srv, world.device_a, "giamsat.a")
    (result,) = officer.push([officer.received(4321)])  # a code never issued: flagged, one conflict
    officer.push([officer.not_received("dossier.refused"), officer.printed(result["event_id"])])
    decision = {"resolution": "Đã kiểm tra, giữ nguyên."}
    resolved = srv.client.post(f"/conflicts/{result['conflict_ids'][0]}/resolve", json=decision,
                               headers=supervisor.headers)  # fmt: skip
    assert resolved.status_code == 200, resolved.text
    mark_due(srv)
    report = check_feed(srv, "--fix")
    assert "Đã kiểm tra 4 sự kiện" in report and "giữ lại 0 sự kiện" in report
    assert {c.kind for c in first_pull(srv).changes} == {"reference", "event", "conflict.resolved"}


def test_the_migration_records_a_check_due_and_nothing_more(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
        for _ in range(3):
            conn.execute(text("INSERT INTO change_feed (unit_code, event_id, kind) VALUES ('X01', :id, 'event')"),
                         {"id": new_id()})  # fmt: skip
    migrate(engine)
    with engine.connect() as conn:
        assert _state(conn)[0] == 3
        assert quarantine.due_through(conn) == 3
    fresh = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    migrate(fresh)
    with fresh.connect() as conn:
        assert _state(conn)[0] == 0
    engine.dispose()
    fresh.dispose()


@pytest.mark.parametrize("n", [0, 1])
def test_withheld_changes_serialise_like_the_page_model(n: int) -> None:
    """The page bytes with a withheld change are still ``PullResponse.model_dump_json()``'s bytes."""
    change = feed.withheld_change(new_id(), "unserialisable", None)
    page = feed.Page([change] * (n + 1), feed.Position(5), False)
    moment = datetime.now(UTC)
    expected = PullResponse(changes=page.changes, cursor=feed.encode_cursor(page.position), more=False,
                            server_time=moment).model_dump_json().encode()  # fmt: skip
    assert feed.pull_body(page, moment) == expected
