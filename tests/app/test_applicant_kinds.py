"""Every applicant at the counter (issue 15 item 1): citizens, foreigners, organisations and
representatives are validated per kind, received, stored typed, found by search and printed."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from pydantic import ValidationError as PydanticError

from app.domain.applicant_kinds import (
    nationalities,
    nationality_problem,
    organisation_name_problem,
    passport_problem,
    person_name_problem,
    tax_code_check_digit,
    tax_code_problem,
)
from app.domain.contracts import ApplicantPart, ReceivedPayload
from app.errors import ValidationError
from app.services.applicant import ApplicantDraft, RepresentativeDraft, validate_applicant
from app.services.dossiers import search
from app.services.forms import FormKind, build_slip, render
from app.services.office import load_calendar
from app.services.reception import receive_dossier, refuse, request_supplement
from app.store.db import transaction
from app.store.models import Dossier, Event
from tests.app.test_reception import APPLICANT, draft, receive
from tests.conftest import NOW
from tests.pdf_tools import pdf_text

TODAY = NOW.date()
JUDICIAL_RECORD = "3.000333"  # Lý lịch tư pháp: Vietnamese citizens and foreigners residing in Viet Nam
PRIVATE_ENTERPRISE = "2.001610"  # Đăng ký thành lập doanh nghiệp tư nhân
MARITAL_STATUS = "1.004873"  # Xác nhận tình trạng hôn nhân: citizens only, no old ID
MARRIAGE = "1.000894"  # Đăng ký kết hôn: both in person, no representative
COPY_FROM_REGISTER = "2.000908"  # Cấp bản sao từ sổ gốc: the old 9-digit ID still accepted

FOREIGNER = ApplicantDraft(
    kind="foreigner", full_name="John Smith", passport_no="c1234567", nationality="US",
    address="Phòng 1203, tòa nhà Sailing, Phường Hồng Gai, Quảng Ninh", phone="0912345678",
)  # fmt: skip
ORGANISATION = ApplicantDraft(
    kind="organisation", full_name="Công ty TNHH Xây dựng số 1 Hạ Long", tax_code="0100109106-001",
    legal_representative="H'Hen Niê", address="Số 8, đường 25/4, Phường Hồng Gai, Quảng Ninh",
)  # fmt: skip
ON_BEHALF = replace(
    APPLICANT,
    representative=RepresentativeDraft("Trần Thị Bích", "022190005555", "Giấy ủy quyền ngày 20/11/2026"),
)


# --- the reported refusals, at the service ------------------------------------------------------


def test_foreigner_with_a_passport_is_received_for_the_judicial_record(factory, actor, catalog):
    summary = receive(factory, actor, catalog, draft(catalog, JUDICIAL_RECORD, FOREIGNER))
    with factory() as s:
        d = s.get(Dossier, 1)
        event = s.query(Event).one()
    assert summary.applicant_name == "John Smith" and d is not None
    assert d.personal_id == "C1234567"  # the identifier column holds the passport, in capitals
    a = event.payload["applicant"]
    assert (a["kind"], a["passport_no"], a["nationality"]) == ("foreigner", "C1234567", "US")
    assert "personal_id" not in a


def test_organisation_with_a_tax_code_and_digits_in_its_name_is_received(factory, actor, catalog):
    summary = receive(factory, actor, catalog, draft(catalog, PRIVATE_ENTERPRISE, ORGANISATION))
    with factory() as s:
        d = s.get(Dossier, 1)
        a = s.query(Event).one().payload["applicant"]
    assert summary.applicant_name == "Công ty TNHH Xây dựng số 1 Hạ Long" and d is not None
    assert d.personal_id == "0100109106-001"
    assert a["kind"] == "organisation" and a["legal_representative"] == "H'Hen Niê"
    ten_digits = replace(ORGANISATION, tax_code="0100109106")
    assert receive(factory, actor, catalog, draft(catalog, PRIVATE_ENTERPRISE, ten_digits)).code


def test_each_kind_gets_a_message_per_field(catalog):
    judicial = catalog.get(JUDICIAL_RECORD).applicants
    enterprise = catalog.get(PRIVATE_ENTERPRISE).applicants
    bad_foreigner = replace(FOREIGNER, full_name="Иван Петров", passport_no="C12", nationality="")
    errors = validate_applicant(bad_foreigner, TODAY, judicial)
    assert set(errors) == {"full_name", "passport_no", "nationality"}
    assert "La-tinh" in errors["full_name"] and "C1234567" in errors["passport_no"]
    bad_org = replace(ORGANISATION, tax_code="0100109107", full_name="1234", address="")
    errors = validate_applicant(bad_org, TODAY, enterprise)
    assert set(errors) == {"tax_code", "full_name", "address"}
    assert "chữ số kiểm tra" in errors["tax_code"] and "trụ sở" in errors["address"]
    # The procedure says which kinds it accepts.
    errors = validate_applicant(ORGANISATION, TODAY, judicial)
    assert "chỉ tiếp nhận hồ sơ của: công dân việt nam, người nước ngoài" in errors["kind"]


def test_a_passport_typed_as_a_citizen_id_says_to_choose_foreigner(catalog):
    typed = ApplicantDraft(full_name="John Smith", personal_id="C1234567", address="Hạ Long")
    errors = validate_applicant(typed, TODAY, catalog.get(JUDICIAL_RECORD).applicants)
    assert "“Người nước ngoài”" in errors["personal_id"]


def test_names_of_every_vietnamese_and_ethnic_minority_spelling_are_accepted():
    for name in ("H'Hen Niê", "Y-Moan Ênuôl", "Nguyễn Thị Thuỳ Dương", "Ksor H’Bơ Khăp", "Lò Văn Pọm", "Đinh Ngọc A."):
        assert person_name_problem(name) is None, name
    for name in ("Nguyễn Văn 2", "An--Bình", "'An", "Trần_Văn", "Lê <b>"):
        assert person_name_problem(name), name
    assert organisation_name_problem("Công ty CP 3T & Cộng sự (chi nhánh số 2)") is None
    assert organisation_name_problem("1234")


def test_tax_code_check_digit_and_branch_suffix():
    assert tax_code_check_digit("010010910") == 6
    assert tax_code_problem("0100109106") is None and tax_code_problem("0100109106-001") is None
    assert tax_code_problem("0100047516") is None  # another registered code
    assert tax_code_problem("0100109107")  # wrong check digit
    assert tax_code_problem("0100109106-000") and tax_code_problem("0100109106001") and tax_code_problem("010010910")
    assert passport_problem("C1234567") is None and passport_problem("B12345") is None
    assert passport_problem("c1234567") and passport_problem("C1234567890") and passport_problem("C123-456")


def test_nationalities_are_iso_3166_with_vietnamese_names():
    everyone = nationalities()
    assert len(everyone) == 249
    assert everyone["US"].name_vi == "Hoa Kỳ" and everyone["KR"].name_vi == "Hàn Quốc"
    assert everyone["LA"].alpha3 == "LAO" and everyone["JP"].name_vi == "Nhật Bản"
    assert nationality_problem("US") is None and nationality_problem("XX") and nationality_problem("VN")


def test_old_nine_digit_id_only_where_the_procedure_allows_it(catalog):
    old = replace(APPLICANT, personal_id="100123456", birth_date=None, sex="")
    assert validate_applicant(old, TODAY, catalog.get(COPY_FROM_REGISTER).applicants) == {}
    errors = validate_applicant(old, TODAY, catalog.get(MARITAL_STATUS).applicants)
    assert "9 chữ số" in errors["personal_id"] and "12 chữ số" in errors["personal_id"]


# --- representatives -------------------------------------------------------------------------------


def test_representative_needs_the_authorisation_ticked_and_is_stored(factory, actor, catalog):
    unticked = draft(catalog, JUDICIAL_RECORD, ON_BEHALF)
    documents = tuple(replace(d, submitted="ủy quyền" not in d.name) for d in unticked.documents)
    unticked = replace(unticked, documents=documents)
    with pytest.raises(ValidationError) as refused, transaction(factory) as s:
        receive_dossier(s, actor, catalog, load_calendar(s), unticked, NOW)
    assert "Văn bản ủy quyền" in refused.value.fields["documents"]
    receive(factory, actor, catalog, draft(catalog, JUDICIAL_RECORD, ON_BEHALF))
    with factory() as s:
        a = s.query(Event).one().payload["applicant"]
        rows = search(s, "tran thi bich")
    assert a["representative"] == {
        "full_name": "Trần Thị Bích",
        "personal_id": "022190005555",
        "authorisation_ref": "Giấy ủy quyền ngày 20/11/2026",
    }
    assert [r.applicant_name for r in rows] == ["Nguyễn Văn An"]  # found by the representative's name


def test_authorisation_added_where_the_checklist_has_none(factory, actor, catalog):
    receive(factory, actor, catalog, draft(catalog, MARITAL_STATUS, ON_BEHALF))
    with factory() as s:
        documents = s.query(Event).one().payload["documents"]
    assert documents[-1]["name"] == "Văn bản ủy quyền cho người nộp thay"


def test_in_person_procedure_refuses_a_representative(catalog):
    errors = validate_applicant(ON_BEHALF, TODAY, catalog.get(MARRIAGE).applicants)
    assert "không nhận hồ sơ nộp thay" in errors["rep_full_name"]
    missing = replace(ON_BEHALF, representative=RepresentativeDraft("Trần Thị Bích", "", ""))
    errors = validate_applicant(missing, TODAY, catalog.get(JUDICIAL_RECORD).applicants)
    assert set(errors) == {"rep_personal_id", "rep_authorisation"}


# --- search, contract, printing --------------------------------------------------------------------


def test_tax_code_passport_and_organisation_name_are_searchable(factory, actor, catalog):
    receive(factory, actor, catalog, draft(catalog, PRIVATE_ENTERPRISE, ORGANISATION))
    receive(factory, actor, catalog, draft(catalog, JUDICIAL_RECORD, FOREIGNER))
    with factory() as s:
        for query, name in (
            ("0100109106-001", ORGANISATION.full_name), ("0100109106", ORGANISATION.full_name),
            ("cong ty tnhh xay dung so 1", ORGANISATION.full_name), ("C1234567", "John Smith"),
            ("c1234567", "John Smith"), ("john smith", "John Smith"),
        ):  # fmt: skip
            assert [r.applicant_name for r in search(s, query)] == [name], query


def test_old_events_without_a_kind_still_parse_and_citizens_are_written_as_before():
    old = {"full_name": "Nguyễn Văn An", "personal_id": "022090001234", "birth_date": "1990-01-01", "sex": "Nam",
           "address": "Hạ Long", "phone": "0912345678", "email": ""}  # fmt: skip
    part = ApplicantPart.model_validate(old)
    assert part.kind == "citizen" and part.identifier == "022090001234" and part.representative is None
    assert APPLICANT.normalised().as_payload().model_dump(mode="json", exclude_unset=True).keys() == old.keys()
    with pytest.raises(PydanticError):
        ApplicantPart.model_validate({"kind": "foreigner", "full_name": "John Smith"})  # no passport
    with pytest.raises(PydanticError):
        ApplicantPart.model_validate({"kind": "organisation", "full_name": "X", "tax_code": "12345"})
    assert "kind" in ReceivedPayload.model_fields["applicant"].annotation.model_fields


WHO = {
    "organisation": (PRIVATE_ENTERPRISE, ORGANISATION, [
        "Tiếp nhận hồ sơ của: Công ty TNHH Xây dựng số 1 Hạ Long", "Mã số doanh nghiệp/MST: 0100109106-001",
        "Người đại diện theo pháp luật: H'Hen Niê", "Địa chỉ trụ sở: Số 8",
    ]),
    "foreigner": (JUDICIAL_RECORD, FOREIGNER, [
        "Tiếp nhận hồ sơ của: John Smith", "Hộ chiếu số: C1234567 (quốc tịch Hoa Kỳ)",
    ]),
    "representative": (JUDICIAL_RECORD, ON_BEHALF, [
        "Tiếp nhận hồ sơ của: Nguyễn Văn An", "Số định danh cá nhân: 022090001234",
        "Người nộp thay: Trần Thị Bích (Số định danh cá nhân 022190005555) theo Giấy ủy quyền ngày 20/11/2026",
    ]),
}  # fmt: skip


@pytest.mark.parametrize("form", list(FormKind))
@pytest.mark.parametrize("who", list(WHO))
def test_every_form_prints_the_applicant_of_each_kind(factory, actor, catalog, who, form, tmp_path):
    code, applicant, lines = WHO[who]
    d = draft(catalog, code, applicant)
    with transaction(factory) as s:
        if form is FormKind.RECEIPT:
            summary, _ = receive_dossier(s, actor, catalog, load_calendar(s), d, NOW)
        elif form is FormKind.SUPPLEMENT:
            summary, _ = request_supplement(s, actor, catalog, d, ["Bản sao hộ chiếu"], "Thiếu giấy tờ", NOW)
        else:
            summary, _ = refuse(s, actor, catalog, d, "Không thuộc thẩm quyền", NOW)
    with factory() as s:
        kind, slip = build_slip(s, summary.uid)
    assert kind is form
    out = io.BytesIO()
    render(kind, slip, out)
    pdf = out.getvalue()
    (tmp_path / f"{who}-{form.value}.pdf").write_bytes(pdf)
    text = " ".join(pdf_text(pdf)[0].split())
    for line in lines:
        assert line in text, (line, text)
    assert "Số định danh cá nhân/MST" not in text


def test_birth_date_of_a_citizen_still_checked_against_the_id():
    wrong = replace(APPLICANT, birth_date=date(1991, 1, 1))
    assert "năm sinh" in validate_applicant(wrong, TODAY)["personal_id"]
