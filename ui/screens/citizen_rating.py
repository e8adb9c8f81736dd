"""The citizen's satisfaction rating at return: a big-button window on the counter's second screen
when one is attached, otherwise a small officer dialog (keys 1, 2, 3; Esc skips).

Skipping records nothing: the dossier can be rated later from its detail ("Ghi đánh giá", Ctrl+G).
The labels come from app.domain.rating; the write is app.services.ratings.rate_dossier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.domain.rating import RATINGS, Rating, RatingSource
from app.services.ratings import RatingTarget
from ui.context import UiContext
from ui.theme import Role, set_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.drafts import Changes
    from app.services.ratings import Rated

Screens = Callable[[], Sequence[QScreen]]
THANKS_MS = 3000
"""How long the citizen window shows its thanks before it closes itself."""

_COLOURS = {  # background of each choice: green, blue, red (with white text)
    Rating.VERY_SATISFIED: "#1b7f3b",
    Rating.SATISFIED: "#0b5cad",
    Rating.DISSATISFIED: "#b00020",
}


def _record(ctx: UiContext, uid: str, rating: Rating, source: RatingSource, initiator: object,
            done: Callable[[str], None], failed: Callable[[str], None]) -> None:  # fmt: skip
    """Write the rating on the worker; publish what changed; ``done(message)`` or ``failed(message)``."""
    at = ctx.clock()

    def work(session: Session) -> tuple[Rated, Changes]:
        from app.services.ratings import rate_dossier

        return rate_dossier(session, ctx.actor, uid, rating, source, at)

    def ok(outcome: tuple[Rated, Changes]) -> None:
        rated, changes = outcome
        ctx.bus.publish(changes, initiator)
        done(rated.message)

    ctx.runner.run(work, ok, lambda exc: failed(str(exc)), write=True)


class CitizenRatingWindow(QWidget):
    """The citizen-facing window: the dossier and three big touch-friendly buttons.

    Args:
        target: The dossier rated.
        thanks_ms: How long "Cảm ơn ông/bà!" stays before the window closes itself.

    Signals:
        chosen(str): the citizen pressed a choice (a :class:`Rating` value).
    """

    chosen = Signal(str)

    def __init__(self, target: RatingTarget, thanks_ms: int = THANKS_MS, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.target, self._thanks_ms = target, thanks_ms
        self.setWindowTitle("Đánh giá mức độ hài lòng")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setStyleSheet("background: white;")
        self.heading = QLabel("Mời ông/bà đánh giá mức độ hài lòng")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setStyleSheet("font-size: 30pt; font-weight: bold; color: #0b3d91;")
        self.dossier = QLabel(f"Hồ sơ {target.code or ''}\n{target.procedure_name}")
        self.dossier.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dossier.setWordWrap(True)
        self.dossier.setStyleSheet("font-size: 18pt; color: #333;")
        self.buttons: dict[Rating, QPushButton] = {}
        row = QHBoxLayout()
        row.setSpacing(32)
        for rating in RATINGS:
            button = QPushButton(rating.label)
            button.setMinimumHeight(160)
            button.setMinimumWidth(260)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the officer's keyboard never presses it
            button.setStyleSheet(
                f"QPushButton {{ font-size: 24pt; font-weight: bold; color: white; background: {_COLOURS[rating]};"
                " border: none; border-radius: 18px; padding: 16px; }"
                " QPushButton:disabled { background: #c8c8c8; }"
            )
            button.clicked.connect(lambda _checked=False, r=rating: self._on_choice(r))
            self.buttons[rating] = button
            row.addWidget(button, 1)
        self.thanks = QLabel("Cảm ơn ông/bà!")
        self.thanks.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thanks.setStyleSheet("font-size: 36pt; font-weight: bold; color: #1b7f3b;")
        self.thanks.hide()
        root = QVBoxLayout(self)
        root.setContentsMargins(60, 60, 60, 60)
        root.addStretch(1)
        root.addWidget(self.heading)
        root.addSpacing(16)
        root.addWidget(self.dossier)
        root.addSpacing(48)
        root.addLayout(row)
        root.addWidget(self.thanks)
        root.addStretch(2)

    def _on_choice(self, rating: Rating) -> None:
        if not self.thanks.isHidden():
            return  # one choice only
        for button in self.buttons.values():
            button.hide()
        self.thanks.show()
        self.chosen.emit(str(rating))
        QTimer.singleShot(self._thanks_ms, self, self.close)


class OfficerRatingDialog(QDialog):
    """The officer records the citizen's answer: 1 Rất hài lòng, 2 Hài lòng, 3 Không hài lòng; Esc skips.

    Signals:
        rated(str): the rating was recorded (the service's message).
    """

    rated = Signal(str)

    def __init__(self, ctx: UiContext, target: RatingTarget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self.target = ctx, target
        self._busy = False
        self.setWindowTitle(f"Đánh giá mức độ hài lòng – {target.code or ''}")
        heading = QLabel("Công dân đánh giá mức độ hài lòng")
        set_role(heading, Role.TITLE)
        intro = QLabel(
            f"Hồ sơ {target.code or ''} – {target.procedure_name}.\nHỏi ý kiến công dân rồi bấm phím 1, 2 hoặc 3;"
            " Esc: bỏ qua (có thể ghi sau trong chi tiết hồ sơ, Ctrl+G)."
        )
        intro.setWordWrap(True)
        set_role(intro, Role.MUTED)
        self.buttons: dict[Rating, QPushButton] = {}
        row = QHBoxLayout()
        for n, rating in enumerate(RATINGS, 1):
            button = QPushButton(f"{n}. {rating.label}")
            button.setMinimumHeight(48)
            button.setAutoDefault(False)
            button.setToolTip(f"Phím {n}")
            button.clicked.connect(lambda _checked=False, r=rating: self.choose(r))
            self.buttons[rating] = button
            row.addWidget(button)
        self.error = QLabel()
        set_role(self.error, Role.ERROR)
        self.error.setWordWrap(True)
        self.error.hide()
        skip = QPushButton("Bỏ qua (Esc)")
        skip.setAutoDefault(False)
        skip.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(skip)
        root = QVBoxLayout(self)
        root.addWidget(heading)
        root.addWidget(intro)
        root.addLayout(row)
        root.addWidget(self.error)
        root.addLayout(bottom)
        self.setMinimumWidth(560)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """1, 2, 3 (top row or keypad) choose; handled here rather than by window shortcuts, which
        another window's shortcut on the same digit (scan page assignment) would make ambiguous."""
        digit = {Qt.Key.Key_1: 0, Qt.Key.Key_2: 1, Qt.Key.Key_3: 2}.get(Qt.Key(event.key()))
        if digit is not None and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.choose(RATINGS[digit])
            return
        super().keyPressEvent(event)

    @Slot()
    def choose(self, rating: Rating) -> None:
        """Record ``rating`` for the officer (source: officer)."""
        if self._busy:
            return
        self._busy = True
        for button in self.buttons.values():
            button.setEnabled(False)
        _record(self._ctx, self.target.uid, rating, RatingSource.OFFICER, self, self._on_done, self._on_failed)

    def _on_done(self, message: str) -> None:
        if shiboken6.isValid(self):
            self.rated.emit(message)
            self.accept()

    def _on_failed(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy = False
        for button in self.buttons.values():
            button.setEnabled(True)
        self.error.setText(message)
        self.error.show()


class WaitingForCitizenDialog(QDialog):
    """The officer's side while the citizen rates on the second screen.

    Esc closes the citizen window and opens the officer dialog (record for the citizen, or Esc
    again to skip). When the citizen chooses, the rating is recorded and this dialog closes.

    Signals:
        rated(str): the citizen's rating was recorded (the service's message).
    """

    rated = Signal(str)

    def __init__(self, ctx: UiContext, window: CitizenRatingWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self.citizen = ctx, window
        self.officer_dialog: OfficerRatingDialog | None = None
        self.setWindowTitle("Đánh giá mức độ hài lòng")
        self.text = QLabel("Đang chờ công dân đánh giá trên màn hình phụ… (Esc: bỏ qua / ghi thay)")
        self.text.setWordWrap(True)
        set_role(self.text, Role.SECTION)
        self.error = QLabel()
        set_role(self.error, Role.ERROR)
        self.error.setWordWrap(True)
        self.error.hide()
        root = QVBoxLayout(self)
        root.addWidget(self.text)
        root.addWidget(self.error)
        self.setMinimumWidth(520)
        window.chosen.connect(self._on_citizen_chosen)
        self.destroyed.connect(window.close)  # the detail closed: the citizen window goes too

    @Slot(str)
    def _on_citizen_chosen(self, value: str) -> None:
        target = self.citizen.target
        self.text.setText("Công dân đã chọn; đang ghi đánh giá…")
        _record(self._ctx, target.uid, Rating(value), RatingSource.CITIZEN_SCREEN, self, self._on_done, self._on_failed)

    def _on_done(self, message: str) -> None:
        if shiboken6.isValid(self):
            self.rated.emit(message)
            self.accept()

    def _on_failed(self, message: str) -> None:
        if shiboken6.isValid(self):
            self.error.setText(message)
            self.error.show()

    def reject(self) -> None:
        """Esc: the citizen window goes, the officer records the answer or skips."""
        target = self.citizen.target
        if shiboken6.isValid(self.citizen):
            self.citizen.close()
        parent = self.parentWidget()
        super().reject()
        self.officer_dialog = OfficerRatingDialog(self._ctx, target, parent)
        self.officer_dialog.rated.connect(self.rated)
        self.officer_dialog.open()


def ask_rating(
    ctx: UiContext,
    uid: str,
    parent: QWidget,
    screens: Screens = QGuiApplication.screens,
    thanks_ms: int = THANKS_MS,
) -> None:
    """After a return: ask the rating on the second screen when there is one, else the officer dialog.

    ``screens`` is injectable (tests; the offscreen platform has one screen). Nothing is asked for
    a dossier that cannot be rated (already rated, not returned).
    """

    def show(target: RatingTarget | None) -> None:
        if target is None or target.why_not or not shiboken6.isValid(parent):
            return
        open_rating(ctx, target, parent, screens, thanks_ms)

    ctx.runner.run(lambda s: _target(s, uid), show, lambda _exc: None, write=False)


def _target(session: Session, uid: str) -> RatingTarget | None:
    from app.services.ratings import rating_target

    return rating_target(session, uid)


def open_rating(
    ctx: UiContext, target: RatingTarget, parent: QWidget, screens: Screens = QGuiApplication.screens,
    thanks_ms: int = THANKS_MS,
) -> QDialog:  # fmt: skip
    """Open the rating for ``target`` now; returns the officer-side dialog (waiting, or the officer's)."""
    found = list(screens())
    if len(found) > 1:
        citizen = CitizenRatingWindow(target, thanks_ms)
        second = found[1]
        citizen.setScreen(second)
        citizen.setGeometry(second.geometry())
        waiting = WaitingForCitizenDialog(ctx, citizen, parent)
        citizen.show()
        waiting.open()
        return waiting
    dialog = OfficerRatingDialog(ctx, target, parent)
    dialog.open()
    return dialog
