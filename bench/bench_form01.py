"""Benchmark: form 01 rendering against a bare reportlab A5 page with the same barcodes."""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.code128 import Code128Auto
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib.pagesizes import A5
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from app.printing import form01
from app.printing.data import Applicant, OfficeHeader, ReceiptSlip, SlipDocument
from app.printing.fonts import SERIF, register_fonts

N = 50
WARMUP = 5
TARGET = 2.0
CODE = "000.01.00.H49-261122-0001"

SLIP = ReceiptSlip(
    header=OfficeHeader("UBND TỈNH QUẢNG NINH", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "Quảng Ninh"),
    form_number="Mẫu số 01",
    dossier_code=CODE,
    receiving_unit="Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
    applicant=Applicant(
        "Nguyễn Thị Thuỳ Dương",
        "022190012345",
        "Số 18, tổ 3, khu 5, Phường Hồng Gai, Thành phố Hạ Long, Quảng Ninh",
        "0912 345 678",
        "thuyduong.nguyen@example.vn",
    ),
    procedure_name="Đăng ký thành lập hộ kinh doanh",
    procedure_code="2.000720",
    documents=(
        SlipDocument("Giấy đề nghị đăng ký hộ kinh doanh", "Bản chính", 1),
        SlipDocument("Bản sao Căn cước công dân của chủ hộ kinh doanh", "Bản sao có chứng thực", 1),
        SlipDocument("Hợp đồng thuê địa điểm kinh doanh", "Bản sao", 1),
        SlipDocument("Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh", "Bản chính", 1),
        SlipDocument("Giấy ủy quyền cho người đi nộp hồ sơ", "Bản chính", 1),
        SlipDocument("Giấy xác nhận của Ủy ban nhân dân phường về nơi cư trú", "Bản sao", 2),
    ),
    sets=1,
    processing_time_text="03 ngày làm việc",
    received_at=datetime(2026, 11, 22, 9, 5),
    due_at=datetime(2026, 11, 25, 16, 30),
    return_place="Bộ phận Một cửa – Quầy số 3, Trung tâm Phục vụ hành chính công tỉnh",
    fee_text="100.000 ₫",
    register_book="01",
    register_number="1234",
    officer_name="Trần Văn Hưởng",
)


def bare_page() -> bytes:
    """One A5 page: Code128 and QR of the code and one line of text in a registered TTF."""
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=A5, initialFontName=SERIF)
    canv.setFont(SERIF, 10)
    canv.drawString(40, 540, f"Mã hồ sơ: {CODE} – Nguyễn Thị Thuỳ Dương")
    Code128Auto(CODE, barWidth=0.85, barHeight=21, humanReadable=1, fontName=SERIF, fontSize=8.5).drawOn(canv, 30, 480)
    QrCode(CODE, qrLevel="M", qrBorder=2, width=50, height=50).drawOn(canv, 330, 480)
    canv.showPage()
    canv.save()
    return buf.getvalue()


def form_page() -> bytes:
    """Form 01, both copies."""
    buf = io.BytesIO()
    form01.render(SLIP, buf)
    return buf.getvalue()


def measure(fn: Callable[[], bytes]) -> list[float]:
    """Time N calls of ``fn`` after a warm-up, in milliseconds."""
    for _ in range(WARMUP):
        fn()
    times = []
    for _ in range(N):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def p95(values: list[float]) -> float:
    """95th percentile."""
    return statistics.quantiles(values, n=20)[-1]


@contextmanager
def timed(owner: Any, name: str, totals: dict[str, float], label: str) -> Iterator[None]:
    """Accumulate the time spent in ``owner.name`` under ``label`` while the block runs."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] = totals.get(label, 0.0) + time.perf_counter() - t0

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def breakdown(fn: Callable[[], bytes]) -> None:
    """Print where the time of ``fn`` goes: per-phase medians over N more (instrumented) renders."""
    totals: dict[str, float] = {}
    phases: dict[str, list[float]] = {}
    rest = "layout and drawing (the rest)"
    with (
        timed(form01, "_story", totals, "building the story (form 01 only)"),
        timed(qrencoder.QRCode, "make", totals, "QR encoding"),
        timed(pdfdoc.PDFDocument, "GetPDFData", totals, "PDF output (objects, fonts, compression)"),
    ):
        for _ in range(N):
            totals.clear()
            t0 = time.perf_counter()
            fn()
            total = time.perf_counter() - t0
            for label, seconds in [*totals.items(), (rest, total - sum(totals.values()))]:
                phases.setdefault(label, []).append(seconds * 1000)
    for label, times in phases.items():
        print(f"  {label:44s} median {statistics.median(times):6.2f} ms")


def main() -> int:
    """Run both benchmarks, print the figures, return 1 if the ratio is above the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--breakdown", action="store_true", help="then show where each render's time goes")
    args = parser.parse_args()
    register_fonts()
    bare = measure(bare_page)
    form = measure(form_page)
    ratio = statistics.median(form) / statistics.median(bare)
    print(f"N={N} (after {WARMUP} warm-up runs)")
    for label, times in (
        ("bare A5 canvas (Code128 + QR + 1 TTF line)", bare),
        ("form01.render (2 copies, 6 docs)", form),
    ):
        print(f"{label:44s} median {statistics.median(times):6.2f} ms   p95 {p95(times):6.2f} ms")
    print(f"ratio (median form01 / median bare): {ratio:.2f} (target <= {TARGET})")
    if args.breakdown:
        for label, fn in (("bare page", bare_page), ("form01.render", form_page)):
            print(f"breakdown, {label} ({N} instrumented runs):")
            breakdown(fn)
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
