"""Receiving for another unit across the REAL central server (issue 16).

Commune A (UBND phường Hạ Long) receives, offline, a province procedure that Công an tỉnh (unit B)
decides, and hands the folder to the department CAT. On sync the dossier reaches B's feed and B's
department queue; B receives the folder, records the result and sends the folder back; A pulls the
result, receives the folder at its counter and returns it to the citizen at the place of receipt.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.catalog import Catalog, default_catalog_path
from app.domain.custody import Place, PlaceKind
from app.domain.status import DossierStatus
from app.services.applicant import ApplicantDraft
from app.services.drafts import ReceptionDraft, checklist
from app.services.handover import (
    add_scan,
    batches,
    confirm_batch,
    counter_place,
    custody_of,
    department_place,
    open_batch,
    send_batch,
)
from app.services.office import load_calendar
from app.services.reception import receive_dossier
from app.services.returns import Collector, CollectorDraft, record_result, return_to_citizen
from app.store.db import transaction
from app.store.models import CodeBlock, Dossier
from tests.conftest import NOW
from tests.sync_support import Counter, MemoryKeyring, keyring_backend
from tests.test_sync_e2e import PASSWORD, LiveServer, _serve

COMMUNE = "000.01.21.H49"  # UBND phường Hạ Long (DEMO): receives
POLICE = "000.00.13.H49"  # Công an tỉnh Quảng Ninh (DEMO): decides
PROCEDURE = "3.000333"  # Cấp Phiếu lý lịch tư pháp
APPLICANT = ApplicantDraft(full_name="Trần Thị Bình", personal_id="022190005678", birth_date=date(1990, 3, 2),
                           sex="Nữ", address="Phường Hạ Long, Quảng Ninh", phone="0912345678", email="")  # fmt: skip


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    from server import admin
    from server.app import create_app
    from server.config import Settings
    from tests.sync_processes import CODES_DAYS_BACK

    app = create_app(Settings(data_dir=tmp_path / "server", codes_days_back=CODES_DAYS_BACK))
    live = LiveServer("", app)
    with live.tx() as s:
        now = datetime.now(UTC)
        for unit, name, user, full_name in (
            (COMMUNE, "UBND phường Hạ Long (DEMO)", "motcua.halong", "Nguyễn Thị Thuỳ Dương"),
            (POLICE, "Công an tỉnh Quảng Ninh (DEMO)", "cat.lltp", "Phạm Văn Đức"),
        ):
            admin.create_office(s, now, unit_code=unit, name=name, governing_body="UBND TỈNH QUẢNG NINH",
                                place_name="Quảng Ninh", demo=True)  # fmt: skip
            admin.create_officer(s, now, unit, username=user, full_name=full_name, role="officer", password=PASSWORD)
        admin.import_catalog(s, now, json.loads(default_catalog_path().read_text("utf-8")))  # units included
    server, thread, live.url = _serve(app)
    try:
        with keyring_backend(MemoryKeyring()):
            yield live
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _enrol(live: LiveServer, tmp_path: Path, template_db: Path, unit: str, user: str) -> Counter:
    from server import admin

    with live.tx() as s:
        code = str(admin.create_enrolment_code(s, datetime.now(UTC), unit, hours=1).code)
    return Counter.enrol(tmp_path / user, template_db, code, user, server_url=live.url, username=user)


def _cached_catalog(c: Counter) -> Catalog:
    from app.store.boot import current_catalog

    return current_catalog(c.folder / "motcua.db")


def test_a_commune_receives_offline_for_the_police_who_decide_and_it_returns_the_result(
    live: LiveServer, tmp_path: Path, template_db: Path
) -> None:
    from server.sync.models import ChangeRow, ServerDossier, ServerEvent

    a = _enrol(live, tmp_path, template_db, COMMUNE, "motcua.halong")
    b = _enrol(live, tmp_path, template_db, POLICE, "cat.lltp")
    try:
        assert a.engine().run_once().ok and b.engine().run_once().ok  # reference (units) and code blocks
        catalog = _cached_catalog(a)
        assert catalog.unit_by_code[POLICE].name == "Công an tỉnh Quảng Ninh (DEMO)"

        # --- A, offline: nothing below talks to the server until A syncs ---------------------------
        procedure = catalog.get(PROCEDURE)
        assert procedure is not None
        docs = tuple(dataclasses.replace(d, submitted=True) for d in checklist(procedure))
        with transaction(a.factory) as s:
            summary = receive_dossier(s, a.actor, catalog, load_calendar(s),
                                      ReceptionDraft(PROCEDURE, APPLICANT, docs), NOW)[0]  # fmt: skip
            assert summary.code is not None
            code = summary.code
            batch, verdict = add_scan(s, open_batch(counter_place(a.actor), department_place(s, "CAT")), code)
            assert verdict.ok, verdict.message
            send_batch(s, a.actor, batch, NOW + timedelta(minutes=20))
        assert code.startswith(f"{COMMUNE}-261123-")  # the receiving unit's identifier
        # A second dossier, offline too, that the commune decides itself: both numbers come from the block the
        # server reserved for A's own unit, whichever unit decides (app.domain.units: whose identifier).
        own = catalog.get("2.000635")
        assert own is not None
        own_docs = tuple(dataclasses.replace(d, submitted=True) for d in checklist(own))
        with transaction(a.factory) as s:
            second = receive_dossier(s, a.actor, catalog, load_calendar(s),
                                     ReceptionDraft(own.code, APPLICANT, own_docs), NOW)[0]  # fmt: skip
        with a.factory() as s:
            handled = {uid: unit for uid, unit in s.execute(select(Dossier.uid, Dossier.handling_unit))}
            assert handled == {summary.uid: POLICE, second.uid: ""}
            issued = s.scalars(select(CodeBlock).where(CodeBlock.day == NOW.date(), CodeBlock.source == "server")).all()
            assert [b.unit_code for b in issued] == [COMMUNE]
            numbers = sorted(int(c[-4:]) for c in (code, second.code or ""))
            assert numbers == [issued[0].first, issued[0].first + 1]

        pushed = a.engine().run_once()
        assert (pushed.accepted, pushed.rejected, pushed.flagged, pushed.error) == (3, 0, 0, "")  # 2 receipts, 1 sent
        with live.tx() as s:
            row = s.scalars(select(ServerDossier).where(ServerDossier.uid == summary.uid)).one()
            assert (row.unit_code, row.handling_unit, row.code) == (COMMUNE, POLICE, code)
            fed = {(c.unit_code, c.event_id) for c in s.scalars(select(ChangeRow).where(ChangeRow.kind == "event"))}
            events = set(s.scalars(select(ServerEvent.id).where(ServerEvent.dossier_uid == summary.uid)))
            assert {(COMMUNE, e) for e in events} | {(POLICE, e) for e in events} <= fed

        # --- B: the folder is in its department's queue ------------------------------------------
        pulled = b.engine().run_once()
        assert pulled.ok and pulled.applied >= 2, pulled
        with b.factory() as s:
            waiting = [x for x in batches(s) if x.destination.code == "CAT"]
            assert [i.code for x in waiting for i in x.items] == [code]
            there = s.scalars(select(Dossier).where(Dossier.uid == summary.uid)).one()
            assert (there.unit_code, there.handling_unit) == (COMMUNE, POLICE)
        t = NOW + timedelta(days=2)
        with transaction(b.factory) as s:
            confirm_batch(s, b.actor, waiting[0].id, [code], NOW + timedelta(hours=1))
            record_result(s, b.actor, summary.uid, "Phiếu lý lịch tư pháp số 1234/LLTP", t)
            back, verdict = add_scan(s, open_batch(department_place(s, "CAT"),
                                                   Place(PlaceKind.COUNTER, COMMUNE, "UBND phường Hạ Long")),
                                     code)  # fmt: skip
            assert verdict.ok, verdict.message
            send_batch(s, b.actor, back, t + timedelta(minutes=5))
        pushed = b.engine().run_once()
        assert (pushed.rejected, pushed.error) == (0, ""), pushed

        # --- A: the result comes back to the place of receipt ------------------------------------
        assert a.engine().run_once().ok
        with a.factory() as s:
            assert (
                s.scalars(select(Dossier.status).where(Dossier.uid == summary.uid)).one() == DossierStatus.RESULT_READY
            )
            returning = [x for x in batches(s) if x.destination.code == COMMUNE]
            assert [i.code for x in returning for i in x.items] == [code]
        with transaction(a.factory) as s:
            confirm_batch(s, a.actor, returning[0].id, [code], t + timedelta(hours=1))
            custody = custody_of(s, summary.uid)
            assert custody is not None and custody.place == Place(PlaceKind.COUNTER, COMMUNE, custody.place.name)
            return_to_citizen(s, a.actor, summary.uid, CollectorDraft(Collector.APPLICANT, APPLICANT.personal_id),
                              t + timedelta(hours=2))  # fmt: skip
        pushed = a.engine().run_once()
        assert (pushed.rejected, pushed.flagged, pushed.error) == (0, 0, ""), pushed
        with live.tx() as s:
            row = s.scalars(select(ServerDossier).where(ServerDossier.uid == summary.uid)).one()
            assert row.status == DossierStatus.RETURNED
        assert b.engine().run_once().ok
        with b.factory() as s:  # the handling unit sees the end too
            assert s.scalars(select(Dossier.status).where(Dossier.uid == summary.uid)).one() == DossierStatus.RETURNED
    finally:
        a.close()
        b.close()
