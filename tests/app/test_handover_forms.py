"""Print data built from real events (label, handover record, forms 04 and 05, return receipt),
rendered with the real form modules and read back (pypdf)."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.printing import form04, form05, handover, labels, return_receipt
from app.printing.data import A4_3X8, LabelPrintJob, Timeliness
from app.services.custody_forms import (
    build_apology_slip,
    build_control_slip,
    build_handover_record,
    build_label,
    build_return_receipt,
    record_label_print,
)
from app.services.handover import add_scan, confirm_batch, counter_place, department_place, open_batch, send_batch
from app.services.office import load_calendar
from app.services.results import extend_due_date
from app.services.returns import Collector, CollectorDraft, record_result, return_to_citizen
from app.store.db import transaction
from app.store.models import Event
from tests.app.test_reception import APPLICANT, draft, receive
from tests.conftest import NOW
from tests.pdf_tools import decode_barcodes, pdf_text

TP = "XA-TP"


def _text(pdf: Path) -> str:
    return unicodedata.normalize("NFC", "\n".join(pdf_text(pdf.read_bytes())))


def test_forms_follow_the_folder_from_reception_to_return(factory, actor, catalog, tmp_path):
    d = receive(factory, actor, catalog, draft(catalog, "1.004859"))  # Monday 09:15, due Friday 09:15
    with transaction(factory) as s:
        batch, _ = add_scan(s, open_batch(counter_place(actor), department_place(s, TP)), d.code)
        send_batch(s, actor, batch, NOW + timedelta(hours=1))  # same working day: on time
        confirm_batch(s, actor, batch.id, [d.code], NOW + timedelta(hours=2))
        cal = load_calendar(s)
        extend_due_date(
            s, actor, cal, d.uid, datetime(2026, 12, 1, 16, 0), "Chờ xác minh của xã", NOW + timedelta(hours=3)
        )
        back, _ = add_scan(s, open_batch(department_place(s, TP), counter_place(actor)), d.code)
        send_batch(s, actor, back, datetime(2026, 12, 2, 9, 0))  # after the new due date: late
        confirm_batch(s, actor, back.id, [d.code], datetime(2026, 12, 2, 9, 30))
        record_result(s, actor, d.uid, "Trích lục khai sinh bản sao", datetime(2026, 12, 2, 9, 40))
        who = CollectorDraft(Collector.APPLICANT, APPLICANT.personal_id)
        return_to_citizen(s, actor, d.uid, who, datetime(2026, 12, 2, 10, 0))
    with transaction(factory) as s:
        cal = load_calendar(s)
        slip = build_control_slip(s, cal, d.uid)
        assert [(st.giver_unit, st.receiver_unit) for st in slip.steps][:2] == [
            ("Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh", "Bộ phận Tư pháp - Hộ tịch (UBND xã)"),
            ("Bộ phận Tư pháp - Hộ tịch (UBND xã)", "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh"),
        ]
        assert [st.judgement for st in slip.steps] == [Timeliness.ON_TIME, Timeliness.LATE, Timeliness.LATE]
        assert slip.steps[0].at == NOW + timedelta(hours=2)  # when the department received it
        assert slip.steps[-1].receiver_unit == f"Công dân: {APPLICANT.full_name}"
        assert slip.due_at == datetime(2026, 12, 1, 16, 0) and slip.form_number == "Mẫu số 06"
        record = build_handover_record(s, batch.id)
        assert record.from_unit.endswith("Quầy số 01") and [r.dossier_code for r in record.rows] == [d.code]
        apology = build_apology_slip(s, d.uid)
        assert (apology.original_due_at, apology.new_due_at) == (
            datetime(2026, 11, 27, 9, 15),
            datetime(2026, 12, 1, 16, 0),
        )
        receipt = build_return_receipt(s, d.uid)
        assert receipt.is_applicant and receipt.timeliness is Timeliness.LATE
        assert receipt.result_description == "Trích lục khai sinh bản sao"
        label = build_label(s, d.uid)
        assert not record_label_print(s, actor, d.uid, "printer", NOW)
        assert record_label_print(s, actor, d.uid, "printer", NOW)  # the second one is a reprint
        prints = [e.payload for e in s.scalars(select(Event).where(Event.type == "form.printed"))]
        assert [p["reprint"] for p in prints if p["form"] == "label"] == [False, True]
    for name, module, data in (
        ("f05.pdf", form05, slip), ("bg.pdf", handover, record), ("f04.pdf", form04, apology),
        ("trả.pdf", return_receipt, receipt),
    ):  # fmt: skip
        module.render(data, tmp_path / name)  # type: ignore[attr-defined]
    labels.render(LabelPrintJob((label,), A4_3X8), tmp_path / "nhan.pdf")
    f05 = _text(tmp_path / "f05.pdf")
    assert "Đúng hạn" in f05 and "Quá hạn" in f05 and d.code in f05
    assert "Chờ xác minh của xã" in _text(tmp_path / "f04.pdf")
    assert APPLICANT.full_name in _text(tmp_path / "trả.pdf")
    assert d.code in _text(tmp_path / "bg.pdf")


def test_form05_code_decodes_back(factory, actor, catalog, tmp_path):
    d = receive(factory, actor, catalog, draft(catalog, "1.004859"))
    with transaction(factory) as s:
        batch, _ = add_scan(s, open_batch(counter_place(actor), department_place(s, TP)), d.code)
        send_batch(s, actor, batch, NOW + timedelta(hours=7))  # 16:15, still the same working day
        slip = build_control_slip(s, load_calendar(s), d.uid)
    assert [(st.judgement, st.note, st.receiver_name) for st in slip.steps] == [
        (Timeliness.ON_TIME, "Chưa xác nhận nhận", "")
    ]
    out = tmp_path / "f05.pdf"
    form05.render(slip, out)
    decoded = {text for page in decode_barcodes(out.read_bytes()) for _, text in page}
    assert d.code in decoded
