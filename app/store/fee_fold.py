"""Folds ``fee.paid`` events into ``fee_payment`` rows (called by app.store.projection.apply_event)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.contracts import FeePaidPayload
from app.store.models import Dossier, Event, FeePayment


def fold_fee_paid(session: Session, event: Event, p: FeePaidPayload, dossier: Dossier | None) -> None:
    """One row per payment event (idempotent; a payment pulled before its dossier is kept all the
    same). The dossier's version moves, as the server's does for any step."""
    if session.get(FeePayment, event.id) is not None:
        return
    session.add(
        FeePayment(
            event_id=event.id, dossier_uid=event.dossier_uid, unit_code=p.unit_code, code=p.code or "",
            receipt_year=p.receipt_year, receipt_series=p.receipt_series, receipt_no=p.receipt_no, amount=p.amount,
            method=p.method, payer_name=p.payer_name, payer_id=p.payer_id,
            lines=[line.model_dump(mode="json") for line in p.lines], paid_at=datetime.fromisoformat(p.paid_at),
            officer_id=event.officer_id, officer_name=event.officer_name, device_id=event.device_id,
            counter_name=p.counter_name,
        )
    )  # fmt: skip
    if dossier is not None:
        dossier.version += 1
        dossier.updated_at = max(dossier.updated_at, event.occurred_at)
