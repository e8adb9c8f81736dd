"""Register the bundled serif family with reportlab, once per process.

The faces are :class:`SlipFont`: reportlab TrueType fonts that, in a document prepared with
:func:`use_fixed_subsets`, embed one fixed subset (ASCII, every Vietnamese letter, common
punctuation) built and compressed once per process, instead of subsetting and compressing each
face anew for every document. Characters outside that repertoire still work: reportlab puts them
in further subsets of its own, built per document as usual.
"""

from __future__ import annotations

import threading
import weakref
import zlib
from dataclasses import dataclass
from typing import Any

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN, TTFont, makeToUnicodeCMap

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

# The fixed subset: printable ASCII at its own codes (reportlab's "ASCII readable" layout), then
# every precomposed Vietnamese letter and the punctuation the slips and typed data use. 95 + 134
# + 25 = 254 characters: exactly what one 256-code PDF font subset holds besides code 0.
_VIETNAMESE = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư" + "".join(map(chr, range(0x1EA0, 0x1EFA)))
_PUNCTUATION = "₫–—‘’“”…•°×·«»§±²³½¼¾€≤≥√"
REPERTOIRE = "".join(map(chr, range(0x20, 0x7F))) + _VIETNAMESE + _PUNCTUATION


@dataclass(frozen=True, slots=True)
class _FixedSubset:
    """Subset 0 of a face, ready to embed: code assignments and the PDF objects' contents."""

    assignments: dict[int, int]
    chars: tuple[int, ...]
    base_font: str
    widths: bytes
    font_file: bytes
    font_file_length: int
    to_unicode: bytes


class _Preformatted(pdfdoc.PDFObject):  # type: ignore[misc]  # reportlab is untyped
    """A PDF object whose serialisation is already known."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


def _flate_stream(data: bytes, **entries: Any) -> pdfdoc.PDFStream:
    """A stream whose content is already Flate-compressed (reportlab then only frames it)."""
    entries["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
    return pdfdoc.PDFStream(pdfdoc.PDFDictionary(entries), data)


# Documents that embed the fixed subsets (see use_fixed_subsets); weak, like TTFont.state.
_fixed_docs: weakref.WeakSet[Any] = weakref.WeakSet()


class _Key:
    """A throw-away weak-referenceable key for a font's per-document state."""


