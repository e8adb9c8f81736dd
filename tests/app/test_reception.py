"""Reception use cases against a real SQLite store: codes, events, outbox, validation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import unicodedata
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.domain.catalog import Catalog
from app.domain.codes import DOSSIER_CODE_RE
from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.errors import ValidationError
from app.services.applicant import ApplicantDraft
from app.services.context import Actor
from app.services.drafts import ReceptionDraft, checklist
from app.services.office import load_calendar
from app.services.reception import receive_dossier, refuse, request_supplement
from app.store.db import transaction
from app.store.models import CodeSequence, Dossier, Event, Outbox
from tests.conftest import NOW

APPLICANT = ApplicantDraft(
    full_name="Nguyễn Văn An",
    personal_id="022090001234",
    birth_date=date(1990, 1, 1),
    sex="Nam",
    address="Phường Hồng Gai, Quảng Ninh",
    phone="0912 345 678",
    email="an@example.com",
)
PROCEDURE = "2.000635"  # Cấp bản sao trích lục hộ tịch (same-day, 15:00 cut-off)


def draft(catalog: Catalog, code: str = PROCEDURE, applicant: ApplicantDraft = APPLICANT) -> ReceptionDraft:
    procedure = catalog.get(code)
    assert procedure is not None
    docs = tuple(replace(d, submitted=True) for d in checklist(procedure))
    return ReceptionDraft(procedure_code=code, applicant=applicant, documents=docs)


def receive(factory: sessionmaker[Session], actor: Actor, catalog: Catalog, d: ReceptionDraft, now: datetime = NOW):
    with transaction(factory) as session:
        return receive_dossier(session, actor, catalog, load_calendar(session), d, now)[0]


def test_receipt_writes_state_event_and_outbox_together(factory, actor, catalog):
    summary = receive(factory, actor, catalog, draft(catalog))
    assert summary.code == "000.01.00.H49-261123-0001"
    assert DOSSIER_CODE_RE.match(summary.code)
    assert summary.due_at == datetime(2026, 11, 23, 17, 0)  # same day, received before 15:00
    with factory() as session:
        dossier = session.scalars(select(Dossier)).one()
        event = session.scalars(select(Event)).one()
        outbox = session.scalars(select(Outbox)).one()
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.phone == "0912345678"
    assert dossier.due_at == summary.due_at
    assert event.type == EventType.RECEIVED
    assert event.dossier_uid == dossier.uid
    assert event.device_seq == 1 and event.device_id == actor.device_id
    assert event.officer_id == actor.officer_id
    assert event.id[14] == "7"  # UUID version 7
    assert event.payload["code"] == summary.code
    assert event.payload["due_at"] == "2026-11-23T17:00"
    assert outbox.event_id == event.id and outbox.state == "pending"


def test_codes_increase_per_day_and_restart_next_day(factory, actor, catalog):
    codes = [receive(factory, actor, catalog, draft(catalog)).code for _ in range(3)]
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    tomorrow = receive(factory, actor, catalog, draft(catalog), NOW + timedelta(days=1))
    assert tomorrow.code == "000.01.00.H49-261124-0001"
    with factory() as session:
        seqs = session.scalars(select(Event.device_seq).order_by(Event.device_seq)).all()
    assert seqs == [1, 2, 3, 4]  # gap-free device sequence


def test_a_stale_counter_row_never_reissues_a_code(factory, actor, catalog):
    receive(factory, actor, catalog, draft(catalog))
    receive(factory, actor, catalog, draft(catalog))
    with transaction(factory) as session:  # as if the counter row came back from an old backup
        session.execute(update(CodeSequence).values(last=0))
    assert receive(factory, actor, catalog, draft(catalog)).code.endswith("-0003")


CRASHER = """
import os, signal, sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from app.domain.catalog import load_catalog
from app.services.applicant import ApplicantDraft
from app.services.office import load_calendar
from app.services.drafts import ReceptionDraft, checklist
from app.services.reception import receive_dossier
from app.store.db import open_database, session_factory
from tests.conftest import NOW
from tests.app.test_reception import APPLICANT, PROCEDURE, draft
import app.services.auth as auth
factory = session_factory(open_database(Path(sys.argv[1])))
catalog = load_catalog()
with factory() as s, s.begin():
    actor = auth.login(s, "canbo", "motcua2026", sys.argv[2], NOW)
with factory() as s:
    s.begin()
    summary, _ = receive_dossier(s, actor, catalog, load_calendar(s), draft(catalog), NOW)
    s.commit()
    print(summary.code, flush=True)
