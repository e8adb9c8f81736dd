"""Applicant fields with inline Vietnamese errors, filled by typing or by the ID card's QR code."""

from __future__ import annotations

import re
from datetime import date, datetime

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.domain.idcard import IdCardQrError, parse_id_qr
from app.services.applicant import ApplicantDraft
from ui.theme import Role, set_invalid, set_role

_QR_START = re.compile(r"\d{12}\|")
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d%m%Y")
QR_IDLE_MS = 150  # a keyboard-mode scanner types the whole QR within this pause


def parse_birth_date(text: str) -> date | None:
    """ "01/01/1990", "1/1/1990", "01011990" → date; "" → None; anything else raises ValueError."""
    text = text.strip()
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


class ApplicantForm(QWidget):
    """Section 3 of the reception screen.

    Signals:
        id_card_read(str): a QR was read into the form; the argument is a message for the officer.
        id_card_failed(str): a QR-looking text could not be read; the message says what to do.
    """

    id_card_read = Signal(str)
    id_card_failed = Signal(str)

    FIELDS = ("full_name", "personal_id", "birth_date", "sex", "address", "phone", "email")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_name = QLineEdit()
        self.personal_id = QLineEdit()
        self.personal_id.setMaxLength(40)  # room for a mistyped value; validation explains
        self.birth_date = QLineEdit()
        self.birth_date.setPlaceholderText("dd/mm/yyyy")
        self.sex = QComboBox()
        self.sex.addItems(["", "Nam", "Nữ"])
        self.address = QLineEdit()
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("VD: 0912345678")
        self.email = QLineEdit()
        self.full_name.setPlaceholderText("Họ và tên đầy đủ, có dấu")
        self.personal_id.setPlaceholderText("12 chữ số – hoặc quét mã QR trên thẻ căn cước")
        self.errors: dict[str, QLabel] = {}
        self._error_rows: dict[str, int] = {}
        form = self._form = QFormLayout()
        labels = {
            "full_name": "Họ và tên (*)",
            "personal_id": "Số định danh cá nhân (*)",
            "birth_date": "Ngày sinh",
            "sex": "Giới tính",
            "address": "Địa chỉ (*)",
            "phone": "Điện thoại",
            "email": "Thư điện tử",
        }
        for name in self.FIELDS:
            error = QLabel()
            set_role(error, Role.ERROR)
            error.setWordWrap(True)
            error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.errors[name] = error
            form.addRow(labels[name], getattr(self, name))
            # The message gets a row of its own under its field (hidden while empty).
            form.addRow("", error)
            self._error_rows[name] = form.rowCount() - 1
            form.setRowVisible(form.rowCount() - 1, False)
        hint = QLabel("Quét mã QR thẻ căn cước vào bất kỳ ô nào (hoặc dán) để điền tự động.")
        set_role(hint, Role.HINT)
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(hint)

        self._qr_timer = QTimer(self)
        self._qr_timer.setSingleShot(True)
        self._qr_timer.setInterval(QR_IDLE_MS)
        self._qr_timer.timeout.connect(self._on_qr_timer_timeout)
        self._qr_source: QLineEdit | None = None
        for edit in self.line_edits():
            self.watch_for_qr(edit)

    def tab_chain(self) -> list[QWidget]:
        """The fields in the order they are shown (and Tab visits them)."""
        return [getattr(self, n) for n in self.FIELDS]

    def line_edits(self) -> list[QLineEdit]:
        return [w for w in (getattr(self, n) for n in self.FIELDS) if isinstance(w, QLineEdit)]

    # --- ID card QR --------------------------------------------------------------------
    def watch_for_qr(self, edit: QLineEdit) -> None:
        """Treat a QR text typed or pasted into ``edit`` as an ID card scan."""
        edit.textChanged.connect(lambda text, e=edit: self._on_edit_text_changed(e, text))
        edit.returnPressed.connect(lambda e=edit: self._take_qr(e))

    def _on_edit_text_changed(self, edit: QLineEdit, text: str) -> None:
        if "|" in text:
            self._qr_source = edit
            self._qr_timer.start()

    @Slot()
    def _on_qr_timer_timeout(self) -> None:
        if self._qr_source is not None:
            self._take_qr(self._qr_source)

    def _take_qr(self, edit: QLineEdit) -> None:
        text = edit.text()
        if "|" not in text:
            return
        self._qr_timer.stop()
        match = _QR_START.search(text)
        # Where the scan began: at the 12-digit ID, else at the word holding the first "|".
        start = match.start() if match else text[: text.index("|")].rfind(" ") + 1
        before = text[:start]
        try:
            card = parse_id_qr(text[start:])
        except IdCardQrError as exc:
            edit.setText(before)  # drop the unreadable scan, keep what the officer had typed
            self.id_card_failed.emit(exc.message)
            return
        edit.setText(before)
        self.set_draft(ApplicantDraft.from_id_card(card), keep_contact=True)
        note = "Đã điền thông tin từ thẻ căn cước. Hãy hỏi thêm số điện thoại, thư điện tử."
        if card.warnings:
            note += " Lưu ý: " + "; ".join(card.warnings)
        self.id_card_read.emit(note)
        self.phone.setFocus()

    def fill_from_qr(self, text: str) -> None:
        """Read a QR text as if it had been scanned into the name field."""
        self.full_name.setText(self.full_name.text() + text)
        self._take_qr(self.full_name)

    # --- values ------------------------------------------------------------------------
    def draft(self) -> tuple[ApplicantDraft, dict[str, str]]:
        """The typed values, and errors for values that cannot even be read (a bad date)."""
        errors: dict[str, str] = {}
        try:
            birth = parse_birth_date(self.birth_date.text())
        except ValueError:
            birth = None
            errors["birth_date"] = "Ngày sinh không đúng dạng ngày/tháng/năm, ví dụ 05/09/1990."
        draft = ApplicantDraft(
            full_name=self.full_name.text(),
            personal_id=self.personal_id.text(),
            birth_date=birth,
            sex=self.sex.currentText(),
            address=self.address.text(),
            phone=self.phone.text(),
            email=self.email.text(),
        )
        return draft, errors

    def set_draft(self, draft: ApplicantDraft, *, keep_contact: bool = False) -> None:
        self.full_name.setText(draft.full_name)
        self.personal_id.setText(draft.personal_id)
        self.birth_date.setText(draft.birth_date.strftime("%d/%m/%Y") if draft.birth_date else "")
        self.sex.setCurrentText(draft.sex)
        self.address.setText(draft.address)
        if not keep_contact:
            self.phone.setText(draft.phone)
            self.email.setText(draft.email)
        self.show_errors({})

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put each message beside its field; clear the others."""
        for name, label in self.errors.items():
            message = errors.get(name, "")
            label.setText(message)
            self._form.setRowVisible(self._error_rows[name], bool(message))
            widget = getattr(self, name)
            set_invalid(widget, bool(message))

    def first_invalid(self, errors: dict[str, str]) -> QWidget | None:
        for name in self.FIELDS:
            if name in errors:
                return getattr(self, name)  # type: ignore[no-any-return]
        return None

    def has_input(self) -> bool:
        return any(e.text().strip() for e in self.line_edits()) or bool(self.sex.currentText())

    def reset(self) -> None:
        for edit in self.line_edits():
            edit.clear()
        self.sex.setCurrentIndex(0)
        self.show_errors({})
