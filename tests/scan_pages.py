"""Realistic scanned pages for the scanning tests and benchmarks.

Printed documents (form 01, a label sheet, the cover sheet, a page of text) are rendered with our
reportlab code, rasterised at 300 dpi onto white with pypdfium2, then "scanned": rotated or
skewed, noised (salt and pepper, specks), slightly blurred, optionally thresholded to B/W like a
scanner in black-and-white mode. Blank pages get scanner noise, a dark edge strip, punch holes and
optionally the faint bleed-through of a printed back.
"""

from __future__ import annotations

import io
import math
import random
from datetime import datetime

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter, ImageOps
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from app.printing import form01, labels
from app.printing.cover_sheet import render_cover_sheet
from app.printing.data import (
    A4_3X8,
    Applicant,
    LabelData,
    LabelPrintJob,
    OfficeHeader,
    ReceiptSlip,
    SlipDocument,
)
from app.printing.fonts import SERIF, SERIF_BOLD, register_fonts

DPI = 300
A4_PX = (round(210 / 25.4 * DPI), round(297 / 25.4 * DPI))  # 2480 × 3508
HEADER = OfficeHeader("UBND TỈNH QUẢNG NINH", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "Quảng Ninh")
NAME = "Nguyễn Thị Thuỳ Dương"
PROCEDURE = "Đăng ký thành lập hộ kinh doanh"


def code(i: int) -> str:
    """A valid dossier code, different for each ``i``."""
    return f"000.01.00.H49-261122-{i:04d}"


# --- printed documents --------------------------------------------------------------------------


def slip_pdf(dossier_code: str) -> bytes:
    """Form 01 (two A5 copies) for ``dossier_code``."""
    data = ReceiptSlip(
        header=HEADER,
        form_number="Mẫu số 01",
        dossier_code=dossier_code,
        receiving_unit="Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
        applicant=Applicant(NAME, "022190012345", "Phường Hồng Gai, Hạ Long, Quảng Ninh", "0912 345 678", ""),
        procedure_name=PROCEDURE,
        procedure_code="2.000720",
        documents=(
            SlipDocument("Giấy đề nghị đăng ký hộ kinh doanh", "Bản chính", 1),
            SlipDocument("Bản sao Căn cước công dân của chủ hộ kinh doanh", "Bản sao có chứng thực", 1),
        ),
        sets=1,
        processing_time_text="03 ngày làm việc",
        received_at=datetime(2026, 11, 22, 9, 5),
        due_at=datetime(2026, 11, 25, 16, 30),
        return_place="Quầy số 3",
        fee_text="100.000 ₫",
        register_book="01",
        register_number="1234",
        officer_name="Trần Văn Hưởng",
    )
    out = io.BytesIO()
    form01.render(data, out)
    return out.getvalue()


def label_sheet_pdf(codes: list[str]) -> bytes:
    """An A4 sheet of 3 × 8 folder labels."""
    items = tuple(LabelData(c, NAME, PROCEDURE, datetime(2026, 11, 25, 16, 30), "TTPVHCC Quảng Ninh") for c in codes)
    out = io.BytesIO()
    labels.render(LabelPrintJob(items, A4_3X8), out)
    return out.getvalue()


def cover_pdf(dossier_code: str) -> bytes:
    """The cover sheet of ``dossier_code``."""
    return render_cover_sheet(dossier_code, NAME, PROCEDURE, "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh")


_TEXT = (
    "hồ sơ thủ tục hành chính giấy chứng nhận quyền sử dụng đất đăng ký hộ kinh doanh ủy ban nhân dân "
    "phường xã thị trấn căn cứ luật đất đai nghị định thông tư hướng dẫn thi hành công dân cư trú tại "
    "địa chỉ số điện thoại cam đoan những lời khai trên là đúng sự thật chịu trách nhiệm trước pháp luật "
    "đề nghị cơ quan có thẩm quyền xem xét giải quyết theo quy định hiện hành bản sao có chứng thực"
)
_WORDS = _TEXT.split(" ")


def text_page_pdf(seed: int = 0, paragraphs: int = 9) -> bytes:
    """An A4 page of Vietnamese administrative-looking text (an applicant's document)."""
    register_fonts()
    rng = random.Random(seed)
    body = ParagraphStyle("b", fontName=SERIF, fontSize=12.5, leading=17, firstLineIndent=24)
    title = ParagraphStyle("t", fontName=SERIF_BOLD, fontSize=14, leading=20, alignment=1)
    story = [Paragraph("ĐƠN ĐỀ NGHỊ CẤP GIẤY CHỨNG NHẬN", title), Spacer(1, 10)]
    for _ in range(paragraphs):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(45, 75))]
        story.append(Paragraph(" ".join(words).capitalize() + ".", body))
        story.append(Spacer(1, 6))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=30 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        invariant=True,
    )
    doc.build(story)
    return out.getvalue()


def rasterise(pdf: bytes, index: int = 0, dpi: int = DPI) -> Image.Image:
    """Page ``index`` of ``pdf`` as an 8-bit grey image at ``dpi``, on white."""
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[index]
        bitmap = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255), grayscale=True)
        image: Image.Image = bitmap.to_pil().convert("L")
        page.close()
    finally:
        doc.close()
    image.info["dpi"] = (dpi, dpi)
    return image


