"""A paragraph flowable that lays out and draws simple text itself, exactly as Paragraph would.

Almost every paragraph of the slips is "Label: value", a title or a signature caption: regular
text, maybe with a bold part, a line or two. Building a platypus
:class:`~reportlab.platypus.Paragraph` for each costs an HTML parse, a general line-breaking
pass over fragment objects and a general-purpose draw. :class:`TextLine` takes the same markup
and style, splits it into (text, font) runs and breaks and draws the lines itself with
Paragraph's rules (greedy filling with space shrinkage, justified lines but the last spread
over their spaces), so the result is the same to the glyph. Anything else (markup other than
``<b>``, no-break or other unusual spaces that do not fit on one line, a word wider than the
line, styles with decorations) goes through a real ``Paragraph`` built from the same markup.
"""

from __future__ import annotations

import re
from typing import Any

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
# Whitespace other than space, tab, CR and LF: Paragraph's cleaning, word splitting and
# fragment handling disagree about such characters (no-break, zero-width, thin spaces, ...), so
# text containing any is left to Paragraph. The &nbsp; entity is fine.
_ODD_SPACE = re.compile(r"[^\S \t\n\r]|\u200b")
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
    if _ODD_SPACE.search(markup):
        return None
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


Piece = tuple[str, str]  # text, font name
Word = list[Piece]  # usually one piece; more where the font changes inside a word
Lines = list[tuple[float, list[Piece]]]  # per line: unused width (negative: spaces shrink), runs


