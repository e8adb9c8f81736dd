"""Hồ sơ → Danh sách thu phí, lệ phí trong ngày (Ctrl+Shift+T): today's fee receipts of this officer (of
the whole office for a supervisor), totals per method, rendered off the GUI thread and previewed like
the day's list of received dossiers (zoomed to the window's width)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.domain.fees import format_vnd
from app.printing.raster import PageImage, rasterise
from app.services.context import Actor
from ui.context import UiContext
from ui.screens.day_list_print import DayListPreviewDialog
from ui.screens.print_preview import PREVIEW_DPI

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class RenderedFeeList:
    """The PDF, its page images, how many receipts and how much it lists."""

    pdf: bytes
    pages: tuple[PageImage, ...]
    count: int
    total: int
    day_text: str


def render_fee_list(session: Session, actor: Actor, now: datetime) -> RenderedFeeList:
    """Worker side: the list of ``now``'s day for ``actor`` (the office for a supervisor)."""
    from app.printing import fee_list
    from app.services.fee_documents import build_fee_list

    data = build_fee_list(session, actor, now.date(), now, every_officer=True)
    out = io.BytesIO()
    fee_list.render(data, out)
    pdf = out.getvalue()
    return RenderedFeeList(pdf, tuple(rasterise(pdf, PREVIEW_DPI)), len(data.payments), data.total,
                           f"{data.day:%d-%m-%Y}")  # fmt: skip


def open_fee_list(ctx: UiContext, parent: QWidget) -> None:
    """Build, render and preview today's fee list; errors go to the officer as a message."""
    actor, now = ctx.actor, ctx.clock()

    def show(done: RenderedFeeList) -> None:
        if not shiboken6.isValid(parent):
            return
        dialog = DayListPreviewDialog(
            ctx, done.pdf, done.pages, heading="Danh sách thu phí, lệ phí trong ngày", code=done.day_text,
            file_stem="danh-sach-thu-phi", note=f" · {done.count} biên lai, {format_vnd(done.total)} đồng",
            reprint=False, parent=parent,
        )  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def failed(exc: BaseException) -> None:
        message = getattr(exc, "message", None) or "Chưa lập được danh sách thu phí; hãy thử lại hoặc báo bộ phận CNTT."
        if shiboken6.isValid(parent):
            ctx.prompts.error(parent, "Không lập được danh sách", message)

    ctx.runner.run(lambda s: render_fee_list(s, actor, now), show, failed, write=False)
