"""Applicant fields with inline Vietnamese errors, filled by typing or by the ID card's QR code."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import ClassVar

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.domain.applicant_kinds import DEFAULT_POLICY, ApplicantKind, ApplicantPolicy, nationalities
from app.domain.idcard import IdCardQrError, parse_id_qr
from app.services.applicant import ApplicantDraft, RepresentativeDraft
from app.text import nfc
from ui.prompts import Prompts
from ui.theme import Role, set_invalid, set_role

_QR_START = re.compile(r"\d{12}\|")
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d%m%Y")
QR_IDLE_MS = 150  # a keyboard-mode scanner types the whole QR within this pause
QR_FIELDS = ("full_name", "personal_id", "birth_date", "sex", "address")
"""The fields an ID card's QR fills, in the order they are shown."""
KEEP_TYPED = "Giữ thông tin đã nhập"
TAKE_CARD = "Thay bằng thông tin trên thẻ"


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


def same_value(name: str, typed: str, card: str) -> bool:
    """Whether what the officer typed in field ``name`` already says what the card says: spacing
    and letter case do not count ("nguyễn văn an" is the card's "NGUYỄN VĂN AN"), nor the way a
    date is written ("1/1/1990" is "01/01/1990")."""
    if name == "birth_date":
        try:
            return parse_birth_date(typed) == parse_birth_date(card)
        except ValueError:
            return False
    return " ".join(nfc(typed).split()).casefold() == " ".join(nfc(card).split()).casefold()


def _nationality_list() -> QComboBox:
    """Every country but Viet Nam (a Vietnamese is a citizen), by its Vietnamese name."""
    combo = QComboBox()
    combo.addItem("— Chọn quốc tịch —", "")
    for country in nationalities().values():
        if country.code != "VN":
            combo.addItem(country.label, country.code)
    return combo