class TextLine(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Paragraph markup in a paragraph style, laid out and drawn without platypus when simple.

    Behaves as ``Paragraph(markup, style)`` in a frame or a table cell: same width (all of the
    available width), height, space before/after, line breaks, baselines and glyph positions.
    """

    def __init__(self, markup: str, style: ParagraphStyle) -> None:
        """Args: markup: platypus markup, already escaped; style: the paragraph style."""
        super().__init__()
        self.markup = markup
        self.style = style
        self._paragraph: Paragraph | None = None
        self._runs: list[Piece] | None = None  # the text as (text, font) runs
        self._text_width = 0.0
        self._breakable = False  # whether the text may be broken into lines here
        self._lines: Lines | None = None  # set by wrap when this object draws itself
        self._plans: dict[float, Lines | None] = {}
        runs = None if _has_decoration(style) else parse_runs(markup)
        if runs is None:
            return
        family, bold, italic = ps2tt(style.fontName)
        size = style.fontSize
        self._runs = [(text, tt2ps(family, bold or b, italic)) for text, b in runs]
        self._text_width = sum(stringWidth(text, font, size) for text, font in self._runs)
        # No-break spaces make Paragraph keep words together across a space, soft hyphens are
        # hyphenation points, faces with different space widths measure lines differently:
        # such text is only drawn here when it fits on one line.
        self._breakable = len({stringWidth(" ", f, size) for _, f in self._runs}) <= 1 and not any(
            "\xa0" in t or "\xad" in t for t, _ in self._runs
        )

    def paragraph(self) -> Paragraph:
        """The equivalent Paragraph, built on first need."""
        if self._paragraph is None:
            self._paragraph = Paragraph(self.markup, self.style)
        return self._paragraph

    def _plan(self, avail_width: float) -> Lines | None:
        """The lines at this width, or None to leave the text to Paragraph."""
        if avail_width in self._plans:
            return self._plans[avail_width]
        st = self.style
        first = avail_width - st.leftIndent - st.firstLineIndent - st.rightIndent
        plan: Lines | None = None
        if self._runs is None:
            pass
        elif not self._runs:
            plan = []
        elif self._text_width <= first - (0 if self._breakable else _SLACK):
            plan = [(first - self._text_width, self._runs)]  # all words fit: one line, as Paragraph
        elif self._breakable:
            plan = self._break_lines(first, avail_width - st.leftIndent - st.rightIndent)
        self._plans[avail_width] = plan
        return plan

    def _break_lines(self, first: float, later: float) -> Lines | None:
        """Paragraph.breakLines (both its one-font and its mixed-font branch), no hyphenation.

        A word goes on the line while the line, spaces included, fits the width, the spaces
        allowed to shrink by the style's ``spaceShrinkage``; a word wider than a whole line
        (which Paragraph would split) gives None.
        """
        assert self._runs
        size = self.style.fontSize
        space = stringWidth(" ", self._runs[0][1], size)
        shrink = self.style.spaceShrinkage * space
        lines: list[tuple[float, list[Word]]] = []
        line: list[Word] = []
        width = -space
        max_width = first
        for word in _words(self._runs):
            word_width = sum(stringWidth(t, f, size) for t, f in word)
            new_width = width + space + word_width
            limit = max_width + shrink * len(line)
            if new_width > limit and word_width > max_width:
                return None
            if new_width <= limit or not line:
                line.append(word)
                width = new_width
            else:
                lines.append((max_width - width, line))
                line = [word]
                width = word_width
                max_width = later
        if line:
            lines.append((max_width - width, line))
        return [(extra, _chunks(words)) for extra, words in lines]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """All of the width and a leading per line (as Paragraph)."""
        self._lines = self._plan(availWidth)
        if self._lines is None:
            self.width, self.height = self.paragraph().wrap(availWidth, availHeight)
        else:
            self.width = availWidth
            self.height = self.style.leading * len(self._lines)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """As Paragraph: a single line never splits, longer text splits between lines."""
        plan = self._plan(availWidth)
        if plan is not None and len(plan) <= 1:
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
        """Draw the lines here, or let the Paragraph draw itself."""
        if self._lines is None:
            self.paragraph().drawOn(canvas, x, y, _sW)
        else:
            super().drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        """Draw as Paragraph.drawPara: first baseline one font size below the top, then a
        leading per line; each line aligned (justified ones but the last spread over their
        spaces, overfull ones squeezed) as Paragraph's _left/_center/_right/_justifyDrawParaLine.
        """
        lines = self._lines
        if not lines:
            return
        st = self.style
        canv = self.canv
        canv.setFillColor(st.textColor)
        text = canv.beginText(st.leftIndent, self.height - st.fontSize)
        font = ""
        last = len(lines) - 1
        for i, (extra, chunks) in enumerate(lines):
            spaces = sum(chunk.count(" ") for chunk, _ in chunks)
            if st.alignment == TA_JUSTIFY:
                plain = -1e-8 < extra <= 1e-8 or (i == last and extra > -1e-8) or spaces <= 0
            else:
                plain = extra > -1e-8 or spaces <= 0
            dx = st.firstLineIndent if i == 0 else 0
            if plain and st.alignment == TA_CENTER:
                dx += 0.5 * extra
            elif plain and st.alignment == TA_RIGHT:
                dx += extra
            _set_x(text, dx)
            if not plain:
                text.setWordSpace(extra / spaces)
            for k, (chunk, chunk_font) in enumerate(chunks):
                if chunk_font != font:
                    font = chunk_font
                    text.setFont(font, st.fontSize, st.leading)
                if k == len(chunks) - 1:
                    text.textLine(chunk)
                else:
                    text.textOut(chunk)
            if not plain:
                text.setWordSpace(0)
            _set_x(text, -dx)
        canv.drawText(text)


def _words(runs: list[Piece]) -> list[Word]:
    """Split whitespace-collapsed runs into words, a word made of one piece per font."""
    words: list[Word] = []
    word: Word = []
    for text, font in runs:
        for k, part in enumerate(text.split(" ")):
            if k and word:
                words.append(word)
                word = []
            if part:
                word.append((part, font))
    if word:
        words.append(word)
    return words


def _chunks(words: list[Word]) -> list[Piece]:
    """One line's text as runs of one font, words separated by one space (as Paragraph)."""
    chunks: list[Piece] = []
    for j, word in enumerate(words):
        for k, (part, font) in enumerate(word):
            sep = " " if j and not k else ""
            if chunks and chunks[-1][1] == font:
                chunks[-1] = (chunks[-1][0] + sep + part, font)
            else:
                if chunks and sep:
                    chunks[-1] = (chunks[-1][0] + sep, chunks[-1][1])
                chunks.append((part, font))
    return chunks


def _set_x(text: Any, dx: float) -> None:
    """Paragraph's setXPos: move the line start unless negligible."""
    if dx > 1e-6 or dx < -1e-6:
        text.setXPos(dx)


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
        or style.hyphenationLang
        or style.uriWasteReduce
        or style.embeddedHyphenation
        or style.rightIndent < 0
    )
