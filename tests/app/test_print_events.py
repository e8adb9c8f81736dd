"""Every printed copy, forms 01–03 and the custody documents alike, is recorded by the one writer
app.services.forms.record_print (typed FormPrintedPayload), never built by a screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain.events import EventType
from app.errors import UserFacingError
from app.services.custody_forms import record_label_print
from app.services.forms import CustodyDocument, FormKind, printed_before, record_print, record_prints
from app.store.db import transaction
from app.store.models import Event
from tests.app.test_reception import draft, receive
from tests.conftest import NOW


def _printed(factory, uid: str) -> list[dict]:
    with factory() as s:
        return list(
            s.scalars(
                select(Event.payload)
                .where(Event.dossier_uid == uid, Event.type == str(EventType.FORM_PRINTED))
                .order_by(Event.occurred_at, Event.hlc)
            )
        )


def test_custody_documents_go_through_the_forms_writer(factory, actor, catalog) -> None:
    a = receive(factory, actor, catalog, draft(catalog, "1.004859"))
    b = receive(factory, actor, catalog, draft(catalog, "1.004859"))
    t = NOW + timedelta(hours=1)
    with transaction(factory) as s:
        changes = record_prints(s, actor, [a.uid, b.uid], CustodyDocument.HANDOVER, "printer:A4", False, t)
        record_prints(s, actor, [a.uid], CustodyDocument.CONTROL, "pdf:/tmp/x.pdf", True, t)
    assert changes.dossier_uids == frozenset({a.uid, b.uid})
    mine = [p for p in _printed(factory, a.uid) if p["form"] != FormKind.RECEIPT.value]
    assert mine == [
        {"form": "handover", "form_title": "Biên bản bàn giao hồ sơ", "output": "printer:A4", "reprint": False},
        {"form": "control", "form_title": "Phiếu kiểm soát quá trình giải quyết hồ sơ", "output": "pdf:/tmp/x.pdf",
         "reprint": True},
    ]  # fmt: skip
    assert [p["form"] for p in _printed(factory, b.uid)].count("handover") == 1


def test_a_label_printed_again_is_a_reprint(factory, actor, catalog) -> None:
    a = receive(factory, actor, catalog, draft(catalog, "1.004859"))
    with transaction(factory) as s:
        assert not printed_before(s, a.uid, CustodyDocument.LABEL)
        record_prints(s, actor, [a.uid], CustodyDocument.LABEL, "printer:nhan", False, NOW)
        assert printed_before(s, a.uid, CustodyDocument.LABEL)
        record_prints(s, actor, [a.uid], CustodyDocument.LABEL, "printer:nhan", False, NOW)
        assert record_label_print(s, actor, a.uid, "printer:nhan", NOW) is True
    labels = [p for p in _printed(factory, a.uid) if p["form"] == "label"]
    assert [p["reprint"] for p in labels] == [False, True, True]
    assert {p["form_title"] for p in labels} == {"Nhãn mã vạch hồ sơ"}


def test_the_payload_is_checked_by_its_contract(factory, actor, catalog) -> None:
    a = receive(factory, actor, catalog, draft(catalog, "1.004859"))
    with transaction(factory) as s, pytest.raises(UserFacingError, match="Nơi lưu bản in"):
        record_print(s, actor, a.uid, CustodyDocument.APOLOGY, "x" * 100_000, False, NOW)
