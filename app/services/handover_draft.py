"""The handover batch being scanned (F7), with its undo, kept in the store so a crash loses no scan.

The screen (ui/screens/handover.py) shows a :class:`HandoverDraft` and calls its methods; this
module holds the rules: a dossier joins the batch once, a scan left out is listed with its reason,
a removal can be undone (unless the folder was scanned again meanwhile), and the batch is saved in
the ``handover_draft`` settings row with a revision so a late save never overwrites a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from app.domain.custody import Place, PlaceKind
from app.services.handover import BatchDraft, DossierBrief, ScanVerdict, open_batch
from app.store.models import Setting

DRAFT_KEY = "handover_draft"
"""Setting row holding the batch being scanned, so a crash or power cut loses no scan."""

MAX_CODES = 500
"""A saved draft offers back at most this many codes (a handover record holds far fewer)."""


class Direction(StrEnum):
    """Which way the folders go."""

    TO_DEPARTMENT = "to_department"  # the counter sends them to the handling agency
    TO_COUNTER = "to_counter"  # the agency sends results back to the counter


@dataclass(frozen=True, slots=True)
class ScanLine:
    """One scan as listed: accepted into the batch (``ok``) or left out with the reason."""

    code: str
    ok: bool
    message: str
    dossier: DossierBrief | None

    @property
    def uid(self) -> str:
        return self.dossier.uid if self.dossier is not None else ""


@dataclass(frozen=True, slots=True)
class SavedDraft:
    """A batch saved unsent: its route, note and the codes to scan back in."""

    officer_id: str
    revision: int
    direction: str
    department: str
    note: str
    codes: tuple[str, ...]

    def as_value(self) -> dict[str, Any]:
        """The settings row's JSON value (the keys older versions wrote)."""
        return {
            "officer_id": self.officer_id,
            "revision": self.revision,
            "direction": self.direction,
            "department": self.department,
            "note": self.note,
            "codes": list(self.codes),
        }

    @classmethod
    def from_value(cls, value: Any) -> SavedDraft | None:
        """Read a settings row's value; anything malformed reads as no draft."""
        if not isinstance(value, dict):
            return None
        codes = value.get("codes")
        try:
            revision = int(value.get("revision", 0))
        except (TypeError, ValueError):
            revision = 0
        return cls(
            officer_id=str(value.get("officer_id", "")),
            revision=revision,
            direction=str(value.get("direction") or ""),
            department=str(value.get("department") or ""),
            note=str(value.get("note") or "")[:300],
            codes=tuple(c for c in codes if isinstance(c, str))[:MAX_CODES] if isinstance(codes, list) else (),
        )


@dataclass(frozen=True, slots=True)
class Undone:
    """What :meth:`HandoverDraft.undo` did: the line put back at ``row``, or nothing (``row`` -1)."""

    line: ScanLine
    row: int
    message: str


class HandoverDraft:
    """The batch being built: every scan's line, the accepted dossiers, the undo stack of removals.

    Args:
        batch: The empty batch just opened (:func:`app.services.handover.open_batch`).
        revision: The last revision saved (a resumed draft continues from it).
    """

    def __init__(self, batch: BatchDraft, revision: int = 0) -> None:
        self.batch = batch
        self.lines: list[ScanLine] = []
        self._undo: list[tuple[int, ScanLine]] = []
        self.revision = revision

    @classmethod
    def open(cls, source: Place, destination: Place, note: str = "", revision: int = 0) -> HandoverDraft:
        """Start an empty draft from ``source`` to ``destination``.

        Raises:
            UserFacingError: the two places are the same.
        """
        return cls(open_batch(source, destination, note=note), revision)

    @property
    def count(self) -> int:
        """Dossiers in the batch."""
        return len(self.batch.items)

    @property
    def rejected(self) -> int:
        """Scans listed but left out."""
        return sum(1 for line in self.lines if not line.ok)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def add(self, verdict: ScanVerdict) -> ScanLine:
        """List a checked scan at the bottom; a good one joins the batch unless already in it."""
        dossier = verdict.dossier
        ok = verdict.ok and dossier is not None and not self.batch.has(dossier.uid)
        line = ScanLine(verdict.code, ok, verdict.message, dossier)
        if ok and dossier is not None:
            self.batch = replace(self.batch, items=(*self.batch.items, dossier))
        self.lines.append(line)
        return line

    def remove(self, row: int) -> ScanLine:
        """Take line ``row`` off the list (and its dossier out of the batch); undo puts it back.

        Raises:
            IndexError: no such row.
        """
        line = self.lines.pop(row)
        if line.ok:
            self.batch = replace(self.batch, items=tuple(i for i in self.batch.items if i.uid != line.uid))
        self._undo.append((row, line))
        return line

    def undo(self) -> Undone | None:
        """Put the last removed line back where it was; None when nothing was removed."""
        if not self._undo:
            return None
        row, line = self._undo.pop()
        if line.ok and line.dossier is not None:
            if self.batch.has(line.uid):
                return Undone(line, -1, f"Hồ sơ {line.code} đã được quét lại; không cần hoàn tác.")
            self.batch = replace(self.batch, items=(*self.batch.items, line.dossier))
        row = max(0, min(row, len(self.lines)))
        self.lines.insert(row, line)
        return Undone(line, row, f"Đã đưa {line.code} trở lại danh sách.")

    def snapshot(self, officer_id: str, note: str) -> SavedDraft | None:
        """The next revision to save: the batch's codes, or None to drop the saved draft (empty)."""
        self.revision += 1
        if not self.batch.items:
            return None
        source, destination = self.batch.source, self.batch.destination
        to_counter = destination.kind == PlaceKind.COUNTER
        return SavedDraft(
            officer_id=officer_id,
            revision=self.revision,
            direction=str(Direction.TO_COUNTER if to_counter else Direction.TO_DEPARTMENT),
            department=(source if to_counter else destination).code,
            note=note,
            codes=tuple(item.code for item in self.batch.items),
        )


def load_draft(session: Session, officer_id: str) -> SavedDraft | None:
    """The batch ``officer_id`` left unsent, if any (another officer's draft is not offered)."""
    row = session.get(Setting, DRAFT_KEY)
    draft = SavedDraft.from_value(row.value if row is not None else None)
    if draft is None or draft.officer_id != officer_id or not draft.codes:
        return None
    return draft


def save_draft(session: Session, officer_id: str, revision: int, draft: SavedDraft | None) -> bool:
    """Write ``draft`` (None: drop it) unless a newer revision of this officer's is stored already.

    Returns:
        Whether the row was written (False: this save arrived after a newer one).
    """
    row = session.get(Setting, DRAFT_KEY)
    stored = SavedDraft.from_value(row.value if row is not None else None)
    if stored is not None and stored.officer_id == officer_id and stored.revision > revision:
        return False
    value = draft.as_value() if draft is not None else {"officer_id": officer_id, "revision": revision, "codes": []}
    if row is None:
        session.add(Setting(key=DRAFT_KEY, value=value))
    else:
        row.value = value
    return True
