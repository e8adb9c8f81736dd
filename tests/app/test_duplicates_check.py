"""One identifier, two names: the warning before a dossier is received (issue 15 item 11)."""

from __future__ import annotations

from dataclasses import replace

from app.services.duplicates_check import SHOWN, find_identifier_clash
from tests.app.test_applicant_kinds import FOREIGNER, JUDICIAL_RECORD, ORGANISATION, PRIVATE_ENTERPRISE
from tests.app.test_reception import APPLICANT, draft, receive


def test_same_id_under_another_name_is_named_with_its_dossier(factory, actor, catalog):
    first = receive(factory, actor, catalog, draft(catalog, applicant=replace(APPLICANT, full_name="Trần Thị B")))
    with factory() as s:
        clash = find_identifier_clash(s, APPLICANT)  # "Nguyễn Văn An", the same 12 digits
    assert clash is not None
    assert [o.code for o in clash.others] == [first.code]
    assert clash.message() == (
        f"Số định danh 022090001234 đã có trong hồ sơ {first.code} với họ tên “Trần Thị B”. Kiểm tra lại thẻ căn cước."
    )


def test_same_name_written_otherwise_is_no_clash(factory, actor, catalog):
    receive(factory, actor, catalog, draft(catalog))
    with factory() as s:
        assert find_identifier_clash(s, replace(APPLICANT, full_name="NGUYEN  VAN AN")) is None
        assert find_identifier_clash(s, replace(APPLICANT, personal_id="022090009999", full_name="Lê B")) is None
        assert find_identifier_clash(s, replace(APPLICANT, personal_id="")) is None


def test_passport_and_tax_code_are_checked_with_their_own_words(factory, actor, catalog):
    receive(factory, actor, catalog, draft(catalog, JUDICIAL_RECORD, FOREIGNER))
    receive(factory, actor, catalog, draft(catalog, PRIVATE_ENTERPRISE, ORGANISATION))
    with factory() as s:
        passport = find_identifier_clash(s, replace(FOREIGNER, full_name="Jane Smith", passport_no="c 1234567"))
        tax = find_identifier_clash(s, replace(ORGANISATION, full_name="Công ty TNHH Hạ Long Xanh"))
    assert passport is not None and passport.message().startswith("Số hộ chiếu C1234567 đã có trong hồ sơ ")
    assert "với họ tên “John Smith”. Kiểm tra lại hộ chiếu." in passport.message()
    assert tax is not None and tax.message().startswith("Mã số doanh nghiệp/mã số thuế 0100109106-001 đã có")
    assert "với tên “Công ty TNHH Xây dựng số 1 Hạ Long”" in tax.message()


def test_many_other_names_are_counted_not_listed(factory, actor, catalog):
    names = ["Trần Thị B", "Lê Văn C", "Phạm Thị D", "Hoàng Văn E", "Trần Thị B"]
    for name in names:
        receive(factory, actor, catalog, draft(catalog, applicant=replace(APPLICANT, full_name=name)))
    with factory() as s:
        clash = find_identifier_clash(s, APPLICANT)
    assert clash is not None
    assert len(clash.others) == SHOWN
    assert len({o.applicant_name for o in clash.others}) == SHOWN  # each other name once
    assert clash.more == len(names) - SHOWN
    assert f"(và {len(names) - SHOWN} hồ sơ khác)" in clash.message()
