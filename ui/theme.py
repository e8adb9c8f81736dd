"""Bundled fonts and the application look: never depend on system fonts (HARDWARE.md).

The look is made with the Fusion style, a palette and fonts, not with Qt style sheets: once an
application has a style sheet, Qt polishes every widget through its style-sheet engine, which
made the main window take about a third longer to appear (bench/bench_startup.py). Widgets get
their look from :func:`set_role`; the handful of states that change at run time (an invalid
field, the result banner) use :func:`set_invalid` and :func:`set_banner`.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from app.resources import resource_path

UI_FONTS = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")
BASE_POINT_SIZE = 10.0

NAVY = "#0b3d91"
RED = "#b00020"
GREEN = "#1b5e20"
PRIMARY = "#0b5ed7"
SELECTION = "#cfe2ff"


class Role(StrEnum):
    """What a widget is for; :func:`set_role` gives it the matching font and colours."""

    TITLE = "title"  # screen and group titles
    SECTION = "section"  # the chosen procedure's name
    ERROR = "error"  # a message beside a field
    DUE = "due"  # the due date if received now
    DEMO = "demo"  # "demo data" badge
    PRIMARY = "primary"  # the main button of a screen
    HEADER = "header"  # the window's top bar (navy, white text)
    HINT = "hint"  # small grey help text
    MUTED = "muted"  # grey secondary text
    EMPTY = "empty"  # "nothing found" placeholder


# role: (point size delta, bold, text colour, background colour or None)
_ROLES: dict[Role, tuple[float, bool, str | None, str | None]] = {
    Role.TITLE: (3.0, True, NAVY, None),
    Role.SECTION: (0.5, True, NAVY, None),
    Role.ERROR: (-1.0, False, RED, None),
    Role.DUE: (1.0, True, GREEN, None),
    Role.DEMO: (0.0, True, "#7a4d00", "#fff3cd"),
    Role.PRIMARY: (0.0, True, "#ffffff", PRIMARY),
    Role.HEADER: (0.0, False, "#ffffff", NAVY),
    Role.HINT: (-1.0, False, "#555555", None),
    Role.MUTED: (0.0, False, "#555555", None),
    Role.EMPTY: (2.0, False, "#666666", None),
}


STYLE = "Fusion"
# Passed to QApplication by the composition root: the style is then chosen inside Qt, before
# any widget exists. ``app.setStyle`` from Python also works (tests, tools) but hands a QStyle
# to Python, whose enum types PySide6 then builds during start-up.
STYLE_ARGS = ("-style", STYLE)


def apply_theme(app: QApplication, *, style_set: bool = False) -> str:
    """Load the bundled UI fonts, make them the application font, set style and palette.

    Args:
        app: The application.
        style_set: The application was created with :data:`STYLE_ARGS` (the style is in place).

    Returns:
        The font family in use ("Noto Sans" unless the bundled files are missing).
    """
    family = "Sans Serif"
    for name in UI_FONTS:
        font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", name)))
        if font_id >= 0:
            family = QFontDatabase.applicationFontFamilies(font_id)[0]
    app.setFont(QFont(family, int(BASE_POINT_SIZE)))
    if not style_set:
        app.setStyle(STYLE)
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Highlight, QColor(SELECTION))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#000000"))
    app.setPalette(palette)
    return family


def set_role(widget: QWidget, role: Role) -> None:
    """Give ``widget`` the font and colours of ``role`` (see :class:`Role`)."""
    delta, bold, fg, bg = _ROLES[role]
    widget.setProperty("role", str(role))  # for tests and for anyone inspecting the widget tree
    font = QFont(widget.font())
    font.setPointSizeF(BASE_POINT_SIZE + delta)
    font.setBold(bold)
    widget.setFont(font)
    palette = QPalette(widget.palette())
    if fg is not None:
        for r in (QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText, QPalette.ColorRole.Text):
            palette.setColor(r, QColor(fg))
    if bg is not None:
        palette.setColor(QPalette.ColorRole.Window, QColor(bg))
        palette.setColor(QPalette.ColorRole.Button, QColor(bg))
        widget.setAutoFillBackground(True)
    if role is Role.PRIMARY:
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor("#8fb3ea"))
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#eef3fb"))
    widget.setPalette(palette)
    if isinstance(widget, QLabel) and role is Role.DEMO:
        widget.setMargin(3)


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Mark an input red (pale red field, red text) while its value is wrong."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    if invalid:
        palette = QPalette(widget.palette())
        palette.setColor(QPalette.ColorRole.Base, QColor("#fff0f0"))
        palette.setColor(QPalette.ColorRole.Window, QColor("#fff0f0"))
        palette.setColor(QPalette.ColorRole.Highlight, QColor(RED))
        palette.setColor(QPalette.ColorRole.Text, QColor("#5c0010"))
        widget.setPalette(palette)
    else:
        widget.setPalette(QPalette())  # no role set: inherit the application palette again


class Tone(StrEnum):
    """What a banner reports: done, done but look again, or a problem."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


# tone: (background, text)
_TONES: dict[Tone, tuple[str, str]] = {
    Tone.OK: ("#e8f5e9", GREEN),
    Tone.WARNING: ("#fff3cd", "#6b4400"),  # amber: the officer must check something before going on
    Tone.ERROR: ("#fdecea", "#8a1c1c"),
}


def set_banner(label: QLabel, *, ok: bool, warning: bool = False) -> None:
    """Colour the result banner: green for done, amber for done with a warning, red for a problem.

    The tone is also kept in the label's ``tone`` property (tests and the widget tree read it).
    """
    tone = Tone.WARNING if warning else Tone.OK if ok else Tone.ERROR
    bg, fg = _TONES[tone]
    label.setProperty("tone", str(tone))
    palette = QPalette(label.palette())
    palette.setColor(QPalette.ColorRole.Window, QColor(bg))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(fg))
    label.setPalette(palette)
    label.setAutoFillBackground(True)
    label.setMargin(6)


def show_banner(label: QLabel, text: str, *, ok: bool, warning: bool = False) -> None:
    """Show ``text`` in the result banner ``label``, coloured by :func:`set_banner`."""
    set_banner(label, ok=ok, warning=warning)
    label.setText(text)
    label.show()
