"""Every save dialog proposes a Vietnamese file name built from the dossier code (issue 15 item 10):
"giay-tiep-nhan-<code>.pdf", never "receipt-<code>.pdf"; the name is safe on any disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.domain.file_names import DOCUMENT_STEMS, suggested_file_name
from app.services.forms import FormKind
from tests.ui.conftest import ScriptedPrompts
from ui.context import UiContext
from ui.screens.custody_print import DocKind, DocumentPreviewDialog, RenderedDocument
from ui.screens.print_preview import PdfPreviewDialog, PrintPreviewDialog, RenderedForm

CODE = "000.00.11.H57-260105-0001"

FORMS = {
    FormKind.RECEIPT: "giay-tiep-nhan",
    FormKind.SUPPLEMENT: "phieu-bo-sung",
    FormKind.REFUSAL: "phieu-tu-choi",
}
DOCUMENTS = {
    DocKind.HANDOVER: "bien-ban-ban-giao",
    DocKind.SUPPLEMENT: "phieu-bo-sung",
    DocKind.APOLOGY: "phieu-xin-loi",
    DocKind.CONTROL: "phieu-kiem-soat",
    DocKind.RETURN_RECEIPT: "bien-nhan-tra-ket-qua",
    DocKind.LABEL: "nhan-ho-so",
    DocKind.COVER_SHEET: "to-phan-cach",
    DocKind.STOP_NOTICE: "thong-bao-dung-giai-quyet",
}


def _suggested(qtbot: QtBot, prompts: ScriptedPrompts, dialog: PdfPreviewDialog) -> str:
    """Press "Lưu PDF" and cancel the save dialog; the name it proposed."""
    qtbot.addWidget(dialog)
    prompts.save_path = None  # the officer cancels: nothing written, nothing logged
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    kind, suggested = prompts.asked[-1]
    assert kind == "save"
    return suggested


@pytest.mark.parametrize("kind", list(FormKind))
def test_reception_forms_propose_vietnamese_names(
    qtbot: QtBot, ui_ctx: UiContext, prompts: ScriptedPrompts, kind: FormKind
) -> None:
    form = RenderedForm("uid-1", kind, CODE, b"%PDF-1.4", ())
    suggested = _suggested(qtbot, prompts, PrintPreviewDialog(ui_ctx, form, reprint=False))
    assert suggested == str(Path.home() / f"{FORMS[kind]}-{CODE}.pdf")


@pytest.mark.parametrize("kind", list(DocKind))
def test_custody_documents_propose_vietnamese_names(
    qtbot: QtBot, ui_ctx: UiContext, prompts: ScriptedPrompts, kind: DocKind
) -> None:
    code = "BG-01a24fe9" if kind is DocKind.HANDOVER else CODE
    doc = RenderedDocument(kind, code, (), b"%PDF-1.4", ())
    suggested = _suggested(qtbot, prompts, DocumentPreviewDialog(ui_ctx, doc))
    assert suggested == str(Path.home() / f"{DOCUMENTS[kind]}-{code}.pdf")


def test_every_document_kind_has_a_vietnamese_name() -> None:
    kinds = {str(k) for k in FormKind} | {str(k) for k in DocKind}
    assert kinds <= DOCUMENT_STEMS.keys(), kinds - DOCUMENT_STEMS.keys()


@pytest.mark.parametrize(
    ("name", "code", "expected"),
    [
        ("so-theo-doi-ho-so", "Năm 2026", "so-theo-doi-ho-so-nam-2026.pdf"),
        (
            "so-theo-doi-ho-so",
            "Từ ngày 01/01/2026 đến ngày 31/03/2026",
            "so-theo-doi-ho-so-tu-ngay-01-01-2026-den-ngay-31-03-2026.pdf",
        ),
        ("Giấy khai sinh (bản sao).pdf", CODE, f"giay-khai-sinh-ban-sao-{CODE}.pdf"),
        ("Đơn đề nghị", "", "don-de-nghi.pdf"),
        ('..\\a/b:c*?"<>|', "x/y", "a-b-c-x-y.pdf"),
        ("", "", "tai-lieu.pdf"),
    ],
)
def test_names_are_plain_ascii_and_safe(name: str, code: str, expected: str) -> None:
    result = suggested_file_name(name, code, "pdf")
    assert result == expected
    assert result.isascii() and not set(result) & set('/\\:*?"<>| ')
