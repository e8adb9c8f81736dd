"""Postal channel (issue 16): S10 item numbers, the batch record, reception in postal mode, return by post."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError as PydanticError
from sqlalchemy import select

from app.domain import contracts as c
from app.domain.events import EventType
from app.domain.indicators import Channel
from app.domain.postal import (
    PostalBatchDraft,
    PostalItem,
    PostalNumberError,
    item_number_problem,
    parse_item_number,
    postal_batch_number,
    s10_check_digit,
    signing_time_problem,
)
from app.domain.status import DossierStatus
from app.errors import UserFacingError, ValidationError
from app.services.dossiers import search
from app.services.office import load_calendar
from app.services.postal import find_item, load_batch, recent_batches, sign_batch
from app.services.reception import refuse
from app.store.db import transaction
from app.store.models import Dossier, Event, Outbox
from tests.app.test_reception import APPLICANT, draft, receive
from tests.conftest import NOW

ITEMS = ("RR123456785VN", "EE000000005VN", "CP473982155VN")
SIGNED = NOW.replace(hour=8, minute=40)  # the batch record, signed before the dossiers are keyed in


def s10(prefix: str, serial: str) -> str:
    return f"{prefix}{serial}{s10_check_digit(serial)}VN"


# --- S10 ---------------------------------------------------------------------------------------


def test_s10_check_digit_known_values_and_the_two_special_cases() -> None:
    assert s10_check_digit("12345678") == 5  # 204 mod 11 = 6 → 11 − 6
    assert s10_check_digit("00000000") == 5  # 11 → 5
    ten = next(
        f"{n:08d}"
        for n in range(1000)
        if sum(int(d) * w for d, w in zip(f"{n:08d}", (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11 == 1
    )
    assert s10_check_digit(ten) == 0  # 10 → 0
    with pytest.raises(ValueError):
        s10_check_digit("1234567")


def test_good_item_numbers_pass_and_are_normalised() -> None:
    for item in ITEMS:
        assert item_number_problem(item) is None
        assert parse_item_number(item) == item
    # lower case, spaces and dashes as typed, and the accents a Vietnamese input method adds
    assert parse_item_number(" rr 1234-5678 5vn ") == "RR123456785VN"
    assert parse_item_number("RR123456785VN\n") == "RR123456785VN"


def test_bad_check_digit_is_refused_in_vietnamese() -> None:
    with pytest.raises(PostalNumberError) as info:
        parse_item_number("RR123456784VN")
    assert "sai chữ số kiểm tra" in info.value.message
    assert "RR123456784VN" in info.value.message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Chưa nhập số hiệu bưu gửi"),
        ("RR12345678VN", "sai định dạng"),  # 8 digits only
        ("R1123456785VN", "sai định dạng"),  # a digit where a letter goes
        ("RR1234567850VN", "sai định dạng"),  # too long
        ("000.01.00.H49-261123-0001", "sai định dạng"),  # a dossier code scanned by mistake
        ("RR123456785US", "phải kết thúc bằng “VN”"),
    ],
)
def test_wrong_shapes_say_what_is_wrong(text: str, says: str) -> None:
    problem = item_number_problem(text)
    assert problem is not None and says in problem


def test_contract_accepts_only_normalised_valid_numbers() -> None:
    part = {"batch_id": "01939d2c-7c3a-7b4e-9a51-0123456789ab", "item_no": "RR123456785VN"}
    assert c.PostalPart.model_validate(part).item_no == "RR123456785VN"
    for bad in ("rr123456785VN", "RR123456784VN", "RR123456785"):
        with pytest.raises(PydanticError) as info:
            c.PostalPart.model_validate({**part, "item_no": bad})
        assert "S10" in c.describe(info.value)


def test_signing_time_now_or_earlier_today_only() -> None:
    assert signing_time_problem(NOW, NOW) is None
    assert signing_time_problem(NOW.replace(hour=7, minute=30), NOW) is None
    late = signing_time_problem(NOW + timedelta(hours=1), NOW)
    assert late is not None and "muộn hơn giờ hiện tại" in late
    yesterday = signing_time_problem(NOW - timedelta(days=1), NOW)
    assert yesterday is not None and "trong hôm nay" in yesterday


# --- the batch and its items -------------------------------------------------------------------


def batch_draft(items: tuple[str, ...] = ITEMS, signed_at: datetime = SIGNED) -> PostalBatchDraft:
    return PostalBatchDraft("Bưu điện xã Hạ Long", "Trần Văn Bưu", signed_at, items, worker_phone="0912000111")


def sign(factory, actor, d: PostalBatchDraft | None = None, now: datetime = NOW):
    with transaction(factory) as s:
        return sign_batch(s, actor, d or batch_draft(), now)[0]


def test_batch_is_one_event_in_the_outbox(factory, actor) -> None:
    batch = sign(factory, actor, batch_draft(items=(" rr123456785vn", *ITEMS[1:])))
    assert batch.number.startswith("BC-") and len(batch.number) == 16
    assert batch.number == postal_batch_number(batch.batch_id)
    assert [i.item_no for i in batch.items] == list(ITEMS)
    assert batch.signed_at == datetime(2026, 11, 23, 8, 40)
    with factory() as s:
        event = s.scalars(select(Event)).one()
        assert s.scalars(select(Outbox)).one().event_id == event.id
        assert s.scalars(select(Dossier)).first() is None  # a batch is not a dossier
    assert event.type == EventType.POSTAL_BATCH_SIGNED and event.dossier_uid == batch.batch_id
    assert event.payload["items"] == list(ITEMS) and event.payload["signed_at"] == "2026-11-23T08:40:00"
    assert event.payload["worker_name"] == "Trần Văn Bưu"


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"postal_unit": " "}, "postal_unit", "đơn vị bưu chính"),
        ({"worker_name": ""}, "worker_name", "nhân viên bưu chính"),
        ({"items": ()}, "items", "chưa có bưu gửi"),
        ({"items": (ITEMS[0], "RR123456784VN")}, "items", "Dòng 2: Số hiệu bưu gửi RR123456784VN sai chữ số kiểm tra"),
        ({"items": (ITEMS[0], ITEMS[1], "rr123456785vn")}, "items", "nhập 2 lần (dòng 1, 3)"),
        ({"signed_at": NOW + timedelta(hours=2)}, "signed_at", "muộn hơn"),
        ({"signed_at": NOW - timedelta(days=1)}, "signed_at", "trong hôm nay"),
    ],
)
def test_batch_validation(factory, actor, change, field, says) -> None:
    with pytest.raises(ValidationError) as info:
        sign(factory, actor, replace(batch_draft(), **change))
    assert says in info.value.fields[field]
    with factory() as s:
        assert s.scalars(select(Event)).first() is None


def test_an_item_in_two_batches_is_refused(factory, actor) -> None:
    first = sign(factory, actor)
    with pytest.raises(ValidationError) as info:
        sign(factory, actor, batch_draft(items=(s10("RR", "11111111"), ITEMS[2])))
    assert f"đã có trong biên bản {first.number}" in info.value.fields["items"]


def postal_draft(catalog, batch_id: str, item: str, pid: str):
    return replace(
        draft(catalog, applicant=replace(APPLICANT, personal_id=pid)),
        channel="postal",
        postal_item=PostalItem(batch_id, item),
    )


def test_three_items_received_from_the_signing_time(factory, actor, catalog) -> None:
    """Each dossier's received_at is the signing time and its due date runs from it, whenever it is keyed in."""
    signed = NOW.replace(hour=8, minute=40)
    batch = sign(factory, actor, batch_draft(signed_at=signed), now=NOW)
    summaries = [
        receive(factory, actor, catalog, postal_draft(catalog, batch.batch_id, item, f"02209000{n:04d}"),
                now=NOW + timedelta(hours=7, minutes=n))  # keyed in at 16:15…, after the 15:00 cut-off
        for n, item in enumerate(ITEMS)
    ]  # fmt: skip
    with factory() as s:
        cal = load_calendar(s)
        procedure = catalog.get("2.000635")
        assert procedure is not None
        for summary, item in zip(summaries, ITEMS, strict=True):
            d = s.scalars(select(Dossier).where(Dossier.uid == summary.uid)).one()
            assert d.received_at == signed
            assert d.due_at == cal.due(signed, procedure.processing) == datetime(2026, 11, 23, 17, 0)
            assert d.channel == Channel.POSTAL
            assert d.data["postal"] == {"batch_id": batch.batch_id, "item_no": item}
            assert d.data["channel"] == "postal"
        back = load_batch(s, batch.batch_id)
    assert [(i.item_no, i.code) for i in back.items] == [(i, x.code) for i, x in zip(ITEMS, summaries, strict=True)]
    assert back.pending == ()


