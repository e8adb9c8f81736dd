"""The ten national dossier statuses and the transitions allowed between them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import IntEnum, StrEnum
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
        # A citizen waiting to bring a supplement may rather ask to stop (form 05).
        _S.SUPPLEMENT_REQUESTED: frozenset({_S.RECEIVED, _S.PROCESSING, _S.WITHDRAWN, _S.STOPPED, _S.REFUSED}),
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

STOP_STATUSES = frozenset({_S.RECEIVED, _S.PROCESSING, _S.SUPPLEMENT_REQUESTED, _S.FEES_REQUESTED})
"""Statuses in which the citizen may ask to stop or withdraw a received dossier: no decision exists
yet (no result, no return, not refused or already ended) [law, Decree 118/2025 as DOMAIN.md §9 has
it]. A dossier asked for a supplement at reception (form 02) was never received: the service refuses
it for having no code."""

DEADLINE_RUNNING_STATUSES = frozenset({_S.RECEIVED, _S.PROCESSING, _S.FEES_REQUESTED})
"""Statuses in which the processing time runs, so a dossier past its due date is overdue. Not while
waiting for a supplement (the clock restarts or resumes when it comes), nor once the result is
ready or the dossier is closed. The supervision queues (app/services/queues.py), the dossier list
and the detail all read this set through :func:`is_overdue`."""


def is_overdue(due_at: datetime | None, status: DossierStatus | int, now: datetime) -> bool:
    """Whether a dossier with this due date and status is late at ``now`` (its clock still runs)."""
    return due_at is not None and due_at < now and status in DEADLINE_RUNNING_STATUSES


class Step(StrEnum):
    """A processing step the counter records on a received dossier (the detail's buttons)."""

    RESULT = "result"  # the department's result came back: status 9
    RETURN = "return"  # the result is handed to the citizen: status 10
    REQUEST_SUPPLEMENT = "request_supplement"  # the department asks for more papers: status 5
    RECEIVE_SUPPLEMENT = "receive_supplement"  # the citizen brought them: back to 4, new due date
    APOLOGY = "apology"  # form 04, the one-time new appointment: the due date moves
    STOP = "stop"  # the citizen asks to stop processing: status 8, form 05
    WITHDRAW = "withdraw"  # the citizen withdraws the dossier: status 7, form 05


STEPS_FROM: Mapping[Step, frozenset[DossierStatus]] = MappingProxyType(
    {
        Step.RESULT: frozenset({_S.RECEIVED, _S.PROCESSING}),
        Step.RETURN: frozenset({_S.RESULT_READY}),
        # SUBMITTED → SUPPLEMENT_REQUESTED is the request at reception (form 02 at the counter),
        # not this step: a dossier must have been received for the department to ask.
        Step.REQUEST_SUPPLEMENT: frozenset({_S.RECEIVED, _S.PROCESSING}),
        Step.RECEIVE_SUPPLEMENT: frozenset({_S.SUPPLEMENT_REQUESTED}),
        Step.APOLOGY: APOLOGY_STATUSES,
        Step.STOP: STOP_STATUSES,
        Step.WITHDRAW: STOP_STATUSES,
    }
)
"""For each step, the statuses it may be recorded in; the one table the detail screen and the
services (app/services/returns.py, results.py) read."""

_WHY_NOT: Mapping[Step, str] = {
    Step.RESULT: "{subject} đang ở trạng thái “{label}”: chưa thể ghi nhận kết quả.",
    Step.RETURN: (
        "{subject} đang ở trạng thái “{label}”, chưa có kết quả để trả. Ghi nhận kết quả từ cơ quan giải quyết trước."
    ),
    Step.REQUEST_SUPPLEMENT: "{subject} đang ở trạng thái “{label}”: không yêu cầu bổ sung được.",
    Step.RECEIVE_SUPPLEMENT: "{subject} không ở trạng thái chờ bổ sung (đang “{label}”); không cần nhận hồ sơ bổ sung.",
    Step.APOLOGY: "{subject} đang ở trạng thái “{label}”: không lập phiếu hẹn lại được.",
    Step.STOP: (
        "{subject} đang ở trạng thái “{label}”: chỉ dừng giải quyết được khi hồ sơ chưa có kết quả giải quyết."
    ),
    Step.WITHDRAW: "{subject} đang ở trạng thái “{label}”: chỉ rút được hồ sơ chưa có kết quả giải quyết.",
}


def allowed_steps(status: DossierStatus | int) -> frozenset[Step]:
    """What can be done now to a received dossier in ``status``.

    A status this version does not know (a newer client's, over sync) allows nothing.
    """
    try:
        current = DossierStatus(status)
    except ValueError:
        return frozenset()
    return frozenset(step for step, statuses in STEPS_FROM.items() if current in statuses)


def why_not(step: Step, status: DossierStatus | int, code: str = "") -> str | None:
    """The Vietnamese reason ``step`` cannot be recorded in ``status``, or None when it can."""
    if step in allowed_steps(status):
        return None
    try:
        label = DossierStatus(status).label
    except ValueError:
        label = f"Trạng thái {status}"
    return _WHY_NOT[step].format(subject=f"Hồ sơ {code}" if code else "Hồ sơ", label=label)


class StepNotAllowedError(UserFacingError):
    """A processing step was asked for in a status that does not allow it."""


def check_step(step: Step, status: DossierStatus | int, code: str = "") -> None:
    """Allow ``step`` in ``status`` or raise.

    Raises:
        StepNotAllowedError: ``status`` is not in ``STEPS_FROM[step]``.
    """
    reason = why_not(step, status, code)
    if reason is not None:
        raise StepNotAllowedError(reason)


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
    return Step.APOLOGY in allowed_steps(status)


def is_terminal(status: DossierStatus) -> bool:
    """Whether ``status`` closes the dossier (refused, withdrawn, stopped, returned)."""
    return status in TERMINAL_STATUSES
