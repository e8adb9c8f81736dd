"""Every print and reprint of a dossier uses its own legal basis (issue 16): a dossier received on
30 June 2025 23:59 prints the Circular 01/2018 numbers, one received on 1 July 2025 00:00 the Circular
03/2025 ones — forms 01, 04, the control slip, the stop notice — read back from the PDFs; the register's
number follows its period; the office's "form_numbers" setting overrides per basis and flat."""

from __future__ import annotations

import os
import unicodedata
from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.domain.catalog import Catalog
from app.printing import form04, form05, stop_notice
from app.printing import register as register_pdf
from app.services.context import Actor
from app.services.custody_forms import build_apology_slip, build_control_slip
from app.services.forms import build_slip, render
from app.services.handover import add_scan, confirm_batch, counter_place, department_place, open_batch, send_batch
from app.services.office import load_calendar
from app.services.register import build_register
from app.services.results import extend_due_date
from app.services.stops import StopKind, StopRequest, build_stop_notice, record_stop
from app.store.db import transaction
from app.store.models import Dossier, Setting
from tests.app.test_reception import draft, receive
from tests.pdf_tools import pdf_text

LAST_2018 = datetime(2025, 6, 30, 23, 59)
FIRST_2025 = datetime(2025, 7, 1, 0, 0)
TP = "XA-TP"
PROCEDURE = "1.004859"  # 4 working days
PDF_DIR = os.environ.get("MOTCUA_PDF_DIR", "")  # set to keep the PDFs (looked at for issue 16)


def _words(data: bytes, name: str = "") -> str:
    if PDF_DIR and name:
        with open(os.path.join(PDF_DIR, f"{name}.pdf"), "wb") as f:
            f.write(data)
    return " ".join(unicodedata.normalize("NFC", " ".join(pdf_text(data))).split())


def _dossier(factory: sessionmaker[Session], actor: Actor, catalog: Catalog, at: datetime) -> str:
    """Received at ``at``, handed to the department the next morning, then form 04 with a new date."""
    d = receive(factory, actor, catalog, draft(catalog, PROCEDURE), at)
    assert d.code is not None and d.due_at is not None
    morning = datetime.combine(at.date() + timedelta(days=1), datetime.min.time()).replace(hour=8)
    with transaction(factory) as s:
        batch, _ = add_scan(s, open_batch(counter_place(actor), department_place(s, TP)), d.code)
        send_batch(s, actor, batch, morning)
        confirm_batch(s, actor, batch.id, [d.code], morning + timedelta(minutes=30))
        new_due = datetime.combine(d.due_at.date() + timedelta(days=7), datetime.min.time()).replace(hour=16)
        extend_due_date(s, actor, load_calendar(s), d.uid, new_due, "Cần xác minh thêm", morning + timedelta(hours=1))
    return d.uid


def _receipt(factory: sessionmaker[Session], uid: str) -> str:
    with factory() as s:
        kind, slip = build_slip(s, uid)
    out = BytesIO()
    render(kind, slip, out)
    return _words(out.getvalue(), f"form01-{slip.received_at:%Y%m%d}")


def _apology(factory: sessionmaker[Session], uid: str) -> str:
    with factory() as s:
        slip = build_apology_slip(s, uid)
    out = BytesIO()
    form04.render(slip, out)
    return _words(out.getvalue(), f"form04-{slip.received_at:%Y%m%d}")


def _control(factory: sessionmaker[Session], uid: str) -> str:
    with factory() as s:
        slip = build_control_slip(s, load_calendar(s), uid)
    out = BytesIO()
    form05.render(slip, out)
    return _words(out.getvalue(), f"control-{slip.received_at:%Y%m%d}")


def _notice(factory: sessionmaker[Session], uid: str) -> str:
    with factory() as s:
        data = build_stop_notice(s, uid)
    out = BytesIO()
    stop_notice.render(data, out)
    return _words(out.getvalue(), f"stop-notice-{data.received_at:%Y%m%d}")


def _stop(factory: sessionmaker[Session], actor: Actor, uid: str, at: datetime) -> None:
    with transaction(factory) as s:
        record_stop(s, actor, uid, StopRequest(StopKind.STOP, "Nguyễn Văn An", "Không còn nhu cầu"), at)


def _set_numbers(factory: sessionmaker[Session], value: object) -> None:
    with transaction(factory) as s:
        s.merge(Setting(key="form_numbers", value=value))


def test_a_dossier_of_30_june_2025_reprints_with_the_2018_numbers(factory, actor, catalog) -> None:
    uid = _dossier(factory, actor, catalog, LAST_2018)
    with factory() as s:
        assert s.scalars(select(Dossier.legal_basis).where(Dossier.uid == uid)).one() == "2018"
    receipt = _receipt(factory, uid)
    assert "Mẫu số 01" in receipt and "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in receipt
    apology = _apology(factory, uid)
    assert "Mẫu số 04" in apology and "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in apology
    assert "GIA HẠN" not in apology
    control = _control(factory, uid)
    assert "Mẫu số 05" in control and "Mẫu số 06" not in control
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in control
    assert _control(factory, uid) == control  # a reprint is the same
    # Stopped after the cutover: the 2025 stop notice, its number naming the circular (stop_notice.py).
    _stop(factory, actor, uid, datetime(2025, 7, 14, 9, 0))
    notice = _notice(factory, uid)
    assert "Mẫu số 05 (TT 03/2025)" in notice and "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in notice