def test_the_same_item_cannot_be_received_twice(factory, actor, catalog) -> None:
    batch = sign(factory, actor)
    first = receive(factory, actor, catalog, postal_draft(catalog, batch.batch_id, ITEMS[0], "022090000001"))
    with pytest.raises(ValidationError) as info:
        receive(factory, actor, catalog, postal_draft(catalog, batch.batch_id, ITEMS[0], "022090000002"))
    assert f"đã được xử lý (hồ sơ {first.code})" in info.value.fields["channel"]
    with pytest.raises(ValidationError) as info:
        receive(factory, actor, catalog, postal_draft(catalog, batch.batch_id, s10("RR", "22222222"), "022090000003"))
    assert "không có trong biên bản" in info.value.fields["channel"]
    with pytest.raises(ValidationError) as info:  # postal without choosing an item
        receive(factory, actor, catalog, replace(draft(catalog), channel="postal"))
    assert "Biên bản giao nhận" in info.value.fields["channel"]


def test_a_refused_item_is_noted_on_the_batch(factory, actor, catalog) -> None:
    batch = sign(factory, actor)
    with transaction(factory) as s:
        refuse(
            s, actor, catalog, postal_draft(catalog, batch.batch_id, ITEMS[1], "022090000001"), "Sai thẩm quyền", NOW
        )
    with factory() as s:
        back = load_batch(s, batch.batch_id)
        d = s.scalars(select(Dossier)).one()
    assert d.received_at == batch.signed_at and d.status == DossierStatus.REFUSED
    assert [i.note for i in back.items] == ["", "Từ chối tiếp nhận", ""]  # as printed
    assert [i.state_text for i in back.items] == ["Chưa tiếp nhận", "Từ chối tiếp nhận", "Chưa tiếp nhận"]


