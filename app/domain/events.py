"""Event types and ids: every user action is one immutable event (SYNC.md)."""

from __future__ import annotations

from enum import StrEnum

import uuid6


class EventType(StrEnum):
    """What happened to a dossier; stored as text in the event log and on the wire."""

    RECEIVED = "dossier.received"
    SUPPLEMENT_REQUESTED = "dossier.supplement_requested"
    REFUSED = "dossier.refused"
    FORM_PRINTED = "form.printed"
    # Chain of custody (issue 4): one event per paper folder, grouped by ``batch_id`` in the payload.
    HANDOVER_SENT = "custody.sent"
    HANDOVER_RECEIVED = "custody.received"
    HANDOVER_DISCREPANCY = "custody.discrepancy"
    # Processing after reception.
    RESULT_RECORDED = "dossier.result_recorded"
    RETURNED = "dossier.returned"
    SUPPLEMENT_REQUESTED_BY_DEPARTMENT = "dossier.department_supplement_requested"
    SUPPLEMENT_RECEIVED = "dossier.supplement_received"
    DUE_EXTENDED = "dossier.due_extended"
    # Scanned documents (issue 5): the file itself travels on its own upload queue (by SHA-256).
    ATTACHMENT_ADDED = "dossier.attachment_added"
    # The citizen's satisfaction rating at return (issue 14): one per dossier (app/services/ratings.py).
    RATED = "dossier.rated"
    # The citizen's request to stop (status 8) or to withdraw the dossier (status 7) before any
    # decision (issue 16; DOMAIN.md §9): form 05 "Thông báo dừng giải quyết hồ sơ" (app/services/stops.py).
    STOPPED = "dossier.stopped"
    WITHDRAWN = "dossier.withdrawn"
    # A batch of dossiers received by post (issue 16; Decision 45/2016/QĐ-TTg): the batch record signed
    # with the postal worker. Its dossier uid is the batch id; the dossiers received from it name it.
    POSTAL_BATCH_SIGNED = "postal.batch_signed"

    # Fees (issue 16): a payment of the procedure's fee lines with its numbered receipt (app/services/fees.py).
    FEE_PAID = "fee.paid"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    EventType.FEE_PAID: "Thu phí, lệ phí",
    EventType.RECEIVED: "Tiếp nhận hồ sơ",
    EventType.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung, hoàn thiện hồ sơ",
    EventType.REFUSED: "Từ chối tiếp nhận hồ sơ",
    EventType.FORM_PRINTED: "In phiếu",
    EventType.HANDOVER_SENT: "Bàn giao hồ sơ giấy",
    EventType.HANDOVER_RECEIVED: "Nhận bàn giao hồ sơ giấy",
    EventType.HANDOVER_DISCREPANCY: "Sai lệch khi nhận bàn giao",
    EventType.RESULT_RECORDED: "Nhận kết quả giải quyết từ cơ quan chuyên môn",
    EventType.RETURNED: "Trả kết quả cho công dân",
    EventType.SUPPLEMENT_REQUESTED_BY_DEPARTMENT: "Cơ quan giải quyết yêu cầu bổ sung hồ sơ",
    EventType.SUPPLEMENT_RECEIVED: "Nhận hồ sơ bổ sung",
    EventType.DUE_EXTENDED: "Xin lỗi và hẹn lại ngày trả kết quả",
    EventType.ATTACHMENT_ADDED: "Đính kèm bản điện tử",
    EventType.RATED: "Đánh giá mức độ hài lòng",
    EventType.STOPPED: "Dừng giải quyết hồ sơ theo đề nghị của công dân",
    EventType.WITHDRAWN: "Công dân rút hồ sơ",
    EventType.POSTAL_BATCH_SIGNED: "Lập biên bản giao nhận hồ sơ qua dịch vụ bưu chính công ích",
}

CUSTODY_EVENTS = frozenset({EventType.HANDOVER_SENT, EventType.HANDOVER_RECEIVED, EventType.HANDOVER_DISCREPANCY})
"""Events that move (or question) where the paper folder is."""


def new_id() -> str:
    """A UUIDv7: time-ordered, so ids sort roughly by creation and index well."""
    return str(uuid6.uuid7())


def next_hlc(last: str, wall_ms: int, device_id: str) -> str:
    """Hybrid logical clock: never goes backwards even when the PC clock does.

    Format ``<ms:013d>:<counter:05d>:<device>`` sorts as text in causal order per device.
    """
    last_ms, counter = 0, 0
    if last:
        parts = last.split(":")
        last_ms, counter = int(parts[0]), int(parts[1])
    if wall_ms > last_ms:
        return f"{wall_ms:013d}:{0:05d}:{device_id}"
    return f"{last_ms:013d}:{counter + 1:05d}:{device_id}"
