"""The change bus: after a write, views hear what changed and decide whether to refresh."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from app.services.drafts import Changes


class ChangeBus(QObject):
    """Signals:
    changed(object, object): (Changes, initiator) after a successful write.
    """

    changed = Signal(object, object)

    def publish(self, changes: Changes, initiator: object | None = None) -> None:
        self.changed.emit(changes, initiator)
