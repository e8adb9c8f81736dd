"""The register's .xlsx: the lines added as XML (app.printing.xlsx._add_lines) give the very workbook
XlsxWriter gives when it writes every cell itself."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import xlsxwriter
from openpyxl import load_workbook

from app.errors import UserFacingError
from app.printing import register as register_pdf
from app.printing import xlsx
from app.printing.data import OfficeHeader
from app.services.register import Register, RegisterRow

# Texts the XML must escape or mark, Vietnamese, repeated, equal to a heading, longer than Excel's limit.
ODD_TEXTS = (
    'Công ty TNHH Hải Long & Cộng sự <chi nhánh> "Hạ Long"',
    "Nguyễn Thị Ánh Tuyết",
    "ký tự điều khiển \x01 và \x1f",
    "_x0041_ viết sẵn",
    "  cách đầu",
    "cách cuối\t",
    "hai dòng\nĐT: 0912345678",
    "không phải ký tự \ufffe",
    "STT",  # also a heading: the shared string is reused
    "Đã hẹn lại ngày trả (hẹn cũ 01/12/2026)",
    "😀 dài " + "Số 12, phố Lê Thánh Tông, phường Hồng Gai, " * 800,  # over 32,767 UTF-16 units: cut
)
FIRST = datetime(2026, 11, 23, 7, 30)


def _row(i: int) -> RegisterRow:
    at = FIRST + timedelta(days=i // 5, minutes=17 * i, seconds=i % 3, microseconds=(i % 4) * 250_000)
    step = [at + timedelta(hours=h) if i % m else None for h, m in ((2, 3), (30, 4), (50, 5))]
    return RegisterRow(
        number=i + 1,
        code="" if i == 3 else f"000.01.00.H49-{at:%y%m%d}-{i + 1:04d}",
        procedure_name=ODD_TEXTS[i % len(ODD_TEXTS)] if i % 2 else "Đăng ký khai sinh",
        sets=1 + i % 3,
        applicant_name=ODD_TEXTS[(i * 7 + 1) % len(ODD_TEXTS)],  # line 1: plain texts
        address_phone="" if i % 6 == 0 else f"Số {i}, tổ 3, khu 5, phường Bãi Cháy; ĐT: 09{i:08d}",
        department_name="Phòng Tư pháp",
        received_at=at,
        due_at=None if i == 5 else at + timedelta(days=3),
        sent_at=step[0],
        result_at=step[1],
        returned_at=step[2],
        note=ODD_TEXTS[i % len(ODD_TEXTS)] if i % 19 == 18 else "",
    )


def _register(lines: int) -> Register:
    return Register(
        header=OfficeHeader("UBND TỈNH QUẢNG NINH", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG & <DEMO>", "Quảng Ninh"),
        unit_code="000.01.00.H49",
        form_number="Mẫu số 07",
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        period_text="Năm 2026",
        rows=tuple(_row(i) for i in range(lines)),
        made_at=datetime(2026, 12, 7, 9),
        demo=False,
    )


def _as_openpyxl_reads(text: str) -> str:
    return re.sub(r"[\x00-\x08\x0b-\x1f\ufffe]", lambda m: f"_x{ord(m[0]):04X}_", text)


def _reference(data: Register) -> bytes:
    """The workbook XlsxWriter writes when every line goes through its own cell writers (before issue 14's fix)."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    xlsx._register_sheet(wb, data, lines=len(data.rows))
    wb.close()
    return out.getvalue()


def _export(data: Register) -> bytes:
    out = io.BytesIO()
    xlsx.save_register(data, out)
    return out.getvalue()


def _font(c: Any) -> tuple[Any, ...]:
    return c.font.name, c.font.b, c.font.i, c.font.sz


def _look(c: Any) -> tuple[Any, ...]:
    """What a cell shows: value, type, number format, font, fill, borders, alignment."""
    b, a = c.border, c.alignment
    return (
        c.value, c.data_type, c.number_format, _font(c), c.fill.fill_type, c.fill.fgColor.rgb,
        b.left.style, b.right.style, b.top.style, b.bottom.style, a.horizontal, a.vertical, a.wrap_text,
    )  # fmt: skip


def _sheet(data: bytes) -> Any:
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Sổ theo dõi hồ sơ"]
    return wb.active


@pytest.mark.parametrize("lines", [1, 2, 8, 9, 10, 25, 57])  # lines 9 and 10 sit either side of row 16
def test_export_is_the_workbook_xlsxwriter_writes_cell_by_cell(lines):
    data = _register(lines)
    new, old = _sheet(_export(data)), _sheet(_reference(data))
    assert (new.max_row, new.max_column) == (old.max_row, old.max_column) == (xlsx.FIRST_LINE + lines, 14)
    assert new.dimensions == old.dimensions
    for got, want in zip(new.iter_rows(), old.iter_rows(), strict=True):
        for g, w in zip(got, want, strict=True):
            assert _look(g) == _look(w), g.coordinate
    assert new.merged_cells.ranges == old.merged_cells.ranges
    assert {k: d.width for k, d in new.column_dimensions.items()} == {
        k: d.width for k, d in old.column_dimensions.items()
    }
    assert new.freeze_panes == old.freeze_panes == f"A{xlsx.FIRST_LINE + 1}"
    assert new.print_title_rows == old.print_title_rows == "$5:$7"
    for attr in ("orientation", "paperSize", "fitToWidth", "fitToHeight"):
        assert getattr(new.page_setup, attr) == getattr(old.page_setup, attr), attr
    assert new.sheet_properties.pageSetUpPr.fitToPage and old.sheet_properties.pageSetUpPr.fitToPage
    assert new.oddFooter.right.text == old.oddFooter.right.text == "Trang &P/&N"


def test_values_read_back_as_written():
    data = _register(57)
    ws = _sheet(_export(data))
    for r, row in enumerate(data.rows, start=xlsx.FIRST_LINE + 1):
        got = [ws.cell(row=r, column=c).value for c in range(1, 15)]
        want = [None if v == "" else v for v in register_pdf.row_values(row)]
        # Excel keeps whole milliseconds at most; a text is cut at 32,767 UTF-16 units; openpyxl leaves
        # the _xHHHH_ of a control character as it is (Excel reads it back as the character).
        want = [v.replace(microsecond=round(v.microsecond, -3)) if isinstance(v, datetime) else v for v in want]
        want = [_as_openpyxl_reads(v)[:32760] if isinstance(v, str) else v for v in want]
        got = [v[:32760] if isinstance(v, str) else v for v in got]
        assert got == want, r
    assert ws.cell(row=xlsx.FIRST_LINE + 20, column=8).number_format == xlsx.DATE_FORMAT
    assert ws["A3"].value == "Năm 2026 – tổng số 57 hồ sơ"


@pytest.mark.parametrize("lines", [0, 1, 10, 57])
def test_file_parts_are_xlsxwriters_byte_for_byte(lines):
    """The sheet and the shared strings as XlsxWriter writes them (its spans, counts, escapes); if an
    XlsxWriter release changes its form, this says so before a user's Excel does."""
    new, old = (
        zipfile.ZipFile(io.BytesIO(_export(_register(lines)))),
        zipfile.ZipFile(io.BytesIO(_reference(_register(lines)))),
    )
    assert new.namelist() == old.namelist()
    for name in old.namelist():
        if name != "docProps/core.xml":  # the time it was made
            assert new.read(name) == old.read(name), name
        got, want = new.getinfo(name), old.getinfo(name)
        assert (
            (got.compress_type, got.date_time)
            == (want.compress_type, want.date_time)
            == (zipfile.ZIP_DEFLATED, (1980, 1, 1, 0, 0, 0))
        )


def test_export_to_a_path_and_to_a_missing_folder(tmp_path):
    """The register screen writes straight to the chosen file; a folder that is gone is a Vietnamese message."""
    data = _register(20)
    xlsx.save_register(data, tmp_path / "Sổ theo dõi hồ sơ.xlsx")
    assert _sheet((tmp_path / "Sổ theo dõi hồ sơ.xlsx").read_bytes()).max_row == xlsx.FIRST_LINE + 20
    with pytest.raises(UserFacingError, match=r"Không ghi được tệp .*Hãy đóng tệp nếu đang mở trong Excel"):
        xlsx.save_register(data, tmp_path / "không có" / "so.xlsx")
