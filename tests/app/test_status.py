"""National dossier statuses and their transitions."""

from __future__ import annotations

import pytest

from app.domain.status import (
    ALLOWED_TRANSITIONS,
    DossierStatus,
    IllegalTransitionError,
    check_transition,
    is_terminal,
)
from app.errors import UserFacingError

S = DossierStatus


def test_codes_and_labels() -> None:
    assert [int(s) for s in S] == list(range(1, 11))
    assert S.RECEIVED.label == "Được tiếp nhận"
    assert S(10).label == "Đã trả kết quả"
    assert all(s.label for s in S)


def test_every_status_has_transitions_entry() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(S)
    with pytest.raises(TypeError):
        ALLOWED_TRANSITIONS[S.RETURNED] = frozenset()  # type: ignore[index]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.SUBMITTED, S.RECEIVED),
        (S.SUBMITTED, S.REFUSED),
        (S.SUBMITTED, S.SUPPLEMENT_REQUESTED),
        (S.RECEIVED, S.PROCESSING),
        (S.RECEIVED, S.RESULT_READY),
        (S.PROCESSING, S.SUPPLEMENT_REQUESTED),
        (S.PROCESSING, S.RESULT_READY),
        (S.SUPPLEMENT_REQUESTED, S.PROCESSING),
        (S.SUPPLEMENT_REQUESTED, S.RECEIVED),
        (S.FEES_REQUESTED, S.PROCESSING),
        (S.STOPPED, S.PROCESSING),
        (S.RESULT_READY, S.RETURNED),
    ],
)
def test_allowed(old: DossierStatus, new: DossierStatus) -> None:
    check_transition(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.SUBMITTED, S.RETURNED),
        (S.RETURNED, S.PROCESSING),
        (S.REFUSED, S.RECEIVED),
        (S.WITHDRAWN, S.PROCESSING),
        (S.RESULT_READY, S.PROCESSING),
        (S.PROCESSING, S.PROCESSING),
        (S.PROCESSING, S.RECEIVED),
    ],
)
def test_illegal(old: DossierStatus, new: DossierStatus) -> None:
    with pytest.raises(IllegalTransitionError) as info:
        check_transition(old, new)
    assert isinstance(info.value, UserFacingError)
    assert old.label in info.value.message
    assert info.value.old is old
    assert info.value.new is new
    if old != new:
        assert new.label in info.value.message


def test_message_lists_the_way_forward() -> None:
    with pytest.raises(IllegalTransitionError) as info:
        check_transition(S.RESULT_READY, S.PROCESSING)
    assert "“Đã trả kết quả”" in info.value.message


def test_terminal() -> None:
    assert {s for s in S if is_terminal(s)} == {S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RETURNED}
    for status in (S.REFUSED, S.WITHDRAWN, S.RETURNED):
        assert not ALLOWED_TRANSITIONS[status]
    for status in S:
        if not is_terminal(status):
            assert ALLOWED_TRANSITIONS[status]


def test_plain_ints_are_accepted() -> None:
    check_transition(S(2), S(4))
    with pytest.raises(IllegalTransitionError, match="Đã trả kết quả"):
        check_transition(10, 4)  # type: ignore[arg-type]
