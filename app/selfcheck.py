"""`motcua self-check`: what IT staff run after installing, to see every native part work.

Each check runs a real piece of the pipeline (no Qt): print a separator sheet with the shipped
fonts, render it as a scanner would see it, read its barcodes back, compress a black-and-white
page with CCITT G4 into a PDF, write and verify a content-addressed file, and look for scanners
and the OS keyring. A failure names the part and what to do, in Vietnamese.
"""

from __future__ import annotations

import functools
import io
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

SAMPLE_CODE = "000.01.00.H49-261122-0001"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    required: bool = True  # a missing optional part (no SANE on Windows) does not fail the run


@functools.cache
def _sheet() -> bytes:
    from app.printing.cover_sheet import render_cover_sheet

    return render_cover_sheet(SAMPLE_CODE, "Nguyễn Thị Thuỳ Dương", "Chứng thực bản sao từ bản chính", "Tự kiểm tra")


@functools.cache
def _scanned_sheet() -> Image.Image:
    """The sheet as a 200-dpi grey scan (made once; the checks only read it)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(_sheet())
    try:
        bitmap = document[0].render(scale=200 / 72, fill_color=(255, 255, 255, 255))
        image: Image.Image = bitmap.to_pil().convert("L")
        return image
    finally:
        document.close()


def check_printing() -> str:
    pdf = _sheet()
    if not pdf.startswith(b"%PDF"):
        raise RuntimeError("tệp in không phải PDF")
    return f"tờ phân cách A4 in được ({len(pdf) // 1024} KB, phông chữ kèm theo phần mềm)"


def check_barcodes() -> str:
    from app.scanning.analysis import find_dossier_code

    found = find_dossier_code(_scanned_sheet(), dpi=200)
    if found != SAMPLE_CODE:
        raise RuntimeError(f"đọc được {found!r}, cần {SAMPLE_CODE}")
    return "đọc lại được mã hồ sơ trên tờ phân cách (zxing-cpp, pypdfium2)"


def check_compression() -> str:
    import pikepdf

    from app.scanning.model import ColorMode, Page
    from app.scanning.output import binarise, compose_pdf

    pdf = compose_pdf([Page(binarise(_scanned_sheet()), 200, ColorMode.BW, "tự kiểm tra")])
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        filters = set()
        page = doc.pages[0]
        images = page.get_images() if hasattr(page, "get_images") else page.images  # pikepdf < 10
        for stream in images.values():
            found = stream.get("/Filter")
            filters |= {str(f) for f in found} if isinstance(found, pikepdf.Array) else {str(found)}
    if "/CCITTFaxDecode" not in filters:
        raise RuntimeError(f"ảnh đen trắng không được nén CCITT G4 ({filters})")
    return f"trang đen trắng nén CCITT G4 trong PDF ({len(pdf) // 1024} KB)"


def check_storage(data_dir: Path | None) -> str:
    from app.scanning.blobs import BlobStore

    base = data_dir if data_dir is not None and data_dir.is_dir() else None
    folder = Path(tempfile.mkdtemp(prefix="motcua-selfcheck-", dir=base))
    try:
        store = BlobStore(folder)
        sha = store.put(b"%PDF-1.4 tu kiem tra")
        if store.read(sha) != b"%PDF-1.4 tu kiem tra":
            raise RuntimeError("đọc lại không khớp nội dung đã ghi")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    where = f"thư mục dữ liệu {base}" if base else "thư mục tạm"
    return f"ghi tệp đính kèm an toàn (ghi tạm, fsync, đổi tên) và kiểm tra SHA-256 trong {where}"


def check_scanners() -> str:
    from app.scanning.devices import ScannerConfig, list_devices

    devices = list_devices(ScannerConfig())
    if not devices:
        return "chưa thấy máy quét nào (SANE/TWAIN); máy quét mạng eSCL và thư mục quét khai báo trong Cài đặt"
    return "thấy " + ", ".join(d.name for d in devices[:5]) + (" …" if len(devices) > 5 else "")


def check_keyring() -> str:
    import keyring

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if "fail" in name.lower() or "null" in name.lower():
        raise RuntimeError("không có kho khóa của hệ điều hành; máy trạm không đăng ký với máy chủ được")
    if "plaintext" in name.lower() or "keyrings.alt" in name:
        raise RuntimeError(f"kho khóa {name} lưu mật khẩu dạng văn bản thường: không được dùng")
    return name


def run_checks(data_dir: Path | None = None) -> list[CheckResult]:
    """Every check, in order; never raises."""
    checks: list[tuple[str, Callable[[], str], bool]] = [
        ("In phiếu (reportlab, phông chữ)", check_printing, True),
        ("Đọc mã vạch trên trang quét", check_barcodes, True),
        ("Nén trang quét vào PDF", check_compression, True),
        ("Lưu tệp đính kèm", lambda: check_storage(data_dir), True),
        ("Máy quét tài liệu", check_scanners, False),
        ("Kho khóa hệ điều hành", check_keyring, False),
    ]
    results = []
    for name, check, required in checks:
        started = time.perf_counter()
        try:
            detail = check()
            ok = True
        except Exception as exc:  # every failure becomes a line of the report
            detail, ok = f"{exc.__class__.__name__}: {exc}", False
        ms = (time.perf_counter() - started) * 1000
        results.append(CheckResult(name, ok, f"{detail} [{ms:.0f} ms]", required))
    return results


def report(results: list[CheckResult]) -> tuple[str, int]:
    """The printed report and the exit code (1 when a required part fails)."""
    lines = []
    for r in results:
        mark = "ĐẠT " if r.ok else ("LỖI " if r.required else "CHÚ Ý")
        lines.append(f"[{mark}] {r.name}: {r.detail}")
    failed = [r for r in results if r.required and not r.ok]
    lines.append(
        "Kết quả: mọi bộ phận cần thiết hoạt động." if not failed
        else f"Kết quả: {len(failed)} bộ phận lỗi; cài lại phần mềm hoặc báo bộ phận CNTT."
    )  # fmt: skip
    return "\n".join(lines), 1 if failed else 0
