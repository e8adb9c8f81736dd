"""Benchmark: scanned-page processing (issue 5): barcode detection, blank check and compression per page.

Usage::

    .venv/bin/python bench/bench_scan_pages.py [--pages 20]

(bench/bench_scan.py is the issue-4 benchmark of keyboard scans to on-screen feedback.)

Cases, on 300-dpi A4 pages made by tests/scan_pages.py (rendered, noised, some turned or skewed):

* a B/W text page (1-bit, as a scanner in black-and-white mode delivers it),
* a grey page with a receipt slip (form 01, A5, on an A4 flatbed scan).

For each page: :func:`app.scanning.analysis.analyse_page` (blank check + dossier code) then
:func:`app.scanning.output.compose_pdf` of that page alone (encode + write a whole PDF). Targets:
≤ 200 ms per page (median and p95 shown), B/W text page ≤ 60 KB in the PDF.

Baselines measured in the same run, on the same pages: Pillow's plain G4 TIFF save of the 1-bit
page (the bare cost of compressing it) and one zxing-cpp ``read_barcodes`` with the two formats
given at full resolution (the bare cost of looking for a code). "×base" = median / baseline median.

Last, a 100-page PDF (scanned pages, as a citizen brings them) goes through
:func:`app.scanning.importer.import_files` (grey renderings at 150 dpi), analysis, split and
composition (its pages copied unchanged): total seconds, target ≤ 10 s. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import zxingcpp
from PIL import Image

from app.scanning.analysis import analyse_page, split_batch
from app.scanning.importer import import_files
from app.scanning.model import CancelToken, ColorMode, Page
from app.scanning.output import compose_pdf
from tests import scan_pages as sp

TARGET_MS = 200.0
TARGET_BW_KB = 60.0
TARGET_IMPORT_S = 10.0
FORMATS = zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode])
TURNS = (0, 0, 0, 180, 0, 0, 90, 0, -3, 0)  # most pages straight, some turned or a little skewed


def bw_text_pages(n: int) -> list[Image.Image]:
    return [
        sp.scan(sp.rasterise(sp.text_page_pdf(i)), bw=True, rotation=TURNS[i % 10], noise=0.0005, seed=i)
        for i in range(n)
    ]


def grey_slip_pages(n: int) -> list[Image.Image]:
    slip = sp.rasterise(sp.slip_pdf(sp.code(1)))
    pages = []
    for i in range(n):
        a4 = Image.new("L", sp.A4_PX, 255)
        a4.paste(slip, (0, 0))  # an A5 slip laid in the corner of an A4 flatbed
        a4.info["dpi"] = (sp.DPI, sp.DPI)
        pages.append(sp.scan(a4, rotation=TURNS[i % 10], seed=i))
    return pages


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def per_page(name: str, images: list[Image.Image], mode: ColorMode) -> tuple[bool, list[int]]:
    totals, sizes, g4, zx = [], [], [], []
    codes = 0
    for image in images:
        page = Page(image, sp.DPI, mode)

        def work(page: Page = page) -> None:
            analyse_page(page)
            sizes.append(len(compose_pdf([page])))

        totals.append(timed(work))
        codes += page.separator_code is not None
        bits = image if image.mode == "1" else image.point(lambda v: 255 if v > 128 else 0).convert("1")
        g4.append(timed(partial(bits.save, io.BytesIO(), format="TIFF", compression="group4")))
        zx.append(timed(partial(zxingcpp.read_barcodes, image, formats=FORMATS)))
    med = statistics.median(totals)
    ok = med <= TARGET_MS and p95(totals) <= TARGET_MS
    print(
        f"{name:<34}{med:8.1f}{p95(totals):8.1f}{max(totals):8.1f}"
        f"{statistics.median(g4):9.1f}{med / statistics.median(g4):6.1f}"
        f"{statistics.median(zx):9.1f}{med / statistics.median(zx):6.1f}"
        f"{codes:6d}  ≤ {TARGET_MS:.0f} ms {'PASS' if ok else 'MISS'}"
    )
    return ok, sizes


def import_100(pages: list[Image.Image]) -> tuple[list[float], int, int]:
    """A 100-page scanned PDF (B/W pages, a cover sheet every 25): import, analyse, split, compose."""
    covers = [sp.scan(sp.rasterise(sp.cover_pdf(sp.code(i))), bw=True, seed=i) for i in range(4)]
    batch: list[Page] = []
    for i in range(100):
        image = covers[i // 25] if i % 25 == 0 else pages[i % len(pages)]
        batch.append(Page(image, sp.DPI, ColorMode.BW))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ho_so_100_trang.pdf"
        path.write_bytes(compose_pdf(batch))
        marks = [time.perf_counter()]
        imported = list(import_files([path], CancelToken(), dpi=150))
        marks.append(time.perf_counter())
        for page in imported:
            analyse_page(page)
        groups = split_batch(imported)
        marks.append(time.perf_counter())
        out = [compose_pdf(g.content_pages()) for g in groups if g.content_pages()]
        marks.append(time.perf_counter())
        return [b - a for a, b in itertools.pairwise(marks)], len(groups), sum(len(o) for o in out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    n = max(20, args.pages)
    print(f"Preparing {n} B/W text pages and {n} grey slip pages (300 dpi A4)…", flush=True)
    bw = bw_text_pages(n)
    grey = grey_slip_pages(n)
    for image in (bw[0], grey[0]):  # warm-up: imports, fonts, zxing tables
        analyse_page(Page(image, sp.DPI, ColorMode.GRAY))
        compose_pdf([Page(image, sp.DPI, ColorMode.GRAY)])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cpus {os.cpu_count()}, load average {load:.1f}; times in ms per page")
    print(
        f"{'case':<34}{'median':>8}{'p95':>8}{'max':>8}{'G4 base':>9}{'×G4':>6}{'zx base':>9}{'×zx':>6}"
        f"{'codes':>6}  target"
    )
    ok_bw, bw_sizes = per_page("B/W text page (analyse+compose)", bw, ColorMode.BW)
    ok_grey, grey_sizes = per_page("grey slip page (analyse+compose)", grey, ColorMode.GRAY)
    bw_kb = statistics.median(bw_sizes) / 1024
    ok_size = bw_kb <= TARGET_BW_KB
    print(
        f"B/W text page in the PDF: median {bw_kb:.1f} KB, max {max(bw_sizes) / 1024:.1f} KB"
        f"  (≤ {TARGET_BW_KB:.0f} KB {'PASS' if ok_size else 'MISS'});"
        f" grey slip page (JPEG): median {statistics.median(grey_sizes) / 1024:.0f} KB"
    )
    parts, groups, size = import_100(bw)
    seconds = sum(parts)
    ok_import = seconds <= TARGET_IMPORT_S
    print(
        f"100-page PDF: import (150 dpi) {parts[0]:.2f} s + analyse and split ({groups} groups) {parts[1]:.2f} s"
        f" + compose {parts[2]:.2f} s = {seconds:.2f} s"
        f"  (≤ {TARGET_IMPORT_S:.0f} s {'PASS' if ok_import else 'MISS'}); output {size / 1024:.0f} KB"
    )
    return 0 if ok_bw and ok_grey and ok_size and ok_import else 1


if __name__ == "__main__":
    raise SystemExit(main())
