"""The province's 2.2, 4.2 and groups on the server (SQLite and PostgreSQL): the processing time the
push keeps on each dossier row (server/sync/facts.py, migration 0011) checked by hand on the office
calendar, "digitised" once an attachment event names a file the office stored (whichever came first),
the departments / procedures / officers lists of ``GET /reports/kpi``, and the migration's back-fill."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

import server
from app.sync.wire import KpiResponse
from server.models import Officer
from server.sync.indicators import province_kpi
from server.sync.models import ServerDossier
from tests.server.conftest import UNIT_A, UNIT_B, World, bearer
from tests.server.sync_helpers import Counter
from tests.server.test_province_indicators import A_CASES, B_CASES, PERIOD, _push

pytestmark = pytest.mark.usefixtures("on_sync_day")

# Working minutes on 07:00–11:30, 13:30–17:00 (480 a day), supplement time taken off, by hand:
# early 11-02 09:00 → 11-04 10:00: 360 + 480 + 180; same day → 11-05 16:00: 360 + 3 × 480 − 60 … = 1740;
# late → 11-09 10:00: 360 + 4 × 480 + 180; supplement 11-10 09:00 → 11-16 11:00 less 11-11 10:00 → 11-16 10:00:
# 2040 − 1440; two supplements 11-05 09:00 → 11-12 10:00 less Fri 09:00–17:00 and Mon 07:00–09:00: 2460 − 360 − 120.
A_MINUTES = {"early": 1020, "same day": 1740, "late": 2460, "supplement": 600}
B_MINUTES = {"two supplements": 1980}


def _both(world: World) -> dict[str, Any]:
    a = _push(Counter(world.srv, world.device_a, "canbo.a"), A_CASES, "Hộ tịch", 1)
    b = _push(Counter(world.srv, world.device_b, "canbo.b"), B_CASES, "Đất đai", 1)
    return a | b


def test_the_fold_keeps_who_and_the_processing_time(world: World) -> None:
    cases = _both(world)
    with world.srv.session() as s:
        rows = {r.uid: r for r in s.scalars(select(ServerDossier))}
        names = dict(s.execute(select(Officer.username, Officer.full_name)).all())
        kpi = province_kpi(s, PERIOD)
    for uid, case in cases.items():
        row = rows[uid]
        assert (row.department_code, row.department_name) == ("TP", "Phòng Tư pháp")
        assert (row.legal_value, row.legal_unit) == (1.0, "working_days")
        assert row.officer_name == names["canbo.a" if row.unit_code == UNIT_A else "canbo.b"]
        want = (A_MINUTES | B_MINUTES).get(case.name)
        if case.end is None:
            assert row.processing_minutes is None, case.name
        elif want is not None:
            assert (row.processing_minutes, row.processing_day_minutes) == (want, 480), case.name
    # 2.2 of the province: the five dossiers received and resolved in the period
    (p,) = kpi.whole.processing
    assert (p.procedure_code, p.finished, p.unit.value if p.unit else None) == ("1.001612", 5, "working_days")
    assert (p.average, p.legal, p.faster_percent) == (3.25, 1.0, -225.0)  # 7800 ÷ 5 ÷ 480
    office_a = next(o for o in kpi.offices if o.key == UNIT_A)
    assert [(q.finished, q.average, q.faster_percent) for q in office_a.processing] == [(4, 3.03, -203.0)]


def _attachment(c: Counter, uid: str, data: bytes) -> dict[str, Any]:
    payload = {"unit_code": c.unit, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pages": 1,
               "name": "Tờ khai.pdf"}  # fmt: skip
    return c.event("dossier.attachment_added", payload, uid, occurred_at="2026-11-20T10:00:00")


def _upload(c: Counter, data: bytes) -> None:
    sha = hashlib.sha256(data).hexdigest()
    headers = c.headers | {"Upload-Offset": "0", "Content-Type": "application/octet-stream"}
    assert c.srv.client.patch(f"/attachments/{sha}", content=data, headers=headers).status_code == 204
    done = c.srv.client.post(f"/attachments/{sha}/complete", json={"size": len(data)}, headers=c.headers)
    assert done.status_code == 200, done.text


def _digitised(world: World) -> tuple[int, int]:
    with world.srv.session() as s:
        d = province_kpi(s, PERIOD, [UNIT_A]).whole.digitised
    return d.numerator, d.denominator


def test_digitised_once_the_file_is_stored(world: World) -> None:
    c = Counter(world.srv, world.device_a, "canbo.a")
    uids = list(_push(c, A_CASES, "Hộ tịch", 1))  # five counted, the sixth ended before the period
    first, second, never = b"%PDF-1 to kien" * 50, b"%PDF-1 giay to" * 50, b"%PDF-1 chua tai" * 50
    _upload(c, second)  # the file before its event
    results = c.push([_attachment(c, uids[0], first), _attachment(c, uids[1], second), _attachment(c, uids[2], never)])
    assert all(r["status"] == "accepted" for r in results), results
    assert _digitised(world) == (1, 5)
    _upload(c, first)  # the file after its event
    assert _digitised(world) == (2, 5)
    # another office holding the same file does not make office A's third dossier digitised
    _upload(Counter(world.srv, world.device_b, "canbo.b"), never)
    assert _digitised(world) == (2, 5)


def _kpi(world: World, username: str, **params: str) -> Any:
    device = world.device_b if username.endswith(".b") else world.device_a
    headers = bearer(world.srv.login(username, device))
    query = {"from": "2026-11-01", "to": "2026-11-22"} | params
    return world.srv.client.get("/reports/kpi", params=query, headers=headers)


def test_the_kpi_route_lists_departments_procedures_and_officers(world: World) -> None:
    _both(world)
    answer = KpiResponse.model_validate(_kpi(world, "quantri.a", scope="province").json())
    assert [(d.key, d.name, d.counted) for d in answer.departments] == [
        (f"{UNIT_A}/TP", "Phòng Tư pháp", 5), (f"{UNIT_B}/TP", "Phòng Tư pháp", 3)
    ]  # fmt: skip
    assert [(p.key, p.name, p.counted) for p in answer.procedures] == [("1.001612", "Đăng ký khai sinh", 8)]
    assert sorted((o.name, o.counted) for o in answer.officers) == [("Cán bộ canbo.a", 5), ("Cán bộ canbo.b", 3)]
    (p,) = answer.whole.processing
    assert (p.procedure_code, p.unit, p.finished, p.average, p.legal, p.faster_percent) == (
        "1.001612", "working_days", 5, 3.25, 1.0, -225.0
    )  # fmt: skip
    assert answer.whole.digitised.denominator == 8 and answer.whole.digitised_score == 0.0
    office = KpiResponse.model_validate(_kpi(world, "giamsat.b").json())
    assert [d.key for d in office.departments] == ["TP"] and office.departments[0].late.numerator == 1
    assert [o.name for o in office.officers] == ["Cán bộ canbo.b"]


def test_the_migration_backfills_the_same_columns(world: World) -> None:
    path = Path(server.__file__).parent / "migrations" / "versions" / "0011_indicator_groups.py"
    spec = importlib.util.spec_from_file_location("m0011", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    c = Counter(world.srv, world.device_a, "canbo.a")
    cases = _push(c, A_CASES, "Hộ tịch", 1) | _push(
        Counter(world.srv, world.device_b, "canbo.b"), B_CASES, "Đất đai", 1
    )
    data = b"%PDF-1 ban quet" * 40
    assert c.push([_attachment(c, next(iter(cases)), data)])[0]["status"] == "accepted"
    _upload(c, data)
    columns = migration._COLUMNS
    with world.srv.session() as s:
        folded = {r.uid: tuple(getattr(r, col) for col in columns) for r in s.scalars(select(ServerDossier))}
        assert sum(1 for v in folded.values() if v[columns.index("digitised")]) == 1
        assert all(v[columns.index("report_key")] for v in folded.values())
        before = province_kpi(s, PERIOD)
        cleared = {
            c: None
            for c in ("legal_value", "processing_minutes", "processing_us", "processing_day_minutes", "report_key")
        }
        cleared |= {c: "" for c in ("department_code", "department_name", "officer_name", "legal_unit")}
        s.execute(update(ServerDossier).values(digitised=False, **cleared))
        migration._backfill(s.connection())
        s.expire_all()
        assert {r.uid: tuple(getattr(r, col) for col in columns) for r in s.scalars(select(ServerDossier))} == folded
        assert province_kpi(s, PERIOD) == before
