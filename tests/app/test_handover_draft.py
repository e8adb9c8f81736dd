"""The handover batch being scanned (app/services/handover_draft.py): add, remove, undo, save, resume."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.domain.custody import Place, PlaceKind
from app.errors import UserFacingError
from app.services.handover import DossierBrief, ScanReason, ScanVerdict
from app.services.handover_draft import DRAFT_KEY, Direction, HandoverDraft, SavedDraft, load_draft, save_draft
from app.store.db import transaction
from app.store.models import Setting

COUNTER = Place(PlaceKind.COUNTER, "000.01.00.H49", "Bộ phận Một cửa xã Tiên Yên")
TP = Place(PlaceKind.DEPARTMENT, "XA-TP", "Bộ phận Tư pháp - Hộ tịch")
OFFICER = "officer-1"


def _brief(n: int) -> DossierBrief:
    return DossierBrief(f"uid-{n}", f"000.01.00.H49-261123-{n:04d}", f"Nguyễn Văn {n}", "Đăng ký khai sinh", 2,
                        None, "XA-TP", "Bộ phận Tư pháp - Hộ tịch", datetime(2026, 11, 23, 8, 0))  # fmt: skip


def _ok(n: int) -> ScanVerdict:
    return ScanVerdict(True, ScanReason.OK, f"Hồ sơ số {n}", _brief(n).code, _brief(n))


def _bad(code: str) -> ScanVerdict:
    return ScanVerdict(False, ScanReason.UNKNOWN, f"Không tìm thấy hồ sơ {code}", code)


def _codes(draft: HandoverDraft) -> list[str]:
    return [i.code for i in draft.batch.items]


def test_add_lists_every_scan_and_batches_each_dossier_once() -> None:
    draft = HandoverDraft.open(COUNTER, TP)
    assert draft.add(_ok(1)).ok and not draft.add(_bad("XYZ")).ok
    again = draft.add(_ok(1))  # the same folder scanned twice
    assert not again.ok and draft.count == 1 and draft.rejected == 2
    assert [line.code for line in draft.lines] == [_brief(1).code, "XYZ", _brief(1).code]


def test_undo_puts_the_last_removal_back_where_it_was() -> None:
    draft = HandoverDraft.open(COUNTER, TP)
    for n in (1, 2, 3):
        draft.add(_ok(n))
    assert draft.undo() is None and not draft.can_undo  # nothing removed yet
    draft.remove(1)
    draft.remove(0)
    assert _codes(draft) == [_brief(3).code] and draft.can_undo
    first = draft.undo()
    assert first is not None and first.row == 0 and first.line.uid == "uid-1"
    second = draft.undo()
    assert second is not None and second.row == 1 and "trở lại danh sách" in second.message
    assert [line.uid for line in draft.lines] == ["uid-1", "uid-2", "uid-3"]
    assert sorted(_codes(draft)) == [_brief(n).code for n in (1, 2, 3)] and draft.undo() is None


def test_undo_after_the_folder_was_scanned_again_changes_nothing() -> None:
    draft = HandoverDraft.open(COUNTER, TP)
    draft.add(_ok(1))
    draft.remove(0)
    draft.add(_ok(1))
    undone = draft.undo()
    assert undone is not None and undone.row == -1 and "đã được quét lại" in undone.message
    assert draft.count == 1 and len(draft.lines) == 1


def test_removing_a_rejected_line_leaves_the_batch_alone() -> None:
    draft = HandoverDraft.open(COUNTER, TP)
    draft.add(_ok(1))
    draft.add(_bad("XYZ"))
    assert draft.remove(1).code == "XYZ" and draft.count == 1 and draft.rejected == 0
    with pytest.raises(IndexError):
        draft.remove(5)


def test_same_place_both_ends_is_refused() -> None:
    with pytest.raises(UserFacingError):
        HandoverDraft.open(COUNTER, COUNTER)


def test_snapshot_names_the_route_and_raises_the_revision() -> None:
    to_tp = HandoverDraft.open(COUNTER, TP, revision=4)
    assert to_tp.snapshot(OFFICER, "") is None and to_tp.revision == 5  # empty: drop the saved draft
    to_tp.add(_ok(1))
    saved = to_tp.snapshot(OFFICER, "Gấp")
    assert saved == SavedDraft(OFFICER, 6, str(Direction.TO_DEPARTMENT), "XA-TP", "Gấp", (_brief(1).code,))
    back = HandoverDraft.open(TP, COUNTER)
    back.add(_ok(2))
    got = back.snapshot(OFFICER, "")
    assert got is not None and (got.direction, got.department) == ("to_counter", "XA-TP")


def test_save_load_and_a_late_save_never_overwrites_a_newer_one(factory) -> None:
    draft = HandoverDraft.open(COUNTER, TP)
    draft.add(_ok(1))
    older = draft.snapshot(OFFICER, "")
    draft.add(_ok(2))
    newer = draft.snapshot(OFFICER, "")
    assert older is not None and newer is not None
    with transaction(factory) as s:
        assert save_draft(s, OFFICER, newer.revision, newer)
    with transaction(factory) as s:
        assert not save_draft(s, OFFICER, older.revision, older)  # landed late
    with factory() as s:
        assert load_draft(s, OFFICER) == newer
        assert load_draft(s, "someone-else") is None  # another officer's batch is not offered
    with transaction(factory) as s:
        assert save_draft(s, OFFICER, newer.revision + 1, None)
    with factory() as s:
        assert load_draft(s, OFFICER) is None
        assert s.get(Setting, DRAFT_KEY).value == {"officer_id": OFFICER, "revision": newer.revision + 1, "codes": []}


@pytest.mark.parametrize("value", [None, "x", [], {"officer_id": OFFICER, "codes": "abc"}, {"officer_id": OFFICER}])
def test_a_malformed_row_reads_as_no_draft(factory, value) -> None:
    with transaction(factory) as s:
        s.add(Setting(key=DRAFT_KEY, value=value))
    with factory() as s:
        assert load_draft(s, OFFICER) is None
