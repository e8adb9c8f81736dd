"""Handover of paper folders against a real SQLite store: scans, sending, confirmation, custody view."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.custody import BatchState, ItemState, PlaceKind
from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.errors import UserFacingError
from app.services.custody import custody_view
from app.services.handover import (
    ScanReason,
    add_scan,
    batches,
    check_scan_for_batch,
    confirm_batch,
    counter_place,
    custody_of,
    department_place,
    open_batch,
    remove_from_batch,
    send_batch,
)
from app.services.office import load_calendar
from app.store.db import transaction
from app.store.models import Dossier, Event, Outbox, Setting
from tests.app.test_reception import draft, receive
from tests.conftest import NOW

TP = "XA-TP"  # Bộ phận Tư pháp - Hộ tịch: handles 1.004859 (3 working days)
LAND = "1.012784"  # Văn phòng Đăng ký đất đai


def _receive_many(factory, actor, catalog, n: int, code: str = "1.004859"):
    return [receive(factory, actor, catalog, draft(catalog, code), NOW + timedelta(minutes=i)) for i in range(n)]


def test_scan_checks_each_reason(factory, actor, catalog):
    a, b = _receive_many(factory, actor, catalog, 2)
    land = receive(factory, actor, catalog, draft(catalog, LAND))
    with transaction(factory) as s:
        batch = open_batch(counter_place(actor), department_place(s, TP))
        bad = check_scan_for_batch(s, batch, "abc-123")
        assert (bad.ok, bad.reason) == (False, ScanReason.WRONG_FORMAT)
        assert "không phải mã hồ sơ" in bad.message
        unknown = check_scan_for_batch(s, batch, "000.01.00.H49-261123-0999")
        assert unknown.reason is ScanReason.UNKNOWN
        batch, ok = add_scan(s, batch, f"  {a.code}\n")  # scanners add whitespace / Enter
        assert ok.ok and ok.reason is ScanReason.OK and ok.dossier is not None and ok.dossier.uid == a.uid
        batch, dup = add_scan(s, batch, a.code)
        assert dup.reason is ScanReason.DUPLICATE and len(batch.items) == 1
        wrong = check_scan_for_batch(s, batch, land.code)
        assert wrong.reason is ScanReason.WRONG_DESTINATION and "Văn phòng Đăng ký đất đai" in wrong.message
        batch, _ = add_scan(s, batch, b.code)
        assert [i.code for i in batch.items] == [a.code, b.code]
        assert [i.code for i in remove_from_batch(batch, b.uid).items] == [a.code]


def test_scan_refuses_a_folder_not_held_or_in_wrong_status(factory, actor, catalog):
    (a,) = _receive_many(factory, actor, catalog, 1)
    with transaction(factory) as s:
        batch = open_batch(counter_place(actor), department_place(s, TP))
        batch, _ = add_scan(s, batch, a.code)
        send_batch(s, actor, batch, NOW + timedelta(hours=1))
    with transaction(factory) as s:
        again = open_batch(counter_place(actor), department_place(s, TP))
        moving = check_scan_for_batch(s, again, a.code)
        assert moving.reason is ScanReason.IN_TRANSIT and "đang được chuyển" in moving.message
        back = open_batch(department_place(s, TP), counter_place(actor))
        assert check_scan_for_batch(s, back, a.code).reason is ScanReason.IN_TRANSIT
    with transaction(factory) as s:
        d = s.scalars(select(Dossier).where(Dossier.uid == a.uid)).one()
        d.status = int(DossierStatus.RETURNED)
    with transaction(factory) as s:
        (b,) = _receive_many(factory, actor, catalog, 1)
    with transaction(factory) as s:
        s.scalars(select(Dossier).where(Dossier.uid == b.uid)).one().status = int(DossierStatus.RESULT_READY)
        batch = open_batch(counter_place(actor), department_place(s, TP))
        assert check_scan_for_batch(s, batch, b.code).reason is ScanReason.WRONG_STATUS


def test_open_batch_refuses_same_place(actor):
    with pytest.raises(UserFacingError, match="trùng nhau"):
        open_batch(counter_place(actor), counter_place(actor))


def test_send_and_confirm_with_missing_and_unexpected(factory, actor, catalog):
    a, b, c, extra = _receive_many(factory, actor, catalog, 4)
    sent_at = NOW + timedelta(hours=2)
    with transaction(factory) as s:
        batch = open_batch(counter_place(actor), department_place(s, TP), note="Chuyển buổi sáng")
        for code in (a.code, b.code, c.code):
            batch, _ = add_scan(s, batch, code)
        info, changes = send_batch(s, actor, batch, sent_at)
    assert info.state is BatchState.SENT and len(info.items) == 3 and changes.dossier_uids == {a.uid, b.uid, c.uid}
    with transaction(factory) as s:
        sent = s.scalars(select(Event).where(Event.type == str(EventType.HANDOVER_SENT))).all()
        assert len(sent) == 3 and {e.payload["batch_id"] for e in sent} == {batch.id}
        assert all(e.payload["parent_event_id"] for e in sent)  # the reception event
        assert s.scalar(select(Outbox).where(Outbox.event_id == sent[0].id)) is not None
        where = custody_of(s, a.uid)
        assert where is not None and where.in_transit and where.place.code == TP
        inbox = batches(s, to=department_place(s, TP), state=BatchState.SENT)
        assert [x.id for x in inbox] == [batch.id]
    # The department scans a, b and a folder that was not in the batch, and some garbage; c is missing.
    with transaction(factory) as s:
        summary, _ = confirm_batch(
            s, actor, batch.id, [a.code, b.code, a.code, extra.code, "xyz"], sent_at + timedelta(hours=1)
        )
    assert summary.received == (a.code, b.code)
    assert summary.missing == (c.code,)
    assert summary.unexpected == (extra.code,)
    assert summary.unknown == ("xyz",)
    assert summary.state is BatchState.DISCREPANCIES
    assert "Thiếu 1 hồ sơ" in summary.message and "Thừa 1 hồ sơ" in summary.message
    with transaction(factory) as s:
        status = {d.uid: d.status for d in s.scalars(select(Dossier))}
        assert status[a.uid] == status[b.uid] == DossierStatus.PROCESSING  # department has it
        assert status[c.uid] == DossierStatus.RECEIVED
        ca, cc, ce = custody_of(s, a.uid), custody_of(s, c.uid), custody_of(s, extra.uid)
        assert ca and not ca.in_transit and ca.place.kind is PlaceKind.DEPARTMENT
        assert cc and cc.in_transit and cc.missing
        assert ce and ce.place.code == TP and not ce.in_transit  # the paper is there now
        info = batches(s)[0]
        assert {i.code: i.state for i in info.items} == {
            a.code: ItemState.RECEIVED, b.code: ItemState.RECEIVED, c.code: ItemState.MISSING,
            extra.code: ItemState.UNEXPECTED,
        }  # fmt: skip
        with pytest.raises(UserFacingError, match="đã được xác nhận"):
            confirm_batch(s, actor, batch.id, [c.code], sent_at + timedelta(hours=2))


def test_send_rechecks_and_writes_nothing_when_a_folder_moved(factory, actor, catalog):
    a, b = _receive_many(factory, actor, catalog, 2)
    with transaction(factory) as s:
        first = open_batch(counter_place(actor), department_place(s, TP))
        first, _ = add_scan(s, first, a.code)
        second = open_batch(counter_place(actor), department_place(s, TP))
        second, _ = add_scan(s, second, a.code)
        second, _ = add_scan(s, second, b.code)
        send_batch(s, actor, first, NOW + timedelta(hours=1))
    with transaction(factory) as s, pytest.raises(UserFacingError, match=a.code or ""):
        send_batch(s, actor, second, NOW + timedelta(hours=1))
    with transaction(factory) as s:
        assert len(s.scalars(select(Event).where(Event.type == str(EventType.HANDOVER_SENT))).all()) == 1
        with pytest.raises(UserFacingError, match="chưa có hồ sơ"):
            send_batch(s, actor, remove_from_batch(remove_from_batch(second, a.uid), b.uid), NOW)


def test_full_round_trip_back_to_the_counter(factory, actor, catalog):
    (a,) = _receive_many(factory, actor, catalog, 1)
    t = NOW + timedelta(hours=1)
    with transaction(factory) as s:
        batch, _ = add_scan(s, open_batch(counter_place(actor), department_place(s, TP)), a.code)
        send_batch(s, actor, batch, t)
        confirm_batch(s, actor, batch.id, [a.code], t + timedelta(minutes=30))
        back, verdict = add_scan(s, open_batch(department_place(s, TP), counter_place(actor)), a.code)
        assert verdict.ok, verdict.message
        send_batch(s, actor, back, t + timedelta(days=1))
        summary, _ = confirm_batch(s, actor, back.id, [a.code], t + timedelta(days=1, hours=1))
        assert summary.state is BatchState.CONFIRMED and summary.message == "Đã nhận 1 hồ sơ."
        where = custody_of(s, a.uid)
        assert where and where.place.kind is PlaceKind.COUNTER and not where.in_transit
        # Each handover names the custody event before it: a chain from the reception.
        chain = s.scalars(select(Event).where(Event.dossier_uid == a.uid).order_by(Event.device_seq)).all()
        for before, after in itertools.pairwise(chain):
            assert after.payload["parent_event_id"] == before.id


def test_custody_view_highlights_folders_in_transit_too_long(factory, actor, catalog):
    a, b, c = _receive_many(factory, actor, catalog, 3)
    with transaction(factory) as s:
        batch = open_batch(counter_place(actor), department_place(s, TP))
        batch, _ = add_scan(s, batch, a.code)
        send_batch(s, actor, batch, NOW)  # Monday 09:15
        later = open_batch(counter_place(actor), department_place(s, TP))
        later, _ = add_scan(s, later, b.code)
        send_batch(s, actor, later, NOW + timedelta(hours=5))  # 14:15
    check = datetime(2026, 11, 23, 15, 30)  # 4h15 of working time after a (lunch skipped), 1h15 after b
    with transaction(factory) as s:
        calendar = load_calendar(s)
        moving = {r.code: r for r in custody_view(s, calendar, check, in_transit_only=True)}
        assert set(moving) == {a.code, b.code}
        assert moving[a.code].overdue_in_transit and not moving[b.code].overdue_in_transit
        assert moving[a.code].where.startswith("Đang chuyển:")
        s.add(Setting(key="custody_transit_alert_hours", value=8))
        s.flush()
        assert not any(r.overdue_in_transit for r in custody_view(s, calendar, check, in_transit_only=True))
        here = {r.code for r in custody_view(s, calendar, check, place=counter_place(actor))}
        assert here == {c.code}
        there = {r.code for r in custody_view(s, calendar, check, place=department_place(s, TP))}
        assert there == {a.code, b.code}
        assert {r.code for r in custody_view(s, calendar, check)} == {a.code, b.code, c.code}
