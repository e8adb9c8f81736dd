"""Which processing steps a status allows (app/domain/status.py), read by the detail screen and the
services alike, and when a dossier is overdue."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.status import (
    ALLOWED_TRANSITIONS,
    APOLOGY_STATUSES,
    DEADLINE_RUNNING_STATUSES,
    STEPS_FROM,
    DossierStatus,
    Step,
    StepNotAllowedError,
    allowed_steps,
    check_step,
    is_overdue,
    why_not,
)
from app.errors import UserFacingError
from app.services.office import load_calendar
from app.services.results import request_supplement_after_reception
from app.store.db import transaction
from app.store.models import Dossier
from tests.app.test_reception import draft, receive
from tests.conftest import NOW

S = DossierStatus

# The status each step moves the dossier to (None: the status stays).
TARGET = {
    Step.RESULT: S.RESULT_READY,
    Step.RETURN: S.RETURNED,
    Step.REQUEST_SUPPLEMENT: S.SUPPLEMENT_REQUESTED,
    Step.RECEIVE_SUPPLEMENT: S.PROCESSING,
    Step.APOLOGY: None,
    Step.STOP: S.STOPPED,
    Step.WITHDRAW: S.WITHDRAWN,
}


def test_every_step_has_its_statuses_and_a_reason() -> None:
    assert set(STEPS_FROM) == set(Step)
    for step in Step:
        for status in S:
            reason = why_not(step, status, "X-1")
            assert (reason is None) == (step in allowed_steps(status)), (step, status)
            if reason is not None:
                assert reason.startswith("Hồ sơ X-1") and status.label in reason


@pytest.mark.parametrize("step", list(Step))
def test_a_step_never_allows_what_the_status_machine_refuses(step: Step) -> None:
    target = TARGET[step]
    for status in STEPS_FROM[step]:
        assert target is None or target in ALLOWED_TRANSITIONS[status], (step, status)


def test_the_table_as_the_counter_knows_it() -> None:
    assert allowed_steps(S.SUBMITTED) == frozenset()
    stop = {Step.STOP, Step.WITHDRAW}  # before any decision (issue 16)
    assert allowed_steps(S.RECEIVED) == {Step.RESULT, Step.REQUEST_SUPPLEMENT, Step.APOLOGY} | stop
    assert allowed_steps(S.PROCESSING) == {Step.RESULT, Step.REQUEST_SUPPLEMENT, Step.APOLOGY} | stop
    assert allowed_steps(S.SUPPLEMENT_REQUESTED) == {Step.RECEIVE_SUPPLEMENT, Step.APOLOGY} | stop
    assert allowed_steps(S.RESULT_READY) == {Step.RETURN}
    for closed in (S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RETURNED):
        assert allowed_steps(closed) == frozenset()
    assert {s for s in S if Step.APOLOGY in allowed_steps(s)} == APOLOGY_STATUSES
    assert allowed_steps(42) == frozenset()  # a newer client's status: nothing offered
    assert allowed_steps(4) == allowed_steps(S.PROCESSING)  # plain ints from the database


def test_check_step_raises_a_vietnamese_message() -> None:
    check_step(Step.RETURN, S.RESULT_READY)
    with pytest.raises(StepNotAllowedError, match="chưa có kết quả để trả") as err:
        check_step(Step.RETURN, S.PROCESSING, "000.00.00.H49-261123-0001")
    assert isinstance(err.value, UserFacingError) and "“Đang xử lý”" in err.value.message
    with pytest.raises(StepNotAllowedError, match="không ở trạng thái chờ bổ sung"):
        check_step(Step.RECEIVE_SUPPLEMENT, S.PROCESSING)


def test_overdue_only_while_the_clock_runs() -> None:
    due = NOW
    later = NOW + timedelta(minutes=1)
    assert {S.RECEIVED, S.PROCESSING, S.FEES_REQUESTED} == DEADLINE_RUNNING_STATUSES
    for status in S:
        assert is_overdue(due, status, later) == (status in DEADLINE_RUNNING_STATUSES), status
        assert not is_overdue(due, status, due)  # due at this very minute: not late yet
    assert not is_overdue(None, S.PROCESSING, later)
    assert is_overdue(due, 4, later)  # plain ints from the database


def test_a_supplement_request_needs_a_received_dossier(factory, actor, catalog) -> None:
    """The department's supplement request is a step after reception: a dossier still "Mới đăng ký"
    (submitted online, not received) is refused, although SUBMITTED → SUPPLEMENT_REQUESTED is a
    legal move of the status machine (the request at reception)."""
    summary = receive(factory, actor, catalog, draft(catalog, "1.004859"))
    with transaction(factory) as s:
        s.scalars(select(Dossier).where(Dossier.uid == summary.uid)).one().status = int(S.SUBMITTED)
    with transaction(factory) as s, pytest.raises(UserFacingError, match="không yêu cầu bổ sung được"):
        request_supplement_after_reception(
            s, actor, load_calendar(s), summary.uid, ["Bản sao CCCD"], "Thiếu giấy tờ", datetime(2026, 11, 24, 9)
        )
    with factory() as s:
        assert s.scalars(select(Dossier.status).where(Dossier.uid == summary.uid)).one() == S.SUBMITTED
