"""What the reception screen builds and gets back: plain data, no database.

Kept apart from :mod:`app.services.reception` so that the screens can be built without
importing SQLAlchemy (start-up time, bench/bench_startup.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.domain.catalog import Digitise, Procedure
from app.domain.fees import PayMethod
from app.domain.postal import PostalItem
from app.services.applicant import ApplicantDraft

RETURN_AT_COUNTER = "Bộ phận Một cửa (nhận trực tiếp)"
RETURN_BY_POST = "Qua dịch vụ bưu chính công ích"


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    """One line of the procedure's checklist as the officer ticked it."""

    name: str
    form_label: str
    copies: int
    required: bool
    submitted: bool
    digitise: Digitise = Digitise.REQUIRED  # whether the paper must be scanned (exempt: only shown, classified)


@dataclass(frozen=True, slots=True)
class ReceptionDraft:
    """Everything on the reception screen at the moment the officer decides."""

    procedure_code: str
    applicant: ApplicantDraft
    documents: tuple[DocumentCheck, ...]
    sets: int = 1
    return_method: str = RETURN_AT_COUNTER
    note: str = ""
    channel: str = "direct"  # "direct" | "online" | "postal" (app.domain.contracts.DecisionPayload.channel)
    postal_item: PostalItem | None = None  # postal mode: the batch item being received (app.services.postal)
    handling_unit: str = ""  # the unit picked to decide it (app.domain.units); "": the catalog's default


@dataclass(frozen=True, slots=True)
class DossierSummary:
    """Plain result of a reception decision."""

    uid: str
    code: str | None
    status: int
    applicant_name: str
    procedure_name: str
    received_at: datetime
    due_at: datetime | None
    event_id: str


@dataclass(frozen=True, slots=True)
class Changes:
    """What a write touched, for the UI's change bus."""

    dossier_uids: frozenset[str] = field(default_factory=frozenset)


def checklist(procedure: Procedure) -> tuple[DocumentCheck, ...]:
    """The procedure's required documents, none ticked yet."""
    return tuple(
        DocumentCheck(d.name, d.form.label, d.copies, d.required, submitted=False, digitise=d.digitise)
        for d in procedure.documents
    )


@dataclass(frozen=True, slots=True)
class PaymentDraft:
    """A fee payment as the officer chose it: the lines paid, how, and by whom (app.services.fees)."""

    line_ids: tuple[str, ...]
    method: PayMethod
    payer_name: str
    payer_id: str = ""


@dataclass(frozen=True, slots=True)
class FeeChoice:
    """What the officer chose at reception: the exemption (with its legal ground) and, when the
    "before" lines are paid there and then, the payment."""

    exemption_id: str = ""
    ground: str = ""
    pay_now: PaymentDraft | None = None
