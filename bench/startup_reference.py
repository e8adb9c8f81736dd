"""Reference for bench_startup.py: a plain PySide6 window shaped like the reception screen.

Same kinds and about the same number of widgets as MotCua Desk's main window (menus, header,
tabs, a list of 37 procedures, a form of line edits, buttons, a status bar), the Qt namespace
used once, and none of the application's own code, fonts or data. Its start-up ratio to the
bare window is what Qt alone costs for a window of this size.
"""

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

FIELDS = ["Họ và tên", "Số định danh", "Ngày sinh", "Giới tính", "Địa chỉ", "Điện thoại", "Email", "Ghi chú"]
BUTTONS = ["Tiếp nhận (F9)", "Bổ sung (F10)", "Từ chối (F11)", "Làm mới"]

app = QApplication(sys.argv)
window = QMainWindow()
left = QWidget()
left_column = QVBoxLayout(left)
left_column.addWidget(QLabel("Thủ tục hành chính"))
left_column.addWidget(QLineEdit())
procedures = QListWidget()
procedures.addItems([f"Thủ tục số {i} – cấp bản sao trích lục hộ tịch" for i in range(37)])
left_column.addWidget(procedures)
facts = QFormLayout()
for i in range(6):
    facts.addRow(f"Thông tin {i}:", QLabel("…"))
left_column.addLayout(facts)
right = QWidget()
form = QFormLayout(right)
for name in FIELDS:
    form.addRow(name + ":", QLineEdit())
form.addRow("Số bộ:", QSpinBox())
place = QComboBox()
place.addItems(["Tại quầy", "Bưu điện"])
form.addRow("Nhận:", place)
buttons = QHBoxLayout()
for text in BUTTONS:
    buttons.addWidget(QPushButton(text))
form.addRow(buttons)
split = QSplitter()
split.addWidget(left)
split.addWidget(right)
page = QWidget()
QVBoxLayout(page).addWidget(split)
tabs = QTabWidget()
tabs.addTab(page, "Tiếp nhận hồ sơ (F5)")
tabs.addTab(QWidget(), "Tra cứu hồ sơ (F6)")
window.setCentralWidget(tabs)
for menu in ["Hệ thống", "Hồ sơ", "Trợ giúp"]:
    window.menuBar().addMenu(menu)
window.statusBar().showMessage("Sẵn sàng")
title = QLabel("MotCua Desk")
title.setAlignment(Qt.AlignmentFlag.AlignCenter)
window.resize(1366, 740)
window.show()
app.processEvents()
print("ready", flush=True)
