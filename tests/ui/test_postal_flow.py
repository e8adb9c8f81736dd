"""Postal reception driven as an officer does (issue 16): Ctrl+Shift+B, the batch typed and scanned,
a wrong number refused on the spot, signed and previewed; then an item received on the reception
screen in postal mode, from the batch's signing time, and the record reprinted with its code."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, Qt
from sqlalchemy import select

from app.domain.events import EventType
from app.domain.indicators import Channel
from app.services.drafts import RETURN_BY_POST
from app.store.models import Dossier, Event
from tests.pdf_tools import pdf_text
from tests.ui.keys import type_text
from tests.ui.test_reception_flow import QR, pick_procedure, preview, scan_qr, screen, tick_all_by_keyboard  # noqa: F401
from ui.screens.postal_batch import BatchPreviewDialog, PostalBatchDialog
from ui.screens.reception import ReceptionScreen

ITEMS = ("RR123456785VN", "EE000000005VN", "CP473982155VN")
SIGNED = datetime(2026, 11, 23, 8, 40)


def scan_item(qtbot, dialog: PostalBatchDialog, text: str) -> None:
    """A keyboard-mode barcode scanner types the number, then Enter."""
    dialog.item_input.setFocus()
    type_text(dialog.item_input, text)
    qtbot.keyClick(dialog.item_input, Qt.Key.Key_Return)


def open_batches(qtbot, screen: ReceptionScreen) -> PostalBatchDialog:  # noqa: F811
    screen.open_postal_batches()
    qtbot.waitUntil(lambda: screen.findChild(PostalBatchDialog) is not None, timeout=5000)
    dialog = screen.findChild(PostalBatchDialog)
    assert isinstance(dialog, PostalBatchDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)  # its shortcuts (Ctrl+Enter, Ctrl+P) work
    return dialog


def batch_preview(qtbot, parent) -> BatchPreviewDialog:
    def shown() -> list[BatchPreviewDialog]:
        return [d for d in parent.findChildren(BatchPreviewDialog) if d.isVisible()]

    qtbot.waitUntil(lambda: bool(shown()), timeout=10_000)
    return shown()[0]


def test_batch_signed_then_an_item_received_in_postal_mode(qtbot, screen, ui_ctx, tmp_path):  # noqa: F811
    dialog = open_batches(qtbot, screen)
    assert dialog.sign_button.isEnabled() and not dialog.receive_button.isEnabled()
    type_text(dialog.postal_unit, "Bưu điện xã Hạ Long")
    type_text(dialog.worker_name, "Trần Văn Bưu")
    # signed at the door at 08:40, keyed in at 09:15; a later time is refused by the widget itself
    dialog.signed_at.setDateTime(QDateTime(SIGNED.date(), SIGNED.time()))
    for item in ("rr 123456785 vn", ITEMS[1]):
        scan_item(qtbot, dialog, item)
    scan_item(qtbot, dialog, "CP473982156VN")  # one digit wrong: refused, kept in the box to correct
    assert "sai chữ số kiểm tra" in dialog.field_message("items")
    assert dialog.item_input.text() == "CP473982156VN"
    scan_item(qtbot, dialog, ITEMS[0])  # scanned twice
    assert "đã có trong danh sách (dòng 1)" in dialog.field_message("items")
    dialog.item_input.clear()
    scan_item(qtbot, dialog, ITEMS[2])
    assert dialog.field_message("items") == ""
    assert [r[0] for r in dialog.items.rows] == list(ITEMS)
    qtbot.keyClick(dialog.worker_name, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter signs

    record = batch_preview(qtbot, screen)
    text = " ".join(" ".join(pdf_text(record._pdf)).split())
    assert "BIÊN BẢN GIAO NHẬN HỒ SƠ QUA DỊCH VỤ BƯU CHÍNH CÔNG ÍCH" in text
    assert "08 giờ 40 phút, ngày 23 tháng 11 năm 2026" in text, text
    assert all(item in text for item in ITEMS), text
    record.grab().save(str(tmp_path / "record.png"))
    record.close()
    qtbot.waitUntil(lambda: not dialog._new(), timeout=5000)
    assert dialog.receive_button.isEnabled() and dialog.table.currentIndex().row() == 0
    with ui_ctx.factory() as s:
        batch_event = s.scalars(select(Event).where(Event.type == str(EventType.POSTAL_BATCH_SIGNED))).one()
    assert batch_event.payload["items"] == list(ITEMS)

    dialog.table.setFocus()
    dialog.table.selectRow(1)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)  # receive the second item
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert screen.channel.channel() == "postal" and screen.channel.bar.isVisible()
    assert ITEMS[1] in screen.channel.bar.text() and "08:40 23/11/2026" in screen.channel.bar.text()
    assert screen.return_method.currentText() == RETURN_BY_POST

    screen.activateWindow()
    qtbot.waitUntil(screen.isActiveWindow, timeout=5000)
    pick_procedure(qtbot, screen, "cap ban sao trich luc")
    tick_all_by_keyboard(qtbot, screen)
    scan_qr(qtbot, screen, QR)
    qtbot.keyClick(screen.applicant.phone, Qt.Key.Key_F9)
    slip = preview(qtbot, screen)
    slip.close()
    with ui_ctx.factory() as s:
        d = s.scalars(select(Dossier)).one()
    assert d.channel == Channel.POSTAL and d.received_at == SIGNED
    assert d.data["postal"] == {"batch_id": batch_event.dossier_uid, "item_no": ITEMS[1]}
    assert d.data["return_method"] == RETURN_BY_POST
    assert screen.channel.channel() == "direct" and not screen.channel.bar.isVisible()  # the next citizen

    again = open_batches(qtbot, screen)
    qtbot.waitUntil(lambda: again.batch.count() == 2, timeout=5000)
    again.batch.setCurrentIndex(1)
    assert [r[1] for r in again.items.rows] == ["", d.code, ""]
    assert again.table.currentIndex().row() == 0  # the first item not received yet
    again.table.selectRow(1)
    again.receive_button.click()  # received already: said so, nothing chosen
    assert "đã được xử lý (hồ sơ" in again.banner.text() and again.isVisible()
    qtbot.keyClick(again.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # reprint with the code
    reprint = batch_preview(qtbot, screen)
    assert d.code in " ".join(pdf_text(reprint._pdf))
    reprint.close()
    again.close()


def test_missing_fields_are_named_and_nothing_is_written(qtbot, screen, ui_ctx):  # noqa: F811
    dialog = open_batches(qtbot, screen)
    dialog.sign_button.click()
    qtbot.waitUntil(lambda: dialog.field_message("postal_unit") != "", timeout=5000)
    assert "nhân viên bưu chính" in dialog.field_message("worker_name")
    assert "chưa có bưu gửi" in dialog.field_message("items")
    with ui_ctx.factory() as s:
        assert s.scalars(select(Event)).first() is None
    dialog.close()


def test_choosing_postal_by_hand_opens_the_batches(qtbot, screen):  # noqa: F811
    combo = screen.channel.combo
    combo.setFocus()
    assert [combo.itemText(i) for i in range(combo.count())] == ["Trực tiếp", "Trực tuyến", "Qua dịch vụ bưu chính"]
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert screen.channel.channel() == "online" and screen.findChild(PostalBatchDialog) is None
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: screen.findChild(PostalBatchDialog) is not None, timeout=5000)
    dialog = screen.findChild(PostalBatchDialog)
    assert isinstance(dialog, PostalBatchDialog)
    assert screen.channel.channel() == "direct"  # not postal until an item is chosen
    dialog.close()


def test_return_by_post_with_the_tracking_number(qtbot, ui_ctx, prompts, tmp_path):
    from datetime import timedelta

    from app.domain.status import DossierStatus
    from app.services.returns import record_result
    from app.store.db import transaction
    from tests.ui.test_dossier_list import person, receive
    from tests.ui.test_return_flow import EARLIER, _move, child, open_detail, status_of
    from ui.screens.return_dialog import ReturnDialog

    got = receive(ui_ctx, person("Nguyễn Văn An", "022090001234"), now=EARLIER)
    uid, code = got.uid, got.code
    assert code
    _move(ui_ctx, uid, code, True, EARLIER + timedelta(minutes=30))
    with transaction(ui_ctx.factory) as s:
        record_result(s, ui_ctx.actor, uid, "Giấy khai sinh bản chính số 123/2026", EARLIER + timedelta(hours=2))
    _move(ui_ctx, uid, code, False, EARLIER + timedelta(hours=3))
    detail = open_detail(qtbot, ui_ctx, uid)
    actions = detail.custody_actions
    qtbot.waitUntil(actions.return_button.isEnabled, timeout=5000)
    actions.return_button.click()
    dialog = child(qtbot, detail, ReturnDialog)
    assert isinstance(dialog, ReturnDialog)
    assert not dialog.tracking_no.isEnabled()
    dialog.by_post.click()
    assert dialog.tracking_no.isEnabled() and not dialog.personal_id.isEnabled()
    qtbot.waitUntil(lambda: dialog.address.text() != "", timeout=5000)  # the applicant's address, offered
    dialog.ok_button.click()
    assert "số hiệu bưu gửi" in dialog.field_message("tracking_no")
    type_text(dialog.tracking_no, "RR876543210VN")  # one digit wrong
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(dialog.field_message("tracking_no")), timeout=5000)
    assert "sai chữ số kiểm tra" in dialog.field_message("tracking_no")
    assert status_of(ui_ctx, uid) == DossierStatus.RESULT_READY
    dialog.tracking_no.clear()
    type_text(dialog.tracking_no, "rr876543216vn")
    dialog.grab().save(str(tmp_path / "return_by_post.png"))
    with qtbot.waitSignal(dialog.step_done, timeout=8000):
        dialog.ok_button.click()
    assert any("qua bưu chính (số hiệu rr876543216vn)" in text for kind, text in prompts.asked if kind == "confirm")
    assert status_of(ui_ctx, uid) == DossierStatus.RETURNED
    with ui_ctx.factory() as s:
        event = s.scalars(select(Event).where(Event.dossier_uid == uid, Event.type == "dossier.returned")).one()
    assert event.payload["method"] == "postal" and event.payload["tracking_no"] == "RR876543216VN"
    assert event.payload["address"] and "collector" not in event.payload
    qtbot.waitUntil(lambda: not actions.return_button.isEnabled(), timeout=5000)
    assert "RR876543216VN" in actions.location.text() or "Nguyễn Văn An" in actions.location.text()
    detail.close()


def test_list_and_detail_show_the_channel(qtbot, ui_ctx, catalog):
    from dataclasses import replace

    from app.domain.postal import PostalBatchDraft, PostalItem
    from app.services.postal import sign_batch
    from app.store.db import transaction
    from tests.app.test_reception import APPLICANT, draft, receive
    from tests.conftest import NOW
    from tests.ui.test_return_flow import open_detail
    from ui.models.dossier_table import COL_CHANNEL
    from ui.screens.dossier_list import DossierListScreen

    with transaction(ui_ctx.factory) as s:
        batch, _ = sign_batch(
            s, ui_ctx.actor, PostalBatchDraft("Bưu điện xã Hạ Long", "Trần Văn Bưu", SIGNED, ITEMS[:1]), NOW
        )
    by_post = receive(
        ui_ctx.factory,
        ui_ctx.actor,
        catalog,
        replace(draft(catalog), channel="postal", postal_item=PostalItem(batch.batch_id, ITEMS[0])),
    )
    online = replace(draft(catalog, applicant=replace(APPLICANT, personal_id="022090000777")), channel="online")
    receive(ui_ctx.factory, ui_ctx.actor, catalog, online)
    in_person = draft(catalog, applicant=replace(APPLICANT, personal_id="022090000778"))
    receive(ui_ctx.factory, ui_ctx.actor, catalog, in_person)
    listing = DossierListScreen(ui_ctx)
    qtbot.addWidget(listing)
    listing.show()
    model = listing.table.model()
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=5000)
    assert model.headerData(COL_CHANNEL, Qt.Orientation.Horizontal) == "Hình thức"
    assert [model.index(r, COL_CHANNEL).data() for r in range(3)] == ["Trực tiếp", "Trực tuyến", "Bưu chính"]
    detail = open_detail(qtbot, ui_ctx, by_post.uid)
    shown = detail._fields["channel"].text()
    assert shown == f"Qua dịch vụ bưu chính công ích (bưu gửi {ITEMS[0]})"
    assert detail._fields["received"].text().startswith("08:40")  # the batch's signing time
    detail.close()


def test_scans_in_the_batch_window(qtbot, screen):  # noqa: F811
    """A serial scanner's reads go to the window in front: numbers added (a wrong one said so), then on
    the signed batch, the scanned item is selected for Enter."""
    from app.domain.scan import classify
    from ui.scanner.feedback import ScanFeedback

    feedback = ScanFeedback()
    dialog = open_batches(qtbot, screen)
    assert dialog.handle_scan(classify(ITEMS[0]), feedback)
    assert dialog.handle_scan(classify("CP473982156VN"), feedback)  # wrong check digit: said, not added
    assert "sai chữ số kiểm tra" in dialog.field_message("items")
    dialog.item_input.clear()
    assert dialog.handle_scan(classify(ITEMS[2]), feedback)
    assert [r[0] for r in dialog.items.rows] == [ITEMS[0], ITEMS[2]]
    type_text(dialog.postal_unit, "Bưu điện xã Hạ Long")
    type_text(dialog.worker_name, "Trần Văn Bưu")
    dialog.sign_button.click()
    qtbot.waitUntil(lambda: not dialog._new(), timeout=5000)
    batch_preview(qtbot, screen).close()
    assert dialog.handle_scan(classify(ITEMS[2]), feedback)
    assert dialog.table.currentIndex().row() == 1
    dialog.close()


def test_signed_before_the_cut_off_keyed_in_after_it(qtbot, ui_ctx):
    """Signed at 14:50, keyed in at 15:30: the screen promises and the dossier gets the due date of a
    dossier received at 14:50 (same day), not the next working day's."""
    from dataclasses import replace

    from app.domain.postal import PostalBatchDraft
    from app.services.postal import sign_batch
    from app.store.db import transaction
    from tests.conftest import NOW
    from ui.screens.procedure_picker import due_text

    late = replace(ui_ctx, clock=lambda: NOW.replace(hour=15, minute=30))
    with transaction(late.factory) as s:
        draft = PostalBatchDraft("Bưu điện xã Hạ Long", "Trần Văn Bưu", NOW.replace(hour=14, minute=50), ITEMS[:1])
        sign_batch(s, late.actor, draft, NOW.replace(hour=15, minute=30))
    reception = ReceptionScreen(late)
    qtbot.addWidget(reception)
    reception.show()
    pick_procedure(qtbot, reception, "cap ban sao trich luc")
    procedure = reception.picker.procedure
    assert procedure is not None
    if_now = due_text(late.calendar.due(late.clock(), procedure.processing))
    assert if_now != "17 giờ 00, Thứ Hai 23/11/2026" and reception.picker.due.text() == if_now  # after 15:00
    dialog = open_batches(qtbot, reception)
    qtbot.waitUntil(lambda: dialog.batch.count() == 2, timeout=5000)
    dialog.batch.setCurrentIndex(1)
    dialog.receive_button.click()
    assert reception.picker.due.text() == "17 giờ 00, Thứ Hai 23/11/2026"  # from the signing at 14:50
    tick_all_by_keyboard(qtbot, reception)
    scan_qr(qtbot, reception, QR)
    reception.activateWindow()
    qtbot.waitUntil(reception.isActiveWindow, timeout=5000)
    qtbot.keyClick(reception.applicant.phone, Qt.Key.Key_F9)
    preview(qtbot, reception).close()
    with late.factory() as s:
        d = s.scalars(select(Dossier)).one()
    assert d.received_at == NOW.replace(hour=14, minute=50) and d.due_at == NOW.replace(hour=17, minute=0)
    assert d.code == "000.01.00.H49-261123-0001"
    pick_procedure(qtbot, reception, "cap ban sao trich luc")  # the next citizen, in person
    assert reception.channel.channel() == "direct" and reception.picker.due.text() == if_now