class ApplicantForm(QWidget):
    """Section 3 of the reception screen.

    Args:
        prompts: Asks whether a QR may replace what the officer typed (tests answer it).
        parent: Qt parent.

    Signals:
        id_card_read(str): a QR was read into the form; the argument is a message for the officer.
        id_card_warned(str): a QR was read but the card disagrees with itself (the ID's sex or
            century digit and the QR's sex or birth date) or lacks a field; the message says which.
        id_card_failed(str): a QR-looking text could not be read; the message says what to do.
        errors_cleared(): the user has edited every field that had a message.
    """

    id_card_read = Signal(str)
    id_card_warned = Signal(str)
    id_card_failed = Signal(str)
    errors_cleared = Signal()

    FIELDS = (
        "kind", "on_behalf", "full_name", "personal_id", "passport_no", "nationality", "tax_code",
        "legal_representative", "birth_date", "sex", "address", "phone", "email",
        "rep_full_name", "rep_document", "rep_personal_id", "rep_passport_no", "rep_nationality",
        "rep_authorisation",
    )  # fmt: skip
    # The rows each applicant kind shows besides the common ones.
    KIND_FIELDS: ClassVar[dict[ApplicantKind, tuple[str, ...]]] = {
        ApplicantKind.CITIZEN: ("personal_id", "birth_date", "sex"),
        ApplicantKind.FOREIGNER: ("passport_no", "nationality", "birth_date", "sex"),
        ApplicantKind.ORGANISATION: ("tax_code", "legal_representative"),
    }
    KIND_ONLY_FIELDS = (
        "personal_id",
        "passport_no",
        "nationality",
        "tax_code",
        "legal_representative",
        "birth_date",
        "sex",
    )
    REPRESENTATIVE_FIELDS = (
        "rep_full_name", "rep_document", "rep_personal_id", "rep_passport_no", "rep_nationality", "rep_authorisation",
    )  # fmt: skip
    REP_PASSPORT_FIELDS = ("rep_passport_no", "rep_nationality")
    """Shown instead of ``rep_personal_id`` when the representative is identified by a passport."""
    _LABELS: ClassVar[dict[str, str]] = {
        "kind": "Loại người nộp",
        "on_behalf": "",
        "full_name": "Họ và tên (*)",
        "personal_id": "Số định danh cá nhân (*)",
        "passport_no": "Số hộ chiếu (*)",
        "nationality": "Quốc tịch (*)",
        "tax_code": "Mã số DN/MST (*)",
        "legal_representative": "Người đại diện PL",
        "birth_date": "Ngày sinh",
        "sex": "Giới tính",
        "address": "Địa chỉ (*)",
        "phone": "Điện thoại",
        "email": "Thư điện tử",
        "rep_full_name": "Người nộp thay (*)",
        "rep_document": "Giấy tờ người nộp thay",
        "rep_personal_id": "Số định danh (*)",
        "rep_passport_no": "Số hộ chiếu (*)",
        "rep_nationality": "Quốc tịch (*)",
        "rep_authorisation": "Giấy ủy quyền (*)",
    }

    def __init__(self, prompts: Prompts | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._prompts = prompts or Prompts()
        self._policy = DEFAULT_POLICY
        self.kind = QComboBox()
        self.on_behalf = QCheckBox("Người khác nộp thay (theo giấy ủy quyền)")
        self.full_name = QLineEdit()
        self.personal_id = QLineEdit()
        self.personal_id.setMaxLength(40)  # room for a mistyped value; validation explains
        self.passport_no = QLineEdit()
        self.passport_no.setMaxLength(40)
        self.passport_no.setPlaceholderText("Số hộ chiếu hoặc giấy tờ đi lại quốc tế, ví dụ C1234567")
        self.nationality = _nationality_list()
        self.tax_code = QLineEdit()
        self.tax_code.setMaxLength(40)
        self.tax_code.setPlaceholderText("10 chữ số; chi nhánh: 0100109106-001")
        self.legal_representative = QLineEdit()
        self.legal_representative.setPlaceholderText("Họ và tên người đại diện theo pháp luật")
        self.birth_date = QLineEdit()
        self.birth_date.setPlaceholderText("dd/mm/yyyy")
        self.sex = QComboBox()
        self.sex.addItems(["", "Nam", "Nữ"])
        self.address = QLineEdit()
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("VD: 0912345678")
        self.email = QLineEdit()
        self.rep_full_name = QLineEdit()
        self.rep_full_name.setPlaceholderText("Họ và tên người được ủy quyền nộp hồ sơ")
        self.rep_personal_id = QLineEdit()
        self.rep_personal_id.setMaxLength(40)
        self.rep_personal_id.setPlaceholderText("12 chữ số trên thẻ căn cước của người nộp thay")
        self.rep_document = QComboBox()
        self.rep_document.addItem("Thẻ căn cước (công dân Việt Nam)", "id")
        self.rep_document.addItem("Hộ chiếu (người nước ngoài)", "passport")
        self.rep_passport_no = QLineEdit()
        self.rep_passport_no.setMaxLength(40)
        self.rep_passport_no.setPlaceholderText("Số hộ chiếu của người nộp thay, ví dụ C1234567")
        self.rep_nationality = _nationality_list()
        self.rep_authorisation = QLineEdit()
        self.rep_authorisation.setPlaceholderText("VD: Giấy ủy quyền số 12/UQ ngày 20/11/2026")
        self.full_name.setPlaceholderText("Họ và tên đầy đủ, có dấu")
        self.personal_id.setPlaceholderText("12 chữ số – hoặc quét mã QR trên thẻ căn cước")
        self.errors: dict[str, QLabel] = {}
        self._error_rows: dict[str, int] = {}
        self._rows: dict[str, int] = {}
        form = self._form = QFormLayout()
        labels = self._LABELS
        for name in self.FIELDS:
            error = QLabel()
            set_role(error, Role.ERROR)
            error.setWordWrap(True)
            error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.errors[name] = error
            form.addRow(labels[name], getattr(self, name))
            self._rows[name] = form.rowCount() - 1
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
        for name in self.FIELDS:
            widget = getattr(self, name)
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(lambda _text, n=name: self.clear_error(n))
            elif isinstance(widget, QComboBox):
                widget.activated.connect(lambda _index, n=name: self.clear_error(n))
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self.on_behalf.toggled.connect(self._on_on_behalf_toggled)
        self.rep_document.currentIndexChanged.connect(self._on_rep_document_current_index_changed)
        self.set_policy(DEFAULT_POLICY)

    def tab_chain(self) -> list[QWidget]:
        """The fields in the order they are shown (and Tab visits them); hidden ones are skipped."""
        return [getattr(self, n) for n in self.FIELDS]

    # --- applicant kind ----------------------------------------------------------------
    def set_policy(self, policy: ApplicantPolicy, kind: str | None = None) -> None:
        """Offer the kinds ``policy`` accepts and select ``kind`` (else the procedure's default)."""
        self._policy = policy
        wanted = kind if kind is not None and policy.accepts(kind) else policy.default_kind.value
        self.kind.blockSignals(True)
        self.kind.clear()
        for k in policy.kinds:
            self.kind.addItem(k.label, k.value)
        self.kind.setCurrentIndex(max(0, self.kind.findData(wanted)))
        self.kind.blockSignals(False)
        if not policy.representative:
            self.on_behalf.setChecked(False)
        self._show_kind_rows()

    def current_kind(self) -> ApplicantKind:
        return ApplicantKind(self.kind.currentData() or ApplicantKind.CITIZEN.value)

    def set_kind(self, kind: ApplicantKind) -> bool:
        """Select ``kind`` if the procedure accepts it; False otherwise."""
        index = self.kind.findData(kind.value)
        if index < 0:
            return False
        self.kind.setCurrentIndex(index)
        return True

    @Slot(int)
    def _on_kind_current_index_changed(self, _index: int) -> None:
        self._show_kind_rows()
        self.show_errors({})

    @Slot(bool)
    def _on_on_behalf_toggled(self, _checked: bool) -> None:
        self._show_kind_rows()

    @Slot(int)
    def _on_rep_document_current_index_changed(self, _index: int) -> None:
        self._show_kind_rows()
        for name in ("rep_personal_id", *self.REP_PASSPORT_FIELDS):
            self.clear_error(name)

    def rep_by_passport(self) -> bool:
        """The representative is identified by a passport (a foreigner), not a personal ID."""
        return bool(self.rep_document.currentData() == "passport")

    def _show_kind_rows(self) -> None:
        kind = self.current_kind()
        shown = set(self.KIND_FIELDS[kind])
        for name in self.KIND_ONLY_FIELDS:
            self._form.setRowVisible(self._rows[name], name in shown)
        self._form.setRowVisible(self._rows["on_behalf"], self._policy.representative)
        hidden = self.REP_PASSPORT_FIELDS if not self.rep_by_passport() else ("rep_personal_id",)
        for name in self.REPRESENTATIVE_FIELDS:
            self._form.setRowVisible(self._rows[name], self.on_behalf.isChecked() and name not in hidden)
        organisation = kind is ApplicantKind.ORGANISATION
        self._label("full_name").setText("Tên tổ chức (*)" if organisation else "Họ và tên (*)")
        self._label("address").setText("Địa chỉ trụ sở (*)" if organisation else "Địa chỉ (*)")
        self.full_name.setPlaceholderText(
            "Tên như trên Giấy chứng nhận đăng ký doanh nghiệp" if organisation
            else "Họ và tên ghi như trên hộ chiếu" if kind is ApplicantKind.FOREIGNER
            else "Họ và tên đầy đủ, có dấu"
        )  # fmt: skip

    def _label(self, name: str) -> QLabel:
        item = self._form.itemAt(self._rows[name], QFormLayout.ItemRole.LabelRole)
        label = item.widget() if item is not None else None
        assert isinstance(label, QLabel)
        return label

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
        kept = self._fill_from_card(ApplicantDraft.from_id_card(card))
        if kept:
            note = (
                "Đã điền các ô còn trống từ thẻ căn cước; giữ nguyên thông tin đã nhập ở: "
                + ", ".join(self._plain_label(n) for n in kept) + "."
            )  # fmt: skip
        else:
            note = "Đã điền thông tin từ thẻ căn cước. Hãy hỏi thêm số điện thoại, thư điện tử."
        if card.warnings:
            self.id_card_warned.emit(note + " Lưu ý: " + "; ".join(card.warnings))
        else:
            self.id_card_read.emit(note)
        self.phone.setFocus()

    def _plain_label(self, name: str) -> str:
        return self._label(name).text().removesuffix(" (*)")

    def _shown_text(self, name: str) -> str:
        widget = getattr(self, name)
        return str(widget.currentText() if isinstance(widget, QComboBox) else widget.text())

    def _fill_from_card(self, card: ApplicantDraft) -> list[str]:
        """Fill the QR's fields from ``card``; ask first when that would change what was typed.

        Empty fields are filled and fields that already say the same are left alone without a
        question; when a typed value differs from the card's, the officer chooses between the
        card and what they typed. Returns the fields whose typed values were kept.
        """
        values = {
            "full_name": card.full_name,
            "personal_id": card.personal_id,
            "birth_date": card.birth_date.strftime("%d/%m/%Y") if card.birth_date else "",
            "sex": card.sex,
            "address": card.address,
        }
        changed = [
            n for n in QR_FIELDS
            if values[n] and self._shown_text(n).strip() and not same_value(n, self._shown_text(n), values[n])
        ]  # fmt: skip
        other_kind = self.current_kind() is not ApplicantKind.CITIZEN and any(
            self._shown_text(n).strip() for n in ("passport_no", "tax_code", "legal_representative")
        )
        take_card = True
        if changed or other_kind:
            lines = [f"• {self._plain_label(n)}: “{self._shown_text(n).strip()}” → “{values[n]}”" for n in changed]
            if other_kind:
                lines.insert(0, f"• Loại người nộp: “{self.current_kind().label}” → “{ApplicantKind.CITIZEN.label}”")
            take_card = self._prompts.choose(
                self,
                "Thông tin trên thẻ khác thông tin đã nhập",
                "Thông tin trên thẻ căn cước khác với thông tin đã nhập:\n" + "\n".join(lines)
                + "\n\nThay bằng thông tin trên thẻ, hay giữ thông tin đã nhập (các ô còn trống vẫn được điền"
                " từ thẻ)?",
                TAKE_CARD,
                KEEP_TYPED,
            )  # fmt: skip
        if take_card or not other_kind:
            self.set_kind(ApplicantKind.CITIZEN)
        kept = [] if take_card else (["kind"] if other_kind else []) + changed
        for name in QR_FIELDS:
            if name in kept or not values[name]:
                continue
            widget = getattr(self, name)
            if isinstance(widget, QComboBox):
                widget.setCurrentText(values[name])
            else:
                widget.setText(values[name])
        self.show_errors({})
        return kept

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
        kind = self.current_kind()
        shown = self.KIND_FIELDS[kind]

        def value(name: str) -> str:
            return str(getattr(self, name).text()) if name in shown else ""

        representative = None
        if self.on_behalf.isChecked():
            passport = self.rep_by_passport()
            representative = RepresentativeDraft(
                full_name=self.rep_full_name.text(),
                personal_id="" if passport else self.rep_personal_id.text(),
                authorisation_ref=self.rep_authorisation.text(),
                passport_no=self.rep_passport_no.text() if passport else "",
                nationality=str(self.rep_nationality.currentData() or "") if passport else "",
                by_passport=passport,
            )
        draft = ApplicantDraft(
            kind=kind.value,
            full_name=self.full_name.text(),
            personal_id=value("personal_id"),
            birth_date=birth if "birth_date" in shown else None,
            sex=self.sex.currentText() if "sex" in shown else "",
            address=self.address.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            passport_no=value("passport_no"),
            nationality=str(self.nationality.currentData() or "") if "nationality" in shown else "",
            tax_code=value("tax_code"),
            legal_representative=value("legal_representative"),
            representative=representative,
        )
        if "birth_date" not in shown:
            errors.pop("birth_date", None)
        return draft, errors

    def set_draft(self, draft: ApplicantDraft, *, keep_contact: bool = False) -> None:
        """Show ``draft`` (the ID card's QR gives a citizen: the kind switches to citizen)."""
        self.set_kind(ApplicantKind(draft.kind))
        self.full_name.setText(draft.full_name)
        self.personal_id.setText(draft.personal_id)
        self.birth_date.setText(draft.birth_date.strftime("%d/%m/%Y") if draft.birth_date else "")
        self.sex.setCurrentText(draft.sex)
        self.address.setText(draft.address)
        self.passport_no.setText(draft.passport_no)
        self.nationality.setCurrentIndex(max(0, self.nationality.findData(draft.nationality)))
        self.tax_code.setText(draft.tax_code)
        self.legal_representative.setText(draft.legal_representative)
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

    def clear_error(self, name: str) -> None:
        """The user is correcting ``name``: its message goes now (the whole form is checked again
        at F9); ``errors_cleared`` when no message is left."""
        label = self.errors.get(name)
        if label is None or not label.text():
            return
        label.clear()
        self._form.setRowVisible(self._error_rows[name], False)
        set_invalid(getattr(self, name), False)
        if not any(lbl.text() for lbl in self.errors.values()):
            self.errors_cleared.emit()

    def identifier_field(self) -> QLineEdit:
        """The field holding the number the applicant is known by (ID, passport or tax code)."""
        kind = self.current_kind()
        if kind is ApplicantKind.FOREIGNER:
            return self.passport_no
        if kind is ApplicantKind.ORGANISATION:
            return self.tax_code
        return self.personal_id

    def first_invalid(self, errors: dict[str, str]) -> QWidget | None:
        for name in self.FIELDS:
            if name in errors:
                return getattr(self, name)  # type: ignore[no-any-return]
        return None

    def has_input(self) -> bool:
        return (
            any(e.text().strip() for e in self.line_edits())
            or bool(self.sex.currentText())
            or self.nationality.currentIndex() > 0
            or self.rep_nationality.currentIndex() > 0
        )

    def reset(self) -> None:
        for edit in self.line_edits():
            edit.clear()
        self.sex.setCurrentIndex(0)
        self.nationality.setCurrentIndex(0)
        self.rep_nationality.setCurrentIndex(0)
        self.rep_document.setCurrentIndex(0)
        self.on_behalf.setChecked(False)
        self.kind.setCurrentIndex(0)
        self.show_errors({})
