"""Action registry: text, shortcut and tip of every menu command, declared once (Picard)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


class ActionId(StrEnum):
    NEW_RECEPTION = "new_reception"
    FIND_DOSSIER = "find_dossier"
    SYNC_QUEUE = "sync_queue"
    CONFLICTS = "conflicts"
    ENROL = "enrol"
    SCANNER_SETTINGS = "scanner_settings"
    HANDOVER = "handover"
    RECEIVE_HANDOVER = "receive_handover"
    CUSTODY_VIEW = "custody_view"
    SUPERVISION = "supervision"
    REGISTER = "register"
    LABEL_SETTINGS = "label_settings"
    DAY_LIST = "day_list"
    FEE_LIST = "fee_list"
    SCAN_DOSSIER = "scan_dossier"
    SCAN_BATCH = "scan_batch"
    SCAN_PROFILES = "scan_profiles"
    POSTAL_BATCH = "postal_batch"
    CHANGE_PASSWORD = "change_password"
    LOGOUT = "logout"
    QUIT = "quit"
    SHORTCUTS = "shortcuts"
    ABOUT = "about"


@dataclass(frozen=True, slots=True)
class ActionSpec:
    text: str
    shortcut: str
    tip: str


ACTIONS: dict[ActionId, ActionSpec] = {
    ActionId.NEW_RECEPTION: ActionSpec("Tiếp nhận hồ sơ", "F5", "Mở màn hình tiếp nhận hồ sơ"),
    ActionId.FIND_DOSSIER: ActionSpec("Tra cứu hồ sơ", "F6", "Tìm hồ sơ theo mã, tên, số định danh, điện thoại"),
    ActionId.SYNC_QUEUE: ActionSpec(
        "Hàng đợi đồng bộ", "F8", "Các sự kiện chưa gửi lên máy chủ: trạng thái, số lần gửi, lỗi; gửi lại"
    ),
    ActionId.CONFLICTS: ActionSpec(
        "Xung đột cần xử lý", "Shift+F8", "Xung đột máy chủ phát hiện khi đồng bộ (ví dụ hồ sơ giấy bàn giao hai lần)"
    ),
    ActionId.ENROL: ActionSpec(
        "Đăng ký máy trạm với máy chủ…", "", "Dành cho bộ phận CNTT: kết nối máy này với máy chủ"
    ),
    ActionId.SCANNER_SETTINGS: ActionSpec(
        "Cài đặt máy quét…", "", "Máy quét mã vạch: ký tự đầu/cuối, tốc độ gõ, cổng nối tiếp; quét thử"
    ),
    ActionId.HANDOVER: ActionSpec(
        "Bàn giao hồ sơ", "F7", "Quét các hồ sơ giấy để bàn giao cho cơ quan giải quyết hoặc về Bộ phận Một cửa"
    ),
    ActionId.RECEIVE_HANDOVER: ActionSpec(
        "Nhận hồ sơ bàn giao", "Shift+F7", "Xác nhận phiếu bàn giao gửi đến: quét từng hồ sơ, ghi nhận thiếu/thừa"
    ),
    ActionId.CUSTODY_VIEW: ActionSpec(
        "Theo dõi vị trí hồ sơ", "F4", "Hồ sơ giấy đang ở đâu, từ khi nào; hồ sơ chuyển quá lâu được tô đỏ"
    ),
    ActionId.SUPERVISION: ActionSpec(
        "Giám sát hồ sơ", "F3", "Hàng đợi quá hạn, sắp đến hạn, chờ bổ sung, đang giải quyết (lãnh đạo, quản trị)"
    ),
    ActionId.REGISTER: ActionSpec(
        "Sổ theo dõi hồ sơ…", "Shift+F3", "Sổ theo dõi hồ sơ theo năm hoặc khoảng ngày: xem, in A4 ngang, xuất Excel"
    ),
    ActionId.DAY_LIST: ActionSpec(
        "Danh sách hồ sơ tiếp nhận trong ngày…",
        "Ctrl+Shift+D",
        "In danh sách hồ sơ đã tiếp nhận hôm nay: của cán bộ đang đăng nhập (lãnh đạo: cả đơn vị), A4",
    ),
    ActionId.FEE_LIST: ActionSpec(
        "Danh sách thu phí, lệ phí trong ngày…",
        "Ctrl+Shift+T",
        "In danh sách biên lai thu phí, lệ phí hôm nay, tổng theo hình thức thanh toán (lãnh đạo: cả đơn vị), A4",
    ),
    ActionId.LABEL_SETTINGS: ActionSpec(
        "Cài đặt nhãn…", "", "Khổ nhãn (cuộn 50×30 mm, tờ A4 3×8), căn chỉnh lệch, in thử, in nhãn khi tiếp nhận"
    ),
    ActionId.SCAN_DOSSIER: ActionSpec(
        "Quét hồ sơ…", "F9", "Quét hoặc nhập tệp bản điện tử của hồ sơ đang chọn (F9 ở màn hình tra cứu)"
    ),
    ActionId.SCAN_BATCH: ActionSpec(
        "Quét lô hồ sơ có tờ phân cách…", "Shift+F9", "Quét một chồng nhiều hồ sơ, tách theo tờ phân cách có mã hồ sơ"
    ),
    ActionId.SCAN_PROFILES: ActionSpec(
        "Cài đặt máy quét tài liệu…",
        "",
        "Cấu hình quét (độ phân giải, màu, khay giấy); máy quét mạng, thư mục theo dõi",
    ),
    ActionId.POSTAL_BATCH: ActionSpec(
        "Biên bản giao nhận bưu chính…",
        "Ctrl+Shift+B",
        "Ký biên bản giao nhận hồ sơ với nhân viên bưu chính, in biên bản, tiếp nhận từng bưu gửi",
    ),
    ActionId.CHANGE_PASSWORD: ActionSpec(
        "Đổi mật khẩu…", "Ctrl+Shift+M", "Đổi mật khẩu đăng nhập của bạn (máy đã đăng ký: cần kết nối máy chủ)"
    ),
    ActionId.LOGOUT: ActionSpec("Đăng xuất", "Ctrl+Shift+L", "Kết thúc phiên làm việc của cán bộ"),
    ActionId.QUIT: ActionSpec("Thoát", "Ctrl+Q", "Đóng chương trình"),
    ActionId.SHORTCUTS: ActionSpec("Phím tắt", "F1", "Danh sách phím tắt"),
    ActionId.ABOUT: ActionSpec("Giới thiệu", "", "Phiên bản và giấy phép"),
}

SHORTCUT_HELP = (
    ("F2", "Tìm thủ tục (gõ không dấu)"),
    ("↑ ↓, Enter", "Chọn thủ tục trong danh sách"),
    ("Dấu cách", "Đánh dấu giấy tờ đã nhận"),
    ("Ctrl+D", "Đánh dấu đã nhận đủ giấy tờ"),
    ("F9 hoặc Ctrl+Enter", "Tiếp nhận và in phiếu hẹn (Mẫu 01)"),
    ("F9 sau khi tiếp nhận", "Quét bản điện tử của hồ sơ vừa tiếp nhận"),
    ("F10", "Yêu cầu bổ sung (Mẫu 02)"),
    ("F11", "Từ chối tiếp nhận (Mẫu 03)"),
    ("Ctrl+N", "Làm mới màn hình tiếp nhận"),
    ("F5 / F6", "Màn hình tiếp nhận / tra cứu hồ sơ"),
    ("F8", "Hàng đợi đồng bộ (sự kiện chưa gửi lên máy chủ)"),
    ("Shift+F8", "Xung đột cần xử lý (lãnh đạo giải quyết)"),
    ("F7 / Shift+F7", "Bàn giao hồ sơ / Nhận hồ sơ bàn giao"),
    ("F4", "Theo dõi vị trí hồ sơ giấy"),
    ("F3", "Giám sát hồ sơ: hàng đợi quá hạn, sắp đến hạn… (lãnh đạo, quản trị); Enter mở hồ sơ"),
    ("Ctrl+Shift+D", "In danh sách hồ sơ tiếp nhận trong ngày (lãnh đạo: cả đơn vị)"),
    ("Ctrl+Shift+T", "In danh sách thu phí, lệ phí trong ngày (lãnh đạo: cả đơn vị)"),
    ("Ctrl+Shift+F", "Trong hồ sơ: thu phí, lệ phí và in biên lai"),
    ("Ctrl+Shift+M", "Đổi mật khẩu đăng nhập"),
    ("Ctrl+Shift+B", "Biên bản giao nhận hồ sơ qua bưu chính; Enter trên bưu gửi để tiếp nhận"),
    ("Shift+F3", "Sổ theo dõi hồ sơ: xem, in, xuất Excel (lãnh đạo, quản trị)"),
    ("Ctrl+1 / Ctrl+2", "Trong Giám sát: hàng đợi / chỉ số (đúng hạn, thời gian, kênh, số hoá, hài lòng)"),
    ("Enter (chỉ số)", "Xem các hồ sơ tạo nên số liệu đang chọn; Enter lần nữa mở hồ sơ"),
    ("Delete / Ctrl+Z", "Bỏ hồ sơ khỏi phiếu bàn giao / hoàn tác"),
    ("Ctrl+Enter", "Gửi bàn giao / xác nhận đã nhận"),
    ("Ctrl+F", "Ô tìm kiếm hồ sơ"),
    ("F9 (tra cứu) / Shift+F9", "Quét hồ sơ đang chọn / Quét lô hồ sơ có tờ phân cách"),
    ("Trong cửa sổ quét", "1–9 gán trang vào giấy tờ, Ctrl+L/Ctrl+R xoay, Del xoá, Ctrl+Z hoàn tác, Ctrl+S lưu"),
    ("Ctrl+P / Ctrl+S", "In / Lưu PDF trong cửa sổ xem trước"),
    ("Quét QR thẻ căn cước", "Điền tự động họ tên, số định danh, ngày sinh, giới tính, địa chỉ"),
    ("Quét mã hồ sơ", "Mở hồ sơ từ bất kỳ màn hình nào (nhãn bìa hồ sơ hoặc phiếu hẹn)"),
)


def make_actions(parent: QWidget) -> dict[ActionId, QAction]:
    """One QAction per registry entry, parented to ``parent``; handlers are connected by the owner."""
    out = {}
    for action_id, spec in ACTIONS.items():
        action = QAction(spec.text, parent)
        if spec.shortcut:
            action.setShortcut(QKeySequence(spec.shortcut))
        action.setStatusTip(spec.tip)
        action.setToolTip(f"{spec.tip} ({spec.shortcut})" if spec.shortcut else spec.tip)
        out[action_id] = action
    return out
