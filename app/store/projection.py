"""Applies events to dossier state: the one place that changes a dossier row."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.events import EventType
from app.domain.status import DossierStatus
from app.store.models import Dossier, Event
from app.text import fold


def search_text(code: str | None, name: str, personal_id: str, phone: str, procedure_name: str) -> str:
    """Folded text the FTS index searches: code parts, name, ID number, phone, procedure."""
    return " ".join(p for p in (fold(code or ""), fold(name), personal_id, phone, fold(procedure_name)) if p)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def apply_event(session: Session, event: Event) -> Dossier | None:
    """Fold ``event`` into the dossier state (creating it for a decision at reception).

    Events pulled from other counters come through here too, so folding is idempotent: a
    reception decision for a dossier that exists already changes nothing, and an event type
    this version does not know (written by a newer one) stays in the log unfolded.
    """
    try:
        kind = EventType(event.type)
    except ValueError:
        return None
    p: dict[str, Any] = event.payload
    if kind is EventType.FORM_PRINTED:
        return None
    existing = session.scalars(select(Dossier).where(Dossier.uid == event.dossier_uid)).first()
    if existing is not None:
        return existing
    status = {
        EventType.RECEIVED: DossierStatus.RECEIVED,
        EventType.SUPPLEMENT_REQUESTED: DossierStatus.SUPPLEMENT_REQUESTED,
        EventType.REFUSED: DossierStatus.REFUSED,
    }[kind]
    applicant = p["applicant"]
    procedure = p["procedure"]
    received_at = _dt(p["received_at"])
    assert received_at is not None
    dossier = Dossier(
        uid=event.dossier_uid,
        code=p.get("code"),
        unit_code=p["unit_code"],
        status=int(status),
        procedure_code=procedure["code"],
        procedure_name=procedure["name"],
        field=procedure.get("field", ""),
        department_code=procedure.get("department_code", ""),
        department_name=procedure.get("department_name", ""),
        applicant_name=applicant["full_name"],
        personal_id=applicant.get("personal_id", ""),
        birth_date=date.fromisoformat(applicant["birth_date"]) if applicant.get("birth_date") else None,
        sex=applicant.get("sex", ""),
        address=applicant.get("address", ""),
        phone=applicant.get("phone", ""),
        email=applicant.get("email", ""),
        received_at=received_at,
        due_at=_dt(p.get("due_at")),
        register_no=p.get("register_no"),
        officer_id=event.officer_id,
        officer_name=event.officer_name,
        device_id=event.device_id,
        version=1,
        data=p,
        search_text=search_text(
            p.get("code"),
            applicant["full_name"],
            applicant.get("personal_id", ""),
            applicant.get("phone", ""),
            procedure["name"],
        ),
        updated_at=event.occurred_at,
    )
    session.add(dossier)
    return dossier
