"""Print preview of the custody documents: handover record, form 02 after reception, form 04, form 05,
return receipt and folder labels; Print / Save PDF, every copy of a dossier's document is logged.

The dialog is the shared PdfPreviewDialog (ui/screens/print_preview.py): it prints on the rendered
PDF's own paper (A4, A5, label stocks).
The render functions run on a worker (they read the store and draw with reportlab).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.printing.raster import PageImage, rasterise
from app.services.forms import CustodyDocument, record_prints
from ui.context import UiContext
from ui.screens.print_preview import PREVIEW_DPI, PdfPreviewDialog

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.domain.calendar import WorkingCalendar
    from app.printing.data import LabelPrintJob


DocKind = CustodyDocument
"""The documents this module previews (their kinds and titles live in app/services/forms.py)."""


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """A document ready to preview.

    Attributes:
        kind: What it is.
        code: Dossier code or batch id, for the title and the PDF file name.
        uids: The dossiers whose history records each copy (empty: nothing is logged).
        pdf: The PDF bytes.
        pages: Preview images.
    """

    kind: DocKind
    code: str
    uids: tuple[str, ...]
    pdf: bytes
    pages: tuple[PageImage, ...]


def _finish(kind: DocKind, code: str, uids: Sequence[str], write: Callable[[io.BytesIO], object]) -> RenderedDocument:
    out = io.BytesIO()
    write(out)
    pdf = out.getvalue()
    return RenderedDocument(kind, code, tuple(uids), pdf, tuple(rasterise(pdf, PREVIEW_DPI)))


# --- worker-side renderers ------------------------------------------------------------------------


def render_handover_record(session: Session, batch_id: str) -> RenderedDocument:
    """The biên bản bàn giao of a sent batch."""
    from app.domain.batch_number import batch_number
    from app.printing import handover
    from app.services.custody_forms import build_handover_record

    data = build_handover_record(session, batch_id)
    return _finish(DocKind.HANDOVER, batch_number(batch_id), (), lambda out: handover.render(data, out))


def render_apology(session: Session, uid: str) -> RenderedDocument:
    """Form 04 of a dossier whose due date was moved."""
    from app.printing import form04
    from app.services.custody_forms import build_apology_slip

    data = build_apology_slip(session, uid)
    return _finish(DocKind.APOLOGY, data.dossier_code, (uid,), lambda out: form04.render(data, out))


def render_control(session: Session, calendar: WorkingCalendar, uid: str) -> RenderedDocument:
    """Form 05/06, filled from the custody events so far."""
    from app.printing import form05
    from app.services.custody_forms import build_control_slip

    data = build_control_slip(session, calendar, uid)
    return _finish(DocKind.CONTROL, data.dossier_code, (uid,), lambda out: form05.render(data, out))


def render_return_receipt(session: Session, uid: str) -> RenderedDocument:
    """The receipt of a result handed to the citizen."""
    from app.printing import return_receipt
    from app.services.custody_forms import build_return_receipt

    data = build_return_receipt(session, uid)
    return _finish(DocKind.RETURN_RECEIPT, data.dossier_code, (uid,), lambda out: return_receipt.render(data, out))


def render_supplement_after_reception(session: Session, uid: str) -> RenderedDocument:
    """Form 02 again, from the department's supplement request."""
    from app.printing import form02
    from app.services.custody_forms import build_department_supplement_slip

    slip = build_department_supplement_slip(session, uid)
    return _finish(DocKind.SUPPLEMENT, slip.dossier_ref, (uid,), lambda out: form02.render(slip, out))


def render_labels(session: Session, uids: Sequence[str], job: LabelPrintJob) -> RenderedDocument:
    """Labels of the dossiers ``uids`` on the job's stock with its calibration (``job.labels`` ignored)."""
    from dataclasses import replace

    from app.printing import labels
    from app.services.custody_forms import build_label

    data = tuple(build_label(session, uid) for uid in uids)
    full = replace(job, labels=data)
    code = data[0].dossier_code if len(data) == 1 else f"{len(data)}-nhan"
    return _finish(DocKind.LABEL, code, uids, lambda out: labels.render(full, out))


def render_cover_sheet(session: Session, uid: str, office_name: str) -> RenderedDocument:
    """The separator sheet of one dossier: put in front of its pages, a feeder batch of several
    dossiers is split at it (Quét lô hồ sơ, Shift+F9). Not a legal form: copies are not logged."""
    from app.errors import UserFacingError
    from app.printing import cover_sheet
    from app.services.dossiers import get_detail

    detail = get_detail(session, uid)
    if detail is None or not detail.code:
        raise UserFacingError("Hồ sơ chưa có mã (chưa tiếp nhận): không in được tờ phân cách.")
    pdf = cover_sheet.render_cover_sheet(detail.code, detail.applicant_name, detail.procedure_name, office_name)
    return _finish(DocKind.COVER_SHEET, detail.code, (), lambda out: out.write(pdf))


# --- the dialog -------------------------------------------------------------------------------------


class DocumentPreviewDialog(PdfPreviewDialog):
    """A custody document; each copy of a dossier's document goes into its history.

    Args:
        ctx: The logged-in session's services.
        doc: What to show.
        reprint: The first copy is already a reprint (e.g. "In lại nhãn").
        parent: The window it belongs to.
    """

    def __init__(self, ctx: UiContext, doc: RenderedDocument, *, reprint: bool = False, parent: QWidget | None = None):
        super().__init__(
            ctx, doc.pdf, doc.pages, heading=doc.kind.heading, code=doc.code, file_stem=doc.kind.value,
            reprint=reprint, parent=parent,
        )  # fmt: skip
        self.doc = doc

    def _log(self, output: str) -> None:
        if not self.doc.uids:
            return
        ctx, doc, reprint, now = self._ctx, self.doc, self._reprint, self._ctx.clock()
        ctx.runner.run(
            lambda s: record_prints(s, ctx.actor, doc.uids, doc.kind, output, reprint, now),
            lambda changes: ctx.bus.publish(changes, self),
            self._on_log_failed,
            write=True,
        )
        self._reprint = True  # a second copy from the same preview is a reprint


def open_document_preview(
    ctx: UiContext,
    parent: QWidget,
    work: Callable[[Session], RenderedDocument],
    *,
    reprint: bool = False,
    on_open: Callable[[DocumentPreviewDialog], None] | None = None,
) -> None:
    """Render off the GUI thread with ``work``, then open the preview (an error says what went wrong)."""

    def show(doc: RenderedDocument) -> None:
        dialog = DocumentPreviewDialog(ctx, doc, reprint=reprint, parent=parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        if on_open is not None:
            on_open(dialog)

    ctx.runner.run(work, show, lambda e: ctx.prompts.error(parent, "Không in được", str(e)), write=False)
