"""The ten national dossier statuses and the transitions allowed between them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from types import MappingProxyType

from app.errors import UserFacingError


class DossierStatus(IntEnum):
    """National dossier status codes (DOMAIN.md §7), as reported to the national portal."""

    SUBMITTED = 1
    RECEIVED = 2
    REFUSED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    FEES_REQUESTED = 6
    WITHDRAWN = 7
    STOPPED = 8
    RESULT_READY = 9
    RETURNED = 10

    @property
    def label(self) -> str:
        """Vietnamese name of the status, as on the national list."""
        return _LABELS[self]


_LABELS: Mapping[DossierStatus, str] = {
    DossierStatus.SUBMITTED: "Mới đăng ký",
    DossierStatus.RECEIVED: "Được tiếp nhận",
    DossierStatus.REFUSED: "Không được tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    DossierStatus.FEES_REQUESTED: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.RESULT_READY: "Đã xử lý xong",
    DossierStatus.RETURNED: "Đã trả kết quả",
}

_S = DossierStatus

ALLOWED_TRANSITIONS: Mapping[DossierStatus, frozenset[DossierStatus]] = MappingProxyType(
    {
        _S.SUBMITTED: frozenset({_S.RECEIVED, _S.REFUSED, _S.SUPPLEMENT_REQUESTED}),
        _S.RECEIVED: frozenset(
            {
                _S.PROCESSING,
                _S.SUPPLEMENT_REQUESTED,
                _S.FEES_REQUESTED,
                _S.WITHDRAWN,
                _S.STOPPED,
                _S.RESULT_READY,
            }
        ),
        _S.REFUSED: frozenset(),
        _S.PROCESSING: frozenset(
            {_S.SUPPLEMENT_REQUESTED, _S.FEES_REQUESTED, _S.WITHDRAWN, _S.STOPPED, _S.RESULT_READY}
        ),
        _S.SUPPLEMENT_REQUESTED: frozenset({_S.RECEIVED, _S.PROCESSING, _S.WITHDRAWN, _S.REFUSED}),
        _S.FEES_REQUESTED: frozenset({_S.PROCESSING, _S.WITHDRAWN, _S.STOPPED}),
        _S.WITHDRAWN: frozenset(),
        # A stopped dossier is closed for queues and statistics but may be resumed.
        _S.STOPPED: frozenset({_S.PROCESSING}),
        _S.RESULT_READY: frozenset({_S.RETURNED}),
        _S.RETURNED: frozenset(),
    }
)
"""For each status, the statuses a dossier may move to next."""

APOLOGY_STATUSES = frozenset({_S.RECEIVED, _S.PROCESSING, _S.SUPPLEMENT_REQUESTED, _S.FEES_REQUESTED})
"""Statuses in which the apology and new appointment (form 04) may move the due date: the
dossier is still being handled. The detail screen's button and the service both read this set."""

TERMINAL_STATUSES = frozenset({_S.REFUSED, _S.WITHDRAWN, _S.STOPPED, _S.RETURNED})
"""Statuses that close a dossier (STOPPED can still be resumed to PROCESSING)."""


class IllegalTransitionError(UserFacingError):
    """A dossier cannot move from its current status to the requested one."""

    def __init__(self, old: DossierStatus, new: DossierStatus) -> None:
        self.old = old
        self.new = new
        allowed = sorted(ALLOWED_TRANSITIONS[old])
        if old == new:
            message = f"Hồ sơ đã ở trạng thái “{old.label}”, không cần chuyển lại."
        else:
            message = f"Không thể chuyển hồ sơ từ trạng thái “{old.label}” sang “{new.label}”."
            if allowed:
                message += " Từ “{}” chỉ chuyển được sang: {}.".format(
                    old.label, ", ".join(f"“{status.label}”" for status in allowed)
                )
            else:
                message += f" Hồ sơ ở trạng thái “{old.label}” đã kết thúc, không chuyển tiếp được."
        super().__init__(message)


def check_transition(old: DossierStatus, new: DossierStatus) -> None:
    """Allow the move from ``old`` to ``new`` or raise.

    Raises:
        IllegalTransitionError: The move is not in ``ALLOWED_TRANSITIONS`` (a status never
            moves to itself).
    """
    old, new = DossierStatus(old), DossierStatus(new)  # plain ints from the database work too
    if new not in ALLOWED_TRANSITIONS[old]:
        raise IllegalTransitionError(old, new)


def allows_apology(status: DossierStatus | int) -> bool:
    """Whether a dossier in ``status`` may still get the apology that moves its due date."""
    return DossierStatus(status) in APOLOGY_STATUSES


def is_terminal(status: DossierStatus) -> bool:
    """Whether ``status`` closes the dossier (refused, withdrawn, stopped, returned)."""
    return status in TERMINAL_STATUSES
