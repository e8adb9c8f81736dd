"""Fees at the counter (issue 16): the lines charged at reception, payments with numbered receipts,
the check before a result is returned, and the day's fee list.

The lines and the exemption chosen are written in the ``dossier.received`` event (``fees``); each
payment is a ``fee.paid`` event taking the next receipt number in its own transaction
(app.sync.fee_receipts; the rule in app.domain.fee_receipt). Lines paid "before" are paid at
reception; lines paid "after" must be paid before the result is handed over, unless exempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.contracts import FeeLinePart, FeePaidPayload, FeesPart, PaidLinePart
from app.domain.events import EventType
from app.domain.fee_receipt import series_symbol
from app.domain.fees import AssessedLine, FeeSchedule, PayMethod, PayWhen, assess, format_vnd
from app.errors import UserFacingError, ValidationError
from app.services.context import Actor
from app.services.drafts import Changes, FeeChoice, PaymentDraft
from app.services.einvoice import NO_EINVOICE, EInvoiceProvider, ReceiptToIssue
from app.services.recorder import building, record
from app.store.models import Dossier, FeePayment
from app.sync.fee_receipts import take_receipt_number
from app.sync.state import sync_state
from app.text import nfc


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment (a ``fee.paid`` event) as read back."""

    event_id: str
    dossier_uid: str
    code: str
    year: int
    series: str
    number: int
    amount: int
    method: PayMethod
    payer_name: str
    payer_id: str
    paid_at: datetime
    officer_id: str
    officer_name: str
    counter_name: str
    lines: tuple[tuple[str, str, int], ...]  # (id, name, amount)

    @property
    def number_text(self) -> str:
        return f"{self.number:07d}"


@dataclass(frozen=True, slots=True)
class FeeState:
    """The fee lines of a dossier, the exemption, and what has been paid."""

    lines: tuple[AssessedLine, ...]
    exemption: str
    exemption_ground: str
    payments: tuple[Payment, ...]

    @property
    def paid_ids(self) -> frozenset[str]:
        return frozenset(line_id for p in self.payments for line_id, _, _ in p.lines)

    def unpaid(self, when: PayWhen | None = None) -> tuple[AssessedLine, ...]:
        """Lines with something to pay, not paid yet (for one moment, or all)."""
        paid = self.paid_ids
        return tuple(x for x in self.lines if x.due > 0 and x.id not in paid and (when is None or x.when is when))

    @property
    def status_text(self) -> str:
        """ "Không thu phí", "Đã nộp đủ …", "Chưa nộp …" for the dossier's detail."""
        if not any(x.due for x in self.lines):
            return "Miễn phí, lệ phí" if self.lines else "Không thu phí, lệ phí qua quầy"
        left = self.unpaid()
        if not left:
            return f"Đã nộp đủ {format_vnd(sum(p.amount for p in self.payments))} đồng"
        return f"Chưa nộp {format_vnd(sum(x.due for x in left))} đồng"


def fees_part(schedule: FeeSchedule, exemption_id: str = "", ground: str = "") -> FeesPart | None:
    """The ``fees`` part of the received event (None for a procedure without lines).

    Raises:
        ValidationError: an exemption without its legal ground, or one the procedure does not have.
    """
    if not schedule.lines:
        return None
    ground = nfc(ground).strip()
    try:
        lines = assess(schedule, exemption_id)
    except KeyError:
        raise ValidationError(
            {"fee_exemption": "Đối tượng miễn phí, lệ phí không có trong danh mục của thủ tục."}
        ) from None
    exemption = schedule.exemption(exemption_id) if exemption_id else None
    if exemption is not None and not ground:
        raise ValidationError(
            {"fee_ground": "Hãy ghi căn cứ miễn phí, lệ phí (ví dụ: số giấy chứng nhận hộ nghèo, thẻ người có công)."}
        )
    if len(ground) > 2000:
        raise ValidationError({"fee_ground": "Căn cứ miễn phí, lệ phí dài quá 2.000 ký tự; hãy rút gọn."})
    return FeesPart(
        lines=[FeeLinePart(id=x.id, name=x.name, amount=x.amount, when=x.when.value, exempt=x.exempt) for x in lines],
        exemption_id=exemption.id if exemption else "",
        exemption=exemption.name if exemption else "",
        exemption_ground=ground if exemption else "",
    )


