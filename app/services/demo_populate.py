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

Late dossiers mostly get the apology (form 04) through the real service, with the print of the
form recorded as the preview records it; some are late even after the new appointment. How often
each turn happens is :data:`app.services.demo_mix.MIX`. The demo officers sit at different
counters of the same PC (one device, so one gap-free event sequence).

About one received dossier in a hundred is stopped or withdrawn at the citizen's request before
any decision (app.services.stops, form 05), so the supervisor's figures count statuses 7 and 8.
A window that reaches back before 1 July 2025 makes dossiers of the 2018 legal basis (their
reception time decides it, app.domain.legal_basis); the dates are the window's, nothing else.

The law of 2025 (issue 16, app.services.demo_channels): about 15 % of the dossiers are submitted
online (no paper to scan), about 5 % come by post as the items of a postal batch record signed each
morning and received from it; each checklist line carries its digitise flag (a paper only shown is
not one to scan); a procedure's "before" fees are paid at reception (cash, some by transfer, now and
then exempt on a written ground), its "after" fees before the return; some results go back by post
with a tracking number.
"""

from __future__ import annotations

import random
import time as clock
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.calendar import WorkingCalendar
from app.domain.catalog import Catalog
from app.domain.codes import MAX_DAILY_SEQUENCE
from app.domain.custody import working_minutes_between
from app.domain.events import new_id
from app.errors import UserFacingError
from app.services.context import Actor, Role
from app.services.demo_mix import DEMO_COUNTERS
from app.services.demo_simulation import Simulation
from app.services.demo_summary import PopulateSummary, vi_number
from app.services.office import load_calendar, this_device
from app.store.db import transaction
from app.store.models import Office, Officer
from app.sync.attachments import default_blob_store
from app.sync.state import sync_state

MAX_DOSSIERS = 2_000_000
MAX_DAYS = 3650
DEMO_OFFICERS = (  # extra counter officers of the demo office; no password: they cannot log in
    ("demo.quay02", "Phạm Thị Lan Anh"),
    ("demo.quay03", "Đỗ Minh Tuấn"),
    ("demo.quay04", "Vũ Thị Hồng Nhung"),
    ("demo.quay05", "Trần Quang Huy"),
    ("demo.quay06", "Lê Thị Thu Trang"),
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
    """The demo office's counter officers (the seeded one and :data:`DEMO_OFFICERS`, added if missing).

    The first (by user name) keeps this PC's counter; the others sit at :data:`DEMO_COUNTERS`.
    """
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
    counters = [info.counter_name, *(c for c in DEMO_COUNTERS if c != info.counter_name)]
    return [Actor(o.id, o.username, o.full_name, Role.OFFICER, info.device_id, counters[i % len(counters)],
                  info.unit_code, info.name) for i, o in enumerate(rows)]  # fmt: skip


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
    sim = Simulation(catalog, calendar, actors, seed, default_blob_store(factory))
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
    c, law = sim.count, sim.law.count
    return PopulateSummary(
        office_name=office.name, first_day=plan_days[0][0], last_day=plan_days[-1][0], working_days=len(plan_days),
        seed=seed, until=until, receipts=c["receipts"], received=c["received"], refused=c["refused"],
        supplement_at_reception=c["supplement_at_reception"], handovers=c["handovers"],
        results_early=c["result_early"], results_on_time=c["result_on_time"], results_late=c["result_late"],
        one_supplement=c["dossiers_with_1_supplements"], two_supplements=c["dossiers_with_2_supplements"],
        apologies=c["apologies"], apologies_late_notice=c["apologies_late_notice"],
        late_after_apology=c["late_after_apology"], returned=c["returned"],
        returned_to_representative=c["returned_to_representative"], rated=c["rated"],
        very_satisfied=c["rated_very_satisfied"], satisfied=c["rated_satisfied"],
        dissatisfied=c["rated_dissatisfied"], officers=len(actors), counters=len({a.counter_name for a in actors}),
        waiting_pickup=states["back"], result_coming_back=states["result"],
        in_progress=states["counter"] + states["department"],
        in_progress_overdue=overdue, waiting_supplement=states["supplement"],
        seconds=clock.perf_counter() - started, stopped=c["stopped"], withdrawn=c["withdrawn"],
        online=c["channel_online"], postal=c["channel_postal"], postal_batches=law["postal_batches"],
        fees_at_reception=law["fee_paid_at_reception"], fees_by_transfer=law["fee_paid_transfer"],
        fees_online=law["fee_paid_online"], fee_exemptions=law["fee_exempt"], fees_after=c["fee_paid_after"],
        returned_by_post=law["returned_by_post"], scanned=c["scanned"],
    )  # fmt: skip