def test_slip_number_finds_the_dossier_and_the_batch_item(factory, actor, catalog) -> None:
    batch = sign(factory, actor)
    got = receive(factory, actor, catalog, postal_draft(catalog, batch.batch_id, ITEMS[2], "022090000001"))
    with factory() as s:
        assert [r.uid for r in search(s, "CP473982155VN")] == [got.uid]
        assert [r.uid for r in search(s, "cp473982155vn")] == [got.uid]
        assert find_item(s, actor.unit_code, "cp 473982155 vn") == PostalItem(batch.batch_id, ITEMS[2])
        assert find_item(s, actor.unit_code, s10("RR", "33333333")) is None
        assert [b.batch_id for b in recent_batches(s, actor.unit_code)] == [batch.batch_id]


def test_direct_and_online_channels(factory, actor, catalog) -> None:
    direct = receive(factory, actor, catalog, draft(catalog))
    online = receive(
        factory,
        actor,
        catalog,
        replace(draft(catalog, applicant=replace(APPLICANT, personal_id="022090000009")), channel="online"),
    )
    with factory() as s:
        rows = {d.uid: d for d in s.scalars(select(Dossier))}
        events = {e.dossier_uid: e for e in s.scalars(select(Event))}
    assert rows[direct.uid].channel == Channel.DIRECT and "channel" not in events[direct.uid].payload  # as before
    assert rows[online.uid].channel == Channel.ONLINE and events[online.uid].payload["channel"] == "online"
    with pytest.raises(ValidationError) as info:
        receive(factory, actor, catalog, replace(draft(catalog), channel="fax"))
    assert "Hình thức nộp" in info.value.fields["channel"]


def test_old_events_without_channel_read_as_direct() -> None:
    old = {
        "code": "000.01.00.H49-261123-0001", "unit_code": "000.01.00.H49",
        "procedure": {"code": "2.000635", "name": "Cấp bản sao trích lục hộ tịch"},
        "applicant": {"full_name": "Nguyễn Văn An", "personal_id": "022090001234"},
        "received_at": "2026-11-23T09:15:00",
    }  # fmt: skip
    p = c.parse_payload(EventType.RECEIVED, old)
    assert isinstance(p, c.ReceivedPayload) and p.channel == "direct" and p.postal is None
    assert c.dump_payload(p) == old  # stored as sent: no key added
    with pytest.raises(PydanticError):  # postal needs its batch item, and the item needs postal
        c.parse_payload(EventType.RECEIVED, {**old, "channel": "postal"})
    with pytest.raises(PydanticError):
        c.parse_payload(
            EventType.RECEIVED,
            {**old, "postal": {"batch_id": "01939d2c-7c3a-7b4e-9a51-0123456789ab", "item_no": ITEMS[0]}},
        )


def test_an_unknown_batch_says_so(factory, actor) -> None:
    with factory() as s, pytest.raises(UserFacingError) as info:
        load_batch(s, "01939d2c-7c3a-7b4e-9a51-0123456789ab")
    assert "Không tìm thấy biên bản" in info.value.message


def test_batch_record_pdf_lists_the_items_and_their_codes(factory, actor, catalog, tmp_path) -> None:
    import io

    from app.printing import postal_batch
    from app.services.postal import batch_record
    from tests.pdf_tools import pdf_text

    batch = sign(factory, actor)
    codes = []
    for n, item in enumerate(ITEMS):
        codes.append(
            receive(factory, actor, catalog, postal_draft(catalog, batch.batch_id, item, f"02209000{n:04d}")).code
        )
    out = io.BytesIO()
    with factory() as s:
        postal_batch.render(batch_record(s, batch.batch_id), out)
    pages = pdf_text(out.getvalue())
    (tmp_path / "batch.pdf").write_bytes(out.getvalue())
    text = " ".join(pages).replace("\n", " ")
    assert len(pages) == 1
    assert "BIÊN BẢN GIAO NHẬN HỒ SƠ QUA DỊCH VỤ BƯU CHÍNH CÔNG ÍCH" in text
    assert batch.number in text and "08 giờ 40 phút, ngày 23 tháng 11 năm 2026" in text
    assert "Bưu điện xã Hạ Long" in text and "Trần Văn Bưu" in text
    for item, code in zip(ITEMS, codes, strict=True):
        assert item in text and code in text
    assert text.index(ITEMS[0]) < text.index(codes[0]) < text.index(ITEMS[1]) < text.index(codes[1])
    assert "Tổng số bưu gửi giao nhận: 03" in text
    assert "NHÂN VIÊN BƯU CHÍNH" in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text


