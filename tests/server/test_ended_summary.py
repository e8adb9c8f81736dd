"""The province's per-month summary of ended dossiers (server migration 0017, server/sync/ended_summary.py), on
PostgreSQL: the triggers keep it equal to its definition through every kind of write (bulk and single inserts,
updates that move a dossier between cells or out of the summary, deletes), ``first_at`` included; the
indicators read through it give exactly the cells of reading every row, for periods with and without whole
months or whole years, for the province and for some offices; and two writers updating one office's cells in
opposite orders wait for each other instead of deadlocking."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, text, update
from sqlalchemy.orm import Session

from app.domain.indicators import Period
from server.db import make_engine
from server.sync import ended_summary, indicators
from server.sync.indicators import _cells, whole_months
from server.sync.models import ReportKey, ServerDossier

UNITS = ("000.01.00.H49", "000.02.00.H49")
KEYS = {1: UNITS[0], 2: UNITS[0], 3: UNITS[1], 4: UNITS[1]}
T0 = datetime(2025, 10, 1, 8, 0)


@pytest.fixture(scope="module")
def pg(pg_database: str) -> Iterator[Engine]:
    engine = make_engine(pg_database, pool_size=3)
    yield engine
    engine.dispose()


def _reset(engine: Engine) -> None:
    """Empty dossiers, summary and keys (TRUNCATE fires no trigger: both tables at once), then the keys."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE dossiers, ended_summary, report_keys RESTART IDENTITY CASCADE"))
        conn.execute(
            insert(ReportKey),
            [
                {"id": k, "digest": f"{k:032d}", "unit_code": u, "department_code": f"D{k}",
                 "department_name": f"Phòng {k}", "field": "Hộ tịch" if k % 2 else "Đất đai",
                 "procedure_code": f"P{k % 3}", "procedure_name": f"Thủ tục {k % 3}",
                 "officer_id": str(uuid.UUID(int=k)), "officer_name": f"Cán bộ {k}", "legal_value": float(k),
                 "legal_unit": "working_days"}
                for k, u in KEYS.items()
            ],
        )  # fmt: skip


# one dossier: days after T0 of its receipt and end (None: open), and the rest of what the summary reads
dossier = st.fixed_dictionaries(
    {
        "received": st.one_of(st.integers(0, 460), st.sampled_from([5, 6, 20, 95, 96, 300])),  # shared cells
        "length": st.one_of(st.none(), st.integers(-3, 120)),  # negative: ended before its receipt
        "hour": st.integers(0, 23),
        "key": st.sampled_from([1, 1, 1, 2, 3, 4, None]),
        "cls": st.sampled_from([1, 2, 3, None]),
        "coded": st.sampled_from(["code", "code", "printed", None]),
        "rating": st.sampled_from([None, "satisfied", "dissatisfied"]),
        "digitised": st.booleans(),
        "scan": st.booleans(),
        "channel": st.sampled_from([1, 2, 3]),
        "end_status": st.sampled_from([9, 10, 11, 13]),
        "minutes": st.one_of(st.none(), st.integers(0, 20_000)),
        "day_minutes": st.sampled_from([480, 480, 450, None]),
        "supplements": st.sampled_from([0, 0, 1, 2]),
    }
)


def _row(i: int, d: dict[str, Any]) -> dict[str, Any]:
    received = T0 + timedelta(days=d["received"], hours=d["hour"], minutes=i % 60)
    ended = None if d["length"] is None else received + timedelta(days=d["length"], hours=(i * 7) % 5)
    uid = str(uuid.UUID(int=10_000 + i))
    unit = KEYS.get(d["key"] or 0, UNITS[i % 2])
    return {
        "uid": uid, "unit_code": unit, "code": f"C{i}" if d["coded"] == "code" else None,
        "printed_code": f"P{i}" if d["coded"] == "printed" else None, "status": 9 if ended else 3,
        "procedure_code": "P", "procedure_name": "Thủ tục", "applicant_name": "Nguyễn Văn A",
        "received_at": received, "received_day": received.date(), "device_id": uid, "officer_id": uid,
        "first_event_id": uid, "last_event_id": uid, "last_hlc": "0", "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
        "ended_at": ended, "end_status": d["end_status"] if ended else None,
        "ended_class": d["cls"] if ended else None, "report_key": d["key"], "rating": d["rating"],
        "digitised": d["digitised"], "scan_required": d["scan"], "channel": d["channel"],
        "received_due_at": received + timedelta(days=10),
        "supplement_count": d["supplements"],
        "supplement1_requested_at": received + timedelta(days=1) if d["supplements"] else None,
        "supplement1_completed_at": received + timedelta(days=2) if d["supplements"] == 1 else None,
        "supplement2_requested_at": received + timedelta(days=3) if d["supplements"] == 2 else None,
        "supplement2_completed_at": received + timedelta(days=4) if d["supplements"] == 2 else None,
        "processing_minutes": d["minutes"] if ended else None,
        "processing_us": None if d["minutes"] is None or not ended else d["minutes"] * 60_000_000 - 5,
        "processing_day_minutes": d["day_minutes"] if ended and d["minutes"] is not None else None,
    }  # fmt: skip


