"""`motcua demo populate`: a living history for a demo office, made through the real services.

The simulation walks forward over the last working days of the office calendar with an injected
clock. Every step is a call of the services an officer's screen calls (reception, handover,
results, returns), so every event is built as its contract model and written by the recorder
exactly as at a counter; nothing is written around them. Only a demo office (``Office.demo``) not
enrolled with a central server is accepted: a real register must never receive made-up dossiers.

What happens to each dossier is drawn from a ``random.Random(seed)``: the same seed, end moment
and starting folder give the same codes. Work that would happen after the end moment is not
done, so the desk ends with dossiers received today, due soon, overdue, waiting for a
supplement, and results waiting for pick-up.

Not simulated: stopping a dossier (no stop service yet, issue 16) and the apology (form 04).
"""

from __future__ import annotations

import heapq
import random
import time as clock
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.calendar import WorkingCalendar
from app.domain.catalog import Catalog, Procedure
from app.domain.codes import MAX_DAILY_SEQUENCE
from app.domain.custody import Place, working_minutes_between
from app.domain.events import new_id
from app.domain.rating import Rating, RatingSource
from app.errors import UserFacingError
from app.services import demo_people
from app.services.context import Actor, Role
from app.services.demo_summary import PopulateSummary, vi_number
from app.services.drafts import RETURN_AT_COUNTER, RETURN_BY_POST, DocumentCheck, ReceptionDraft
from app.services.handover import (
    MAX_BATCH,
    add_scan,
    confirm_batch,
    counter_place,
    department_place,
    open_batch,
    send_batch,
)
from app.services.office import load_calendar, this_device
from app.services.ratings import rate_dossier
from app.services.reception import receive_dossier, refuse, request_supplement
from app.services.results import receive_supplement, request_supplement_after_reception
from app.services.returns import Collector, CollectorDraft, record_result, return_to_citizen
from app.store.db import transaction
from app.store.models import Office, Officer
from app.sync.state import sync_state

MAX_DOSSIERS = 2_000_000
MAX_DAYS = 3650
DEMO_OFFICERS = (  # extra counter officers of the demo office; no password: they cannot log in
    ("demo.quay02", "Phạm Thị Lan Anh"),
    ("demo.quay03", "Đỗ Minh Tuấn"),
    ("demo.quay04", "Vũ Thị Hồng Nhung"),
)
# Handover rounds of a working day: counter → departments, and departments → counter.
TO_DEPARTMENTS = ((10, 30), (16, 0))
BACK_TO_COUNTER = ((9, 30), (14, 30))
REFUSAL_REASONS = (
    "Yêu cầu không thuộc thẩm quyền giải quyết của đơn vị; đề nghị liên hệ cơ quan có thẩm quyền.",
    "Người nộp không có văn bản ủy quyền hợp lệ để thực hiện thủ tục thay người khác.",
    "Hồ sơ đã được giải quyết trước đây; không đủ điều kiện giải quyết lại.",
)
SUPPLEMENT_REASONS = (
    "Giấy tờ nộp là bản chụp, chưa được chứng thực.",
    "Thông tin trên tờ khai không khớp với giấy tờ tùy thân.",
    "Giấy tờ đã hết hiệu lực.",
    "Thiếu chữ ký của người yêu cầu trên tờ khai.",
)


class PopulateError(UserFacingError):
    """The arguments or the data folder do not allow a demo history (the command exits with 2)."""


def check_arguments(dossiers: int, days: int) -> None:
    """Raises PopulateError when ``--dossiers`` or ``--days`` is out of range."""
    if not 1 <= dossiers <= MAX_DOSSIERS:
        raise PopulateError(f"--dossiers phải từ 1 đến {vi_number(MAX_DOSSIERS)} hồ sơ (đang là {dossiers}).")
    if not 1 <= days <= MAX_DAYS:
        raise PopulateError(f"--days phải từ 1 đến {MAX_DAYS} ngày làm việc (đang là {days}).")


