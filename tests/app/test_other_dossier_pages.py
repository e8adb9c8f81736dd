"""Which pages of a scan session belong to another dossier (issue 15 item 4)."""

from __future__ import annotations

from PIL import Image

from app.scanning.model import ColorMode, Page
from app.scanning.other_dossier import RUN_KEY, OtherDossierPages, other_dossier_pages

OWN, OTHER, THIRD = "000.01.00.H49-261123-0003", "000.01.00.H49-261123-0001", "000.01.00.H49-261123-0002"


def page(run: int, code: str | None = None) -> Page:
    return Page(Image.new("L", (8, 8), 255), 100, ColorMode.GRAY, separator_code=code, meta={RUN_KEY: run})


def test_the_other_slip_and_the_pages_after_it_in_the_same_run() -> None:
    pages = [page(1), page(1, OTHER), page(1), page(1), page(2), page(2, OWN), page(2)]
    assert other_dossier_pages(pages, OWN) == [OtherDossierPages(OTHER, (1, 2, 3))]


def test_own_code_or_another_code_ends_the_other_dossier() -> None:
    pages = [page(1, OTHER), page(1), page(1, OWN), page(1), page(1, THIRD), page(1), page(1, OTHER)]
    assert other_dossier_pages(pages, OWN) == [OtherDossierPages(OTHER, (0, 1, 6)), OtherDossierPages(THIRD, (4, 5))]


def test_nothing_when_every_code_is_the_dossier_s_own() -> None:
    assert other_dossier_pages([page(1, OWN), page(1), page(1)], OWN) == []
    assert other_dossier_pages([page(1), page(2)], OWN) == []