# a later write to one dossier: what changes
change = st.one_of(
    st.fixed_dictionaries({"ended_at": st.one_of(st.none(), st.integers(0, 500))}),
    st.fixed_dictionaries({"ended_class": st.sampled_from([1, 2, 3, None])}),
    st.fixed_dictionaries({"report_key": st.sampled_from([1, 2, 3, 4, None])}),
    st.fixed_dictionaries({"rating": st.sampled_from([None, "dissatisfied"])}),
    st.fixed_dictionaries({"digitised": st.booleans()}),
    st.fixed_dictionaries({"received_at": st.integers(0, 460)}),
    st.fixed_dictionaries({"code": st.sampled_from([None, "X"])}),
    st.fixed_dictionaries({"processing_minutes": st.one_of(st.none(), st.integers(0, 9000))}),
    st.fixed_dictionaries({"status": st.sampled_from([3, 9, 10])}),  # a column the summary does not read
    st.just({"delete": True}),
)


def _values(c: dict[str, Any]) -> dict[str, Any]:
    out = dict(c)
    for moment in ("ended_at", "received_at"):
        if out.get(moment) is not None:
            out[moment] = T0 + timedelta(days=out[moment], hours=3)
    if out.get("code") is not None:
        out["code"] = f"X{uuid.uuid4().hex[:8]}"
    return out


def _summary(conn: Any) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in conn.execute(text("SELECT * FROM ended_summary")))


def _defined(conn: Any) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in conn.execute(text(ended_summary.definition())))


def _write(engine: Engine, rows: list[dict[str, Any]], changes: list[tuple[int, dict[str, Any]]], bulk: bool) -> None:
    with engine.begin() as conn:
        if bulk:
            conn.execute(insert(ServerDossier), rows)
        else:
            for r in rows:
                conn.execute(insert(ServerDossier), r)
    with engine.begin() as conn:
        for i, c in changes:
            uid = rows[i % len(rows)]["uid"]
            if c.get("delete"):
                conn.execute(text("DELETE FROM dossiers WHERE uid = :uid"), {"uid": uid})
            else:
                conn.execute(update(ServerDossier).where(ServerDossier.uid == uid).values(**_values(c)))
        if bulk:  # one statement over many rows: a year's cells and several months at once
            conn.execute(text("UPDATE dossiers SET rating = 'dissatisfied' WHERE received_at < :t"),
                         {"t": T0 + timedelta(days=200)})  # fmt: skip
            conn.execute(text("UPDATE dossiers SET ended_at = ended_at + interval '20 days' WHERE channel = 2"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(dossier, min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(0, 1000), change), max_size=25),
    st.booleans(),
)
def test_the_triggers_keep_the_summary_equal_to_its_definition(
    pg: Engine, dossiers: list[dict[str, Any]], changes: list[tuple[int, dict[str, Any]]], bulk: bool
) -> None:
    _reset(pg)
    rows = [_row(i, d) for i, d in enumerate(dossiers)]
    _write(pg, rows, changes, bulk)
    with pg.connect() as conn:
        kept, defined = _summary(conn), _defined(conn)
    assert kept == defined
    assert all(r[4] > 0 for r in kept)  # no emptied cell left behind