def _payment(row: FeePayment) -> Payment:
    lines = tuple((str(x["id"]), str(x["name"]), int(x["amount"])) for x in row.lines)
    return Payment(
        row.event_id,
        row.dossier_uid,
        row.code,
        row.receipt_year,
        row.receipt_series,
        row.receipt_no,
        row.amount,
        PayMethod(row.method),
        row.payer_name,
        row.payer_id,
        row.paid_at,
        row.officer_id,
        row.officer_name,
        row.counter_name,
        lines,
    )


def fee_state_of(session: Session, dossier: Dossier) -> FeeState:
    """The dossier's lines (from its received event) and its payments."""
    raw = (dossier.data or {}).get("fees") if isinstance(dossier.data, dict) else None
    lines: tuple[AssessedLine, ...] = ()
    exemption = ground = ""
    if isinstance(raw, dict):
        part = FeesPart.model_validate(raw)
        lines = tuple(AssessedLine(x.id, x.name, x.amount, PayWhen(x.when), x.exempt) for x in part.lines)
        exemption, ground = part.exemption, part.exemption_ground
    rows = session.scalars(select(FeePayment).where(FeePayment.dossier_uid == dossier.uid).order_by(FeePayment.paid_at))
    return FeeState(lines, exemption, ground, tuple(_payment(r) for r in rows))


def fee_state(session: Session, uid: str) -> FeeState:
    """:func:`fee_state_of` by dossier uid.

    Raises:
        UserFacingError: unknown dossier.
    """
    d = session.scalars(select(Dossier).where(Dossier.uid == uid)).first()
    if d is None:
        raise UserFacingError("Không tìm thấy hồ sơ trên máy này. Tìm lại theo mã hồ sơ.")
    return fee_state_of(session, d)


def check_fees_for_return(session: Session, dossier: Dossier) -> None:
    """Refuse the return while a line paid "after" the result is still owed (exempt lines owe nothing).

    Raises:
        UserFacingError: naming what is owed and what to do.
    """
    left = fee_state_of(session, dossier).unpaid(PayWhen.AFTER)
    if left:
        names = "; ".join(f"{x.name}: {format_vnd(x.due)} đồng" for x in left)
        raise UserFacingError(
            f"Hồ sơ {dossier.code or ''} chưa nộp phí, lệ phí ({names}). Hãy thu phí, lệ phí và in biên lai"
            " (Hồ sơ → Thu phí, lệ phí…, Ctrl+Shift+F) trước khi trả kết quả."
        )


def _checked(state: FeeState, draft: PaymentDraft) -> tuple[list[AssessedLine], str, str]:
    errors: dict[str, str] = {}
    owed = {x.id: x for x in state.unpaid()}
    chosen = [owed[i] for i in dict.fromkeys(draft.line_ids) if i in owed]
    if not owed:
        raise UserFacingError("Hồ sơ không còn khoản phí, lệ phí nào phải nộp.")
    if not chosen or len(chosen) != len(set(draft.line_ids)):
        errors["lines"] = "Hãy chọn ít nhất một khoản phí, lệ phí chưa nộp."
    name, pid = nfc(draft.payer_name).strip(), nfc(draft.payer_id).strip()
    if not name:
        errors["payer_name"] = "Hãy ghi họ tên người nộp tiền."
    elif len(name) > 200:
        errors["payer_name"] = "Họ tên người nộp tiền dài quá 200 ký tự; hãy rút gọn."
    if pid and not (pid.isdigit() and len(pid) in (9, 12)):
        errors["payer_id"] = "Số định danh của người nộp tiền phải gồm 12 chữ số (hoặc 9 chữ số CMND cũ)."
    if errors:
        raise ValidationError(errors)
    return chosen, name, pid


def _next_receipt(session: Session, unit_code: str, year: int) -> int:
    state = sync_state(session)
    slot = None if state is None else state.device_slot
    return take_receipt_number(session, unit_code, year, slot)


