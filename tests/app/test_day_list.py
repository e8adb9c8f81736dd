"""Danh sách hồ sơ tiếp nhận trong ngày: one officer's receipts, or the office's for a supervisor; the PDF."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, timedelta

from app.printing import day_list as day_list_pdf
from app.services.context import Role
from app.services.day_list import build_day_list
from tests.app.test_reception import APPLICANT, draft, receive
from tests.app.test_returns import THREE_DAYS
from tests.conftest import NOW
from tests.pdf_tools import pdf_text

DAY = NOW.date()


def _setup(factory, actor, catalog):
    other = dataclasses.replace(actor, officer_id="officer-2", full_name="Lê Văn Khác")
    mine = [receive(factory, actor, catalog, draft(catalog, THREE_DAYS), NOW + timedelta(minutes=m)) for m in (0, 5)]
    theirs = receive(factory, other, catalog, draft(catalog, THREE_DAYS), NOW + timedelta(minutes=10))
    receive(factory, actor, catalog, draft(catalog, THREE_DAYS), NOW + timedelta(days=1))  # another day
    return mine, theirs, other


def test_an_officer_lists_only_their_own_receipts_of_the_day(factory, actor, catalog):
    mine, _theirs, _other = _setup(factory, actor, catalog)
    with factory() as s:
        day = build_day_list(s, actor, DAY, NOW, every_officer=True)  # an officer cannot ask for all
    assert [r.code for r in day.rows] == [d.code for d in mine]
    assert [r.number for r in day.rows] == [1, 2]
    assert day.rows[0].applicant_name == APPLICANT.full_name and day.rows[0].due_at == mine[0].due_at
    assert day.officer_name == actor.full_name and day.scope_text.startswith("Cán bộ tiếp nhận")
    with factory() as s:
        assert build_day_list(s, actor, DAY + timedelta(days=1), NOW, every_officer=False).rows[0].number == 1


def test_a_supervisor_lists_every_officer_and_the_pdf_has_the_total(factory, actor, catalog):
    mine, theirs, _other = _setup(factory, actor, catalog)
    boss = dataclasses.replace(actor, role=Role.SUPERVISOR)
    with factory() as s:
        day = build_day_list(s, boss, DAY, NOW, every_officer=True)
    assert [r.code for r in day.rows] == [mine[0].code, mine[1].code, theirs.code]
    assert day.officer_name == ""
    out = io.BytesIO()
    day_list_pdf.render(day, out)
    text = " ".join(pdf_text(out.getvalue()))
    assert "DANH SÁCH HỒ SƠ TIẾP NHẬN TRONG NGÀY" in text
    assert f"Ngày {DAY:%d/%m/%Y}" in text and "Tổng số: 3 hồ sơ" in text
    for d in (*mine, theirs):
        assert d.code in text
    assert "Lê Văn Khác" in text and APPLICANT.full_name in text


def test_an_empty_day_prints_a_line_saying_so(factory, actor, catalog):
    with factory() as s:
        day = build_day_list(s, actor, date(2026, 1, 2), NOW, every_officer=False)
    out = io.BytesIO()
    day_list_pdf.render(day, out)
    text = " ".join(pdf_text(out.getvalue()))
    assert "Không có hồ sơ nào được tiếp nhận trong ngày." in text and "Tổng số: 0 hồ sơ" in text
