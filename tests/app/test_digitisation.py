"""Digitisation per document (Decree 118/2025) and the indicators of 2025 on the counter: the catalog's
``digitise`` flag, the papers a reception records as exempt, ``dossier.scan_required`` (online, only
shown), 4.2 over the dossiers with a paper to scan, 3.3 and Biểu II.06a's "Tiếp nhận" by channel —
counted in SQL and by the reference, both by hand."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.catalog import Catalog, CatalogError, Digitise, default_catalog_path, load_catalog
from app.domain.contracts import DocumentPart, ReceivedPayload
from app.domain.digitisation import scan_required
from app.domain.indicators import Channel, Period
from app.domain.postal import PostalBatchDraft, PostalItem, s10_check_digit
from app.scanning.blobs import BlobStore
from app.services.attachments import attach_documents
from app.services.postal import sign_batch
from app.services.reports import Figure, dossiers_behind, kpi, period_report, reference_kpi, reference_period_report
from app.store.db import transaction
from app.store.models import Dossier, Event
from tests.app.test_attachments import Doc, make_pdf
from tests.app.test_reception import draft, receive
from tests.conftest import NOW

ONLY_SHOWN = "1.002804"  # Đổi giấy phép lái xe: the licence to exchange is only shown
WITH_SHOWN = "2.000635"  # a form to scan and an ID card only shown
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_catalog_path().read_text(encoding="utf-8"))
    return data


def _document(data: dict[str, Any], code: str, index: int) -> dict[str, Any]:
    procedure = next(p for p in data["procedures"] if p["code"] == code)
    document: dict[str, Any] = procedure["documents"][index]
    return document


def _catalog_only_shown() -> Catalog:
    """The shipped catalog with 1.002804's application form optional: its licence alone may be received."""
    data = _raw()
    _document(data, ONLY_SHOWN, 0)["required"] = False
    return Catalog.from_dicts(data)


# --- the catalog ---------------------------------------------------------------------------------


def test_the_catalog_reads_the_flag_and_marks_every_paper_only_shown() -> None:
    catalog = load_catalog()
    shown = [(p.code, d.name) for p in catalog for d in p.documents if d.digitise is Digitise.SHOWN]
    assert len(shown) >= 10
    for p in catalog:
        for d in p.documents:
            assert (d.digitise is Digitise.SHOWN) == ("xuất trình" in d.name), (p.code, d.name)
    licence = catalog.get(ONLY_SHOWN).documents  # type: ignore[union-attr]
    assert [d.digitise for d in licence] == [Digitise.REQUIRED, Digitise.SHOWN, Digitise.REQUIRED]
    assert Digitise.SHOWN.exempt and Digitise.CLASSIFIED.exempt and not Digitise.REQUIRED.exempt
    data = _raw()
    _document(data, ONLY_SHOWN, 2)["digitise"] = "classified"
    assert Catalog.from_dicts(data).get(ONLY_SHOWN).documents[2].digitise is Digitise.CLASSIFIED  # type: ignore[union-attr]


@pytest.mark.parametrize("value", ["scan", "", None, True, "SHOWN"])
def test_a_bad_flag_is_refused_in_vietnamese_naming_the_paper(value: object) -> None:
    data = _raw()
    _document(data, ONLY_SHOWN, 1)["digitise"] = value
    with pytest.raises(CatalogError) as info:
        Catalog.from_dicts(copy.deepcopy(data))
    message = str(info.value)
    assert f"thủ tục {ONLY_SHOWN}, giấy tờ thứ 2" in message and "số hoá (documents.digitise)" in message
    assert ("chỉ nhận: required, shown, classified" in message) or ("bị thiếu" in message)
    assert info.value.procedure == ONLY_SHOWN and info.value.field == "documents.digitise"


# --- reception -----------------------------------------------------------------------------------


def _dossier(factory: Any, uid: str) -> Dossier:
    with factory() as s:
        return s.scalars(select(Dossier).where(Dossier.uid == uid)).one()


