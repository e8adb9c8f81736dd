"""Hồ sơ → Danh sách hồ sơ tiếp nhận trong ngày: today's receipts of this officer (of the whole
office for a supervisor), rendered off the GUI thread and shown in the shared print preview."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.printing.raster import PageImage, rasterise
from ui.context import UiContext
from ui.screens.print_preview import PREVIEW_DPI, PdfPreviewDialog

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class RenderedDayList:
    """The PDF, its page images and how many dossiers it lists."""

    pdf: bytes
    pages: tuple[PageImage, ...]
    count: int
    day_text: str


class DayListPreviewDialog(PdfPreviewDialog):
    """The day's list as it will print; it is not a step of any dossier: nothing logged."""

    def _log(self, output: str) -> None:
        return None


def open_day_list(ctx: UiContext, parent: QWidget) -> None:
    """Build, render and preview today's list; errors go to the officer as a message."""
    actor, now = ctx.actor, ctx.clock()

    def work(session: Session) -> RenderedDayList:
        from app.printing import day_list as day_list_pdf
        from app.services.day_list import build_day_list

        data = build_day_list(session, actor, now.date(), now, every_officer=True)
        out = io.BytesIO()
        day_list_pdf.render(data, out)
        pdf = out.getvalue()
        return RenderedDayList(pdf, tuple(rasterise(pdf, PREVIEW_DPI)), len(data.rows), f"{data.day:%d-%m-%Y}")

    def show(done: RenderedDayList) -> None:
        if not shiboken6.isValid(parent):
            return
        dialog = DayListPreviewDialog(
            ctx, done.pdf, done.pages, heading="Danh sách hồ sơ tiếp nhận trong ngày", code=done.day_text,
            file_stem="danh-sach-tiep-nhan", note=f" · {done.count} hồ sơ", reprint=False, parent=parent,
        )  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def failed(exc: BaseException) -> None:
        message = getattr(exc, "message", None) or "Chưa lập được danh sách; hãy thử lại hoặc báo bộ phận CNTT."
        ctx.prompts.error(parent, "Không lập được danh sách", message)

    ctx.runner.run(work, show, failed, write=False)
