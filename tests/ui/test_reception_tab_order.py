"""Tab on the reception screen follows the screen (issue 15, item 2): procedure → documents →
applicant fields → the rest of the form → the buttons, and Shift+Tab walks back the same way."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.domain.scan import ScannerSettings
from ui.context import UiContext
from ui.main_window import MainWindow
from ui.scanner.inputs import ScannerInputs
from ui.scanner.settings import ScannerSettingsStore
from ui.scanner.simulate import KeySender

_clock = count(70_000_000, 180)  # a person pressing Tab every 180 ms


@pytest.fixture
def window(qtbot: QtBot, ui_ctx: UiContext, tmp_path: Path) -> Iterator[MainWindow]:
    store = ScannerSettingsStore(QSettings(str(tmp_path / "scanner.ini"), QSettings.Format.IniFormat))
    store.save(ScannerSettings(prefix="", suffix="Tab"))  # even a Tab suffix leaves a person's Tab alone
    scanners = ScannerInputs(store)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    scanners.start(app)
    w = MainWindow(ui_ctx, scanners=scanners)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.activateWindow()
    qtbot.waitActive(w)
    qtbot.waitUntil(w.reception.picker.search.hasFocus)
    yield w
    scanners.stop()


def expected_chain(window: MainWindow) -> list[tuple[str, QWidget]]:
    r, p, a = window.reception, window.reception.picker, window.reception.applicant
    return [
        ("ô tìm thủ tục", p.search),
        ("danh sách thủ tục", p.results),
        ("giấy tờ đã nhận", p.checklist),
        ("Loại người nộp", a.kind),
        ("Người khác nộp thay", a.on_behalf),
        ("Họ và tên", a.full_name),
        ("Số định danh", a.personal_id),
        ("Ngày sinh", a.birth_date),
        ("Giới tính", a.sex),
        ("Địa chỉ", a.address),
        ("Điện thoại", a.phone),
        ("Thư điện tử", a.email),
        ("Hình thức nộp", r.channel.combo),  # direct / online / postal (issue 16)
        ("Số lượng hồ sơ", r.sets),
        ("Nhận kết quả tại", r.return_method),
        ("Ghi chú", r.note),
        ("Thu ngay phí, lệ phí", r.fees.pay_now),  # 2.000635: 8.000 đồng at reception, no exemption (issue 16)
        ("Tiếp nhận (F9)", r.receive_button),
        ("Yêu cầu bổ sung (F10)", r.supplement_button),
        ("Từ chối (F11)", r.refuse_button),
        ("Đã nhận đủ giấy tờ", r.tick_all_button),
        ("Làm mới", r.clear_button),
    ]


def focused(chain: list[tuple[str, QWidget]]) -> str:
    """Which of ``chain`` has the focus (its label), or what else has it."""
    for label, widget in chain:
        if widget.hasFocus():
            return label
    other = QApplication.focusWidget()
    return f"{type(other).__name__} {other.objectName()!r}" if other is not None else "không có"


def test_tab_walks_the_reception_screen_in_visual_order(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.reception.picker.search, "cap ban sao trich luc")  # type: ignore[no-untyped-call]
    qtbot.keyClick(window.reception.picker.search, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    assert window.reception.picker.procedure is not None
    chain = expected_chain(window)
    keys = KeySender(window)
    chain[0][1].setFocus()
    qtbot.waitUntil(chain[0][1].hasFocus)

    seen = [focused(chain)]
    for _ in chain[1:]:
        keys.key(Qt.Key.Key_Tab, "\t", next(_clock))
        seen.append(focused(chain))
    assert seen == [label for label, _ in chain]

    back = [focused(chain)]
    for _ in chain[1:]:
        keys.key(Qt.Key.Key_Backtab, "", next(_clock), Qt.KeyboardModifier.ShiftModifier)
        back.append(focused(chain))
    assert back == [label for label, _ in reversed(chain)]


def test_tab_from_the_name_reaches_the_personal_id(qtbot: QtBot, window: MainWindow) -> None:
    """The reported steps: choose a procedure, click the name, type, Tab → the ID field."""
    form = window.reception.applicant
    qtbot.keyClicks(window.reception.picker.search, "cap ban sao trich luc")  # type: ignore[no-untyped-call]
    qtbot.keyClick(window.reception.picker.search, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    qtbot.mouseClick(form.full_name, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(form.full_name.hasFocus)
    qtbot.keyClicks(form.full_name, "Tran Van Binh")  # type: ignore[no-untyped-call]
    KeySender(window).key(Qt.Key.Key_Tab, "\t", next(_clock))
    assert form.personal_id.hasFocus()
    qtbot.wait(50)  # the layout requests posted by the choice are handled before the window paints
    window.grab().save("/tmp/h5-reception-tab-to-id.png")
