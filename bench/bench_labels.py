"""Benchmark: a sheet of 24 barcode labels against a bare reportlab A4 page with the same text and barcodes.

The baseline draws, on one A4 page with the same registered font, 24 blocks of the same five text
lines, each with reportlab's stock Code128 and QR widgets. The label renderer adds layout, text
fitting, validation and the fixed font subsets; its QR encoder replaces reportlab's mask choice.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.printing import labels
from app.printing.data import A4_3X8, LabelData, LabelPrintJob
from app.printing.fonts import SERIF, register_fonts

N = 21
WARMUP = 3
TARGET_MS = 300.0
NAMES = ("Nguyễn Thị Thuỳ Dương", "Trần Văn Hưởng", "Công ty TNHH Thương mại và Dịch vụ Hạ Long Xanh", "Lê Ánh")
PROCS = (
    "Đăng ký thành lập hộ kinh doanh",
    "Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu",
    "Cấp bản sao trích lục hộ tịch",
    "Chứng thực bản sao từ bản chính",
)
LABELS = tuple(
    LabelData(
        f"000.01.00.H49-261122-{i:04d}",
        NAMES[i % 4],
        PROCS[i % 4],
        datetime(2026, 11, 25, 16, 30),
        "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
    )
    for i in range(1, 25)
)
JOB = LabelPrintJob(LABELS, A4_3X8)


def bare_page() -> bytes:
    """24 blocks on one A4 page: five text lines, stock Code128 and QR widgets of the code."""
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=A4, initialFontName=SERIF)
    for i, label in enumerate(LABELS):
        x, y = (i % 3) * 70 * mm, A4[1] - (i // 3 + 1) * 37 * mm
        Code128(label.dossier_code, barWidth=0.5, barHeight=24, quiet=0, humanReadable=0).drawOn(canv, x + 8, y + 70)
        QrCode(label.dossier_code, qrLevel="M", qrBorder=2, width=45, height=45).drawOn(canv, x + 8, y + 10)
        canv.setFont(SERIF, 7)
        for n, text in enumerate((label.unit_name, label.dossier_code, label.applicant_short, label.procedure_short)):
            canv.drawString(x + 58, y + 55 - 9 * n, text[:40])
        canv.drawString(x + 58, y + 12, f"Hẹn trả: {label.due_at:%d/%m/%Y %H:%M}")
    canv.showPage()
    canv.save()
    return buf.getvalue()


def label_sheet() -> bytes:
    """The sheet of 24 labels through app.printing.labels."""
    buf = io.BytesIO()
    labels.render(JOB, buf)
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


def main() -> int:
    """Run both, interleaved in two halves so machine noise hits both; 1 if the median exceeds the target."""
    register_fonts()
    bare = measure(bare_page)
    sheet = measure(label_sheet)
    bare += measure(bare_page)
    sheet += measure(label_sheet)
    print(f"runs per case: {len(bare)} (two halves of {N}, each after {WARMUP} warm-up runs)")
    for name, times in (
        ("bare A4 page, 24 x (5 lines + Code128 + QR widget)", bare),
        ("labels.render, 3x8 sheet", sheet),
    ):
        q = statistics.quantiles(times, n=20)
        print(f"{name:52s} median {statistics.median(times):7.1f} ms   p95 {q[-1]:7.1f} ms   min {min(times):7.1f} ms")
    ratio = statistics.median(sheet) / statistics.median(bare)
    print(f"ratio (median sheet / median bare): {ratio:.2f}")
    median = statistics.median(sheet)
    print(f"sheet median {median:.1f} ms (target <= {TARGET_MS:.0f} ms): {'met' if median <= TARGET_MS else 'NOT met'}")
    return 0 if median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
