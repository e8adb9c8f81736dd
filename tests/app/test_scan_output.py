"""Scanned pages to PDF: G4 for B/W, JPEG for grey/colour, imported pages copied, reproducible bytes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from pikepdf import PdfImage
from PIL import Image, ImageDraw
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, A5
from reportlab.pdfgen.canvas import Canvas

from app.scanning.model import CancelToken, ColorMode, Page, PdfPageRef, ScanError, ScanErrorKind
from app.scanning.output import (
    ComposedDocument,
    binarise,
    compose_documents,
    compose_pdf,
    despeckle,
    otsu_threshold,
)
from tests import scan_pages as sp
from tests.pdf_tools import pdf_text, render_pages

MM = 72 / 25.4


@pytest.fixture(scope="module")
def text_page() -> Image.Image:
    return sp.rasterise(sp.text_page_pdf(4))


def _images(data: bytes) -> list[dict[str, object]]:
    """Filter, colour space and size of each page's image."""
    out: list[dict[str, object]] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            if "/XObject" not in page.Resources:
                out.append({"filter": "", "colour": "", "size": None})  # an imported text page
                continue
            image = next(iter(page.Resources.XObject.values()))
            f = image.Filter
            out.append(
                {
                    "filter": str(f[0] if isinstance(f, pikepdf.Array) else f),
                    "colour": str(image.ColorSpace),
                    "size": (int(image.Width), int(image.Height), int(image.BitsPerComponent)),
                }
            )
    return out


def _filters(data: bytes) -> list[str]:
    return [str(i["filter"]) for i in _images(data)]


def _box_mm(data: bytes) -> list[tuple[float, float]]:
    pdf = pikepdf.open(io.BytesIO(data))
    return [(round(float(p.mediabox[2]) / MM, 1), round(float(p.mediabox[3]) / MM, 1)) for p in pdf.pages]


def test_bw_page_is_ccitt_g4_lossless_and_a4_sized(text_page: Image.Image) -> None:
    scanned = sp.scan(text_page, bw=True, noise=0.0005)
    data = compose_pdf([Page(scanned, 300, ColorMode.BW)])
    assert _filters(data) == ["/CCITTFaxDecode"]
    assert _images(data)[0]["size"] == (*scanned.size, 1)
    assert all(abs(w - 210) < 0.5 and abs(h - 297) < 0.5 for w, h in _box_mm(data))
    # The stored image is exactly the scan (lone noise pixels aside): G4 is lossless.
    expected = np.asarray(despeckle(scanned))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        stored = PdfImage(next(iter(pdf.pages[0].Resources.XObject.values()))).as_pil_image()
    assert np.array_equal(np.asarray(stored.convert("1")), expected)
    # And a viewer shows it black on white (BlackIs1 right), give or take resampling at the edges.
    rendered = np.asarray(render_pages(data, dpi=300)[0].convert("L")) > 127
    assert abs(rendered.shape[0] - expected.shape[0]) <= 1 and abs(rendered.shape[1] - expected.shape[1]) <= 1
    shown = rendered[: expected.shape[0], : expected.shape[1]]
    assert (shown != expected).mean() < 0.03
    assert abs((~shown).mean() - (~expected).mean()) < 0.01
    assert len(data) < 80_000


def test_grey_scan_in_bw_mode_is_binarised(text_page: Image.Image) -> None:
    grey = sp.scan(text_page, paper=215, seed=3)  # greyish paper
    assert grey.mode == "L"
    threshold = otsu_threshold(grey)
    assert 64 < threshold < 200
    data = compose_pdf([Page(grey, 300, ColorMode.BW)])
    assert _filters(data) == ["/CCITTFaxDecode"]
    clean = np.pad(np.asarray(text_page), 2, constant_values=255)
    # Stroke cores (dark, and dark 1 px around) and open paper (nothing dark within 2 px).
    core = np.ones(text_page.size[::-1], dtype=bool)
    paper = np.ones(text_page.size[::-1], dtype=bool)
    h, w = core.shape
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            window = clean[2 + dy : 2 + dy + h, 2 + dx : 2 + dx + w]
            if abs(dy) <= 1 and abs(dx) <= 1:
                core &= window < 100
            paper &= window > 240
    shown = np.asarray(render_pages(data, dpi=300)[0].convert("L"))[:h, :w]
    assert core.sum() > 5_000
    assert (shown[core] < 128).mean() > 0.97  # text stays black
    assert (shown[paper] > 128).mean() > 0.99  # greyish paper turns white