def test_a_dossier_of_1_july_2025_prints_with_the_2025_numbers(factory, actor, catalog) -> None:
    uid = _dossier(factory, actor, catalog, FIRST_2025)
    with factory() as s:
        assert s.scalars(select(Dossier.legal_basis).where(Dossier.uid == uid)).one() == "2025"
    assert "Mẫu số 01" in _receipt(factory, uid)
    apology = _apology(factory, uid)
    assert "Mẫu số 04" in apology and "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in apology
    control = _control(factory, uid)
    assert "Mẫu số 06" in control and "Mẫu số 05" not in control
    _stop(factory, actor, uid, datetime(2025, 7, 14, 9, 0))
    notice = _notice(factory, uid)
    assert "Mẫu số 05" in notice and "Thông tư" not in notice


def test_the_office_overrides_numbers_per_basis_and_flat_for_2025(factory, actor, catalog) -> None:
    old, new = (_dossier(factory, actor, catalog, at) for at in (LAST_2018, FIRST_2025))
    # The older flat setting: it numbered the set then printed, the 2025 one; 2018 dossiers keep theirs.
    _set_numbers(factory, {"control": "Mẫu số 06/KS", "receipt": "Mẫu số 01/TN"})
    assert "Mẫu số 06/KS" in _control(factory, new) and "Mẫu số 01/TN" in _receipt(factory, new)
    assert "Mẫu số 05" in _control(factory, old) and "/KS" not in _control(factory, old)
    assert "/TN" not in _receipt(factory, old)
    # Per basis; a per-basis value wins over a flat one.
    _set_numbers(
        factory,
        {"control": "Mẫu số 06/KS", "2018": {"control": "Mẫu số 05/2018", "apology": "Mẫu 04-CŨ"},
         "2025": {"control": "Mẫu số 06/2025"}},
    )  # fmt: skip
    assert "Mẫu số 05/2018" in _control(factory, old) and "Mẫu 04-CŨ" in _apology(factory, old)
    assert "Mẫu số 06/2025" in _control(factory, new) and "Mẫu số 04" in _apology(factory, new)
    # Nonsense in the setting prints the set's numbers.
    _set_numbers(factory, {"2018": ["Mẫu số 9"], "control": 6})
    assert "Mẫu số 05" in _control(factory, old) and "Mẫu số 06" in _control(factory, new)


@pytest.mark.parametrize(
    ("start", "end", "number"),
    [
        (date(2025, 6, 1), date(2025, 6, 30), "Mẫu số 06"),  # wholly before the cutover: Circular 01/2018
        (date(2025, 7, 1), date(2025, 7, 31), "Mẫu số 07"),
        (date(2025, 6, 1), date(2025, 7, 31), "Mẫu số 07"),  # across it: the book as kept now
        (date(2025, 1, 1), date(2025, 12, 31), "Mẫu số 07"),
    ],
)
def test_the_register_number_follows_its_period(factory, actor, catalog, start, end, number) -> None:
    for at in (LAST_2018, FIRST_2025):
        receive(factory, actor, catalog, draft(catalog, PROCEDURE), at)
    with factory() as s:
        data = build_register(s, start, end, datetime(2026, 12, 7, 9, 0))
    assert data.form_number == number
    out = BytesIO()
    register_pdf.render(data, out)
    text = _words(out.getvalue())
    assert number in text and "SỔ THEO DÕI HỒ SƠ" in text


def test_the_register_number_is_configurable_per_basis(factory) -> None:
    _set_numbers(factory, {"register": "Sổ 07", "2018": {"register": "Sổ 06"}})
    with factory() as s:
        assert build_register(s, date(2025, 6, 1), date(2025, 6, 30), datetime(2026, 12, 7)).form_number == "Sổ 06"
        assert build_register(s, date(2025, 7, 1), date(2025, 7, 31), datetime(2026, 12, 7)).form_number == "Sổ 07"


def test_every_default_number_fits_beside_the_demo_mark() -> None:
    """The head right of an A5 form holds the number; the demo mark is centred on the same line."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from app.domain.legal_basis import Form, LegalBasis, form_spec
    from app.printing.common import DEMO_TEXT, MARGIN_X, PAGE_WIDTH, SERIF_BOLD, SERIF_ITALIC, register_fonts

    register_fonts()
    room = PAGE_WIDTH - MARGIN_X - (PAGE_WIDTH + stringWidth(DEMO_TEXT, SERIF_BOLD, 7.5)) / 2 - 6
    for basis in LegalBasis:
        for form in Form:
            assert stringWidth(form_spec(form, basis).number, SERIF_ITALIC, 8.5) <= room, (basis, form)