def test_rebuild_after_writes_with_the_update_trigger_off(pg: Engine) -> None:
    """What a migration rewriting many rows does (ended_summary.rebuild): the summary is right again."""
    _reset(pg)
    base = {"length": 3, "hour": 9, "key": 1, "cls": 2, "coded": "code", "rating": None, "digitised": False,
            "scan": True, "channel": 1, "end_status": 9, "minutes": 300, "day_minutes": 480,
            "supplements": 0}  # fmt: skip
    _write(pg, [_row(i, base | {"received": 20 * i}) for i in range(12)], [], bulk=False)
    with Session(pg) as s, s.begin():
        s.execute(text("ALTER TABLE dossiers DISABLE TRIGGER ended_summary_upd"))
        s.execute(text("UPDATE dossiers SET ended_class = 3, rating = 'dissatisfied'"))
        s.execute(text("ALTER TABLE dossiers ENABLE TRIGGER ended_summary_upd"))
        assert _summary(s.connection()) != _defined(s.connection())
        ended_summary.rebuild(s)
    with pg.connect() as conn:
        assert _summary(conn) == _defined(conn)
        assert conn.execute(text("SELECT sum(late), sum(dissatisfied) FROM ended_summary WHERE span = 1")).one() == (
            12,
            12,
        )


def test_a_cell_s_first_receipt_follows_the_dossier_that_held_it(pg: Engine) -> None:
    """Three dossiers of one cell: the earliest received leaves it (another month, then deleted), and the
    cell's ``first_at`` is the next one's receipt each time (the procedure's legal time and name follow it)."""
    _reset(pg)
    base = {"length": 2, "hour": 9, "key": 1, "cls": 1, "coded": "code", "rating": None, "digitised": True,
            "scan": True, "channel": 1, "end_status": 9, "minutes": 100, "day_minutes": 480,
            "supplements": 0}  # fmt: skip
    rows = [_row(i, base | {"received": 40 + i}) for i in range(3)]  # received 10, 11, 12 November 2025
    _write(pg, rows, [], bulk=False)

    def first_at(conn: Any, span: int) -> Any:
        return conn.execute(text("SELECT first_at FROM ended_summary WHERE span = :s AND report_key = 1"
                                 " AND month = CAST(:m AS date)"),
                            {"s": span, "m": "2025-11-01" if span == 1 else "2025-01-01"}).scalar_one()  # fmt: skip

    with pg.begin() as conn:
        assert first_at(conn, 1) == first_at(conn, 12) == rows[0]["received_at"]
        conn.execute(update(ServerDossier).where(ServerDossier.uid == rows[0]["uid"])
                     .values(ended_at=datetime(2025, 12, 20, 10, 0)))  # fmt: skip
        assert first_at(conn, 1) == rows[1]["received_at"]  # November's cell
        assert first_at(conn, 12) == rows[0]["received_at"]  # still in the year's
        conn.execute(text("DELETE FROM dossiers WHERE uid = :u"), {"u": rows[0]["uid"]})
        assert first_at(conn, 12) == rows[1]["received_at"]
        conn.execute(update(ServerDossier).where(ServerDossier.uid == rows[1]["uid"])
                     .values(received_at=datetime(2025, 11, 12, 18, 0)))  # fmt: skip
        assert first_at(conn, 1) == first_at(conn, 12) == rows[2]["received_at"]
        assert _summary(conn) == _defined(conn)


def _periods() -> st.SearchStrategy[Period]:
    day = st.dates(date(2025, 9, 1), date(2027, 1, 31))
    return st.tuples(day, st.integers(0, 420)).map(lambda t: Period(t[0], t[0] + timedelta(days=t[1])))


WHOLE = [Period(date(2026, 1, 1), date(2026, 12, 31)), Period(date(2025, 11, 1), date(2026, 2, 28)),
         Period(date(2025, 10, 15), date(2026, 3, 10)), Period(date(2026, 6, 1), date(2026, 6, 30)),
         Period(date(2026, 3, 2), date(2026, 3, 30)), Period(date(2025, 1, 1), date(2027, 12, 31))]  # fmt: skip


def _cells_both_ways(s: Session, period: Period, units: list[str] | None, levels: str) -> tuple[Any, Any]:
    by_rows = _cells(s, period, units, levels, summary=False)
    s.rollback()
    # the summary's rows however few dossiers they stand for (the test's data is small)
    with mock.patch.object(indicators, "COMPRESSION", 0):
        by_summary = _cells(s, period, units, levels, summary=True)
    s.rollback()

    def norm(found: tuple[list[Any], list[Any]]) -> list[list[tuple[str, ...]]]:
        return [sorted(tuple(str(v) for v in c) for c in part) for part in found]

    return norm(by_rows), norm(by_summary)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(dossier, min_size=1, max_size=60), st.lists(_periods(), min_size=1, max_size=4),
       st.sampled_from([None, [UNITS[0]], list(UNITS)]), st.sampled_from(["both", "province", "summed"]))  # fmt: skip
