"""Importing PDF and image files as pages: order, PDF references, modes, bad files in Vietnamese."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from app.scanning.importer import count_pages, import_files
from app.scanning.model import CancelToken, ColorMode, PdfPageRef, ScanError, ScanErrorKind


def make_pdf(path: Path, pages: int) -> Path:
    """A text-heavy A4 PDF whose page n shows "Trang n" and a black box at a page-dependent height."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, pages + 1):
        pdf.setFont("Helvetica", 28)
        pdf.drawString(72, 760, f"Trang {n}")
        pdf.setFont("Helvetica", 10)
        for line in range(45):
            pdf.drawString(72, 720 - line * 14, f"Dong {line + 1}: noi dung ho so so {n:03d}")
        pdf.rect(400, 100 + n * 5, 60, 20, fill=1)
        pdf.showPage()
    pdf.save()
    return path


def test_hundred_page_pdf_imports_every_page_in_order_quickly(tmp_path):
    source = make_pdf(tmp_path / "ho-so.pdf", 100)
    assert count_pages([source]) == 100
    started = time.perf_counter()
    pages = list(import_files([source], CancelToken(), dpi=150))
    per_page_ms = (time.perf_counter() - started) * 1000 / len(pages)
    print(f"PDF import: {per_page_ms:.1f} ms per page at 150 dpi (100 pages)")
    assert [p.pdf_page for p in pages] == [PdfPageRef(source, i) for i in range(100)]
    assert [p.origin for p in pages][:2] == ["nhập tệp ho-so.pdf trang 1", "nhập tệp ho-so.pdf trang 2"]
    assert all(p.image.mode == "L" and p.dpi == 150 and p.color_mode is ColorMode.GRAY for p in pages)
    assert pages[0].image.size == (1240, 1754) or pages[0].image.size == (1241, 1754)  # A4 at 150 dpi
    # Order: the black box moves up 5 pt per page, so its top row in the image moves up too.
    tops = [box_top(p.image) for p in pages]
    assert tops == sorted(tops, reverse=True) and len(set(tops)) == 100
    assert per_page_ms <= 40


def box_top(image: Image.Image) -> int:
    """First dark row in the box column (x = 430 pt at 150 dpi)."""
    column = np.asarray(image)[:, int(430 * 150 / 72)]
    return int(np.argmax(column < 64))


def test_pdf_rendering_paints_on_white(tmp_path):
    source = make_pdf(tmp_path / "a.pdf", 1)
    [page] = import_files([source], CancelToken(), dpi=72)
    assert page.image.getpixel((5, 5)) == 255  # blank margin is white, not transparent black


def test_images_png_jpeg_bmp_and_multipage_tiff(tmp_path):
    png = tmp_path / "1-mau.png"
    Image.new("RGB", (200, 100), (200, 30, 30)).save(png, dpi=(300, 300))
    jpeg = tmp_path / "2-xam.jpg"
    Image.new("L", (120, 80), 128).save(jpeg, dpi=(200, 200))
    bmp = tmp_path / "3-den-trang.bmp"
    Image.new("1", (64, 64), 1).save(bmp)
    tiff = tmp_path / "4-nhieu-trang.tif"
    frames = [Image.new("L", (50, 70), shade) for shade in (10, 120, 240)]
    frames[0].save(tiff, save_all=True, append_images=frames[1:], compression="tiff_lzw", dpi=(300, 300))
    paths = [png, jpeg, bmp, tiff]
    assert count_pages(paths) == 6
    pages = list(import_files(paths, CancelToken()))
    assert [(p.image.mode, p.color_mode) for p in pages] == [
        ("RGB", ColorMode.COLOR),
        ("L", ColorMode.GRAY),
        ("1", ColorMode.BW),
        ("L", ColorMode.GRAY),
        ("L", ColorMode.GRAY),
        ("L", ColorMode.GRAY),
    ]
    assert [p.dpi for p in pages[:2]] == [300, 200]
    assert pages[2].dpi == 96  # Pillow's BMP writer stores 96 dpi
    no_dpi = tmp_path / "5-khong-dpi.png"
    Image.new("L", (10, 10)).save(no_dpi)
    assert next(import_files([no_dpi], CancelToken())).dpi == 200  # no resolution stored: the default
    assert [p.image.getpixel((1, 1)) for p in pages[3:]] == [10, 120, 240]  # TIFF frames in order
    assert [p.origin for p in pages[3:]] == [f"nhập tệp 4-nhieu-trang.tif trang {n}" for n in (1, 2, 3)]
    assert all(p.pdf_page is None for p in pages)


