"""Hồ sơ → Danh sách thu phí, lệ phí trong ngày (Ctrl+Shift+T): today's fee receipts of this officer (of
the whole office for a supervisor), totals per method, rendered off the GUI thread and previewed like
the day's list of received dossiers (zoomed to the window's width)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.domain.fees import format_vnd
from app.services.context import Actor
from ui.context import UiContext
from ui.screens.day_list_print import DayListPreviewDialog
from ui.screens.print_preview import MadePdf, open_pdf_preview

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def render_fee_list(session: Session, actor: Actor, now: datetime) -> MadePdf:
    """Worker side: the list of ``now``'s day for ``actor`` (the office for a supervisor)."""
    from app.printing import fee_list
    from app.services.fee_documents import build_fee_list

    data = build_fee_list(session, actor, now.date(), now, every_officer=True)
    out = io.BytesIO()
    fee_list.render(data, out)
    note = f" · {len(data.payments)} biên lai, {format_vnd(data.total)} đồng"
    return MadePdf(out.getvalue(), f"{data.day:%d-%m-%Y}", note)


def open_fee_list(ctx: UiContext, parent: QWidget) -> None:
    """Build, render and preview today's fee list; errors go to the officer as a message."""
    actor, now = ctx.actor, ctx.clock()
    open_pdf_preview(ctx, parent, lambda s: render_fee_list(s, actor, now), DayListPreviewDialog,
                     heading="Danh sách thu phí, lệ phí trong ngày", file_stem="danh-sach-thu-phi",
                     failure="Không lập được danh sách",
                     fallback="Chưa lập được danh sách thu phí; hãy thử lại hoặc báo bộ phận CNTT.")  # fmt: skip
