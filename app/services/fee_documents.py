"""What the fee receipt and the day's fee list print (app/printing/fee_receipt.py, fee_list.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.domain.fee_receipt import format_number
from app.domain.fees import PayMethod, amount_in_words
from app.printing.data import OfficeHeader
from app.services.context import Actor
from app.services.day_list import sees_every_officer
from app.services.fees import Payment, payment, payments_on
from app.services.register import office_header
from app.store.models import Dossier

RECEIPT_TITLE = "BIÊN LAI THU PHÍ, LỆ PHÍ"
LIST_TITLE = "DANH SÁCH BIÊN LAI THU PHÍ, LỆ PHÍ TRONG NGÀY"


@dataclass(frozen=True, slots=True)
class ReceiptDocument:
    """One printed fee receipt."""

    header: OfficeHeader
    unit_name: str
    series: str
    number: str
    dossier_code: str
    procedure_name: str
    payer_name: str
    payer_id: str
    payer_address: str
    lines: tuple[tuple[str, int], ...]  # (name, amount)
    amount: int
    method: PayMethod
    paid_at: datetime
    officer_name: str
    demo: bool

    @property
    def amount_words(self) -> str:
        return amount_in_words(self.amount)


def build_receipt(session: Session, event_id: str) -> ReceiptDocument:
    """The receipt of one payment (its first print or a reprint: the same number, always).

    Raises:
        UserFacingError: no such payment on this PC, or the office is not set up.
    """
    p = payment(session, event_id)
    header, _, demo = office_header(session)
    d = session.query(Dossier).filter(Dossier.uid == p.dossier_uid).first()
    return ReceiptDocument(
        header=header, unit_name=header.unit_name, series=p.series, number=format_number(p.number),
        dossier_code=p.code, procedure_name=d.procedure_name if d else "", payer_name=p.payer_name,
        payer_id=p.payer_id, payer_address=d.address if d else "", lines=tuple((n, a) for _, n, a in p.lines),
        amount=p.amount, method=p.method, paid_at=p.paid_at, officer_name=p.officer_name, demo=demo,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class FeeList:
    """The day's receipts of one officer (or, for a supervisor, of the office)."""

    header: OfficeHeader
    day: date
    officer_name: str  # "" = every officer of the office
    payments: tuple[Payment, ...]
    made_at: datetime
    demo: bool

    @property
    def total(self) -> int:
        return sum(p.amount for p in self.payments)

    def total_by(self, method: PayMethod) -> int:
        return sum(p.amount for p in self.payments if p.method is method)

    @property
    def scope_text(self) -> str:
        return f"Cán bộ thu: {self.officer_name}" if self.officer_name else "Tất cả cán bộ thu của đơn vị"


def build_fee_list(session: Session, actor: Actor, day: date, now: datetime, *, every_officer: bool) -> FeeList:
    """The receipts of ``day``: the officer's own, or the office's for a supervisor asking for it."""
    header, unit_code, demo = office_header(session)
    everyone = every_officer and sees_every_officer(actor)
    found = payments_on(session, unit_code, day, None if everyone else actor.officer_id)
    return FeeList(header, day, "" if everyone else actor.full_name, tuple(found), now, demo)