def test_transparent_png_becomes_white_not_black(tmp_path):
    path = tmp_path / "trong-suot.png"
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((10, 10, 20, 20), fill=(0, 0, 255, 255))
    image.save(path)
    [page] = import_files([path], CancelToken())
    assert page.image.getpixel((0, 0)) == (255, 255, 255) and page.image.getpixel((15, 15)) == (0, 0, 255)


def corrupt_message(paths: list[Path]) -> ScanError:
    with pytest.raises(ScanError) as caught:
        list(import_files(paths, CancelToken()))
    with pytest.raises(ScanError) as counted:
        count_pages(paths)
    assert counted.value.message == caught.value.message
    return caught.value


def test_truncated_pdf_is_named_in_the_error(tmp_path):
    good = make_pdf(tmp_path / "tot.pdf", 3)
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    error = corrupt_message([broken])
    assert error.kind is ScanErrorKind.CORRUPT_FILE
    assert error.message.startswith("Không nhập được tệp «hong.pdf»: tệp PDF bị hỏng")


def test_text_file_renamed_pdf_and_zero_byte_file(tmp_path):
    fake = tmp_path / "ghi-chu.pdf"
    fake.write_text("Đây không phải PDF", encoding="utf-8")
    assert "«ghi-chu.pdf»" in corrupt_message([fake]).message
    empty = tmp_path / "rong.png"
    empty.touch()
    error = corrupt_message([empty])
    assert error.kind is ScanErrorKind.CORRUPT_FILE and "«rong.png»: tệp rỗng (0 byte)" in error.message


def test_pdf_without_pages(tmp_path):
    empty = tmp_path / "khong-trang.pdf"
    pikepdf.new().save(empty)
    error = corrupt_message([empty])
    assert error.kind is ScanErrorKind.CORRUPT_FILE and "«khong-trang.pdf»: tệp PDF không có trang nào" in error.message


def test_encrypted_pdf_asks_to_unlock(tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", 1)
    locked = tmp_path / "co-mat-khau.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="1234", owner="5678"))
    error = corrupt_message([locked])
    assert error.kind is ScanErrorKind.CORRUPT_FILE and "có mật khẩu" in error.message


def test_corrupt_image_missing_file_and_unknown_type(tmp_path):
    png = tmp_path / "anh.png"
    Image.new("RGB", (300, 300), (1, 2, 3)).save(png)
    png.write_bytes(png.read_bytes()[:60])
    assert "«anh.png»: tệp ảnh bị hỏng" in corrupt_message([png]).message
    assert "«mat.pdf»: không mở được tệp" in corrupt_message([tmp_path / "mat.pdf"]).message
    doc = tmp_path / "don.docx"
    doc.write_bytes(b"PK\x03\x04")
    error = corrupt_message([doc])
    assert error.kind is ScanErrorKind.UNSUPPORTED and "chỉ nhận tệp PDF, PNG, JPEG, TIFF hoặc BMP" in error.message


def test_pages_before_a_bad_file_arrive_and_cancel_stops(tmp_path):
    good = make_pdf(tmp_path / "a.pdf", 2)
    bad = tmp_path / "b.pdf"
    bad.write_bytes(b"%PDF-1.4 rubbish")
    stream = import_files([good, bad], CancelToken(), dpi=50)
    assert [next(stream).pdf_page, next(stream).pdf_page] == [PdfPageRef(good, 0), PdfPageRef(good, 1)]
    with pytest.raises(ScanError, match=r"«b\.pdf»"):
        next(stream)
    cancel = CancelToken()
    stream = import_files([good], cancel, dpi=50)
    next(stream)
    cancel.cancel()
    with pytest.raises(ScanError) as caught:
        next(stream)
    assert caught.value.kind is ScanErrorKind.CANCELLED