class SlipFont(TTFont):  # type: ignore[misc]  # reportlab is untyped
    """A TrueType face whose first subset can be fixed and cached (see :func:`use_fixed_subsets`).

    Documents not prepared with :func:`use_fixed_subsets` get reportlab's usual dynamic
    subsetting, unchanged.
    """

    def __init__(self, name: str, filename: str) -> None:
        """Args: name: the reportlab font name; filename: the TTF file."""
        super().__init__(name, filename)
        self._fixed: _FixedSubset | None = None
        self._fixed_lock = threading.Lock()

    def fixed_subset(self) -> _FixedSubset:
        """Build subset 0 over :data:`REPERTOIRE` once: embedded font program, widths, ToUnicode."""
        if self._fixed is not None:
            return self._fixed
        with self._fixed_lock:
            if self._fixed is None:
                key = _Key()
                self.splitString(REPERTOIRE, key)  # reportlab's own code assignment
                state = self.state.pop(key)
                if len(state.subsets) != 1:
                    raise ValueError(f"{self.fontName}: the fixed repertoire does not fit in one subset")
                chars = tuple(state.subsets[0])
                face = self.face
                base_font = (SUBSETN(0) + b"+" + face.name + face.subfontNameX).decode("pdfdoc")
                program = face.makeSubset(list(chars))
                self._fixed = _FixedSubset(
                    assignments=dict(state.assignments),
                    chars=chars,
                    base_font=base_font,
                    widths=pdfdoc.PDFArray([face.getCharWidth(c) for c in chars]).format(pdfdoc.DummyDoc()),
                    font_file=zlib.compress(program),
                    font_file_length=len(program),
                    to_unicode=zlib.compress(makeToUnicodeCMap(base_font, list(chars)).encode("utf-8")),
                )
        return self._fixed

    def _state_for(self, doc: Any) -> None:
        """Give ``doc`` its state for this face: the cached subset 0 if ``doc`` was prepared."""
        if doc in self.state or doc not in _fixed_docs:
            return
        fixed = self.fixed_subset()
        state = TTFont.State(self._asciiReadable, self)
        state.assignments = dict(fixed.assignments)
        state.subsets = [list(fixed.chars)]
        state.nextCode = 256  # anything else goes to subsets 1, 2, ..., built per document
        state.fixed_subset = True
        self.state[doc] = state

    def splitString(self, text: str, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:
        """As TTFont, starting from the cached subset 0 in a prepared document."""
        self._state_for(doc)
        result: list[tuple[int, bytes]] = super().splitString(text, doc, encoding)
        return result

    def getSubsetInternalName(self, subset: int, doc: Any) -> str:
        """As TTFont, starting from the cached subset 0 in a prepared document."""
        self._state_for(doc)
        name: str = super().getSubsetInternalName(subset, doc)
        return name

    def addObjects(self, doc: Any) -> None:
        """Add the font objects to ``doc``: subset 0 from the cache if ``doc`` was prepared.

        Mirrors ``TTFont.addObjects``; further subsets (characters outside the repertoire) are
        built by reportlab for this document as usual.
        """
        state = self.state.get(doc)
        if state is None or not getattr(state, "fixed_subset", False):
            super().addObjects(doc)
            return
        fixed = self.fixed_subset()
        face = self.face
        state.frozen = 1
        fonts = doc.idToObject["BasicFonts"].dict
        for n, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            font = pdfdoc.PDFTrueTypeFont()
            if n == 0:
                base_font = fixed.base_font
                font.Widths = _Preformatted(fixed.widths)
                to_unicode = _flate_stream(fixed.to_unicode)
                font.FontDescriptor = self._fixed_descriptor(doc, fixed)
            else:
                base_font = (SUBSETN(n) + b"+" + face.name + face.subfontNameX).decode("pdfdoc")
                font.Widths = pdfdoc.PDFArray([face.getCharWidth(c) for c in subset])
                to_unicode = pdfdoc.PDFStream(content=makeToUnicodeCMap(base_font, subset))
                to_unicode.filters = [pdfdoc.PDFZCompress]
                font.FontDescriptor = face.addSubsetObjects(doc, base_font, subset)
            font.__Comment__ = f"Font {self.fontName} subset {n}"
            font.Name = internal_name
            font.BaseFont = base_font
            font.FirstChar = 0
            font.LastChar = len(subset) - 1
            font.ToUnicode = doc.Reference(to_unicode, "toUnicodeCMap:" + base_font)
            doc.Reference(font, internal_name)
            fonts[internal_name] = font
        del self.state[doc]

    def _fixed_descriptor(self, doc: Any, fixed: _FixedSubset) -> Any:
        """The FontDescriptor of subset 0, as ``TTFontFace.addSubsetObjects`` writes it."""
        face = self.face
        font_file = _flate_stream(fixed.font_file, Length1=fixed.font_file_length)
        descriptor = pdfdoc.PDFDictionary(
            {
                "Type": "/FontDescriptor",
                "Ascent": face.ascent,
                "CapHeight": face.capHeight,
                "Descent": face.descent,
                "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(face.bbox),
                "FontName": pdfdoc.PDFName(fixed.base_font),
                "ItalicAngle": face.italicAngle,
                "StemV": face.stemV,
                "FontFile2": doc.Reference(font_file, f"fontFile:{face.filename}({fixed.base_font})"),
                "MissingWidth": face.defaultWidth,
            }
        )
        return doc.Reference(descriptor, "fontDescriptor:" + fixed.base_font)


def use_fixed_subsets(doc: Any) -> None:
    """Have ``doc`` (a reportlab ``PDFDocument``) embed the cached fixed subsets of our faces.

    Call it on a new canvas' document before any text is drawn; a document without compression
    is left to reportlab. The PDF then carries the whole repertoire of each face it uses (about
    7 kB more per face than a subset of just the characters used) and writing it costs neither
    subsetting nor compressing a font program.
    """
    if doc.compression:
        _fixed_docs.add(doc)


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
            pdfmetrics.registerFont(SlipFont(name, str(path)))
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
