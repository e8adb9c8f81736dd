"""Page analysis on realistic scanned pages: blank pages, dossier codes, splitting a feeder batch."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from app.scanning.analysis import (
    BatchGroup,
    SeparatorKind,
    analyse_page,
    find_dossier_code,
    is_blank,
    read_page_codes,
    separator_kind,
    split_batch,
)
from app.scanning.importer import import_files
from app.scanning.model import CancelToken, ColorMode, Page
from app.scanning.output import compose_pdf
from tests import scan_pages as sp

CODE = sp.code(7)


@pytest.fixture(scope="module")
def printed() -> dict[str, Image.Image]:
    """Clean 300-dpi renderings of what the office prints, and of an applicant's text page."""
    return {
        "slip": sp.rasterise(sp.slip_pdf(CODE)),
        "label": sp.rasterise(sp.label_sheet_pdf([CODE] * 3)),
        "cover": sp.rasterise(sp.cover_pdf(CODE)),
        "text": sp.rasterise(sp.text_page_pdf(1)),
    }


# --- blank pages ---------------------------------------------------------------------------------


def _modes(image: Image.Image) -> list[Image.Image]:
    grey = image.convert("L")
    rgb = grey.convert("RGB")
    rgb.info["dpi"] = image.info.get("dpi")
    return [grey, rgb]


@pytest.mark.parametrize("bw", [False, True], ids=["grey", "bw"])
@pytest.mark.parametrize(
    "variant",
    ["noise, edge strip, punch holes", "clean", "heavy specks", "bleed-through"],
)
def test_blank_pages_are_blank(variant: str, bw: bool, printed: dict[str, Image.Image]) -> None:
    kwargs: dict[str, object] = {}
    if variant == "clean":
        kwargs = {"noise": 0.0, "speckles": 0, "edge_strip": False, "punch_holes": False}
    elif variant == "heavy specks":
        kwargs = {"noise": 0.01, "speckles": 400}
    elif variant == "bleed-through":
        kwargs = {"bleed_through": printed["text"]}
    page = sp.blank_page(seed=3, bw=bw, **kwargs)  # type: ignore[arg-type]
    assert page.mode == ("1" if bw else "L")
    assert is_blank(page)
    for other in _modes(page):
        assert is_blank(other), other.mode


@pytest.mark.parametrize("bw", [False, True], ids=["grey", "bw"])
@pytest.mark.parametrize("kind", ["line", "signature"])
def test_a_short_handwritten_line_or_a_signature_is_not_blank(kind: str, bw: bool) -> None:
    page = sp.handwriting(sp.blank_page(seed=5), kind=kind, seed=2)
    if bw:
        page = page.point(lambda v: 255 if v > 150 else 0).convert("1")
    assert not is_blank(page)
    for other in _modes(page):
        assert not is_blank(other), other.mode


def test_printed_pages_are_not_blank(printed: dict[str, Image.Image]) -> None:
    for name, image in printed.items():
        assert not is_blank(sp.scan(image, bw=True)), name
        assert not is_blank(sp.scan(image, rotation=-8)), name


def test_blank_check_survives_odd_images() -> None:
    for image in (
        Image.new("L", (1, 1), 255),
        Image.new("L", (0, 0)),
        Image.new("RGBA", (300, 400), (0, 0, 0, 0)),  # transparent: white
        Image.new("I;16", (300, 400), 65535),
        Image.new("P", (300, 400), 0),
    ):
        assert isinstance(is_blank(image), bool)
    assert is_blank(Image.new("RGBA", (600, 800), (0, 0, 0, 0)))


# --- dossier codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("rotation", [0, 90, 180, 270, 5, -8, 15])
@pytest.mark.parametrize("document", ["slip", "label", "cover"])
def test_dossier_code_read_at_any_orientation_with_noise(
    document: str, rotation: int, printed: dict[str, Image.Image]
) -> None:
    page = sp.scan(printed[document], rotation=rotation, bw=rotation in (90, -8), seed=rotation + 100)
    assert find_dossier_code(page) == CODE
    assert find_dossier_code(page, dpi=300) == CODE


def test_separator_kinds(printed: dict[str, Image.Image]) -> None:
    kinds = {name: read_page_codes(sp.scan(printed[name])) for name in ("slip", "label", "cover")}
    assert kinds["slip"] is not None and kinds["slip"].kind is SeparatorKind.SLIP
    assert kinds["cover"] is not None and kinds["cover"].kind is SeparatorKind.COVER
    assert kinds["label"] is not None and kinds["label"].kind is SeparatorKind.LABEL
    # A skewed label: only its QR code reads at first; turned upright, its Code128 reads too.
    skewed = read_page_codes(sp.scan(printed["label"], rotation=-8))
    assert skewed is not None and skewed.kind is SeparatorKind.LABEL
    assert SeparatorKind.COVER.kept_out and SeparatorKind.LABEL.kept_out and not SeparatorKind.SLIP.kept_out


def test_no_code_on_text_and_blank_pages(printed: dict[str, Image.Image]) -> None:
    assert find_dossier_code(sp.scan(printed["text"], bw=True)) is None
    assert find_dossier_code(sp.blank_page()) is None


def test_code_reading_never_raises() -> None:
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (900, 700), dtype=np.uint8), "L")
    for image in (
        Image.new("L", (0, 0)),
        Image.new("1", (1, 1)),
        Image.new("RGBA", (50, 50)),
        Image.new("I;16", (200, 200)),
        Image.new("CMYK", (200, 200)),
        noise,
    ):
        assert find_dossier_code(image) is None


# --- splitting a feeder batch ------------------------------------------------------------------------


def _page(image: Image.Image, name: str) -> Page:
    mode = ColorMode.BW if image.mode == "1" else ColorMode.GRAY
    return Page(image, 300, mode, origin=name, meta={"name": name})