def test_batch_record_before_reception_has_empty_codes(factory, actor) -> None:
    import io

    from app.printing import postal_batch
    from app.services.postal import batch_record
    from tests.pdf_tools import pdf_text

    batch = sign(factory, actor)
    out = io.BytesIO()
    with factory() as s:
        data = batch_record(s, batch.batch_id)
    assert [r.dossier_code for r in data.rows] == ["", "", ""]
    postal_batch.render(data, out)
    text = " ".join(pdf_text(out.getvalue()))
    assert all(item in text for item in ITEMS) and "H49-" not in text


# --- return by post -----------------------------------------------------------------------------


def test_result_returned_by_post_with_its_tracking_number(factory, actor, catalog) -> None:
    from app.domain.custody import PlaceKind
    from app.services.custody_forms import build_control_slip, build_return_receipt
    from app.services.dossiers import get_detail
    from app.services.handover import custody_of
    from app.services.returns import PostalReturnDraft, record_result, return_to_citizen
    from tests.app.test_returns import _at_department, _back_at_counter

    d = _at_department(factory, actor, catalog)
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        record_result(s, actor, d.uid, "Giấy chứng nhận", t)
    _back_at_counter(factory, actor, d.uid, d.code, t + timedelta(hours=1))
    t += timedelta(hours=2)
    tracking = s10("RR", "87654321")
    with transaction(factory) as s:
        with pytest.raises(ValidationError) as err:
            return_to_citizen(s, actor, d.uid, PostalReturnDraft("RR876543210VN", " "), t)
        assert "sai chữ số kiểm tra" in err.value.fields["tracking_no"]
        assert "địa chỉ gửi kết quả" in err.value.fields["address"]
    with transaction(factory) as s:
        done, _ = return_to_citizen(
            s, actor, d.uid, PostalReturnDraft(tracking.lower(), "Tổ 5, Hồng Gai, Quảng Ninh"), t
        )
    assert done.status is DossierStatus.RETURNED and tracking in done.message
    with factory() as s:
        event = s.scalars(select(Event).where(Event.type == str(EventType.RETURNED))).one()
        row = s.scalars(select(Dossier).where(Dossier.uid == d.uid)).one()
        assert event.payload["method"] == "postal" and event.payload["tracking_no"] == tracking
        assert event.payload["recipient"] == "Nguyễn Văn An" and "collector" not in event.payload
        assert row.status == DossierStatus.RETURNED
        custody = custody_of(s, d.uid)
        assert custody is not None and custody.place.kind is PlaceKind.CITIZEN and custody.place.code == tracking
        assert [r.uid for r in search(s, tracking)] == [d.uid]  # found by the tracking number
        detail = get_detail(s, d.uid)
        assert detail is not None
        lines = [h.detail for h in detail.history]
        assert any(f"Gửi qua bưu chính, số hiệu bưu gửi {tracking}" in x for x in lines)
        assert (
            f"qua bưu chính, số hiệu {tracking}"
            in build_control_slip(s, load_calendar(s), d.uid).steps[-1].receiver_unit
        )
        assert tracking in build_return_receipt(s, d.uid).collector_id


def test_form_01_of_a_postal_dossier_gives_the_signing_time_and_return_by_post(factory, actor, catalog) -> None:
    import io

    from app.services.drafts import RETURN_BY_POST
    from app.services.forms import build_slip, render
    from tests.pdf_tools import pdf_text

    batch = sign(factory, actor)
    got = receive(
        factory, actor, catalog,
        replace(postal_draft(catalog, batch.batch_id, ITEMS[0], "022090000001"), return_method=RETURN_BY_POST),
        now=NOW + timedelta(hours=1),
    )  # fmt: skip
    out = io.BytesIO()
    with factory() as s:
        render(*build_slip(s, got.uid), out)
    text = " ".join(" ".join(pdf_text(out.getvalue())).split())
    assert "08 giờ 40 phút, ngày 23 tháng 11 năm 2026" in text  # 4. time received: the signing
    assert f"nhận kết quả tại: {RETURN_BY_POST}" in text
