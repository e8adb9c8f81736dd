"""A paragraph flowable that draws straight onto the canvas when its text fits on one line.

Almost every line of the slips ("Label: value", titles, signature captions) is a single line.
Building a platypus :class:`~reportlab.platypus.Paragraph` for each costs an HTML parse, a line
breaking pass and a general-purpose draw. :class:`TextLine` takes the same markup and style,
measures the text once and, when it fits, draws it itself exactly where ``Paragraph`` would put
it. Anything else (a value that wraps, markup other than ``<b>``) goes through a real
``Paragraph`` built from the very same markup, so wrapping never differs.
"""

from __future__ import annotations

import re

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph

# Paragraph's whitespace (reportlab.platypus.paragraph._wsc): everything Unicode calls a space
# except the no-break space, which Paragraph keeps inside words.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000"
)
_SPACES = re.compile(f"[{re.escape(_WHITESPACE)}]+")
_BOLD_TAG = re.compile(r"(</?b>)")
_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|nbsp);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'", "nbsp": "\xa0"}
# Room kept at the right edge before a line counts as fitting: far above float noise, far below
# anything visible. A line this close to full width goes through Paragraph.
_SLACK = 0.01


def _unescape(text: str) -> str | None:
    """Resolve the entities platypus markup uses; None if ``text`` has any other ``&`` or ``<``."""
    plain = _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)
    if "<" in text or ">" in text or "&" in _ENTITY.sub("", text):
        return None
    return plain


def parse_runs(markup: str) -> list[tuple[str, bool]] | None:
    """Split paragraph markup into (text, bold) runs with whitespace collapsed as Paragraph does.

    Args:
        markup: Platypus paragraph markup.

    Returns:
        The runs, or None if the markup uses anything but ``<b>``, ``</b>`` and the basic
        entities (the caller then falls back to a real Paragraph).
    """
    runs: list[tuple[str, bool]] = []
    bold = False
    for part in _BOLD_TAG.split(markup):
        if part == "<b>":
            if bold:
                return None
            bold = True
        elif part == "</b>":
            if not bold:
                return None
            bold = False
        elif part:
            text = _unescape(part)
            if text is None:
                return None
            runs.append((text, bold))
    if bold:
        return None
    # Collapse whitespace across the whole text (runs meet in the middle of a space too) and
    # strip both ends, keeping no-break spaces.
    out: list[tuple[str, bool]] = []
    prev_space = True
    for text, b in runs:
        text = _SPACES.sub(" ", text)
        if prev_space and text.startswith(" "):
            text = text[1:]
        if text:
            out.append((text, b))
            prev_space = text.endswith(" ")
    if out and out[-1][0].endswith(" "):
        text, b = out.pop()
        if text[:-1]:
            out.append((text[:-1], b))
    return out


class TextLine(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Paragraph markup in a paragraph style, drawn directly when it fits on one line.

    Behaves as ``Paragraph(markup, style)`` in a frame or a table cell: same width (all of the
    available width), height, space before/after, baseline and glyph positions.
    """

    def __init__(self, markup: str, style: ParagraphStyle) -> None:
        """Args: markup: platypus markup, already escaped; style: the paragraph style."""
        super().__init__()
        self.markup = markup
        self.style = style
        self._paragraph: Paragraph | None = None
        self._single = False
        self._fonts: list[tuple[str, str]] | None = None
        self._text_width = 0.0
        runs = None if _has_decoration(style) else parse_runs(markup)
        if runs is not None:
            family, bold, italic = ps2tt(style.fontName)
            size = style.fontSize
            self._fonts = [(text, tt2ps(family, bold or b, italic)) for text, b in runs]
            self._text_width = sum(stringWidth(text, font, size) for text, font in self._fonts)

    def paragraph(self) -> Paragraph:
        """The equivalent Paragraph, built on first need."""
        if self._paragraph is None:
            self._paragraph = Paragraph(self.markup, self.style)
        return self._paragraph

    def _line_width(self, avail_width: float) -> float:
        st = self.style
        return float(avail_width - st.leftIndent - st.firstLineIndent - st.rightIndent)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """All of the width; one line of height, no height if empty, else as the Paragraph."""
        if self._fonts is not None and self._text_width <= self._line_width(availWidth) - _SLACK:
            self._single = True
            self.width = availWidth
            self.height = self.style.leading if self._fonts else 0
            return self.width, self.height
        self._single = False
        self.width, self.height = self.paragraph().wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """A single line never splits; a wrapped paragraph splits as Paragraph does."""
        if self._fonts is not None and self._text_width <= self._line_width(availWidth) - _SLACK:
            return []
        result: list[Flowable] = self.paragraph().split(availWidth, availHeight)
        return result

    def minWidth(self) -> float:
        """As Paragraph (used by tables without fixed column widths)."""
        return float(self.paragraph().minWidth())

    def getSpaceBefore(self) -> float:
        """The style's space before."""
        return float(self.style.spaceBefore)

    def getSpaceAfter(self) -> float:
        """The style's space after."""
        return float(self.style.spaceAfter)

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        """Draw the single line here, or let the Paragraph draw itself."""
        if not self._single:
            self.paragraph().drawOn(canvas, x, y, _sW)
            return
        super().drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        """Draw the line where Paragraph would: baseline one font size below the top."""
        if not self._fonts:
            return
        st = self.style
        size = st.fontSize
        x = st.leftIndent + st.firstLineIndent
        extra = self._line_width(self.width) - self._text_width
        if st.alignment == TA_CENTER:
            x += 0.5 * extra
        elif st.alignment == TA_RIGHT:
            x += extra
        canv = self.canv
        canv.setFillColor(st.textColor)
        text = canv.beginText(x, self.height - size)
        for chunk, font in self._fonts:
            text.setFont(font, size, st.leading)
            text.textOut(chunk)
        canv.drawText(text)


def _has_decoration(style: ParagraphStyle) -> bool:
    """Whether ``style`` uses anything the direct drawing does not reproduce."""
    return bool(
        style.alignment not in (TA_LEFT, TA_CENTER, TA_RIGHT, TA_JUSTIFY)
        or style.backColor
        or (style.borderWidth and style.borderColor)
        or style.endDots
        or style.textTransform
        or style.underlineWidth
        or style.justifyLastLine
        or style.shaping
        or style.wordWrap
        or getattr(style, "autoLeading", "") not in ("", "off")
        or style.rightIndent < 0
    )
