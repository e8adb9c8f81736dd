"""Pages of another dossier in one dossier's scan session (issue 15 item 4).

A page on which the code of a different dossier is read (its receipt slip, label or cover sheet)
belongs to that dossier, and so do the pages that came right after it in the same scan or import
(``page.meta["run"]``, set by the session as pages arrive), until a page with a code again: the
same rule as :func:`app.scanning.analysis.split_batch`, kept within one run so that pages scanned
later for this dossier are never taken for the other's. The session asks the officer what to do
with them before anything is saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.scanning.model import Page

RUN_KEY = "run"
"""``page.meta`` key: the number of the scan or import the page came with."""


@dataclass(frozen=True, slots=True)
class OtherDossierPages:
    """Rows (in the session's page order) that belong to the dossier ``code``."""

    code: str
    rows: tuple[int, ...]


def other_dossier_pages(pages: Sequence[Page], own_code: str) -> list[OtherDossierPages]:
    """The pages of ``pages`` that belong to a dossier other than ``own_code``, by code, in order.

    Args:
        pages: the session's pages in output order, analysed (``separator_code`` set).
        own_code: the code of the dossier being scanned.
    """
    found: dict[str, list[int]] = {}
    current: tuple[str, object] | None = None  # (other code, run) while its pages follow
    for row, page in enumerate(pages):
        run = page.meta.get(RUN_KEY)
        code = page.separator_code
        if code is not None:
            current = (code, run) if code != own_code else None
        elif current is None or run is None or run != current[1]:
            current = None
        if current is not None:
            found.setdefault(current[0], []).append(row)
    return [OtherDossierPages(code, tuple(rows)) for code, rows in found.items()]
