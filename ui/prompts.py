"""Modal questions go through this interface so tests can answer them without a human."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter


class Prompts:
    """Real dialogs. Tests pass a subclass that returns canned answers."""

    def save_pdf_path(self, parent: QWidget, suggested: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(parent, "Lưu thành tệp PDF", suggested, "Tệp PDF (*.pdf)")
        if path and not path.lower().endswith(".pdf"):
            path += ".pdf"
        return path or None

    def choose_printer(self, parent: QWidget, printer: QPrinter) -> bool:
        from PySide6.QtPrintSupport import QPrintDialog  # printing support loads on first use

        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle("In phiếu")
        return dialog.exec() == QPrintDialog.DialogCode.Accepted

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def choose(self, parent: QWidget, title: str, text: str, accept: str, reject: str) -> bool:
        """Ask ``text`` with two named buttons; True for ``accept``. Esc or closing means ``reject``,
        which is also the default (Enter never overwrites by accident)."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
        yes = box.addButton(accept, QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton(reject, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.exec()
        return box.clickedButton() is yes

    def error(self, parent: QWidget, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)
