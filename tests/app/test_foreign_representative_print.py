"""A foreigner submitting on a citizen's behalf is printed with their nationality on forms 01–03:
"Người nộp thay: John Smith, hộ chiếu số C7654321 (quốc tịch Hoa Kỳ) theo …" (issue 15 item 1
leftover: the passport number alone was printed, and a passport of digits only, as US passports
are, was called a "Số định danh cá nhân")."""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from app.services.applicant import RepresentativeDraft
from app.services.forms import FormKind, build_slip, render
from app.services.office import load_calendar
from app.services.reception import receive_dossier, refuse, request_supplement
from app.store.db import transaction
from tests.app.test_applicant_kinds import JUDICIAL_RECORD
from tests.app.test_reception import APPLICANT, draft
from tests.conftest import NOW
from tests.pdf_tools import pdf_text

AUTHORISATION = "Giấy ủy quyền ngày 20/11/2026"
REPRESENTATIVES = {
    "letters": (RepresentativeDraft("John Smith", authorisation_ref=AUTHORISATION, passport_no="c7654321",
                                    nationality="US", by_passport=True),
                "Người nộp thay: John Smith, hộ chiếu số C7654321 (quốc tịch Hoa Kỳ) theo " + AUTHORISATION),
    "digits": (RepresentativeDraft("Anna Schmidt", authorisation_ref=AUTHORISATION, passport_no="123456789",
                                   nationality="DE", by_passport=True),
               "Người nộp thay: Anna Schmidt, hộ chiếu số 123456789 (quốc tịch Đức) theo " + AUTHORISATION),
}  # fmt: skip


def _rendered(factory, actor, catalog, form: FormKind, representative: RepresentativeDraft) -> bytes:
    d = draft(catalog, JUDICIAL_RECORD, replace(APPLICANT, representative=representative))
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
    return out.getvalue()


@pytest.mark.parametrize("form", list(FormKind))
@pytest.mark.parametrize("passport", list(REPRESENTATIVES))
def test_foreign_representative_is_printed_with_nationality(factory, actor, catalog, form, passport):
    representative, line = REPRESENTATIVES[passport]
    pdf = _rendered(factory, actor, catalog, form, representative)
    text = " ".join(pdf_text(pdf)[0].split())
    assert line in text, text
    assert "Số định danh cá nhân 123456789" not in text
    if form is FormKind.RECEIPT and passport == "letters":
        Path("/tmp/h16-foreign-representative-01.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", "/tmp/h16-foreign-representative-01.pdf",
                        "/tmp/h16-foreign-representative-01"], check=False)  # fmt: skip


def test_citizen_representative_line_is_unchanged(factory, actor, catalog):
    representative = RepresentativeDraft("Trần Thị Bích", "022190005555", AUTHORISATION)
    text = " ".join(pdf_text(_rendered(factory, actor, catalog, FormKind.RECEIPT, representative))[0].split())
    assert "Người nộp thay: Trần Thị Bích (Số định danh cá nhân 022190005555) theo " + AUTHORISATION in text
    assert "quốc tịch" not in text
