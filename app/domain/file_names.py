"""Suggested names for the files the app saves: Vietnamese, without diacritics, safe on every disk.

"giay-tiep-nhan-000.00.11.H57-260105-0001.pdf", "so-theo-doi-ho-so-nam-2026.pdf": the document's
Vietnamese name (slug) then the dossier code, batch id or period it belongs to.
"""

from __future__ import annotations

import re
import unicodedata

# The documents' own names, keyed by their kind (app.services.forms.FormKind and
# ui.screens.custody_print.DocKind values).
DOCUMENT_STEMS: dict[str, str] = {
    "receipt": "giay-tiep-nhan",
    "supplement": "phieu-bo-sung",
    "refusal": "phieu-tu-choi",
    "handover": "bien-ban-ban-giao",
    "supplement_after_reception": "phieu-bo-sung",
    "apology": "phieu-xin-loi",
    "control": "phieu-kiem-soat",
    "return_receipt": "bien-nhan-tra-ket-qua",
    "label": "nhan-ho-so",
    "cover_sheet": "to-phan-cach",
    "stop_notice": "thong-bao-dung-giai-quyet",
}

_UNSAFE = re.compile(r"[^A-Za-z0-9.]+")  # path separators, spaces, Windows' <>:"|?* …
_NO_MARKS = str.maketrans({"đ": "d", "Đ": "D"})  # đ/Đ are letters of their own, not d + a mark


def ascii_slug(text: str, *, lower: bool = True) -> str:
    """``text`` without diacritics, every run of other characters one "-": "Năm 2026" -> "nam-2026".

    Args:
        text: Any text (a name, a dossier code, a period).
        lower: Lower-case the result (False keeps a dossier code's "H57").

    Returns:
        Letters, digits, dots and single hyphens, never a leading or trailing hyphen or dot.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_NO_MARKS))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    slug = _UNSAFE.sub("-", plain).strip("-.")
    return slug.lower() if lower else slug


def suggested_file_name(kind_or_name: str, code: str, extension: str) -> str:
    """The name a save dialog proposes for a document.

    Args:
        kind_or_name: A document kind of :data:`DOCUMENT_STEMS` ("receipt"), or a Vietnamese
            name ("Sổ theo dõi hồ sơ", an attachment's name), made into a slug.
        code: The dossier code or batch id (keeps its case: "H57"), or a period in words ("Năm
            2026", lower-cased like a name); may be empty.
        extension: "pdf" or "xlsx".

    Returns:
        e.g. "giay-tiep-nhan-000.00.11.H57-260105-0001.pdf"; "tai-lieu.pdf" when nothing is left.
    """
    name = kind_or_name.removesuffix(f".{extension}").removesuffix(f".{extension.upper()}")
    stem = DOCUMENT_STEMS.get(name) or ascii_slug(name)
    tail = ascii_slug(code, lower=any(ch.isspace() for ch in code))
    parts = [p for p in (stem, tail) if p]
    return f"{'-'.join(parts) or 'tai-lieu'}.{extension}"