def record_payment(
    session: Session,
    actor: Actor,
    uid: str,
    draft: PaymentDraft,
    now: datetime,
    provider: EInvoiceProvider = NO_EINVOICE,
) -> tuple[Payment, Changes]:
    """Record a payment of some unpaid lines with the next receipt number, in one transaction.

    Raises:
        ValidationError: no line chosen, payer's name missing, payer's ID malformed.
        UserFacingError: unknown dossier, nothing owed, no receipt number left.
    """
    d = session.scalars(select(Dossier).where(Dossier.uid == uid)).first()
    if d is None:
        raise UserFacingError("Không tìm thấy hồ sơ trên máy này. Tìm lại theo mã hồ sơ.")
    state = fee_state_of(session, d)
    chosen, name, pid = _checked(state, draft)
    year = now.year
    number = _next_receipt(session, actor.unit_code, year)
    amount = sum(x.due for x in chosen)
    issued = provider.issue(
        ReceiptToIssue(
            actor.unit_code,
            series_symbol(year),
            number,
            year,
            name,
            pid,
            amount,
            draft.method.value,
            tuple((x.name, x.due) for x in chosen),
        )
    )
    with building(EventType.FEE_PAID):
        payload = FeePaidPayload(
            unit_code=actor.unit_code,
            code=d.code,
            counter_name=actor.counter_name,
            receipt_year=year,
            receipt_series=series_symbol(year),
            receipt_no=number,
            lines=[PaidLinePart(id=x.id, name=x.name, amount=x.due) for x in chosen],
            method=draft.method.value,
            payer_name=name,
            payer_id=pid,
            paid_at=now.isoformat(timespec="seconds"),
            einvoice_provider=issued.provider,
            einvoice_ref=issued.reference,
        )
    rec, _ = record(session, actor, EventType.FEE_PAID, uid, payload, occurred_at=now, base_version=d.version)
    row = session.get(FeePayment, rec.event_id)
    assert row is not None  # folded by the recorder
    return _payment(row), Changes(frozenset({uid}))


def payment(session: Session, event_id: str) -> Payment:
    """One payment by its event id (to print or reprint its receipt).

    Raises:
        UserFacingError: no such payment on this PC.
    """
    row = session.get(FeePayment, event_id)
    if row is None:
        raise UserFacingError("Không tìm thấy biên lai thu phí, lệ phí này trên máy.")
    return _payment(row)


def payments_on(session: Session, unit_code: str, day: date, officer_id: str | None = None) -> Sequence[Payment]:
    """Every payment of ``day`` at the unit (one officer's when ``officer_id``), by receipt time."""
    lo = datetime.combine(day, time.min)
    stmt = select(FeePayment).where(
        FeePayment.unit_code == unit_code, FeePayment.paid_at >= lo, FeePayment.paid_at < lo + timedelta(days=1)
    )
    if officer_id is not None:
        stmt = stmt.where(FeePayment.officer_id == officer_id)
    rows = session.scalars(stmt.order_by(FeePayment.paid_at, FeePayment.receipt_no))
    return [_payment(r) for r in rows]


def reception_fees(schedule: FeeSchedule, choice: FeeChoice | None, errors: dict[str, str]) -> FeesPart | None:
    """The received event's ``fees`` part, or the reasons in ``errors`` (app/services/reception.py)."""
    choice = choice or FeeChoice()
    try:
        return fees_part(schedule, choice.exemption_id, choice.ground)
    except ValidationError as exc:
        errors.update(exc.fields)
        return None


def pay_at_reception(session: Session, actor: Actor, uid: str, choice: FeeChoice | None, now: datetime) -> None:
    """Record the payment made at reception, in the reception's transaction (nothing when not paying now,
    or when nothing is owed before)."""
    if choice is None or choice.pay_now is None:
        return
    d = session.scalars(select(Dossier).where(Dossier.uid == uid)).one()
    owed = {x.id for x in fee_state_of(session, d).unpaid()}
    draft = choice.pay_now
    line_ids = tuple(i for i in draft.line_ids if i in owed)
    if line_ids:
        record_payment(session, actor, uid, PaymentDraft(line_ids, draft.method, draft.payer_name, draft.payer_id), now)
