"""Register the bundled serif family with reportlab, once per process."""

from __future__ import annotations

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.resources import resource_path

SERIF = "MotCuaSerif"
SERIF_BOLD = "MotCuaSerif-Bold"
SERIF_ITALIC = "MotCuaSerif-Italic"
SERIF_BOLD_ITALIC = "MotCuaSerif-BoldItalic"

_FILES: dict[str, str] = {
    SERIF: "LiberationSerif-Regular.ttf",
    SERIF_BOLD: "LiberationSerif-Bold.ttf",
    SERIF_ITALIC: "LiberationSerif-Italic.ttf",
    SERIF_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the ``MotCuaSerif`` family (Liberation Serif) from ``resources/fonts``.

    Parsing a TTF costs tens of milliseconds, so the fonts are parsed once per process; later
    calls return at once. Bold, italic and bold-italic are mapped so that ``<b>``/``<i>`` in
    platypus paragraphs pick the right face.

    Raises:
        FileNotFoundError: A bundled font file is missing.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, filename in _FILES.items():
            path = resource_path("fonts", filename)
            if not path.is_file():
                raise FileNotFoundError(f"Thiếu tệp phông chữ: {path}")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(
            SERIF, normal=SERIF, bold=SERIF_BOLD, italic=SERIF_ITALIC, boldItalic=SERIF_BOLD_ITALIC
        )
        # registerFontFamily maps the family name; map the face names too so that <b> inside a
        # paragraph whose font is already e.g. MotCuaSerif-Italic resolves to bold-italic.
        for name in _FILES:
            addMapping(name, 0, 0, SERIF)
            addMapping(name, 1, 0, SERIF_BOLD)
            addMapping(name, 0, 1, SERIF_ITALIC)
            addMapping(name, 1, 1, SERIF_BOLD_ITALIC)
        _registered = True