def test_the_cells_through_the_summary_are_those_of_every_row(
    pg: Engine, dossiers: list[dict[str, Any]], periods: list[Period], units: list[str] | None, levels: str
) -> None:
    _reset(pg)
    _write(pg, [_row(i, d) for i, d in enumerate(dossiers)], [], bulk=True)
    with Session(pg) as s:
        for period in [*periods, *WHOLE]:
            by_rows, by_summary = _cells_both_ways(s, period, units, levels)
            assert by_summary == by_rows, period


def test_whole_months_and_years() -> None:
    assert whole_months(Period(date(2026, 1, 2), date(2026, 3, 31))) == [date(2026, 2, 1), date(2026, 3, 1)]
    assert whole_months(Period(date(2026, 1, 1), date(2026, 1, 30))) == []
    assert len(whole_months(Period(date(2025, 12, 1), date(2027, 1, 31)))) == 14
    assert whole_months(Period(date(2026, 2, 1), date(2026, 2, 28))) == [date(2026, 2, 1)]


def test_two_writers_in_opposite_orders_wait_instead_of_deadlocking(pg: Engine) -> None:
    """Each transaction updates a dossier of one month, then one of another month, of the same office; the
    other in the opposite order. Both touch the office's year row: without the triggers' office lock the
    second statement of each would wait for the other's rows (PostgreSQL aborts one: deadlock detected)."""
    _reset(pg)
    base = {"received": 10, "length": 5, "hour": 9, "key": 1, "cls": 2, "coded": "code", "rating": None,
            "digitised": False, "scan": True, "channel": 1, "end_status": 9, "minutes": 600, "day_minutes": 480,
            "supplements": 0}  # fmt: skip
    rows = [_row(i, base | {"received": 10 + 40 * (i % 2)}) for i in range(4)]  # months 10/2025 and 11/2025
    _write(pg, rows, [], bulk=False)
    errors: list[BaseException] = []
    one_started, two_starting = threading.Event(), threading.Event()

    def update(conn: Any, i: int) -> None:
        conn.execute(text("UPDATE dossiers SET rating = 'dissatisfied' WHERE uid = :u"), {"u": rows[i]["uid"]})

    def one() -> None:
        try:
            with pg.begin() as conn:
                update(conn, 0)  # October, then the year row
                one_started.set()
                two_starting.wait(10)
                threading.Event().wait(0.5)  # the other is in its first statement now
                update(conn, 1)  # November
        except BaseException as exc:
            errors.append(exc)

    def two() -> None:
        try:
            with pg.begin() as conn:
                one_started.wait(10)
                two_starting.set()
                update(conn, 3)  # November, then the year row
                update(conn, 2)  # October
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one), threading.Thread(target=two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    with pg.connect() as conn:
        assert _summary(conn) == _defined(conn)
        assert conn.execute(text("SELECT sum(dissatisfied) FROM ended_summary WHERE span = 1")).scalar() == 4


def test_months_whose_rows_would_not_pay_are_read_as_before(pg: Engine) -> None:
    """The months' summary rows are read only when each stands for COMPRESSION dossiers or more; else the period
    is read as every row. 40 dossiers ended in January 2026, one report key: one month row."""
    _reset(pg)
    base = {"length": 3, "hour": 9, "key": 1, "cls": 2, "coded": "code", "rating": None, "digitised": False,
            "scan": True, "channel": 1, "end_status": 9, "minutes": 300, "day_minutes": 480,
            "supplements": 0}  # fmt: skip
    _write(pg, [_row(i, base | {"received": 95 + i % 20}) for i in range(40)], [], bulk=False)
    january = Period(date(2026, 1, 1), date(2026, 1, 31))
    with Session(pg) as s:
        assert indicators._worth_summing(s, whole_months(january))  # 40 ≥ 4 × 1
        with mock.patch.object(indicators, "COMPRESSION", 41):
            assert not indicators._worth_summing(s, whole_months(january))  # 40 < 41 × 1
            read = mock.patch.object(indicators, "_with_summary", side_effect=AssertionError("summary read"))
            with read:
                by_rows = _cells(s, january, None, "both")  # every row, as before the summary
        s.rollback()
        assert by_rows == _cells(s, january, None, "both", summary=False)