def test_otsu_on_bare_paper_keeps_it_white() -> None:
    paper = sp.blank_page(edge_strip=False, punch_holes=False, speckles=0, noise=0)
    assert otsu_threshold(paper) <= 192
    assert np.asarray(binarise(paper)).mean() > 0.999
    bimodal = Image.fromarray(np.array([[40] * 50 + [220] * 50] * 10, dtype=np.uint8), "L")
    assert 40 <= otsu_threshold(bimodal) < 220


def test_grey_and_colour_pages_are_jpeg_of_sensible_size(text_page: Image.Image) -> None:
    grey200 = sp.scan(sp.rasterise(sp.text_page_pdf(4), dpi=200), noise=0.0005, blur=0.4)
    colour200 = grey200.convert("RGB")
    data = compose_pdf([Page(grey200, 200, ColorMode.GRAY), Page(colour200, 200, ColorMode.COLOR)])
    assert _filters(data) == ["/DCTDecode", "/DCTDecode"]
    assert [i["colour"] for i in _images(data)] == ["/DeviceGray", "/DeviceRGB"]
    assert all(abs(w - 210) < 0.6 and abs(h - 297) < 0.6 for w, h in _box_mm(data))
    assert len(data) < 2 * 500_000
    single = compose_pdf([Page(colour200, 200, ColorMode.COLOR)])
    assert len(single) < 500_000, len(single)


def _marked(size: tuple[int, int] = (400, 600)) -> Image.Image:
    """White page with a black square in its top-left corner."""
    image = Image.new("L", size, 255)
    ImageDraw.Draw(image).rectangle((0, 0, 59, 59), fill=0)
    return image


@pytest.mark.parametrize(("rotation", "corner"), [(0, "tl"), (90, "tr"), (180, "br"), (270, "bl")])
def test_image_rotation_is_applied_clockwise(rotation: int, corner: str) -> None:
    data = compose_pdf([Page(_marked(), 100, ColorMode.GRAY, rotation=rotation)])
    (w, h) = _box_mm(data)[0]
    assert (w > h) == (rotation in (90, 270))
    shown = np.asarray(render_pages(data, dpi=100)[0].convert("L"))
    corners = {"tl": shown[:40, :40], "tr": shown[:40, -40:], "br": shown[-40:, -40:], "bl": shown[-40:, :40]}
    assert [k for k, v in corners.items() if v.mean() < 60] == [corner]


def _source_pdf(path: Path) -> Path:
    """Three pages: A4 plain, A5 with its own /Rotate 90, A4 inheriting /Rotate 180 from the tree."""
    buffer = io.BytesIO()
    canv = Canvas(buffer, pagesize=A4, invariant=True)
    for i, size in enumerate((A4, A5, A4)):
        canv.setPageSize(size)
        canv.drawString(72, 200, f"Trang goc so {i + 1}")
        canv.showPage()
    canv.save()
    pdf = pikepdf.open(io.BytesIO(buffer.getvalue()))
    pdf.pages[1].obj.Rotate = 90
    # Move page 3 under an intermediate Pages node that carries /Rotate.
    third = pdf.pages[2].obj
    del third["/Rotate"]  # reportlab writes /Rotate 0 on every page
    node = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Pages, Kids=pikepdf.Array([]), Count=1, Rotate=180))
    del pdf.pages[2]
    third.Parent = node
    node.Kids.append(third)
    node.Parent = pdf.Root.Pages
    pdf.Root.Pages.Kids.append(node)
    pdf.Root.Pages.Count = 3
    pdf.save(path)
    return path


def test_imported_pdf_pages_are_copied_unchanged_with_rotation(tmp_path: Path) -> None:
    src = _source_pdf(tmp_path / "nhap.pdf")
    with pikepdf.open(src) as original:
        contents = [p.obj.Contents.read_bytes() for p in original.pages]
        assert len(original.pages) == 3
    thumbnail = Image.new("L", (10, 10), 255)
    pages = [
        Page(thumbnail, 150, ColorMode.GRAY, pdf_page=PdfPageRef(src, 0)),
        Page(thumbnail, 150, ColorMode.GRAY, pdf_page=PdfPageRef(src, 1), rotation=90),
        Page(thumbnail, 150, ColorMode.GRAY, pdf_page=PdfPageRef(src, 2), rotation=270),
        Page(sp.scan(_marked((1240, 1754)), bw=True), 150, ColorMode.BW),  # a scanned page in between
    ]
    data = compose_pdf(pages)
    out = pikepdf.open(io.BytesIO(data))
    assert len(out.pages) == 4
    assert [out.pages[i].obj.Contents.read_bytes() for i in range(3)] == contents
    assert [int(p.obj.get("/Rotate", 0)) for p in out.pages] == [0, 180, 90, 0]
    width, height = _box_mm(data)[1]
    assert abs(width - 148) < 0.5 and abs(height - 210) < 0.5
    assert [t.strip() for t in pdf_text(data)[:3]] == [f"Trang goc so {i}" for i in (1, 2, 3)]
    assert _filters(data)[3] == "/CCITTFaxDecode"


