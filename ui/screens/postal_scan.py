"""A postal item's barcode scanned with the reception screen in front: receive that item in postal mode.

The postal worker's items carry an S10 barcode (e.g. RR123456785VN). Scanned on the reception
screen (ui/scanner/router.py gives the screen in front the scan first), an item listed in a batch
record signed today puts the form in postal mode for it, exactly as choosing it in the batch dialog
does (:func:`enter_postal_mode`); an item of no batch of today, or one received already, gets a
red signal saying what to do. Any other scan is left to the router's defaults.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

import shiboken6

from app.domain.postal import PostalItem, item_number_problem, normalise_item_number
from app.domain.scan import Scan, ScanKind
from app.services.drafts import RETURN_BY_POST
from ui.scanner.feedback import ScanFeedback

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.postal import PostalBatch, PostalItemState
    from ui.context import UiContext
    from ui.screens.reception import ReceptionScreen

_S10_SHAPE = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$", re.ASCII)


def postal_caption(item_no: str, batch_number: str, signed_at: datetime) -> str:
    """What the reception screen's postal bar and banner say of the item being received."""
    return (
        f"Tiếp nhận qua bưu chính: bưu gửi {item_no}, biên bản {batch_number} ký lúc"
        f" {signed_at:%H:%M %d/%m/%Y} (thời điểm tiếp nhận). Ctrl+N để thôi."
    )


def enter_postal_mode(reception: ReceptionScreen, item: PostalItem, caption: str, signed_at: datetime) -> None:
    """Put ``reception`` in postal mode for ``item`` (return by post preselected, due date from the signing)."""
    reception.channel.set_postal(item, caption)
    reception.picker.set_received_at(signed_at)  # the due date shown runs from the signing
    reception.return_method.setCurrentText(RETURN_BY_POST)
    reception.show_banner(caption, ok=True)
    reception.focus_search()


def looks_like_postal_item(scan: Scan) -> bool:
    """Whether the scan has the shape of an S10 postal item number (two letters, nine digits, two letters)."""
    return scan.kind is ScanKind.UNKNOWN and bool(_S10_SHAPE.match(normalise_item_number(scan.raw)))


def take_postal_scan(ctx: UiContext, reception: ReceptionScreen, scan: Scan, feedback: ScanFeedback) -> bool:
    """Act on a postal item's barcode scanned on the reception screen; False for any other scan."""
    if not looks_like_postal_item(scan):
        return False
    item_no = normalise_item_number(scan.raw)
    problem = item_number_problem(item_no)
    if problem is not None:
        feedback.show_error(problem)
        return True
    unit, now = ctx.actor.unit_code, ctx.clock()

    def find(session: Session) -> tuple[PostalBatch, PostalItemState] | None:
        from app.services.postal import todays_item

        return todays_item(session, unit, item_no, now)

    def found(result: tuple[PostalBatch, PostalItemState] | None) -> None:
        if not shiboken6.isValid(reception):
            return
        if result is None:
            feedback.show_error(
                f"Bưu gửi {item_no} không có trong biên bản giao nhận bưu chính nào đã ký hôm nay. Mở “Biên bản"
                " giao nhận bưu chính” (Ctrl+Shift+B), lập và ký biên bản có bưu gửi này rồi quét lại."
            )
            return
        batch, state = result
        if state.uid is not None:
            what = f"hồ sơ {state.code}" if state.code else state.state_text.lower()
            feedback.show_error(f"Bưu gửi {item_no} đã được xử lý ({what}). Quét bưu gửi khác của biên bản.")
            return
        caption = postal_caption(item_no, batch.number, batch.signed_at)
        enter_postal_mode(reception, PostalItem(batch.batch_id, item_no), caption, batch.signed_at)
        feedback.show_ok(f"Bưu gửi {item_no} (biên bản {batch.number}): chọn thủ tục và nhập người nộp.")

    def failed(exc: BaseException) -> None:
        if shiboken6.isValid(reception):
            feedback.show_error(f"Không tra được bưu gửi {item_no}: {exc}")

    ctx.runner.run(find, found, failed, write=False)
    return True