# --- the scanner -------------------------------------------------------------------------------


def scan(
    image: Image.Image,
    *,
    rotation: float = 0,
    noise: float = 0.002,
    speckles: int = 40,
    blur: float = 0.6,
    bw: bool = False,
    paper: int = 242,
    seed: int = 0,
) -> Image.Image:
    """``image`` as a scanner would deliver it.

    Args:
        image: A clean grey rendering.
        rotation: Degrees counter-clockwise (90/180/270 for a page fed the wrong way, small values
            for skew); the uncovered corners are paper-coloured.
        noise: Share of pixels flipped to black or white (salt and pepper).
        speckles: Number of small dark dots (dust).
        blur: Gaussian blur radius in pixels (optics).
        bw: Threshold to a 1-bit image, as a scanner in black-and-white mode does.
        paper: Grey level of the paper (scanned white is never 255).
        seed: Random seed.
    """
    rng = np.random.default_rng(abs(seed))
    dpi = image.info.get("dpi", (DPI, DPI))
    grey = image.convert("L")
    # Paper is not pure white: map 0..255 to 10..paper.
    arr = np.asarray(grey, dtype=np.float32) * ((paper - 10) / 255.0) + 10
    grey = Image.fromarray(arr.astype(np.uint8), "L")
    if rotation:
        if rotation % 90 == 0:
            grey = grey.rotate(rotation, expand=True)
        else:
            grey = grey.rotate(rotation, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=paper)
    if blur:
        grey = grey.filter(ImageFilter.GaussianBlur(blur))
    draw = ImageDraw.Draw(grey)
    w, h = grey.size
    for _ in range(speckles):
        x, y, r = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(1, 4))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=int(rng.integers(20, 90)))
    arr = np.array(grey, dtype=np.uint8)
    if noise:
        mask = rng.random(arr.shape) < noise
        arr[mask] = np.where(rng.random(int(mask.sum())) < 0.5, 0, 255).astype(np.uint8)
    out = Image.fromarray(arr, "L")
    if bw:
        out = out.point(lambda v: 255 if v > 150 else 0).convert("1")
    out.info["dpi"] = dpi
    return out


def blank_page(
    *,
    seed: int = 0,
    noise: float = 0.003,
    speckles: int = 60,
    edge_strip: bool = True,
    punch_holes: bool = True,
    bleed_through: Image.Image | None = None,
    bw: bool = False,
) -> Image.Image:
    """A blank A4 page at 300 dpi as scanned: noise, specks, a dark edge strip, punch holes.

    Args:
        bleed_through: A clean rendering of the page's printed other side; it shows through
            faintly, mirrored.
    """
    w, h = A4_PX
    page = Image.new("L", (w, h), 255)
    if bleed_through is not None:
        back = ImageOps.mirror(bleed_through.convert("L").resize((w, h)))
        faint = np.asarray(back, dtype=np.float32) * 0.12 + 255 * 0.88  # ink 0 → ~224
        page = Image.fromarray(faint.astype(np.uint8), "L").filter(ImageFilter.GaussianBlur(2.0))
    page.info["dpi"] = (DPI, DPI)
    out = scan(page, noise=noise, speckles=speckles, seed=seed)
    draw = ImageDraw.Draw(out)
    if edge_strip:
        # The scanner lid's dark band along one side, slightly wedge-shaped (page fed skewed).
        draw.polygon([(w - 70, 0), (w, 0), (w, h), (w - 110, h)], fill=35)
        draw.rectangle((0, 0, w, 25), fill=50)
    if punch_holes:
        for cy in (h // 2 - 480, h // 2 + 480):
            draw.ellipse((110, cy - 37, 184, cy + 37), fill=30)
    if bw:
        out = out.point(lambda v: 255 if v > 150 else 0).convert("1")
    out.info["dpi"] = (DPI, DPI)
    return out


def handwriting(image: Image.Image, *, kind: str = "line", seed: int = 0) -> Image.Image:
    """``image`` with a short handwritten-looking line (``"line"``) or a signature (``"signature"``)."""
    rng = random.Random(seed)
    out = image.convert("L").copy()
    draw = ImageDraw.Draw(out)
    w, h = out.size
    if kind == "signature":
        x0, y0 = int(w * 0.6), int(h * 0.78)
        points = []
        for i in range(60):
            t = i / 59
            points.append((x0 + t * 420 + 60 * math.sin(t * 19), y0 + 70 * math.sin(t * 11 + rng.random()) - 40 * t))
        draw.line(points, fill=25, width=6, joint="curve")
    else:
        x0, y0 = int(w * 0.2), int(h * 0.4)
        points = [(x0 + i * 12, y0 + 14 * math.sin(i * 0.9 + rng.random())) for i in range(70)]  # ~7 cm
        draw.line(points, fill=30, width=5, joint="curve")
    out.info["dpi"] = image.info.get("dpi", (DPI, DPI))
    return out
