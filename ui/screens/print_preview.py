"""Print preview of a rendered form (QtPdf) with Print and Save as PDF; every copy of a dossier's form is
logged. Documents that are no dossier's step (batch records, fee receipts, the day's lists) open through
:func:`open_pdf_preview` in an :class:`UnloggedPreviewDialog`."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import shiboken6
from PySide6.QtCore import QRectF, QSizeF, Qt, Slot
from PySide6.QtGui import QImage, QKeySequence, QPageLayout, QPageSize, QPainter, QPixmap, QShortcut
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.domain.file_names import suggested_file_name
from app.printing.raster import PageImage, rasterise
from app.services.drafts import Changes
from app.services.forms import FormKind, build_slip, record_print, render
from ui.context import UiContext
from ui.theme import Role, set_role


@dataclass(frozen=True, slots=True)
class RenderedForm:
    """A form ready to preview: its PDF bytes and what it is."""

    uid: str
    kind: FormKind
    code: str
    pdf: bytes
    pages: tuple[PageImage, ...]


PREVIEW_DPI = 110
PRINT_DPI = 300


def render_form(session: Session, uid: str) -> RenderedForm:
    """Worker-side: rebuild the slip of dossier ``uid``, render it to PDF and to preview images."""
    kind, slip = build_slip(session, uid)
    out = io.BytesIO()
    render(kind, slip, out)
    code = getattr(slip, "dossier_code", "") or slip.applicant.full_name
    pdf = out.getvalue()
    return RenderedForm(uid, kind, code, pdf, tuple(rasterise(pdf, PREVIEW_DPI)))


def to_qimage(page: PageImage) -> QImage:
    """A QImage that owns a copy of the page's pixels."""
    return QImage(page.rgb, page.width, page.height, page.width * 3, QImage.Format.Format_RGB888).copy()


def print_pdf(pdf: bytes, printer: QPrinter) -> None:
    """Print every page of ``pdf`` on ``printer`` at full size (raster at up to 300 dpi)."""
    printer.setFullPage(True)
    dpi = min(PRINT_DPI, printer.resolution())
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError("printer refused to start")
    try:
        for index, page in enumerate(rasterise(pdf, dpi)):
            if index:
                printer.newPage()
            full = printer.pageLayout().fullRectPixels(printer.resolution())
            painter.drawImage(QRectF(full), to_qimage(page))
    finally:
        painter.end()


def page_size(page: PageImage) -> QPageSize:
    """The paper of a rendered page (A4, A5, a 50 × 30 mm label…)."""
    mm_per_pt = 25.4 / 72
    return QPageSize(QSizeF(page.width_pt * mm_per_pt, page.height_pt * mm_per_pt), QPageSize.Unit.Millimeter)


def paper_text(page: PageImage) -> str:
    """ "khổ A5", "khổ A4" or "khổ 50 × 30 mm"."""
    w, h = round(page.width_pt * 25.4 / 72), round(page.height_pt * 25.4 / 72)
    named = {(210, 297): "A4", (148, 210): "A5"}.get((w, h))
    return f"khổ {named}" if named else f"khổ {w} × {h} mm"


