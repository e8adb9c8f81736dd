"""The question a scan session asks on save when pages of another dossier are among its pages
(issue 15 item 4): keep them out, attach them to their own dossier, or attach them here anyway."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.scanning.other_dossier import OtherDossierPages


def _button(text: str, tip: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setAutoDefault(False)
    b.setToolTip(tip)
    return b


class OtherDossierPanel(QFrame):
    """A red-framed question under the pages; hidden until :meth:`ask`.

    Signals:
        kept_out(): "Bỏ các trang này ra".
        moved(): "Đính kèm vào hồ sơ …" (enabled once :meth:`set_found` found every dossier).
        kept_here(): "Vẫn đính kèm vào hồ sơ này".
        dismissed(): "Quay lại".
    """

    kept_out = Signal()
    moved = Signal()
    kept_here = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("otherDossier")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#otherDossier { border: 2px solid #b00020; background: #fff4f4; }")
        self.others: list[OtherDossierPages] = []
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.out_button = _button(
            "Bỏ các trang này ra", "Xoá các trang của hồ sơ khác khỏi phiên quét (Ctrl+Z để lấy lại)"
        )
        self.move_button = _button("Đính kèm vào hồ sơ của các trang")
        self.here_button = _button(
            "Vẫn đính kèm vào hồ sơ này", "Chỉ chọn khi chắc chắn các trang thuộc hồ sơ đang quét"
        )
        self.back_button = _button("Quay lại")
        for button, signal in ((self.out_button, self.kept_out), (self.move_button, self.moved),
                               (self.here_button, self.kept_here), (self.back_button, self.dismissed)):  # fmt: skip
            button.clicked.connect(signal)
        row = QHBoxLayout()
        for b in (self.out_button, self.move_button, self.here_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.back_button)
        column = QVBoxLayout(self)
        column.addWidget(self.text)
        column.addLayout(row)
        self.hide()

    def ask(self, others: Sequence[OtherDossierPages], own_code: str) -> None:
        """Show which pages carry another dossier's code; "move" waits for :meth:`set_found`."""
        self.others = list(others)
        n = sum(len(o.rows) for o in others)
        listed = "; ".join(
            f"{len(o.rows)} trang của hồ sơ {o.code} (trang {', '.join(str(r + 1) for r in o.rows)})" for o in others
        )
        self.text.setText(
            f"<b>Có {n} trang của hồ sơ khác</b>, không phải hồ sơ {own_code} đang quét: {listed}. "
            "Giấy tờ của công dân này không được lưu vào hồ sơ của công dân khác. Chọn cách xử lý:"
        )
        self.move_button.setEnabled(False)
        self.move_button.setText("Đang tìm hồ sơ của các trang…")
        self.move_button.setToolTip("")
        self.show()
        self.out_button.setFocus()

    def set_found(self, found: dict[str, str]) -> None:
        """The dossiers this PC has (code → uid): "move" is offered only when every one is here."""
        missing = [o.code for o in self.others if o.code not in found]
        if missing:
            self.move_button.setText("Đính kèm vào hồ sơ của các trang")
            self.move_button.setToolTip(f"Máy này không có hồ sơ {', '.join(missing)}: không đính kèm được.")
        else:
            self.move_button.setText(f"Đính kèm vào hồ sơ {', '.join(o.code for o in self.others)}")
            self.move_button.setToolTip("Các trang được đính kèm vào hồ sơ ghi trên trang, phần còn lại vào hồ sơ này")
        self.move_button.setEnabled(not missing)

    def rows(self) -> list[int]:
        """Every row asked about, in order."""
        return sorted(r for o in self.others for r in o.rows)
