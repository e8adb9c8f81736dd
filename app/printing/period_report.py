"""Biểu II.06a (TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH) and the late-dossier list, A4 landscape.

The counts come from app.services.reports; this module only lays them out: the two-level
heading of DOMAIN.md §8, one row per field grouped by level (a subtotal row per level), the
total row; then, on a new page, the late dossiers with their delay in working time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from reportlab.platypus import Flowable, LongTable, PageBreak, Spacer, Table

from app.domain.period_report import ReportRow
from app.printing.common import Output, esc
from app.printing.landscape import WIDTH, WindowedTable, build, grid_style, lpara, opening
from app.services.report_documents import PeriodDocument
from app.services.reports import LateDossier

TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI"
FORM_NUMBER_TITLE = "Tình hình, kết quả giải quyết thủ tục hành chính"
LATE_TITLE = "DANH SÁCH HỒ SƠ QUÁ HẠN"
NOT_DONE = "chưa xong"
GROUPS = (("Tiếp nhận", 2, 5), ("Đã giải quyết", 6, 9), ("Đang giải quyết", 10, 12))
"""The heading groups: (text, first column, last column), 0-based."""
COLUMNS = (
    "TT",
    "Lĩnh vực",
    "Tổng số",
    "Trực tuyến",
    "Trực tiếp, dịch vụ bưu chính",
    "Từ kỳ trước",
    "Tổng số",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn",
    "Tổng số",
    "Trong hạn",
    "Quá hạn",
)
LATE_COLUMNS = (
    "STT",
    "Mã hồ sơ",
    "Người nộp",
    "Thủ tục hành chính",
    "Hạn trả kết quả",
    "Ngày kết thúc",
    "Thời gian quá hạn",
    "Cơ quan giải quyết",
    "Cán bộ xử lý",
)
_NUMBER_W = 47.0
_WIDTHS = [24.0, WIDTH - 24.0 - 11 * _NUMBER_W, *([_NUMBER_W] * 11)]
_LATE_WIDTHS = [22.0, 68.0, 88.0, 170.0, 54.0, 54.0, 82.0, 110.0, 0.0]
_LATE_WIDTHS[-1] = WIDTH - sum(_LATE_WIDTHS)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def counts(row: ReportRow) -> list[int]:
    """The eleven figures of a row, in column order."""
    return [
        row.received_total, row.received_online, row.received_direct_postal, row.carried_over,
        row.resolved_total, row.resolved_early, row.resolved_on_time, row.resolved_late,
        row.in_progress_total, row.in_progress_on_time, row.in_progress_late,
    ]  # fmt: skip


def table_rows(data: PeriodDocument) -> list[tuple[str, str, list[int], str]]:
    """The body of the report: (TT, Lĩnh vực, figures, kind) with kind "level", "field" or "total"."""
    out: list[tuple[str, str, list[int], str]] = []
    for i, group in enumerate(data.report.groups):
        out.append((ROMAN[i] if i < len(ROMAN) else str(i + 1), group.level_label, counts(group.subtotal), "level"))
        for n, row in enumerate(group.rows, start=1):
            out.append((str(n), row.field or "Chưa xác định lĩnh vực", counts(row), "field"))
    out.append(("", "Tổng cộng", counts(data.report.total), "total"))
    return out


def late_values(n: int, d: LateDossier) -> list[Any]:
    """One line of the late list, as the .xlsx writes it (dates as datetimes, "chưa xong" when open)."""
    return [
        n, d.code, d.applicant_name, d.procedure_name, d.due_at, d.end_at if d.end_at is not None else NOT_DONE,
        d.delay_text, d.department_name, d.officer_name,
    ]  # fmt: skip


def _heading_rows() -> tuple[list[list[Any]], list[tuple[Any, ...]]]:
    top: list[Any] = [lpara(esc(COLUMNS[0]), "th"), lpara(esc(COLUMNS[1]), "th")] + [""] * 11
    second: list[Any] = ["", ""] + [lpara(esc(c), "th") for c in COLUMNS[2:]]
    spans: list[tuple[Any, ...]] = [("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1))]
    for text, first, last in GROUPS:
        top[first] = lpara(esc(text), "th")
        spans.append(("SPAN", (first, 0), (last, 0)))
    numbers: list[Any] = [lpara(f"({n})", "cell_c") for n in range(1, len(COLUMNS) + 1)]
    return [top, second, numbers], spans


def _report_table(data: PeriodDocument) -> Table:
    rows, extra = _heading_rows()
    for tt, name, figures, kind in table_rows(data):
        bold = kind != "field"
        rows.append(
            [
                lpara(esc(tt), "cell_bc" if bold else "cell_c"),
                lpara(esc(name), "cell_b" if bold else "cell"),
                *[lpara(str(v), "cell_bc" if bold else "cell_c") for v in figures],
            ]
        )
        if kind == "total":
            extra.append(("SPAN", (0, len(rows) - 1), (1, len(rows) - 1)))
            rows[-1][0] = lpara("TỔNG CỘNG", "cell_bc")
    table = Table(rows, colWidths=_WIDTHS, repeatRows=3)
    table.setStyle(grid_style(3, extra))
    return table


def _when(value: datetime | None) -> str:
    return f"{value:%d/%m/%Y}<br/>{value:%H:%M}" if value is not None else ""


def _late_styled(rows: list[list[Any]], heading_rows: int, extra: Sequence[tuple[Any, ...]] = ()) -> LongTable:
    table = LongTable(rows, colWidths=_LATE_WIDTHS, repeatRows=heading_rows)
    table.setStyle(grid_style(heading_rows, extra))
    return table


def _late_table(data: PeriodDocument) -> Flowable:
    """The late dossiers, a page at a time (a year's list can run to thousands of lines)."""
    heading = [lpara(esc(c), "th") for c in LATE_COLUMNS]
    if not data.late:
        empty = [lpara("Không có hồ sơ quá hạn trong kỳ.", "cell_c")] + [""] * (len(LATE_COLUMNS) - 1)
        return _late_styled([heading, empty], 1, [("SPAN", (0, 1), (-1, 1))])
    rows: list[list[Any]] = []
    for n, d in enumerate(data.late, start=1):
        unit, sep, rest = d.code.partition("-")
        rows.append(
            [
                lpara(str(n), "cell_c"),
                lpara(f"{esc(unit)}{sep}<br/>{esc(rest)}" if sep else esc(d.code)),
                lpara(esc(d.applicant_name)),
                lpara(esc(d.procedure_name)),
                lpara(_when(d.due_at), "cell_c"),
                lpara(_when(d.end_at) if d.end_at is not None else f"<i>{NOT_DONE}</i>", "cell_c"),
                lpara(esc(d.delay_text), "cell_c"),
                lpara(esc(d.department_name)),
                lpara(esc(d.officer_name)),
            ]
        )
    return WindowedTable([heading], rows, _late_styled, window=60)


def unit_title(data: PeriodDocument) -> str:
    """The report's title with the unit: "TÌNH HÌNH, … TẠI TRUNG TÂM …"."""
    return f"{TITLE} {data.header.unit_name}"


def render(data: PeriodDocument, out: Output) -> None:
    """Render Biểu II.06a and, from a new page, the late-dossier list (when listed) on A4 landscape.

    Args:
        data: The period document (app.services.report_documents.build_period_document).
        out: A file path or a binary file object to write the PDF to.
    """
    story: list[Flowable] = [
        *opening(data.header, data.made_at.date(), unit_title(data), f"Kỳ báo cáo: {esc(data.period_text.lower())}"),
        lpara("Đơn vị tính: hồ sơ", "cell_r"),
        Spacer(1, 3),
        _report_table(data),
    ]
    if data.late_listed:
        story += [
            PageBreak(),
            lpara(LATE_TITLE, "title"),
            lpara(f"Kỳ báo cáo: {esc(data.period_text.lower())} – {len(data.late)} hồ sơ", "subtitle"),
            lpara("Thời gian quá hạn tính theo ngày, giờ làm việc của đơn vị (trừ thời gian chờ bổ sung).", "subtitle"),
            Spacer(1, 5),
            _late_table(data),
        ]
    build(
        story,
        out,
        title=f"{FORM_NUMBER_TITLE} – {data.period_text}",
        running=f"{data.header.unit_name} – Biểu II.06a – {data.period_text}",
        form_number=data.form_number,
        demo=data.demo,
    )