class PdfPreviewDialog(QDialog):
    """A rendered PDF as it will print; Ctrl+P prints on the PDF's own paper size, Ctrl+S saves it,
    Esc closes. Subclasses say what a copy means (:meth:`_log`).

    Args:
        ctx: The logged-in session's services.
        pdf: The PDF bytes; ``pages`` its preview images.
        heading: What the document is (window title, printer job name).
        code: Dossier code or batch id (title, job name, file name).
        file_stem: The document's kind ("receipt") or name, start of the suggested file name
            (:func:`app.domain.file_names.suggested_file_name`).
        note: Added to the page count below the pages.
        reprint: The first copy is already a reprint.
    """

    def __init__(
        self,
        ctx: UiContext,
        pdf: bytes,
        pages: Sequence[PageImage],
        *,
        heading: str,
        code: str,
        file_stem: str,
        note: str = "",
        reprint: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx, self._pdf, self._pages, self._reprint = ctx, pdf, tuple(pages), reprint
        self._heading, self._code, self._file_stem = heading, code, file_stem
        self.setWindowTitle(f"Xem trước khi in – {heading} – {code}")
        self.resize(820, 700)
        pages_box = QWidget()
        pages_box.setStyleSheet("background: #7a7f87;")
        column = QVBoxLayout(pages_box)
        column.setSpacing(16)
        for page in self._pages:
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(to_qimage(page)))
            label.setStyleSheet("border: 1px solid #444;")
            column.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
        view = QScrollArea(self)
        view.setWidget(pages_box)
        view.setWidgetResizable(True)
        first = self._pages[0] if self._pages else None
        self.status = QLabel(f"{len(self._pages)} trang {paper_text(first)}{note}" if first else "Không có trang nào")
        self.print_button = QPushButton("In (Ctrl+P)")
        set_role(self.print_button, Role.PRIMARY)
        self.save_button = QPushButton("Lưu PDF (Ctrl+S)")
        close = QPushButton("Đóng (Esc)")
        self.print_button.clicked.connect(self._on_print_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Print, self, self._on_print_clicked)
        QShortcut(QKeySequence.StandardKey.Save, self, self._on_save_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for b in (self.print_button, self.save_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(view, 1)
        layout.addLayout(buttons)
        self.print_button.setFocus()

    def _log(self, output: str) -> None:
        """Record a copy sent to ``output`` ("printer" or "pdf")."""
        raise NotImplementedError

    def _on_log_failed(self, exc: BaseException) -> None:
        self._ctx.prompts.error(self, "Không ghi được nhật ký in", str(exc))

    @Slot()
    def _on_print_clicked(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if self._pages:
            layout = QPageLayout(
                page_size(self._pages[0]), QPageLayout.Orientation.Portrait, printer.pageLayout().margins()
            )
            printer.setPageLayout(layout)
        printer.setDocName(f"{self._heading} {self._code}")
        if not self._ctx.prompts.choose_printer(self, printer):
            return
        try:
            print_pdf(self._pdf, printer)
        except RuntimeError:
            paper = paper_text(self._pages[0]).removeprefix("khổ ") if self._pages else ""
            self._ctx.prompts.error(
                self,
                "Không in được",
                f"Máy in không sẵn sàng. Hãy kiểm tra máy in, giấy {paper} rồi bấm In lại, hoặc Lưu PDF để in sau.",
            )
            return
        self.status.setText("Đã gửi lệnh in.")
        self._log("printer")

    @Slot()
    def _on_save_clicked(self) -> None:
        name = suggested_file_name(self._file_stem, self._code, "pdf")  # "giay-tiep-nhan-<code>.pdf"
        path = self._ctx.prompts.save_pdf_path(self, str(Path.home() / name))
        if not path:
            return
        try:
            Path(path).write_bytes(self._pdf)
        except OSError as exc:
            self._ctx.prompts.error(
                self, "Không lưu được tệp", f"Không ghi được {path}: {exc.strerror}. Hãy chọn thư mục khác."
            )
            return
        self.status.setText(f"Đã lưu {path}")
        self._log("pdf")


class PrintPreviewDialog(PdfPreviewDialog):
    """Forms 01–03 of a dossier; every copy goes into its history."""

    def __init__(self, ctx: UiContext, form: RenderedForm, *, reprint: bool, parent: QWidget | None = None) -> None:
        two_copies = " – hai liên: Liên 1 lưu, Liên 2 giao người nộp" if form.kind is FormKind.RECEIPT else ""
        super().__init__(
            ctx, form.pdf, form.pages, heading=form.kind.heading, code=form.code, file_stem=form.kind.value,
            note=two_copies, reprint=reprint, parent=parent,
        )  # fmt: skip
        self._form = form

    def _log(self, output: str) -> None:
        ctx, form, reprint = self._ctx, self._form, self._reprint
        now = ctx.clock()

        def work(session: Session) -> Changes:
            record_print(session, ctx.actor, form.uid, form.kind, output, reprint, now)
            return Changes(frozenset({form.uid}))

        ctx.runner.run(work, lambda changes: ctx.bus.publish(changes, self), self._on_log_failed, write=True)
        self._reprint = True  # a second copy from the same preview is a reprint


def open_form_preview(ctx: UiContext, parent: QWidget, uid: str, *, reprint: bool) -> None:
    """Render the form of dossier ``uid`` off the GUI thread, then open the preview."""

    def show(form: RenderedForm) -> None:
        dialog = PrintPreviewDialog(ctx, form, reprint=reprint, parent=parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    ctx.runner.run(
        lambda s: render_form(s, uid),
        show,
        lambda e: ctx.prompts.error(parent, "Không in được phiếu", str(e)),
        write=False,
    )


class UnloggedPreviewDialog(PdfPreviewDialog):
    """A document that is no step of a dossier (a batch record, a fee receipt, a day's list): a copy
    printed or saved goes into no history."""

    def _log(self, output: str) -> None:
        del output


Preview = TypeVar("Preview", bound=PdfPreviewDialog)


@dataclass(frozen=True, slots=True)
class MadePdf:
    """A document made on the worker: its PDF, its number or day (window title, file name) and what
    the preview adds after the page count."""

    pdf: bytes
    code: str
    note: str = ""


def open_pdf_preview(
    ctx: UiContext,
    parent: QWidget,
    make: Callable[[Session], MadePdf],
    dialog: type[Preview],
    *,
    heading: str,
    file_stem: str,
    failure: str = "Không in được",
    fallback: str = "",
    on_open: Callable[[Preview], None] | None = None,
) -> None:
    """Make a document off the GUI thread, then preview it over ``parent``.

    Args:
        ctx: The logged-in session's services.
        parent: The window the preview opens over (nothing opens when it went away meanwhile).
        make: Worker side: the document.
        dialog: The preview's class (what a copy means).
        heading, file_stem: As :class:`PdfPreviewDialog` takes them.
        failure: The title of the message when the document cannot be made.
        fallback: With a fallback the message is the error's own Vietnamese message, or the fallback
            for an unexpected error; without, the error's text.
        on_open: Called with the preview once it is open.
    """

    def work(session: Session) -> tuple[MadePdf, tuple[PageImage, ...]]:
        made = make(session)
        return made, tuple(rasterise(made.pdf, PREVIEW_DPI))

    def show(result: tuple[MadePdf, tuple[PageImage, ...]]) -> None:
        if not shiboken6.isValid(parent):
            return  # its window went away (logged out) while the document was drawn
        made, pages = result
        preview = dialog(ctx, made.pdf, pages, heading=heading, code=made.code, file_stem=file_stem, note=made.note,
                         reprint=False, parent=parent)  # fmt: skip
        preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        preview.open()
        if on_open is not None:
            on_open(preview)

    def failed(exc: BaseException) -> None:
        if shiboken6.isValid(parent):
            message = (getattr(exc, "message", None) or fallback) if fallback else str(exc)
            ctx.prompts.error(parent, failure, message)

    ctx.runner.run(work, show, failed, write=False)
