"""The citizen's satisfaction rating at return (DOMAIN.md §8, indicator 5.4): its three answers,
who recorded it, and the Vietnamese labels — written here once for every screen and report."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Rating(StrEnum):
    """How satisfied the citizen is; stored as text in the ``dossier.rated`` payload."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"

    @property
    def label(self) -> str:
        """``Rất hài lòng`` / ``Hài lòng`` / ``Không hài lòng``."""
        return RATING_LABELS[self]


class RatingSource(StrEnum):
    """Who entered the answer: the citizen on the counter's second screen, or the officer for them."""

    CITIZEN_SCREEN = "citizen_screen"
    OFFICER = "officer"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


RATING_LABELS: Mapping[Rating, str] = MappingProxyType(
    {
        Rating.VERY_SATISFIED: "Rất hài lòng",
        Rating.SATISFIED: "Hài lòng",
        Rating.DISSATISFIED: "Không hài lòng",
    }
)

SOURCE_LABELS: Mapping[RatingSource, str] = MappingProxyType(
    {
        RatingSource.CITIZEN_SCREEN: "công dân chọn trên màn hình phụ",
        RatingSource.OFFICER: "cán bộ ghi theo ý kiến công dân",
    }
)

RATINGS: tuple[Rating, ...] = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.DISSATISFIED)
"""In the order the choices are offered (keys 1, 2, 3)."""


def rating_label(value: str | None) -> str:
    """The label of a stored rating text; "" for none, the text itself for one this version does not know."""
    if not value:
        return ""
    try:
        return Rating(value).label
    except ValueError:
        return value


def why_not_rateable(status: int, code: str | None, rating: str | None) -> str:
    """Why dossier ``code`` cannot be rated now ("" when it can): only a returned dossier, only once."""
    from app.domain.status import DossierStatus

    if rating:
        return (
            f"Hồ sơ {code or ''} đã được đánh giá “{rating_label(rating)}”; mỗi hồ sơ chỉ được đánh giá một lần."
        ).replace("  ", " ")
    if status != DossierStatus.RETURNED:
        try:
            label = DossierStatus(status).label
        except ValueError:
            label = str(status)
        return (
            f"Hồ sơ {code or ''} đang ở trạng thái “{label}”: chỉ đánh giá được khi đã trả kết quả cho công dân."
        ).replace("  ", " ")
    return ""