def check_demo_folder(session: Session) -> Office:
    """The demo office of this folder.

    Raises:
        PopulateError: the folder belongs to a real office, or is enrolled with a central server.
    """
    info = this_device(session)
    office = session.get(Office, info.unit_code) if info is not None else None
    if office is None or info is None:
        raise PopulateError("Thư mục dữ liệu chưa được cài đặt đơn vị nào. Hãy mở chương trình một lần trước.")
    if not office.demo:
        raise PopulateError(
            f"Thư mục dữ liệu này là của đơn vị thật “{office.name}” (mã {office.unit_code}), không phải đơn vị"
            " minh hoạ (DEMO). Lệnh này chỉ tạo hồ sơ giả trong thư mục dữ liệu minh hoạ: sổ theo dõi hồ sơ thật"
            " không bao giờ được có hồ sơ giả. Hãy chạy lại với --data-dir trỏ tới một thư mục mới."
        )
    if sync_state(session) is not None:
        raise PopulateError(
            "Máy này đã đăng ký với máy chủ trung tâm: hồ sơ giả sẽ được đồng bộ lên máy chủ. Hãy chạy lại với"
            " --data-dir trỏ tới một thư mục mới."
        )
    return office


def demo_actors(session: Session) -> list[Actor]:
    """The demo office's counter officers (the seeded one and :data:`DEMO_OFFICERS`, added if missing)."""
    info = this_device(session)
    assert info is not None
    for username, full_name in DEMO_OFFICERS:
        if session.scalars(select(Officer.id).where(Officer.username == username)).first() is None:
            session.add(Officer(id=new_id(), username=username, full_name=full_name,
                                role=str(Role.OFFICER), password_hash="", unit_code=info.unit_code))  # fmt: skip
    session.flush()
    rows = session.scalars(
        select(Officer)
        .where(Officer.unit_code == info.unit_code, Officer.role == str(Role.OFFICER))
        .order_by(Officer.username)
    )
    return [Actor(o.id, o.username, o.full_name, Role.OFFICER, info.device_id, info.counter_name, info.unit_code,
                  info.name) for o in rows]  # fmt: skip


def working_days(calendar: WorkingCalendar, until: datetime, count: int) -> list[tuple[date, int]]:
    """The last ``count`` working days up to ``until``, oldest first, with their working minutes
    (the last day only up to ``until``; a day with none left is not counted)."""
    days: list[tuple[date, int]] = []
    day = until.date()
    opening = calendar.hours.opening
    while len(days) < count:
        if calendar.is_working_day(day):
            start = datetime.combine(day, opening)
            end = min(until, datetime.combine(day, calendar.hours.closing))
            minutes = working_minutes_between(calendar, start, end)
            if minutes > 0:
                days.append((day, minutes))
        day -= timedelta(days=1)
    return days[::-1]


