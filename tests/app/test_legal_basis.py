"""The legal basis of a dossier (issue 16): the rule (app.domain.legal_basis), its place in the
reception decision's contract, what reception writes and what the projection stores."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from app.domain import contracts as c
from app.domain.codes import format_dossier_code
from app.domain.events import EventType, new_id
from app.domain.legal_basis import (
    CUTOVER,
    FORM_SETS,
    Form,
    LegalBasis,
    basis_for,
    basis_of,
    form_number,
    form_spec,
    form_title,
)
from app.printing.custody_forms_config import CustodyForm, custody_form_number, custody_form_title
from app.services.reception import refuse, request_supplement
from app.services.recorder import record
from app.store.db import transaction
from app.store.models import Dossier, Event
from tests.app.test_reception import draft, receive

LAST_2018 = datetime(2025, 6, 30, 23, 59, 59)
FIRST_2025 = datetime(2025, 7, 1, 0, 0)


def test_the_cutover_is_1_july_2025_at_midnight() -> None:
    assert CUTOVER == FIRST_2025
    assert basis_for(LAST_2018) is LegalBasis.L2018
    assert basis_for(FIRST_2025) is LegalBasis.L2025
    assert basis_for(datetime(2019, 1, 1)) is LegalBasis.L2018 and basis_for(datetime(2026, 12, 7)) is LegalBasis.L2025


def test_a_recorded_basis_wins_and_anything_else_is_derived() -> None:
    assert basis_of("2018", datetime(2026, 1, 1)) is LegalBasis.L2018  # recorded: kept
    assert basis_of("2025", LAST_2018) is LegalBasis.L2025
    for nothing in (None, "", "2019", 2018, ["2018"]):
        assert basis_of(nothing, LAST_2018) is LegalBasis.L2018
        assert basis_of(nothing, FIRST_2025) is LegalBasis.L2025


def test_the_two_form_sets_as_the_circulars_number_them() -> None:
    numbers = {b: {f.value: s.number[-2:] for f, s in FORM_SETS[b].items()} for b in LegalBasis}
    assert numbers[LegalBasis.L2018] == {"receipt": "01", "supplement": "02", "refusal": "03", "apology": "04",
                                         "control": "05", "register": "06"}  # fmt: skip
    assert numbers[LegalBasis.L2025] == {"receipt": "01", "supplement": "02", "refusal": "03", "apology": "04",
                                         "stop_notice": "05", "control": "06", "register": "07"}  # fmt: skip
    assert form_title(Form.APOLOGY, LegalBasis.L2018) == "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
    assert form_title(Form.APOLOGY, LegalBasis.L2025) == "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
    # No stop notice in 2018: the 2025 one, named so it is not taken for the 2018 control slip (05).
    assert form_spec(Form.STOP_NOTICE, LegalBasis.L2018).number == "Mẫu số 05 (TT 03/2025)"
    assert LegalBasis.L2025.citation == "Nghị định 118/2025/NĐ-CP, Thông tư 03/2025/TT-VPCP"
    assert LegalBasis.L2018.citation == "Nghị định 61/2018/NĐ-CP, Thông tư 01/2018/TT-VPCP"


def test_overrides_flat_for_2025_and_per_basis() -> None:
    flat = {"control": "Mẫu số 06/KS"}
    assert form_number(Form.CONTROL, LegalBasis.L2025, flat) == "Mẫu số 06/KS"
    assert form_number(Form.CONTROL, LegalBasis.L2018, flat) == "Mẫu số 05"
    both = {"control": "flat", "2018": {"control": "Mẫu  số 05 "}, "2025": {"control": "per basis"}}
    assert form_number(Form.CONTROL, LegalBasis.L2018, both) == "Mẫu số 05"  # cleaned text (NFC, spaces)
    assert form_number(Form.CONTROL, LegalBasis.L2025, both) == "per basis"
    for junk in (None, [], "Mẫu số 9", {"control": 6}, {"2018": "Mẫu số 9"}, {"2018": {"control": None}}):
        assert form_number(Form.CONTROL, LegalBasis.L2018, junk) == "Mẫu số 05"
    # The custody forms' helper keeps its old meaning (flat = the current set) and gains the basis.
    assert custody_form_number(CustodyForm.CONTROL, {"control": "Mẫu số 05"}) == "Mẫu số 05"
    assert custody_form_number(CustodyForm.CONTROL, None, LegalBasis.L2018) == "Mẫu số 05"
    assert custody_form_number(CustodyForm.RETURN_RECEIPT, None, LegalBasis.L2018) == ""
    assert custody_form_number(CustodyForm.RETURN_RECEIPT, {"2018": {"return_receipt": "BN"}}, LegalBasis.L2018) == "BN"
    assert custody_form_title(CustodyForm.APOLOGY, LegalBasis.L2025).startswith("VĂN BẢN XIN LỖI")


def _payload(**extra: object) -> dict[str, object]:
    return {
        "code": "000.01.00.H49-250630-0001",
        "unit_code": "000.01.00.H49",
        "procedure": {"code": "1.004859", "name": "Đăng ký khai sinh"},
        "applicant": {"full_name": "Nguyễn Văn An"},
        "received_at": "2025-06-30T23:59:00",
        **extra,
    }


@pytest.mark.parametrize("kind", [EventType.RECEIVED, EventType.REFUSED, EventType.SUPPLEMENT_REQUESTED])
def test_the_contract_takes_an_optional_basis(kind: EventType) -> None:
    old = c.parse_payload(kind, _payload())  # an event of an older counter: still valid, no basis
    assert isinstance(old, c.DecisionPayload) and old.legal_basis is None
    assert "legal_basis" not in c.dump_payload(old)  # stored as sent: nothing added
    kept = c.parse_payload(kind, _payload(legal_basis="2025"))  # even against its time: kept as written
    assert isinstance(kept, c.DecisionPayload) and c.dump_payload(kept)["legal_basis"] == "2025"
    for bad, why in (("2019", "sai định dạng"), (2018, "phải là chuỗi ký tự"), ("", "sai định dạng")):
        with pytest.raises(ValidationError) as caught:
            c.parse_payload(kind, _payload(legal_basis=bad))
        assert c.describe(caught.value, "payload") == f"payload.legal_basis: {why}"


def test_reception_records_the_basis_of_its_moment(factory, actor, catalog) -> None:
    before = receive(factory, actor, catalog, draft(catalog), LAST_2018)
    after = receive(factory, actor, catalog, draft(catalog), FIRST_2025)
    with transaction(factory) as s:
        refused, _ = refuse(s, actor, catalog, draft(catalog), "Không thuộc thẩm quyền", LAST_2018)
        asked, _ = request_supplement(s, actor, catalog, draft(catalog), ["Bản sao CCCD"], "Thiếu", FIRST_2025)
    with factory() as s:
        events = {e.dossier_uid: e.payload for e in s.scalars(select(Event))}
        rows = {d.uid: d.legal_basis for d in s.scalars(select(Dossier))}
    expected = {before.uid: "2018", after.uid: "2025", refused.uid: "2018", asked.uid: "2025"}
    assert {uid: events[uid]["legal_basis"] for uid in expected} == expected
    assert {uid: rows[uid] for uid in expected} == expected


def test_the_projection_derives_the_basis_of_an_old_event_and_keeps_a_recorded_one(factory, actor, catalog) -> None:
    template = receive(factory, actor, catalog, draft(catalog), FIRST_2025)
    with factory() as s:
        payload = dict(s.scalars(select(Event.payload).where(Event.dossier_uid == template.uid)).one())
    with transaction(factory) as s:
        uids = []
        for n, (at, basis) in enumerate(
            [(LAST_2018, None), (FIRST_2025, None), (FIRST_2025 + timedelta(days=400), "2018")], start=2
        ):
            p = {k: v for k, v in payload.items() if k != "legal_basis"}
            p |= {"received_at": at.isoformat(), "code": format_dossier_code(actor.unit_code, at.date(), n)}
            if basis is not None:
                p["legal_basis"] = basis
            uid = new_id()
            record(s, actor, EventType.RECEIVED, uid, p, occurred_at=at)
            uids.append(uid)
    with factory() as s:
        rows = {d.uid: d.legal_basis for d in s.scalars(select(Dossier))}
    assert [rows[u] for u in uids] == ["2018", "2025", "2018"]
