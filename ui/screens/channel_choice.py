"""How the dossier reached the counter (direct, online, postal) on the reception screen, and postal mode.

In postal mode the screen receives one item of a signed batch record (ui/screens/postal_batch.py):
the channel is fixed to postal, a bar says which item and batch, and the decision's receipt time
is the batch's signing time (app.services.postal.reception_channel). Choosing "Qua dịch vụ bưu
chính" by hand asks for the batch (:attr:`ChannelChoice.postal_wanted`): a postal dossier is always
received from a batch record, so nothing of the batch is typed again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from app.domain.indicators import Channel
from app.domain.postal import PostalItem
from ui.theme import Role, set_role

CHANNELS = (("direct", Channel.DIRECT.label), ("online", Channel.ONLINE.label), ("postal", "Qua dịch vụ bưu chính"))
"""(payload value, label) in the order of the combo box."""


class ChannelChoice(QWidget):
    """The channel combo box and, in postal mode, the bar naming the item being received.

    Signals:
        postal_wanted(): the officer chose "Qua dịch vụ bưu chính" without an item (open the batches).
        postal_left(): postal mode ended (reset, or the officer went back to another channel).
    """

    postal_wanted = Signal()
    postal_left = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._item: PostalItem | None = None
        self.combo = QComboBox()
        for value, label in CHANNELS:
            self.combo.addItem(label, value)
        self.combo.setToolTip("Hình thức công dân nộp hồ sơ (chỉ số 3.3, Biểu II.06a)")
        self.bar = QLabel()
        self.bar.setWordWrap(True)
        self.bar.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_role(self.bar, Role.SECTION)
        self.bar.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.combo)
        column.addWidget(self.bar)
        self.setFocusProxy(self.combo)
        self.combo.activated.connect(self._on_combo_activated)

    def channel(self) -> str:
        """ "direct", "online" or "postal"."""
        return str(self.combo.currentData())

    def postal_item(self) -> PostalItem | None:
        """The batch item being received (postal mode), else None."""
        return self._item

    def set_postal(self, item: PostalItem, caption: str) -> None:
        """Enter postal mode for ``item``; ``caption`` says which item and batch, and the receipt time."""
        self._item = item
        self.combo.setCurrentIndex(self.combo.findData("postal"))
        self.bar.setText(caption)
        self.bar.show()

    def reset(self) -> None:
        """Back to "Trực tiếp", postal mode off."""
        was_postal = self._item is not None
        self._item = None
        self.bar.hide()
        self.combo.setCurrentIndex(0)
        if was_postal:
            self.postal_left.emit()

    @Slot(int)
    def _on_combo_activated(self, _index: int) -> None:
        if self.channel() == "postal" and self._item is None:
            self.combo.setCurrentIndex(0)  # until an item of a batch is chosen
            self.postal_wanted.emit()
        elif self.channel() != "postal" and self._item is not None:
            self._item = None
            self.bar.hide()
            self.postal_left.emit()