def _received_documents(factory: Any, uid: str) -> list[dict[str, Any]]:
    with factory() as s:
        event = s.scalars(select(Event).where(Event.dossier_uid == uid, Event.type == "dossier.received")).one()
        documents: list[dict[str, Any]] = event.payload["documents"]
        return documents


def test_reception_records_the_paper_only_shown_and_the_dossier_still_has_papers_to_scan(factory, actor, catalog):
    d = draft(catalog, WITH_SHOWN)
    assert [x.digitise for x in d.documents].count(Digitise.SHOWN) == 1
    uid = receive(factory, actor, catalog, d).uid
    documents = _received_documents(factory, uid)
    # Exempt papers say so; a paper to scan is written as every older event wrote it (no key).
    assert [x.get("digitise") for x in documents] == [
        "shown" if x.digitise is Digitise.SHOWN else None for x in d.documents
    ]
    assert _dossier(factory, uid).scan_required == 1


def test_a_dossier_whose_only_paper_is_shown_has_nothing_to_scan(factory, actor):
    catalog = _catalog_only_shown()
    d = draft(catalog, ONLY_SHOWN)
    d = replace(d, documents=tuple(replace(x, submitted=x.digitise is Digitise.SHOWN) for x in d.documents))
    uid = receive(factory, actor, catalog, d).uid
    assert _received_documents(factory, uid) == [
        {"name": d.documents[1].name, "form_label": "Bản chính", "copies": 1, "required": True, "digitise": "shown"}
    ]
    assert _dossier(factory, uid).scan_required == 0


def test_an_online_dossier_needs_no_scan(factory, actor, catalog):
    uid = receive(factory, actor, catalog, replace(draft(catalog), channel="online")).uid
    row = _dossier(factory, uid)
    assert (row.channel, row.scan_required) == (int(Channel.ONLINE), 0)


def test_older_events_mean_what_they_meant() -> None:
    """No ``digitise`` key: to scan; no ``channel``: direct; an empty list of papers: to scan."""
    base = {
        "code": "000.01.00.H49-261123-0001", "unit_code": "000.01.00.H49", "received_at": "2026-11-23T09:15:00",
        "procedure": {"code": WITH_SHOWN, "name": "Cấp bản sao trích lục hộ tịch"},
        "applicant": {"full_name": "Nguyễn Văn An", "personal_id": "022090001234"},
    }  # fmt: skip
    old = ReceivedPayload.model_validate(base | {"documents": [{"name": "Tờ khai", "required": True}]})
    assert old.documents[0].digitise == "required" and scan_required(old)
    assert scan_required(ReceivedPayload.model_validate(base))
    shown = ReceivedPayload.model_validate(base | {"documents": [{"name": "CCCD", "digitise": "shown"}]})
    assert not scan_required(shown)
    assert shown.model_dump(mode="json", exclude_unset=True)["documents"] == [{"name": "CCCD", "digitise": "shown"}]
    with pytest.raises(ValueError):
        DocumentPart.model_validate({"name": "CCCD", "digitise": "maybe"})


# --- 4.2, 3.3, II.06a ----------------------------------------------------------------------------


def _item(n: int) -> str:
    serial = f"{12345670 + n:08d}"
    return f"RR{serial}{s10_check_digit(serial)}VN"