# The slip is being printed when the power goes: nothing after the commit runs.
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_code_survives_sigkill_right_after_commit(factory, actor, catalog, db_path: Path):
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    first = subprocess.run([sys.executable, "-c", CRASHER, str(db_path), actor.device_id],
                           capture_output=True, text=True, env=env, cwd=root, timeout=60)  # fmt: skip
    assert first.returncode == -signal.SIGKILL, first.stderr
    printed = first.stdout.strip()
    assert printed.endswith("-0001")
    after = receive(factory, actor, catalog, draft(catalog))
    assert after.code.endswith("-0002") and after.code != printed
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 2


def test_missing_required_document_is_refused_with_the_document_named(factory, actor, catalog):
    d = draft(catalog)
    d = replace(d, documents=(replace(d.documents[0], submitted=False), *d.documents[1:]))
    with pytest.raises(ValidationError) as info, transaction(factory) as session:
        receive_dossier(session, actor, catalog, load_calendar(session), d, NOW)
    assert d.documents[0].name in info.value.fields["documents"]
    with factory() as session:  # nothing half-written, no number consumed
        assert session.scalar(select(func.count()).select_from(Dossier)) == 0
        assert session.scalar(select(func.count()).select_from(CodeSequence)) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"full_name": ""}, "full_name"),
        ({"full_name": "Nguyễn V4n An"}, "full_name"),
        ({"personal_id": "02209000123"}, "personal_id"),
        ({"personal_id": "999090001234"}, "personal_id"),
        ({"personal_id": "022190001234"}, "personal_id"),  # 1 = female, but sex is Nam
        ({"personal_id": "022085001234"}, "personal_id"),  # year digits 85 vs born 1990
        ({"birth_date": date(2030, 1, 1)}, "birth_date"),
        ({"address": " "}, "address"),
        ({"phone": "12345"}, "phone"),
        ({"email": "an@"}, "email"),
    ],
)
def test_each_bad_field_gets_its_own_vietnamese_message(factory, actor, catalog, changes, field):
    d = draft(catalog, applicant=replace(APPLICANT, **changes))
    with pytest.raises(ValidationError) as info, transaction(factory) as session:
        receive_dossier(session, actor, catalog, load_calendar(session), d, NOW)
    assert set(info.value.fields) == {field}
    assert any(ch in info.value.fields[field] for ch in "ạảãàáâăêôơưđ")


def test_text_is_stored_nfc(factory, actor, catalog):
    nfd = replace(APPLICANT, full_name=unicodedata.normalize("NFD", "Trần Thị Ngọc Ánh"))
    receive(factory, actor, catalog, draft(catalog, applicant=nfd))
    with factory() as session:
        name = session.scalars(select(Dossier.applicant_name)).one()
    assert name == unicodedata.normalize("NFC", "Trần Thị Ngọc Ánh") and unicodedata.is_normalized("NFC", name)


def test_receipt_after_cutoff_is_due_next_working_day(factory, actor, catalog):
    friday_late = datetime(2026, 11, 27, 15, 30)
    assert receive(factory, actor, catalog, draft(catalog), friday_late).due_at == datetime(2026, 11, 30, 17, 0)


def test_supplement_and_refusal_record_events_without_using_a_code(factory, actor, catalog):
    with transaction(factory) as session:
        s, _ = request_supplement(session, actor, catalog, draft(catalog), ["Bản sao giấy khai sinh"],
                                  "Thiếu giấy tờ", NOW)  # fmt: skip
        r, _ = refuse(session, actor, catalog, draft(catalog), "Không thuộc thẩm quyền", NOW)
    assert s.code is None and s.status == DossierStatus.SUPPLEMENT_REQUESTED
    assert r.code is None and r.status == DossierStatus.REFUSED
    with pytest.raises(ValidationError), transaction(factory) as session:
        refuse(session, actor, catalog, draft(catalog), "   ", NOW)
    with pytest.raises(ValidationError), transaction(factory) as session:
        request_supplement(session, actor, catalog, draft(catalog), [], "", NOW)
    assert receive(factory, actor, catalog, draft(catalog)).code.endswith("-0001")
    with factory() as session:
        kinds = session.scalars(select(Event.type).order_by(Event.device_seq)).all()
    assert kinds == [EventType.SUPPLEMENT_REQUESTED, EventType.REFUSED, EventType.RECEIVED]
