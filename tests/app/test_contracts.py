"""Event contracts (app.domain.contracts): generated payloads for every event type, and the real services.

Valid payloads are generated from the models themselves (their annotated types: lengths, ranges,
patterns, literals, nested parts, optional keys sent or not): each validates and round-trips to
the same JSON. Each mutation a broken or hostile client could make (unknown key, missing key,
NaN, bool or text for an integer, NUL or another control character, lone surrogate, one character
too many) is refused with a Vietnamese reason that names the field; tab and line breaks are text.
Last, every payload the current services write passes its contract unchanged, and one a service
cannot build is a Vietnamese message with nothing written.
"""

from __future__ import annotations

import math
import typing
from dataclasses import replace
from datetime import date, datetime, timedelta
from types import NoneType, UnionType
from typing import Any, Literal

import annotated_types
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import StrictBool, StringConstraints, ValidationError
from pydantic.fields import FieldInfo
from sqlalchemy import func, select

from app.domain import contracts as c
from app.domain.codes import format_dossier_code
from app.domain.events import EventType
from app.domain.fees import PayMethod
from app.domain.postal import PostalBatchDraft, PostalItem, s10_check_digit
from app.errors import UserFacingError
from app.scanning.blobs import BlobStore
from app.services.attachments import attach_documents
from app.services.custody_forms import record_label_print
from app.services.fees import PaymentDraft, record_payment
from app.services.forms import FormKind, record_print
from app.services.handover import add_scan, confirm_batch, counter_place, department_place, open_batch, send_batch
from app.services.office import load_calendar
from app.services.postal import sign_batch
from app.services.ratings import rate_dossier
from app.services.reception import receive_dossier, refuse, request_supplement
from app.services.recorder import record
from app.services.results import extend_due_date, receive_supplement, request_supplement_after_reception
from app.services.returns import Collector, CollectorDraft, record_result, return_to_citizen
from app.services.stops import StopKind, StopRequest, record_stop
from app.store.db import transaction
from app.store.models import (
    Attachment,
    BlobUpload,
    CodeSequence,
    Dossier,
    Event,
    HandoverBatch,
    Outbox,
    RegisterSequence,
)
from tests.app.test_attachments import Doc, make_pdf
from tests.app.test_reception import APPLICANT, draft, receive
from tests.app.test_returns import TP, _at_department, _back_at_counter
from tests.conftest import NOW

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Any UTF-8 text a person can write: no control character but tab and line breaks (app.domain.text_rules).
_TEXT = st.one_of(st.characters(codec="utf-8", exclude_categories=["Cc"]), st.sampled_from("\t\n\r"))
_UNIT = "000.01.00.H49"

# --- strategies built from the models ---------------------------------------------------------


def _local_times() -> st.SearchStrategy[str]:
    moments = st.datetimes(min_value=c.EARLIEST, max_value=c.LATEST.replace(second=0))
    spec = st.sampled_from(["minutes", "seconds"])
    return st.builds(lambda m, t: m.isoformat(timespec=t), moments, spec)


_SPECIAL: dict[Any, st.SearchStrategy[Any]] = {
    c.LocalTime: _local_times(),
    c.DossierCodeText: st.builds(
        format_dossier_code, st.just(_UNIT), st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.integers(1, 9999)
    ),
    c.BirthDate: st.one_of(st.just(""), st.dates(date(1900, 1, 1), date(2026, 1, 1)).map(date.isoformat)),
    c.ClockText: st.times().map(lambda t: t.strftime("%H:%M")),
    c.UnitCode: st.just(_UNIT),
    # issue 16: a Vietnam Post item number, S10 with its check digit
    c.PostalItemNo: st.builds(
        lambda letters, serial: f"{letters}{serial}{s10_check_digit(serial)}VN",
        st.from_regex(r"[A-Z]{2}", fullmatch=True),
        st.from_regex(r"[0-9]{8}", fullmatch=True),
    ),
}


