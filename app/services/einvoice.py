"""Electronic invoices and receipts (hóa đơn, biên lai điện tử): the provider interface, and "none".

A collecting unit may later have to send each fee receipt to an electronic invoice provider (a
licensed service that registers it with the tax authority and returns a lookup code). The payment
service (app/services/fees.py) calls :meth:`EInvoiceProvider.issue` after the payment is recorded
in the same transaction; the provider's name and reference go into the ``fee.paid`` event. Until a
province chooses a provider, :class:`NoEInvoice` sends nothing: the printed receipt is the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ReceiptToIssue:
    """What a provider needs of one receipt."""

    unit_code: str
    series: str
    number: int
    year: int
    payer_name: str
    payer_id: str
    amount: int
    method: str
    lines: tuple[tuple[str, int], ...]  # (name, amount)


@dataclass(frozen=True, slots=True)
class Issued:
    """What the provider answered: its name and the reference the citizen can look the receipt up by."""

    provider: str
    reference: str


class EInvoiceProvider(Protocol):
    """Sends one receipt to an electronic invoice service.

    Must not block for long (it runs inside the payment's transaction) and must raise a
    :class:`app.errors.UserFacingError` with a Vietnamese message when the receipt cannot be issued.
    """

    name: str

    def issue(self, receipt: ReceiptToIssue) -> Issued: ...


class NoEInvoice:
    """The default: no electronic invoice is issued; nothing is sent anywhere."""

    name = ""

    def issue(self, receipt: ReceiptToIssue) -> Issued:
        del receipt
        return Issued(provider="", reference="")


NO_EINVOICE = NoEInvoice()