def _names(pages: list[Page]) -> list[str]:
    return [str(p.meta["name"]) for p in pages]


def test_split_a_feeder_batch_of_three_dossiers(printed: dict[str, Image.Image]) -> None:
    c1, c2, c3 = sp.code(1), sp.code(2), sp.code(3)
    text: Callable[[int], Image.Image] = lambda seed: sp.rasterise(sp.text_page_pdf(seed))  # noqa: E731
    batch = [
        _page(sp.scan(text(10), bw=True, seed=1), "stray"),
        _page(sp.scan(sp.rasterise(sp.cover_pdf(c1)), bw=True, seed=2), "cover 1"),
        _page(sp.scan(text(11), bw=True, seed=3), "1a"),
        _page(sp.scan(text(12), rotation=180, bw=True, seed=4), "1b upside down"),
        _page(sp.blank_page(seed=5, bleed_through=text(12), bw=True), "1b back (blank)"),
        _page(sp.scan(text(13), rotation=90, seed=6), "1c sideways"),
        _page(sp.scan(sp.rasterise(sp.slip_pdf(c2)), rotation=-8, seed=7), "slip 2"),
        _page(sp.scan(text(14), rotation=5, noise=0.006, speckles=200, seed=8), "2a skewed noisy"),
        _page(sp.handwriting(sp.blank_page(seed=9), kind="signature"), "2b signature only"),
        _page(sp.scan(sp.rasterise(sp.cover_pdf(c3)), rotation=270, seed=10), "cover 3"),
        _page(sp.scan(sp.rasterise(sp.slip_pdf(c3)), bw=True, seed=11), "slip 3"),
        _page(sp.scan(text(15), bw=True, seed=12), "3a"),
        _page(sp.blank_page(seed=13), "3a back (blank)"),
        _page(sp.scan(text(16), rotation=-8, bw=True, seed=14), "3b"),
        _page(sp.scan(text(17), bw=True, seed=15), "3c"),
        _page(sp.scan(text(18), seed=16), "3d"),
    ]
    groups = split_batch(batch)
    assert [g.code for g in groups] == [None, c1, c2, c3]
    assert [_names(g.separators) for g in groups] == [[], ["cover 1"], ["slip 2"], ["cover 3", "slip 3"]]
    assert [_names(g.pages) for g in groups] == [
        ["stray"],
        ["1a", "1b upside down", "1b back (blank)", "1c sideways"],
        ["2a skewed noisy", "2b signature only"],
        ["3a", "3a back (blank)", "3b", "3c", "3d"],
    ]
    assert [_names(g.content_pages()) for g in groups][1:] == [
        ["1a", "1b upside down", "1c sideways"],
        ["2a skewed noisy", "2b signature only"],
        ["3a", "3b", "3c", "3d"],
    ]
    assert [separator_kind(p) for p in groups[3].separators] == [SeparatorKind.COVER, SeparatorKind.SLIP]
    assert separator_kind(groups[2].separators[0]) is SeparatorKind.SLIP
    assert separator_kind(batch[2]) is None


def test_split_without_separators_and_empty() -> None:
    pages = [_page(sp.blank_page(seed=i), f"p{i}") for i in range(2)]
    groups = split_batch(pages)
    assert len(groups) == 1 and groups[0].code is None and _names(groups[0].pages) == ["p0", "p1"]
    assert groups[0].content_pages() == []
    assert split_batch([]) == []


def test_analyse_page_sets_flags_and_is_repeatable(printed: dict[str, Image.Image]) -> None:
    page = _page(sp.scan(printed["cover"]), "cover")
    analyse_page(page)
    assert (page.blank, page.separator_code, page.meta["separator_kind"]) == (False, CODE, "cover")
    page.image = sp.blank_page()
    analyse_page(page)
    assert (page.blank, page.separator_code, "separator_kind" in page.meta) == (True, None, False)
    assert isinstance(BatchGroup(None), BatchGroup)


def test_imported_pdf_batch_is_split_and_composed_from_the_original_pages(tmp_path: Path) -> None:
    """A scanned PDF brought on a USB stick: import (150-dpi renderings), analyse, split, compose."""
    c1, c2 = sp.code(21), sp.code(22)
    text = [sp.scan(sp.rasterise(sp.text_page_pdf(30 + i)), bw=True, seed=i) for i in range(3)]
    scanned = [
        sp.scan(sp.rasterise(sp.cover_pdf(c1)), bw=True),
        text[0],
        sp.blank_page(bw=True),
        text[1],
        sp.scan(sp.rasterise(sp.slip_pdf(c2)), rotation=90, bw=True),
        text[2],
    ]
    source = tmp_path / "ho_so_quet.pdf"
    source.write_bytes(compose_pdf([Page(image, 300, ColorMode.BW) for image in scanned]))
    imported = list(import_files([source], CancelToken(), dpi=150))
    groups = split_batch(imported)
    assert [(g.code, [p.pdf_page.index for p in g.pages if p.pdf_page]) for g in groups] == [(c1, [1, 2, 3]), (c2, [5])]
    assert [p.blank for p in groups[0].pages] == [False, True, False]
    out = compose_pdf(groups[0].content_pages())
    with pikepdf.open(source) as original, pikepdf.open(io.BytesIO(out)) as composed:
        assert len(composed.pages) == 2
        for mine, theirs in zip(composed.pages, (original.pages[1], original.pages[3]), strict=True):
            ours_image = next(iter(mine.Resources.XObject.values()))
            their_image = next(iter(theirs.Resources.XObject.values()))
            assert ours_image.read_raw_bytes() == their_image.read_raw_bytes()  # copied, not re-encoded