def test_output_is_deterministic(tmp_path: Path, text_page: Image.Image) -> None:
    src = _source_pdf(tmp_path / "a.pdf")
    scanned = sp.scan(text_page, bw=True)

    def make() -> bytes:
        return compose_pdf(
            [
                Page(scanned.copy(), 300, ColorMode.BW),
                Page(scanned.convert("L"), 300, ColorMode.GRAY),
                Page(scanned, 150, ColorMode.GRAY, pdf_page=PdfPageRef(src, 1)),
            ]
        )

    first, second = make(), make()
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    assert b"CreationDate" not in first and b"ModDate" not in first
    other = compose_pdf([Page(scanned, 300, ColorMode.BW, rotation=180)])
    assert other != compose_pdf([Page(scanned, 300, ColorMode.BW)])
    assert PdfReader(io.BytesIO(first)).trailer["/ID"][0] == PdfReader(io.BytesIO(second)).trailer["/ID"][0]


def _small_pages(n: int) -> list[Page]:
    return [Page(_marked(), 100, ColorMode.BW, origin=f"tờ {i}") for i in range(n)]


def test_compose_documents_reports_progress_per_page() -> None:
    calls: list[tuple[int, int]] = []
    docs = compose_documents(
        [("Đơn đề nghị", 0, _small_pages(2)), ("Giấy tờ khác", None, _small_pages(3))],
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(i, 5) for i in range(1, 6)]
    assert [(d.name, d.requirement_index, d.pages) for d in docs] == [("Đơn đề nghị", 0, 2), ("Giấy tờ khác", None, 3)]
    assert all(isinstance(d, ComposedDocument) and len(PdfReader(io.BytesIO(d.pdf)).pages) == d.pages for d in docs)


def test_cancel_raises_cancelled() -> None:
    token = CancelToken()

    def progress(done: int, total: int) -> None:
        if done == 2:
            token.cancel()

    with pytest.raises(ScanError) as caught:
        compose_documents([("A", 0, _small_pages(2)), ("B", 1, _small_pages(2))], cancel=token, progress=progress)
    assert caught.value.kind is ScanErrorKind.CANCELLED
    assert "huỷ" in caught.value.message


def test_bad_inputs_give_vietnamese_errors(tmp_path: Path) -> None:
    thumb = Image.new("L", (10, 10), 255)
    with pytest.raises(ScanError) as caught:
        compose_pdf([Page(thumb, 150, ColorMode.GRAY, pdf_page=PdfPageRef(tmp_path / "mat.pdf", 0))])
    assert caught.value.kind is ScanErrorKind.CORRUPT_FILE and "mat.pdf" in caught.value.message
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(ScanError) as caught:
        compose_pdf([Page(thumb, 150, ColorMode.GRAY, pdf_page=PdfPageRef(broken, 0))])
    assert caught.value.kind is ScanErrorKind.CORRUPT_FILE and "hong.pdf" in caught.value.message
    src = _source_pdf(tmp_path / "ba_trang.pdf")
    with pytest.raises(ScanError) as caught:
        compose_pdf([Page(thumb, 150, ColorMode.GRAY, pdf_page=PdfPageRef(src, 7))])
    assert "không còn trang 8" in caught.value.message
    with pytest.raises(ScanError) as caught:
        compose_pdf([])
    assert "Không có trang nào" in caught.value.message
    with pytest.raises(ScanError) as caught:
        compose_documents([("Sổ hộ khẩu", 2, [])])
    assert "Sổ hộ khẩu" in caught.value.message


def test_odd_image_modes_and_resolutions_still_compose() -> None:
    pages = [
        Page(Image.new("RGBA", (200, 300), (255, 0, 0, 128)), 200, ColorMode.COLOR),
        Page(Image.new("P", (200, 300), 3), 200, ColorMode.GRAY),
        Page(Image.new("I;16", (200, 300), 30000), 0, ColorMode.BW),  # unknown dpi: 300
        Page(Image.new("RGB", (200, 300), (0, 90, 0)), 200, ColorMode.BW),
    ]
    data = compose_pdf(pages)
    assert _filters(data) == ["/DCTDecode", "/DCTDecode", "/CCITTFaxDecode", "/CCITTFaxDecode"]
    assert len(render_pages(data, dpi=50)) == 4
