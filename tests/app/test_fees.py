"""Fees (issue 16): fee lines in the catalog, exemptions at reception, payments with numbered receipts,
the return held while an "after" fee is owed, the printed receipt and the day's fee list."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from app.domain.catalog import Catalog, CatalogError, default_catalog_path
from app.domain.contracts import FeePaidPayload, ReceivedPayload, dump_payload, parse_payload
from app.domain.events import EventType
from app.domain.fee_receipt import fallback_range, receipt_label
from app.domain.fees import PayMethod, PayWhen, amount_in_words, assess, format_vnd, parse_schedule
from app.errors import UserFacingError, ValidationError
from app.printing import fee_list as fee_list_pdf
from app.printing import fee_receipt as fee_receipt_pdf
from app.services.fee_documents import build_fee_list, build_receipt
from app.services.fees import FeeChoice, PaymentDraft, fee_state, record_payment
from app.services.office import load_calendar
from app.services.reception import receive_dossier
from app.services.returns import Collector, CollectorDraft, record_result, return_to_citizen
from app.store.db import transaction
from app.store.models import Event, FeePayment, SyncState
from app.sync.fee_receipts import ReceiptNumbersExhaustedError, add_server_blocks, take_receipt_number
from app.sync.fee_wire import FeeReceiptBlock, FeeReceiptReserveResponse
from tests.app.test_reception import APPLICANT, draft
from tests.conftest import NOW
from tests.pdf_tools import pdf_text

UNIT = "000.01.00.H49"
LLTP = "3.000333"  # two "before" lines, an exemption freeing one of them
PERMIT = "1.009994"  # a construction permit: its fee is paid "after", when the permit is handed over
COPY = "2.000635"  # 8.000 đồng before


def _catalog_data() -> dict:
    return json.loads(default_catalog_path().read_text(encoding="utf-8"))


def _with_lines(lines: object, exemptions: object = None) -> dict:
    data = _catalog_data()
    p = next(p for p in data["procedures"] if p["code"] == COPY)
    p["fee_lines"] = lines
    if exemptions is not None:
        p["fee_exemptions"] = exemptions
    return data


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(pdf_text(pdf)).split())


def _receive(factory, actor, catalog, code: str, choice: FeeChoice | None = None, now: datetime = NOW):
    with transaction(factory) as s:
        return receive_dossier(s, actor, catalog, load_calendar(s), draft(catalog, code), now, choice)[0]


# --- catalog ------------------------------------------------------------------------------------


def test_the_shipped_catalog_has_fee_lines_and_exemptions(catalog: Catalog) -> None:
    lltp = catalog.get(LLTP)
    assert lltp is not None and lltp.fees.total == 200_000
    assert next(e.name for e in lltp.fees.exemptions).startswith("Sinh viên, người có công")
    permit = catalog.get(PERMIT)
    assert permit is not None and [line.when for line in permit.fees.lines] == [PayWhen.AFTER]
    assert "demo" in permit.note  # amounts the catalog's fee text does not state are marked demo
    assert catalog.get("1.001193").fees.lines == ()  # type: ignore[union-attr]  # no lines: charged as before
    assert catalog.get(COPY).fees.lines[0].amount == catalog.get(COPY).fee_amount == 8000  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("lines", "exemptions", "message"),
    [
        (
            [{"id": "a", "name": "Lệ phí", "amount": -1, "when": "before"}],
            None,
            "mức thu (fee_lines[1].amount) không được âm",
        ),
        ([{"id": "a", "name": "Lệ phí", "amount": 1.5, "when": "before"}], None, "phải là số nguyên đồng"),
        ([{"id": "a", "name": "Lệ phí", "amount": "8000", "when": "before"}], None, "phải là số nguyên đồng"),
        ([{"id": "a", "name": "Lệ phí", "amount": True, "when": "before"}], None, "phải là số nguyên đồng"),
        ([{"id": "a", "name": "Lệ phí", "amount": 100, "when": "later"}], None, "thời điểm nộp"),
        ([{"id": "a", "name": "", "amount": 100, "when": "before"}], None, "tên (fee_lines[1].name)"),
        (
            [
                {"id": "a", "name": "X", "amount": 1, "when": "after"},
                {"id": "a", "name": "Y", "amount": 2, "when": "after"},
            ],
            None,
            "mã khoản thu “a” bị trùng",
        ),
        (
            [{"id": "a", "name": "X", "amount": 1, "when": "after"}],
            [{"id": "n", "name": "Hộ nghèo", "lines": ["b"]}],
            "nêu khoản thu “b” không có trong fee_lines",
        ),
        ({"id": "a"}, None, "phải là danh sách"),
    ],
)
def test_bad_fee_lines_are_refused_in_vietnamese(lines: object, exemptions: object, message: str) -> None:
    with pytest.raises(CatalogError) as err:
        Catalog.from_dicts(_with_lines(lines, exemptions))
    assert message in err.value.message
    assert err.value.message.startswith(f"Danh mục thủ tục không hợp lệ: thủ tục {COPY}, ")
    assert err.value.procedure == COPY


def test_an_exemption_frees_only_its_lines() -> None:
    schedule = parse_schedule(
        [{"id": "le_phi", "name": "Lệ phí", "amount": 50_000, "when": "before"},
         {"id": "cong_bo", "name": "Phí công bố", "amount": 100_000, "when": "before"}],
        [{"id": "qua_mang", "name": "Qua mạng", "lines": ["le_phi"]}],
    )  # fmt: skip
    assert [(x.id, x.due) for x in assess(schedule)] == [("le_phi", 50_000), ("cong_bo", 100_000)]
    assert [(x.id, x.due) for x in assess(schedule, "qua_mang")] == [("le_phi", 0), ("cong_bo", 100_000)]
    with pytest.raises(KeyError):
        assess(schedule, "khong_co")


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (50_000, "Năm mươi nghìn đồng"),
        (8_000, "Tám nghìn đồng"),
        (135_000, "Một trăm ba mươi lăm nghìn đồng"),
        (105_000, "Một trăm linh năm nghìn đồng"),
        (1_021_000, "Một triệu không trăm hai mươi mốt nghìn đồng"),
        (224_000, "Hai trăm hai mươi tư nghìn đồng"),
        (15_000, "Mười lăm nghìn đồng"),
        (0, "Không đồng"),
    ],
)
def test_amounts_in_words(amount: int, words: str) -> None:
    assert amount_in_words(amount) == words


# --- reception, payment, return -----------------------------------------------------------------


def test_an_exemption_at_reception_needs_its_ground_and_zeroes_the_right_line(factory, actor, catalog) -> None:
    with pytest.raises(ValidationError) as err:
        _receive(factory, actor, catalog, LLTP, FeeChoice(exemption_id="uu_tien"))
    assert "căn cứ miễn phí, lệ phí" in err.value.fields["fee_ground"]
    ground = "Thẻ sinh viên số 2026/123, Trường Đại học Hạ Long"
    done = _receive(factory, actor, catalog, LLTP, FeeChoice(exemption_id="uu_tien", ground=ground))
    with factory() as s:
        event = s.scalars(select(Event).where(Event.type == str(EventType.RECEIVED))).one()
        state = fee_state(s, done.uid)
    fees = event.payload["fees"]
    assert fees["exemption_id"] == "uu_tien" and fees["exemption_ground"] == ground
    assert [(x["id"], x["amount"], x.get("exempt", False)) for x in fees["lines"]] == [
        ("le_phi", 100_000, False), ("phan_giam", 100_000, True),
    ]  # fmt: skip
    assert [x.id for x in state.unpaid()] == ["le_phi"] and state.status_text == "Chưa nộp 100.000 đồng"
    parsed = parse_payload(event.type, event.payload)
    assert isinstance(parsed, ReceivedPayload) and dump_payload(parsed) == event.payload


def test_a_procedure_without_lines_writes_no_fees_key(factory, actor, catalog) -> None:
    done = _receive(factory, actor, catalog, "1.001193")
    with factory() as s:
        event = s.scalars(select(Event)).one()
        assert "fees" not in event.payload
        assert fee_state(s, done.uid).status_text == "Không thu phí, lệ phí qua quầy"


def test_paid_at_reception_with_a_numbered_receipt_then_listed(factory, actor, catalog) -> None:
    pay = PaymentDraft(("le_phi", "phan_giam"), PayMethod.CASH, "Nguyễn Văn An", APPLICANT.personal_id)
    first = _receive(factory, actor, catalog, LLTP, FeeChoice(pay_now=pay))
    by_transfer = replace(pay, line_ids=("le_phi",), method=PayMethod.TRANSFER)
    second = _receive(factory, actor, catalog, COPY, FeeChoice(pay_now=by_transfer))
    with factory() as s:
        rows = s.scalars(select(FeePayment).order_by(FeePayment.receipt_no)).all()
        events = s.scalars(select(Event).where(Event.type == str(EventType.FEE_PAID))).all()
    assert [(r.receipt_no, r.amount, r.method, r.dossier_uid) for r in rows] == [
        (1, 200_000, "cash", first.uid), (2, 8_000, "transfer", second.uid),
    ]  # fmt: skip
    assert [receipt_label(r.receipt_year, r.receipt_no) for r in rows] == ["BL26-0000001", "BL26-0000002"]
    for e in events:
        p = parse_payload(e.type, e.payload)
        assert isinstance(p, FeePaidPayload) and dump_payload(p) == e.payload
    assert events[0].payload["lines"] == [
        {"id": "le_phi", "name": "Phí cung cấp thông tin lý lịch tư pháp", "amount": 100_000},
        {"id": "phan_giam", "name": "Phí cung cấp thông tin lý lịch tư pháp (phần được giảm cho đối tượng ưu tiên)",
         "amount": 100_000},
    ]  # fmt: skip
    with transaction(factory) as s:
        with pytest.raises(UserFacingError, match="không còn khoản phí, lệ phí nào"):
            record_payment(s, actor, first.uid, pay, NOW)
        receipt = build_receipt(s, events[0].id)
        day = build_fee_list(s, actor, NOW.date(), NOW, every_officer=False)
    out = BytesIO()
    fee_receipt_pdf.render(receipt, out)
    text = _text(out.getvalue())
    for expected in ("BIÊN LAI THU PHÍ, LỆ PHÍ", "Ký hiệu: BL26", "Số: 0000001", "Liên 1: Lưu",
                     "Liên 2: Giao người nộp tiền", "Nguyễn Văn An", first.code, "200.000",
                     "Bằng chữ: Hai trăm nghìn đồng", "Tiền mặt", "NGƯỜI NỘP TIỀN", "NGƯỜI THU TIỀN"):  # fmt: skip
        assert expected in text, expected
    assert (day.total, day.total_by(PayMethod.CASH), day.total_by(PayMethod.TRANSFER)) == (208_000, 200_000, 8_000)
    out = BytesIO()
    fee_list_pdf.render(day, out)
    text = _text(out.getvalue())
    for expected in ("DANH SÁCH BIÊN LAI THU PHÍ, LỆ PHÍ TRONG NGÀY", "0000001", "0000002", "Chuyển khoản",
                     "208.000", "Tổng cộng"):  # fmt: skip
        assert expected in text, expected


def test_payment_input_is_checked(factory, actor, catalog) -> None:
    done = _receive(factory, actor, catalog, LLTP)
    with transaction(factory) as s:
        with pytest.raises(ValidationError) as err:
            record_payment(s, actor, done.uid, PaymentDraft((), PayMethod.CASH, "  ", "12ab"), NOW)
        assert set(err.value.fields) == {"lines", "payer_name", "payer_id"}
        assert "12 chữ số" in err.value.fields["payer_id"]
        with pytest.raises(ValidationError, match="chưa nộp"):
            record_payment(s, actor, done.uid, PaymentDraft(("khong_co",), PayMethod.CASH, "An"), NOW)


def test_an_after_fee_holds_the_return_until_paid(factory, actor, catalog) -> None:
    from app.services.handover import add_scan, confirm_batch, counter_place, department_place, open_batch, send_batch

    d = _receive(factory, actor, catalog, PERMIT)
    with factory() as s:
        assert [x.when for x in fee_state(s, d.uid).unpaid()] == [PayWhen.AFTER]
    with transaction(factory) as s:
        batch, _ = add_scan(s, open_batch(counter_place(actor), department_place(s, "XA-KT")), d.code)
        send_batch(s, actor, batch, NOW + timedelta(minutes=30))
        confirm_batch(s, actor, batch.id, [d.code], NOW + timedelta(hours=1))
    t = NOW + timedelta(days=3)
    with transaction(factory) as s:
        record_result(s, actor, d.uid, "Giấy phép xây dựng số 12/GPXD", t)
    with transaction(factory) as s:
        back, verdict = add_scan(s, open_batch(department_place(s, "XA-KT"), counter_place(actor)), d.code)
        assert verdict.ok, verdict.message
        send_batch(s, actor, back, t + timedelta(hours=1))
        confirm_batch(s, actor, back.id, [d.code], t + timedelta(hours=1, minutes=10))
    who = CollectorDraft(Collector.APPLICANT, APPLICANT.personal_id)
    t += timedelta(hours=2)
    with transaction(factory) as s, pytest.raises(UserFacingError) as err:
        return_to_citizen(s, actor, d.uid, who, t)
    assert "chưa nộp phí, lệ phí" in err.value.message and "75.000 đồng" in err.value.message
    with transaction(factory) as s:
        record_payment(s, actor, d.uid, PaymentDraft(("le_phi",), PayMethod.ONLINE, "Nguyễn Văn An"), t)
        done, _ = return_to_citizen(s, actor, d.uid, who, t + timedelta(minutes=5))
    assert int(done.status) == 10


def test_an_exempt_after_fee_does_not_hold_the_return(factory, actor, catalog) -> None:
    # 1.013978: a "before" assessment fee and an "after" certificate fee the poor household exemption frees.
    land = "1.013978"
    ground = "Giấy chứng nhận hộ nghèo số 45/GCN-UBND"
    d = _receive(factory, actor, catalog, land, FeeChoice(exemption_id="ho_ngheo", ground=ground))
    with factory() as s:
        state = fee_state(s, d.uid)
    assert [(x.id, x.when, x.due) for x in state.lines] == [
        ("tham_dinh", PayWhen.BEFORE, 500_000), ("le_phi", PayWhen.AFTER, 0),
    ]  # fmt: skip
    assert state.unpaid(PayWhen.AFTER) == ()


# --- receipt numbers ----------------------------------------------------------------------------


def test_standalone_numbers_run_from_one_per_unit_and_restart_each_year(factory) -> None:
    with transaction(factory) as s:
        this_year = [take_receipt_number(s, UNIT, 2026, None) for _ in range(3)]
        other_unit = take_receipt_number(s, "000.02.00.H49", 2026, None)
        next_year = [take_receipt_number(s, UNIT, 2027, None) for _ in range(2)]
    assert (this_year, other_unit, next_year) == ([1, 2, 3], 1, [1, 2])


def test_enrolled_numbers_come_from_server_blocks_then_the_slot_partition(factory) -> None:
    blocks = [FeeReceiptBlock(unit_code=UNIT, year=2026, first=101, last=102),
              FeeReceiptBlock(unit_code=UNIT, year=2026, first=5, last=5)]  # fmt: skip
    answer = FeeReceiptReserveResponse(blocks=blocks)
    with transaction(factory) as s:
        s.add(SyncState(id=1, server_url="https://motcua.test", enrolled=True, device_slot=7))
        assert add_server_blocks(s, UNIT, answer, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b") == 2
        assert add_server_blocks(s, UNIT, answer, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b") == 0  # a retried answer
        numbers = [take_receipt_number(s, UNIT, 2026, 7) for _ in range(5)]
    assert numbers == [5, 101, 102, 9_070_001, 9_070_002]
    assert fallback_range(7)[0] == 9_070_001 and fallback_range(7)[-1] == 9_079_999
    assert set(fallback_range(7)).isdisjoint(fallback_range(8))


def test_once_enrolled_a_pc_never_goes_on_with_the_book_it_kept_standalone(factory, actor, catalog) -> None:
    """Receipts 1 and 2 printed standalone keep their numbers; once enrolled the PC takes its server block
    (skipping a number it printed), else its slot partition, never 3, 4 … of its old book."""
    pay = PaymentDraft(("le_phi",), PayMethod.CASH, "Nguyễn Văn An")
    standalone = [_receive(factory, actor, catalog, COPY, FeeChoice(pay_now=pay)) for _ in range(2)]
    later = [_receive(factory, actor, catalog, COPY) for _ in range(4)]
    with transaction(factory) as s:  # enrolled (slot 7); the server's first block happens to hold 2
        s.add(SyncState(id=1, server_url="https://motcua.test", enrolled=True, device_slot=7))
        blocks = [FeeReceiptBlock(unit_code=UNIT, year=2026, first=2, last=3)]
        add_server_blocks(s, UNIT, FeeReceiptReserveResponse(blocks=blocks), "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
    for d in later:
        with transaction(factory) as s:
            record_payment(s, actor, d.uid, pay, NOW)
    with factory() as s:
        numbers = {r.dossier_uid: r.receipt_no for r in s.scalars(select(FeePayment))}
    assert [numbers[d.uid] for d in standalone] == [1, 2]
    assert [numbers[d.uid] for d in later] == [3, 9_070_001, 9_070_002, 9_070_003]


def test_a_receipt_printed_twice_is_named_in_vietnamese_on_the_counter() -> None:
    from app.sync.conflicts import describe, kind_label

    assert kind_label("duplicate_receipt") == "Trùng số biên lai thu phí, lệ phí"
    told = describe("duplicate_receipt", {"receipt_year": 2026, "receipt_no": 42}, "")
    assert told.startswith("Biên lai thu phí, lệ phí BL26-0000042 trùng số với một biên lai khác của đơn vị")
    assert "không đánh lại số" in told and "cần đối chiếu hai biên lai" in told
    pulled = describe("duplicate_receipt", {}, "")  # another counter's flag: no details yet
    assert pulled.startswith("Biên lai thu phí, lệ phí trùng số") and "  " not in pulled


def test_the_fallback_partition_runs_out_with_a_clear_message(factory) -> None:
    with transaction(factory) as s:
        s.add(SyncState(id=1, server_url="https://motcua.test", enrolled=True, device_slot=0))
        s.flush()
        block_numbers = [take_receipt_number(s, UNIT, 2026, 0) for _ in range(3)]
        from app.store.models import FeeReceiptBlock as Row

        row = s.scalars(select(Row)).one()
        row.next = row.last + 1  # spend the partition
        with pytest.raises(ReceiptNumbersExhaustedError, match="đã dùng hết số biên lai"):
            take_receipt_number(s, UNIT, 2026, 0)
    assert block_numbers == [9_000_001, 9_000_002, 9_000_003]


def test_format_vnd() -> None:
    assert (format_vnd(0), format_vnd(8000), format_vnd(1_234_567)) == ("0", "8.000", "1.234.567")


def test_old_received_events_still_read(catalog) -> None:
    """An event written before fees existed (no ``fees`` key) validates and means what it meant."""
    old = {
        "code": "000.01.00.H49-261123-0001", "unit_code": UNIT, "procedure": {"code": COPY, "name": "Cấp bản sao"},
        "applicant": {"full_name": "Nguyễn Văn An"}, "received_at": "2026-11-23T09:15:00",
    }  # fmt: skip
    parsed = parse_payload(str(EventType.RECEIVED), copy.deepcopy(old))
    assert isinstance(parsed, ReceivedPayload) and parsed.fees is None and dump_payload(parsed) == old


def test_the_payment_shows_in_the_history(factory, actor, catalog) -> None:
    from app.services.dossiers import get_detail

    pay = PaymentDraft(("le_phi",), PayMethod.TRANSFER, "Nguyễn Văn An")
    done = _receive(factory, actor, catalog, COPY, FeeChoice(pay_now=pay))
    with factory() as s:
        detail = get_detail(s, done.uid)
    assert detail is not None
    lines = [f"{h.label}: {h.detail}" for h in detail.history]
    assert "Thu phí, lệ phí: Biên lai BL26-0000001: 8.000 đồng, chuyển khoản; người nộp: Nguyễn Văn An" in lines


def test_an_einvoice_provider_is_called_inside_the_payment(factory, actor, catalog) -> None:
    from app.services.einvoice import Issued, ReceiptToIssue

    sent: list[ReceiptToIssue] = []

    class Recording:
        name = "thu-nghiem"

        def issue(self, receipt: ReceiptToIssue) -> Issued:
            sent.append(receipt)
            return Issued(self.name, "TRACUU-0001")

    done = _receive(factory, actor, catalog, COPY)
    with transaction(factory) as s:
        record_payment(s, actor, done.uid, PaymentDraft(("le_phi",), PayMethod.CASH, "An"), NOW, Recording())
        event = s.scalars(select(Event).where(Event.type == str(EventType.FEE_PAID))).one()
    assert [(r.series, r.number, r.amount, r.lines) for r in sent] == [
        ("BL26", 1, 8000, (("Phí cấp bản sao Trích lục hộ tịch (01 bản)", 8000),))
    ]
    assert (event.payload["einvoice_provider"], event.payload["einvoice_ref"]) == ("thu-nghiem", "TRACUU-0001")