def _history(factory: Any, actor: Any, catalog: Catalog, tmp: Path) -> dict[str, str]:
    """Six dossiers of November (and one carried over from October), each named for what it is."""
    shown_only = _catalog_only_shown()
    licence = draft(shown_only, ONLY_SHOWN)
    licence = replace(licence, documents=tuple(replace(x, submitted=x.digitise is Digitise.SHOWN)
                                               for x in licence.documents))  # fmt: skip
    at = NOW
    uids = {
        "october": receive(factory, actor, catalog, draft(catalog), datetime(2026, 10, 20, 9)).uid,
        "scanned": receive(factory, actor, catalog, draft(catalog), at).uid,
        "not scanned": receive(factory, actor, catalog, draft(catalog), at + timedelta(minutes=1)).uid,
        "only shown": receive(factory, actor, shown_only, licence, at + timedelta(minutes=2)).uid,
        "online": receive(factory, actor, catalog, replace(draft(catalog), channel="online"),
                          at + timedelta(minutes=3)).uid,
    }  # fmt: skip
    with transaction(factory) as s:
        batch, _ = sign_batch(s, actor, PostalBatchDraft("Bưu điện phường Hồng Gai", "Trần Văn Bưu",
                                                         at + timedelta(minutes=4), (_item(1),)),
                              at + timedelta(minutes=5))  # fmt: skip
    postal = replace(draft(catalog), channel="postal", postal_item=PostalItem(batch.batch_id, _item(1)))
    uids["postal"] = receive(factory, actor, catalog, postal, at + timedelta(minutes=6)).uid
    blobs = BlobStore(tmp / "attachments")
    for name in ("scanned", "only shown", "online"):  # a file attached to a dossier with nothing to scan counts nowhere
        with transaction(factory) as s:
            attach_documents(s, actor, blobs, uids[name], [Doc("Tờ khai", 0, make_pdf(1, name), 1)],
                             occurred_at=at + timedelta(minutes=10))  # fmt: skip
    return uids


def test_digitised_is_counted_over_the_dossiers_with_a_paper_to_scan(factory, actor, catalog, tmp_path):
    uids = _history(factory, actor, catalog, tmp_path)
    with factory() as s:
        rows = {r.uid: (r.channel, r.scan_required) for r in s.scalars(select(Dossier))}
        assert [rows[uids[n]] for n in ("october", "scanned", "not scanned", "only shown", "online", "postal")] == [
            (1, 1), (1, 1), (1, 1), (1, 0), (2, 0), (3, 1)]  # fmt: skip
        for report in (kpi(s, NOVEMBER.start, NOVEMBER.end), reference_kpi(s, NOVEMBER.start, NOVEMBER.end)):
            o = report.office
            assert o.counted == 6
            # to scan: october, scanned, not scanned, postal; of them with a file: scanned
            assert (o.digitised.numerator, o.digitised.denominator) == (1, 4)
            assert o.digitised.uids == (uids["scanned"],)
            assert o.digitised.percent == 25.0 and o.digitised_score == 3.13  # 25 × 10 ÷ 80 = 3.125, half up
        assert dossiers_behind(s, NOVEMBER, Figure.DIGITISED) == (uids["scanned"],)


def test_channel_shares_and_the_period_report_count_each_channel(factory, actor, catalog, tmp_path):
    uids = _history(factory, actor, catalog, tmp_path)
    with factory() as s:
        for report in (kpi(s, NOVEMBER.start, NOVEMBER.end), reference_kpi(s, NOVEMBER.start, NOVEMBER.end)):
            shares = {ch: (r.numerator, r.denominator) for ch, r in report.office.channels.items()}
            assert shares == {Channel.DIRECT: (3, 5), Channel.ONLINE: (1, 5), Channel.POSTAL: (1, 5)}  # October's not
            assert report.office.channels[Channel.ONLINE].uids == (uids["online"],)
            assert report.office.channels[Channel.POSTAL].uids == (uids["postal"],)
            assert report.office.channels[Channel.DIRECT].uids == tuple(uids[n] for n in ("scanned", "not scanned",
                                                                                          "only shown"))  # fmt: skip
        assert dossiers_behind(s, NOVEMBER, Figure.RECEIVED) == tuple(
            uids[n] for n in ("scanned", "not scanned", "only shown", "online", "postal"))  # fmt: skip
        sheet = period_report(s, NOVEMBER.start, NOVEMBER.end)
        assert sheet == reference_period_report(s, NOVEMBER.start, NOVEMBER.end)
        t = sheet.total
        assert (t.received_total, t.received_online, t.received_direct_postal, t.carried_over) == (6, 1, 4, 1)
