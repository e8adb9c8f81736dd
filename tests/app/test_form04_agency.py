"""Form 04 comes from the handling agency (issue 15 item 6): its header is the agency under its governing
body, not the one-stop centre, and the agency is named by one name — the office's own name for it,
or the catalog variant for the office's kind of commune — never the catalog's "A / B" label."""

from __future__ import annotations

import subprocess
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app.domain.agency import HandlingAgency, OfficeFacts, commune_of, handling_agency
from app.printing import form04
from app.services.custody_forms import build_apology_slip
from app.services.office import load_calendar
from app.services.results import extend_due_date
from app.store.db import transaction
from app.store.models import Department, Office
from tests.app.test_reception import draft, receive
from tests.conftest import NOW
from tests.pdf_tools import pdf_text

KT_LABEL = "Phòng Kinh tế (UBND xã) / Phòng Kinh tế, Hạ tầng và Đô thị (UBND phường)"
BUILDING_PERMIT = "1.009994"  # Cấp giấy phép xây dựng … nhà ở riêng lẻ: department XA-KT
PROVINCE = OfficeFacts("Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh", "UBND TỈNH QUẢNG NINH", "Quảng Ninh")
WARD = OfficeFacts("UBND phường Hồng Gai", "UBND TỈNH QUẢNG NINH", "Quảng Ninh")
COMMUNE = OfficeFacts("Bộ phận Một cửa", "UBND XÃ TIÊN YÊN", "Quảng Ninh")


@pytest.mark.parametrize(
    ("label", "level", "office", "expected"),
    [
        (KT_LABEL, "xa", WARD, HandlingAgency("Phòng Kinh tế, Hạ tầng và Đô thị", "UBND phường Hồng Gai")),
        (KT_LABEL, "xa", COMMUNE, HandlingAgency("Phòng Kinh tế", "UBND xã TIÊN YÊN")),
        ("Phòng Văn hóa - Xã hội (UBND xã, phường)", "xa", WARD,
         HandlingAgency("Phòng Văn hóa - Xã hội", "UBND phường Hồng Gai")),
        ("Văn phòng Đăng ký đất đai (Sở Nông nghiệp và Môi trường)", "tinh", WARD,
         HandlingAgency("Văn phòng Đăng ký đất đai", "Sở Nông nghiệp và Môi trường")),
        ("Sở Tài chính (Phòng Đăng ký kinh doanh)", "tinh", PROVINCE,
         HandlingAgency("Phòng Đăng ký kinh doanh", "Sở Tài chính")),
        ("Sở Giáo dục và Đào tạo", "tinh", PROVINCE, HandlingAgency("Sở Giáo dục và Đào tạo", "UBND TỈNH QUẢNG NINH")),
        ("Sở Giáo dục và Đào tạo", "tinh", WARD, HandlingAgency("Sở Giáo dục và Đào tạo", "UBND TỈNH QUẢNG NINH")),
        ("Công an tỉnh", "tinh", PROVINCE, HandlingAgency("Công an tỉnh Quảng Ninh", "Bộ Công an")),
        ("Phòng Kinh tế, Hạ tầng và Đô thị", "xa", WARD,  # the office's own name: kept as it is
         HandlingAgency("Phòng Kinh tế, Hạ tầng và Đô thị", "UBND phường Hồng Gai")),
    ],
)  # fmt: skip
def test_one_agency_and_its_governing_body(
    label: str, level: str, office: OfficeFacts, expected: HandlingAgency
) -> None:
    assert handling_agency(label, level, office) == expected


def test_the_commune_is_read_from_the_office_data() -> None:
    assert commune_of(PROVINCE) is None
    assert commune_of(OfficeFacts("Bộ phận Một cửa xã Vân Đồn (DEMO)", "", "Quảng Ninh")) == (
        "xã",
        "UBND xã Vân Đồn",
    )
    assert commune_of(OfficeFacts("Bộ phận Một cửa", "ỦY BAN NHÂN DÂN ĐẶC KHU VÂN ĐỒN", ""))[0] == "đặc khu"


def _apology_pdf(factory, actor, catalog, tmp_path: Path, name: str) -> str:
    d = receive(factory, actor, catalog, draft(catalog, BUILDING_PERMIT))
    with transaction(factory) as s:
        extend_due_date(s, actor, load_calendar(s), d.uid, datetime(2027, 1, 29, 16, 0),
                        "Chờ ý kiến của cơ quan quản lý đê điều", NOW + timedelta(days=2))  # fmt: skip
    with factory() as s:
        slip = build_apology_slip(s, d.uid)
    out = tmp_path / f"{name}.pdf"
    form04.render(slip, out)
    png = Path(f"/tmp/h8/form04-{name}")  # looked at by hand (pdftoppm -r 60)
    png.parent.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(out), str(png)], check=False)
    return unicodedata.normalize("NFC", "\n".join(pdf_text(out.read_bytes())))


def test_form04_of_a_ward_office_is_headed_and_signed_by_the_ward_department(factory, actor, catalog, tmp_path):
    with transaction(factory) as s:
        s.execute(update(Office).values(name="UBND phường Hồng Gai", governing_body="UBND TỈNH QUẢNG NINH"))
    text = _apology_pdf(factory, actor, catalog, tmp_path, "ward")
    flat = " ".join(text.split())
    assert "UBND PHƯỜNG HỒNG GAI" in flat and "PHÒNG KINH TẾ, HẠ TẦNG VÀ ĐÔ THỊ" in flat  # the letterhead
    assert "TRUNG TÂM PHỤC VỤ" not in flat.upper() and "UBND TỈNH" not in flat  # not the centre's header
    assert "(UBND" not in flat and " / " not in flat  # not the catalog's alternatives
    assert flat.count("Phòng Kinh tế, Hạ tầng và Đô thị") == 1  # named once in the text
    assert "Chúng tôi xin lỗi Ông/Bà" in flat and "Mong nhận được sự thông cảm của Ông/Bà./." in flat


def test_form04_uses_the_offices_own_name_for_the_department(factory, actor, catalog, tmp_path):
    with transaction(factory) as s:  # as synced from the server's department list for this unit
        s.execute(update(Department).where(Department.code == "XA-KT").values(name="Phòng Kinh tế xã Tiên Yên"))
        s.execute(update(Office).values(name="Bộ phận Một cửa", governing_body="UBND XÃ TIÊN YÊN"))
    flat = " ".join(_apology_pdf(factory, actor, catalog, tmp_path, "commune").split())
    assert "UBND XÃ TIÊN YÊN" in flat and "PHÒNG KINH TẾ XÃ TIÊN YÊN" in flat
    assert flat.count("Phòng Kinh tế xã Tiên Yên") == 1 and "Hạ tầng" not in flat
