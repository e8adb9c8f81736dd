"""The slips' fast paths give what plain reportlab gives: TextLine vs Paragraph, fixed font subsets."""

from __future__ import annotations

import dataclasses
import io
import random
import unicodedata

import pytest
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from app.printing import form01
from app.printing.common import esc, styles
from app.printing.fonts import REPERTOIRE, SERIF, register_fonts
from app.printing.textline import TextLine
from tests.app.test_printing import receipt

SAMPLE = (
    "Bộ phận tiếp nhận và trả kết quả Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh Đăng ký "
    "thành lập hộ kinh doanh số 18 – ₫ 100.000 (Mã thủ tục: 2.000720) a & <x> WWWWWWWWWW"
)
WORDS = [*SAMPLE.split(), "." * 36]


def _random_markup(rng: random.Random) -> str:
    parts: list[str] = []
    bold = False
    for _ in range(rng.randint(0, 35)):
        if rng.random() < 0.15:
            parts.append("</b>" if bold else "<b>")
            bold = not bold
        parts.append(esc(rng.choice(WORDS)))
        parts.append(rng.choice([" ", " ", "  ", " \n", ""]) if rng.random() < 0.97 else "&nbsp;")
    if bold:
        parts.append("</b>")
    return "".join(parts)


def _line_texts(paragraph: Paragraph) -> list[tuple[float, str]]:
    lines = []
    for line in paragraph.blPara.lines:
        if paragraph.blPara.kind == 0:
            lines.append((line[0], " ".join(line[1])))
        else:
            lines.append((line.extraSpace, "".join(f.text for f in line.words)))
    return [(extra, " ".join(text.replace("\xa0", " ").split())) for extra, text in lines]


@pytest.mark.parametrize("seed", range(4))
def test_textline_breaks_lines_as_paragraph(seed: int) -> None:
    register_fonts()
    rng = random.Random(seed)
    st = styles()
    drawn_here = 0
    for _ in range(300):
        markup = _random_markup(rng)
        style = st[rng.choice(["body", "hang", "head_b", "title", "cell", "sign_i", "head_i"])]
        width = rng.uniform(30, 400)
        line, paragraph = TextLine(markup, style), Paragraph(markup, style)
        assert line.wrap(width, 1e6) == pytest.approx(paragraph.wrap(width, 1e6)), markup
        plan = line._plan(width)
        if plan is None:
            continue
        drawn_here += 1
        mine = [(extra, " ".join("".join(t for t, _ in runs).replace("\xa0", " ").split())) for extra, runs in plan]
        theirs = _line_texts(paragraph)
        assert [t for _, t in mine] == [t for _, t in theirs], markup
        assert [e for e, _ in mine] == pytest.approx([e for e, _ in theirs], abs=1e-6), markup
    assert drawn_here > 150  # the fast path is the common case


def test_textline_leaves_other_markup_to_paragraph() -> None:
    register_fonts()
    body = styles()["body"]
    for markup in ("a <i>b</i>", "a\u200bb c", "x &copy; y", "a\xa0" + "b " * 200):
        line = TextLine(markup, body)
        line.wrap(300, 1e6)
        assert line._lines is None, markup


def _fonts(data: bytes) -> set[str]:
    names: set[str] = set()

    def collect(resources: object) -> None:
        resources = resources.get_object()  # type: ignore[attr-defined]
        for font in (resources.get("/Font") or {}).values():  # type: ignore[attr-defined]
            names.add(str(font.get_object()["/BaseFont"]))
        for xobject in (resources.get("/XObject") or {}).values():  # type: ignore[attr-defined]
            if "/Resources" in xobject.get_object():
                collect(xobject.get_object()["/Resources"])

    for page in PdfReader(io.BytesIO(data)).pages:
        collect(page["/Resources"])
    return names


def test_fixed_subsets_cover_vietnamese_and_extend_for_other_letters() -> None:
    assert len(set(REPERTOIRE)) == len(REPERTOIRE) == 254
    assert all(unicodedata.normalize("NFC", c) == c for c in REPERTOIRE)
    slip = receipt()
    foreign = "Jürgen Müller-Straße Łódź"
    slip = dataclasses.replace(slip, applicant=dataclasses.replace(slip.applicant, full_name=foreign))
    out = io.BytesIO()
    form01.render(slip, out)
    data = out.getvalue()
    text = " ".join((PdfReader(io.BytesIO(data)).pages[0].extract_text() or "").split())
    assert foreign in text
    assert "Quảng Ninh, ngày 22 tháng 11 năm 2026" in text
    # Subset 0 of each face is the fixed one; the non-Vietnamese letters (bold) needed a second.
    assert _fonts(data) == {
        "/AAAAAA+LiberationSerif",
        "/AAAAAA+LiberationSerif-Bold",
        "/AAAAAB+LiberationSerif-Bold",
        "/AAAAAA+LiberationSerif-Italic",
    }


def test_other_documents_keep_dynamic_subsets() -> None:
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.setFont(SERIF, 10)
    canvas.drawString(10, 10, "ăâ")
    canvas.save()
    reader = PdfReader(io.BytesIO(out.getvalue()))
    font = reader.pages[0]["/Resources"]["/Font"]
    (only,) = (f.get_object() for f in font.values() if "Liberation" in f.get_object()["/BaseFont"])
    # A plain canvas gets reportlab's own subset: ASCII plus the two letters used, codes 0-127
    # (the slips' fixed subset fills all 256 codes).
    assert only["/LastChar"] == 127
    assert len(pdfmetrics.getFont(SERIF).fixed_subset().chars) == 256