def _bounds(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            found |= _bounds(list(item.metadata))
        elif isinstance(item, StringConstraints):
            found |= {k: v for k, v in vars(item).items() if v is not None}
        elif isinstance(item, annotated_types.Ge):
            found["ge"] = item.ge
        elif isinstance(item, annotated_types.Le):
            found["le"] = item.le
        elif isinstance(item, annotated_types.MinLen):
            found["min_length"] = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            found["max_length"] = item.max_length
    return found


def strategy(annotation: Any) -> st.SearchStrategy[Any]:
    """Valid JSON values for a contract annotation."""
    if annotation in _SPECIAL:
        return _SPECIAL[annotation]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is NoneType:
        return st.none()
    if origin in (typing.Union, UnionType):
        return st.one_of(*(strategy(a) for a in args))
    if origin is Literal:
        return st.sampled_from(args)
    if isinstance(annotation, type) and issubclass(annotation, c.Contract):
        return payloads(annotation)
    if origin is typing.Annotated:
        base, meta = args[0], _bounds(list(args[1:]))
    else:
        base, meta = annotation, {}
    if annotation is StrictBool or base is bool:
        return st.booleans()
    if typing.get_origin(base) is list:
        low = meta.get("min_length", 0)
        return st.lists(strategy(typing.get_args(base)[0]), min_size=low, max_size=max(low, 3))
    if base is int:
        return st.integers(meta.get("ge", -(2**31)), meta.get("le", 2**31))
    if base is float:
        return st.floats(meta.get("ge"), meta.get("le"), allow_nan=False, allow_infinity=False)
    if base is str:
        if "pattern" in meta:
            return st.from_regex(meta["pattern"], fullmatch=True)
        low, high = meta.get("min_length", 0), meta.get("max_length", 40)
        return (
            st.one_of(st.text(_TEXT, min_size=low, max_size=min(high, 30)), st.just("đ" * high))
            if low <= high
            else st.nothing()
        )
    raise AssertionError(f"no strategy for {annotation!r}")


def _hints(model: type[c.Contract]) -> dict[str, Any]:
    return typing.get_type_hints(model, include_extras=True)


def payloads(model: type[c.Contract]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid payloads of ``model``: required keys always, optional keys sent or left out."""
    hints = _hints(model)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, info in model.model_fields.items():
            if info.is_required() or draw(st.booleans()):
                out[info.alias or name] = draw(strategy(hints[name]))
        if model is c.ReturnedPayload:  # issue 16: a return is at the counter (collector) or by post
            if out.get("method") == "postal":
                out["tracking_no"] = draw(_SPECIAL[c.PostalItemNo])
                out["address"] = draw(st.text(_TEXT, min_size=1, max_size=30).filter(str.strip))
            elif out.get("collector") is None:
                out["collector"] = draw(payloads(c.CollectorPart))
        return out

    return build()


def _valid(model: type[c.Contract], payload: dict[str, Any]) -> c.Contract:
    """Validate a generated payload; drop the few that break a cross-field rule (and only those)."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        kinds = {e["type"] for e in exc.errors()}
        cross_field = {"authorisation", "same_place", "blank_name"}
        cross_field |= {"foreigner_id", "organisation_id", "representative_id"}  # applicant kinds (issue 15)
        cross_field |= {"postal_channel", "return_collector", "return_postal", "postal_duplicate"}  # post (issue 16)
        cross_field |= {"fee_exemption", "fee_line_twice"}  # fees (issue 16)
        assume(not kinds <= cross_field)
        raise


TYPES = sorted(c.CONTRACTS)


def test_every_event_type_has_a_contract_and_a_status() -> None:
    assert set(EventType) | {c.CONFLICT_RESOLVED} == set(c.CONTRACTS)
    assert set(EventType) == set(c.EVENT_STATUS)
    for model in c.CONTRACTS.values():
        assert model.model_config.get("frozen") and model.model_config.get("extra") == "forbid"


@pytest.mark.parametrize("kind", TYPES)
@_SETTINGS
@given(data=st.data())
def test_generated_payloads_validate_and_round_trip(kind: str, data: st.DataObject) -> None:
    model = c.contract_for(kind)
    payload = data.draw(payloads(model))
    parsed = _valid(model, payload)
    assert c.dump_payload(parsed) == payload  # the stored payload is the one sent, key for key
    assert c.parse_payload(kind, c.dump_payload(parsed)) == parsed
    with pytest.raises(ValidationError):  # frozen
        parsed.__setattr__(next(iter(model.model_fields)), None)


def _fields_of(model: type[c.Contract], kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(wire key, category, bounds) of the top-level fields of ``model`` that are ``kind``s."""
    out = []
    for name, info in model.model_fields.items():
        hint = _hints(model)[name]
        args = (
            [a for a in typing.get_args(hint) if a is not NoneType]
            if typing.get_origin(hint)
            in (
                typing.Union,
                UnionType,
            )
            else [hint]
        )
        base = typing.get_args(args[0])[0] if typing.get_origin(args[0]) is typing.Annotated else args[0]
        meta = _bounds(list(typing.get_args(args[0])[1:])) if typing.get_origin(args[0]) is typing.Annotated else {}
        category = "int" if base is int and len(args) == 1 else "str" if base is str else ""
        if category == kind:
            out.append((info.alias or name, category, meta))
    return out


@st.composite
def mutations(draw: st.DrawFn, kind: str) -> tuple[dict[str, Any], str]:
    """A payload of ``kind`` broken in one way, and the field the reason must name."""
    model = c.contract_for(kind)
    payload = draw(payloads(model))
    try:
        _valid(model, payload)
    except ValidationError:
        raise AssertionError("generated payload invalid") from None
    how = draw(st.sampled_from(["extra", "missing", "str", "int"]))
    if how == "extra":
        key = draw(st.text(st.characters(codec="ascii", categories=["Ll"]), min_size=1, max_size=8))
        assume(key not in payload and key not in model.model_fields)
        payload[key] = draw(st.one_of(st.integers(), st.text(_TEXT, max_size=5), st.just({"a": {"b": 1}})))
        return payload, key
    if how == "missing":
        required = [info.alias or name for name, info in model.model_fields.items() if info.is_required()]
        assume(required)
        key = draw(st.sampled_from(required))
        del payload[key]
        return payload, key
    fields = _fields_of(model, how)
    assume(fields)
    key, category, meta = draw(st.sampled_from(fields))
    if category == "str":
        bad = draw(st.sampled_from(["\x00", "\x07", "\x1b", "\x85", "\ud800", "long", 7, True]))
        if bad == "long":
            assume("max_length" in meta)
            bad = "x" * (meta["max_length"] + 1)
        payload[key] = bad
    else:
        payload[key] = draw(st.sampled_from([True, "7", 1.5, math.nan, math.inf, 2**70]))
    return payload, key


@pytest.mark.parametrize("kind", TYPES)
@_SETTINGS
@given(data=st.data())
def test_mutated_payloads_are_refused_naming_the_field(kind: str, data: st.DataObject) -> None:
    payload, key = data.draw(mutations(kind))
    with pytest.raises(ValidationError) as info:
        c.parse_payload(kind, payload)
    reason = c.describe(info.value, "payload")
    assert reason.startswith("payload") and "Input should" not in reason
    assert key in reason or reason.startswith("payload:"), reason


def test_describe_says_which_field_and_why_in_vietnamese() -> None:
    sent = {"unit_code": _UNIT, "result": "x" * 2001}
    with pytest.raises(ValidationError) as info:
        c.parse_payload(EventType.RESULT_RECORDED, sent)
    assert c.describe(info.value, "payload") == "payload.result: dài quá 2000 ký tự"
    with pytest.raises(ValidationError) as info:
        c.parse_payload(EventType.RESULT_RECORDED, {"unit_code": _UNIT, "result": "Có", "recorded_at": "0001-01-01"})
    assert c.describe(info.value, "payload") == "payload.recorded_at: phải trong khoảng năm 2000 đến năm 2100"


# --- what the services write ------------------------------------------------------------------


def test_every_payload_the_services_write_keeps_its_contract(factory, actor, catalog, tmp_path) -> None:
    """Drive every service that records an event; each payload validates and dumps back unchanged."""
    d = _at_department(factory, actor, catalog)  # received, sent to the department, received there
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        request_supplement(s, actor, catalog, draft(catalog), ["Bản sao giấy khai sinh"], "Thiếu giấy tờ", NOW)
        refuse(s, actor, catalog, draft(catalog), "Không thuộc thẩm quyền", NOW)
        record_print(s, actor, d.uid, FormKind.RECEIPT, "C:\\Phiếu\\01.pdf", False, NOW)
        cal = load_calendar(s)
        request_supplement_after_reception(s, actor, cal, d.uid, ["Bản sao CCCD"], "Thiếu giấy tờ", t)
        receive_supplement(s, actor, cal, d.uid, t + timedelta(hours=1), note="Đã đủ")
        extend_due_date(s, actor, cal, d.uid, datetime(2026, 12, 10, 16, 0), "Chờ xác minh", t + timedelta(hours=2))
        record_result(s, actor, d.uid, "Giấy chứng nhận", t + timedelta(hours=3))
        attach_documents(s, actor, BlobStore(tmp_path), d.uid, [Doc("Tờ khai", 0, make_pdf(), 1)], occurred_at=t)
    _back_at_counter(factory, actor, d.uid, d.code, t + timedelta(hours=4))
    other = receive(factory, actor, catalog, draft(catalog, applicant=replace(APPLICANT, personal_id="001090099999")))
    stray = receive(factory, actor, catalog, draft(catalog, applicant=replace(APPLICANT, personal_id="001090088888")))
    with transaction(factory) as s:
        batch, _ = add_scan(s, open_batch(counter_place(actor), department_place(s, TP)), other.code)
        send_batch(s, actor, batch, t + timedelta(hours=5))
        # other's folder missing, stray's unannounced: both discrepancies
        confirm_batch(s, actor, batch.id, [stray.code], t + timedelta(hours=6))
        who = CollectorDraft(Collector.REPRESENTATIVE, "001090123456", "Trần Thị Bình", "Giấy ủy quyền số 12/2026")
        record_payment(s, actor, d.uid, PaymentDraft(("le_phi",), PayMethod.CASH, "Nguyễn Văn An"), t)  # issue 16
        return_to_citizen(s, actor, d.uid, who, t + timedelta(hours=7))
        rate_dossier(s, actor, d.uid, "satisfied", "citizen_screen", t + timedelta(hours=7, minutes=1))
    for n, kind in enumerate((StopKind.STOP, StopKind.WITHDRAW)):
        asked = receive(
            factory, actor, catalog, draft(catalog, applicant=replace(APPLICANT, personal_id=f"00109007777{n}"))
        )
        with transaction(factory) as s:
            record_stop(s, actor, asked.uid, StopRequest(kind, "Nguyễn Văn An", "Không còn nhu cầu"), t)
    with transaction(factory) as s:  # issue 16: a postal batch record, and an item received from it
        item = "RR123456785VN"
        batch, _ = sign_batch(s, actor, PostalBatchDraft("Bưu điện xã Hạ Long", "Trần Văn Bưu", t, (item,)), t)
    by_post = replace(draft(catalog, applicant=replace(APPLICANT, personal_id="001090066666")), channel="postal",
                      postal_item=PostalItem(batch.batch_id, item))  # fmt: skip
    receive(factory, actor, catalog, by_post, now=t + timedelta(minutes=5))
    with factory() as s:
        events = s.scalars(select(Event).order_by(Event.device_seq)).all()
    assert {e.type for e in events} == set(EventType)
    discrepancies = {e.payload["discrepancy"] for e in events if e.type == EventType.HANDOVER_DISCREPANCY}
    assert discrepancies == {"missing", "unexpected"}
    for event in events:
        parsed = c.parse_payload(event.type, event.payload)
        assert c.dump_payload(parsed) == event.payload, event.type


def test_one_text_rule_for_payloads_and_names() -> None:
    """Tab and line breaks are text in a note; BEL, ESC, DEL, C1 controls are refused in a payload
    as in a name on the wire (app.domain.text_rules, used by both)."""
    from app.sync.wire import EnrolRequest

    base = {"unit_code": _UNIT, "result": "Giấy chứng nhận"}
    for fine in ("Dòng 1\nDòng 2", "Cột 1\tCột 2", "Dòng 1\r\nDòng 2"):
        assert c.parse_payload(EventType.RESULT_RECORDED, {**base, "note": fine}).note == fine  # type: ignore[attr-defined]
        EnrolRequest(code="ABCDEF12", counter_name=f"Quầy {fine}")
    for bad in ("\x07", "\x1b", "\x7f", "\x85", "\x0c"):
        with pytest.raises(ValidationError) as info:
            c.parse_payload(EventType.RESULT_RECORDED, {**base, "note": f"Đã đủ{bad}"})
        assert c.describe(info.value, "payload") == (
            "payload.note: có ký tự không được phép (NUL, ký tự điều khiển hoặc mã Unicode hỏng)"
        )
        with pytest.raises(ValidationError) as info:
            EnrolRequest(code="ABCDEF12", counter_name=f"Quầy{bad}")
        assert info.value.errors()[0]["type"] == "text_forbidden_char"


# --- a payload a service cannot build ---------------------------------------------------------


def _counts(factory) -> tuple[int, ...]:
    """Rows a write would add or move: events, outbox, dossiers, batches, attachments, upload
    queue, and the code and register counters."""
    with factory() as s:
        rows = [s.scalar(select(func.count()).select_from(t)) or 0
                for t in (Event, Outbox, Dossier, HandoverBatch, Attachment, BlobUpload)]  # fmt: skip
        rows.append(s.scalar(select(func.coalesce(func.sum(CodeSequence.last), 0))) or 0)
        rows.append(s.scalar(select(func.coalesce(func.sum(RegisterSequence.last), 0))) or 0)
        return tuple(rows)


def _processing(factory, actor, catalog):
    return _at_department(factory, actor, catalog)


def _supplement_asked(factory, actor, catalog):
    d = _at_department(factory, actor, catalog)
    with transaction(factory) as s:
        request_supplement_after_reception(s, actor, load_calendar(s), d.uid, ["Bản sao CCCD"], "Thiếu", NOW)
    return d


def _result_at_counter(factory, actor, catalog):
    d = _at_department(factory, actor, catalog)
    t = NOW + timedelta(days=1)
    with transaction(factory) as s:
        record_result(s, actor, d.uid, "Giấy chứng nhận", t)
    _back_at_counter(factory, actor, d.uid, d.code, t + timedelta(hours=1))
    return d


def _two_folders(factory, actor, catalog):
    a = receive(factory, actor, catalog, draft(catalog))
    b = receive(factory, actor, catalog, draft(catalog, applicant=replace(APPLICANT, personal_id="001090077777")))
    return a, b


BEL, ESC, DEL = "\x07", "\x1b", "\x7f"
LATER = NOW + timedelta(days=2)

# case → (setup, the service call with one bad input, the field the message names, what it says)
BAD_INPUTS: dict[str, tuple[Any, Any, str, str]] = {
    "receipt note with BEL": (
        None,
        lambda s, a, cat, d: receive_dossier(
            s, a, cat, load_calendar(s), replace(draft(cat), note=f"Ghi chú{BEL}"), NOW
        ),
        "Ghi chú",
        "ký tự không được phép",
    ),
    "applicant's e-mail with BEL": (
        None,
        lambda s, a, cat, d: receive_dossier(
            s, a, cat, load_calendar(s), draft(cat, applicant=replace(APPLICANT, email=f"an{BEL}@example.com")), NOW
        ),
        "Thư điện tử",
        "ký tự không được phép",
    ),
    "supplement item with ESC": (
        None,
        lambda s, a, cat, d: request_supplement(s, a, cat, draft(cat), [f"Bản sao{ESC}"], "Thiếu", NOW),
        "Nội dung cần bổ sung",
        "ký tự không được phép",
    ),
    "refusal reason too long": (
        None,
        lambda s, a, cat, d: refuse(s, a, cat, draft(cat), "Không thuộc thẩm quyền " * 100, NOW),
        "Lý do",
        "dài quá 2000 ký tự",
    ),
    "print output with NUL": (
        _processing,
        lambda s, a, cat, d: record_print(s, a, d.uid, FormKind.RECEIPT, "C:\\a\x00.pdf", False, NOW),
        "Nơi lưu bản in",
        "ký tự không được phép",
    ),
    "label output too long": (
        _processing,
        lambda s, a, cat, d: record_label_print(s, a, d.uid, "C:\\" + "a" * 1200, NOW),
        "Nơi lưu bản in",
        "dài quá 1000 ký tự",
    ),
    "handover note with BEL (two folders)": (
        _two_folders,
        lambda s, a, cat, d: send_batch(
            s,
            a,
            add_scan(
                s,
                add_scan(s, open_batch(counter_place(a), department_place(s, TP), note=f"Gấp{BEL}"), d[0].code)[0],
                d[1].code,
            )[0],
            NOW + timedelta(minutes=30),
        ),
        "Ghi chú",
        "ký tự không được phép",
    ),
    "result note with DEL": (
        _processing,
        lambda s, a, cat, d: record_result(s, a, d.uid, "Giấy chứng nhận", LATER, note=f"Xong{DEL}"),
        "Ghi chú",
        "ký tự không được phép",
    ),
    "department supplement item with BEL": (
        _processing,
        lambda s, a, cat, d: request_supplement_after_reception(
            s, a, load_calendar(s), d.uid, [f"Bản sao{BEL}"], "Thiếu giấy tờ", LATER
        ),
        "Nội dung cần bổ sung",
        "ký tự không được phép",
    ),
    "supplement received note with ESC": (
        _supplement_asked,
        lambda s, a, cat, d: receive_supplement(s, a, load_calendar(s), d.uid, LATER, f"Đủ{ESC}"),
        "Ghi chú",
        "ký tự không được phép",
    ),
    "apology reason with BEL": (
        _processing,
        lambda s, a, cat, d: extend_due_date(
            s, a, load_calendar(s), d.uid, datetime(2026, 12, 10, 16, 0), f"Chờ xác minh{BEL}", LATER
        ),
        "Lý do",
        "ký tự không được phép",
    ),
    "representative's name with ESC": (
        _result_at_counter,
        lambda s, a, cat, d: return_to_citizen(
            s,
            a,
            d.uid,
            CollectorDraft(Collector.REPRESENTATIVE, "001090123456", f"Trần Thị Bình{ESC}", "GUQ 12"),
            NOW + timedelta(days=1, hours=3),
        ),
        "Họ tên người nhận kết quả",
        "ký tự không được phép",
    ),
    "attachment name with BEL": (
        _processing,
        lambda s, a, cat, d: attach_documents(
            s, a, BlobStore(_BLOBS[0]), d.uid, [Doc(f"Tờ khai{BEL}", 0, make_pdf(), 1)], occurred_at=LATER
        ),
        "Tên tài liệu",
        "ký tự không được phép",
    ),
}
_BLOBS: list[Any] = []


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_a_payload_a_service_cannot_build_is_a_vietnamese_message_and_nothing_is_written(
    factory, actor, catalog, tmp_path, case: str
) -> None:
    """Input the form checks let through (a control character, a text too long) reaches the
    contract: the service raises a UserFacingError naming the field in Vietnamese, and the
    transaction commits nothing (no event, no outbox row, no number taken)."""
    setup, call, field, why = BAD_INPUTS[case]
    _BLOBS[:] = [tmp_path / "blobs"]
    d = setup(factory, actor, catalog) if setup else None
    before = _counts(factory)
    with pytest.raises(UserFacingError) as info, transaction(factory) as s:
        call(s, actor, catalog, d)
    message = info.value.message
    assert f"mục “{field}”" in message and why in message, message
    assert "Chưa có gì được ghi" in message and "Input should" not in message
    assert _counts(factory) == before


def test_the_recorder_takes_only_the_contract_of_the_event_type(factory, actor, catalog) -> None:
    """A model of another event type, or a mapping that breaks the contract, is refused before
    anything is written; a valid mapping (a print log from the ui) is stored as its dump."""
    d = receive(factory, actor, catalog, draft(catalog))
    printed = c.FormPrintedPayload(form="01", form_title="Phiếu", output="máy in", reprint=False)
    before = _counts(factory)
    with pytest.raises(UserFacingError, match="lỗi chương trình"), transaction(factory) as s:
        record(s, actor, EventType.RESULT_RECORDED, d.uid, printed, occurred_at=NOW)
    with pytest.raises(UserFacingError, match="“In phiếu”"), transaction(factory) as s:
        record(s, actor, EventType.FORM_PRINTED, d.uid, {"form": "01", "reprint": "yes"}, occurred_at=NOW)
    assert _counts(factory) == before
    with transaction(factory) as s:
        record(s, actor, EventType.FORM_PRINTED, d.uid, {"form": "01", "reprint": True}, occurred_at=NOW)
        record(s, actor, EventType.FORM_PRINTED, d.uid, printed, occurred_at=NOW)
    with factory() as s:
        stored = [e.payload for e in s.scalars(select(Event).where(Event.type == EventType.FORM_PRINTED))]
    assert stored == [{"form": "01", "reprint": True}, c.dump_payload(printed)]
