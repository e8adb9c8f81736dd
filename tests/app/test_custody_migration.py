"""Migration 0006: custody rows folded by PC time are folded again by HLC; events get clock_offset_seconds."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from app.store.boot import HEAD_REVISION
from app.store.db import MIGRATIONS_DIR, current_revision, make_engine, open_database, session_factory
from app.store.models import Custody, Event

UID = "d0000000-0000-7000-8000-000000000000"
A, B = "a0000000-0000-7000-8000-000000000000", "b0000000-0000-7000-8000-000000000000"
COUNTER = {"kind": "counter", "code": "000.01.00.H49", "name": "Trung tâm Phục vụ hành chính công"}
DEPT = {"kind": "department", "code": "XA-TP", "name": "Bộ phận Tư pháp - Hộ tịch"}


def _database_at_0005(path: Path) -> None:
    engine = make_engine(path)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
    engine.dispose()


def _event(conn: sqlite3.Connection, event_id: str, device: str, kind: str, at: datetime, hlc: str, to: dict) -> None:
    source = COUNTER if to is DEPT else DEPT
    payload = {"batch_id": "b1", "unit_code": COUNTER["code"], "from": source, "to": to, "parent_event_id": "r"}
    conn.execute(
        "INSERT INTO event (id, device_id, device_seq, type, dossier_uid, base_version, officer_id, officer_name,"
        " occurred_at, hlc, payload, sync_status, conflict_ids)"
        " VALUES (?, ?, 1, ?, ?, 0, 'o', 'Cán bộ', ?, ?, ?, '', '[]')",
        (event_id, device, kind, UID, at.isoformat(sep=" "), hlc, json.dumps(payload)),
    )


def test_custody_set_by_a_pc_clock_ahead_is_refolded_by_hlc(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _database_at_0005(path)
    conn = sqlite3.connect(path)
    # PC A (clock 48 h ahead) sent the folder; PC B, after pulling that, received it. The old fold
    # kept A's send (greatest occurred_at): "in transit to the department".
    sent_at, received_at = datetime(2026, 11, 25, 9, 0), datetime(2026, 11, 23, 10, 0)
    _event(conn, "s", A, "custody.sent", sent_at, f"1795000000000:00000:{A}", DEPT)
    _event(conn, "r2", B, "custody.received", received_at, f"1795000000000:00001:{B}", DEPT)
    conn.execute(
        "INSERT INTO custody VALUES (?, 'department', 'XA-TP', 'Bộ phận Tư pháp - Hộ tịch', 'counter',"
        " '000.01.00.H49', '', 1, 0, ?, 'Cán bộ', 's', 'b1', ?)",
        (UID, sent_at.isoformat(sep=" "), f"{sent_at.isoformat(timespec='microseconds')}|1795000000000:00000:{A}"),
    )
    conn.commit()
    conn.close()

    factory = session_factory(open_database(path))
    assert current_revision(path) == HEAD_REVISION  # 0006 and every later one
    with factory() as s:
        row = s.get(Custody, UID)
        assert row is not None
        assert (row.place_kind, row.place_code, row.in_transit) == ("department", "XA-TP", False)
        assert (row.last_event_id, row.order_key) == ("r2", f"1795000000000:00001:{B}")
        assert row.since == received_at
        assert set(s.scalars(select(Event.clock_offset_seconds))) == {None}
