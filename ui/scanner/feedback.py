"""Scan feedback: a wide green ✓ / amber ! / red ✗ banner with the message, and a sound, for every scan.

An officer scanning a stack of folders looks at the folders, not the screen: the banner is big
and coloured enough to catch from the corner of the eye, it flashes when it changes, and the
two sounds differ in pitch and rhythm. A good scan's banner fades after a few seconds; a bad
one stays longer, until the next scan replaces it. A scan that did its job but left something to
check (an ID card whose number disagrees with the sex or birth year printed beside it) is amber
with "!", stays as long as an error and sounds the error buzz: the officer must look up and
check the card, which a green ✓ and the OK beep tell them not to do. The banner floats over the top of its host
(:meth:`ScanFeedback.float_over`) instead of taking a place in a layout: a banner that pushed the
screen down moved every field under the officer's mouse (issue 15); a click on it dismisses it.
The ✓/!/✗ marks are painted, not typed: the
bundled UI font has no such glyphs.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from ui.scanner.sound import Sound, SoundPlayer
from ui.theme import BASE_POINT_SIZE, Tone

OK_BG, OK_FLASH = "#1b7a3a", "#34c062"
WARNING_BG, WARNING_FLASH = "#f0a400", "#ffd04d"  # amber; dark text on it (white would not read)
ERROR_BG, ERROR_FLASH = "#b00020", "#ff3b4f"
OK_VISIBLE_MS = 5000
ERROR_VISIBLE_MS = 15000
WARNING_VISIBLE_MS = ERROR_VISIBLE_MS  # something to check: as long as an error
FLASH_MS = 180

# tone: (background, flash, text colour, mark colour, how long shown, sound)
_LOOKS: dict[Tone, tuple[str, str, str, str, int, Sound]] = {
    Tone.OK: (OK_BG, OK_FLASH, "#ffffff", OK_BG, OK_VISIBLE_MS, Sound.OK),
    Tone.WARNING: (WARNING_BG, WARNING_FLASH, "#2b1d00", "#8a5a00", WARNING_VISIBLE_MS, Sound.ERROR),
    Tone.ERROR: (ERROR_BG, ERROR_FLASH, "#ffffff", ERROR_BG, ERROR_VISIBLE_MS, Sound.ERROR),
}


class _Mark(QWidget):
    """A white disc with a painted check mark, exclamation mark or cross."""

    def __init__(self) -> None:
        super().__init__()
        self.tone = Tone.OK
        self.setFixedSize(QSize(40, 40))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#ffffff"))
        p.drawEllipse(QRectF(2, 2, 36, 36))
        pen = QPen(QColor(_LOOKS[self.tone][3]), 5)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        if self.tone is Tone.OK:
            p.drawPolyline([QPointF(11, 21), QPointF(17, 27), QPointF(29, 13)])
        elif self.tone is Tone.WARNING:
            p.drawLine(QPointF(20, 10), QPointF(20, 22))
            p.drawPoint(QPointF(20, 29))
        else:
            p.drawLine(QPointF(13, 13), QPointF(27, 27))
            p.drawLine(QPointF(27, 13), QPointF(13, 27))
        p.end()


class ScanFeedback(QWidget):
    """The banner (and sound) that answers every scan.

    Args:
        sound: The player; a silent one is made when None.
        parent: Qt parent.

    Attributes:
        ok: The scan did its job (green, or amber: done but something to check).
        tone: Which banner is up: :attr:`Tone.OK`, :attr:`Tone.WARNING` or :attr:`Tone.ERROR`.

    Signals:
        shown(bool, str): ok or not (a warning is ok), and the message, each time the banner is
            updated; :attr:`tone` tells a warning from a plain success.
    """

    shown = Signal(bool, str)

    def __init__(self, sound: SoundPlayer | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sound = sound or SoundPlayer(parent=self)
        self.ok = True
        self.tone = Tone.OK
        self.setAutoFillBackground(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Kết quả quét mã")
        self._mark = _Mark()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(self.label.font())
        font.setPointSizeF(BASE_POINT_SIZE + 4)
        font.setBold(True)
        self.label.setFont(font)
        self.label.setMinimumHeight(44)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 8, 14, 8)
        row.setSpacing(12)
        row.addWidget(self._mark, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.label, 1)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.timeout.connect(self.hide)
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.setInterval(FLASH_MS)
        self._flash_timer.timeout.connect(self._on_flash_timer_timeout)
        self._host: QWidget | None = None
        self.hide()

    def float_over(self, host: QWidget) -> None:
        """Lie over the top edge of ``host``, full width, without taking room in its layout."""
        self._host = host
        self.setParent(host)
        host.installEventFilter(self)
        self._place()
        self.hide()

    def _place(self) -> None:
        if self._host is None:
            return
        width = self._host.width()
        height = max(self.sizeHint().height(), self.heightForWidth(width))
        self.setGeometry(0, 0, width, height)
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A click on the banner dismisses it (it may cover the tabs for a few seconds)."""
        self.hide()
        event.accept()

    @property
    def message(self) -> str:
        """The message on the banner."""
        return self.label.text()

    def show_ok(self, message: str) -> None:
        """Green ✓ and the OK beep."""
        self._show(Tone.OK, message)

    def show_warning(self, message: str) -> None:
        """Amber ! and the error buzz: the scan was taken, but the officer must check something."""
        self._show(Tone.WARNING, message)

    def show_error(self, message: str) -> None:
        """Red ✗ and the error buzz."""
        self._show(Tone.ERROR, message)

    def _show(self, tone: Tone, message: str) -> None:
        _bg, flash, _fg, _mark, visible_ms, sound = _LOOKS[tone]
        self.ok = tone is not Tone.ERROR
        self.tone = tone
        self._mark.tone = tone
        self.setProperty("tone", str(tone))  # for tests and for anyone inspecting the widget tree
        self.label.setText(message)
        self._colour(flash)
        self._place()
        self.show()
        self._mark.update()
        self._flash_timer.start()
        self._hide_timer.start(visible_ms)
        self.sound.play(sound)
        self.shown.emit(self.ok, message)

    def _colour(self, background: str) -> None:
        palette = QPalette(self.palette())
        palette.setColor(QPalette.ColorRole.Window, QColor(background))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(_LOOKS[self.tone][2]))
        self.setPalette(palette)
        self.label.setPalette(palette)

    @Slot()
    def _on_flash_timer_timeout(self) -> None:
        self._colour(_LOOKS[self.tone][0])
