"""The printable period documents: Biểu II.06a and the late-dossier list, as counted by app.services.reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.domain.period_report import PeriodReport
from app.printing.data import OfficeHeader
from app.services.register import office_header
from app.services.reports import LateDossier, late_dossiers, period_report

FORM_NUMBER = "Biểu II.06a"


@dataclass(frozen=True, slots=True)
class PeriodDocument:
    """Biểu II.06a of a period with its late-dossier list, ready to print or export.

    Attributes:
        header: The office, for the national header.
        report: The counts (app.services.reports.period_report).
        late: The late dossiers of the period, most late first.
        made_at: When the document was made (date line).
        demo: Demo data: every page carries the demo mark.
        form_number: Printed top right.
        late_listed: False when the late-dossier list is not part of the document (the province's
            report from the server, which counts but does not list other offices' dossiers).
    """

    header: OfficeHeader
    report: PeriodReport
    late: tuple[LateDossier, ...]
    made_at: datetime
    demo: bool
    form_number: str = FORM_NUMBER
    late_listed: bool = True

    @property
    def period_text(self) -> str:
        """ "Từ ngày 01/10/2026 đến ngày 31/12/2026"."""
        return f"Từ ngày {self.report.start:%d/%m/%Y} đến ngày {self.report.end:%d/%m/%Y}"


def build_period_document(session: Session, start: date, end: date, now: datetime) -> PeriodDocument:
    """Count the period (app.services.reports) and wrap it for printing.

    Raises:
        UserFacingError: Reversed or too long period (app.services.reports.PeriodError); PC not set up.
    """
    report = period_report(session, start, end)
    late = tuple(late_dossiers(session, start, end))
    header, _, demo = office_header(session)
    return PeriodDocument(header=header, report=report, late=late, made_at=now, demo=demo)
