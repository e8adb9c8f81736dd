"""`motcua demo populate`'s core: a demo history made through the real services, deterministic by seed."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.domain.catalog import Catalog
from app.domain.contracts import parse_payload
from app.domain.events import EventType
from app.domain.idcard import validate_personal_id
from app.domain.indicators import DossierFacts, classify, supplement_spans
from app.domain.status import DossierStatus
from app.services.demo_populate import (
    MAX_DAYS,
    MAX_DOSSIERS,
    PopulateError,
    check_arguments,
    populate,
    working_days,
)
from app.services.demo_summary import PopulateSummary
from app.services.drafts import RETURN_BY_POST
from app.services.office import load_calendar
from app.store.db import open_database, session_factory, transaction
from app.store.models import Dossier, Event, Office, SyncState
from app.sync.boot import STATE_ID
from app.sync.engine import event_to_wire
from server.sync.validate import check_event

UNTIL = datetime(2026, 11, 23, 15, 0)  # a Monday afternoon


def _fresh(template_db: Path, folder: Path) -> sessionmaker[Session]:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(template_db, folder / "motcua.db")
    return session_factory(open_database(folder / "motcua.db"))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, template_db: Path, catalog: Catalog):
    """A small run: 300 dossiers over 30 working days, seed 1 (made once for the module)."""
    factory = _fresh(template_db, tmp_path_factory.mktemp("demo"))
    calls: list[tuple[int, int]] = []
    summary = populate(factory, catalog, dossiers=300, days=30, seed=1, until=UNTIL,
                       progress=lambda done, total: calls.append((done, total)))  # fmt: skip
    return factory, summary, calls


def _events(factory) -> list[Event]:
    with factory() as s:
        return list(s.scalars(select(Event).order_by(Event.device_seq)))


def _dossiers(factory) -> list[Dossier]:
    with factory() as s:
        return list(s.scalars(select(Dossier).order_by(Dossier.id)))


def test_small_run_gives_the_expected_mix(run):
    _, summary, _ = run
    assert isinstance(summary, PopulateSummary)
    assert summary.receipts == 300 == summary.received + summary.refused + summary.supplement_at_reception
    assert summary.working_days == 30
    assert summary.refused > 0 and summary.supplement_at_reception > 0
    assert summary.results_early > 0 and summary.results_on_time > 0 and summary.results_late > 0
    assert summary.one_supplement > 0 and summary.two_supplements > 0
    assert summary.returned > 0 and summary.returned_to_representative > 0 and summary.rated > 0
    assert summary.waiting_pickup > 0 and summary.in_progress > 0
    # About 80 % of the paper receptions are scanned at reception (4.2 has something to count).
    paper = summary.received - round(summary.online * summary.received / summary.receipts)
    assert 0.6 * paper < summary.scanned < paper
    # Every received dossier is somewhere, once.
    somewhere = (summary.returned + summary.waiting_pickup + summary.result_coming_back + summary.in_progress
                 + summary.waiting_supplement + summary.stopped + summary.withdrawn)  # fmt: skip
    assert somewhere == summary.received


def test_the_summary_matches_the_register(run):
    factory, summary, _ = run
    statuses = Counter(d.status for d in _dossiers(factory))
    assert statuses[DossierStatus.REFUSED] == summary.refused
    assert statuses[DossierStatus.RETURNED] == summary.returned
    assert statuses[DossierStatus.RESULT_READY] == summary.waiting_pickup + summary.result_coming_back
    assert statuses[DossierStatus.SUPPLEMENT_REQUESTED] == summary.supplement_at_reception + summary.waiting_supplement
    assert statuses[DossierStatus.RECEIVED] + statuses[DossierStatus.PROCESSING] == summary.in_progress
    assert (statuses[DossierStatus.STOPPED], statuses[DossierStatus.WITHDRAWN]) == (summary.stopped, summary.withdrawn)
    events = _events(factory)
    kinds = Counter(e.type for e in events)
    assert kinds[EventType.RECEIVED] == summary.received
    assert kinds[EventType.RATED] == summary.rated
    assert kinds[EventType.RETURNED] == summary.returned
    requests = Counter(e.dossier_uid for e in events if e.type == EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT)
    assert Counter(requests.values()) == {1: summary.one_supplement, 2: summary.two_supplements}
    # Early / on time / late as the supervisor's report counts them (DOMAIN.md §8): by day against
    # the due date of the reception, the supplement time taken off, two supplement requests late.
    ended = {e.dossier_uid for e in events if e.type == EventType.RESULT_RECORDED}
    classes = Counter(
        str(classify(_facts(d), date(2026, 1, 1), UNTIL.date())) for d in _dossiers(factory) if d.uid in ended
    )
    assert classes == {"early": summary.results_early, "on_time": summary.results_on_time,
                       "late": summary.results_late}  # fmt: skip
    # Overdue and still in progress at the end: what the supervisor's "overdue" queue will show.
    with factory() as s:
        overdue = s.scalar(
            select(func.count()).select_from(Dossier)
            .where(Dossier.status.in_([2, 4]), Dossier.due_at < UNTIL)
        )  # fmt: skip
    assert overdue == summary.in_progress_overdue


def _facts(d: Dossier) -> DossierFacts:
    assert d.received_due_at is not None
    return DossierFacts(d.uid, d.code or "", d.received_at, d.received_due_at, d.ended_at,
                        DossierStatus(d.end_status) if d.end_status else None, DossierStatus(d.status),
                        supplement_spans(d.supplement_marks))  # fmt: skip


def test_the_mix_looks_like_a_real_office(run):
    """Shares a supervisor recognises (app.services.demo_mix): seed 1, 300 applicants."""
    _, summary, _ = run
    received, results = summary.received, summary.results
    # Rare turns (2–5 % each) are only checked to happen, and not to be common, on 300 applicants.
    assert 0 < summary.refused <= 0.05 * summary.receipts
    assert 0 < summary.supplement_at_reception <= 0.08 * summary.receipts
    assert summary.one_supplement > 0 and summary.two_supplements > 0
    assert 0.02 <= (summary.one_supplement + summary.two_supplements) / received <= 0.09
    assert 0.65 <= summary.results_on_time / results <= 0.85  # most on the due day
    assert 0.10 <= summary.results_early / results <= 0.30
    assert 0.02 <= summary.results_late / results <= 0.10  # a few late …
    assert 0.01 <= summary.apologies / received <= 0.06  # … most with an apology
    assert summary.late_after_apology < summary.apologies
    assert summary.stopped + summary.withdrawn <= 0.03 * received  # about 1 % asked, some too late (issue 16)
    assert summary.in_progress > 0 and summary.in_progress_overdue <= summary.in_progress / 5
    assert summary.rated == summary.very_satisfied + summary.satisfied + summary.dissatisfied
    assert summary.very_satisfied > summary.satisfied > summary.dissatisfied > 0
    assert summary.dissatisfied / summary.rated <= 0.10
    assert (summary.officers, summary.counters) == (6, 6)


def test_apologies_go_through_the_service_with_their_letter(run):
    factory, summary, _ = run
    events = _events(factory)
    apologies = [e for e in events if e.type == EventType.DUE_EXTENDED]
    assert len(apologies) == summary.apologies > 0
    printed = {(e.dossier_uid, e.occurred_at) for e in events
               if e.type == EventType.FORM_PRINTED and e.payload["form"] == "apology"}  # fmt: skip
    assert printed == {(e.dossier_uid, e.occurred_at) for e in apologies}  # form 04 printed as it is issued
    assert sum(bool(e.payload["late_notice"]) for e in apologies) == summary.apologies_late_notice
    results = {e.dossier_uid: e.occurred_at for e in events if e.type == EventType.RESULT_RECORDED}
    with factory() as s:
        due = {uid: at for uid, at in s.execute(select(Dossier.uid, Dossier.due_at))}
    still_late = 0
    for e in apologies:
        new_due = datetime.fromisoformat(e.payload["new_due_at"])
        assert new_due > datetime.fromisoformat(e.payload["old_due_at"]) and due[e.dossier_uid] == new_due
        still_late += e.dossier_uid in results and results[e.dossier_uid] > new_due
    assert still_late == summary.late_after_apology


def test_officers_sit_at_several_counters(run):
    factory, _, _ = run
    receipts = [e for e in _events(factory) if e.type == EventType.RECEIVED]
    by_officer = Counter(e.officer_name for e in receipts)
    counters = {e.payload["counter_name"] for e in receipts}
    assert len(by_officer) == 6 and min(by_officer.values()) >= len(receipts) / 12
    assert counters == {f"Quầy số {n:02d}" for n in range(1, 7)}


def test_nothing_happens_outside_office_hours_or_on_days_off(tmp_path, template_db, catalog):
    # 28/08–08/09/2026 spans the National Day holidays (01–02/09) and two weekends.
    factory = _fresh(template_db, tmp_path / "holidays")
    populate(factory, catalog, dossiers=80, days=6, seed=4, until=datetime(2026, 9, 8, 16, 0))
    with factory() as s:
        calendar = load_calendar(s)
    events = _events(factory)
    assert events
    periods = calendar.hours.periods
    for e in events:
        assert calendar.is_working_day(e.occurred_at.date()), (e.type, e.occurred_at)
        assert any(start <= e.occurred_at.time() <= end for start, end in periods), (e.type, e.occurred_at)
    assert not calendar.is_working_day(date(2026, 9, 2))  # the range does cover a holiday


def test_every_event_passes_its_contract_here_and_on_the_server(run):
    factory, _, _ = run
    events = _events(factory)
    assert len(events) > 1000
    with factory() as s:
        unit = s.scalars(select(Office.unit_code)).one()
    for e in events:
        parse_payload(e.type, e.payload)
        check_event(event_to_wire(e).model_dump(mode="json"), unit)
        assert e.occurred_at <= UNTIL  # nothing happens after the end moment
    assert [e.device_seq for e in events] == list(range(1, len(events) + 1))


def test_people_procedures_and_officers_look_real(run, catalog):
    factory, _, _ = run
    dossiers = _dossiers(factory)
    for d in dossiers:
        assert validate_personal_id(d.personal_id, d.birth_date, d.sex) is None, d.personal_id
        assert len(d.applicant_name.split()) >= 3 and "Quảng Ninh" in d.address
        assert d.phone.startswith("0") and len(d.phone) == 10
    assert sum(d.personal_id.startswith("022") for d in dossiers) > len(dossiers) / 2  # mostly born in Quảng Ninh
    assert len({d.field for d in dossiers}) >= 8 and len({d.procedure_code for d in dossiers}) >= 20
    assert {d.field for d in dossiers} <= set(catalog.fields)
    assert len({e.officer_name for e in _events(factory)}) == 6  # the seeded officer and five demo officers


def test_progress_every_5_percent_or_so(run):
    _, _, calls = run
    assert calls[-1] == (300, 300)
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})
    assert 15 <= len(calls) <= 20


def test_the_same_seed_gives_the_same_codes(tmp_path, template_db, catalog):
    def codes(folder: str, seed: int) -> list[tuple[str | None, int, str]]:
        factory = _fresh(template_db, tmp_path / folder)
        populate(factory, catalog, dossiers=40, days=5, seed=seed, until=UNTIL)
        with factory() as s:
            return [(d.code, d.status, d.applicant_name) for d in s.scalars(select(Dossier).order_by(Dossier.id))]

    first = codes("a", 7)
    assert first == codes("b", 7)
    assert first != codes("c", 8)
    assert all(c is None or c.startswith("000.01.00.H49-26111") or c.startswith("000.01.00.H49-26112")
               for c, _, _ in first)  # fmt: skip


def test_a_real_office_is_refused_and_nothing_is_written(factory, catalog):
    with transaction(factory) as s:
        s.execute(update(Office).values(demo=False))
    with pytest.raises(PopulateError, match="không phải đơn vị minh hoạ"):
        populate(factory, catalog, dossiers=10, days=2, seed=1, until=UNTIL)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


@pytest.mark.parametrize(
    ("dossiers", "days", "message"),
    [
        (0, 10, "--dossiers phải từ 1 đến 2.000.000"),
        (MAX_DOSSIERS + 1, 10, "--dossiers"),
        (10, 0, "--days phải từ 1 đến 3650"),
        (10, MAX_DAYS + 1, "--days"),
    ],
)
def test_arguments_out_of_range(dossiers, days, message):
    with pytest.raises(PopulateError, match=message):
        check_arguments(dossiers, days)


def test_limits_themselves_are_accepted():
    check_arguments(1, 1)
    check_arguments(MAX_DOSSIERS, MAX_DAYS)


def test_more_receipts_a_day_than_codes_is_refused_before_writing(factory, catalog):
    with pytest.raises(PopulateError, match=r"9\.999 mã hồ sơ mỗi ngày"):
        populate(factory, catalog, dossiers=100_000, days=5, seed=1, until=UNTIL)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


def test_working_days_skip_weekends_and_the_unused_end_of_today(factory):
    with factory() as s:
        calendar = load_calendar(s)
    # Monday 23/11/2026 07:00: nothing of that day has passed yet, so the period ends on Friday 20/11.
    days = working_days(calendar, datetime(2026, 11, 23, 7, 0), 3)
    assert [(d.isoformat(), m) for d, m in days] == [("2026-11-18", 480), ("2026-11-19", 480), ("2026-11-20", 480)]
    # 23/11 at 09:15: that day counts with its 135 working minutes (07:00–09:15).
    assert working_days(calendar, datetime(2026, 11, 23, 9, 15), 1)[0][1] == 135


def test_a_folder_enrolled_with_the_server_is_refused(factory, catalog):
    with transaction(factory) as s:
        s.add(SyncState(id=STATE_ID, server_url="http://10.0.0.5:8000", enrolled=True, device_slot=0))
    with pytest.raises(PopulateError, match="đã đăng ký với máy chủ trung tâm"):
        populate(factory, catalog, dossiers=10, days=2, seed=1, until=UNTIL)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


def test_channels_of_2025_online_and_by_post_through_the_morning_batch(run):
    """About 15 % online (no paper to scan), about 5 % by post: items of a batch record signed that
    morning and received from it, the signing being their legal receipt time (issue 16)."""
    factory, summary, _ = run
    events = _events(factory)
    decisions = [e for e in events if e.type in (EventType.RECEIVED, EventType.REFUSED, EventType.SUPPLEMENT_REQUESTED)]
    channels = Counter(e.payload.get("channel", "direct") for e in decisions)
    assert (channels["online"], channels["postal"]) == (summary.online, summary.postal)
    assert 0.10 <= summary.online / summary.receipts <= 0.20
    assert 0.02 <= summary.postal / summary.receipts <= 0.09
    batches = {e.dossier_uid: e for e in events if e.type == EventType.POSTAL_BATCH_SIGNED}
    assert len(batches) == summary.postal_batches > 0
    assert len({b.occurred_at.date() for b in batches.values()}) == len(batches)  # one record a morning
    listed = {item for b in batches.values() for item in b.payload["items"]}
    received_items = []
    for e in decisions:
        if e.payload.get("channel") != "postal":
            continue
        batch = batches[e.payload["postal"]["batch_id"]]
        assert e.payload["received_at"] == batch.payload["signed_at"] and batch.occurred_at < e.occurred_at
        assert e.occurred_at.date() == batch.occurred_at.date()
        received_items.append(e.payload["postal"]["item_no"])
    assert sorted(received_items) == sorted(listed)  # every item received from its batch, once
    with factory() as s:
        rows = {d.uid: d for d in s.scalars(select(Dossier))}
    online = [rows[e.dossier_uid] for e in decisions if e.payload.get("channel") == "online"]
    assert online and all(d.scan_required == 0 and d.channel == 2 for d in online)


def test_papers_only_shown_are_not_papers_to_scan(run, catalog):
    factory, _, _ = run
    shown = {(p.code, d.name) for p in catalog.procedures for d in p.documents if d.digitise.exempt}
    assert shown
    received = [e for e in _events(factory) if e.type == EventType.RECEIVED]
    flagged = [
        (e, d) for e in received for d in e.payload["documents"] if (e.payload["procedure"]["code"], d["name"]) in shown
    ]
    assert flagged and all(d.get("digitise") == "shown" for _, d in flagged)  # the checklist's flag reached the draft
    with factory() as s:
        scan = {uid: value for uid, value in s.execute(select(Dossier.uid, Dossier.scan_required))}
    only_shown = [e for e in received if e.payload.get("channel", "direct") != "online"
                  and all(d.get("digitise") == "shown" for d in e.payload["documents"])]  # fmt: skip
    assert all(scan[e.dossier_uid] == 0 for e in only_shown)


def test_fees_paid_at_reception_exempt_now_and_then_and_after_before_the_return(run):
    factory, summary, _ = run
    events = _events(factory)
    received = {e.dossier_uid: e for e in events if e.type == EventType.RECEIVED}
    paid = [e for e in events if e.type == EventType.FEE_PAID]
    at_reception = [e for e in paid if e.occurred_at == received[e.dossier_uid].occurred_at]
    assert len(at_reception) == summary.fees_at_reception > 0
    methods = Counter(e.payload["method"] for e in at_reception)
    assert methods["cash"] > methods["transfer"] > 0
    assert methods["online"] == summary.fees_online
    assert all(
        received[e.dossier_uid].payload.get("channel") == "online"
        for e in at_reception
        if e.payload["method"] == "online"
    )
    for e in at_reception:  # only the "before" lines, none of them exempt
        lines = {x["id"]: x for x in received[e.dossier_uid].payload["fees"]["lines"]}
        assert all(lines[x["id"]]["when"] == "before" and not lines[x["id"]]["exempt"] for x in e.payload["lines"])
    exempt = [e for e in received.values() if (e.payload.get("fees") or {}).get("exemption_id")]
    assert len(exempt) == summary.fee_exemptions > 0
    assert all(len(e.payload["fees"]["exemption_ground"]) > 20 for e in exempt)
    returned = {e.dossier_uid: e.occurred_at for e in events if e.type == EventType.RETURNED}
    after = [e for e in paid if e not in at_reception]
    assert len(after) == summary.fees_after
    assert all(returned[e.dossier_uid] == e.occurred_at for e in after)  # paid as the result is handed over


def test_some_results_go_back_by_post_with_a_tracking_number(run):
    factory, summary, _ = run
    events = _events(factory)
    by_post = [e for e in events if e.type == EventType.RETURNED and e.payload.get("method") == "postal"]
    assert len(by_post) == summary.returned_by_post > 0
    assert len({e.payload["tracking_no"] for e in by_post}) == len(by_post)
    received = {e.dossier_uid: e for e in events if e.type == EventType.RECEIVED}
    assert all(received[e.dossier_uid].payload["return_method"] == RETURN_BY_POST for e in by_post)
    rated = {e.dossier_uid for e in events if e.type == EventType.RATED}
    assert not rated & {e.dossier_uid for e in by_post}  # not at the counter to rate
    assert "trực tuyến" in summary.text() and "qua bưu chính" in summary.text()
