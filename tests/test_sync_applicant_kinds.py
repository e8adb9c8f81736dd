"""Every applicant kind crosses the REAL central server (issue 15 item 1): a foreigner, an organisation,
a citizen represented by a Vietnamese and one represented by a foreigner with a passport, received at
counter A, pushed, pulled by counter B, which stores, finds and prints them exactly as A does."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from io import BytesIO
from typing import Any

from sqlalchemy import select

from app.domain.catalog import Catalog
from app.services.applicant import ApplicantDraft
from app.services.drafts import ReceptionDraft, checklist
from app.services.forms import build_slip, render
from app.services.office import load_calendar
from app.services.reception import receive_dossier
from app.store.db import transaction
from app.store.models import Dossier
from tests.app.test_applicant_kinds import (
    FOREIGNER,
    JUDICIAL_RECORD,
    ON_BEHALF,
    ORGANISATION,
    PRIVATE_ENTERPRISE,
    RepresentativeDraft,
)
from tests.conftest import NOW
from tests.pdf_tools import pdf_text
from tests.sync_support import Counter
from tests.test_sync_e2e import counter, live  # noqa: F401  (fixtures: the real server and its counters)

FOREIGN_REP = dataclasses.replace(
    ON_BEHALF,
    representative=RepresentativeDraft("John Smith", authorisation_ref="Giấy ủy quyền số 7/UQ ngày 20/11/2026",
                                       passport_no="C7654321", nationality="US", by_passport=True),
)  # fmt: skip
CASES: dict[str, tuple[str, ApplicantDraft]] = {
    "foreigner": (JUDICIAL_RECORD, FOREIGNER),
    "organisation": (PRIVATE_ENTERPRISE, ORGANISATION),
    "representative": (JUDICIAL_RECORD, ON_BEHALF),
    "foreign representative": (JUDICIAL_RECORD, FOREIGN_REP),
}
# What each printed form 01 must say, whichever counter prints it.
PRINTED = {
    "foreigner": ("John Smith", "Hộ chiếu số: C1234567 (quốc tịch Hoa Kỳ)"),
    "organisation": ("Công ty TNHH Xây dựng số 1 Hạ Long", "Mã số doanh nghiệp/MST: 0100109106-001",
                     "Người đại diện theo pháp luật: H'Hen Niê"),
    "representative": ("Người nộp thay: Trần Thị Bích (Số định danh cá nhân 022190005555)",),
    "foreign representative": ("Người nộp thay: John Smith, hộ chiếu số C7654321 (quốc tịch Hoa Kỳ)",),
}  # fmt: skip
SEARCHED = {"foreigner": "c1234567", "organisation": "0100109106-001", "representative": "022190005555",
            "foreign representative": "c7654321"}  # fmt: skip


def _receive(c: Counter, catalog: Catalog, code: str, applicant: ApplicantDraft) -> str:
    procedure = catalog.get(code)
    assert procedure is not None
    docs = tuple(dataclasses.replace(d, submitted=True) for d in checklist(procedure))
    draft = ReceptionDraft(procedure_code=code, applicant=applicant, documents=docs)
    with transaction(c.factory) as session:
        return receive_dossier(session, c.actor, catalog, load_calendar(session), draft, NOW)[0].uid


def _stored(c: Counter, uid: str) -> dict[str, Any]:
    with c.factory() as s:
        d = s.scalars(select(Dossier).where(Dossier.uid == uid)).one()
        return {"name": d.applicant_name, "identifier": d.personal_id, "search": d.search_text, "code": d.code,
                "applicant": d.data["applicant"], "status": d.status}  # fmt: skip


def _printed(c: Counter, uid: str) -> str:
    with c.factory() as s:
        kind, slip = build_slip(s, uid)
    out = BytesIO()
    render(kind, slip, out)
    return " ".join(" ".join(pdf_text(out.getvalue())).split())


def test_each_applicant_kind_is_pushed_pulled_projected_and_printed_the_same(
    counter: Callable[[str], Counter],  # noqa: F811
    catalog: Catalog,
) -> None:
    a, b = counter("Quầy số 01"), counter("Quầy số 02")
    assert a.engine().run_once().ok and b.engine().run_once().ok
    uids = {name: _receive(a, catalog, code, applicant) for name, (code, applicant) in CASES.items()}
    pushed = a.engine().run_once()
    assert (pushed.accepted, pushed.rejected, pushed.error) == (len(CASES), 0, "")
    pulled = b.engine().run_once()
    assert pulled.ok and pulled.applied == len(CASES)
    for name, uid in uids.items():
        here, there = _stored(a, uid), _stored(b, uid)
        assert there == here, name
        assert SEARCHED[name] in there["search"], name
        printed = _printed(b, uid)
        assert printed == _printed(a, uid), name
        for line in PRINTED[name]:
            assert line in printed, (name, line)
    rep = _stored(b, uids["foreign representative"])["applicant"]["representative"]
    assert (rep["passport_no"], rep["nationality"], rep.get("personal_id", "")) == ("C7654321", "US", "")
