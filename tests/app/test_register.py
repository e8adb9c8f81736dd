"""Sổ theo dõi hồ sơ: rows from dossiers received through the real services, the PDF and the .xlsx."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from app.domain.events import EventType
from app.errors import UserFacingError
from app.printing import register as register_pdf
from app.printing.register import DATE_COLUMNS
from app.printing.xlsx import save_register
from app.services import register as register_service
from app.services.office import load_calendar
from app.services.reception import refuse, request_supplement
from app.services.register import build_register, build_year_register, period_text
from app.services.results import extend_due_date, receive_supplement, request_supplement_after_reception
from app.services.returns import Collector, CollectorDraft, record_result, return_to_citizen
from app.store.db import transaction
from app.store.models import Event
from app.text import nfc
from tests.app.test_reception import APPLICANT, draft, receive
from tests.app.test_returns import THREE_DAYS, _at_department, _back_at_counter
from tests.conftest import NOW
from tests.pdf_tools import pdf_text


def _register(factory, start: date, end: date):
    with factory() as s:
        return build_register(s, start, end, NOW)


def test_rows_carry_the_legal_columns_from_the_services(factory, actor, catalog):
    d = _at_department(factory, actor, catalog)  # received at NOW, sent at NOW + 30 min
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        record_result(s, actor, d.uid, "Bản sao trích lục", t)
    _back_at_counter(factory, actor, d.uid, d.code, t + timedelta(hours=1))
    with transaction(factory) as s:
        who = CollectorDraft(Collector.REPRESENTATIVE, "001090123456", "Trần Thị Bình", "Giấy ủy quyền số 12")
        return_to_citizen(s, actor, d.uid, who, t + timedelta(hours=2))
    second = receive(factory, actor, catalog, draft(catalog, THREE_DAYS), NOW + timedelta(minutes=5))
    reg = _register(factory, date(2026, 11, 23), date(2026, 11, 23))
    assert [r.code for r in reg.rows] == [d.code, second.code]
    assert [r.number for r in reg.rows] == [1, 2]
    first = reg.rows[0]
    assert first.applicant_name == APPLICANT.full_name
    assert first.address_phone.endswith("ĐT: 0912345678")
    assert first.received_at == NOW and first.due_at == d.due_at
    assert first.sent_at == NOW + timedelta(minutes=30)
    assert first.result_at == t
    assert first.returned_at == t + timedelta(hours=2)
    assert "Người nhận thay: Trần Thị Bình" in first.note
    assert first.sets == 1 and first.department_name
    assert reg.rows[1].sent_at is None and reg.rows[1].returned_at is None
    assert reg.period_text == "Từ ngày 23/11/2026 đến ngày 23/11/2026"
    # Outside the range: nothing; the year: both.
    assert _register(factory, date(2026, 11, 24), date(2026, 12, 31)).rows == ()
    with factory() as s:
        assert len(build_year_register(s, 2026, NOW).rows) == 2
        assert build_year_register(s, 2026, NOW).period_text == "Năm 2026"


def test_supplement_request_and_refusal_at_the_counter_are_not_in_the_book(factory, actor, catalog):
    receive(factory, actor, catalog, draft(catalog))
    with transaction(factory) as s:
        request_supplement(s, actor, catalog, draft(catalog), ["Bản sao giấy khai sinh"], "Thiếu giấy tờ", NOW)
        refuse(s, actor, catalog, draft(catalog), "Không thuộc thẩm quyền", NOW)
    assert len(_register(factory, date(2026, 1, 1), date(2026, 12, 31)).rows) == 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 5, 2), date(2026, 5, 1), "sau ngày kết thúc"),
        (date(1999, 12, 31), date(2026, 5, 1), "ngoài khoảng năm"),
    ],
)
def test_a_bad_period_gets_a_vietnamese_message(factory, start, end, message):
    with pytest.raises(UserFacingError, match=message):
        _register(factory, start, end)


def test_a_bad_year_gets_a_vietnamese_message(factory):
    with factory() as s, pytest.raises(UserFacingError, match="Năm 1800 không hợp lệ"):
        build_year_register(s, 1800, NOW)


def test_period_text():
    assert period_text(date(2026, 1, 1), date(2026, 12, 31)) == "Năm 2026"
    assert period_text(date(2026, 1, 1), date(2026, 3, 31)) == "Từ ngày 01/01/2026 đến ngày 31/03/2026"


def _many(factory, actor, catalog, n: int):
    # Spread over several days so the codes and times differ; all received in office hours.
    for i in range(n):
        day = NOW + timedelta(days=i // 8, minutes=20 * (i % 8))
        receive(factory, actor, catalog, draft(catalog), day)


def test_pdf_numbers_rows_across_pages_and_repeats_the_headings(factory, actor, catalog):
    _many(factory, actor, catalog, 30)
    reg = _register(factory, date(2026, 11, 1), date(2026, 12, 31))
    out = io.BytesIO()
    register_pdf.render(reg, out)
    pages = pdf_text(out.getvalue())
    assert len(pages) >= 2
    total = len(pages)
    numbers: list[int] = []
    for i, text in enumerate(pages, start=1):
        assert f"Trang {i}/{total}" in text
        assert "Mã hồ sơ" in text and "Ký nhận" in text and "Thời gian (ngày, tháng, năm)" in text  # headings
        assert "Sổ theo dõi hồ sơ – Từ ngày 01/11/2026 đến ngày 31/12/2026" in text
        # Each line starts with its STT then the unit part of its code.
        numbers += [int(m) for m in re.findall(r"(?m)^\s*(\d+)\s+000\.01\.00\.H49-", text)]
    assert numbers == list(range(1, 31))
    assert "SỔ THEO DÕI HỒ SƠ" in pages[0] and "Tổng số: 30 hồ sơ" in pages[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pages[0]
    assert "Mẫu số 07" in pages[-1]


def test_xlsx_has_the_two_level_headings_merged_and_one_row_per_dossier(factory, actor, catalog):
    _many(factory, actor, catalog, 3)
    reg = _register(factory, date(2026, 11, 23), date(2026, 11, 23))
    out = io.BytesIO()
    save_register(reg, out)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    assert ws.title == "Sổ theo dõi hồ sơ"
    merged = {str(r) for r in ws.merged_cells.ranges}
    head = ws.cell(row=1, column=1).value
    assert head and "SỔ THEO DÕI HỒ SƠ" in str(ws["A1"].value) + str(ws["A2"].value) + str(ws["A3"].value)
    # Find the heading row: the one that starts with "STT".
    top = next(r for r in range(1, 12) if ws.cell(row=r, column=1).value == "STT")
    assert f"H{top}:L{top}" in merged  # "Thời gian" over the five date columns
    assert f"A{top}:A{top + 1}" in merged and f"N{top}:N{top + 1}" in merged
    assert ws.cell(row=top, column=8).value == "Thời gian (ngày, tháng, năm)"
    assert [ws.cell(row=top + 1, column=c).value for c in range(8, 13)] == list(DATE_COLUMNS)
    first = top + 3  # headings, sub-headings, column numbers
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=first, max_row=ws.max_row)]
    assert [r[0] for r in rows] == [1, 2, 3]
    assert rows[0][1] == "000.01.00.H49-261123-0001"
    assert rows[0][4] == APPLICANT.full_name
    assert rows[0][7] == datetime(2026, 11, 23, 9, 15)
    assert ws.cell(row=first, column=8).number_format == "dd/mm/yyyy hh:mm"
    assert ws.freeze_panes == f"A{first}"
    assert ws.print_title_rows == "$5:$7" and ws.page_setup.orientation == "landscape"  # headings on every page


def test_steps_and_notes_come_from_the_events_of_each_dossier(factory, actor, catalog):
    """One query reads every dossier's steps: the department's supplement request, the new appointment
    (with the old one), the result and the return; a dossier with no step has none."""
    d = _at_department(factory, actor, catalog)  # received at NOW, sent at NOW + 30 min
    plain = receive(factory, actor, catalog, draft(catalog, THREE_DAYS), NOW + timedelta(minutes=5))
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        cal = load_calendar(s)
        request_supplement_after_reception(s, actor, cal, d.uid, ["Bản sao CCCD"], "Thiếu giấy tờ", t)
        receive_supplement(s, actor, cal, d.uid, t + timedelta(hours=1), note="Đã đủ")
        extend_due_date(s, actor, cal, d.uid, datetime(2026, 12, 10, 16, 0), "Chờ xác minh", t + timedelta(hours=2))
        record_result(s, actor, d.uid, "Giấy chứng nhận", t + timedelta(hours=3))
    _back_at_counter(factory, actor, d.uid, d.code, t + timedelta(hours=4))
    with transaction(factory) as s:
        who = CollectorDraft(Collector.APPLICANT, APPLICANT.personal_id, APPLICANT.full_name, "")
        return_to_citizen(s, actor, d.uid, who, t + timedelta(hours=5))
    first, second = _register(factory, date(2026, 11, 23), date(2026, 11, 23)).rows
    assert (first.code, second.code) == (d.code, plain.code)
    assert first.sent_at == NOW + timedelta(minutes=30)  # to the department; the way back is not a "sent"
    assert (first.result_at, first.returned_at) == (t + timedelta(hours=3), t + timedelta(hours=5))
    assert first.due_at == datetime(2026, 12, 10, 16, 0)
    assert first.note == f"Yêu cầu bổ sung 1 lần; Đã hẹn lại ngày trả (hẹn cũ {d.due_at:%d/%m/%Y})"
    assert (second.sent_at, second.result_at, second.returned_at, second.note) == (None, None, None, "")


def test_texts_are_cleaned_as_nfc_cleans_them():
    """The register's quick path of nfc gives nfc's result, whatever the whitespace or control character."""
    for char in [chr(c) for c in range(0x3100)] + ["\u3000", "\ufeff", "\U0001f600"]:
        for text in (f"a{char}b", f" {char} ", f"{char}{char}", f"x {char}  y", f"e\u0301{char}"):
            assert register_service._text(text) == nfc(text), repr(text)


def test_a_step_without_its_own_time_is_dated_when_it_was_recorded(factory, actor, catalog):
    """An older event whose payload has no time (or an unreadable one) is dated by ``occurred_at``."""
    d = _at_department(factory, actor, catalog)
    recorded = NOW + timedelta(days=2, hours=3, minutes=7, microseconds=120_000)
    with transaction(factory) as s:
        for seq, (kind, payload) in enumerate(
            [
                (EventType.RESULT_RECORDED, {"unit_code": "000.01.00.H49", "result": "Giấy chứng nhận"}),
                (EventType.RETURNED, {"returned_at": "hôm qua", "collector": {"kind": "applicant"}}),
            ],
            start=1,
        ):
            s.add(
                Event(
                    id=f"test-{seq}", device_id="test-device", device_seq=seq, type=str(kind), dossier_uid=d.uid,
                    officer_id="test", officer_name="Kiểm thử", occurred_at=recorded + timedelta(hours=seq),
                    hlc=f"9999999999999:0000{seq}:test", payload=payload,
                )
            )  # fmt: skip
    (row,) = _register(factory, date(2026, 11, 23), date(2026, 11, 23)).rows
    assert row.result_at == recorded + timedelta(hours=1)
    assert row.returned_at == recorded + timedelta(hours=2)
