"""Dialogs for the two decisions that need words: a supplement request (form 02) and a refusal (03)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.theme import Role, set_role


class _TextDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(620, 420)
        self.error = QLabel()
        set_role(self.error, Role.ERROR)
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Huỷ (Esc)")
        self.buttons.accepted.connect(self._on_accept)
        self.buttons.rejected.connect(self.reject)
        self.layout_ = QVBoxLayout(self)

    def _on_accept(self) -> None:
        message = self.validate()
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        if not message:
            self.accept()

    def validate(self) -> str | None:
        raise NotImplementedError


class SupplementDialog(_TextDialog):
    """Asks what must be supplemented (one item a line, pre-filled with unticked documents) and why."""

    def __init__(self, missing: list[str], parent: QWidget | None = None) -> None:
        super().__init__("Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)", parent)
        self.items = QPlainTextEdit("\n".join(missing))
        self.items.setPlaceholderText("Mỗi dòng một nội dung cần bổ sung, hoàn thiện")
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("VD: Hồ sơ chưa có bản sao giấy khai sinh; tờ khai chưa ghi đủ thông tin.")
        self.reason.setMaximumHeight(90)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Lập phiếu yêu cầu bổ sung")
        for w in (
            QLabel("Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung sau (mỗi dòng một nội dung):"),
            self.items,
            QLabel("Lý do:"),
            self.reason,
            self.error,
            self.buttons,
        ):
            self.layout_.addWidget(w)

    def item_list(self) -> list[str]:
        return [line.strip() for line in self.items.toPlainText().splitlines() if line.strip()]

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    def validate(self) -> str | None:
        if not self.item_list():
            return "Hãy ghi ít nhất một nội dung cần bổ sung, hoàn thiện."
        if not self.reason_text():
            return "Hãy ghi lý do yêu cầu bổ sung."
        return None


class RefusalDialog(_TextDialog):
    """Asks for the reason of a refusal to receive."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Từ chối tiếp nhận hồ sơ (Mẫu 03)", parent)
        self.resize(620, 300)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("VD: Thủ tục không thuộc thẩm quyền giải quyết của cơ quan; đề nghị nộp tại …")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Lập phiếu từ chối")
        for w in (
            QLabel("Không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:"),
            self.reason,
            self.error,
            self.buttons,
        ):
            self.layout_.addWidget(w)

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    def validate(self) -> str | None:
        return None if self.reason_text() else "Hãy ghi rõ lý do từ chối tiếp nhận hồ sơ."
