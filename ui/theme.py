"""Bundled fonts and the application style: never depend on system fonts (HARDWARE.md)."""
# ruff: noqa: E501  (stylesheet lines)

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.resources import resource_path

UI_FONTS = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")

STYLE = """
QWidget { font-size: 10pt; }
QLabel[role="title"] { font-size: 13pt; font-weight: bold; color: #0b3d91; }
QLabel[role="section"] { font-size: 10.5pt; font-weight: bold; color: #0b3d91; margin-top: 4px; }
QLabel[role="error"] { color: #b00020; font-size: 9pt; }
QLabel[role="due"] { font-size: 11pt; font-weight: bold; color: #1b5e20; }
QLabel[role="demo"] { background: #fff3cd; color: #7a4d00; padding: 2px 8px; border-radius: 3px; font-weight: bold; }
QLineEdit[invalid="true"], QComboBox[invalid="true"] { border: 1px solid #b00020; background: #fff5f5; }
QPushButton[role="primary"] { background: #0b5ed7; color: white; font-weight: bold; padding: 6px 14px; border-radius: 4px; }
QPushButton[role="primary"]:disabled { background: #8fb3ea; }
QPushButton { padding: 5px 12px; }
QGroupBox { font-weight: bold; color: #0b3d91; border: 1px solid #c9d3e3; border-radius: 4px; margin-top: 10px; padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }
QTableView { gridline-color: #dde3ec; selection-background-color: #cfe2ff; selection-color: black; }
"""


def apply_theme(app: QApplication) -> str:
    """Load the bundled UI fonts, make them the application font, set the style; returns the family."""
    family = "Sans Serif"
    for name in UI_FONTS:
        font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", name)))
        if font_id >= 0:
            family = QFontDatabase.applicationFontFamilies(font_id)[0]
    app.setFont(QFont(family, 10))
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    return family
