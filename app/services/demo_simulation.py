"""The demo office's simulated history (``motcua demo populate``): one dossier's turns, played
forward with an injected clock through the services an officer's screen calls.

What happens to each dossier is drawn from a ``random.Random(seed)`` with the shares of
:data:`app.services.demo_mix.MIX`. Work that would happen after the end moment is not done, so
the desk ends with dossiers received today, due soon, overdue, waiting for a supplement, and
results waiting for pick-up. The channels (online, by post through the morning's postal batch),
fees at reception and results sent by post are drawn by :class:`app.services.demo_channels.Law2025`
from a generator of their own. About one received dossier in a hundred is stopped or withdrawn at the
citizen's request before any decision, through :func:`app.services.stops.record_stop`; whether and
when is drawn from a second generator seeded from the same seed, so those draws leave every other
turn of the history as the main generator makes it. About :attr:`DemoMix.scanned` of the dossiers
received on paper are scanned at reception (one demo PDF attached through
:func:`app.services.attachments.attach_documents`, so indicator 4.2 has something to count), drawn
from a third generator of their own; in a store without a folder (in memory) nothing is attached. The caller
(:func:`app.services.demo_populate.populate`) runs one working day per transaction.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from app.domain.calendar import WorkingCalendar
from app.domain.catalog import Catalog, Procedure
from app.domain.contracts import FormPrintedPayload
from app.domain.custody import Place, working_minutes_between
from app.domain.events import EventType
from app.domain.fees import PayMethod, PayWhen
from app.domain.rating import Rating, RatingSource
from app.scanning.blobs import BlobStore
from app.services import demo_people
from app.services.attachments import attach_documents
from app.services.context import Actor
from app.services.demo_channels import ONLINE, POSTAL, Law2025
from app.services.demo_mix import (
    APOLOGY_FORM_TITLE,
    APOLOGY_REASONS,
    DEPARTMENT_SUPPLEMENT_ITEMS,
    MIX,
    REFUSAL_REASONS,
    STOP_REASONS,
    SUPPLEMENT_REASONS,
)
from app.services.drafts import RETURN_AT_COUNTER, RETURN_BY_POST, DocumentCheck, PaymentDraft, ReceptionDraft
from app.services.fees import fee_state, record_payment
from app.services.handover import (
    MAX_BATCH,
    add_scan,
    confirm_batch,
    counter_place,
    department_place,
    open_batch,
    send_batch,
)
from app.services.ratings import rate_dossier
from app.services.reception import receive_dossier, refuse, request_supplement
from app.services.recorder import building, record
from app.services.results import extend_due_date, receive_supplement, request_supplement_after_reception
from app.services.returns import Collector, CollectorDraft, ReturnDraft, record_result, return_to_citizen
from app.services.stops import StopKind, StopRequest, record_stop

# Handover rounds of a working day: counter → departments, and departments → counter. A dossier
# due within URGENT_MINUTES does not wait for a round (_send_urgent).
TO_DEPARTMENTS = ((10, 30), (16, 0))
BACK_TO_COUNTER = ((9, 30), (14, 30))
URGENT_MINUTES = 240  # a dossier due within this many working minutes goes to its department at once


class _Plan:
    """What is left to happen to one received dossier (mutable, simulation only)."""

    __slots__ = ("address", "apology", "applicant_name", "by_post", "code", "department", "due", "due_before_apology",
                 "gap", "outcome", "personal_id", "received_due", "requested", "requested_at", "state", "supplements",
                 "uid")  # fmt: skip

    def __init__(self, uid: str, code: str, department: str, due: datetime, personal_id: str) -> None:
        self.uid, self.code, self.department, self.due, self.personal_id = uid, code, department, due, personal_id
        self.received_due = due  # what the report compares the end with (DOMAIN.md §8)
        self.gap = timedelta()  # time spent waiting for supplements, which the report takes off the end
        self.requested_at = due  # the last department supplement request
        self.outcome = ""  # early | on_time | late: what the department aims at (against ``due``)
        self.apology = False  # late, and the counter will issue an apology (form 04)
        self.due_before_apology: datetime | None = None  # set once the apology moved ``due``
        self.supplements = 0  # department supplement requests still to make
        self.requested = 0  # department supplement requests made
        self.state = "counter"  # counter, department, supplement, result, back, returned, stopped
        self.applicant_name = ""  # who asks to stop or withdraw it, if the citizen does
        self.by_post, self.address = False, ""  # the result goes back by post, to this address


class DemoScan:
    """A demo "scan": a small PDF of ``pages`` pages saying it stands for the dossier's papers (one file for
    every page count, made once: the blob store keeps each once)."""

    _pdfs: ClassVar[dict[int, bytes]] = {}

    def __init__(self, name: str, pages: int) -> None:
        self.name, self.pages, self.requirement_index = name, pages, None

    @property
    def pdf(self) -> bytes:
        made = self._pdfs.get(self.pages)
        if made is None:
            import io

            from reportlab.lib.pagesizes import A4
            from reportlab.pdfgen.canvas import Canvas

            out = io.BytesIO()
            canvas = Canvas(out, pagesize=A4, invariant=True)
            for page in range(1, self.pages + 1):
                canvas.setFont("Helvetica", 14)
                canvas.drawString(72, 770, f"MotCua Desk - demo scan, page {page}/{self.pages}")
                canvas.showPage()
            canvas.save()
            made = self._pdfs[self.pages] = out.getvalue()
        return made


class Simulation:
    """The demo office's history, played forward with an injected clock (see the module docstring)."""

    def __init__(
        self,
        catalog: Catalog,
        calendar: WorkingCalendar,
        actors: list[Actor],
        seed: int,
        blobs: BlobStore | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.stop_rng = random.Random(f"stops-{seed}")  # stop and withdrawal requests only (module docstring)
        self.scan_rng = random.Random(f"scans-{seed}")  # scans at reception only (module docstring)
        self.blobs = blobs
        self.law = Law2025(seed)  # channels, postal batches, fees, returns by post (its own generator)
        self.catalog, self.calendar, self.actors = catalog, calendar, actors
        self.counter = counter_place(actors[0])
        self.day_minutes = int(calendar.hours_per_day * 60)
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

    def closing_after(self, moment: datetime, working_days: int) -> datetime:
        """Closing time of the ``working_days``-th working day after ``moment``'s day."""
        day = moment.date()
        while working_days > 0:
            day += timedelta(days=1)
            working_days -= self.calendar.is_working_day(day)
        return datetime.combine(day, self.calendar.hours.closing)

    def run_day(self, session: Session, day: date, receipts: int, until: datetime) -> None:
        """Receive ``receipts`` dossiers on ``day`` and do every step due by the day's end (or ``until``)."""
        opening = datetime.combine(day, self.calendar.hours.opening)
        minutes = working_minutes_between(self.calendar, opening, min(until, opening.replace(hour=23, minute=59)))
        times = [self.later(opening, offset) for offset in sorted(self.rng.randrange(minutes) for _ in range(receipts))]
        signing = self.later(opening, self.law.rng.randrange(5, 40))  # the postal batch record, in the morning
        channels = self.law.channels(times, signing)
        if POSTAL in channels:
            self.at(signing, "sign_postal", channels.count(POSTAL))
        for when, channel in zip(times, channels, strict=True):
            self.at(when, "receive", channel)
        for action, slots in (("send", TO_DEPARTMENTS), ("send_back", BACK_TO_COUNTER)):
            for hour, minute in slots:
                if (slot := datetime.combine(day, time(hour, minute))) <= until:
                    self.at(slot, action)
        end = min(until, datetime.combine(day, self.calendar.hours.closing))
        while self.heap and self.heap[0][0] <= end:
            when, _, action, arg = heapq.heappop(self.heap)
            if isinstance(arg, _Plan) and arg.state == "stopped":
                continue  # the citizen stopped or withdrew it: nothing more happens to it
            getattr(self, "_" + action)(session, when, arg)

    # -- the steps -------------------------------------------------------------------------

    def _actor(self) -> Actor:
        return self.rng.choice(self.actors)

    def _sign_postal(self, session: Session, now: datetime, items: int) -> None:
        self.law.sign(session, self._actor(), now, items)

    def _receive(self, session: Session, now: datetime, channel: str) -> None:
        rng = self.rng
        procedure = rng.choice(rng.choices(self.fields, self.field_weights)[0])
        applicant = demo_people.person(rng, now.date()).as_applicant()
        documents = tuple(DocumentCheck(d.name, d.form.label, d.copies, d.required, d.required or rng.random() < 0.5,
                                        digitise=d.digitise) for d in procedure.documents)  # fmt: skip
        by_post = rng.random() < MIX.by_post or self.law.back_by_post(channel)
        item = self.law.next_item() if channel == POSTAL else None
        method = RETURN_BY_POST if by_post else RETURN_AT_COUNTER
        draft = ReceptionDraft(procedure.code, applicant, documents, 1 + (rng.random() < MIX.two_copies), method,
                               channel=channel, postal_item=item)  # fmt: skip
        self.count[f"channel_{channel}"] += 1
        actor, catalog, r = self._actor(), self.catalog, rng.random()
        self.count["receipts"] += 1
        if r < MIX.refused:
            refuse(session, actor, catalog, draft, rng.choice(REFUSAL_REASONS), now)
            self.count["refused"] += 1
            return
        required = [d.name for d in procedure.documents if d.required] or [d.name for d in procedure.documents]
        if r < MIX.refused + MIX.supplement_at_reception and required:
            request_supplement(session, actor, catalog, draft, [rng.choice(required)], rng.choice(SUPPLEMENT_REASONS),
                               now)  # fmt: skip
            self.count["supplement_at_reception"] += 1
            return
        fees = self.law.fee_choice(procedure, channel, applicant.full_name, now)
        summary, _ = receive_dossier(session, actor, catalog, self.calendar, draft, now, fees)
        assert summary.code is not None and summary.due_at is not None
        plan = _Plan(summary.uid, summary.code, procedure.department.code, summary.due_at, applicant.personal_id)
        plan.applicant_name, plan.by_post, plan.address = applicant.full_name, by_post, applicant.address
        r = rng.random()
        plan.supplements = 2 if r < MIX.supplement_twice else 1 if r < MIX.supplement_twice + MIX.supplement_once else 0
        r = rng.random()
        plan.outcome = "late" if r < MIX.late else "early" if r < MIX.late + MIX.early else "on_time"
        # An apology moves the due date of the register; after a supplement the plan aims at the
        # report's due date instead (see _supplement_back), so only dossiers without one get it.
        plan.apology = plan.outcome == "late" and not plan.supplements and rng.random() < MIX.apology
        self.plans[plan.uid] = plan
        self.at_counter.append(plan)
        self.count["received"] += 1
        if self.blobs is not None and channel != ONLINE and self.scan_rng.random() < MIX.scanned:
            pages = self.scan_rng.randint(1, 6)
            attach_documents(session, actor, self.blobs, plan.uid, [DemoScan("Hồ sơ giấy (bản quét)", pages)],
                             occurred_at=now)  # fmt: skip
            self.count["scanned"] += 1
        if working_minutes_between(self.calendar, now, plan.due) < URGENT_MINUTES:
            self.at(self.later(now, rng.randrange(10, 30)), "send_urgent", plan)
        if self.stop_rng.random() < MIX.stop_request:
            # Some time before the due date, mostly early: the citizen changes their mind.
            start = self.later(now, 30)
            room = working_minutes_between(self.calendar, start, plan.due)
            self.at(self.later(start, int(max(0, room) * self.stop_rng.random() * 0.8)), "stop", plan)

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

    def _send_urgent(self, session: Session, now: datetime, plan: _Plan) -> None:
        """A dossier due within hours is carried to its department at once, not at the next round."""
        if plan in self.at_counter:
            self.at_counter.remove(plan)
            dep = department_place(session, plan.department)
            self._batches(session, now, lambda _: self.counter, lambda _: dep, {plan.department: [plan]}, back=False)

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
                if plan.by_post or self.rng.random() >= MIX.never_collected:  # a result by post is sent
                    days = 0 if self.rng.random() < MIX.collected_same_day else self.rng.randrange(1, 8)
                    self.at(self.later(now, days * self.day_minutes + self.rng.randrange(10, 240)), "return", plan)
            else:
                plan.state = "department"
                self._next_step(now, plan)

    def _next_step(self, now: datetime, plan: _Plan) -> None:
        """Schedule the department's next move: a supplement request, the apology, or the result."""
        start = self.later(now, 20)
        if plan.supplements:
            self.at(self.between(start, plan.due, 0.3) or start, "department_supplement", plan)
        elif plan.apology and plan.due_before_apology is None:
            self.at(self._apology_moment(start, plan.due), "apology", plan)
        else:
            self.at(self._result_moment(start, plan), "result", plan)

    def _result_moment(self, start: datetime, plan: _Plan) -> datetime:
        """Before the due day (early), on the due day (on time) or after the due date (late)."""
        outcome, due, opening = plan.outcome, plan.due, self.calendar.hours.opening
        due_day = datetime.combine(due.date(), opening)
        when: datetime | None = None
        if outcome == "early":
            when = self.between(start, due_day, 0.85)
        if when is None and outcome in ("early", "on_time"):
            # A due date at the day's opening (calendar days ending on a day off) leaves no time
            # on the due day itself: then the day before.
            when = self.between(max(start, due_day), due, 0.6) or self.between(start, due, 0.9)
        if when is None:  # late (by plan, or no time left to be on time)
            when = self.later(max(start, due), self.rng.randrange(30, 5 * self.day_minutes))
        return when

    def _apology_moment(self, start: datetime, due: datetime) -> datetime:
        """When the counter learns the result will be late: at least a working day before the due
        date as the law asks, or — :attr:`DemoMix.apology_late_notice` of the time — later."""
        room = working_minutes_between(self.calendar, start, due)
        if room > self.day_minutes and self.rng.random() >= MIX.apology_late_notice:
            return self.between(start, self.later(start, room - self.day_minutes), 0.8) or start
        return self.between(self.later(start, room - self.day_minutes), due, 0.5) or start

    def _department_supplement(self, session: Session, now: datetime, plan: _Plan) -> None:
        request_supplement_after_reception(session, self._actor(), self.calendar, plan.uid,
                                           list(DEPARTMENT_SUPPLEMENT_ITEMS), self.rng.choice(SUPPLEMENT_REASONS),
                                           now)  # fmt: skip
        plan.supplements -= 1
        plan.state, plan.requested_at = "supplement", now
        plan.requested += 1
        self.count["department_supplements"] += 1
        self.count[f"dossiers_with_{plan.requested}_supplements"] += 1
        if plan.requested > 1:
            self.count[f"dossiers_with_{plan.requested - 1}_supplements"] -= 1
        if self.rng.random() >= MIX.supplement_never_brought:
            days = self.rng.randrange(1, 5) * self.day_minutes + self.rng.randrange(240)
            self.at(self.later(now, days), "supplement_back", plan)

    def _supplement_back(self, session: Session, now: datetime, plan: _Plan) -> None:
        done, _ = receive_supplement(session, self._actor(), self.calendar, plan.uid, now)
        assert done.due_at is not None
        # The report takes the waiting time off the end and keeps the due date of the reception
        # (DOMAIN.md §8): aim at that, so a dossier on time for the department is on time there too.
        plan.gap += now - plan.requested_at
        plan.due, plan.state = min(done.due_at, plan.received_due + plan.gap), "department"
        self._next_step(now, plan)

    def _stop(self, session: Session, now: datetime, plan: _Plan) -> None:
        """The citizen asks to stop or withdraw (form 05), if no decision exists yet; a folder on its
        way to the department is asked about again an hour later."""
        if plan.state not in ("counter", "department", "supplement"):
            return  # the result is recorded: too late to stop it
        if plan.state == "counter" and plan not in self.at_counter:
            self.at(self.later(now, 60), "stop", plan)
            return
        rng = self.stop_rng
        kind = StopKind.WITHDRAW if rng.random() < MIX.withdraw else StopKind.STOP
        request = StopRequest(kind, plan.applicant_name, rng.choice(STOP_REASONS))
        record_stop(session, rng.choice(self.actors), plan.uid, request, now)
        if plan in self.at_counter:
            self.at_counter.remove(plan)
        plan.state = "stopped"
        del self.plans[plan.uid]
        self.count["withdrawn" if kind is StopKind.WITHDRAW else "stopped"] += 1

    def _apology(self, session: Session, now: datetime, plan: _Plan) -> None:
        """Form 04 through the real service, then its print as the preview records it; a new
        appointment 1 to 5 working days later, kept or — :attr:`DemoMix.late_after_apology` — not."""
        actor, rng = self._actor(), self.rng
        new_due = self.closing_after(max(plan.due, now), rng.randint(1, 5))
        extension, _ = extend_due_date(session, actor, self.calendar, plan.uid, new_due, rng.choice(APOLOGY_REASONS),
                                       now)  # fmt: skip
        with building(EventType.FORM_PRINTED):
            payload = FormPrintedPayload(form="apology", form_title=APOLOGY_FORM_TITLE, output="printer")
        record(session, actor, EventType.FORM_PRINTED, plan.uid, payload, occurred_at=now)
        self.count["apologies"] += 1
        self.count["apologies_late_notice"] += bool(extension.warning)
        plan.due_before_apology, plan.due = plan.due, new_due
        plan.outcome = "late" if rng.random() < MIX.late_after_apology else "on_time"
        self.at(self._result_moment(self.later(now, 20), plan), "result", plan)

    def _result(self, session: Session, now: datetime, plan: _Plan) -> None:
        record_result(session, self._actor(), plan.uid, f"Kết quả giải quyết hồ sơ {plan.code}", now)
        plan.state = "result"
        # As the report classes it (DOMAIN.md §8): by day against the due date of the reception (an
        # apology does not make a late dossier on time), the supplement time taken off the end;
        # asked to supplement twice is late.
        end, due = (now - plan.gap).date(), plan.received_due.date()
        kind = "late" if end > due or plan.requested > 1 else "on_time" if end == due else "early"
        self.count["result_" + kind] += 1
        if kind == "late":
            plan.outcome = "late"  # for the rating at return
        if plan.due_before_apology is not None and now > plan.due:
            self.count["late_after_apology"] += 1
        self.results.setdefault(plan.department, []).append(plan)

    def _return(self, session: Session, now: datetime, plan: _Plan) -> None:
        rng = self.rng
        actor = self._actor()
        draft: ReturnDraft
        if plan.by_post:
            draft = self.law.postal_return(plan.address)
        elif rng.random() < MIX.representative:
            who = demo_people.person(rng, now.date())
            ref = f"Giấy ủy quyền số {rng.randrange(1, 500)}/{now.year}/UQ ngày {now - timedelta(days=2):%d/%m/%Y}"
            draft = CollectorDraft(Collector.REPRESENTATIVE, who.personal_id, who.full_name, ref)
            self.count["returned_to_representative"] += 1
        else:
            draft = CollectorDraft(Collector.APPLICANT, plan.personal_id)
        # Fees paid after the result are paid before it is handed over or sent (app.services.fees): in
        # cash at the counter, by transfer when it goes by post.
        owed = fee_state(session, plan.uid).unpaid(PayWhen.AFTER)
        if owed:
            method = PayMethod.TRANSFER if plan.by_post else PayMethod.CASH
            record_payment(session, actor, plan.uid, PaymentDraft(tuple(x.id for x in owed), method,
                                                                  plan.applicant_name), now)  # fmt: skip
            self.count["fee_paid_after"] += 1
        return_to_citizen(session, actor, plan.uid, draft, now)
        plan.state = "returned"
        self.count["returned"] += 1
        if not plan.by_post:  # the citizen rates at the counter; a result sent by post is not rated there
            self.rate(session, actor, plan, now)
        del self.plans[plan.uid]

    def rate(self, session: Session, actor: Actor, plan: _Plan, now: datetime) -> None:
        """The citizen's rating at return: most answer, mostly satisfied; a late result or a second
        supplement request makes a dissatisfied answer much likelier."""
        rng = self.rng
        if rng.random() >= MIX.rated:
            return
        late = plan.requested > 1 or plan.outcome == "late"
        r = rng.random()
        if r < (MIX.dissatisfied_when_late if late else MIX.dissatisfied):
            rating = Rating.DISSATISFIED
        else:
            rating = Rating.VERY_SATISFIED if rng.random() < MIX.very_satisfied else Rating.SATISFIED
        source = RatingSource.CITIZEN_SCREEN if rng.random() < MIX.rated_on_screen else RatingSource.OFFICER
        rate_dossier(session, actor, plan.uid, rating, source, now)
        self.count["rated"] += 1
        self.count[f"rated_{rating.value}"] += 1