def daily_counts(rng: random.Random, days: list[tuple[date, int]], total: int) -> list[int]:
    """``total`` receipts spread over ``days`` by their working minutes (Mondays busier)."""
    weights = [m * (1.25 if d.weekday() == 0 else 1.0) * rng.uniform(0.8, 1.2) for d, m in days]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    order = sorted(range(len(days)), key=lambda i: (int(weights[i] * scale) - weights[i] * scale, i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


class _Plan:
    """What is left to happen to one received dossier (mutable, simulation only)."""

    __slots__ = ("code", "department", "due", "outcome", "personal_id", "requested", "state", "supplements", "uid")

    def __init__(self, uid: str, code: str, department: str, due: datetime, personal_id: str) -> None:
        self.uid, self.code, self.department, self.due, self.personal_id = uid, code, department, due, personal_id
        self.outcome = ""  # early | on_time | late: what the department aims at
        self.supplements = 0  # department supplement requests still to make
        self.requested = 0  # department supplement requests made
        self.state = "counter"  # counter, department, supplement, result, back, returned


class Simulation:
    """The demo office's history, played forward with an injected clock (see the module docstring)."""

    def __init__(self, catalog: Catalog, calendar: WorkingCalendar, actors: list[Actor], seed: int) -> None:
        self.rng = random.Random(seed)
        self.catalog, self.calendar, self.actors = catalog, calendar, actors
        self.counter = counter_place(actors[0])
        self.heap: list[tuple[datetime, int, str, Any]] = []
        self.seq = 0
        self.plans: dict[str, _Plan] = {}
        self.at_counter: list[_Plan] = []
        self.results: dict[str, list[_Plan]] = {}
        self.count: Counter[str] = Counter()
        by_field: dict[str, list[Procedure]] = {}
        for p in catalog.procedures:
            by_field.setdefault(p.field, []).append(p)
        self.fields = [by_field[f] for f in sorted(by_field)]
        self.field_weights = [len(ps) + 2.0 for ps in self.fields]

    # -- scheduling ------------------------------------------------------------------------

    def at(self, when: datetime, action: str, arg: Any = None) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (when, self.seq, action, arg))

    def later(self, start: datetime, minutes: int) -> datetime:
        return self.calendar.add_working_minutes(start, max(0, minutes))

    def between(self, start: datetime, end: datetime, skew: float = 0.5) -> datetime | None:
        """A working moment in [start, end), drawn with a triangular skew; None when there is none."""
        room = working_minutes_between(self.calendar, start, end)
        if room <= 0:
            return None
        return self.later(start, min(room - 1, int(room * self.rng.triangular(0.0, 1.0, skew))))

    def run_day(self, session: Session, day: date, receipts: int, until: datetime) -> None:
        """Receive ``receipts`` dossiers on ``day`` and do every step due by the day's end (or ``until``)."""
        opening = datetime.combine(day, self.calendar.hours.opening)
        minutes = working_minutes_between(self.calendar, opening, min(until, opening.replace(hour=23, minute=59)))
        for offset in sorted(self.rng.randrange(minutes) for _ in range(receipts)):
            self.at(self.later(opening, offset), "receive")
        for action, slots in (("send", TO_DEPARTMENTS), ("send_back", BACK_TO_COUNTER)):
            for hour, minute in slots:
                if (slot := datetime.combine(day, time(hour, minute))) <= until:
                    self.at(slot, action)
        end = min(until, datetime.combine(day, self.calendar.hours.closing))
        while self.heap and self.heap[0][0] <= end:
            when, _, action, arg = heapq.heappop(self.heap)
            getattr(self, "_" + action)(session, when, arg)

    # -- the steps -------------------------------------------------------------------------

    def _actor(self) -> Actor:
        return self.rng.choice(self.actors)

    def _receive(self, session: Session, now: datetime, _arg: None) -> None:
        rng = self.rng
        procedure = rng.choice(rng.choices(self.fields, self.field_weights)[0])
        applicant = demo_people.person(rng, now.date()).as_applicant()
        documents = tuple(DocumentCheck(d.name, d.form.label, d.copies, d.required, d.required or rng.random() < 0.5)
                          for d in procedure.documents)  # fmt: skip
        method = RETURN_BY_POST if rng.random() < 0.05 else RETURN_AT_COUNTER
        draft = ReceptionDraft(procedure.code, applicant, documents, 1 + (rng.random() < 0.05), method)
        actor, catalog, r = self._actor(), self.catalog, rng.random()
        self.count["receipts"] += 1
        if r < 0.04:
            refuse(session, actor, catalog, draft, rng.choice(REFUSAL_REASONS), now)
            self.count["refused"] += 1
            return
        required = [d.name for d in procedure.documents if d.required] or [d.name for d in procedure.documents]
        if r < 0.10 and required:
            request_supplement(session, actor, catalog, draft, [rng.choice(required)], rng.choice(SUPPLEMENT_REASONS),
                               now)  # fmt: skip
            self.count["supplement_at_reception"] += 1
            return
        summary, _ = receive_dossier(session, actor, catalog, self.calendar, draft, now)
        assert summary.code is not None and summary.due_at is not None
        plan = _Plan(summary.uid, summary.code, procedure.department.code, summary.due_at, applicant.personal_id)
        r = rng.random()
        plan.supplements = 2 if r < 0.04 else 1 if r < 0.14 else 0
        r = rng.random()
        plan.outcome = "early" if r < 0.55 else "on_time" if r < 0.85 else "late"
        self.plans[plan.uid] = plan
        self.at_counter.append(plan)
        self.count["received"] += 1

    def _batches(self, session: Session, now: datetime, source: Callable[[str], Place],
                 destination: Callable[[str], Place], groups: dict[str, list[_Plan]], back: bool) -> None:  # fmt: skip
        """One handover batch per department (at most MAX_BATCH folders), confirmed a little later."""
        for department in sorted(groups):
            plans = groups[department]
            for start in range(0, len(plans), MAX_BATCH):
                chunk = plans[start : start + MAX_BATCH]
                batch = open_batch(source(department), destination(department))
                for plan in chunk:
                    batch, verdict = add_scan(session, batch, plan.code)
                    if not verdict.ok:
                        raise RuntimeError(f"demo handover refused {plan.code}: {verdict.message}")
                send_batch(session, self._actor(), batch, now)
                self.count["handovers"] += 1
                self.at(self.later(now, self.rng.randrange(15, 60)), "confirm", (batch.id, chunk, back))

    def _send(self, session: Session, now: datetime, _: None) -> None:
        groups: dict[str, list[_Plan]] = {}
        for plan in self.at_counter:
            groups.setdefault(plan.department, []).append(plan)
        self.at_counter = []
        dep = {code: department_place(session, code) for code in groups}
        self._batches(session, now, lambda _: self.counter, dep.__getitem__, groups, back=False)

    def _send_back(self, session: Session, now: datetime, _: None) -> None:
        groups, self.results = self.results, {}
        dep = {code: department_place(session, code) for code in groups}
        self._batches(session, now, dep.__getitem__, lambda _: self.counter, groups, back=True)

    def _confirm(self, session: Session, now: datetime, arg: tuple[str, list[_Plan], bool]) -> None:
        batch_id, plans, back = arg
        confirm_batch(session, self._actor(), batch_id, [p.code for p in plans], now)
        for plan in plans:
            if back:
                plan.state = "back"
                if self.rng.random() < 0.94:  # the rest are never collected: waiting for pick-up
                    days = 0 if self.rng.random() < 0.4 else self.rng.randrange(1, 8)
                    self.at(self.later(now, days * 480 + self.rng.randrange(10, 240)), "return", plan)
            else:
                plan.state = "department"
                self._next_step(now, plan)

    def _next_step(self, now: datetime, plan: _Plan) -> None:
        """Schedule the department's next move: a supplement request, or the result."""
        start = self.later(now, 20)
        if plan.supplements:
            self.at(self.between(start, plan.due, 0.3) or start, "department_supplement", plan)
            return
        outcome, due, opening = plan.outcome, plan.due, self.calendar.hours.opening
        when: datetime | None = None
        if outcome == "early":
            when = self.between(start, datetime.combine(due.date(), opening), 0.85)
        if when is None and outcome in ("early", "on_time"):
            when = self.between(max(start, datetime.combine(due.date(), opening)), due, 0.6)
        if when is None:  # late (by plan, or no time left to be on time)
            when = self.later(max(start, due), self.rng.randrange(30, 5 * 480))
        self.at(when, "result", plan)

    def _department_supplement(self, session: Session, now: datetime, plan: _Plan) -> None:
        procedure_docs = ["Giấy tờ chứng minh bổ sung theo hướng dẫn của cơ quan giải quyết"]
        request_supplement_after_reception(session, self._actor(), self.calendar, plan.uid, procedure_docs,
                                           self.rng.choice(SUPPLEMENT_REASONS), now)  # fmt: skip
        plan.supplements -= 1
        plan.state = "supplement"
        plan.requested += 1
        self.count["department_supplements"] += 1
        self.count[f"dossiers_with_{plan.requested}_supplements"] += 1
        if plan.requested > 1:
            self.count[f"dossiers_with_{plan.requested - 1}_supplements"] -= 1
        if self.rng.random() < 0.94:  # the rest never bring it: waiting for a supplement
            self.at(self.later(now, self.rng.randrange(1, 5) * 480 + self.rng.randrange(240)), "supplement_back", plan)

    def _supplement_back(self, session: Session, now: datetime, plan: _Plan) -> None:
        done, _ = receive_supplement(session, self._actor(), self.calendar, plan.uid, now)
        assert done.due_at is not None
        plan.due, plan.state = done.due_at, "department"
        self._next_step(now, plan)

    def _result(self, session: Session, now: datetime, plan: _Plan) -> None:
        record_result(session, self._actor(), plan.uid, f"Kết quả giải quyết hồ sơ {plan.code}", now)
        plan.state = "result"
        kind = "late" if now > plan.due else "on_time" if now.date() == plan.due.date() else "early"
        self.count["result_" + kind] += 1
        self.results.setdefault(plan.department, []).append(plan)

    def _return(self, session: Session, now: datetime, plan: _Plan) -> None:
        rng = self.rng
        actor = self._actor()
        if rng.random() < 0.12:
            who = demo_people.person(rng, now.date())
            ref = f"Giấy ủy quyền số {rng.randrange(1, 500)}/{now.year}/UQ ngày {now - timedelta(days=2):%d/%m/%Y}"
            draft = CollectorDraft(Collector.REPRESENTATIVE, who.personal_id, who.full_name, ref)
            self.count["returned_to_representative"] += 1
        else:
            draft = CollectorDraft(Collector.APPLICANT, plan.personal_id)
        return_to_citizen(session, actor, plan.uid, draft, now)
        plan.state = "returned"
        self.count["returned"] += 1
        self.rate(session, actor, plan, now)
        del self.plans[plan.uid]

    def rate(self, session: Session, actor: Actor, plan: _Plan, now: datetime) -> None:
        """The citizen's rating at return (most citizens answer; a few are not satisfied)."""
        if self.rng.random() >= 0.85:
            return
        r = self.rng.random()
        rating = Rating.VERY_SATISFIED if r < 0.7 else Rating.SATISFIED if r < 0.97 else Rating.DISSATISFIED
        source = RatingSource.CITIZEN_SCREEN if self.rng.random() < 0.6 else RatingSource.OFFICER
        rate_dossier(session, actor, plan.uid, rating, source, now)
        self.count["rated"] += 1


def populate(
    factory: sessionmaker[Session],
    catalog: Catalog,
    *,
    dossiers: int,
    days: int,
    seed: int = 0,
    until: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PopulateSummary:
    """Fill the demo office of ``factory``'s database with ``dossiers`` dossiers over ``days`` working days.

    One transaction per simulated working day. ``progress(done, total)`` is called about every
    5 % of the receipts.

    Raises:
        PopulateError: arguments out of range, more receipts a day than dossier codes, or not a
            demo folder (see :func:`check_demo_folder`).
    """
    check_arguments(dossiers, days)
    started = clock.perf_counter()
    until = (until or datetime.now()).replace(second=0, microsecond=0)
    with transaction(factory) as session:
        office = check_demo_folder(session)
        calendar = load_calendar(session)
        actors = demo_actors(session)
    sim = Simulation(catalog, calendar, actors, seed)
    plan_days = working_days(calendar, until, days)
    counts = daily_counts(sim.rng, plan_days, dossiers)
    if max(counts) > MAX_DAILY_SEQUENCE * 0.9:
        per_day = int(MAX_DAILY_SEQUENCE * 0.9)
        raise PopulateError(
            f"{vi_number(dossiers)} hồ sơ trong {days} ngày làm việc là quá {vi_number(per_day)} hồ sơ một ngày (mỗi"
            f" đơn vị chỉ có {vi_number(MAX_DAILY_SEQUENCE)} mã hồ sơ mỗi ngày). Hãy tăng --days hoặc giảm --dossiers."
        )
    done, step = 0, 0
    for (day, _), receipts in zip(plan_days, counts, strict=True):
        with transaction(factory) as session:
            sim.run_day(session, day, receipts, until)
        done += receipts
        if progress is not None and done * 20 // dossiers > step:
            step = done * 20 // dossiers
            progress(done, dossiers)
    states = Counter(plan.state for plan in sim.plans.values())
    overdue = sum(1 for p in sim.plans.values() if p.state in ("counter", "department") and p.due < until)
    c = sim.count
    return PopulateSummary(
        office_name=office.name, first_day=plan_days[0][0], last_day=plan_days[-1][0], working_days=len(plan_days),
        seed=seed, until=until, receipts=c["receipts"], received=c["received"], refused=c["refused"],
        supplement_at_reception=c["supplement_at_reception"], handovers=c["handovers"],
        results_early=c["result_early"], results_on_time=c["result_on_time"], results_late=c["result_late"],
        one_supplement=c["dossiers_with_1_supplements"], two_supplements=c["dossiers_with_2_supplements"],
        returned=c["returned"],
        returned_to_representative=c["returned_to_representative"], rated=c["rated"],
        waiting_pickup=states["back"], result_coming_back=states["result"],
        in_progress=states["counter"] + states["department"],
        in_progress_overdue=overdue, waiting_supplement=states["supplement"],
        seconds=clock.perf_counter() - started,
    )  # fmt: skip
