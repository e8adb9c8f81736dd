"""The supervisor's queues: membership at a fixed moment, counts, filters, and the working-time text."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.domain.calendar import CalendarEntry, EntryKind, WorkingCalendar
from app.services.handover import add_scan, confirm_batch, counter_place, department_place, open_batch, send_batch
from app.services.office import load_calendar
from app.services.queues import (
    DUE_SOON_KEY,
    Channel,
    QueueFilter,
    QueueId,
    _Clock,
    duration_text,
    queue_counts,
    queue_rows,
)
from app.services.reception import refuse
from app.services.results import request_supplement_after_reception
from app.services.returns import record_result
from app.store.db import transaction
from app.store.models import Setting
from tests.app.test_reception import draft, receive
from tests.conftest import NOW

SAME_DAY = "2.000635"  # XA-TP, due 17:00 the same day before the 15:00 cut-off
THREE_DAYS = "1.004859"  # XA-TP, 3 working days
KT_THREE_DAYS = "1.001612"  # XA-KT, 3 working days
T = datetime(2026, 11, 25, 10, 0)  # Wednesday, the moment the supervisor looks (Tue 24/11 is a day off)


def _send(factory, actor, code, when, confirm):
    with transaction(factory) as s:
        batch, _ = add_scan(s, open_batch(counter_place(actor), department_place(s, "XA-TP")), code)
        send_batch(s, actor, batch, when)
        if confirm:
            confirm_batch(s, actor, batch.id, [code], when + timedelta(minutes=30))


def _office(factory, actor, catalog):
    """A: overdue; B: due Thu; K: other department; C: supplement; D: result ready; G: today;
    H: in transit since Monday 09:45; plus a refusal that is in no queue."""
    a = receive(factory, actor, catalog, draft(catalog, SAME_DAY))
    b = receive(factory, actor, catalog, draft(catalog, THREE_DAYS))
    k = receive(factory, actor, catalog, draft(catalog, KT_THREE_DAYS))
    c = receive(factory, actor, catalog, draft(catalog, THREE_DAYS))
    _send(factory, actor, c.code, NOW + timedelta(minutes=10), confirm=True)
    d = receive(factory, actor, catalog, draft(catalog, THREE_DAYS))
    _send(factory, actor, d.code, NOW + timedelta(minutes=10), confirm=True)
    h = receive(factory, actor, catalog, draft(catalog, THREE_DAYS))
    _send(factory, actor, h.code, NOW + timedelta(minutes=30), confirm=False)
    with transaction(factory) as s:
        cal = load_calendar(s)
        request_supplement_after_reception(
            s, actor, cal, c.uid, ["Bản sao CCCD"], "Thiếu giấy tờ", T - timedelta(hours=1)
        )
        record_result(s, actor, d.uid, "Bản sao trích lục", NOW + timedelta(hours=3))
        refuse(s, actor, catalog, draft(catalog, THREE_DAYS), "Không thuộc thẩm quyền", NOW)
    g = receive(factory, actor, catalog, draft(catalog, THREE_DAYS), now=T - timedelta(minutes=30))
    return {"A": a, "B": b, "K": k, "C": c, "D": d, "G": g, "H": h}


def _uids(rows):
    return {r.uid for r in rows.rows}


def test_each_queue_holds_exactly_its_dossiers(factory, actor, catalog):
    d = _office(factory, actor, catalog)
    assert d["A"].due_at == datetime(2026, 11, 23, 17, 0)
    assert d["B"].due_at == datetime(2026, 11, 27, 9, 15)  # Mon 09:15 + 3 working days, Tuesday off
    with factory() as s:
        cal = load_calendar(s)
        got = {q: _uids(queue_rows(s, cal, T, q)) for q in QueueId}
        counts = queue_counts(s, cal, T, QueueFilter())
    u = {k: v.uid for k, v in d.items()}
    assert got[QueueId.OVERDUE] == {u["A"]}
    assert got[QueueId.DUE_SOON] == set()  # B has 1 ngày 7 giờ left: more than one working day
    assert got[QueueId.SUPPLEMENT] == {u["C"]}
    assert got[QueueId.PROCESSING] == {u["A"], u["B"], u["K"], u["G"], u["H"]}
    assert got[QueueId.IN_TRANSIT] == {u["H"]}
    assert got[QueueId.PICKUP] == {u["D"]}
    assert got[QueueId.TODAY] == {u["G"]}
    assert [counts.of(q) for q in QueueId] == [1, 0, 1, 5, 1, 1, 1]
    assert [(x.code, x.count) for x in counts.departments] == [("XA-TP", 4), ("XA-KT", 1)]


def test_rows_say_the_time_left_or_overdue_in_working_days_and_hours(factory, actor, catalog):
    d = _office(factory, actor, catalog)
    with factory() as s:
        cal = load_calendar(s)
        processing = {r.uid: r for r in queue_rows(s, cal, T, QueueId.PROCESSING).rows}
        supplement = queue_rows(s, cal, T, QueueId.SUPPLEMENT).rows[0]
        transit = queue_rows(s, cal, T, QueueId.IN_TRANSIT).rows[0]
    # A due Mon 17:00, now Wed 10:00, Tuesday off: 07:00–10:00 = 3 h late.
    a = processing[d["A"].uid]
    assert (a.minutes, a.time_text, a.late) == (-180, "Quá hạn 0 ngày 3 giờ làm việc", True)
    # B due Fri 09:15: Wed 10:00–17:00 (5 h) + Thu (8 h) + Fri 07:00–09:15 → 915 min = 1 ngày 7 giờ.
    b = processing[d["B"].uid]
    assert (b.minutes, b.time_text, b.late) == (915, "Còn 1 ngày 7 giờ làm việc", False)
    assert b.channel is Channel.DIRECT
    # The supplement was asked Wed 09:00, one working hour ago, inside the 3-day window (to Fri 09:15).
    assert supplement.time_text == "Chờ bổ sung 0 ngày 1 giờ làm việc" and not supplement.late
    assert supplement.note == "Yêu cầu trong hạn 3 ngày làm việc"
    # In transit since Mon 09:45: 105 + 210 (Mon) + 0 (Tue off) + 180 (Wed) = 495 min.
    assert transit.time_text == "Đang chuyển 1 ngày 0 giờ làm việc" and transit.late


def test_due_soon_window_is_configurable(factory, actor, catalog):
    d = _office(factory, actor, catalog)
    with transaction(factory) as s:
        s.add(Setting(key=DUE_SOON_KEY, value=2))
    with factory() as s:
        cal = load_calendar(s)
        assert _uids(queue_rows(s, cal, T, QueueId.DUE_SOON)) == {d["B"].uid, d["K"].uid, d["H"].uid}
        assert queue_counts(s, cal, T, QueueFilter()).of(QueueId.DUE_SOON) == 3


def test_filters_narrow_rows_and_counts(factory, actor, catalog):
    d = _office(factory, actor, catalog)
    with factory() as s:
        cal = load_calendar(s)
        kt = QueueFilter(department_code="XA-KT")
        assert _uids(queue_rows(s, cal, T, QueueId.PROCESSING, kt)) == {d["K"].uid}
        assert queue_counts(s, cal, T, kt).of(QueueId.OVERDUE) == 0
        by_proc = QueueFilter(procedure_code=SAME_DAY)
        assert _uids(queue_rows(s, cal, T, QueueId.PROCESSING, by_proc)) == {d["A"].uid}
        assert queue_counts(s, cal, T, QueueFilter(field="Hộ tịch")).of(QueueId.PROCESSING) == 4
        assert queue_counts(s, cal, T, QueueFilter(officer_id=actor.officer_id)).of(QueueId.PROCESSING) == 5
        assert queue_counts(s, cal, T, QueueFilter(officer_id="someone-else")).of(QueueId.PROCESSING) == 0
        assert queue_counts(s, cal, T, QueueFilter(channel=Channel.DIRECT)).of(QueueId.PROCESSING) == 5
        online = queue_counts(s, cal, T, QueueFilter(channel=Channel.ONLINE))
        assert [online.of(q) for q in QueueId] == [0] * 7


def test_working_time_skips_the_weekend_and_a_holiday():
    holiday = CalendarEntry(date(2026, 11, 24), EntryKind.HOLIDAY, "Nghỉ thử", "Quyết định thử")
    cal = WorkingCalendar(entries=[holiday])
    clock = _Clock(cal)
    # Fri 16:00 → Wed 10:00: Fri 1 h, Sat/Sun off, Mon 8 h, Tue holiday, Wed 3 h = 12 h.
    friday, wednesday = datetime(2026, 11, 20, 16, 0), datetime(2026, 11, 25, 10, 0)
    assert clock.signed(friday, wednesday) == 720
    assert duration_text(720, cal) == "1 ngày 4 giờ làm việc"
    # Overdue the other way round: due Fri 15:00, now Wed 08:00 → 2 + 8 + 1 = 11 h late.
    assert clock.signed(datetime(2026, 11, 25, 8, 0), datetime(2026, 11, 20, 15, 0)) == -660
    assert duration_text(-660, cal) == "1 ngày 3 giờ làm việc"
    # The fast path agrees with the day-by-day walk over a long span.
    from app.domain.custody import working_minutes_between

    spans = [  # later span first: the day count's base moves back
        (datetime(2026, 6, 1, 8, 0), datetime(2026, 11, 2, 9, 0)),
        (datetime(2025, 12, 29, 10, 0), datetime(2026, 3, 4, 15, 0)),
        (datetime(2026, 1, 5, 9, 40), datetime(2026, 11, 25, 14, 5)),
    ]
    for start, end in spans:
        assert clock.between(start, end) == working_minutes_between(cal, start, end)
    assert duration_text(45, cal) == "45 phút làm việc"


def test_channel_filter_and_rows_follow_the_dossiers_recorded_channel(factory, actor, catalog):
    """Issue 16 records each dossier's channel: the queues filter and show it (they read 'direct' for all)."""
    from dataclasses import replace

    counter = receive(factory, actor, catalog, draft(catalog, THREE_DAYS))
    online = receive(factory, actor, catalog, replace(draft(catalog, THREE_DAYS), channel="online"))
    with factory() as s:
        cal = load_calendar(s)
        by_channel = {ch: queue_counts(s, cal, T, QueueFilter(channel=ch)).of(QueueId.PROCESSING) for ch in Channel}
        rows = {r.uid: r.channel for r in queue_rows(s, cal, T, QueueId.PROCESSING).rows}
        online_rows = _uids(queue_rows(s, cal, T, QueueId.PROCESSING, QueueFilter(channel=Channel.ONLINE)))
    assert by_channel == {Channel.DIRECT: 1, Channel.ONLINE: 1, Channel.POSTAL: 0}
    assert rows == {counter.uid: Channel.DIRECT, online.uid: Channel.ONLINE}
    assert online_rows == {online.uid}
