"""The citizen's satisfaction rating at return (DOMAIN.md §8, 5.4): record it once, read it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.contracts import RatedPayload
from app.domain.events import EventType
from app.domain.rating import Rating, RatingSource, why_not_rateable
from app.errors import UserFacingError
from app.services.context import Actor
from app.services.drafts import Changes
from app.services.recorder import building, record
from app.services.returns import load_dossier
from app.store.models import Dossier
from app.text import nfc


@dataclass(frozen=True, slots=True)
class RatingInfo:
    """A dossier's rating as the detail view shows it."""

    uid: str
    code: str | None
    rating: Rating
    rated_at: datetime | None

    @property
    def label(self) -> str:
        return self.rating.label


@dataclass(frozen=True, slots=True)
class Rated:
    """What :func:`rate_dossier` recorded."""

    uid: str
    code: str | None
    rating: Rating
    source: RatingSource
    event_id: str
    message: str


_RATING_VALUES: dict[str, Literal["very_satisfied", "satisfied", "dissatisfied"]] = {
    "very_satisfied": "very_satisfied",
    "satisfied": "satisfied",
    "dissatisfied": "dissatisfied",
}
_SOURCE_VALUES: dict[str, Literal["citizen_screen", "officer"]] = {
    "citizen_screen": "citizen_screen",
    "officer": "officer",
}


def rate_dossier(
    session: Session,
    actor: Actor,
    uid: str,
    rating: Rating | str,
    source: RatingSource | str,
    at: datetime,
    comment: str = "",
) -> tuple[Rated, Changes]:
    """Record the citizen's rating of dossier ``uid`` (event ``dossier.rated``).

    Raises:
        UserFacingError: unknown dossier, not returned yet (status 10), already rated, or a rating
            or source this version does not know.
    """
    wire_rating, wire_source = _RATING_VALUES.get(str(rating)), _SOURCE_VALUES.get(str(source))
    if wire_rating is None:
        raise UserFacingError("Mức đánh giá không hợp lệ: chỉ chọn Rất hài lòng, Hài lòng hoặc Không hài lòng.")
    if wire_source is None:
        raise UserFacingError("Nguồn đánh giá không hợp lệ (màn hình công dân hoặc cán bộ ghi).")
    value, origin = Rating(wire_rating), RatingSource(wire_source)
    d = load_dossier(session, uid)
    why = why_not_rateable(d.status, d.code, d.rating)
    if why:
        raise UserFacingError(why)
    with building(EventType.RATED):
        payload = RatedPayload(
            unit_code=d.unit_code,
            rating=wire_rating,
            source=wire_source,
            comment=nfc(comment).strip()[:2000],
            rated_at=at.isoformat(timespec="seconds"),
        )
    rec, _ = record(session, actor, EventType.RATED, uid, payload, occurred_at=at, base_version=d.version)
    message = f"Đã ghi đánh giá “{value.label}” cho hồ sơ {d.code}."
    return Rated(uid, d.code, value, origin, rec.event_id, message), Changes(frozenset({uid}))


def rating_of(session: Session, uid: str) -> RatingInfo | None:
    """The dossier's rating (None when not rated, or rated with a value this version does not know)."""
    row = session.execute(select(Dossier.code, Dossier.rating, Dossier.rated_at).where(Dossier.uid == uid)).first()
    if row is None or not row.rating:
        return None
    try:
        value = Rating(row.rating)
    except ValueError:
        return None
    return RatingInfo(uid, row.code, value, row.rated_at)


@dataclass(frozen=True, slots=True)
class RatingTarget:
    """What the rating screens show: the dossier, and why it cannot be rated ("" when it can)."""

    uid: str
    code: str | None
    procedure_name: str
    why_not: str


def rating_target(session: Session, uid: str) -> RatingTarget | None:
    """The dossier as the rating screens show it (None: unknown here)."""
    row = session.execute(
        select(Dossier.code, Dossier.procedure_name, Dossier.status, Dossier.rating).where(Dossier.uid == uid)
    ).first()
    if row is None:
        return None
    return RatingTarget(uid, row.code, row.procedure_name, why_not_rateable(row.status, row.code, row.rating))
