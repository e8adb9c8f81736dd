"""Whether an applicant's identifier is already on file under another name (issue 15).

A personal ID, a passport number or a tax code belongs to one person or organisation: the same
number under two names is a mistyped digit or the wrong card, and the officer should look again
before the dossier is received. The dossier row's ``personal_id`` column holds each applicant's
identifier (ID, passport or tax code) and is indexed (``ix_dossier_personal_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.applicant_kinds import ApplicantKind
from app.services.applicant import ApplicantDraft
from app.store.models import Dossier
from app.text import fold

SHOWN = 3
"""At most this many other dossiers are named in the message (the rest are counted)."""
SCANNED = 500
"""Rows read for one identifier: a busy organisation's tax code may be on many dossiers."""

# kind: (the identifier's name, the name's name, the paper to check)
_WORDS: dict[str, tuple[str, str, str]] = {
    ApplicantKind.CITIZEN.value: ("Số định danh", "họ tên", "thẻ căn cước"),
    ApplicantKind.FOREIGNER.value: ("Số hộ chiếu", "họ tên", "hộ chiếu"),
    ApplicantKind.ORGANISATION.value: (
        "Mã số doanh nghiệp/mã số thuế",
        "tên",
        "Giấy chứng nhận đăng ký doanh nghiệp",
    ),
}


@dataclass(frozen=True, slots=True)
class OtherName:
    """A dossier already on file with the same identifier and another name."""

    uid: str
    code: str | None
    applicant_name: str
    received_at: datetime

    @property
    def reference(self) -> str:
        """ "hồ sơ <code>", or the date for a dossier given no code (a supplement or refusal)."""
        if self.code:
            return f"hồ sơ {self.code}"
        return f"hồ sơ chưa cấp mã ngày {self.received_at:%d/%m/%Y}"


@dataclass(frozen=True, slots=True)
class IdentifierClash:
    """The identifier being received and the dossiers that give it another name.

    Attributes:
        kind: The applicant kind (which words the message uses).
        identifier: The number, as stored.
        others: For each other name (at most :data:`SHOWN`), its most recent dossier.
        more: How many further dossiers give it another name.
    """

    kind: str
    identifier: str
    others: tuple[OtherName, ...]
    more: int

    def message(self) -> str:
        """The Vietnamese warning, e.g. "Số định danh 0220… đã có trong hồ sơ …-0003 với họ tên
        “Trần Thị B”. Kiểm tra lại thẻ căn cước." """
        number, name_word, paper = _WORDS.get(self.kind, _WORDS[ApplicantKind.CITIZEN.value])
        places = ", ".join(f"{o.reference} với {name_word} “{o.applicant_name}”" for o in self.others)
        if self.more:
            places += f" (và {self.more} hồ sơ khác)"
        return f"{number} {self.identifier} đã có trong {places}. Kiểm tra lại {paper}."


def find_identifier_clash(session: Session, applicant: ApplicantDraft) -> IdentifierClash | None:
    """The dossiers on file whose applicant has ``applicant``'s identifier but another name.

    Names are compared folded (letter case, diacritics and spacing do not count: "NGUYỄN VĂN AN"
    is "Nguyễn Văn An"). None when the identifier is empty or every dossier has the same name.
    """
    a = applicant.normalised()
    identifier = a.identifier
    if not identifier:
        return None
    name = fold(a.full_name)
    rows = session.execute(
        select(Dossier.uid, Dossier.code, Dossier.applicant_name, Dossier.received_at)
        .where(Dossier.personal_id == identifier)
        .order_by(Dossier.received_at.desc())
        .limit(SCANNED)
    ).all()
    clashing = [r for r in rows if fold(r.applicant_name) != name]
    if not clashing:
        return None
    latest: dict[str, OtherName] = {}  # each other name once, with its most recent dossier
    for r in clashing:
        latest.setdefault(fold(r.applicant_name), OtherName(r.uid, r.code, r.applicant_name, r.received_at))
    shown = tuple(latest.values())[:SHOWN]
    return IdentifierClash(a.kind, identifier, shown, len(clashing) - len(shown))
